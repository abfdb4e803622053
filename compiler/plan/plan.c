/* plan.c — from a checked recipe to the pass plan: defaults, implicit default rule, pass schedule, hash. */
#include "plan/plan.h"

#include <string.h>

#include "front/diag.h"
#include "base/sha256.h"
#include "util.h"
#include "version.h"

/* Defaults of every optional setting, in one place (the README's reference lists the same values). */
enum {
    DEFAULT_BITWIDTH = 8,
    DEFAULT_FLOAT_BITWIDTH = 16,
    DEFAULT_SAMPLES = 512,
    DEFAULT_BATCH = 32,
};
/* Calibration schemes when the recipe names none (README, "Choosing schemes", has the measurements). */
#define DEFAULT_ACT_SCHEME QRC__SCHEME__TF_ENHANCED
#define DEFAULT_WEIGHT_SCHEME QRC__SCHEME__TF
#define DEFAULT_EXPORT_DIR "out"
#define DEFAULT_ENCODINGS_VERSION "0.6.1"

#define NEW(a, T, INIT) ((T *)memcpy(arena_alloc((a), sizeof(T)), &(T)INIT, sizeof(T)))

static Qrc__Model *build_model(arena *a, const recipe *r)
{
    Qrc__Model *m = NEW(a, Qrc__Model, QRC__MODEL__INIT);
    m->path = (char *)r->model_path;
    m->resolved_path = (char *)r->model_resolved;
    m->inputs = r->inputs;
    m->n_inputs = r->n_inputs;
    m->outputs = r->outputs;
    m->n_outputs = r->n_outputs;
    m->loc = diag_loc_string(a, r->model_at);
    return m;
}

static Qrc__Value *value_of(arena *a, const ast_atom *v)
{
    Qrc__Value *val = NEW(a, Qrc__Value, QRC__VALUE__INIT);
    switch (v->kind) {
    case ATOM_INT:
        val->kind_case = QRC__VALUE__KIND_I;
        val->i = v->ival;
        break;
    case ATOM_FLOAT:
        val->kind_case = QRC__VALUE__KIND_F;
        val->f = v->num;
        break;
    case ATOM_NAME:
        val->kind_case = QRC__VALUE__KIND_B;
        val->b = !strcmp(v->text, "true");
        break;
    default:
        val->kind_case = QRC__VALUE__KIND_LIST;
        val->list = NEW(a, Qrc__ValueList, QRC__VALUE_LIST__INIT);
        for (const ast_group *g = v->args ? v->args->groups : NULL; g; g = g->next)
            util_push(a, &val->list->items, &val->list->n_items, value_of(a, g->atoms));
        break;
    }
    return val;
}

static Qrc__Prepare *build_prepare(arena *a, const recipe *r)
{
    Qrc__Prepare *p = NEW(a, Qrc__Prepare, QRC__PREPARE__INIT);
    p->method = r->method ? r->method : QRC__PREPARE_METHOD__SYMBOLIC;
    p->exclude_modules = r->excl_modules;
    p->n_exclude_modules = r->n_excl_modules;
    p->exclude_ops = r->excl_ops;
    p->n_exclude_ops = r->n_excl_ops;
    for (size_t i = 0; i < r->n_concretes; i++) {
        const concrete *c = r->concretes[i];
        char *loc = diag_loc_string(a, c->loc);
        if (c->is_dim) {
            Qrc__ConcreteDim *d = NEW(a, Qrc__ConcreteDim, QRC__CONCRETE_DIM__INIT);
            d->name = (char *)c->name;
            d->value = c->value->ival;
            d->loc = loc;
            util_push(a, &p->dims, &p->n_dims, d);
        } else {
            Qrc__ConcreteArg *arg = NEW(a, Qrc__ConcreteArg, QRC__CONCRETE_ARG__INIT);
            arg->name = (char *)c->name;
            arg->value = value_of(a, c->value);
            arg->loc = loc;
            util_push(a, &p->args, &p->n_args, arg);
        }
    }
    if (r->region_at.src) {
        p->strip = NEW(a, Qrc__Region, QRC__REGION__INIT);
        p->strip->start = (char *)r->region_start;
        p->strip->end = (char *)r->region_end;
        p->strip->loc = diag_loc_string(a, r->region_at);
    }
    p->rewrites = r->rewrites;
    p->n_rewrites = r->n_rewrites;
    return p;
}

static Qrc__QuantSetting *setting(arena *a, const qsetting *q, const Qrc__QuantSetting *base)
{
    Qrc__QuantSetting *s = NEW(a, Qrc__QuantSetting, QRC__QUANT_SETTING__INIT);
    if (q->dtype_at.src) {
        s->kind = q->kind;
        s->bitwidth = q->bits;
        s->dtype = (char *)q->dtype;
    } else {
        s->kind = base->kind;
        s->bitwidth = base->bitwidth;
        s->dtype = base->dtype;
    }
    s->quantized = !(s->kind == QRC__NUM_KIND__FLOAT && s->bitwidth == 32);
    s->symmetry = q->sym_at.src ? q->symmetry : base->symmetry;
    s->granularity = q->gran_at.src ? q->granularity : base->granularity;
    s->has_scheme = true;
    s->scheme = q->scheme.at.src ? q->scheme.scheme : base->scheme;
    s->has_percentile = s->scheme == QRC__SCHEME__PERCENTILE;
    s->percentile = !s->has_percentile ? 0 : q->scheme.at.src ? q->scheme.percentile : base->percentile;
    if (s->kind == QRC__NUM_KIND__FLOAT) {   /* float has no integer grid: keep the fields neutral */
        s->symmetry = QRC__SYMMETRY__SYMMETRIC;
        s->granularity = QRC__GRANULARITY__PER_TENSOR;
    }
    return s;
}

/* The built-in default rule: act uint<act_bw> asymmetric, weight int<param_bw> symmetric per tensor
 * (float16 for both under float quantsim). */
static void builtin_defaults(arena *a, const Qrc__QuantSim *qs, Qrc__QuantSetting *act, Qrc__QuantSetting *w)
{
    qrc__quant_setting__init(act);
    qrc__quant_setting__init(w);
    bool fl = qs->dtype == QRC__SIM_DTYPE__SIM_FLOAT;
    act->kind = fl ? QRC__NUM_KIND__FLOAT : QRC__NUM_KIND__UINT;
    act->bitwidth = qs->act_bitwidth;
    act->dtype = fl ? "float16" : arena_printf(a, "uint%u", qs->act_bitwidth);
    act->symmetry = fl ? QRC__SYMMETRY__SYMMETRIC : QRC__SYMMETRY__ASYMMETRIC;
    w->kind = fl ? QRC__NUM_KIND__FLOAT : QRC__NUM_KIND__INT;
    w->bitwidth = qs->param_bitwidth;
    w->dtype = fl ? "float16" : arena_printf(a, "int%u", qs->param_bitwidth);
    w->symmetry = QRC__SYMMETRY__SYMMETRIC;
    act->granularity = w->granularity = QRC__GRANULARITY__PER_TENSOR;
    act->quantized = w->quantized = true;
    act->scheme = qs->act_scheme;
    act->percentile = qs->act_percentile;
    w->scheme = qs->weight_scheme;
    w->percentile = qs->weight_percentile;
}

static Qrc__QConfigRule *rule(arena *a, const qrule *q, const Qrc__QuantSetting *act, const Qrc__QuantSetting *w)
{
    Qrc__QConfigRule *r = NEW(a, Qrc__QConfigRule, QRC__QCONFIG_RULE__INIT);
    r->kind = q->kind;
    r->modules = q->modules;
    r->n_modules = q->n_modules;
    r->ops = q->ops;
    r->n_ops = q->n_ops;
    if (q->kind == QRC__RULE_KIND__BY_SENSITIVITY) {
        r->has_fraction = true;
        r->fraction = q->fraction;
        r->ranking = (char *)q->ranking;
        r->ranking_resolved = (char *)q->ranking_resolved;
    }
    r->act = setting(a, &q->act, act);
    r->weight = setting(a, &q->weight, w);
    r->loc = q->loc.src ? diag_loc_string(a, q->loc) : (char *)"<default>";
    return r;
}

static void build_qconfig(arena *a, const recipe *r, Qrc__Plan *p)
{
    Qrc__QuantSetting act, w;
    builtin_defaults(a, p->quantsim, &act, &w);
    qrule implicit = {.kind = QRC__RULE_KIND__BY_DEFAULT};
    Qrc__QConfigRule *def = rule(a, r->default_rule ? r->default_rule : &implicit, &act, &w);
    for (size_t i = 0; i < r->n_rules; i++)
        util_push(a, &p->qconfig, &p->n_qconfig, rule(a, r->rules[i], def->act, def->weight));
    util_push(a, &p->qconfig, &p->n_qconfig, def);
}

static Qrc__QuantSim *build_quantsim(arena *a, const recipe *r)
{
    Qrc__QuantSim *q = NEW(a, Qrc__QuantSim, QRC__QUANT_SIM__INIT);
    q->dtype = r->simdtype ? r->simdtype : QRC__SIM_DTYPE__SIM_INT;
    unsigned dflt = q->dtype == QRC__SIM_DTYPE__SIM_FLOAT ? DEFAULT_FLOAT_BITWIDTH : DEFAULT_BITWIDTH;
    q->act_scheme = r->act_scheme.at.src ? r->act_scheme.scheme : DEFAULT_ACT_SCHEME;
    q->has_act_percentile = q->act_scheme == QRC__SCHEME__PERCENTILE;
    q->act_percentile = q->has_act_percentile ? r->act_scheme.percentile : 0;
    q->has_weight_scheme = true;
    q->weight_scheme = r->weight_scheme.at.src ? r->weight_scheme.scheme : DEFAULT_WEIGHT_SCHEME;
    q->has_weight_percentile = q->weight_scheme == QRC__SCHEME__PERCENTILE;
    q->weight_percentile = q->has_weight_percentile ? r->weight_scheme.percentile : 0;
    q->rounding = r->rounding ? r->rounding : QRC__ROUNDING__NEAREST;
    q->act_bitwidth = r->act_bw_at.src ? r->act_bw : dflt;
    q->param_bitwidth = r->param_bw_at.src ? r->param_bw : dflt;
    q->config_path = (char *)r->config;
    q->config_resolved = (char *)r->config_resolved;
    q->has_sensitivity = r->sensitivity != 0;
    q->sensitivity = r->sensitivity ? r->sensitivity : QRC__SENSITIVITY__LOCAL;
    return q;
}

static Qrc__Calibrate *build_calibrate(arena *a, const recipe *r)
{
    if (!r->calibrate_at.src)
        return NULL;
    Qrc__Calibrate *c = NEW(a, Qrc__Calibrate, QRC__CALIBRATE__INIT);
    c->data = r->cal_data;
    c->n_data = r->n_cal_data;
    c->samples = r->samples_at.src ? r->samples : DEFAULT_SAMPLES;
    c->batch = r->batch_at.src ? r->batch : DEFAULT_BATCH;
    if (c->batch > c->samples)
        c->batch = c->samples;
    c->seed = r->seed;
    c->encodings_path = (char *)r->encodings;
    c->encodings_resolved = (char *)r->encodings_resolved;
    return c;
}

static Qrc__Evaluate *build_evaluate(arena *a, const recipe *r)
{
    if (!r->evaluate_at.src)
        return NULL;
    Qrc__Evaluate *e = NEW(a, Qrc__Evaluate, QRC__EVALUATE__INIT);
    e->data = r->eval_data;
    e->n_data = r->n_eval_data;
    e->labels = (char *)r->labels;
    e->labels_resolved = (char *)r->labels_resolved;
    e->has_labels_from_folders = r->labels_from_folders;
    e->labels_from_folders = r->labels_from_folders;
    e->batch = r->eval_batch_at.src ? r->eval_batch : DEFAULT_BATCH;
    e->has_samples = true;
    e->samples = r->eval_samples_at.src ? r->eval_samples : 0;
    return e;
}

static Qrc__Export *build_export(arena *a, const recipe *r)
{
    Qrc__Export *e = NEW(a, Qrc__Export, QRC__EXPORT__INIT);
    e->dir = (char *)(r->dir ? r->dir : DEFAULT_EXPORT_DIR);
    e->dir_resolved = r->dir ? (char *)r->dir_resolved : util_path_resolve(a, r->root->path, DEFAULT_EXPORT_DIR);
    e->prefix = r->prefix ? (char *)r->prefix : util_path_stem(a, r->root->path);
    e->encodings_version = (char *)(r->version ? r->version : DEFAULT_ENCODINGS_VERSION);
    if (r->artifacts_at.src) {
        e->artifacts = r->artifacts;
        e->n_artifacts = r->n_artifacts;
    } else {
        static Qrc__Artifact all[] = {QRC__ARTIFACT__QDQ_MODEL, QRC__ARTIFACT__ENCODINGS,
                                      QRC__ARTIFACT__PREPARED_MODEL, QRC__ARTIFACT__REPORT};
        e->artifacts = all;
        e->n_artifacts = 4;
    }
    e->has_bias_int32 = true;
    /* int32 unless the recipe says float: ONNX Runtime's graph optimizations (and integer hardware)
     * requantize a float Conv/Gemm bias to int32 anyway, so the simulation must do the same to agree */
    e->bias_int32 = r->bias_at.src ? r->bias_int32 : true;
    return e;
}

static Qrc__Pass *new_pass(arena *a, pass_id id)
{
    Qrc__Pass *p = NEW(a, Qrc__Pass, QRC__PASS__INIT);
    p->name = (char *)pass_id_name(id);
    return p;
}

/* The recipe's own entry for a post-training pass (with its parameters and location), or NULL. */
static Qrc__Pass *listed(const recipe *r, pass_id id)
{
    for (size_t i = 0; i < r->n_passes; i++)
        if (!strcmp(r->passes[i]->name, pass_id_name(id)))
            return r->passes[i];
    return NULL;
}

/* A prepare pass of the method's schedule, with the parameters it runs with. */
static Qrc__Pass *prepare_pass(arena *a, const Qrc__Plan *p, pass_id id)
{
    const Qrc__Prepare *prep = p->prepare;
    Qrc__Pass *ps = new_pass(a, id);
    if (id == PASS_ID_fold) {
        pass_opts dflt = pass_opts_default();
        ps->params_case = QRC__PASS__PARAMS_FOLD;
        ps->fold = NEW(a, Qrc__FoldParams, QRC__FOLD_PARAMS__INIT);
        ps->fold->inline_if = prepare_pass_opts(plan_prepare_method(prep->method), id, &dflt).inline_if;
    } else if (id == PASS_ID_strip) {
        ps->params_case = QRC__PASS__PARAMS_STRIP;
        ps->strip = NEW(a, Qrc__StripParams, QRC__STRIP_PARAMS__INIT);
        ps->strip->start = prep->strip ? prep->strip->start : NULL;
        ps->strip->end = prep->strip ? prep->strip->end : NULL;
        ps->loc = prep->strip ? prep->strip->loc : NULL;
    } else if (id == PASS_ID_fuse) {
        ps->params_case = QRC__PASS__PARAMS_FUSE;
        ps->fuse = NEW(a, Qrc__FuseParams, QRC__FUSE_PARAMS__INIT);
        ps->fuse->from_config = p->quantsim->config_path != NULL;
    }
    return ps;
}

/* The schedule. Prepare: the method's passes (prepare_schedule, one place for every command). Then cle,
 * place_quantizers, seq_mse, adaround, calibrate and compute_encodings (or load_encodings),
 * bias_correction, evaluate, convert_opset, export. cle runs on the prepared graph: after fold_bn (it
 * equalizes Conv pairs that a BatchNorm no longer separates) and before the quantizers exist. */
static void build_passes(arena *a, const recipe *r, Qrc__Plan *p)
{
#define ADD(pass) util_push(a, &p->passes, &p->n_passes, (pass))
    pass_id ids[PREPARE_MAX_PASSES];
    int n = prepare_schedule(plan_prepare_method(p->prepare->method), (const char *const *)r->rewrites,
                             (int)r->n_rewrites, ids, NULL);
    for (int i = 0; i < n; i++)
        ADD(prepare_pass(a, p, ids[i]));
    static const pass_id before_calibration[] = {PASS_ID_cle, PASS_ID_place_quantizers, PASS_ID_seq_mse,
                                                 PASS_ID_adaround};
    for (size_t i = 0; i < sizeof before_calibration / sizeof *before_calibration; i++) {
        pass_id id = before_calibration[i];
        Qrc__Pass *ps = id == PASS_ID_place_quantizers ? new_pass(a, id) : listed(r, id);
        if (ps)
            ADD(ps);
    }
    if (p->calibrate && p->calibrate->encodings_path) {
        Qrc__Pass *load = new_pass(a, PASS_ID_load_encodings);
        load->params_case = QRC__PASS__PARAMS_LOAD_ENCODINGS;
        load->load_encodings = NEW(a, Qrc__LoadEncodingsParams, QRC__LOAD_ENCODINGS_PARAMS__INIT);
        load->load_encodings->path = p->calibrate->encodings_resolved;
        ADD(load);
    } else {
        ADD(new_pass(a, PASS_ID_calibrate));
        ADD(new_pass(a, PASS_ID_compute_encodings));
    }
    Qrc__Pass *bc = listed(r, PASS_ID_bias_correction);
    if (bc)
        ADD(bc);
    if (p->evaluate)
        ADD(new_pass(a, PASS_ID_evaluate));
    Qrc__Pass *convert = new_pass(a, PASS_ID_convert_opset);
    convert->params_case = QRC__PASS__PARAMS_CONVERT_OPSET;
    convert->convert_opset = NEW(a, Qrc__ConvertOpsetParams, QRC__CONVERT_OPSET_PARAMS__INIT);
    convert->convert_opset->target = r->opset;
    convert->loc = r->opset ? diag_loc_string(a, r->opset_at) : NULL;
    ADD(convert);
    ADD(new_pass(a, PASS_ID_export));
#undef ADD
}

static char *hash_sources(arena *a, const recipe *r, Qrc__Plan *p)
{
    sha256_ctx c;
    sha256_init(&c);
    for (size_t i = 0; i < r->n_sources; i++) {
        sha256_update(&c, r->sources[i]->text, r->sources[i]->len);
        util_push(a, &p->sources, &p->n_sources, (void *)r->sources[i]->path);
    }
    unsigned char digest[32];
    sha256_final(&c, digest);
    char *hex = arena_alloc(a, 65);
    sha256_hex(digest, hex);
    return hex;
}

Qrc__Plan *plan_build(arena *a, const recipe *r)
{
    Qrc__Plan *p = NEW(a, Qrc__Plan, QRC__PLAN__INIT);
    p->version = QRC_VERSION;
    p->recipe = (char *)r->root->path;
    p->recipe_sha256 = hash_sources(a, r, p);
    p->model = build_model(a, r);
    p->prepare = build_prepare(a, r);
    p->quantsim = build_quantsim(a, r);
    build_qconfig(a, r, p);
    p->calibrate = build_calibrate(a, r);
    p->evaluate = build_evaluate(a, r);
    p->preprocess = r->preprocess;
    p->n_preprocess = r->n_preprocess;
    p->export = build_export(a, r);
    build_passes(a, r, p);
    return p;
}
