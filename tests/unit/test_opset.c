/* Opset converter tests: each adapter on a small graph built at the old opset, run through the executor
 * before and after conversion (and after a save/load round trip) on the same inputs; the outputs must
 * agree. Also: blockers for an op the converter does not know, nodes with no equivalent, the no-op and
 * the range checks. With QRC_OPSET_DUMP=dir in the environment, each graph checked is also written to
 * dir as NNN_a.onnx (before) and NNN_b.onnx (converted), for ONNX Runtime to compare
 * (tests/suites/conformance_upgrade.sh). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec.h"
#include "onnx.h"
#include "opset.h"

enum { MAX_OUT = 8 };

static graph *mk(int64_t opset)
{
    graph *g = graph_new();
    graph_opset_set(g, "", opset);
    g->ir_version = 3;
    return g;
}

/* Declares a float graph input of the given shape (appended to the inputs). */
static void input(graph *g, const char *name, int rank, const int64_t *dims)
{
    int v = graph_value_get(g, name);
    g->values[v].dtype = DT_FLOAT;
    g->values[v].rank = rank;
    memcpy(g->values[v].dims, dims, (size_t)rank * sizeof *dims);
    int ins[8];
    for (int i = 0; i < g->n_inputs; i++)
        ins[i] = g->inputs[i];
    ins[g->n_inputs] = v;
    graph_set_inputs(g, g->n_inputs + 1, ins);
}

/* Value indices of a comma-separated name list ("" entries are omitted inputs); returns the count. */
static int names(graph *g, const char *list, int *out)
{
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *p = buf;; n++) {
        char *c = strchr(p, ',');
        if (c)
            *c = 0;
        out[n] = *p ? graph_value_get(g, p) : -1;
        if (!c)
            return n + 1;
        p = c + 1;
    }
}

static int node(graph *g, const char *op, const char *ins, const char *outs)
{
    int in[8], out[8];
    int ni = names(g, ins, in), no = names(g, outs, out);
    char name[64];
    snprintf(name, sizeof name, "%s_%d", op, g->n_nodes);
    return graph_node_add(g, op, name, ni, in, no, out);
}

static void ints(graph *g, int n, const char *name, int cnt, const int64_t *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_INTS);
    a->n = cnt;
    a->ints = graph_alloc(g, (size_t)cnt * sizeof *v);
    memcpy(a->ints, v, (size_t)cnt * sizeof *v);
}

static void floats(graph *g, int n, const char *name, int cnt, const float *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_FLOATS);
    a->n = cnt;
    a->floats = graph_alloc(g, (size_t)cnt * sizeof *v);
    memcpy(a->floats, v, (size_t)cnt * sizeof *v);
}

static void str(graph *g, int n, const char *name, const char *v)
{
    graph_attr_set(g, n, name, ATTR_STRING)->s = graph_strdup(g, v);
}

static void outputs(graph *g, const char *list)
{
    int v[8];
    graph_set_outputs(g, names(g, list, v), v);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
}

/* A float initializer. */
static void init(graph *g, const char *name, int rank, const int64_t *dims, const float *v)
{
    qrc_err e;
    int k = graph_value_get(g, name);
    tensor *t = tensor_new(DT_FLOAT, rank, dims, &e);
    if (v)
        memcpy(t->data, v, tensor_nbytes(t));
    g->values[k].init = t;
    g->values[k].dtype = DT_FLOAT;
    g->values[k].rank = rank;
    memcpy(g->values[k].dims, dims, (size_t)rank * sizeof *dims);
}

/* Runs g on inputs made from the declared shapes by a fixed pattern; fills outs. */
static void run(const graph *g, tensor **outs)
{
    qrc_err e = {0};
    exec *x;
    if (exec_new(g, 1, &x, &e))
        fail_msg("exec_new: %s", e.msg);
    const char *nm[8];
    const tensor *in[8];
    tensor *own[8];
    for (int i = 0; i < g->n_inputs; i++) {
        const graph_value *v = &g->values[g->inputs[i]];
        own[i] = tensor_new(DT_FLOAT, v->rank, v->dims, &e);
        for (int64_t k = 0; k < tensor_numel(own[i]); k++)
            ((float *)own[i]->data)[k] = (float)(3.0 * sin(0.7 * (double)k + i) + 0.25 * (double)(k % 3));
        nm[i] = v->name;
        in[i] = own[i];
    }
    int rc = exec_run(x, g->n_inputs, nm, in, outs, &e);
    for (int i = 0; i < g->n_inputs; i++)
        tensor_free(own[i]);
    exec_free(x);
    if (rc)
        fail_msg("exec_run: %s", e.msg);
}

static void same(tensor *const *a, tensor *const *b, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(a[i]->dtype, b[i]->dtype);
        assert_int_equal(a[i]->rank, b[i]->rank);
        assert_memory_equal(a[i]->dims, b[i]->dims, (size_t)a[i]->rank * sizeof *a[i]->dims);
        if (a[i]->dtype != DT_FLOAT) {
            assert_memory_equal(a[i]->data, b[i]->data, tensor_nbytes(a[i]));
            continue;
        }
        for (int64_t k = 0; k < tensor_numel(a[i]); k++) {
            float x = ((float *)a[i]->data)[k], y = ((float *)b[i]->data)[k];
            if (fabsf(x - y) > 1e-5f + 1e-5f * fabsf(x))
                fail_msg("output %d element %lld: %g before, %g after", i, (long long)k, x, y);
        }
    }
}

static void free_all(tensor **t, int n)
{
    for (int i = 0; i < n; i++)
        tensor_free(t[i]);
}

/* Converts g to target and checks the outputs agree with the original's, also after a save and load;
 * returns the number of nodes rewritten. Frees g. */
static int converts_same(graph *g, int64_t target)
{
    tensor *before[MAX_OUT], *after[MAX_OUT], *loaded[MAX_OUT];
    int n = g->n_outputs;
    run(g, before);
    qrc_err e = {0};
    static int dumped;
    char path[512];
    const char *dump = getenv("QRC_OPSET_DUMP");
    if (dump) {
        snprintf(path, sizeof path, "%s/%03d_a.onnx", dump, dumped);
        onnx_save(g, path, &e);
    }
    int rc = opset_upgrade(g, target, &e);
    if (dump) {
        snprintf(path, sizeof path, "%s/%03d_b.onnx", dump, dumped++);
        onnx_save(g, path, &e);
    }
    if (rc < 0)
        fail_msg("opset_upgrade: %s", e.msg);
    assert_int_equal(graph_opset_version(g, ""), target);
    assert_true(g->ir_version >= opset_ir_version(target));
    run(g, after);
    same(before, after, n);
    void *buf;
    size_t len;
    graph *back;
    assert_int_equal(onnx_save_mem(g, &buf, &len, &e), 0);
    if (onnx_load_mem(buf, len, NULL, &back, &e))
        fail_msg("reload: %s", e.msg);
    free(buf);
    run(back, loaded);
    same(before, loaded, n);
    free_all(before, n);
    free_all(after, n);
    free_all(loaded, n);
    graph_free(back);
    graph_free(g);
    return rc;
}

/* Checks that converting g to target is refused with a message containing needle; frees g. */
static void refuses(graph *g, int64_t target, const char *needle)
{
    qrc_err e = {0};
    assert_int_equal(opset_upgrade(g, target, &e), -1);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' does not mention '%s'", e.msg, needle);
    graph_free(g);
}

/* The first node whose op is op, or NULL. */
static const graph_node *find_op(const graph *g, const char *op)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].op_type, op))
            return &g->nodes[i];
    return NULL;
}

static const int64_t NCHW[] = {1, 2, 4, 5};

/* ---- Upsample / Resize ---- */

static graph *upsample7(const char *mode, const float *scales)
{
    graph *g = mk(7);
    input(g, "x", 4, NCHW);
    int n = node(g, "Upsample", "x", "y");
    str(g, n, "mode", mode);
    floats(g, n, "scales", 4, scales);
    outputs(g, "y");
    return g;
}

static void upsample_becomes_resize(void **state)
{
    (void)state;
    static const float up[] = {1, 1, 2, 3};
    const char *modes[] = {"nearest", "linear", "bilinear"};
    for (int m = 0; m < 3; m++) {
        static const int64_t targets[] = {9, 10, 11, 13, 21};
        for (int t = 0; t < 5; t++)
            assert_int_equal(converts_same(upsample7(modes[m], up), targets[t]), 1);
    }
    graph *g = upsample7("nearest", up);
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 13, &e), 1);
    const graph_node *r = find_op(g, "Resize");
    assert_non_null(r);
    assert_int_equal(r->n_in, 3);
    assert_string_equal(graph_attr_string(r, "coordinate_transformation_mode", ""), "asymmetric");
    assert_string_equal(graph_attr_string(r, "nearest_mode", ""), "floor");
    assert_null(find_op(g, "Upsample"));
    graph_free(g);
}

static graph *resize10(const char *mode, const float *scales)
{
    graph *g = mk(10);
    input(g, "x", 4, NCHW);
    int64_t four = 4;
    init(g, "scales", 1, &four, scales);
    str(g, node(g, "Resize", "x,scales", "y"), "mode", mode);
    outputs(g, "y");
    return g;
}

static void resize_10_keeps_its_rounding(void **state)
{
    (void)state;
    static const float down[] = {1, 1, 0.6f, 0.7f}, up[] = {1, 1, 1.5f, 2.5f}, mixed[] = {1, 1, 1.5f, 0.7f};
    const char *modes[] = {"nearest", "linear"};
    for (int m = 0; m < 2; m++) {
        assert_int_equal(converts_same(resize10(modes[m], down), 11), 1);
        assert_int_equal(converts_same(resize10(modes[m], up), 21), 1);
    }
    assert_int_equal(converts_same(resize10("linear", mixed), 13), 1);
    graph *g = resize10("nearest", down);
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 11, &e), 1);
    assert_string_equal(graph_attr_string(find_op(g, "Resize"), "nearest_mode", ""), "ceil");
    graph_free(g);
    /* one rounding for all axes cannot round one axis down and another up */
    refuses(resize10("nearest", mixed), 11, "scales must be constant");
}

/* Upsample scales fed by a graph input are not known, but Upsample never shrinks: it converts. */
static void upsample_with_scales_input(void **state)
{
    (void)state;
    graph *g = mk(9);
    input(g, "x", 4, NCHW);
    int64_t four = 4;
    input(g, "scales", 1, &four);
    node(g, "Upsample", "x,scales", "y");
    outputs(g, "y");
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 13, &e), 1);
    const graph_node *r = find_op(g, "Resize");
    assert_int_equal(r->n_in, 3);
    assert_string_equal(graph_attr_string(r, "nearest_mode", ""), "floor");
    graph_free(g);
}

static graph *resize11_tf(const char *mode, const char *nearest)
{
    graph *g = mk(11);
    input(g, "x", 4, NCHW);
    int64_t zero = 0, four = 4;
    init(g, "roi", 1, &zero, NULL);
    static const float sc[] = {1, 1, 0.6f, 1.7f};
    init(g, "scales", 1, &four, sc);
    int n = node(g, "Resize", "x,roi,scales", "y");
    str(g, n, "mode", mode);
    str(g, n, "coordinate_transformation_mode", "tf_half_pixel_for_nn");
    if (nearest)
        str(g, n, "nearest_mode", nearest);
    outputs(g, "y");
    return g;
}

static void resize_tf_half_pixel_for_nn(void **state)
{
    (void)state;
    assert_int_equal(converts_same(resize11_tf("nearest", "floor"), 13), 1);
    assert_int_equal(converts_same(resize11_tf("nearest", NULL), 19), 1);
    refuses(resize11_tf("linear", NULL), 13, "from opset 11 to 13: coordinate_transformation_mode tf_half_pixel");
}

/* ---- attributes that became inputs ---- */

static void slice_to_inputs(void **state)
{
    (void)state;
    graph *g = mk(9);
    input(g, "x", 4, NCHW);
    int n = node(g, "Slice", "x", "y");
    ints(g, n, "starts", 2, (int64_t[]){1, -4});
    ints(g, n, "ends", 2, (int64_t[]){3, 1000});
    ints(g, n, "axes", 2, (int64_t[]){2, 3});
    outputs(g, "y");
    assert_int_equal(converts_same(g, 13), 1);
}

/* The runtime runs TopK from opset 10 only, so the converted node is checked against one written at 10. */
static void topk_k_becomes_input(void **state)
{
    (void)state;
    graph *g = mk(9), *ref = mk(10);
    input(g, "x", 4, NCHW);
    input(ref, "x", 4, NCHW);
    graph_attr_set(g, node(g, "TopK", "x", "v,i"), "k", ATTR_INT)->i = 3;
    outputs(g, "v,i");
    qrc_err e;
    int k = graph_value_get(ref, "k");
    int64_t one = 1;
    ref->values[k].init = tensor_new(DT_INT64, 1, &one, &e);
    *(int64_t *)ref->values[k].init->data = 3;
    node(ref, "TopK", "x,k", "v,i");
    outputs(ref, "v,i");
    assert_int_equal(opset_upgrade(g, 11, &e), 1);
    assert_int_equal(g->nodes[0].n_in, 2);
    assert_null(graph_attr_find(&g->nodes[0], "k"));
    tensor *a[2], *b[2];
    run(ref, a);
    run(g, b);
    same(a, b, 2);
    free_all(a, 2);
    free_all(b, 2);
    graph_free(g);
    graph_free(ref);
}

static void clip_pad_to_inputs(void **state)
{
    (void)state;
    graph *g = mk(10);
    input(g, "x", 4, NCHW);
    int n = node(g, "Clip", "x", "a");
    graph_attr_set(g, n, "min", ATTR_FLOAT)->f = -1.5f;
    graph_attr_set(g, n, "max", ATTR_FLOAT)->f = 2.0f;
    n = node(g, "Clip", "x", "b");
    graph_attr_set(g, n, "max", ATTR_FLOAT)->f = 0.5f;
    n = node(g, "Pad", "x", "c");
    ints(g, n, "pads", 8, (int64_t[]){0, 0, 1, 2, 0, 0, 2, 1});
    graph_attr_set(g, n, "value", ATTR_FLOAT)->f = 7.0f;
    n = node(g, "Pad", "x", "d");
    ints(g, n, "pads", 8, (int64_t[]){0, 0, 1, 2, 0, 0, 2, 1});
    str(g, n, "mode", "reflect");
    outputs(g, "a,b,c,d");
    assert_int_equal(converts_same(g, 21), 4);
}

static void dropout_ratio_and_mask(void **state)
{
    (void)state;
    graph *g = mk(9);
    input(g, "x", 4, NCHW);
    int n = node(g, "Dropout", "x", "y,mask");
    graph_attr_set(g, n, "ratio", ATTR_FLOAT)->f = 0.3f;
    outputs(g, "y");
    assert_int_equal(converts_same(g, 13), 1);
    /* a mask that is read changes type at 10: a blocker */
    g = mk(9);
    input(g, "x", 4, NCHW);
    node(g, "Dropout", "x", "y,mask");
    outputs(g, "y,mask");
    refuses(g, 12, "output 'mask' is read");
}

static void axes_to_inputs(void **state)
{
    (void)state;
    graph *g = mk(12);
    input(g, "x", 4, NCHW);
    int n = node(g, "Unsqueeze", "x", "u");
    ints(g, n, "axes", 2, (int64_t[]){0, 3});
    n = node(g, "Squeeze", "u", "s");
    ints(g, n, "axes", 1, (int64_t[]){0});
    n = node(g, "ReduceSum", "x", "r");
    ints(g, n, "axes", 2, (int64_t[]){1, -1});
    n = node(g, "ReduceMean", "x", "m");
    ints(g, n, "axes", 1, (int64_t[]){2});
    graph_attr_set(g, n, "keepdims", ATTR_INT)->i = 0;
    node(g, "ReduceMax", "x", "all");
    n = node(g, "ReduceL2", "x", "l2");
    ints(g, n, "axes", 1, (int64_t[]){3});
    outputs(g, "s,r,m,all,l2");
    assert_int_equal(converts_same(g, 18), 5);
}

static void split_inputs_and_num_outputs(void **state)
{
    (void)state;
    graph *g = mk(11);
    input(g, "x", 4, NCHW);
    int n = node(g, "Split", "x", "a,b");
    graph_attr_set(g, n, "axis", ATTR_INT)->i = 3;
    ints(g, n, "split", 2, (int64_t[]){2, 3});
    n = node(g, "Split", "x", "c,d");
    graph_attr_set(g, n, "axis", ATTR_INT)->i = 2;
    outputs(g, "a,b,c,d");
    assert_int_equal(converts_same(g, 18), 2);
}

/* ---- meaning changes ---- */

static void softmax_family_one_axis(void **state)
{
    (void)state;
    const char *ops[] = {"Softmax", "LogSoftmax", "Hardmax"};
    for (int k = 0; k < 3; k++) {
        graph *g = mk(11);
        input(g, "x", 4, NCHW);
        node(g, ops[k], "x", "a");                                   /* default axis 1: coerced to [1, 40] */
        graph_attr_set(g, node(g, ops[k], "x", "b"), "axis", ATTR_INT)->i = 2;
        graph_attr_set(g, node(g, ops[k], "x", "c"), "axis", ATTR_INT)->i = 3;   /* the last axis */
        graph_attr_set(g, node(g, ops[k], "x", "d"), "axis", ATTR_INT)->i = -2;
        outputs(g, "a,b,c,d");
        assert_int_equal(converts_same(g, 13), 4);
    }
    graph *g = mk(12);
    input(g, "x", 4, NCHW);
    graph_attr_set(g, node(g, "Softmax", "x", "y"), "axis", ATTR_INT)->i = 3;
    outputs(g, "y");
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 13, &e), 1);
    assert_int_equal(g->n_nodes, 1);             /* the last axis needs no reshaping */
    assert_int_equal(graph_attr_int(&g->nodes[0], "axis", 0), -1);
    graph_free(g);
}

static graph *batchnorm7(int n_out, bool spatial)
{
    graph *g = mk(7);
    input(g, "x", 4, NCHW);
    int64_t two = 2;
    static const float sc[] = {1.5f, 0.5f}, b[] = {0.1f, -0.2f}, m[] = {0.3f, -0.1f}, v[] = {2.0f, 0.5f};
    init(g, "scale", 1, &two, sc);
    init(g, "bias", 1, &two, b);
    init(g, "mean", 1, &two, m);
    init(g, "var", 1, &two, v);
    int n = node(g, "BatchNormalization", "x,scale,bias,mean,var",
                 n_out > 1 ? "y,rm,rv,sm,sv" : "y");
    graph_attr_set(g, n, "spatial", ATTR_INT)->i = spatial;
    outputs(g, "y");
    return g;
}

static void batchnorm_spatial_and_outputs(void **state)
{
    (void)state;
    assert_int_equal(converts_same(batchnorm7(1, true), 9), 1);
    assert_int_equal(converts_same(batchnorm7(1, true), 15), 1);
    /* unread running statistics are dropped at 14 (the runtime runs no training outputs, so no run) */
    graph *g = batchnorm7(5, true);
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 15, &e), 1);
    assert_int_equal(find_op(g, "BatchNormalization")->n_out, 1);
    graph_free(g);
    refuses(batchnorm7(1, false), 9, "spatial=0");
}

static void scatter_becomes_scatter_elements(void **state)
{
    (void)state;
    graph *g = mk(9);
    int64_t d[] = {3, 3}, id[] = {2, 3};
    input(g, "x", 2, d);
    input(g, "u", 2, id);
    qrc_err e;
    int k = graph_value_get(g, "idx");
    tensor *t = tensor_new(DT_INT64, 2, id, &e);
    int64_t iv[] = {1, 0, 2, 0, 2, 1};
    memcpy(t->data, iv, sizeof iv);
    g->values[k].init = t;
    g->values[k].dtype = DT_INT64;
    g->values[k].rank = 2;
    memcpy(g->values[k].dims, id, sizeof id);
    graph_attr_set(g, node(g, "Scatter", "x,idx,u", "y"), "axis", ATTR_INT)->i = 1;
    outputs(g, "y");
    assert_int_equal(converts_same(g, 13), 1);
}

/* Upsample -> Resize inside an If branch: subgraphs are converted too. */
static void converts_subgraphs(void **state)
{
    (void)state;
    graph *g = mk(9);
    input(g, "x", 4, NCHW);
    qrc_err e;
    int c = graph_value_get(g, "cond");
    int64_t one = 1;
    tensor *t = tensor_new(DT_BOOL, 1, &one, &e);
    *(uint8_t *)t->data = 1;
    g->values[c].init = t;
    int n = node(g, "If", "cond", "y");
    const char *branch[] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; b++) {
        graph *s = graph_new();
        s->parent = g;
        s->name = graph_strdup(s, branch[b]);
        int y = graph_value_get(s, b ? "ye" : "yt");
        int64_t four = 4;
        static const float sc[] = {1, 1, 2, 2};
        init(s, b ? "se" : "st", 1, &four, sc);
        str(s, node(s, "Upsample", b ? "x,se" : "x,st", b ? "ye" : "yt"), "mode", b ? "linear" : "nearest");
        graph_set_outputs(s, 1, &y);
        graph_attr_set(g, n, branch[b], ATTR_GRAPH)->g = s;
    }
    outputs(g, "y");
    assert_int_equal(converts_same(g, 13), 2);
}

/* ---- blockers, no-op, ranges ---- */

static int n_seen;
static void seen(void *ctx, const graph_node *nd, const char *why)
{
    (void)why;
    assert_string_equal(nd->op_type, (const char *)ctx);
    n_seen++;
}

static void unknown_op_is_a_blocker(void **state)
{
    (void)state;
    graph *g = mk(9);
    input(g, "x", 4, NCHW);
    node(g, "Relu", "x", "a");
    node(g, "LpNormalization", "a", "y");
    outputs(g, "y");
    n_seen = 0;
    assert_int_equal(opset_blockers(g, 13, seen, "LpNormalization"), 1);
    assert_int_equal(n_seen, 1);
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 13, &e), -1);
    assert_non_null(strstr(e.msg, "LpNormalization_1"));
    assert_non_null(strstr(e.msg, "(LpNormalization)"));
    assert_non_null(strstr(e.msg, "from opset 9 to 13"));
    assert_int_equal(graph_opset_version(g, ""), 9);            /* unchanged */
    assert_int_equal(g->n_nodes, 2);
    /* other domains are left alone */
    g->nodes[1].domain = graph_strdup(g, "com.example");
    assert_int_equal(opset_blockers(g, 13, seen, ""), 0);
    graph_free(g);
}

static void same_opset_is_a_no_op(void **state)
{
    (void)state;
    graph *g = mk(11);
    input(g, "x", 4, NCHW);
    node(g, "Softmax", "x", "y");
    outputs(g, "y");
    qrc_err e;
    assert_int_equal(opset_upgrade(g, 11, &e), 0);
    assert_int_equal(g->n_nodes, 1);
    assert_int_equal(g->ir_version, 3);
    assert_int_equal(opset_blockers(g, 11, NULL, NULL), 0);
    /* down, past the newest, or from below the oldest: refused */
    assert_int_equal(opset_upgrade(g, 10, &e), -1);
    assert_non_null(strstr(e.msg, "converting down"));
    assert_int_equal(opset_upgrade(g, 22, &e), -1);
    graph_opset_set(g, "", 6);
    assert_int_equal(opset_upgrade(g, 13, &e), -1);
    assert_int_equal(opset_blockers(g, 13, NULL, NULL), -1);
    graph_free(g);
}

static void ir_versions(void **state)
{
    (void)state;
    assert_int_equal(opset_ir_version(7), 3);
    assert_int_equal(opset_ir_version(9), 4);
    assert_int_equal(opset_ir_version(11), 6);
    assert_int_equal(opset_ir_version(13), 7);
    assert_int_equal(opset_ir_version(17), 8);
    assert_int_equal(opset_ir_version(20), 9);
    assert_int_equal(opset_ir_version(21), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upsample_becomes_resize),
        cmocka_unit_test(resize_10_keeps_its_rounding),
        cmocka_unit_test(upsample_with_scales_input),
        cmocka_unit_test(resize_tf_half_pixel_for_nn),
        cmocka_unit_test(slice_to_inputs),
        cmocka_unit_test(topk_k_becomes_input),
        cmocka_unit_test(clip_pad_to_inputs),
        cmocka_unit_test(dropout_ratio_and_mask),
        cmocka_unit_test(axes_to_inputs),
        cmocka_unit_test(split_inputs_and_num_outputs),
        cmocka_unit_test(softmax_family_one_axis),
        cmocka_unit_test(batchnorm_spatial_and_outputs),
        cmocka_unit_test(scatter_becomes_scatter_elements),
        cmocka_unit_test(converts_subgraphs),
        cmocka_unit_test(unknown_op_is_a_blocker),
        cmocka_unit_test(same_opset_is_a_no_op),
        cmocka_unit_test(ir_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
