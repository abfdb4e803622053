/* prepare_plan.c — plan.proto's prepare section translated into prepare options. */
#include "prepare_plan.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "plan/plan.h"

enum { EXAMPLE_ROWS = 32 };

static void keep(prepare_plan *p, tensor *t)
{
    tensor **o = arena_alloc(&p->a, (size_t)(p->n_owned + 1) * sizeof *o);
    if (p->n_owned)
        memcpy(o, p->owned, (size_t)p->n_owned * sizeof *o);
    o[p->n_owned++] = t;
    p->owned = o;
}

/* Number of scalars in a value (a list counts its items, nested lists flattened). */
static int value_count(const Qrc__Value *v)
{
    if (v->kind_case != QRC__VALUE__KIND_LIST)
        return 1;
    int n = 0;
    for (size_t i = 0; v->list && i < v->list->n_items; i++)
        n += value_count(v->list->items[i]);
    return n;
}

/* Writes the scalars of v into t's buffer from index *k, converted to t's dtype; fails on a kind the
 * dtype cannot hold (a fraction for an integer input, a number for a bool input other than 0/1). */
static int value_fill(const Qrc__Value *v, tensor *t, int64_t *k, const char *name, const char *loc, qrc_err *e)
{
    if (v->kind_case == QRC__VALUE__KIND_LIST) {
        for (size_t i = 0; v->list && i < v->list->n_items; i++)
            if (value_fill(v->list->items[i], t, k, name, loc, e) != 0)
                return -1;
        return 0;
    }
    double x = v->kind_case == QRC__VALUE__KIND_B ? (double)v->b
             : v->kind_case == QRC__VALUE__KIND_I ? (double)v->i : v->f;
    bool integral = v->kind_case != QRC__VALUE__KIND_F || x == (double)(int64_t)x;
    int64_t i = (*k)++;
    switch (t->dtype) {
    case DT_FLOAT:
        ((float *)t->data)[i] = (float)x;
        return 0;
    case DT_DOUBLE:
        ((double *)t->data)[i] = x;
        return 0;
    case DT_BOOL:
        if (x != 0 && x != 1)
            break;
        ((uint8_t *)t->data)[i] = x != 0;
        return 0;
    case DT_INT64:
        if (!integral)
            break;
        ((int64_t *)t->data)[i] = v->kind_case == QRC__VALUE__KIND_I ? v->i : (int64_t)x;
        return 0;
    case DT_INT32:
        if (!integral)
            break;
        ((int32_t *)t->data)[i] = (int32_t)x;
        return 0;
    default:
        return err_set(e, "%s: error: concrete %s: inputs of type %s cannot be bound", loc, name, tensor_dtype_name(t->dtype));
    }
    return err_set(e, "%s: error: concrete %s: %g is not a %s value", loc, name, x, tensor_dtype_name(t->dtype));
}

/* The tensor a ConcreteArg binds input x to: x's dtype; a scalar fills x's shape when every known dim
 * is 1, a list is 1-D (or x's shape when the element counts agree). */
static tensor *concrete_tensor(const Qrc__ConcreteArg *c, const graph_value *x, qrc_err *e)
{
    tensor_dtype dt = x->dtype == DT_UNDEFINED ? DT_FLOAT : x->dtype;
    int n = value_count(c->value);
    int64_t dims[TENSOR_MAX_RANK];
    int rank = 0;
    int64_t want = 1;
    bool known = x->rank >= 0;
    for (int d = 0; known && d < x->rank; d++) {
        known = x->dims[d] >= 0 && !x->dim_param[d];
        want *= x->dims[d];
        dims[d] = x->dims[d];
    }
    if (known && want == n) {
        rank = x->rank;
    } else if (n == 1 && c->value->kind_case != QRC__VALUE__KIND_LIST) {
        rank = 0;
    } else {
        rank = 1;
        dims[0] = n;
    }
    tensor *t = tensor_new(dt, rank, dims, e);
    if (!t)
        return NULL;
    int64_t k = 0;
    if (value_fill(c->value, t, &k, c->name, c->loc, e) != 0) {
        tensor_free(t);
        return NULL;
    }
    return t;
}

/* The first rows of the first file of input data d, or NULL with e filled. */
static tensor *first_batch(const Qrc__InputData *d, uint32_t batch, qrc_err *e)
{
    const char *pattern = d->n_resolved ? d->resolved[0] : d->n_files ? d->files[0] : NULL;
    if (!pattern)
        return err_set(e, "%s: error: no data files for input '%s'", d->loc, d->name), NULL;
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    if (glob(pattern, 0, NULL, &gl) != 0 || gl.gl_pathc == 0) {
        globfree(&gl);
        return err_set(e, "%s: error: data for '%s': no file matches '%s'", d->loc, d->name, pattern), NULL;
    }
    npy_reader *r = NULL;
    tensor *t = NULL;
    if (npy_open(gl.gl_pathv[0], &r, e) == 0) {
        if (npy_read_rows(r, batch ? (batch < EXAMPLE_ROWS ? batch : EXAMPLE_ROWS) : 1, &t, e) != 0)
            t = NULL;
        npy_close(r);
    }
    globfree(&gl);
    return t;
}

static int load_examples(prepare_plan *p, const Qrc__Plan *plan, qrc_err *e)
{
    const Qrc__Calibrate *c = plan->calibrate;
    if (!c || !c->n_data)
        return 0; /* the trace pass reports the missing examples if an If needs them */
    const char **names = arena_alloc(&p->a, c->n_data * sizeof *names);
    const tensor **vals = arena_alloc(&p->a, c->n_data * sizeof *vals);
    for (size_t i = 0; i < c->n_data; i++) {
        tensor *t = first_batch(c->data[i], c->batch, e);
        if (!t)
            return -1;
        keep(p, t);
        names[i] = arena_strdup(&p->a, c->data[i]->name);
        vals[i] = t;
    }
    pass_example *ex = arena_alloc(&p->a, sizeof *ex);
    ex->n = (int)c->n_data;
    ex->names = names;
    ex->values = vals;
    p->opts.pass.examples = ex;
    p->opts.pass.n_examples = 1;
    return 0;
}

static const prepare_method methods[] = {
    [QRC__PREPARE_METHOD__EAGER] = PREPARE_EAGER,
    [QRC__PREPARE_METHOD__SYMBOLIC] = PREPARE_SYMBOLIC,
    [QRC__PREPARE_METHOD__JIT] = PREPARE_JIT,
    [QRC__PREPARE_METHOD__JIT_STRIP] = PREPARE_JIT_STRIP,
};

int prepare_plan_init(prepare_plan *p, const Qrc__Plan *plan, const graph *g, qrc_err *e)
{
    memset(p, 0, sizeof *p);
    const Qrc__Prepare *pr = plan->prepare;
    pass_opts *o = &p->opts.pass;
    *o = pass_opts_default();
    if (!pr)
        return err_set(e, "the plan has no prepare section");
    if ((int)pr->method < 1 || (int)pr->method > 4)
        return err_set(e, "the plan's prepare method %d is unknown", (int)pr->method);
    p->opts.method = methods[pr->method];
    o->inline_if = p->opts.method != PREPARE_EAGER;
    /* eager: the rewrites the recipe lists (name and exclude always run, as in the plan) */
    const char **passes = arena_alloc(&p->a, (pr->n_rewrites + 3) * sizeof *passes);
    int np = 0;
    passes[np++] = "bind";
    passes[np++] = "name";
    for (size_t i = 0; i < pr->n_rewrites; i++)
        passes[np++] = arena_strdup(&p->a, pr->rewrites[i]);
    passes[np++] = "exclude";
    p->opts.passes = passes;
    p->opts.n_passes = np;
    /* exclusions */
    select_spec *sel = arena_alloc(&p->a, (pr->n_exclude_modules + 1) * sizeof *sel);
    for (size_t i = 0; i < pr->n_exclude_modules; i++) {
        sel[i].kind = plan_select_kind(pr->exclude_modules[i]->kind);
        sel[i].text = arena_strdup(&p->a, pr->exclude_modules[i]->pattern);
    }
    o->exclude = sel;
    o->n_exclude = (int)pr->n_exclude_modules;
    const char **ops = arena_alloc(&p->a, (pr->n_exclude_ops + 1) * sizeof *ops);
    for (size_t i = 0; i < pr->n_exclude_ops; i++)
        ops[i] = arena_strdup(&p->a, pr->exclude_ops[i]->op_type);
    o->exclude_ops = ops;
    o->n_exclude_ops = (int)pr->n_exclude_ops;
    /* concrete args and dims */
    pass_concrete *c = arena_alloc(&p->a, (pr->n_args + pr->n_dims + 1) * sizeof *c);
    int nc = 0;
    for (size_t i = 0; i < pr->n_args; i++) {
        const Qrc__ConcreteArg *a = pr->args[i];
        int v = graph_find_value(g, a->name);
        c[nc].name = arena_strdup(&p->a, a->name);
        if (v < 0 || !g->values[v].is_input) {
            /* not an input: bind reports it with the model's real inputs; a whole number may pin a dim */
            if (a->value->kind_case != QRC__VALUE__KIND_I) {
                prepare_plan_free(p);
                return err_set(e, "%s: error: concrete %s: the model has no input called '%s'", a->loc, a->name, a->name);
            }
            c[nc++].dim = a->value->i;
            continue;
        }
        tensor *t = concrete_tensor(a, &g->values[v], e);
        if (!t) {
            prepare_plan_free(p);
            return -1;
        }
        keep(p, t);
        c[nc++].value = t;
    }
    for (size_t i = 0; i < pr->n_dims; i++) {
        c[nc].name = arena_strdup(&p->a, pr->dims[i]->name);
        c[nc++].dim = pr->dims[i]->value;
    }
    o->concrete = c;
    o->n_concrete = nc;
    /* the quantized region */
    if (pr->strip && pr->strip->start) {
        const char **s = arena_alloc(&p->a, sizeof *s);
        s[0] = arena_strdup(&p->a, pr->strip->start);
        o->start = s;
        o->n_start = 1;
    }
    if (pr->strip && pr->strip->end) {
        const char **s = arena_alloc(&p->a, sizeof *s);
        s[0] = arena_strdup(&p->a, pr->strip->end);
        o->end = s;
        o->n_end = 1;
    }
    /* supergroups from the quantsim config */
    if (plan->quantsim && (plan->quantsim->config_resolved || plan->quantsim->config_path))
        o->supergroups_json = arena_strdup(&p->a, plan->quantsim->config_resolved ? plan->quantsim->config_resolved
                                                                                  : plan->quantsim->config_path);
    if ((p->opts.method == PREPARE_JIT || p->opts.method == PREPARE_JIT_STRIP) && load_examples(p, plan, e) != 0) {
        prepare_plan_free(p);
        return -1;
    }
    return 0;
}

void prepare_plan_free(prepare_plan *p)
{
    for (int i = 0; i < p->n_owned; i++)
        tensor_free(p->owned[i]);
    arena_free(&p->a);
    memset(p, 0, sizeof *p);
}

pass_opts prepare_plan_pass_opts(const prepare_plan *p, const Qrc__Pass *pass)
{
    pass_opts o = p->opts.pass;
    switch (pass->params_case) {
    case QRC__PASS__PARAMS_FOLD:
        o.inline_if = pass->fold->inline_if;
        break;
    case QRC__PASS__PARAMS_FUSE:
        if (!pass->fuse->from_config)
            o.supergroups_json = NULL;
        break;
    default:
        break;
    }
    return o;
}
