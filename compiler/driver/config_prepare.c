/* config_prepare.c — plan.proto's prepare section translated into prepare options (build_config.h). */
#include "driver/build_config.h"

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
        err_set(e, "concrete %s: inputs of type %s cannot be bound", name, tensor_dtype_name(t->dtype));
        return err_origin(e, loc);
    }
    err_set(e, "concrete %s: %g is not a %s value", name, x, tensor_dtype_name(t->dtype));
    return err_origin(e, loc);
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
        return err_set(e, "no data files for input '%s'", d->name), err_origin(e, d->loc), NULL;
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    if (glob(pattern, 0, NULL, &gl) != 0 || gl.gl_pathc == 0) {
        globfree(&gl);
        err_set(e, "data for '%s': no file matches '%s'", d->name, pattern);
        return err_origin(e, d->loc), NULL;
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

/* A one-element array of s in p's arena, or NULL for no s. */
static const char *const *one(prepare_plan *p, const char *s)
{
    if (!s)
        return NULL;
    const char **a = arena_alloc(&p->a, sizeof *a);
    a[0] = arena_strdup(&p->a, s);
    return a;
}

int prepare_plan_init(prepare_plan *p, const Qrc__Plan *plan, const graph *g, qrc_err *e)
{
    memset(p, 0, sizeof *p);
    const Qrc__Prepare *pr = plan->prepare;
    pass_opts *o = &p->opts.pass;
    *o = pass_opts_default();
    if (!pr)
        return err_set(e, "the plan has no prepare section");
    if ((unsigned)plan_prepare_method(pr->method) >= PREPARE_METHOD_COUNT_)
        return err_set(e, "the plan's prepare method %d is unknown", (int)pr->method);
    p->opts.method = plan_prepare_method(pr->method);
    /* eager: the rewrites the recipe lists (for prepare_run; a build runs the plan's passes) */
    const char **passes = arena_alloc(&p->a, (pr->n_rewrites + 1) * sizeof *passes);
    for (size_t i = 0; i < pr->n_rewrites; i++)
        passes[i] = arena_strdup(&p->a, pr->rewrites[i]);
    p->opts.passes = passes;
    p->opts.n_passes = (int)pr->n_rewrites;
    /* exclusions, each with the recipe location it came from */
    select_spec *sel = arena_alloc(&p->a, (pr->n_exclude_modules + 1) * sizeof *sel);
    const char **sel_origins = arena_alloc(&p->a, (pr->n_exclude_modules + 1) * sizeof *sel_origins);
    for (size_t i = 0; i < pr->n_exclude_modules; i++) {
        sel[i].kind = plan_select_kind(pr->exclude_modules[i]->kind);
        sel[i].text = arena_strdup(&p->a, pr->exclude_modules[i]->pattern);
        sel_origins[i] = arena_strdup(&p->a, pr->exclude_modules[i]->loc);
    }
    o->exclude = sel;
    o->exclude_origins = sel_origins;
    o->n_exclude = (int)pr->n_exclude_modules;
    const char **ops = arena_alloc(&p->a, (pr->n_exclude_ops + 1) * sizeof *ops);
    const char **op_origins = arena_alloc(&p->a, (pr->n_exclude_ops + 1) * sizeof *op_origins);
    for (size_t i = 0; i < pr->n_exclude_ops; i++) {
        ops[i] = arena_strdup(&p->a, pr->exclude_ops[i]->op_type);
        op_origins[i] = arena_strdup(&p->a, pr->exclude_ops[i]->loc);
    }
    o->exclude_ops = ops;
    o->n_exclude_ops = (int)pr->n_exclude_ops;
    o->exclude_op_origins = op_origins;
    /* concrete args and dims */
    pass_concrete *c = arena_alloc(&p->a, (pr->n_args + pr->n_dims + 1) * sizeof *c);
    int nc = 0;
    for (size_t i = 0; i < pr->n_args; i++) {
        const Qrc__ConcreteArg *a = pr->args[i];
        int v = graph_find_value(g, a->name);
        c[nc].name = arena_strdup(&p->a, a->name);
        c[nc].origin = arena_strdup(&p->a, a->loc);
        if (v < 0 || !g->values[v].is_input) {
            /* not an input: bind reports it with the model's real inputs; a whole number may pin a dim */
            if (a->value->kind_case != QRC__VALUE__KIND_I) {
                prepare_plan_free(p);
                err_set(e, "concrete %s: the model has no input called '%s'", a->name, a->name);
                return err_origin(e, a->loc);
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
        c[nc].origin = arena_strdup(&p->a, pr->dims[i]->loc);
        c[nc++].dim = pr->dims[i]->value;
    }
    o->concrete = c;
    o->n_concrete = nc;
    /* the quantized region */
    o->start = one(p, pr->strip ? pr->strip->start : NULL);
    o->n_start = o->start != NULL;
    o->end = one(p, pr->strip ? pr->strip->end : NULL);
    o->n_end = o->end != NULL;
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

pass_opts prepare_plan_pass_opts(prepare_plan *p, const Qrc__Pass *pass)
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
    case QRC__PASS__PARAMS_STRIP:
        /* the pass's own region (arena strings live as long as p) */
        o.start = one(p, pass->strip->start);
        o.n_start = pass->strip->start != NULL;
        o.end = one(p, pass->strip->end);
        o.n_end = pass->strip->end != NULL;
        break;
    default:
        break;
    }
    return o;
}
