/* units.c — decomposed activations and normalisations, recognised as units.
 *
 * Exporters without a single op for a unit (older opsets, paddle2onnx, tf2onnx) write it out op by op:
 * HardSwish as Add 3, Clip 0..6, Mul x, Div 6; LayerNorm as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt,
 * Div. Each form is a row of the table below: a list of steps, each an op whose inputs are the unit's
 * input x, the output of an earlier step, or a constant checked against its expected value. One matcher
 * walks every row, so adding a form is adding a row. A match also requires that every intermediate
 * tensor is read only inside the unit (and is no graph output): cutting the unit there would change
 * what the rest of the graph sees. */
#include <math.h>
#include <string.h>

#include "util.h"

enum { MAX_STEPS = 12, MAX_CANDS = 16 };
enum { REQUIRED = 0, OPTIONAL, NEEDED };

typedef enum arg_kind { A_NONE = 0, A_X, A_STEP, A_CONST, A_ANY } arg_kind;

/* One input of a step: x, the output of step `step`, a scalar constant near `v`, or any float
 * constant (kept in the unit's capture slot `cap`). */
typedef struct arg {
    arg_kind k;
    int step;
    double v;
    int cap;
} arg;

/* One op of a form; `alt_op`/`alt` is a second spelling of the same step (Pow 2 or Mul d d). */
typedef struct step {
    const char *op;
    arg a[2];
    const char *attr[2];     /* numeric attributes to check (Clip's min/max also read from its inputs) */
    double val[2];
    int opt;                 /* a trailing step the unit may end without (LayerNorm's affine Mul / Add);
                                NEEDED: the single op only computes the unit with it (GELU's 0.5) */
    const char *alt_op;
    arg alt[2];
} step;

/* The unit kinds, each with the standard op computing it (NULL: none). */
typedef enum unit_kind { LAYERNORM, RMSNORM, GELU, MISH, HARDSWISH, HARDSIGMOID, SWISH, SILU, N_KINDS } unit_kind;
static const char *const kind_names[N_KINDS + 1] = {"LayerNorm", "RMSNorm", "GELU", "Mish", "HardSwish",
                                                    "HardSigmoid", "Swish", "SiLU", NULL};
static const char *const kind_ops[N_KINDS] = {"LayerNormalization", NULL, "Gelu", "Mish", "HardSwish", "HardSigmoid",
                                              NULL, NULL};

typedef struct form {
    unit_kind kind;
    bool exact;              /* the kind's standard op computes exactly this form (epsilon inside the Sqrt);
                                for SiLU and Swish, com.microsoft QuickGelu does */
    int n;
    step s[MAX_STEPS];
} form;

#define X {A_X, 0, 0, 0}
#define S(k) {A_STEP, k, 0, 0}
#define C(x) {A_CONST, 0, x, 0}
#define EPS {A_ANY, 0, 0, PASS_UNIT_EPS}
#define SCALE {A_ANY, 0, 0, PASS_UNIT_SCALE}
#define SHIFT {A_ANY, 0, 0, PASS_UNIT_SHIFT}
#define U1(op, a) {op, {a}, {0}, {0}, REQUIRED, NULL, {{0}}}
#define B2(op, a, b) {op, {a, b}, {0}, {0}, REQUIRED, NULL, {{0}}}
#define OPT(op, a, b) {op, {a, b}, {0}, {0}, OPTIONAL, NULL, {{0}}}
#define OPT_NEEDED(op, a, b) {op, {a, b}, {0}, {0}, NEEDED, NULL, {{0}}}
#define CLIP(in, lo, hi) {"Clip", {in}, {"min", "max"}, {lo, hi}, REQUIRED, NULL, {{0}}}
#define OR(op, a, b, op2, c, d) {op, {a, b}, {0}, {0}, REQUIRED, op2, {c, d}}
#define SQUARE(k) OR("Pow", S(k), C(2), "Mul", S(k), S(k))
#define SQRT_2_PI 0.7978845608028654
#define GELU_K 0.044715

/* Longer forms first where one is a prefix of another (HardSwish before HardSigmoid). */
static const form forms[] = {
    /* LayerNorm: mean, centred d, variance, then d / sqrt(var + eps) in four spellings, then gamma, beta. */
    {LAYERNORM, true, 9,
     {U1("ReduceMean", X), B2("Sub", X, S(0)), SQUARE(1), U1("ReduceMean", S(2)), B2("Add", S(3), EPS),
      U1("Sqrt", S(4)), B2("Div", S(1), S(5)), OPT("Mul", S(6), SCALE), OPT("Add", S(7), SHIFT)}},
    {LAYERNORM, true, 10,
     {U1("ReduceMean", X), B2("Sub", X, S(0)), SQUARE(1), U1("ReduceMean", S(2)), B2("Add", S(3), EPS),
      U1("Sqrt", S(4)), U1("Reciprocal", S(5)), B2("Mul", S(1), S(6)), OPT("Mul", S(7), SCALE),
      OPT("Add", S(8), SHIFT)}},
    {LAYERNORM, false, 9,
     {U1("ReduceMean", X), B2("Sub", X, S(0)), SQUARE(1), U1("ReduceMean", S(2)), U1("Sqrt", S(3)),
      B2("Add", S(4), EPS), B2("Div", S(1), S(5)), OPT("Mul", S(6), SCALE), OPT("Add", S(7), SHIFT)}},
    {LAYERNORM, false, 10,
     {U1("ReduceMean", X), B2("Sub", X, S(0)), SQUARE(1), U1("ReduceMean", S(2)), U1("Sqrt", S(3)),
      B2("Add", S(4), EPS), U1("Reciprocal", S(5)), B2("Mul", S(1), S(6)), OPT("Mul", S(7), SCALE),
      OPT("Add", S(8), SHIFT)}},
    /* RMSNorm: x / sqrt(mean(x^2) + eps) [* gamma]. */
    {RMSNORM, false, 6,
     {OR("Pow", X, C(2), "Mul", X, X), U1("ReduceMean", S(0)), B2("Add", S(1), EPS), U1("Sqrt", S(2)),
      B2("Div", X, S(3)), OPT("Mul", S(4), SCALE)}},
    {RMSNORM, false, 7,
     {OR("Pow", X, C(2), "Mul", X, X), U1("ReduceMean", S(0)), B2("Add", S(1), EPS), U1("Sqrt", S(2)),
      U1("Reciprocal", S(3)), B2("Mul", X, S(4)), OPT("Mul", S(5), SCALE)}},
    /* GELU, erf form: x / sqrt 2 (or x * 1/sqrt 2), Erf, + 1, then * x * 0.5 in three orders. Without
     * the 0.5 (twice GELU) it is still one unit, but no single op computes it. */
    {GELU, true, 5,
     {OR("Div", X, C(M_SQRT2), "Mul", X, C(M_SQRT1_2)), U1("Erf", S(0)), B2("Add", S(1), C(1)),
      B2("Mul", X, S(2)), OPT_NEEDED("Mul", S(3), C(0.5))}},
    {GELU, true, 5,
     {OR("Div", X, C(M_SQRT2), "Mul", X, C(M_SQRT1_2)), U1("Erf", S(0)), B2("Add", S(1), C(1)),
      B2("Mul", S(2), C(0.5)), B2("Mul", X, S(3))}},
    {GELU, true, 5,
     {B2("Mul", X, C(0.5)), OR("Div", X, C(M_SQRT2), "Mul", X, C(M_SQRT1_2)), U1("Erf", S(1)),
      B2("Add", S(2), C(1)), B2("Mul", S(0), S(3))}},
    /* GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the cube as Pow 3 or x * (x * x). */
    {GELU, true, 8,
     {B2("Pow", X, C(3)), B2("Mul", S(0), C(GELU_K)), B2("Add", X, S(1)), B2("Mul", S(2), C(SQRT_2_PI)),
      U1("Tanh", S(3)), B2("Add", S(4), C(1)), B2("Mul", X, S(5)), B2("Mul", S(6), C(0.5))}},
    {GELU, true, 8,
     {B2("Pow", X, C(3)), B2("Mul", S(0), C(GELU_K)), B2("Add", X, S(1)), B2("Mul", S(2), C(SQRT_2_PI)),
      U1("Tanh", S(3)), B2("Add", S(4), C(1)), B2("Mul", S(5), C(0.5)), B2("Mul", X, S(6))}},
    {GELU, true, 8,
     {B2("Mul", X, C(0.5)), B2("Pow", X, C(3)), B2("Mul", S(1), C(GELU_K)), B2("Add", X, S(2)),
      B2("Mul", S(3), C(SQRT_2_PI)), U1("Tanh", S(4)), B2("Add", S(5), C(1)), B2("Mul", S(0), S(6))}},
    {GELU, true, 9,
     {B2("Mul", X, X), B2("Mul", X, S(0)), B2("Mul", S(1), C(GELU_K)), B2("Add", X, S(2)),
      B2("Mul", S(3), C(SQRT_2_PI)), U1("Tanh", S(4)), B2("Add", S(5), C(1)), B2("Mul", X, S(6)),
      B2("Mul", S(7), C(0.5))}},
    {GELU, true, 9,
     {B2("Mul", X, X), B2("Mul", X, S(0)), B2("Mul", S(1), C(GELU_K)), B2("Add", X, S(2)),
      B2("Mul", S(3), C(SQRT_2_PI)), U1("Tanh", S(4)), B2("Add", S(5), C(1)), B2("Mul", S(6), C(0.5)),
      B2("Mul", X, S(7))}},
    {GELU, true, 9,
     {B2("Mul", X, C(0.5)), B2("Mul", X, X), B2("Mul", X, S(1)), B2("Mul", S(2), C(GELU_K)), B2("Add", X, S(3)),
      B2("Mul", S(4), C(SQRT_2_PI)), U1("Tanh", S(5)), B2("Add", S(6), C(1)), B2("Mul", S(0), S(7))}},
    /* Mish: x * tanh(softplus(x)), softplus as the op or as log(exp(x) + 1). */
    {MISH, true, 3, {U1("Softplus", X), U1("Tanh", S(0)), B2("Mul", X, S(1))}},
    {MISH, true, 5,
     {U1("Exp", X), B2("Add", S(0), C(1)), U1("Log", S(1)), U1("Tanh", S(2)), B2("Mul", X, S(3))}},
    /* HardSwish: x * relu6(x + 3) / 6 in its orders, and x * HardSigmoid(x) with alpha 1/6, beta 1/2. */
    {HARDSWISH, true, 4,
     {B2("Add", X, C(3)), CLIP(S(0), 0, 6), B2("Mul", X, S(1)), OR("Div", S(2), C(6), "Mul", S(2), C(1.0 / 6))}},
    {HARDSWISH, true, 4,
     {B2("Add", X, C(3)), CLIP(S(0), 0, 6), OR("Div", S(1), C(6), "Mul", S(1), C(1.0 / 6)), B2("Mul", X, S(2))}},
    {HARDSWISH, true, 4,
     {B2("Mul", X, C(1.0 / 6)), B2("Add", S(0), C(0.5)), CLIP(S(1), 0, 1), B2("Mul", X, S(2))}},
    {HARDSWISH, true, 2,
     {{"HardSigmoid", {X}, {"alpha", "beta"}, {1.0 / 6, 0.5}, REQUIRED, NULL, {{0}}}, B2("Mul", X, S(0))}},
    /* HardSigmoid: relu6(x + 3) / 6, or clip(alpha x + beta, 0, 1). */
    {HARDSIGMOID, true, 3,
     {B2("Add", X, C(3)), CLIP(S(0), 0, 6), OR("Div", S(1), C(6), "Mul", S(1), C(1.0 / 6))}},
    {HARDSIGMOID, true, 3, {B2("Mul", X, SCALE), B2("Add", S(0), SHIFT), CLIP(S(1), 0, 1)}},
    /* Swish with beta (x * sigmoid(beta x)), and SiLU (beta 1, no Mul). */
    {SWISH, true, 3, {B2("Mul", X, SCALE), U1("Sigmoid", S(0)), B2("Mul", X, S(1))}},
    {SILU, true, 2, {U1("Sigmoid", X), B2("Mul", X, S(0))}},
};
enum { N_FORMS = sizeof forms / sizeof *forms };


/* A match in progress. */
typedef struct trial {
    const graph *g;
    const form *f;
    int node[MAX_STEPS];
    int x;
    int cap[PASS_UNIT_CAPS];
} trial;

static bool is_op(const graph_node *nd, const char *op)
{
    return op && !nd->domain[0] && !strcmp(nd->op_type, op);
}

static bool near(double have, double want)
{
    return fabs(have - want) <= 1e-4 * fmax(1.0, fabs(want));
}

/* The float scalar constant of v in *out. */
static bool scalar_of(const graph *g, int v, double *out)
{
    const tensor *t = pass_const(g, v);
    if (!t || t->dtype != DT_FLOAT || tensor_numel(t) != 1)
        return false;
    *out = ((const float *)t->data)[0];
    return true;
}

/* Numeric attribute `name` of nd; Clip's bounds come from its inputs from opset 11 on, HardSigmoid's
 * attributes have defaults. */
static bool attr_num(const graph *g, const graph_node *nd, const char *name, double *out)
{
    const graph_attr *a = graph_attr_find(nd, name);
    if (a) {
        *out = a->kind == ATTR_FLOAT ? a->f : (double)a->i;
        return true;
    }
    if (!strcmp(nd->op_type, "Clip")) {
        int slot = !strcmp(name, "min") ? 1 : 2;
        return slot < nd->n_in && scalar_of(g, nd->in[slot], out);
    }
    if (!strcmp(nd->op_type, "HardSigmoid")) {
        *out = !strcmp(name, "alpha") ? 0.2 : 0.5;
        return true;
    }
    return false;
}

/* True when value v is what argument a asks for; binds x (and captures) on the way. */
static bool arg_ok(trial *t, const arg *a, int v)
{
    double c;
    switch (a->k) {
    case A_X:
        if (v < 0 || pass_const(t->g, v))
            return false;
        if (t->x < 0)
            t->x = v;
        return t->x == v;
    case A_STEP:
        return v >= 0 && t->g->nodes[t->node[a->step]].out[0] == v;
    case A_CONST:
        return scalar_of(t->g, v, &c) && near(c, a->v);
    case A_ANY: {
        const tensor *k = pass_const(t->g, v);
        if (!k || k->dtype != DT_FLOAT)
            return false;
        t->cap[a->cap] = v;
        return true;
    }
    default:
        return false;
    }
}

/* Node nd does what op/args/attrs describe (Add and Mul in either input order). */
static bool spelled(trial *t, const graph_node *nd, const char *op, const arg *args, const step *s)
{
    if (!is_op(nd, op) || nd->n_out < 1 || nd->out[0] < 0)
        return false;
    int n_args = args[1].k != A_NONE ? 2 : 1;
    if (nd->n_in < n_args)
        return false;
    for (int i = n_args; i < nd->n_in; i++)   /* Clip bounds, ReduceMean axes */
        if (nd->in[i] >= 0 && !pass_const(t->g, nd->in[i]) && !t->g->values[nd->in[i]].init)
            return false;
    for (int i = 0; i < 2 && s->attr[i]; i++) {
        double v;
        if (!attr_num(t->g, nd, s->attr[i], &v) || !near(v, s->val[i]))
            return false;
    }
    bool swap_ok = n_args == 2 && (!strcmp(op, "Add") || !strcmp(op, "Mul"));
    for (int order = 0; order < (swap_ok ? 2 : 1); order++) {
        trial saved = *t;
        bool ok = true;
        for (int i = 0; i < n_args && ok; i++)
            ok = arg_ok(t, &args[i], nd->in[order ? 1 - i : i]);
        if (ok)
            return true;
        *t = saved;
    }
    return false;
}

static bool in_unit(const trial *t, int upto, int n)
{
    for (int i = 0; i < upto; i++)
        if (t->node[i] == n)
            return true;
    return false;
}

/* The value step s hangs from: the first earlier step it reads, else x. */
static int anchor(const trial *t, const step *s)
{
    for (int i = 0; i < 2; i++)
        if (s->a[i].k == A_STEP)
            return t->g->nodes[t->node[s->a[i].step]].out[0];
    return t->x;
}

/* ReduceMean's reduced axes and keepdims, compared between the ReduceMeans of one unit. */
static bool same_reduction(const graph *g, const graph_node *a, const graph_node *b)
{
    if (graph_attr_int(a, "keepdims", 1) != 1 || graph_attr_int(b, "keepdims", 1) != 1)
        return false;
    const int64_t *ia = NULL, *ib = NULL;
    int na = graph_attr_ints(a, "axes", &ia), nb = graph_attr_ints(b, "axes", &ib);
    if (a->n_in > 1 && a->in[1] >= 0 && g->values[a->in[1]].init) {
        const tensor *t = g->values[a->in[1]].init;
        ia = t->dtype == DT_INT64 ? t->data : NULL;
        na = ia ? (int)tensor_numel(t) : -1;
    }
    if (b->n_in > 1 && b->in[1] >= 0 && g->values[b->in[1]].init) {
        const tensor *t = g->values[b->in[1]].init;
        ib = t->dtype == DT_INT64 ? t->data : NULL;
        nb = ib ? (int)tensor_numel(t) : -1;
    }
    if (na != nb || na < 0)
        return false;
    return na == 0 || !memcmp(ia, ib, (size_t)na * sizeof *ia);
}

/* Every intermediate output is read only inside the unit, and ReduceMeans agree. */
static bool sealed(const trial *t, int n)
{
    const graph *g = t->g;
    int c[MAX_CANDS], first_reduce = -1;
    for (int i = 0; i < n; i++) {
        const graph_node *nd = &g->nodes[t->node[i]];
        if (is_op(nd, "ReduceMean")) {
            if (first_reduce >= 0 && !same_reduction(g, &g->nodes[first_reduce], nd))
                return false;
            if (first_reduce < 0)
                first_reduce = t->node[i];
        }
        if (i == n - 1)
            break;
        int v = nd->out[0];
        int k = pass_consumers(g, v, c, MAX_CANDS);
        if (k > MAX_CANDS || pass_pinned(g, v))
            return false;
        for (int j = 0; j < k; j++)
            if (!in_unit(t, n, c[j]))
                return false;
    }
    return true;
}

/* Form f starting at node start, or 0. */
static int try_form(const graph *g, const form *f, int start, const int *grouped, pass_unit *u)
{
    trial t = {.g = g, .f = f, .x = -1};
    for (int i = 0; i < PASS_UNIT_CAPS; i++)
        t.cap[i] = -1;
    int n = 0;
    for (; n < f->n; n++) {
        const step *s = &f->s[n];
        int cands[MAX_CANDS], nc = 1;
        cands[0] = start;
        if (n > 0) {
            int v = anchor(&t, s);
            nc = pass_consumers(g, v, cands, MAX_CANDS);
            if (nc > MAX_CANDS)
                nc = MAX_CANDS;
            if (s->opt && (nc != 1 || pass_pinned(g, v)))
                break;
        }
        bool found = false;
        for (int k = 0; k < nc && !found; k++) {
            int c = cands[k];
            if (in_unit(&t, n, c) || (grouped && grouped[c]) || g->nodes[c].dead)
                continue;
            found = spelled(&t, &g->nodes[c], s->op, s->a, s) ||
                    (s->alt_op && spelled(&t, &g->nodes[c], s->alt_op, s->alt, s));
            if (found)
                t.node[n] = c;
        }
        if (!found) {
            if (s->opt)
                break;
            return 0;
        }
    }
    if (t.x < 0 || !sealed(&t, n))
        return 0;
    /* Execution order: a step may come before an earlier-listed one (x * 0.5 computed first). */
    int pos = 0;
    for (int k = 0; k < g->n_nodes && pos < n; k++)
        if (in_unit(&t, n, g->order[k]))
            u->nodes[pos++] = g->order[k];
    if (pos != n)
        return 0;
    u->kind = kind_names[f->kind];
    u->onnx_op = kind_ops[f->kind];
    u->exact = f->exact && (n == f->n || f->s[n].opt != NEEDED);
    u->form = (int)(f - forms);
    u->n = n;
    u->x = t.x;
    u->out = g->nodes[u->nodes[n - 1]].out[0];
    memcpy(u->cap, t.cap, sizeof t.cap);
    return n;
}

int pass_unit_match(const graph *g, int node, const int *grouped, pass_unit *u)
{
    if (node < 0 || node >= g->n_nodes || g->nodes[node].dead || (grouped && grouped[node]))
        return 0;
    for (int i = 0; i < N_FORMS; i++) {
        if (!is_op(&g->nodes[node], forms[i].s[0].op) && !is_op(&g->nodes[node], forms[i].s[0].alt_op))
            continue;
        int n = try_form(g, &forms[i], node, grouped, u);
        if (n)
            return n;
    }
    return 0;
}

const char *const *pass_unit_kinds(void)
{
    return kind_names;
}

/* The kind called name, or N_KINDS. */
static int kind_of(const char *name)
{
    int k = 0;
    while (k < N_KINDS && strcmp(kind_names[k], name))
        k++;
    return k;
}

bool pass_is_unit_kind(const char *kind)
{
    return kind_of(kind) < N_KINDS;
}

const char *pass_unit_onnx_op(const char *kind)
{
    int k = kind_of(kind);
    return k < N_KINDS ? kind_ops[k] : NULL;
}
