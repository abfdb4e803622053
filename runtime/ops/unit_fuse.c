/* unit_fuse.c — for plain inference runs, the units exporters write out op by op for opsets that lack
 * them become single nodes: a decomposed LayerNorm over the last axis with epsilon inside the Sqrt one
 * com.microsoft LayerNormalization, a GELU one com.microsoft Gelu (erf form) or FastGelu (tanh form), a
 * HardSigmoid one HardSigmoid, a HardSwish one HardSwish where the model's opset has it (14), a SiLU or
 * Swish one com.microsoft QuickGelu (x sigmoid(beta x)): one pass instead of two to ten over the tensor.
 * The units are found by the prepare pass's matcher (pass_unit_match); units no kernel computes as one
 * op (RMSNorm, Mish before opset 18) stay as they are. Their inner values vanish, so, as with kern_fuse_conv, this is for running a model, not
 * observing it. */
#include "ops/nn_ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infer.h"
#include "op.h"
#include "pass.h"

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

/* Replaces the unit's nodes by one node op (domain "" or com.microsoft) reading inputs in; returns its index. */
static int replace(graph *g, const pass_unit *u, const char *domain, const char *op, int n_in, const int *in)
{
    const char *name = arena_printf(&g->strings, "%s/%s", g->nodes[u->nodes[0]].name, op);
    int out = u->out;
    for (int i = 0; i < u->n; i++)
        g->nodes[u->nodes[i]].dead = true;
    int k = graph_node_add(g, op, name, n_in, in, 1, &out);
    g->nodes[k].domain = graph_strdup(g, domain);
    return k;
}

static bool has_op(const graph *g, const pass_unit *u, const char *op)
{
    for (int i = 0; i < u->n; i++)
        if (!strcmp(g->nodes[u->nodes[i]].op_type, op))
            return true;
    return false;
}

/* Rewrites LayerNorm u when it normalises the last axis of an input of known shape; returns 1 when it did. */
static int rewrite_layernorm(graph *g, const pass_unit *u)
{
    const graph_node *m[2] = {NULL, NULL};
    for (int i = 0; i < u->n; i++)
        if (!strcmp(g->nodes[u->nodes[i]].op_type, "ReduceMean") && !m[1])
            m[m[0] ? 1 : 0] = &g->nodes[u->nodes[i]];
    const int x = u->x, rank = g->values[x].rank;
    const int64_t ax = m[0] ? reduced_axis(g, m[0]) : INT64_MIN, d = rank > 0 ? g->values[x].dims[rank - 1] : -1;
    if (!m[1] || rank < 1 || d < 1 || g->values[x].dtype != DT_FLOAT || ax != reduced_axis(g, m[1]) ||
        (ax != -1 && ax != rank - 1))
        return 0;
    const tensor *eps = g->values[u->cap[PASS_UNIT_EPS]].init;
    if (!eps || tensor_numel(eps) != 1)
        return 0;
    int in[3] = {x, u->cap[PASS_UNIT_SCALE], u->cap[PASS_UNIT_SHIFT]};
    for (int i = 1; i < 3; i++)
        if (in[i] >= 0 && !row_param(g->values[in[i]].init, d, rank))
            return 0;
    if (in[2] >= 0 && in[1] < 0)
        return 0;
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
    int k = replace(g, u, "com.microsoft", "LayerNormalization", in[2] >= 0 ? 3 : 2, in);
    graph_attr_set(g, k, "axis", ATTR_INT)->i = -1;
    graph_attr_set(g, k, "epsilon", ATTR_FLOAT)->f = epsilon;
    return 1;
}

/* Rewrites the elementwise unit u into its single op when a kernel runs that op at the model's opset;
 * returns 1 when it did. */
static int rewrite_elementwise(graph *g, const pass_unit *u)
{
    float alpha = 1.0f / 6, beta = 0.5f;
    if (!strcmp(u->kind, "GELU")) {
        replace(g, u, "com.microsoft", has_op(g, u, "Erf") ? "Gelu" : "FastGelu", 1, &u->x);
        return 1;
    }
    if (!strcmp(u->kind, "SiLU") || !strcmp(u->kind, "Swish")) {
        const tensor *b = u->cap[PASS_UNIT_SCALE] >= 0 ? g->values[u->cap[PASS_UNIT_SCALE]].init : NULL;
        if (b && (b->dtype != DT_FLOAT || tensor_numel(b) != 1))
            return 0;
        int k = replace(g, u, "com.microsoft", "QuickGelu", 1, &u->x);
        graph_attr_set(g, k, "alpha", ATTR_FLOAT)->f = b ? *(const float *)b->data : 1.0f;
        return 1;
    }
    if (!u->onnx_op || !op_find("", u->onnx_op, graph_opset_version(g, "")))
        return 0;
    if (!strcmp(u->kind, "HardSigmoid") && u->cap[PASS_UNIT_SCALE] >= 0) {
        const tensor *a = g->values[u->cap[PASS_UNIT_SCALE]].init, *b = g->values[u->cap[PASS_UNIT_SHIFT]].init;
        if (!a || !b || tensor_numel(a) != 1 || tensor_numel(b) != 1)
            return 0;
        alpha = *(const float *)a->data;
        beta = *(const float *)b->data;
    }
    int k = replace(g, u, "", u->onnx_op, 1, &u->x);
    if (!strcmp(u->kind, "HardSigmoid")) {
        graph_attr_set(g, k, "alpha", ATTR_FLOAT)->f = alpha;
        graph_attr_set(g, k, "beta", ATTR_FLOAT)->f = beta;
    }
    return 1;
}

int kern_fuse_units(graph *g, int *fused, qrc_err *e)
{
    if (graph_reindex(g, e) || graph_infer_shapes(g, e))   /* the inputs' dtypes, ranks and row lengths */
        return -1;
    const int n_nodes = g->n_nodes;
    /* taken: nodes of units seen so far, with room for the nodes the rewrites add */
    int count = 0, *taken = calloc(2 * (size_t)n_nodes + 1, sizeof *taken);
    int *order = malloc(((size_t)n_nodes + 1) * sizeof *order);
    if (!taken || !order) {
        free(taken);
        free(order);
        return err_set(e, "out of memory fusing units");
    }
    memcpy(order, g->order, (size_t)n_nodes * sizeof *order);
    for (int k = 0; k < n_nodes; k++) {
        pass_unit u;
        if (!pass_unit_match(g, order[k], taken, &u))
            continue;
        for (int i = 0; i < u.n; i++)
            taken[u.nodes[i]] = 1;
        if (!u.exact || g->values[u.x].dtype != DT_FLOAT)
            continue;
        count += !strcmp(u.kind, "LayerNorm") ? rewrite_layernorm(g, &u) : rewrite_elementwise(g, &u);
    }
    free(taken);
    free(order);
    if (fused)
        *fused = count;
    return count ? graph_reindex(g, e) : 0;
}
