/* upgrade.c — the converter's driver: the adapter table, the ops known to keep their meaning, and the
 * walk that carries every node of a graph (and of its subgraphs) through each version in between. */
#include "opset.h"

#include <stdio.h>
#include <string.h>

#include "adapt.h"
#include "infer.h"

/* One change of an op's meaning or signature, at the version it happens (from the ONNX changelog).
 * `removed`: the op itself is gone (or deprecated) at `at`, so the row fires whenever the target is at or
 * past it, even for a model already at that opset. Rows are in ascending `at` order, so a node renamed
 * by one row (Upsample -> Resize) meets the later rows of its new op. */
static const struct adapter {
    const char *op;
    int at;
    bool removed;
    opset_adapt_fn fn;
} ADAPTERS[] = {
    {"Upsample", 9, false, opset_upsample_9},
    {"BatchNormalization", 9, false, opset_batchnorm_9},
    {"Upsample", 10, true, opset_upsample_10},
    {"Slice", 10, false, opset_slice_10},
    {"TopK", 10, false, opset_topk_10},
    {"Dropout", 10, false, opset_dropout_10},
    {"Resize", 11, false, opset_resize_11},
    {"Clip", 11, false, opset_clip_11},
    {"Pad", 11, false, opset_pad_11},
    {"Scatter", 11, true, opset_scatter_11},
    {"Dropout", 12, false, opset_dropout_12},
    {"Squeeze", 13, false, opset_axes_input},
    {"Unsqueeze", 13, false, opset_axes_input},
    {"ReduceSum", 13, false, opset_axes_input},
    {"Split", 13, false, opset_split_13},
    {"Softmax", 13, false, opset_softmax_13},
    {"LogSoftmax", 13, false, opset_softmax_13},
    {"Hardmax", 13, false, opset_softmax_13},
    {"Resize", 13, false, opset_resize_13},
    {"BatchNormalization", 14, false, opset_batchnorm_14},
    {"ReduceMean", 18, false, opset_axes_input},
    {"ReduceMax", 18, false, opset_axes_input},
    {"ReduceMin", 18, false, opset_axes_input},
    {"ReduceProd", 18, false, opset_axes_input},
    {"ReduceL1", 18, false, opset_axes_input},
    {"ReduceL2", 18, false, opset_axes_input},
    {"ReduceLogSum", 18, false, opset_axes_input},
    {"ReduceLogSumExp", 18, false, opset_axes_input},
    {"ReduceSumSquare", 18, false, opset_axes_input},
    {"Split", 18, false, opset_split_18},
};

/* Ops whose versions between 7 and 21 only widened types, added attributes or inputs whose defaults keep
 * the old meaning, or allowed negative axes and indices (checked against the changelog op by op).
 * Ops in ADAPTERS are known too. */
static const char *const STABLE[] = {
    "Abs", "Acos", "Acosh", "Add", "And", "ArgMax", "ArgMin", "Asin", "Asinh", "Atan", "Atanh", "AveragePool",
    "BitShift", "Cast", "CastLike", "Ceil", "Celu", "Compress", "Concat", "Constant", "ConstantOfShape", "Conv",
    "ConvInteger", "ConvTranspose", "Cos", "Cosh", "CumSum", "DepthToSpace", "DequantizeLinear", "Div",
    "DynamicQuantizeLinear", "Elu", "Equal", "Erf", "Exp", "Expand", "EyeLike", "Flatten", "Floor", "Gather",
    "GatherElements", "GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Greater",
    "GreaterOrEqual", "HardSigmoid", "HardSwish", "Identity", "If", "InstanceNormalization", "IsInf", "IsNaN",
    "LayerNormalization", "LeakyRelu", "Less", "LessOrEqual", "Log", "MatMul", "MatMulInteger", "Max",
    "MaxPool", "Mean", "Min", "Mod", "Mul", "Neg", "NonZero", "Not", "OneHot", "Or", "PRelu", "Pow",
    "QLinearConv", "QLinearMatMul", "QuantizeLinear", "Range", "Reciprocal", "Relu", "Reshape", "Round",
    "ScatterElements", "ScatterND", "Selu", "Shape", "Shrink", "Sigmoid", "Sign", "Sin", "Sinh", "Size",
    "Softplus", "Softsign", "SpaceToDepth", "Sqrt", "Sub", "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile",
    "Transpose", "Trilu", "Where", "Xor",
};

int64_t opset_ir_version(int64_t opset)
{
    static const struct { int opset, ir; } IR[] = {
        {9, 4}, {10, 5}, {11, 6}, {12, 7}, {15, 8}, {19, 9}, {21, 10},
    };
    int64_t ir = 3;
    for (size_t i = 0; i < sizeof IR / sizeof *IR; i++)
        if (opset >= IR[i].opset)
            ir = IR[i].ir;
    return ir;
}

static bool known(const char *op)
{
    for (size_t i = 0; i < sizeof STABLE / sizeof *STABLE; i++)
        if (!strcmp(STABLE[i], op))
            return true;
    for (size_t i = 0; i < sizeof ADAPTERS / sizeof *ADAPTERS; i++)
        if (!strcmp(ADAPTERS[i].op, op))
            return true;
    return false;
}

typedef void (*report_fn)(void *ctx, const graph_node *nd, const char *why);

typedef struct walk {
    int64_t from, to;
    report_fn report;
    void *ctx;
    int rewritten, blocked;
} walk;

static void block(walk *k, const graph_node *nd, const char *why)
{
    k->blocked++;
    if (k->report)
        k->report(k->ctx, nd, why);
}

static bool default_domain(const graph_node *nd)
{
    return !nd->domain || !*nd->domain || !strcmp(nd->domain, "ai.onnx");
}

/* The subgraph attribute a of node n in h, when h has that node (h may be NULL). */
static const graph *sub_of(const graph *h, int n, int a)
{
    if (!h || n >= h->n_nodes || a >= h->nodes[n].n_attrs)
        return NULL;
    return h->nodes[n].attrs[a].g;
}

static int walk_graph(graph *g, const graph *orig, const graph *types, walk *k, qrc_err *e);

/* Carries node n through every adapter row between the walk's opsets; returns 1 rewritten, 0 not, -1
 * blocked (reported). */
static int walk_node(graph *g, int n, const graph *orig, const graph *types, walk *k)
{
    const graph_node *shown = orig && n < orig->n_nodes ? &orig->nodes[n] : &g->nodes[n];
    if (!known(g->nodes[n].op_type)) {
        char why[256];
        snprintf(why, sizeof why, "op %s is not known to the opset converter", g->nodes[n].op_type);
        block(k, shown, why);
        return -1;
    }
    int changed = 0;
    for (size_t i = 0; i < sizeof ADAPTERS / sizeof *ADAPTERS; i++) {
        const struct adapter *a = &ADAPTERS[i];
        if (a->at > k->to || (a->at <= k->from && !a->removed) || strcmp(a->op, g->nodes[n].op_type))
            continue;
        qrc_err ae = {0};
        opset_step s = {g, n, a->at, k->to, types, &ae};
        int rc = a->fn(&s);
        if (rc < 0) {
            block(k, shown, ae.msg);
            return -1;
        }
        changed |= rc;
    }
    return changed;
}

static int walk_graph(graph *g, const graph *orig, const graph *types, walk *k, qrc_err *e)
{
    int n0 = g->n_nodes;
    for (int n = 0; n < n0; n++) {
        if (g->nodes[n].dead || !default_domain(&g->nodes[n]))
            continue;
        for (int a = 0; a < g->nodes[n].n_attrs; a++)
            if (g->nodes[n].attrs[a].g &&
                walk_graph(g->nodes[n].attrs[a].g, sub_of(orig, n, a), sub_of(types, n, a), k, e))
                return -1;
        if (walk_node(g, n, orig, types, k) > 0)
            k->rewritten++;
    }
    for (int i = 0; i < g->n_opsets; i++) {
        const char *d = g->opsets[i].domain ? g->opsets[i].domain : "";
        if (!*d || !strcmp(d, "ai.onnx"))
            g->opsets[i].version = k->to;
    }
    return k->blocked ? 0 : graph_reindex(g, e);
}

/* Converts a copy of g; *out is the converted copy (NULL when a node was blocked or on error). */
static int convert_copy(const graph *g, walk *k, graph **out, qrc_err *e)
{
    *out = NULL;
    graph *w = graph_clone(g, e);
    if (!w)
        return -1;
    /* types are read from a separate inferred copy so the output keeps only what the file declared */
    qrc_err ie;
    graph *types = graph_clone(g, &ie);
    if (types)
        graph_infer_shapes(types, &ie);
    int rc = walk_graph(w, g, types, k, e);
    graph_free(types);
    if (rc || k->blocked) {
        graph_free(w);
        return rc;
    }
    graph_opset_set(w, "", k->to);
    if (w->ir_version < opset_ir_version(k->to))
        w->ir_version = opset_ir_version(k->to);
    *out = w;
    return 0;
}

static int check_range(const graph *g, int64_t target, int64_t *from, qrc_err *e)
{
    *from = graph_opset_version(g, "");
    if (target < OPSET_MIN || target > OPSET_MAX)
        return err_set(e, "opset %lld is outside the converter's range %d..%d", (long long)target, OPSET_MIN,
                       OPSET_MAX);
    if (*from < OPSET_MIN)
        return err_set(e, "the model's opset %lld is below %d, the oldest the converter reads", (long long)*from,
                       OPSET_MIN);
    if (*from > target)
        return err_set(e, "the model is at opset %lld, above %lld: converting down is not supported",
                       (long long)*from, (long long)target);
    return 0;
}

typedef struct first {
    qrc_err msg;
    int64_t from, to;
    int count;
} first;

static void keep_first(void *ctx, const graph_node *nd, const char *why)
{
    first *f = ctx;
    if (!f->count++)
        err_set(&f->msg, "node '%s' (%s): cannot be carried from opset %lld to %lld: %s", nd->name, nd->op_type,
                (long long)f->from, (long long)f->to, why);
}

int opset_upgrade(graph *g, int64_t target, qrc_err *e)
{
    int64_t from;
    if (check_range(g, target, &from, e))
        return -1;
    if (from == target)
        return 0;
    first f = {.from = from, .to = target};
    walk k = {from, target, keep_first, &f, 0, 0};
    graph *w;
    if (convert_copy(g, &k, &w, e))
        return -1;
    if (!w) {
        if (f.count > 1)
            return err_set(e, "%s (and %d more node%s)", f.msg.msg, f.count - 1, f.count > 2 ? "s" : "");
        return err_set(e, "%s", f.msg.msg);
    }
    /* swap contents so the caller's pointer stays valid; subgraphs then point back at it */
    graph tmp = *g;
    *g = *w;
    *w = tmp;
    for (int n = 0; n < g->n_nodes; n++)
        for (int a = 0; a < g->nodes[n].n_attrs; a++)
            if (g->nodes[n].attrs[a].g)
                g->nodes[n].attrs[a].g->parent = g;
    graph_free(w);
    return k.rewritten;
}

int opset_blockers(const graph *g, int64_t target, report_fn fn, void *ctx)
{
    int64_t from;
    qrc_err e;
    if (check_range(g, target, &from, &e)) {
        if (fn)
            fn(ctx, NULL, e.msg);
        return -1;
    }
    if (from == target)
        return 0;
    walk k = {from, target, fn, ctx, 0, 0};
    graph *w;
    if (convert_copy(g, &k, &w, &e)) {
        if (fn)
            fn(ctx, NULL, e.msg);
        return -1;
    }
    graph_free(w);
    return k.blocked;
}
