#include "build_config.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "plan.h"

static tensor *keep(build_config *c, tensor *t)
{
    if (!t)
        return NULL;
    c->owned = realloc(c->owned, sizeof *c->owned * (size_t)(c->n_owned + 1));
    c->owned[c->n_owned++] = t;
    return t;
}

/* A concrete value as a tensor: bool, int64 or float scalars, flat lists of one kind. */
static tensor *concrete_value(build_config *c, const Qrc__ConcreteArg *arg, qrc_err *e)
{
    const Qrc__Value *v = arg->value;
    if (v->kind_case == QRC__VALUE__KIND_B) {
        tensor *t = keep(c, tensor_new(DT_BOOL, 0, NULL, e));
        if (t)
            *(uint8_t *)t->data = v->b;
        return t;
    }
    if (v->kind_case == QRC__VALUE__KIND_I) {
        tensor *t = keep(c, tensor_new(DT_INT64, 0, NULL, e));
        if (t)
            *(int64_t *)t->data = v->i;
        return t;
    }
    if (v->kind_case == QRC__VALUE__KIND_F) {
        tensor *t = keep(c, tensor_new(DT_FLOAT, 0, NULL, e));
        if (t)
            *(float *)t->data = (float)v->f;
        return t;
    }
    const Qrc__ValueList *l = v->list;
    int64_t n = (int64_t)l->n_items;
    bool floats = false;
    for (size_t i = 0; i < l->n_items; i++) {
        if (l->items[i]->kind_case == QRC__VALUE__KIND_F)
            floats = true;
        else if (l->items[i]->kind_case != QRC__VALUE__KIND_I) {
            err_set(e, "%s: concrete '%s': a list holds numbers only", arg->loc, arg->name);
            return NULL;
        }
    }
    tensor *t = keep(c, tensor_new(floats ? DT_FLOAT : DT_INT64, 1, &n, e));
    for (size_t i = 0; t && i < l->n_items; i++) {
        const Qrc__Value *it = l->items[i];
        if (floats)
            ((float *)t->data)[i] = (float)(it->kind_case == QRC__VALUE__KIND_F ? it->f : (double)it->i);
        else
            ((int64_t *)t->data)[i] = it->i;
    }
    return t;
}

static int prepare_from_plan(const Qrc__Plan *plan, build_config *c, qrc_err *e)
{
    const Qrc__Prepare *p = plan->prepare;
    pass_opts *o = &c->prepare.pass;
    *o = pass_opts_default();
    static const prepare_method methods[] = {
        [QRC__PREPARE_METHOD__EAGER] = PREPARE_EAGER,
        [QRC__PREPARE_METHOD__SYMBOLIC] = PREPARE_SYMBOLIC,
        [QRC__PREPARE_METHOD__JIT] = PREPARE_JIT,
        [QRC__PREPARE_METHOD__JIT_STRIP] = PREPARE_JIT_STRIP,
    };
    c->prepare.method = methods[p->method];

    /* eager runs exactly the prepare passes the plan lists. */
    const char **names = arena_alloc(&c->a, sizeof *names * (plan->n_passes + 1));
    for (size_t i = 0; i < plan->n_passes; i++)
        if (pass_find(plan->passes[i]->name))
            names[c->prepare.n_passes++] = plan->passes[i]->name;
    c->prepare.passes = names;

    size_t n_conc = p->n_args + p->n_dims;
    pass_concrete *conc = arena_alloc(&c->a, sizeof *conc * (n_conc + 1));
    for (size_t i = 0; i < p->n_args; i++) {
        conc[i].name = p->args[i]->name;
        if (!(conc[i].value = concrete_value(c, p->args[i], e)))
            return -1;
    }
    for (size_t i = 0; i < p->n_dims; i++) {
        conc[p->n_args + i].name = p->dims[i]->name;
        conc[p->n_args + i].dim = p->dims[i]->value;
    }
    o->concrete = conc;
    o->n_concrete = (int)n_conc;

    if (p->strip) {
        if (p->strip->start) {
            o->start = (const char *const *)arena_alloc(&c->a, sizeof(char *));
            ((const char **)o->start)[0] = p->strip->start;
            o->n_start = 1;
        }
        if (p->strip->end) {
            o->end = (const char *const *)arena_alloc(&c->a, sizeof(char *));
            ((const char **)o->end)[0] = p->strip->end;
            o->n_end = 1;
        }
    }

    pass_selector *sel = arena_alloc(&c->a, sizeof *sel * (p->n_exclude_modules + 1));
    for (size_t i = 0; i < p->n_exclude_modules; i++) {
        static const pass_sel_kind kinds[] = {
            [QRC__SELECTOR_KIND__EXACT] = PASS_SEL_EXACT,
            [QRC__SELECTOR_KIND__GLOB] = PASS_SEL_GLOB,
            [QRC__SELECTOR_KIND__REGEX] = PASS_SEL_REGEX,
            [QRC__SELECTOR_KIND__PREFIX] = PASS_SEL_EXACT, /* every kind also matches below a module */
        };
        sel[i].kind = kinds[p->exclude_modules[i]->kind];
        sel[i].text = p->exclude_modules[i]->pattern;
    }
    o->exclude = sel;
    o->n_exclude = (int)p->n_exclude_modules;

    const char **ops = arena_alloc(&c->a, sizeof *ops * (p->n_exclude_ops + 1));
    for (size_t i = 0; i < p->n_exclude_ops; i++)
        ops[i] = p->exclude_ops[i]->op_type;
    o->exclude_ops = ops;
    o->n_exclude_ops = (int)p->n_exclude_ops;
    o->supergroups_json = plan->quantsim->config_resolved;
    return 0;
}

static void side_from_setting(const Qrc__QuantSetting *s, quant_side_rule *side)
{
    if (!s->quantized) {
        side->kind = QUANT_FLOAT;
        side->bits = 32;
        return;
    }
    side->kind = s->kind == QRC__NUM_KIND__FLOAT ? QUANT_FLOAT : QUANT_INT;
    side->bits = (int)s->bitwidth;
    side->symmetric = s->symmetry == QRC__SYMMETRY__ASYMMETRIC ? QUANT_NO : QUANT_YES;
    side->strict = s->symmetry == QRC__SYMMETRY__STRICT_SYMMETRIC     ? QUANT_YES
                   : s->symmetry == QRC__SYMMETRY__UNSIGNED_SYMMETRIC ? QUANT_NO
                                                                      : QUANT_UNSET;
    side->unsigned_sym = s->symmetry == QRC__SYMMETRY__UNSIGNED_SYMMETRIC ? QUANT_YES
                         : s->symmetry == QRC__SYMMETRY__STRICT_SYMMETRIC ? QUANT_NO
                                                                          : QUANT_UNSET;
}

static int rules_from_plan(const Qrc__Plan *plan, build_config *c)
{
    c->n_rules = (int)plan->n_qconfig;
    c->rules = arena_alloc(&c->a, sizeof *c->rules * (plan->n_qconfig + 1));
    static const quant_match matches[] = {
        [QRC__SELECTOR_KIND__EXACT] = QUANT_MATCH_EXACT,
        [QRC__SELECTOR_KIND__GLOB] = QUANT_MATCH_GLOB,
        [QRC__SELECTOR_KIND__REGEX] = QUANT_MATCH_REGEX,
        [QRC__SELECTOR_KIND__PREFIX] = QUANT_MATCH_PREFIX,
    };
    for (size_t i = 0; i < plan->n_qconfig; i++) {
        const Qrc__QConfigRule *q = plan->qconfig[i];
        quant_rule *r = &c->rules[i];
        r->label = arena_printf(&c->a, "%s: %s", q->loc, plan_rule_kind_name(q->kind));
        size_t np = q->n_modules + q->n_ops;
        quant_pattern *pats = arena_alloc(&c->a, sizeof *pats * (np + 1));
        for (size_t k = 0; k < q->n_modules; k++)
            pats[k] = (quant_pattern){matches[q->modules[k]->kind], q->modules[k]->pattern};
        for (size_t k = 0; k < q->n_ops; k++)
            pats[q->n_modules + k] = (quant_pattern){QUANT_MATCH_EXACT, q->ops[k]->op_type};
        r->patterns = pats;
        r->n_patterns = (int)np;
        switch (q->kind) {
        case QRC__RULE_KIND__BY_MODULE: r->select = QUANT_SEL_MODULE; break;
        case QRC__RULE_KIND__BY_OP: r->select = QUANT_SEL_OP; break;
        case QRC__RULE_KIND__BY_SENSITIVITY: r->select = QUANT_SEL_SENSITIVITY; break;
        default: r->select = QUANT_SEL_DEFAULT; break;
        }
        r->top_fraction = q->has_fraction ? q->fraction : 0;
        side_from_setting(q->act, &r->act);
        side_from_setting(q->weight, &r->weight);
        r->per_channel = q->weight->granularity == QRC__GRANULARITY__PER_CHANNEL ? QUANT_YES : QUANT_NO;
    }
    return 0;
}

/* Expands each input's files (globs, sorted) into a feed list. */
static int data_from_plan(build_config *c, Qrc__InputData **in, size_t n, quant_data *d, qrc_err *e)
{
    quant_feed *feeds = arena_alloc(&c->a, sizeof *feeds * (n + 1));
    for (size_t i = 0; i < n; i++) {
        const char **files = NULL;
        int n_files = 0;
        for (size_t k = 0; k < in[i]->n_resolved; k++) {
            glob_t gl;
            int rc = glob(in[i]->resolved[k], 0, NULL, &gl);
            if (rc || gl.gl_pathc == 0) {
                if (rc == 0)
                    globfree(&gl);
                return err_set(e, "%s: data for input '%s': no file matches \"%s\"", in[i]->loc, in[i]->name,
                               in[i]->resolved[k]);
            }
            const char **grown = arena_alloc(&c->a, sizeof *grown * (size_t)(n_files + (int)gl.gl_pathc));
            if (n_files)
                memcpy(grown, files, sizeof *files * (size_t)n_files);
            for (size_t m = 0; m < gl.gl_pathc; m++)
                grown[n_files++] = arena_strdup(&c->a, gl.gl_pathv[m]);
            files = grown;
            globfree(&gl);
        }
        feeds[i] = (quant_feed){in[i]->name, files, n_files};
    }
    d->feeds = feeds;
    d->n_feeds = (int)n;
    return 0;
}

/* jit resolves control flow on real inputs: the first calibration row of every input. */
static int examples_from_data(build_config *c, qrc_err *e)
{
    if (c->calib.n_feeds == 0)
        return 0;
    const char **names = arena_alloc(&c->a, sizeof *names * (size_t)c->calib.n_feeds);
    const tensor **values = arena_alloc(&c->a, sizeof *values * (size_t)c->calib.n_feeds);
    for (int i = 0; i < c->calib.n_feeds; i++) {
        const quant_feed *f = &c->calib.feeds[i];
        npy_reader *r = NULL;
        tensor *t = NULL;
        if (f->n_files == 0 || npy_open(f->files[0], &r, e) || npy_read_rows(r, 1, &t, e)) {
            npy_close(r);
            return f->n_files ? err_wrap(e, "example input '%s'", f->input) : 0;
        }
        npy_close(r);
        names[i] = f->input;
        values[i] = keep(c, t);
    }
    pass_example *ex = arena_alloc(&c->a, sizeof *ex);
    *ex = (pass_example){c->calib.n_feeds, names, (const tensor *const *)values};
    c->prepare.pass.examples = ex;
    c->prepare.pass.n_examples = 1;
    return 0;
}

int build_config_from_plan(const Qrc__Plan *plan, build_config *c, qrc_err *e)
{
    memset(c, 0, sizeof *c);
    if (prepare_from_plan(plan, c, e) || rules_from_plan(plan, c))
        return -1;
    const Qrc__QuantSim *qs = plan->quantsim;
    if (qs->config_resolved && !(c->quantsim_config = quant_config_load(qs->config_resolved, e)))
        return -1;
    static const quant_scheme schemes[] = {
        [QRC__SCHEME__TF] = QUANT_SCHEME_TF,
        [QRC__SCHEME__TF_ENHANCED] = QUANT_SCHEME_TF_ENHANCED,
        [QRC__SCHEME__PERCENTILE] = QUANT_SCHEME_PERCENTILE,
        [QRC__SCHEME__MSE] = QUANT_SCHEME_MSE,
    };
    c->quant.scheme = schemes[qs->scheme];
    c->quant.percentile = qs->has_percentile ? qs->percentile : 0;
    c->quant.stochastic = qs->rounding == QRC__ROUNDING__STOCHASTIC;
    if (plan->calibrate) {
        const Qrc__Calibrate *cal = plan->calibrate;
        c->quant.seed = cal->seed;
        c->calib.batch = cal->batch;
        c->calib.max_samples = cal->samples;
        if (data_from_plan(c, cal->data, cal->n_data, &c->calib, e))
            return -1;
    }
    if (plan->evaluate) {
        const Qrc__Evaluate *ev = plan->evaluate;
        c->eval.batch = ev->batch;
        c->eval.max_samples = ev->has_samples ? ev->samples : 0;
        c->labels = ev->labels_resolved;
        if (data_from_plan(c, ev->data, ev->n_data, &c->eval, e))
            return -1;
    }
    return examples_from_data(c, e);
}

void build_config_free(build_config *c)
{
    for (int i = 0; i < c->n_owned; i++)
        tensor_free(c->owned[i]);
    free(c->owned);
    quant_config_free(c->quantsim_config);
    arena_free(&c->a);
    memset(c, 0, sizeof *c);
}
