/* kern_fuse_conv: Conv -> BatchNormalization -> Clip / Relu / Sigmoid / SiLU / HardSwish chains become single
 * FusedConv nodes and the fused graph computes what the original one does (both run by the executor);
 * kern_fuse_units: decomposed LayerNorm, GELU and SiLU become single nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "exec.h"
#include "nn_harness.h"
#include "ops/nn_ops.h"

static int value(graph *g, const char *name, tensor *init)
{
    int v = graph_value_get(g, name);
    if (init) {
        g->values[v].init = init;
        g->values[v].dtype = init->dtype;
        g->values[v].rank = init->rank;
        for (int i = 0; i < init->rank; i++)
            g->values[v].dims[i] = init->dims[i];
    }
    return v;
}

static tensor *scalar(float f)
{
    qrc_err e;
    tensor *t = tensor_new(DT_FLOAT, 0, NULL, &e);
    *(float *)t->data = f;
    return t;
}

/* Sets ints attribute `name` of node n to `count` copies of v. */
static void ints_attr(graph *g, int n, const char *name, int count, int64_t v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_INTS);
    a->n = count;
    a->ints = graph_alloc(g, (size_t)count * sizeof(int64_t));
    for (int i = 0; i < count; i++)
        a->ints[i] = v;
}

/* A float value `name` of the given shape (a graph input once finish() lists it). */
static int float_value(graph *g, const char *name, int rank, const int64_t *dims)
{
    int v = value(g, name, NULL);
    g->values[v].dtype = DT_FLOAT;
    g->values[v].rank = rank;
    memcpy(g->values[v].dims, dims, (size_t)rank * sizeof *dims);
    return v;
}

/* An empty graph importing the default domain at opset 13. */
static graph *opset13_graph(void)
{
    graph *g = graph_new();
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = 13;
    g->n_opsets = 1;
    return g;
}

/* Sets input x and output y, reindexes and returns g. */
static graph *finish(graph *g, int x, int y)
{
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

/* x -> Conv(k, group) -> BN -> act -> Conv(1x1) -> Relu -> y, with the first conv output also read by
 * nothing else. act: 0 Relu, 1 Clip(0,6), 2 LeakyRelu. */
static graph *build(int64_t group, int act, uint64_t *seed)
{
    graph *g = opset13_graph();
    int x = value(g, "x", NULL);
    g->values[x].dtype = DT_FLOAT;
    g->values[x].rank = 4;
    int64_t xd[4] = {2, 8, 9, 9};
    memcpy(g->values[x].dims, xd, sizeof xd);
    int64_t wd[4] = {8, 8 / group, 3, 3}, c8 = 8, w2d[4] = {4, 8, 1, 1};
    int w = value(g, "w", nnh_tensor(4, wd, seed, -0.5f, 0.5f)), b = value(g, "b", nnh_tensor(1, &c8, seed, -1, 1));
    int sc = value(g, "sc", nnh_tensor(1, &c8, seed, 0.5f, 1.5f)), bb = value(g, "bb", nnh_tensor(1, &c8, seed, -1, 1));
    int mu = value(g, "mu", nnh_tensor(1, &c8, seed, -1, 1)), va = value(g, "va", nnh_tensor(1, &c8, seed, 0.2f, 2));
    int w2 = value(g, "w2", nnh_tensor(4, w2d, seed, -1, 1));
    int c1 = value(g, "c1", NULL), n1 = value(g, "n1", NULL), a1 = value(g, "a1", NULL), c2 = value(g, "c2", NULL);
    int y = value(g, "y", NULL);
    int conv_in[3] = {x, w, b}, bn_in[5] = {c1, sc, bb, mu, va};
    int cn = graph_node_add(g, "Conv", "conv1", 3, conv_in, 1, &c1);
    graph_attr_set(g, cn, "group", ATTR_INT)->i = group;
    ints_attr(g, cn, "pads", 4, 1);
    graph_node_add(g, "BatchNormalization", "bn1", 5, bn_in, 1, &n1);
    if (act == 1) {
        int clip_in[3] = {n1, value(g, "lo", scalar(0.0f)), value(g, "hi", scalar(0.5f))};
        graph_node_add(g, "Clip", "act1", 3, clip_in, 1, &a1);
    } else {
        int an = graph_node_add(g, act ? "LeakyRelu" : "Relu", "act1", 1, &n1, 1, &a1);
        if (act)
            graph_attr_set(g, an, "alpha", ATTR_FLOAT)->f = 0.2f;
    }
    int conv2_in[2] = {a1, w2};
    graph_node_add(g, "Conv", "conv2", 2, conv2_in, 1, &c2);
    graph_node_add(g, "Relu", "act2", 1, &c2, 1, &y);
    return finish(g, x, y);
}

/* Why an executor run failed (the tests assert they do not). */
static qrc_err run_err;

static tensor *run(graph *g, const tensor *x)
{
    tensor *t = nnh_run_graph(g, x, &run_err);
    if (!t)
        fail_msg("%s", run_err.msg);
    return t;
}

/* Runs g on x, rewrites it with kern_fuse_units (units) or kern_fuse_conv, requires want_fused
 * rewrites and the same outputs within atol + rtol |want|; frees x and leaves g rewritten. */
static void fuse_and_compare(graph *g, tensor *x, bool units, int want_fused, double atol, double rtol)
{
    tensor *want = run(g, x);
    int fused = -1;
    qrc_err e;
    assert_int_equal(units ? kern_fuse_units(g, &fused, &e) : kern_fuse_conv(g, &fused, &e), 0);
    assert_int_equal(fused, want_fused);
    tensor *got = run(g, x);
    double err = nnh_err(got, want->data, tensor_numel(want), atol, rtol);
    if (err > 1.0)
        fail_msg("error ratio %g", err);
    tensor_free(got);
    tensor_free(want);
    tensor_free(x);
}

static void fused_graph_matches(void **state)
{
    (void)state;
    for (int act = 0; act < 3; act++)
        for (int64_t group = 1; group <= 8; group += 7) {
            uint64_t seed = 77 + (uint64_t)act * 10 + (uint64_t)group;
            graph *g = build(group, act, &seed);
            int64_t xd[4] = {2, 8, 9, 9};
            tensor *x = nnh_tensor(4, xd, &seed, -1, 1);
            tensor *want = run(g, x);
            int fused = 0;
            qrc_err e;
            assert_int_equal(kern_fuse_conv(g, &fused, &e), 0);
            assert_int_equal(fused, 2);
            int n_live = 0;
            for (int i = 0; i < g->n_nodes; i++) {
                assert_string_equal(g->nodes[i].op_type, "FusedConv");
                n_live++;
            }
            assert_int_equal(n_live, 2);
            tensor *got = run(g, x);
            assert_true(nnh_err(got, want->data, tensor_numel(want), 1e-5, 1e-4) <= 1.0);
            tensor_free(got);
            tensor_free(want);
            tensor_free(x);
            graph_free(g);
        }
}

/* A depthwise network on large images is split into single images; the split run equals a whole run. */
static void split_runs_match(void **state)
{
    (void)state;
    uint64_t seed = 5;
    graph *g = build(8, 1, &seed), *dense = build(1, 1, &seed);
    assert_int_equal(exec_split_size(g, 4, (size_t)1 << 20), 1);
    assert_int_equal(exec_split_size(g, 4, (size_t)3 << 19), 1);
    assert_int_equal(exec_split_size(g, 16, (size_t)1 << 18), 4);
    assert_int_equal(exec_split_size(g, 12, (size_t)1 << 18), 4);   /* the largest divisor within 1.25 MiB */
    assert_int_equal(exec_split_size(g, 8, (size_t)1 << 18), 8);    /* 2 MiB in all: whole batch */
    assert_int_equal(exec_split_size(g, 4, 1000), 4);              /* small input: whole batch */
    assert_int_equal(exec_split_size(dense, 4, (size_t)1 << 20), 4);   /* no depthwise conv */
    g->values[g->inputs[0]].dims[0] = -1;   /* any batch */
    int64_t xd[4] = {5, 8, 9, 9};
    tensor *x = nnh_tensor(4, xd, &seed, -1, 1);
    tensor *whole = run(g, x);
    exec *ex;
    qrc_err e;
    assert_int_equal(exec_new(g, 2, &ex, &e), 0);
    const char *names[1] = {"x"};
    for (int64_t sub = 1; sub <= 3; sub++) {
        tensor *out[1] = {NULL};
        if (exec_run_split(ex, 1, names, (const tensor *const *)&x, sub, out, &e))
            fail_msg("%s", e.msg);
        assert_int_equal(out[0]->rank, whole->rank);
        assert_memory_equal(out[0]->dims, whole->dims, (size_t)whole->rank * sizeof *whole->dims);
        double err = nnh_err(out[0], whole->data, tensor_numel(whole), 1e-5, 1e-5);
        if (err > 1.0)
            fail_msg("sub-batch %lld: error ratio %g", (long long)sub, err);
        tensor_free(out[0]);
    }
    exec_free(ex);
    tensor_free(whole);
    tensor_free(x);
    graph_free(g);
    graph_free(dense);
}

/* x [2, 5, 8] -> decomposed LayerNorm over `axis` (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt,
 * Div, then with affine: Mul gamma [8], Add beta [8]) -> y. Opset 13: axes are attributes. */
static graph *layernorm_graph(int64_t axis, bool affine, uint64_t *seed)
{
    graph *g = opset13_graph();
    int x = value(g, "x", NULL);
    g->values[x].dtype = DT_FLOAT;
    g->values[x].rank = 3;
    int64_t xd[3] = {2, 5, 8}, d8 = 8;
    memcpy(g->values[x].dims, xd, sizeof xd);
    const char *names[] = {"mean", "d", "sq", "var", "ve", "std", "n", "s", "y"};
    int v[9];
    for (int i = 0; i < 9; i++)
        v[i] = value(g, names[i], NULL);
    int two = value(g, "two", scalar(2.0f)), eps = value(g, "eps", scalar(1e-5f));
    int m1 = graph_node_add(g, "ReduceMean", "m1", 1, &x, 1, &v[0]);
    graph_node_add(g, "Sub", "sub", 2, (int[]){x, v[0]}, 1, &v[1]);
    graph_node_add(g, "Pow", "pow", 2, (int[]){v[1], two}, 1, &v[2]);
    int m2 = graph_node_add(g, "ReduceMean", "m2", 1, &v[2], 1, &v[3]);
    graph_node_add(g, "Add", "add", 2, (int[]){v[3], eps}, 1, &v[4]);
    graph_node_add(g, "Sqrt", "sqrt", 1, &v[4], 1, &v[5]);
    int out = affine ? v[8] : v[6];
    graph_node_add(g, "Div", "div", 2, (int[]){v[1], v[5]}, 1, affine ? &v[6] : &out);
    if (affine) {
        int gamma = value(g, "gamma", nnh_tensor(1, &d8, seed, 0.5f, 1.5f));
        int beta = value(g, "beta", nnh_tensor(1, &d8, seed, -1, 1));
        graph_node_add(g, "Mul", "mul", 2, (int[]){gamma, v[6]}, 1, &v[7]);
        graph_node_add(g, "Add", "add_beta", 2, (int[]){v[7], beta}, 1, &out);
    }
    for (int k = 0; k < 2; k++) {
        graph_attr *a = graph_attr_set(g, k ? m2 : m1, "axes", ATTR_INTS);
        a->n = 1;
        a->ints = graph_alloc(g, sizeof(int64_t));
        a->ints[0] = axis;
    }
    return finish(g, x, out);
}

/* A decomposed LayerNorm over the last axis becomes one node computing the same; over another axis
 * it is left alone. */
static void layernorm_fused_and_equal(void **state)
{
    (void)state;
    const int64_t axes[] = {-1, 2, 1};
    for (int t = 0; t < 6; t++) {
        uint64_t seed = 31 + (uint64_t)t;
        graph *g = layernorm_graph(axes[t / 2], t % 2, &seed);
        int64_t xd[3] = {2, 5, 8};
        tensor *x = nnh_tensor(3, xd, &seed, -2, 3);
        tensor *want = run(g, x);
        int fused = -1, before = g->n_nodes;
        qrc_err e;
        assert_int_equal(kern_fuse_units(g, &fused, &e), 0);
        const bool last = axes[t / 2] != 1;
        assert_int_equal(fused, last ? 1 : 0);
        assert_int_equal(g->n_nodes, last ? 1 : before);
        if (last)
            assert_string_equal(g->nodes[0].op_type, "LayerNormalization");
        tensor *got = run(g, x);
        double err = nnh_err(got, want->data, tensor_numel(want), 1e-5, 1e-4);
        if (err > 1.0)
            fail_msg("axis %lld, affine %d: error ratio %g", (long long)axes[t / 2], t % 2, err);
        tensor_free(got);
        tensor_free(want);
        tensor_free(x);
        graph_free(g);
    }
}

/* The conv of an EfficientNet block, kind 0: depthwise 5x5 stride 1, 1: depthwise 5x5 stride 2, 2: dense
 * 3x3 stride 2 (a oneDNN primitive), 3: pointwise. */
static int block_conv(graph *g, int x, int kind, uint64_t *seed)
{
    const int64_t k = kind < 2 ? 5 : kind == 2 ? 3 : 1, group = kind < 2 ? 8 : 1, stride = kind == 1 || kind == 2 ? 2 : 1;
    int64_t wd[4] = {8, 8 / group, k, k}, c8 = 8;
    int in[3] = {x, value(g, "w", nnh_tensor(4, wd, seed, -0.5f, 0.5f)), value(g, "b", nnh_tensor(1, &c8, seed, -1, 1))};
    int c = value(g, "c", NULL);
    int n = graph_node_add(g, "Conv", "conv", 3, in, 1, &c);
    graph_attr_set(g, n, "group", ATTR_INT)->i = group;
    ints_attr(g, n, "pads", 4, k / 2);
    ints_attr(g, n, "strides", 2, stride);
    return c;
}

/* x [2, 8, 13, 13] -> block_conv(kind) -> SiLU (Mul(c, Sigmoid(c)), operands swapped when `swap`; with
 * `near_miss` Mul(Sigmoid(c), Sigmoid(c)) instead) -> squeeze-excitation: GlobalAveragePool, 1x1 Conv,
 * Sigmoid, Mul by the gate -> y. */
static graph *se_block_graph(int kind, bool swap, bool near_miss, uint64_t *seed)
{
    graph *g = opset13_graph();
    int64_t sd[4] = {8, 8, 1, 1}, c8 = 8;
    int x = float_value(g, "x", 4, (int64_t[]){2, 8, 13, 13});
    int c = block_conv(g, x, kind, seed);
    int s = value(g, "s", NULL), a = value(g, "a", NULL), p = value(g, "p", NULL), q = value(g, "q", NULL);
    int r = value(g, "r", NULL), y = value(g, "y", NULL);
    graph_node_add(g, "Sigmoid", "sig", 1, &c, 1, &s);
    int m_in[2] = {swap || near_miss ? s : c, near_miss || !swap ? s : c};
    graph_node_add(g, "Mul", "mul", 2, m_in, 1, &a);
    graph_node_add(g, "GlobalAveragePool", "gap", 1, &a, 1, &p);
    int se_in[3] = {p, value(g, "ws", nnh_tensor(4, sd, seed, -1, 1)), value(g, "bs", nnh_tensor(1, &c8, seed, -1, 1))};
    graph_node_add(g, "Conv", "se", 3, se_in, 1, &q);
    graph_node_add(g, "Sigmoid", "gate", 1, &q, 1, &r);
    graph_node_add(g, "Mul", "scale", 2, (int[]){a, r}, 1, &y);
    return finish(g, x, y);
}

/* SiLU after each kind of conv runs inside it (the squeeze-excitation gate's Sigmoid too), with the
 * outputs of the unfused graph; a Mul that is not x times Sigmoid(x) stays. */
static void silu_fused_and_equal(void **state)
{
    (void)state;
    for (int t = 0; t < 10; t++) {
        const int kind = t % 4;
        const bool swap = t >= 4 && t < 8, near_miss = t >= 8;
        uint64_t seed = 91 + (uint64_t)t;
        graph *g = se_block_graph(kind, swap, near_miss, &seed);
        int64_t xd[4] = {2, 8, 13, 13};
        fuse_and_compare(g, nnh_tensor(4, xd, &seed, -3, 3), false, 2, 1e-5, 1e-4);
        assert_int_equal(g->n_nodes, near_miss ? 5 : 4);   /* near miss: conv + Sigmoid fused, the Mul stays */
        assert_string_equal(g->nodes[0].op_type, "FusedConv");
        assert_string_equal(graph_attr_string(&g->nodes[0], "activation", ""), near_miss ? "Sigmoid" : "QuickGelu");
        graph_free(g);
    }
}

/* x [2, 8, 13, 13] -> block_conv(kind) -> HardSwish -> squeeze-excitation with a HardSigmoid gate (as
 * MobileNetV3 exports it, alpha 1/6) -> y, at opset 14 where HardSwish exists. */
static graph *hard_se_graph(int kind, uint64_t *seed)
{
    graph *g = opset13_graph();
    g->opsets[0].version = 14;
    int64_t sd[4] = {8, 8, 1, 1}, c8 = 8;
    int x = float_value(g, "x", 4, (int64_t[]){2, 8, 13, 13});
    int c = block_conv(g, x, kind, seed);
    int a = value(g, "a", NULL), p = value(g, "p", NULL), q = value(g, "q", NULL);
    int r = value(g, "r", NULL), y = value(g, "y", NULL);
    graph_node_add(g, "HardSwish", "hswish", 1, &c, 1, &a);
    graph_node_add(g, "GlobalAveragePool", "gap", 1, &a, 1, &p);
    int se_in[3] = {p, value(g, "ws", nnh_tensor(4, sd, seed, -1, 1)), value(g, "bs", nnh_tensor(1, &c8, seed, -1, 1))};
    graph_node_add(g, "Conv", "se", 3, se_in, 1, &q);
    int h = graph_node_add(g, "HardSigmoid", "gate", 1, &q, 1, &r);
    graph_attr_set(g, h, "alpha", ATTR_FLOAT)->f = 1.0f / 6.0f;
    graph_node_add(g, "Mul", "scale", 2, (int[]){a, r}, 1, &y);
    return finish(g, x, y);
}

/* HardSwish after each kind of conv, and the HardSigmoid gate, run inside the convs with the outputs of
 * the unfused graph (the oneDNN post-ops and the plane loops alike). */
static void hard_fused_and_equal(void **state)
{
    (void)state;
    for (int kind = 0; kind < 4; kind++) {
        uint64_t seed = 191 + (uint64_t)kind;
        graph *g = hard_se_graph(kind, &seed);
        int64_t xd[4] = {2, 8, 13, 13};
        fuse_and_compare(g, nnh_tensor(4, xd, &seed, -6, 6), false, 2, 1e-5, 1e-4);
        assert_int_equal(g->n_nodes, 4);
        assert_string_equal(graph_attr_string(&g->nodes[0], "activation", ""), "HardSwish");
        assert_string_equal(graph_attr_string(&g->nodes[2], "activation", ""), "HardSigmoid");
        graph_free(g);
    }
}

/* A SiLU not after a conv becomes one QuickGelu; not when the Sigmoid's output is read elsewhere. */
static void silu_unit(void **state)
{
    (void)state;
    for (int shared = 0; shared < 2; shared++) {
        graph *g = opset13_graph();
        int x = float_value(g, "x", 2, (int64_t[]){3, 50});
        int s = value(g, "s", NULL), m = value(g, "m", NULL), y = value(g, "y", NULL);
        graph_node_add(g, "Sigmoid", "sig", 1, &x, 1, &s);
        graph_node_add(g, "Mul", "mul", 2, (int[]){s, x}, 1, &m);
        graph_node_add(g, "Add", "add", 2, (int[]){m, shared ? s : m}, 1, &y);
        finish(g, x, y);
        uint64_t seed = 17;
        int64_t xd[2] = {3, 50};
        fuse_and_compare(g, nnh_tensor(2, xd, &seed, -20, 20), true, shared ? 0 : 1, 1e-6, 1e-6);
        assert_int_equal(g->n_nodes, shared ? 3 : 2);
        if (!shared)
            assert_string_equal(g->nodes[g->order[0]].op_type, "QuickGelu");
        graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fused_graph_matches),
        cmocka_unit_test(split_runs_match),
        cmocka_unit_test(layernorm_fused_and_equal),
        cmocka_unit_test(silu_fused_and_equal),
        cmocka_unit_test(silu_unit),
        cmocka_unit_test(hard_fused_and_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
