/* unit_fuse.c — for plain inference runs, the units exporters write out op by op for opsets that lack
 * them become single nodes: each decomposed LayerNorm over the last axis (ReduceMean, Sub, Pow 2,
 * ReduceMean, Add eps, Sqrt, Div [, Mul gamma [, Add beta]]) one com.microsoft LayerNormalization, each
 * decomposed GELU (x / sqrt 2, Erf, + 1, times x, times 0.5) one com.microsoft Gelu, each SiLU
 * (Sigmoid, times x) one com.microsoft QuickGelu: one pass instead of two to nine over the tensor. The units are found by the prepare fuse pass's own matchers. Their inner
 * values vanish, so, as with kern_nn_fuse_conv, this is for running a model, not observing it. */
#include "ops/nn_ops.h"

#include <stdint.h>

#include "infer.h"
#include "pass.h"

/* The initializer on the input of binary node n that is not v, or NULL. */
static const tensor *other_init(const graph *g, const graph_node *n, int v, int *which)
{
    *which = n->in[0] == v ? n->in[1] : n->in[0];
    const tensor *t = *which >= 0 ? g->values[*which].init : NULL;
    return t && t->dtype == DT_FLOAT ? t : NULL;
}

/* The one axis ReduceMean node n reduces, kept as a dim of size 1; INT64_MIN when it is not so. */
static int64_t reduced_axis(const graph *g, const graph_node *n)
{
    if (graph_attr_int(n, "keepdims", 1) != 1)
        return INT64_MIN;
    if (n->n_in >= 2 && n->in[1] >= 0) {   /* opset 18: axes as an input */
        const tensor *t = g->values[n->in[1]].init;
        return t && t->dtype == DT_INT64 && tensor_numel(t) == 1 ? *(const int64_t *)t->data : INT64_MIN;
    }
    const int64_t *axes;
    return graph_attr_ints(n, "axes", &axes) == 1 ? axes[0] : INT64_MIN;
}

/* gamma or beta of a row of d values: a scalar, or d values along the last axis with no more dims
 * than the input (so broadcasting leaves the shape alone). */
static bool row_param(const tensor *t, int64_t d, int rank)
{
    return tensor_numel(t) == 1 || (t->rank <= rank && t->dims[t->rank - 1] == d && tensor_numel(t) == d);
}

/* Rewrites the LayerNorm nodes[0..n) when it normalises the last axis of an input of known shape;
 * returns 1 when it did. */
static int rewrite_layernorm(graph *g, const int *nodes, int n)
{
    const graph_node *m1 = &g->nodes[nodes[0]], *m2 = &g->nodes[nodes[3]], *add = &g->nodes[nodes[4]];
    const int x = m1->in[0], rank = g->values[x].rank;
    const int64_t ax = reduced_axis(g, m1), d = rank > 0 ? g->values[x].dims[rank - 1] : -1;
    if (rank < 1 || d < 1 || g->values[x].dtype != DT_FLOAT || ax != reduced_axis(g, m2) ||
        (ax != -1 && ax != rank - 1))
        return 0;
    int veps, in[3] = {x, -1, -1};
    const tensor *eps = other_init(g, add, m2->out[0], &veps);
    if (!eps || tensor_numel(eps) != 1)
        return 0;
    for (int i = 7; i < n; i++) {   /* Mul gamma, then Add beta */
        const graph_node *p = &g->nodes[nodes[i]];
        const tensor *t = other_init(g, p, g->nodes[nodes[i - 1]].out[0], &in[i - 6]);
        if (!t || !row_param(t, d, rank))
            return 0;
    }
    if (in[1] < 0) {   /* no Mul: a scale of one */
        qrc_err e;
        tensor *one = tensor_new(DT_FLOAT, 0, NULL, &e);
        if (!one)
            return 0;
        *(float *)one->data = 1.0f;
        in[1] = graph_value_new(g, "layernorm_scale_one");
        g->values[in[1]].init = one;
        g->values[in[1]].dtype = DT_FLOAT;
        g->values[in[1]].rank = 0;
    }
    const float epsilon = *(const float *)eps->data;
    int out = g->nodes[nodes[n - 1]].out[0];
    const char *name = arena_printf(&g->strings, "%s/LayerNormalization", g->nodes[nodes[0]].name);
    for (int i = 0; i < n; i++)
        g->nodes[nodes[i]].dead = true;
    int k = graph_node_add(g, "LayerNormalization", name, in[2] >= 0 ? 3 : 2, in, 1, &out);
    g->nodes[k].domain = graph_strdup(g, "com.microsoft");
    graph_attr_set(g, k, "axis", ATTR_INT)->i = -1;
    graph_attr_set(g, k, "epsilon", ATTR_FLOAT)->f = epsilon;
    return 1;
}

/* Rewrites the GELU nodes[0..5) of float input x into one node; returns 1. */
static int rewrite_gelu(graph *g, const int *nodes, int x)
{
    int out = g->nodes[nodes[4]].out[0];
    const char *name = arena_printf(&g->strings, "%s/Gelu", g->nodes[nodes[1]].name);
    for (int i = 0; i < 5; i++)
        g->nodes[nodes[i]].dead = true;
    int k = graph_node_add(g, "Gelu", name, 1, &x, 1, &out);
    g->nodes[k].domain = graph_strdup(g, "com.microsoft");
    return 1;
}

/* Rewrites SiLU Sigmoid node s and Mul node m into one QuickGelu with alpha 1; returns 1. */
static int rewrite_silu(graph *g, int s, int m)
{
    int x = g->nodes[s].in[0], out = g->nodes[m].out[0];
    const char *name = arena_printf(&g->strings, "%s/QuickGelu", g->nodes[s].name);
    g->nodes[s].dead = g->nodes[m].dead = true;
    int k = graph_node_add(g, "QuickGelu", name, 1, &x, 1, &out);
    g->nodes[k].domain = graph_strdup(g, "com.microsoft");
    graph_attr_set(g, k, "alpha", ATTR_FLOAT)->f = 1.0f;
    return 1;
}

static bool all_live(const graph *g, const int *nodes, int n)
{
    for (int i = 0; i < n; i++)
        if (g->nodes[nodes[i]].dead)
            return false;
    return n > 0;
}

int kern_nn_fuse_units(graph *g, int *fused, qrc_err *e)
{
    if (graph_reindex(g, e) || graph_infer_shapes(g, e))   /* the inputs' dtypes, ranks and row lengths */
        return -1;
    int count = 0, nodes[9], x;
    const int n_nodes = g->n_nodes;
    for (int k = 0; k < n_nodes; k++) {
        if (g->nodes[k].dead)
            continue;
        int n = pass_layernorm_nodes(g, k, NULL, nodes);
        if (all_live(g, nodes, n)) {
            count += rewrite_layernorm(g, nodes, n);
            continue;
        }
        n = pass_gelu_nodes(g, k, NULL, nodes, &x);   /* five nodes: with the 0.5 */
        if (n == 5 && all_live(g, nodes, n) && g->values[x].dtype == DT_FLOAT) {
            count += rewrite_gelu(g, nodes, x);
            continue;
        }
        const int m = kern_nn_silu_mul(g, k);
        if (m >= 0 && g->values[g->nodes[k].in[0]].dtype == DT_FLOAT)
            count += rewrite_silu(g, k, m);
    }
    if (fused)
        *fused = count;
    return count ? graph_reindex(g, e) : 0;
}
