/* kern_nn_fuse_conv: Conv -> BatchNormalization -> Clip / Relu chains become single FusedConv nodes and
 * the fused graph computes what the original one does (both run by the executor). */
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

/* x -> Conv(k, group) -> BN -> act -> Conv(1x1) -> Relu -> y, with the first conv output also read by
 * nothing else. act: 0 Relu, 1 Clip(0,6), 2 LeakyRelu. */
static graph *build(int64_t group, int act, uint64_t *seed)
{
    graph *g = graph_new();
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = 13;
    g->n_opsets = 1;
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
    graph_attr *p = graph_attr_set(g, cn, "pads", ATTR_INTS);
    p->n = 4;
    p->ints = graph_alloc(g, 4 * sizeof(int64_t));
    for (int i = 0; i < 4; i++)
        p->ints[i] = 1;
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
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static tensor *run(graph *g, const tensor *x)
{
    exec *ex;
    qrc_err e;
    if (exec_new(g, 2, &ex, &e))
        fail_msg("%s", e.msg);
    const char *names[1] = {"x"};
    tensor *out[1] = {NULL};
    if (exec_run(ex, 1, names, &x, out, &e))
        fail_msg("%s", e.msg);
    exec_free(ex);
    return out[0];
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
            assert_int_equal(kern_nn_fuse_conv(g, &fused, &e), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fused_graph_matches),
        cmocka_unit_test(split_runs_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
