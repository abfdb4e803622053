/* plan_text.c — the readable form of a plan printed by `qrc plan`. */
#include <inttypes.h>

#include "pass.h"
#include "plan/plan.h"

static void quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void path(FILE *f, const char *written, const char *resolved)
{
    quoted(f, written);
    fprintf(f, " -> %s", resolved);
}

static void selector(FILE *f, const Qrc__Selector *s)
{
    fprintf(f, "%s ", plan_selector_kind_name(s->kind));
    quoted(f, s->pattern);
}

static void value(FILE *f, const Qrc__Value *v)
{
    switch (v->kind_case) {
    case QRC__VALUE__KIND_B: fputs(v->b ? "true" : "false", f); break;
    case QRC__VALUE__KIND_I: fprintf(f, "%" PRId64, v->i); break;
    case QRC__VALUE__KIND_F: fprintf(f, "%.17g", v->f); break;
    case QRC__VALUE__KIND_LIST:
        fputc('[', f);
        for (size_t i = 0; i < v->list->n_items; i++) {
            if (i)
                fputs(", ", f);
            value(f, v->list->items[i]);
        }
        fputc(']', f);
        break;
    default: fputs("?", f); break;
    }
}

/* A scheme as the recipe spells it: tf, percentile(99.9). */
static void scheme(FILE *f, Qrc__Scheme s, protobuf_c_boolean has_percentile, double percentile)
{
    fputs(plan_scheme_name(s), f);
    if (has_percentile)
        fprintf(f, "(%g)", percentile);
}

static void setting(FILE *f, const char *role, const Qrc__QuantSetting *s)
{
    fprintf(f, "%s %s", role, s->dtype);
    if (s->quantized && s->kind != QRC__NUM_KIND__FLOAT) {
        fprintf(f, " %s %s", plan_symmetry_name(s->symmetry), plan_granularity_name(s->granularity));
        if (s->has_scheme) {
            fputs(" scheme ", f);
            scheme(f, s->scheme, s->has_percentile, s->percentile);
        }
    }
}

static void data(FILE *f, const Qrc__InputData *d)
{
    fprintf(f, "  data %s =", d->name);
    for (size_t i = 0; i < d->n_files; i++) {
        fputs(i ? ", " : " ", f);
        path(f, d->files[i], d->resolved[i]);
    }
    fprintf(f, "  @ %s\n", d->loc);
}

static void model(FILE *f, const Qrc__Model *m)
{
    fputs("model ", f);
    path(f, m->path, m->resolved_path);
    fprintf(f, "  @ %s\n", m->loc);
    for (size_t i = 0; i < m->n_inputs; i++) {
        const Qrc__Input *in = m->inputs[i];
        fprintf(f, "  input %s: %s", in->name, plan_dtype_name(in->dtype));
        if (in->has_shape) {
            fputc('[', f);
            for (size_t j = 0; j < in->n_dims; j++) {
                if (j)
                    fputs(", ", f);
                if (in->dims[j]->symbol)
                    fputs(in->dims[j]->symbol, f);
                else
                    fprintf(f, "%" PRId64, in->dims[j]->value);
            }
            fputc(']', f);
        }
        fprintf(f, "  @ %s\n", in->loc);
    }
    for (size_t i = 0; i < m->n_outputs; i++)
        fprintf(f, "  output %s\n", m->outputs[i]);
}

static void prepare(FILE *f, const Qrc__Prepare *p)
{
    fprintf(f, "prepare\n  method %s\n", plan_method_name(p->method));
    if (p->strip) {
        fputs("  quantize", f);
        if (p->strip->start)
            fprintf(f, " from %s", p->strip->start);
        if (p->strip->end)
            fprintf(f, " to %s", p->strip->end);
        fprintf(f, "  @ %s\n", p->strip->loc);
    }
    for (size_t i = 0; i < p->n_exclude_modules; i++) {
        fputs("  exclude module ", f);
        selector(f, p->exclude_modules[i]);
        fprintf(f, "  @ %s\n", p->exclude_modules[i]->loc);
    }
    for (size_t i = 0; i < p->n_exclude_ops; i++)
        fprintf(f, "  exclude op %s  @ %s\n", p->exclude_ops[i]->op_type, p->exclude_ops[i]->loc);
    for (size_t i = 0; i < p->n_args; i++) {
        fprintf(f, "  concrete input %s = ", p->args[i]->name);
        value(f, p->args[i]->value);
        fprintf(f, "  @ %s\n", p->args[i]->loc);
    }
    for (size_t i = 0; i < p->n_dims; i++)
        fprintf(f, "  concrete dim %s = %" PRId64 "  @ %s\n", p->dims[i]->name, p->dims[i]->value, p->dims[i]->loc);
    if (p->n_rewrites) {
        fputs("  rewrite", f);
        for (size_t i = 0; i < p->n_rewrites; i++)
            fprintf(f, "%s %s", i ? "," : "", p->rewrites[i]);
        fputc('\n', f);
    }
}

static void qconfig(FILE *f, const Qrc__Plan *p)
{
    fputs("qconfig (first match wins)\n", f);
    for (size_t i = 0; i < p->n_qconfig; i++) {
        const Qrc__QConfigRule *r = p->qconfig[i];
        fprintf(f, "  %zu. %s", i + 1, plan_rule_kind_name(r->kind));
        for (size_t j = 0; j < r->n_modules; j++) {
            fputs(j ? ", " : " ", f);
            selector(f, r->modules[j]);
        }
        for (size_t j = 0; j < r->n_ops; j++)
            fprintf(f, "%s%s", j ? ", " : " ", r->ops[j]->op_type);
        if (r->has_fraction)
            fprintf(f, " %g%%", r->fraction * 100);
        if (r->ranking) {
            fputs(" from ", f);
            path(f, r->ranking, r->ranking_resolved);
        }
        fputs(": ", f);
        setting(f, "act", r->act);
        fputs(", ", f);
        setting(f, "weight", r->weight);
        fprintf(f, "  @ %s\n", r->loc);
    }
}

static void quantsim(FILE *f, const Qrc__QuantSim *q)
{
    fputs("quantsim\n  act_scheme ", f);
    scheme(f, q->act_scheme, q->has_act_percentile, q->act_percentile);
    if (q->has_weight_scheme) {
        fputs("\n  weight_scheme ", f);
        scheme(f, q->weight_scheme, q->has_weight_percentile, q->weight_percentile);
    }
    fprintf(f, "\n  rounding %s\n  act_bitwidth %u\n  param_bitwidth %u\n  dtype %s\n", plan_rounding_name(q->rounding),
            q->act_bitwidth, q->param_bitwidth, q->dtype == QRC__SIM_DTYPE__SIM_FLOAT ? "float" : "int");
    if (q->has_sensitivity)
        fprintf(f, "  sensitivity %s\n", q->sensitivity == QRC__SENSITIVITY__EXHAUSTIVE ? "exhaustive" : "local");
    if (q->config_path) {
        fputs("  config ", f);
        path(f, q->config_path, q->config_resolved);
        fputc('\n', f);
    }
}

static void pass(FILE *f, size_t i, const Qrc__Pass *p)
{
    fprintf(f, "  %2zu. %s", i + 1, p->name);
    switch (p->params_case) {
    case QRC__PASS__PARAMS_FOLD: fprintf(f, " inline_if=%s", p->fold->inline_if ? "true" : "false"); break;
    case QRC__PASS__PARAMS_STRIP:
        fprintf(f, " start=%s end=%s", p->strip->start ? p->strip->start : "-", p->strip->end ? p->strip->end : "-");
        break;
    case QRC__PASS__PARAMS_FUSE:
        fprintf(f, " supergroups=%s units=", p->fuse->from_config ? "config" : "builtin");
        for (const char *const *k = pass_unit_kinds(); *k; k++)
            fprintf(f, "%s%s", k == pass_unit_kinds() ? "" : ",", *k);
        break;
    case QRC__PASS__PARAMS_CLE:
        fprintf(f, " high_bias_absorption=%s", p->cle->high_bias_absorption ? "true" : "false");
        break;
    case QRC__PASS__PARAMS_BIAS_CORRECTION: fprintf(f, " samples=%u", p->bias_correction->samples); break;
    case QRC__PASS__PARAMS_ADAROUND:
        fprintf(f, " iterations=%u reg=%g beta_start=%g beta_end=%g warm_start=%g", p->adaround->iterations,
                p->adaround->reg, p->adaround->beta_start, p->adaround->beta_end, p->adaround->warm_start);
        break;
    case QRC__PASS__PARAMS_LOAD_ENCODINGS: fprintf(f, " path=%s", p->load_encodings->path); break;
    case QRC__PASS__PARAMS_CONVERT_OPSET:
        if (p->convert_opset->target)
            fprintf(f, " to=%u", p->convert_opset->target);
        else
            fputs(" to=auto", f);
        break;
    case QRC__PASS__PARAMS_SEQ_MSE: fprintf(f, " candidates=%u", p->seq_mse->candidates); break;
    default: break;
    }
    if (p->loc)
        fprintf(f, "  @ %s", p->loc);
    fputc('\n', f);
}

static void floats(FILE *f, const char *key, const float *v, size_t n)
{
    if (!n)
        return;
    fprintf(f, "  %s", key);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s %g", i ? "," : "", (double)v[i]);
    fputc('\n', f);
}

/* An image input's preprocessing, one step a line, in the order it runs. */
static void preprocess(FILE *f, const Qrc__Preprocess *p)
{
    fprintf(f, "preprocess %s (%s)\n  color %s\n", p->input, p->loc, p->color);
    if (p->resize)
        fprintf(f, "  resize %s %u %u\n", p->resize, p->size_w, p->size_h);
    if (p->has_crop_w)
        fprintf(f, "  crop %u %u\n", p->crop_w, p->crop_h);
    fprintf(f, "  scale %s\n", p->unit ? "unit" : "raw");
    floats(f, "mean", p->mean, p->n_mean);
    floats(f, "std", p->std, p->n_std);
    fprintf(f, "  layout %s\n", p->layout);
    if (p->has_pad_width)
        fprintf(f, "  pad_width %u\n", p->pad_width);
}

void plan_print_text(const Qrc__Plan *p, FILE *f)
{
    fprintf(f, "plan %s\n  qrc %s\n  sha256 %s\n", p->recipe, p->version, p->recipe_sha256);
    for (size_t i = 0; i < p->n_sources; i++)
        fprintf(f, "  source %s\n", p->sources[i]);
    model(f, p->model);
    prepare(f, p->prepare);
    qconfig(f, p);
    quantsim(f, p->quantsim);
    if (p->calibrate) {
        const Qrc__Calibrate *c = p->calibrate;
        fputs("calibrate\n", f);
        for (size_t i = 0; i < c->n_data; i++)
            data(f, c->data[i]);
        fprintf(f, "  samples %u\n  batch %u\n  seed %" PRIu64 "\n", c->samples, c->batch, c->seed);
        if (c->encodings_path) {
            fputs("  encodings ", f);
            path(f, c->encodings_path, c->encodings_resolved);
            fputc('\n', f);
        }
    }
    if (p->evaluate) {
        const Qrc__Evaluate *e = p->evaluate;
        fputs("evaluate\n", f);
        for (size_t i = 0; i < e->n_data; i++)
            data(f, e->data[i]);
        if (e->labels) {
            fputs("  labels ", f);
            path(f, e->labels, e->labels_resolved);
            fputc('\n', f);
        }
        if (e->labels_from_folders)
            fputs("  labels folders\n", f);
        fprintf(f, "  batch %u\n", e->batch);
        if (e->samples)
            fprintf(f, "  samples %u\n", e->samples);
        else
            fputs("  samples all\n", f);
    }
    for (size_t i = 0; i < p->n_preprocess; i++)
        preprocess(f, p->preprocess[i]);
    const Qrc__Export *x = p->export;
    fputs("export\n  dir ", f);
    path(f, x->dir, x->dir_resolved);
    fprintf(f, "\n  prefix %s\n  encodings %s\n  artifacts", x->prefix, x->encodings_version);
    for (size_t i = 0; i < x->n_artifacts; i++)
        fprintf(f, "%s %s", i ? "," : "", plan_artifact_name(x->artifacts[i]));
    fprintf(f, "\n  bias %s\npasses\n", x->bias_int32 ? "int32" : "float");
    for (size_t i = 0; i < p->n_passes; i++)
        pass(f, i, p->passes[i]);
}
