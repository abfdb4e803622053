/* place.c — where quantizers go on a prepared graph: graph inputs, op outputs, weights and biases;
 * nothing inside a supergroup, on an excluded op, or after an op that only moves data. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
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

bool quant_op_shares_input(const char *op_type)
{
    return in_list(SHARES_INPUT, op_type);
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
    (void)w;
    if (strcmp(n->op_type, "ConvTranspose") == 0)
        return 1;
    if (strcmp(n->op_type, "Gemm") == 0)
        return graph_attr_int(n, "transB", 0) ? 0 : 1;
    return 0;
}

/* Ops whose outputs describe shapes, not data. */
static const char *const SHAPE_OPS[] = {"Shape", "Size", NULL};

/* Element type of a node output the graph has no dtype for, from the op. */
static bool output_is_float(const graph *g, const graph_node *node, const bool *is_float)
{
    if (in_list(NON_FLOAT_OUTPUT, node->op_type) || in_list(SHAPE_OPS, node->op_type))
        return false;
    if (strcmp(node->op_type, "Cast") == 0)
        return graph_attr_int(node, "to", DT_FLOAT) == DT_FLOAT;
    if (strcmp(node->op_type, "Constant") == 0) {
        const graph_attr *a = graph_attr_find(node, "value");
        return a && a->t ? a->t->dtype == DT_FLOAT : graph_attr_find(node, "value_float") != NULL;
    }
    for (int j = 0; j < node->n_in; j++)
        if (node->in[j] >= 0)
            return is_float[node->in[j]];
    return true;
}

/* Which values are float, and which are activation data: derived from a graph input other than through
 * its shape. Initializers, constants and shape arithmetic are neither quantized nor observed. */
static void mark_values(const graph *g, bool *is_float, bool *is_data)
{
    for (int v = 0; v < g->n_values; v++) {
        const graph_value *x = &g->values[v];
        is_float[v] = x->init ? x->init->dtype == DT_FLOAT : x->dtype == DT_UNDEFINED || x->dtype == DT_FLOAT;
        is_data[v] = x->is_input && !x->init;
    }
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *node = &g->nodes[g->order[k]];
        bool data = false;
        if (!in_list(SHAPE_OPS, node->op_type))
            for (int j = 0; j < node->n_in; j++)
                data = data || (node->in[j] >= 0 && is_data[node->in[j]]);
        for (int j = 0; j < node->n_out; j++) {
            int v = node->out[j];
            if (v < 0)
                continue;
            tensor_dtype dt = g->values[v].dtype;
            is_float[v] = dt != DT_UNDEFINED ? dt == DT_FLOAT : output_is_float(g, node, is_float);
            is_data[v] = data;
        }
    }
}

static bool activation(const quant_sim *s, int v)
{
    return s->is_float[v] && s->is_data[v];
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

static int add(quant_sim *s, int v, int node, quant_role role, const quant_resolved *r, int axis, qrc_err *e)
{
    bool param = role == QUANT_ROLE_WEIGHT || role == QUANT_ROLE_BIAS;
    const quant_format *f = param ? &r->weight : &r->act;
    const quant_method *m = param ? &r->weight_method : &r->act_method;
    if (s->n_q == s->cap_q) {
        int cap = s->cap_q ? 2 * s->cap_q : 32;
        s->q = mem_grow(s->q, (size_t)cap, sizeof *s->q);
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
        .axis = axis, .n_channels = channels, .decided_by = r->by, .scheme = m->scheme,
        .percentile = m->percentile,
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

/* Supergroups come from prepare (the fused_with_next option) when it ran; otherwise from the config's list, or
 * the built-in one without a config. */
static void mark_supergroups(quant_sim *s)
{
    const graph *g = s->g;
    for (int n = 0; n < g->n_nodes; n++)
        s->fused[n] = s->prep_fused && s->prep_fused[n];
    if (s->prep_fused)
        return;
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
        if (val->init || !activation(s, v))
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
        if (r.act_on && add(s, v, first, QUANT_ROLE_INPUT, &r, -1, e))
            return -1;
    }
    return 0;
}

/* The initializer behind a weight slot, following Identity and Transpose nodes (as exporters emit for
 * nn.Linear), with the channel axis mapped back through each permutation; -1 when there is none. */
static int weight_source(const graph *g, int v, int *axis)
{
    for (int depth = 0; v >= 0 && depth < 8; depth++) {
        const graph_value *x = &g->values[v];
        if (x->init)
            return x->init->dtype == DT_FLOAT ? v : -1;
        if (x->producer < 0)
            return -1;
        const graph_node *p = &g->nodes[x->producer];
        if (p->n_in < 1 || p->in[0] < 0)
            return -1;
        if (strcmp(p->op_type, "Transpose") == 0) {
            const int64_t *perm;
            int np = graph_attr_ints(p, "perm", &perm);
            int rank = x->rank >= 0 ? x->rank : np;
            if (*axis >= 0) {
                if (np > 0 && *axis < np)
                    *axis = (int)perm[*axis];
                else if (np == 0 && rank > 0)
                    *axis = rank - 1 - *axis;
                else
                    return -1;
            }
        } else if (strcmp(p->op_type, "Identity") != 0) {
            return -1;
        }
        v = p->in[0];
    }
    return -1;
}

static int place_params(quant_sim *s, int n, const quant_resolved *r, qrc_err *e)
{
    graph *g = s->g;
    const graph_node *node = &g->nodes[n];
    const weight_op *w = weight_op_of(node);
    if (!w || !r->weight_on)
        return 0;
    int slot = w->weight < node->n_in ? node->in[w->weight] : -1;
    int axis = -1;
    int src = slot >= 0 ? weight_source(g, slot, &axis) : -1;
    if (src >= 0 && r->per_channel) {
        /* Identity and Transpose keep the rank, so the source's rank is the slot's. */
        int rank = g->values[src].init->rank;
        axis = strcmp(node->op_type, "MatMul") == 0 ? rank - 1 : weight_axis(node, NULL);
        if (rank < 1)
            axis = -1;
    }
    int wv = slot >= 0 ? weight_source(g, slot, &axis) : -1;
    if (wv >= 0 && s->carrier[wv] < 0) {
        if (add(s, wv, n, QUANT_ROLE_WEIGHT, r, axis, e))
            return -1;
    }
    int bv = w->bias >= 0 && w->bias < node->n_in ? node->in[w->bias] : -1;
    if (r->bias_on && bv >= 0 && g->values[bv].init && g->values[bv].init->dtype == DT_FLOAT &&
        s->carrier[bv] < 0) {
        if (add(s, bv, n, QUANT_ROLE_BIAS, r, r->per_channel ? 0 : -1, e))
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
        if (!activation(s, v) || !r->act_on)
            continue;
        if (add(s, v, n, QUANT_ROLE_INPUT, r, -1, e))
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
            if (node->out[j] >= 0 && activation(s, node->out[j]))
                s->carrier[node->out[j]] = src;
        return 0;
    }
    quant_tri model_out = s->cfg ? s->cfg->output_quantized : QUANT_UNSET;
    for (int j = 0; j < node->n_out; j++) {
        int v = node->out[j];
        if (v < 0 || !activation(s, v) || s->carrier[v] >= 0)
            continue;
        bool on = r->act_on;
        if (g->values[v].is_output && model_out != QUANT_UNSET)
            on = model_out == QUANT_YES;
        if (!on)
            continue;
        if (r->act.kind == QUANT_FLOAT && r->act.bitwidth == 32)
            continue;
        if (add(s, v, n, QUANT_ROLE_ACT, r, -1, e))
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
    free(s->is_float);
    free(s->is_data);
    s->is_float = mem_zalloc((size_t)g->n_values + 1, sizeof *s->is_float);
    s->is_data = mem_zalloc((size_t)g->n_values + 1, sizeof *s->is_data);
    mark_values(g, s->is_float, s->is_data);
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
