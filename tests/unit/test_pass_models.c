/* Prepare on the real models in recipes/models: each method leaves the model computing what it did
 * (qrc's executor, 1e-5 relative), and the rewrites expected of each model happen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "npy.h"
#include "onnx.h"
#include "prepare.h"

static tensor *input8(void)
{
    qrc_err e;
    npy_reader *r = NULL;
    tensor *t = NULL;
    assert_int_equal(npy_open("tests/models/ort_ref/input_64.npy", &r, &e), 0);
    assert_int_equal(npy_read_rows(r, 8, &t, &e), 0);
    npy_close(r);
    return t;
}

static tensor *run(const graph *g, const tensor *x)
{
    qrc_err e = {0};
    exec *ex = NULL;
    if (exec_new(g, 2, &ex, &e) != 0)
        fail_msg("exec_new: %s", e.msg);
    const char *names[1] = {"image"};
    const tensor *ins[1] = {x};
    tensor *out = NULL;
    if (exec_run(ex, 1, names, ins, &out, &e) != 0)
        fail_msg("exec_run: %s", e.msg);
    exec_free(ex);
    return out;
}

static double rel_err(const tensor *a, const tensor *b)
{
    double d = 0, m = 0;
    assert_int_equal(tensor_numel(a), tensor_numel(b));
    for (int64_t i = 0; i < tensor_numel(b); i++) {
        double x = ((const float *)a->data)[i], y = ((const float *)b->data)[i];
        d = fmax(d, fabs(x - y));
        m = fmax(m, fabs(y));
    }
    return d / m;
}

static int count_op(const graph *g, const char *op)
{
    int c = 0;
    for (int n = 0; n < g->n_nodes; n++)
        c += !strcmp(g->nodes[n].op_type, op);
    return c;
}

static int count_groups(const pass_report *r, const char *kind)
{
    int c = 0;
    for (int i = 0; i < r->n_groups; i++)
        c += !strcmp(r->groups[i].kind, kind);
    return c;
}

/* Prepares model with method m (and N pinned to 8 when pin); checks outputs; returns graph and report. */
static graph *prepare_model(const char *model, prepare_method m, bool pin, pass_report *r)
{
    qrc_err e = {0};
    graph *g = NULL;
    char path[256];
    snprintf(path, sizeof path, "recipes/models/%s.onnx", model);
    if (onnx_load(path, &g, &e) != 0)
        fail_msg("%s", e.msg);
    tensor *x = input8();
    tensor *before = run(g, x);
    const char *names[1] = {"image"};
    const tensor *vals[1] = {x};
    pass_example ex = {1, names, vals};
    pass_concrete n8 = {"N", NULL, 8, NULL};
    prepare_opts po = {.method = m, .pass = pass_opts_default()};
    po.pass.examples = &ex;
    po.pass.n_examples = 1;
    if (pin) {
        po.pass.concrete = &n8;
        po.pass.n_concrete = 1;
    }
    pass_report_init(r);
    if (prepare_run(g, &po, r, &e) != 0)
        fail_msg("%s (%s): %s", model, prepare_method_name(m), e.msg);
    tensor *after = run(g, x);
    double err = rel_err(after, before);
    if (err > 1e-5)
        fail_msg("%s (%s): prepared outputs differ, relative error %g", model, prepare_method_name(m), err);
    /* and the prepared model survives a save / load round trip with the same outputs */
    void *buf = NULL;
    size_t n = 0;
    graph *back = NULL;
    assert_int_equal(onnx_save_mem(g, &buf, &n, &e), 0);
    if (onnx_load_mem(buf, n, NULL, &back, &e) != 0)
        fail_msg("%s: reloading the prepared model: %s", model, e.msg);
    tensor *again = run(back, x);
    assert_true(rel_err(again, after) == 0.0);
    tensor_free(again);
    graph_free(back);
    free(buf);
    tensor_free(x);
    tensor_free(before);
    tensor_free(after);
    return g;
}

static void cnn_folds_batchnorms_and_unshares_pool(void **state)
{
    (void)state;
    for (prepare_method m = PREPARE_SYMBOLIC; m <= PREPARE_JIT_STRIP; m++) {
        pass_report r;
        graph *g = prepare_model("fmnist_cnn", m, false, &r);
        assert_int_equal(count_op(g, "BatchNormalization"), 0);
        assert_int_equal(pass_report_count(&r, "bn_folded", PASS_INFO), 3);
        assert_int_equal(count_groups(&r, "Conv+Relu"), 3);
        assert_int_equal(count_groups(&r, "Gemm+Relu"), 1);
        const char *want[] = {"pool", "pool_1", "pool_2"};
        int k = 0;
        for (int n = 0; n < g->n_nodes; n++)
            if (!strcmp(g->nodes[n].op_type, "MaxPool"))
                assert_string_equal(g->nodes[n].module, want[k++]);
        assert_int_equal(k, 3);
        pass_report_free(&r);
        graph_free(g);
    }
}

static void resnet_folds_every_batchnorm(void **state)
{
    (void)state;
    pass_report r;
    graph *g = prepare_model("fmnist_resnet", PREPARE_SYMBOLIC, false, &r);
    assert_int_equal(count_op(g, "BatchNormalization"), 0);
    assert_int_equal(count_op(g, "Identity"), 0);
    assert_int_equal(pass_report_count(&r, "bn_folded", PASS_INFO), 15);
    assert_true(count_groups(&r, "Conv+Add+Relu") >= 3);
    /* the reused relu module becomes one instance per call */
    bool relu1 = false;
    for (int n = 0; n < g->n_nodes; n++)
        relu1 |= !strcmp(g->nodes[n].module, "layer1.0.relu_1");
    assert_true(relu1);
    pass_report_free(&r);
    graph_free(g);
}

static void vit_units_and_shape_folding(void **state)
{
    (void)state;
    pass_report r;
    graph *g = prepare_model("fmnist_vit", PREPARE_SYMBOLIC, false, &r);
    assert_int_equal(count_groups(&r, "LayerNorm"), 7);
    assert_int_equal(count_groups(&r, "GELU"), 3);
    assert_int_equal(count_op(g, "Constant"), 0);
    int dynamic_shapes = count_op(g, "Shape");
    assert_true(dynamic_shapes > 0);
    /* parameters read through a Transpose keep their names */
    assert_true(graph_find_value(g, "layers.0.qkv.weight") >= 0);
    for (int n = 0; n < g->n_nodes; n++)
        if (!strcmp(g->nodes[n].name, "/qkv_1/MatMul"))
            assert_string_equal(g->nodes[n].module, "layers.1.qkv");
    pass_report_free(&r);
    graph_free(g);
    /* with the batch pinned, the Shape-driven reshapes fold away */
    g = prepare_model("fmnist_vit", PREPARE_SYMBOLIC, true, &r);
    assert_int_equal(count_op(g, "Shape"), 0);
    assert_int_equal(count_op(g, "Gather"), 0);
    pass_report_free(&r);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cnn_folds_batchnorms_and_unshares_pool),
        cmocka_unit_test(resnet_folds_every_batchnorm),
        cmocka_unit_test(vit_units_and_shape_folding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
