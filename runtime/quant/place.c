/* place.c — where quantizers go on a prepared graph: graph inputs, op outputs, weights and biases;
 * nothing inside a supergroup, on an excluded op, or after an op that only moves data. */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* Ops whose outputs hold a subset or rearrangement of their first input's values: they pass its
 * encoding through instead of requantizing. */
static const char *const SHARES_INPUT[] = {
    "Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "MaxPool", "GlobalMaxPool", "Slice", "Gather",
    "Identity", "Expand", "Tile", "Split", "DepthToSpace", "SpaceToDepth", "ReduceMax", "ReduceMin", NULL,
};

/* Ops producing no float data (when the graph carries no dtype for their outputs). */
static const char *const NON_FLOAT_OUTPUT[] = {
    "Shape", "Size", "ArgMax", "ArgMin", "NonZero", "Equal", "Less", "Greater", "LessOrEqual",
    "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf", NULL,
};

/* Ops whose outputs are constants, never calibrated. */
static const char *const CONSTANT_OPS[] = {"Constant", "ConstantOfShape", NULL};

typedef struct weight_op {
    const char *op;
    int weight, bias; /* input slots; -1 none */
} weight_op;

static const weight_op WEIGHT_OPS[] = {
    {"Conv", 1, 2},
    {"ConvTranspose", 1, 2},
    {"Gemm", 1, 2},
    {"MatMul", 1, -1},
};

/* Supergroups used when no config is given. */
static const char *const DEFAULT_GROUPS[][3] = {
    {"Conv", "Relu", NULL},   {"Conv", "Clip", NULL},   {"ConvTranspose", "Relu", NULL},
    {"ConvTranspose", "Clip", NULL}, {"Gemm", "Relu", NULL}, {"Gemm", "Clip", NULL},
    {"MatMul", "Relu", NULL}, {"MatMul", "Add", NULL},  {"Add", "Relu", NULL},
};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static const weight_op *weight_op_of(const graph_node *n)
{
    for (size_t i = 0; i < sizeof WEIGHT_OPS / sizeof *WEIGHT_OPS; i++)
        if (strcmp(WEIGHT_OPS[i].op, n->op_type) == 0 && n->domain[0] == '\0')
            return &WEIGHT_OPS[i];
    return NULL;
}

/* Output-channel axis of a weight. */
static int weight_axis(const graph_node *n, const tensor *w)
{
    if (strcmp(n->op_type, "ConvTranspose") == 0)
        return 1;
    if (strcmp(n->op_type, "Gemm") == 0)
        return graph_attr_int(n, "transB", 0) ? 0 : 1;
    if (strcmp(n->op_type, "MatMul") == 0)
        return w->rank - 1;
    return 0;
}

static bool is_float(const graph *g, int v, const graph_node *producer)
{
    tensor_dtype dt = g->values[v].dtype;
    if (dt != DT_UNDEFINED)
        return dt == DT_FLOAT;
    return !(producer && in_list(NON_FLOAT_OUTPUT, producer->op_type));
}

void quant_quantizers_clear(quant_sim *s)
{
    for (int i = 0; i < s->n_q; i++)
        free(s->q[i].enc);
    free(s->q);
    s->q = NULL;
    s->n_q = s->cap_q = 0;
    if (s->carrier)
        for (int v = 0; v < s->g->n_values; v++)
            s->carrier[v] = -1;
    for (int i = 0; i < s->n_rules; i++)
        s->rules[i].hits = 0;
}

static int add(quant_sim *s, int v, int node, quant_role role, const quant_format *f, int axis, const char *by,
               qrc_err *e)
{
    if (s->n_q == s->cap_q) {
        int cap = s->cap_q ? 2 * s->cap_q : 32;
        quant_quantizer *q = realloc(s->q, sizeof *q * (size_t)cap);
        if (!q)
            return err_set(e, "out of memory placing quantizers");
        s->q = q;
        s->cap_q = cap;
    }
    const graph_value *val = &s->g->values[v];
    int channels = 1;
    if (axis >= 0 && val->init && axis < val->init->rank)
        channels = (int)val->init->dims[axis];
    else
        axis = -1;
    s->q[s->n_q] = (quant_quantizer){
        .tensor = val->name, .value = v, .node = node, .role = role, .format = *f,
        .axis = axis, .n_channels = channels, .decided_by = by,
    };
    s->carrier[v] = s->n_q++;
    return 0;
}

/* Marks the nodes whose outputs are inside a supergroup chain: every op of the chain but the last, each
 * output read only by the next op of the chain. */
static void mark_chain(quant_sim *s, int n, const char *const *ops)
{
    const graph *g = s->g;
    int chain[16], k = 0;
    int cur = n;
    if (strcmp(g->nodes[cur].op_type, ops[0]) != 0)
        return;
    chain[k++] = cur;
    for (int j = 1; ops[j] && k < 16; j++) {
        const graph_node *node = &g->nodes[cur];
        if (node->n_out != 1)
            return;
        const graph_value *v = &g->values[node->out[0]];
        if (v->is_output || v->n_consumers != 1)
            return;
        int next = v->consumers[0];
        if (s->excluded[next] || strcmp(g->nodes[next].op_type, ops[j]) != 0)
            return;
        chain[k++] = cur = next;
    }
    for (int i = 0; i + 1 < k; i++)
        s->fused[chain[i]] = true;
}

static void mark_supergroups(quant_sim *s)
{
    const graph *g = s->g;
    for (int n = 0; n < g->n_nodes; n++) {
        s->fused[n] = s->opts.fused_with_next && s->opts.fused_with_next[n];
    }
    for (int n = 0; n < g->n_nodes; n++) {
        if (s->excluded[n])
            continue;
        if (s->cfg) {
            for (int i = 0; i < s->cfg->n_supergroups; i++)
                mark_chain(s, n, (const char *const *)s->cfg->supergroups[i]);
        } else {
            for (size_t i = 0; i < sizeof DEFAULT_GROUPS / sizeof *DEFAULT_GROUPS; i++)
                mark_chain(s, n, DEFAULT_GROUPS[i]);
        }
    }
}

static int place_inputs(quant_sim *s, qrc_err *e)
{
    graph *g = s->g;
    if (s->cfg && s->cfg->input_quantized == QUANT_NO)
        return 0;
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        const graph_value *val = &g->values[v];
        if (val->init || !is_float(g, v, NULL))
            continue;
        /* The first quantized consumer's qconfig decides the input's format. */
        int first = -1;
        for (int k = 0; k < g->n_nodes && first < 0; k++) {
            int n = g->order[k];
            for (int j = 0; j < g->nodes[n].n_in; j++)
                if (g->nodes[n].in[j] == v && !s->excluded[n]) {
                    first = n;
                    break;
                }
        }
        if (first < 0)
            continue;
        quant_resolved r;
        quant_resolve(s, first, false, &r);
        if (r.act_on && add(s, v, first, QUANT_ROLE_INPUT, &r.act, -1, r.by, e))
            return -1;
    }
    return 0;
}

static int place_params(quant_sim *s, int n, const quant_resolved *r, qrc_err *e)
{
    graph *g = s->g;
    const graph_node *node = &g->nodes[n];
    const weight_op *w = weight_op_of(node);
    if (!w || !r->weight_on)
        return 0;
    int wv = w->weight < node->n_in ? node->in[w->weight] : -1;
    if (wv >= 0 && g->values[wv].init && g->values[wv].init->dtype == DT_FLOAT && s->carrier[wv] < 0) {
        int axis = r->per_channel ? weight_axis(node, g->values[wv].init) : -1;
        if (add(s, wv, n, QUANT_ROLE_WEIGHT, &r->weight, axis, r->by, e))
            return -1;
    }
    int bv = w->bias >= 0 && w->bias < node->n_in ? node->in[w->bias] : -1;
    if (r->bias_on && bv >= 0 && g->values[bv].init && g->values[bv].init->dtype == DT_FLOAT &&
        s->carrier[bv] < 0) {
        if (add(s, bv, n, QUANT_ROLE_BIAS, &r->weight, r->per_channel ? 0 : -1, r->by, e))
            return -1;
    }
    return 0;
}

/* Activation inputs produced by float (excluded) ops get a quantizer where they enter the quantized
 * region. */
static int place_region_entries(quant_sim *s, int n, const quant_resolved *r, qrc_err *e)
{
    graph *g = s->g;
    const graph_node *node = &g->nodes[n];
    const weight_op *w = weight_op_of(node);
    for (int j = 0; j < node->n_in; j++) {
        int v = node->in[j];
        if (v < 0 || (w && (j == w->weight || j == w->bias)))
            continue;
        const graph_value *val = &g->values[v];
        if (val->init || val->producer < 0 || s->carrier[v] >= 0 || !s->excluded[val->producer])
            continue;
        if (!is_float(g, v, &g->nodes[val->producer]) || !r->act_on)
            continue;
        if (add(s, v, n, QUANT_ROLE_INPUT, &r->act, -1, r->by, e))
            return -1;
    }
    return 0;
}

static int place_outputs(quant_sim *s, int n, const quant_resolved *r, qrc_err *e)
{
    graph *g = s->g;
    const graph_node *node = &g->nodes[n];
    if (s->fused[n] || in_list(CONSTANT_OPS, node->op_type))
        return 0;
    int src = node->n_in > 0 && node->in[0] >= 0 ? s->carrier[node->in[0]] : -1;
    if (src >= 0 && in_list(SHARES_INPUT, node->op_type)) {
        for (int j = 0; j < node->n_out; j++)
            if (node->out[j] >= 0 && is_float(g, node->out[j], node))
                s->carrier[node->out[j]] = src;
        return 0;
    }
    quant_tri model_out = s->cfg ? s->cfg->output_quantized : QUANT_UNSET;
    for (int j = 0; j < node->n_out; j++) {
        int v = node->out[j];
        if (v < 0 || !is_float(g, v, node) || s->carrier[v] >= 0)
            continue;
        bool on = r->act_on;
        if (g->values[v].is_output && model_out != QUANT_UNSET)
            on = model_out == QUANT_YES;
        if (!on)
            continue;
        quant_format f = r->act;
        if (f.kind == QUANT_FLOAT && f.bitwidth == 32)
            continue;
        if (add(s, v, n, QUANT_ROLE_ACT, &f, -1, r->by, e))
            return -1;
        if (r->cop && r->cop->has_constraint) {
            quant_quantizer *q = &s->q[s->n_q - 1];
            q->has_constraint = true;
            q->constraint_min = r->cop->constraint_min;
            q->constraint_max = r->cop->constraint_max;
        }
    }
    return 0;
}

int quant_place(quant_sim *s, qrc_err *e)
{
    graph *g = s->g;
    quant_quantizers_clear(s);
    mark_supergroups(s);
    if (place_inputs(s, e))
        return -1;
    for (int k = 0; k < g->n_nodes; k++) {
        int n = g->order[k];
        if (s->excluded[n])
            continue;
        quant_resolved r;
        quant_resolve(s, n, true, &r);
        if (place_region_entries(s, n, &r, e) || place_params(s, n, &r, e) || place_outputs(s, n, &r, e))
            return err_wrap(e, "node '%s' (%s)", g->nodes[n].name, g->nodes[n].op_type);
    }
    return 0;
}
