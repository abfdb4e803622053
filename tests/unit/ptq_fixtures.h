/* ptq_fixtures.h — running a one-input test graph, and a single batch as a ptq_batch_fn, for the
 * post-training rewrite tests. */
#ifndef QRC_TEST_PTQ_FIXTURES_H
#define QRC_TEST_PTQ_FIXTURES_H

#include "exec.h"
#include "pass_fixtures.h"
#include "ptq.h"

/* x [., in] -> Gemm(fc.weight, fc.bias, transB) -> y [., out] in an empty g, parameters seeded from seed;
 * returns the Gemm node. */
static inline int fx_fc_layer(graph *g, int trans_b, int64_t in, int64_t out, int seed)
{
    int64_t wd[2] = {trans_b ? out : in, trans_b ? in : out};
    fx_const(g, "fc.weight", 2, wd, NULL, seed);
    fx_const(g, "fc.bias", 1, &out, NULL, seed + 1);
    int n = fx_node(g, "Gemm", "/fc/Gemm", "x,fc.weight,fc.bias", "y");
    graph_attr_set(g, n, "transB", ATTR_INT)->i = trans_b;
    fx_io(g, "x", "y");
    return n;
}

static inline void fx_ints_attr(graph *g, int n, const char *name, int count, const int64_t *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_INTS);
    a->n = count;
    a->ints = graph_alloc(g, (size_t)count * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)count * sizeof(int64_t));
}

/* x [., 3, H, W] -> Conv(conv.weight [4, 3, 3, 3], pads 1 1 0 0, strides 2 1) -> y in an empty g; returns
 * the Conv node. */
static inline int fx_padded_strided_conv(graph *g)
{
    int64_t wd[4] = {4, 3, 3, 3};
    fx_const(g, "conv.weight", 4, wd, NULL, 9);
    int n = fx_node(g, "Conv", "/conv/Conv", "x,conv.weight", "y");
    fx_ints_attr(g, n, "pads", 4, (int64_t[]){1, 1, 0, 0});
    fx_ints_attr(g, n, "strides", 2, (int64_t[]){2, 1});
    fx_io(g, "x", "y");
    return n;
}

/* x [., 4, H, W] -> Conv(conv.weight [4, 2, 1, 1], group 2) -> y in an empty g, reindexed; returns the
 * Conv node. */
static inline int fx_grouped_conv(graph *g)
{
    int64_t wd[4] = {4, 2, 1, 1};
    fx_const(g, "conv.weight", 4, wd, NULL, 9);
    int n = fx_node(g, "Conv", "/conv/Conv", "x,conv.weight", "y");
    graph_attr_set(g, n, "group", ATTR_INT)->i = 2;
    fx_io(g, "x", "y");
    qrc_err e = {0};
    assert_int_equal(graph_reindex(g, &e), 0);
    return n;
}

/* g's first output on input "x" (the caller frees it). */
static inline tensor *fx_run(graph *g, const tensor *x)
{
    qrc_err e = {0};
    exec *ex;
    tensor *out = NULL;
    assert_int_equal(graph_reindex(g, &e), 0);
    if (exec_new(g, 1, &ex, &e) || exec_run(ex, 1, (const char *[]){"x"}, &x, &out, &e))
        fail_msg("%s", e.msg);
    exec_free(ex);
    return out;
}

/* One batch, then the end of the data. */
typedef struct fx_one_batch {
    const tensor *x;
    bool given;
} fx_one_batch;

static inline int fx_give(void *user, tensor **in, qrc_err *e)
{
    fx_one_batch *b = user;
    if (b->given)
        return 0;
    b->given = true;
    in[0] = tensor_clone(b->x, e);
    return in[0] ? 1 : -1;
}

#endif
