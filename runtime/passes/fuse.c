/* fuse.c — supergroups: chains of ops the target runs as one, so no quantizer lands inside.
 *
 * Chains (Conv+Relu, Conv+Add+Relu, Gemm+Relu, Add+Relu, ...) come from the `supergroups` op_lists of an
 * AIMET quantsim config JSON when one is given, otherwise from the built-in table below. A chain
 * matches when each op's output feeds only the next op of the chain (and is not a graph output).
 * Decomposed LayerNorm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div [, Mul, Add]) and GELU
 * (Div, Erf, Add, Mul [, Mul]) are recognised first, as units of their own. Groups are recorded in the
 * report (pass_report.groups, pass_node_info.group / group_output). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PASS "fuse"
enum { MAX_CHAIN = 8, MAX_UNIT = 12 };

typedef struct chain {
    int n;
    const char *ops[MAX_CHAIN];
} chain;

/* Longest first: a longer chain claims its ops before a shorter one can. */
static const chain default_chains[] = {
    {3, {"Conv", "Add", "Relu"}},
    {3, {"MatMul", "Add", "Relu"}},
    {3, {"Gemm", "Add", "Relu"}},
    {2, {"Conv", "Relu"}},
    {2, {"Conv", "Clip"}},
    {2, {"Conv", "LeakyRelu"}},
    {2, {"Conv", "PRelu"}},
    {2, {"Conv", "Sigmoid"}},
    {2, {"Conv", "HardSwish"}},
    {2, {"ConvTranspose", "Relu"}},
    {2, {"ConvTranspose", "Clip"}},
    {2, {"Gemm", "Relu"}},
    {2, {"Gemm", "Clip"}},
    {2, {"MatMul", "Add"}},
    {2, {"MatMul", "Relu"}},
    {2, {"Add", "Relu"}},
    {2, {"Add", "Clip"}},
};

static bool is_op(const graph_node *nd, const char *op)
{
    return !nd->domain[0] && !strcmp(nd->op_type, op);
}

/* The single live node reading v, or -1 when v has other readers or is a graph output. */
static int only_reader(const graph *g, int v)
{
    int c[2];
    if (v < 0 || pass_consumers(g, v, c, 2) != 1 || pass_pinned(g, v))
        return -1;
    return c[0];
}

/* Index (0/1) of the input of binary node nd that is v, or -1. */
static int input_slot(const graph_node *nd, int v)
{
    for (int i = 0; i < nd->n_in && i < 2; i++)
        if (nd->in[i] == v)
            return i;
    return -1;
}

/* True when the other input of binary node nd (not slot) is a scalar constant near want. */
static bool const_near(const graph *g, const graph_node *nd, int slot, double want, double tol)
{
    if (nd->n_in != 2)
        return false;
    const tensor *t = pass_const(g, nd->in[1 - slot]);
    if (!t || t->dtype != DT_FLOAT || tensor_numel(t) != 1)
        return false;
    return fabs(((const float *)t->data)[0] - want) <= tol;
}

/* Nodes grouped so far (-1 free). */
typedef struct fuse_state {
    graph *g;
    pass_report *r;
    int *grouped;
} fuse_state;

static void add_group(fuse_state *st, const char *kind, int n, const int *nodes)
{
    const char *names[MAX_UNIT];
    for (int i = 0; i < n; i++) {
        names[i] = st->g->nodes[nodes[i]].name;
        st->grouped[nodes[i]] = 1;
    }
    pass_report_group(st->r, kind, n, names);
    pass_note_add(st->r, PASS_INFO, PASS, "supergroup", names[n - 1], "%s: %s .. %s", kind, names[0], names[n - 1]);
}

int pass_layernorm_nodes(const graph *g, int m1, const int *grouped, int *nodes)
{
    const graph_node *a = &g->nodes[m1];
    if (!is_op(a, "ReduceMean") || a->n_in < 1 || a->n_out < 1)
        return 0;
    int x = a->in[0], mean = a->out[0];
    int c[3];
    int nc = pass_consumers(g, mean, c, 3);
    if (nc != 1 || pass_pinned(g, mean) || !is_op(&g->nodes[c[0]], "Sub"))
        return 0;
    int sub = c[0];
    if (g->nodes[sub].in[0] != x || g->nodes[sub].in[1] != mean)
        return 0;
    int d = g->nodes[sub].out[0];
    if (pass_consumers(g, d, c, 3) != 2 || pass_pinned(g, d))
        return 0;
    int pw = is_op(&g->nodes[c[0]], "Pow") ? c[0] : c[1], dv = pw == c[0] ? c[1] : c[0];
    if (!is_op(&g->nodes[pw], "Pow") || !is_op(&g->nodes[dv], "Div") || g->nodes[dv].in[0] != d ||
        !const_near(g, &g->nodes[pw], 0, 2.0, 0.0))
        return 0;
    int m2 = only_reader(g, g->nodes[pw].out[0]);
    if (m2 < 0 || !is_op(&g->nodes[m2], "ReduceMean"))
        return 0;
    int add = only_reader(g, g->nodes[m2].out[0]);
    if (add < 0 || !is_op(&g->nodes[add], "Add"))
        return 0;
    int sq = only_reader(g, g->nodes[add].out[0]);
    if (sq < 0 || !is_op(&g->nodes[sq], "Sqrt") || only_reader(g, g->nodes[sq].out[0]) != dv)
        return 0;
    int n = 0;
    for (int i = 0, core[7] = {m1, sub, pw, m2, add, sq, dv}; i < 7; i++)
        nodes[n++] = core[i];
    int mul = only_reader(g, g->nodes[dv].out[0]);
    if (mul >= 0 && is_op(&g->nodes[mul], "Mul") && !(grouped && grouped[mul])) {
        int slot = input_slot(&g->nodes[mul], g->nodes[dv].out[0]);
        if (slot >= 0 && pass_const(g, g->nodes[mul].in[1 - slot])) {
            nodes[n++] = mul;
            int ad = only_reader(g, g->nodes[mul].out[0]);
            if (ad >= 0 && is_op(&g->nodes[ad], "Add") && !(grouped && grouped[ad])) {
                int s2 = input_slot(&g->nodes[ad], g->nodes[mul].out[0]);
                if (s2 >= 0 && pass_const(g, g->nodes[ad].in[1 - s2]))
                    nodes[n++] = ad;
            }
        }
    }
    for (int i = 0; grouped && i < n; i++)
        if (grouped[nodes[i]])
            return 0;
    return n;
}

/* A decomposed LayerNorm starting at m1 becomes one supergroup. */
static int match_layernorm(fuse_state *st, int m1)
{
    int nodes[MAX_UNIT];
    int n = pass_layernorm_nodes(st->g, m1, st->grouped, nodes);
    if (n)
        add_group(st, "LayerNorm", n, nodes);
    return n > 0;
}

int pass_gelu_nodes(const graph *g, int erf, const int *grouped, int *nodes, int *x_out)
{
    const graph_node *e = &g->nodes[erf];
    if (!is_op(e, "Erf") || e->n_in < 1 || e->n_out < 1)
        return 0;
    int pre = pass_producer(g, e->in[0]);
    if (pre < 0 || only_reader(g, e->in[0]) != erf)
        return 0;
    const graph_node *p = &g->nodes[pre];
    bool ok = (is_op(p, "Div") && const_near(g, p, 0, sqrt(2.0), 1e-3)) ||
              (is_op(p, "Mul") && (const_near(g, p, 0, sqrt(0.5), 1e-3) || const_near(g, p, 1, sqrt(0.5), 1e-3)));
    if (!ok)
        return 0;
    int x = is_op(p, "Div") || pass_const(g, p->in[1]) ? p->in[0] : p->in[1];
    int add = only_reader(g, e->out[0]);
    if (add < 0 || !is_op(&g->nodes[add], "Add") ||
        !const_near(g, &g->nodes[add], input_slot(&g->nodes[add], e->out[0]), 1.0, 1e-6))
        return 0;
    int mul = only_reader(g, g->nodes[add].out[0]);
    if (mul < 0 || !is_op(&g->nodes[mul], "Mul"))
        return 0;
    int other = g->nodes[mul].in[1 - input_slot(&g->nodes[mul], g->nodes[add].out[0])];
    int n = 0;
    for (int i = 0, core[4] = {pre, erf, add, mul}; i < 4; i++)
        nodes[n++] = core[i];
    if (other == x) {
        int half = only_reader(g, g->nodes[mul].out[0]);
        if (half >= 0 && is_op(&g->nodes[half], "Mul") &&
            const_near(g, &g->nodes[half], input_slot(&g->nodes[half], g->nodes[mul].out[0]), 0.5, 1e-6))
            nodes[n++] = half;
    } else {
        int hm = pass_producer(g, other);
        if (hm < 0 || !is_op(&g->nodes[hm], "Mul") || only_reader(g, other) != mul ||
            input_slot(&g->nodes[hm], x) < 0 || !const_near(g, &g->nodes[hm], input_slot(&g->nodes[hm], x), 0.5, 1e-6))
            return 0;
        memmove(nodes + 1, nodes, 4 * sizeof *nodes);
        nodes[0] = hm;
        n = 5;
    }
    for (int i = 0; grouped && i < n; i++)
        if (grouped[nodes[i]])
            return 0;
    *x_out = x;
    return n;
}

/* A decomposed GELU around Erf node erf becomes one supergroup. */
static int match_gelu(fuse_state *st, int erf)
{
    int nodes[MAX_UNIT], x;
    int n = pass_gelu_nodes(st->g, erf, st->grouped, nodes, &x);
    if (n)
        add_group(st, "GELU", n, nodes);
    return n > 0;
}

/* The chain starting at node a, filled into nodes; returns its length or 0. */
static int match_chain(fuse_state *st, const chain *ch, int a, int *nodes)
{
    graph *g = st->g;
    if (st->grouped[a] || !is_op(&g->nodes[a], ch->ops[0]))
        return 0;
    nodes[0] = a;
    for (int i = 1; i < ch->n; i++) {
        const graph_node *prev = &g->nodes[nodes[i - 1]];
        if (prev->n_out < 1)
            return 0;
        int nx = only_reader(g, prev->out[0]);
        if (nx < 0 || st->grouped[nx] || !is_op(&g->nodes[nx], ch->ops[i]))
            return 0;
        nodes[i] = nx;
    }
    return ch->n;
}

/* Reads the supergroups op_lists of an AIMET quantsim config into chains (malloc'd). */
static int load_chains(const char *path, arena *a, chain **out, int *n_out, qrc_err *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return err_set(e, "fuse: %s:%d: %s", path, je.line, je.text);
    json_t *sg = json_object_get(root, "supergroups");
    if (sg && !json_is_array(sg)) {
        json_decref(root);
        return err_set(e, "fuse: %s: \"supergroups\" is not a list", path);
    }
    size_t n = sg ? json_array_size(sg) : 0;
    chain *cs = calloc(n + 1, sizeof *cs);
    for (size_t i = 0; i < n; i++) {
        json_t *ol = json_object_get(json_array_get(sg, i), "op_list");
        if (!json_is_array(ol) || json_array_size(ol) < 2 || json_array_size(ol) > MAX_CHAIN) {
            free(cs);
            json_decref(root);
            return err_set(e, "fuse: %s: supergroups[%zu] needs an \"op_list\" of 2..%d op types", path, i, MAX_CHAIN);
        }
        cs[i].n = (int)json_array_size(ol);
        for (int k = 0; k < cs[i].n; k++) {
            const char *s = json_string_value(json_array_get(ol, (size_t)k));
            if (!s) {
                free(cs);
                json_decref(root);
                return err_set(e, "fuse: %s: supergroups[%zu].op_list[%d] is not an op type", path, i, k);
            }
            cs[i].ops[k] = arena_strdup(a, s);
        }
    }
    json_decref(root);
    /* Longest chains first, file order among equals. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cs[j].n > cs[j - 1].n; j--) {
            chain t = cs[j];
            cs[j] = cs[j - 1];
            cs[j - 1] = t;
        }
    *out = cs;
    *n_out = (int)n;
    return 0;
}

int pass_fuse(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fuse");
    chain *loaded = NULL;
    arena names = {0};
    int n_chains = (int)(sizeof default_chains / sizeof *default_chains);
    const chain *chains = default_chains;
    if (o && o->supergroups_json) {
        if (load_chains(o->supergroups_json, &names, &loaded, &n_chains, e) != 0) {
            arena_free(&names);
            return -1;
        }
        chains = loaded;
    }
    fuse_state st = {g, r, calloc((size_t)g->n_nodes + 1, sizeof(int))};
    if (!st.grouped) {
        free(loaded);
        arena_free(&names);
        return err_set(e, "fuse: out of memory");
    }
    int made = 0;
    for (int k = 0; k < g->n_nodes; k++)
        made += match_layernorm(&st, g->order[k]);
    for (int k = 0; k < g->n_nodes; k++)
        made += match_gelu(&st, g->order[k]);
    for (int c = 0; c < n_chains; c++)
        for (int k = 0; k < g->n_nodes; k++) {
            int nodes[MAX_CHAIN];
            int n = match_chain(&st, &chains[c], g->order[k], nodes);
            if (!n)
                continue;
            char kind[256] = "";
            for (int i = 0; i < n; i++)
                snprintf(kind + strlen(kind), sizeof kind - strlen(kind), "%s%s", i ? "+" : "", chains[c].ops[i]);
            add_group(&st, kind, n, nodes);
            made++;
        }
    free(st.grouped);
    free(loaded);
    arena_free(&names);
    r->changes += made;
    return 0;
}
