/* plan_json.c — the JSON form of a plan (`qrc plan --json`), field names as in plan.proto. */
#include <jansson.h>
#include <stdlib.h>

#include "plan/plan.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *selector(const Qrc__Selector *s)
{
    return json_pack("{s:s, s:s, s:s}", "kind", plan_selector_kind_name(s->kind), "pattern", s->pattern, "loc", s->loc);
}

static json_t *op_ref(const Qrc__OpTypeRef *o)
{
    return json_pack("{s:s, s:s}", "op_type", o->op_type, "loc", o->loc);
}

static json_t *value(const Qrc__Value *v)
{
    switch (v->kind_case) {
    case QRC__VALUE__KIND_B: return json_boolean(v->b);
    case QRC__VALUE__KIND_I: return json_integer(v->i);
    case QRC__VALUE__KIND_F: return json_real(v->f);
    case QRC__VALUE__KIND_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->list->n_items; i++)
            json_array_append_new(a, value(v->list->items[i]));
        return a;
    }
    default: return json_null();
    }
}

static json_t *strings(char **s, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

static json_t *model(const Qrc__Model *m)
{
    json_t *inputs = json_array();
    for (size_t i = 0; i < m->n_inputs; i++) {
        const Qrc__Input *in = m->inputs[i];
        json_t *dims = json_array();
        for (size_t j = 0; j < in->n_dims; j++)
            json_array_append_new(dims, in->dims[j]->symbol ? json_string(in->dims[j]->symbol)
                                                            : json_integer(in->dims[j]->value));
        json_array_append_new(inputs, json_pack("{s:s, s:s, s:o, s:s}", "name", in->name, "dtype",
                                                plan_dtype_name(in->dtype), "dims", in->has_shape ? dims : json_null(),
                                                "loc", in->loc));
        if (!in->has_shape)
            json_decref(dims);
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:s}", "path", m->path, "resolved_path", m->resolved_path, "inputs", inputs,
                     "outputs", strings(m->outputs, m->n_outputs), "loc", m->loc);
}

static json_t *prepare(const Qrc__Prepare *p)
{
    json_t *mods = json_array(), *ops = json_array(), *args = json_array(), *dims = json_array();
    for (size_t i = 0; i < p->n_exclude_modules; i++)
        json_array_append_new(mods, selector(p->exclude_modules[i]));
    for (size_t i = 0; i < p->n_exclude_ops; i++)
        json_array_append_new(ops, op_ref(p->exclude_ops[i]));
    for (size_t i = 0; i < p->n_args; i++)
        json_array_append_new(args, json_pack("{s:s, s:o, s:s}", "name", p->args[i]->name, "value",
                                              value(p->args[i]->value), "loc", p->args[i]->loc));
    for (size_t i = 0; i < p->n_dims; i++)
        json_array_append_new(dims, json_pack("{s:s, s:I, s:s}", "name", p->dims[i]->name, "value",
                                              (json_int_t)p->dims[i]->value, "loc", p->dims[i]->loc));
    json_t *strip = p->strip ? json_pack("{s:o, s:o, s:s}", "start", str_or_null(p->strip->start), "end",
                                         str_or_null(p->strip->end), "loc", p->strip->loc)
                             : json_null();
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "method", plan_method_name(p->method), "exclude_modules",
                     mods, "exclude_ops", ops, "args", args, "dims", dims, "strip", strip, "rewrites",
                     strings(p->rewrites, p->n_rewrites));
}

/* Adds key: the scheme's name, and pct_key: P for percentile (when the plan has them). */
static void put_scheme(json_t *o, const char *key, const char *pct_key, bool has, Qrc__Scheme s, bool has_pct,
                       double pct)
{
    if (!has)
        return;
    json_object_set_new(o, key, json_string(plan_scheme_name(s)));
    if (has_pct)
        json_object_set_new(o, pct_key, json_real(pct));
}

static json_t *setting(const Qrc__QuantSetting *s)
{
    json_t *o = json_pack("{s:s, s:i, s:b, s:s, s:s}", "dtype", s->dtype, "bitwidth", (int)s->bitwidth, "quantized",
                          s->quantized, "symmetry", plan_symmetry_name(s->symmetry), "granularity",
                          plan_granularity_name(s->granularity));
    put_scheme(o, "scheme", "percentile", s->has_scheme, s->scheme, s->has_percentile, s->percentile);
    return o;
}

static json_t *rule(const Qrc__QConfigRule *r)
{
    json_t *o = json_pack("{s:s, s:o, s:o, s:s}", "kind", plan_rule_kind_name(r->kind), "act", setting(r->act),
                          "weight", setting(r->weight), "loc", r->loc);
    if (r->n_modules) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->n_modules; i++)
            json_array_append_new(a, selector(r->modules[i]));
        json_object_set_new(o, "modules", a);
    }
    if (r->n_ops) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->n_ops; i++)
            json_array_append_new(a, op_ref(r->ops[i]));
        json_object_set_new(o, "ops", a);
    }
    if (r->has_fraction)
        json_object_set_new(o, "fraction", json_real(r->fraction));
    if (r->ranking)
        json_object_set_new(o, "ranking", json_pack("{s:s, s:s}", "path", r->ranking, "resolved", r->ranking_resolved));
    return o;
}

static json_t *quantsim(const Qrc__QuantSim *q)
{
    json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:s, s:o, s:o}", "act_scheme", plan_scheme_name(q->act_scheme), "rounding",
                          plan_rounding_name(q->rounding), "act_bitwidth", (int)q->act_bitwidth, "param_bitwidth",
                          (int)q->param_bitwidth, "dtype", q->dtype == QRC__SIM_DTYPE__SIM_FLOAT ? "float" : "int",
                          "config_path", str_or_null(q->config_path), "config_resolved",
                          str_or_null(q->config_resolved));
    if (q->has_act_percentile)
        json_object_set_new(o, "act_percentile", json_real(q->act_percentile));
    put_scheme(o, "weight_scheme", "weight_percentile", q->has_weight_scheme, q->weight_scheme,
               q->has_weight_percentile, q->weight_percentile);
    if (q->has_sensitivity)
        json_object_set_new(o, "sensitivity", json_string(q->sensitivity == QRC__SENSITIVITY__EXHAUSTIVE ? "exhaustive" : "local"));
    return o;
}

static json_t *data(Qrc__InputData **d, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:s}", "name", d[i]->name, "files",
                                           strings(d[i]->files, d[i]->n_files), "resolved",
                                           strings(d[i]->resolved, d[i]->n_resolved), "loc", d[i]->loc));
    return a;
}

static json_t *pass(const Qrc__Pass *p)
{
    json_t *params = NULL;
    switch (p->params_case) {
    case QRC__PASS__PARAMS_FOLD: params = json_pack("{s:b}", "inline_if", p->fold->inline_if); break;
    case QRC__PASS__PARAMS_STRIP:
        params = json_pack("{s:o, s:o}", "start", str_or_null(p->strip->start), "end", str_or_null(p->strip->end));
        break;
    case QRC__PASS__PARAMS_FUSE: params = json_pack("{s:b}", "from_config", p->fuse->from_config); break;
    case QRC__PASS__PARAMS_CLE: params = json_pack("{s:b}", "high_bias_absorption", p->cle->high_bias_absorption); break;
    case QRC__PASS__PARAMS_BIAS_CORRECTION:
        params = json_pack("{s:i}", "samples", (int)p->bias_correction->samples);
        break;
    case QRC__PASS__PARAMS_ADAROUND:
        params = json_pack("{s:i, s:f, s:f, s:f, s:f}", "iterations", (int)p->adaround->iterations, "reg",
                           p->adaround->reg, "beta_start", p->adaround->beta_start, "beta_end", p->adaround->beta_end,
                           "warm_start", p->adaround->warm_start);
        break;
    case QRC__PASS__PARAMS_LOAD_ENCODINGS: params = json_pack("{s:s}", "path", p->load_encodings->path); break;
    case QRC__PASS__PARAMS_CONVERT_OPSET:
        params = p->convert_opset->target ? json_pack("{s:i}", "to", (json_int_t)p->convert_opset->target)
                                          : json_pack("{s:s}", "to", "auto");
        break;
    case QRC__PASS__PARAMS_SEQ_MSE: params = json_pack("{s:i}", "candidates", (int)p->seq_mse->candidates); break;
    default: params = json_object(); break;
    }
    return json_pack("{s:s, s:o, s:o}", "name", p->name, "params", params, "loc", str_or_null(p->loc));
}

static json_t *float_list(const float *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real((double)v[i]));
    return a;
}

/* Image preprocessing per input, only in plans that have some (older plans print as before). */
static json_t *preprocess_list(const Qrc__Plan *p)
{
    json_t *list = json_array();
    for (size_t i = 0; i < p->n_preprocess; i++) {
        const Qrc__Preprocess *x = p->preprocess[i];
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:i, s:i, s:i, s:i, s:b, s:o, s:o, s:s, s:i, s:s}", "input", x->input,
                            "color", x->color, "resize", str_or_null(x->resize), "size_w", (int)x->size_w, "size_h",
                            (int)x->size_h, "crop_w", (int)x->crop_w, "crop_h", (int)x->crop_h, "unit", (int)x->unit,
                            "mean", float_list(x->mean, x->n_mean), "std", float_list(x->std, x->n_std), "layout",
                            x->layout, "pad_width", (int)x->pad_width, "loc", x->loc));
    }
    return list;
}

char *plan_to_json(const Qrc__Plan *p)
{
    json_t *rules = json_array(), *passes = json_array();
    for (size_t i = 0; i < p->n_qconfig; i++)
        json_array_append_new(rules, rule(p->qconfig[i]));
    for (size_t i = 0; i < p->n_passes; i++)
        json_array_append_new(passes, pass(p->passes[i]));
    json_t *cal = json_null(), *ev = json_null();
    if (p->calibrate) {
        const Qrc__Calibrate *c = p->calibrate;
        cal = json_pack("{s:o, s:i, s:i, s:I, s:o, s:o}", "data", data(c->data, c->n_data), "samples", (int)c->samples,
                        "batch", (int)c->batch, "seed", (json_int_t)c->seed, "encodings_path",
                        str_or_null(c->encodings_path), "encodings_resolved", str_or_null(c->encodings_resolved));
    }
    if (p->evaluate) {
        const Qrc__Evaluate *e = p->evaluate;
        ev = json_pack("{s:o, s:o, s:o, s:i, s:i}", "data", data(e->data, e->n_data), "labels", str_or_null(e->labels),
                       "labels_resolved", str_or_null(e->labels_resolved), "batch", (int)e->batch, "samples",
                       (int)e->samples);
        if (ev && e->labels_from_folders)
            json_object_set_new(ev, "labels_from_folders", json_true());
    }
    json_t *artifacts = json_array();
    for (size_t i = 0; i < p->export->n_artifacts; i++)
        json_array_append_new(artifacts, json_string(plan_artifact_name(p->export->artifacts[i])));
    json_t *exp = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "dir", p->export->dir, "dir_resolved",
                            p->export->dir_resolved, "prefix", p->export->prefix, "encodings_version",
                            p->export->encodings_version, "artifacts", artifacts, "bias",
                            p->export->bias_int32 ? "int32" : "float");
    json_t *root = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "version", p->version,
                             "recipe", p->recipe, "recipe_sha256", p->recipe_sha256, "sources",
                             strings(p->sources, p->n_sources), "model", model(p->model), "prepare",
                             prepare(p->prepare), "qconfig", rules, "quantsim", quantsim(p->quantsim), "calibrate", cal,
                             "evaluate", ev, "export", exp, "passes", passes);
    if (!root)
        return NULL;
    if (p->n_preprocess)
        json_object_set_new(root, "preprocess", preprocess_list(p));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}
