/* fold_bn: BatchNorm folded backward / forward gives the same outputs; what cannot fold stays, with a
 * reason. Outputs are compared with a plain reference evaluator before and after the pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "pass_fixtures.h"

/* Runs fold_bn on g and checks the first output is unchanged for input shape dims; returns the report. */
static void fold_and_compare(graph *g, int rank, const int64_t *dims, pass_report *r)
{
    qrc_err e = {0};
    tensor *x = fx_input(rank, dims, 3);
    tensor *before = fx_eval(g, x);
    assert_non_null(before);
    pass_opts o = pass_opts_default();
    pass_report_init(r);
    assert_int_equal(pass_fold_bn(g, &o, r, &e), 0);
    tensor *after = fx_eval(g, x);
    assert_non_null(after);
    assert_int_equal(tensor_numel(after), tensor_numel(before));
    double err = fx_rel_err(after, before);
    if (err > 1e-5)
        fail_msg("outputs differ after fold_bn: relative error %g", err);
    tensor_free(x);
    tensor_free(before);
    tensor_free(after);
}

static void conv_bn_folds_backward(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) { /* with bias, without bias, grouped */
        graph *g = graph_new();
        int64_t group = variant == 2 ? 2 : 1;
        int64_t wd[4] = {4, 4 / group, 3, 3}, c = 4;
        fx_const(g, "conv.weight", 4, wd, NULL, 1);
        if (variant != 1)
            fx_const(g, "conv.bias", 1, &c, NULL, 2);
        fx_bn_params(g, "bn", 4, 10);
        int cn = fx_node(g, "Conv", "/conv/Conv", variant != 1 ? "x,conv.weight,conv.bias" : "x,conv.weight", "t");
        int64_t pads[4] = {1, 1, 1, 1};
        graph_attr *a = graph_attr_set(g, cn, "pads", ATTR_INTS);
        a->n = 4;
        a->ints = graph_alloc(g, sizeof pads);
        memcpy(a->ints, pads, sizeof pads);
        graph_attr_set(g, cn, "group", ATTR_INT)->i = group;
        fx_node(g, "BatchNormalization", "/bn/BatchNormalization", "t,bn.weight,bn.bias,bn.running_mean,bn.running_var", "u");
        fx_node(g, "Relu", "/Relu", "u", "y");
        fx_io(g, "x", "y");
        pass_report r;
        int64_t xd[4] = {2, 4, 5, 5};
        fold_and_compare(g, 4, xd, &r);
        assert_int_equal(fx_count_op(g, "BatchNormalization"), 0);
        assert_int_equal(pass_report_count(&r, "bn_folded", PASS_INFO), 1);
        int conv = fx_node_of(g, "/conv/Conv");
        assert_int_equal(g->nodes[conv].n_in, 3);
        assert_string_equal(g->values[g->nodes[conv].out[0]].name, "u");
        assert_string_equal(g->values[g->nodes[conv].in[2]].name, "conv.bias");
        assert_string_equal(g->values[g->nodes[conv].in[1]].name, "conv.weight");
        pass_report_free(&r);
        graph_free(g);
    }
}

static void gemm_and_matmul_bn_fold_backward(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) { /* Gemm transB=1, Gemm transB=0 alpha/beta, MatMul */
        graph *g = graph_new();
        int64_t wd[2] = {variant == 0 ? 5 : 6, variant == 0 ? 6 : 5}, c = 5;
        fx_const(g, "fc.weight", 2, wd, NULL, 1);
        fx_const(g, "fc.bias", 1, &c, NULL, 2);
        fx_bn_params(g, "bn", 5, 20);
        int n;
        if (variant < 2) {
            n = fx_node(g, "Gemm", "/fc/Gemm", "x,fc.weight,fc.bias", "t");
            graph_attr_set(g, n, "transB", ATTR_INT)->i = variant == 0;
            if (variant == 1) {
                graph_attr_set(g, n, "alpha", ATTR_FLOAT)->f = 0.5f;
                graph_attr_set(g, n, "beta", ATTR_FLOAT)->f = 2.0f;
            }
        } else {
            n = fx_node(g, "MatMul", "/fc/MatMul", "x,fc.weight", "t");
        }
        fx_node(g, "BatchNormalization", "/bn/BatchNormalization", "t,bn.weight,bn.bias,bn.running_mean,bn.running_var", "y");
        fx_io(g, "x", "y");
        g->values[graph_find_value(g, "x")].rank = 2;
        pass_report r;
        int64_t xd[2] = {3, 6};
        fold_and_compare(g, 2, xd, &r);
        assert_int_equal(fx_count_op(g, "BatchNormalization"), 0);
        assert_int_equal(fx_count_op(g, "Add"), variant == 2);
        pass_report_free(&r);
        graph_free(g);
    }
}

static void bn_on_input_folds_forward_unless_padded(void **state)
{
    (void)state;
    for (int padded = 0; padded < 2; padded++) {
        graph *g = graph_new();
        int64_t wd[4] = {6, 3, 3, 3}, c = 6;
        fx_const(g, "conv.weight", 4, wd, NULL, 1);
        fx_const(g, "conv.bias", 1, &c, NULL, 2);
        fx_bn_params(g, "bn", 3, 30);
        fx_node(g, "BatchNormalization", "/bn/BatchNormalization", "x,bn.weight,bn.bias,bn.running_mean,bn.running_var", "t");
        int cn = fx_node(g, "Conv", "/conv/Conv", "t,conv.weight,conv.bias", "y");
        if (padded) {
            graph_attr *a = graph_attr_set(g, cn, "pads", ATTR_INTS);
            a->n = 4;
            a->ints = graph_alloc(g, 4 * sizeof *a->ints);
            for (int i = 0; i < 4; i++)
                a->ints[i] = 1;
        }
        fx_io(g, "x", "y");
        pass_report r;
        int64_t xd[4] = {2, 3, 6, 6};
        fold_and_compare(g, 4, xd, &r);
        assert_int_equal(fx_count_op(g, "BatchNormalization"), padded);
        if (padded) {
            assert_int_equal(pass_report_count(&r, "bn_not_folded", PASS_WARN), 1);
            const char *msg = r.notes[0].msg;
            assert_non_null(strstr(msg, "graph input"));
            assert_non_null(strstr(msg, "pads"));
        }
        pass_report_free(&r);
        graph_free(g);
    }
}

static void bn_that_cannot_fold_stays_with_reason(void **state)
{
    (void)state;
    /* Conv -> Relu -> BN -> Relu, and a Conv whose output also leaves the graph. */
    graph *g = graph_new();
    int64_t wd[4] = {3, 3, 1, 1}, c = 3;
    fx_const(g, "conv.weight", 4, wd, NULL, 1);
    fx_bn_params(g, "bn", c, 40);
    fx_bn_params(g, "bn2", c, 50);
    fx_node(g, "Conv", "/conv/Conv", "x,conv.weight", "t");
    fx_node(g, "Relu", "/Relu", "t", "u");
    fx_node(g, "BatchNormalization", "/bn/BatchNormalization", "u,bn.weight,bn.bias,bn.running_mean,bn.running_var", "v");
    fx_node(g, "Relu", "/Relu_1", "v", "y");
    fx_node(g, "BatchNormalization", "/bn2/BatchNormalization", "t,bn2.weight,bn2.bias,bn2.running_mean,bn2.running_var", "z");
    fx_io(g, "x", "y,z,t");
    pass_report r;
    int64_t xd[4] = {1, 3, 4, 4};
    fold_and_compare(g, 4, xd, &r);
    assert_int_equal(fx_count_op(g, "BatchNormalization"), 2);
    assert_int_equal(pass_report_count(&r, "bn_not_folded", PASS_WARN), 2);
    bool relu_reason = false, shared_reason = false;
    for (int i = 0; i < r.n_notes; i++) {
        relu_reason |= strstr(r.notes[i].msg, "'/Relu' (Relu), which has no weight") != NULL;
        shared_reason |= strstr(r.notes[i].msg, "also read elsewhere") != NULL;
    }
    assert_true(relu_reason);
    assert_true(shared_reason);
    pass_report_free(&r);
    graph_free(g);
}

static void shared_weight_is_copied_before_scaling(void **state)
{
    (void)state;
    /* Two Convs read one weight; only the first is followed by a BN. The second's output must not move. */
    graph *g = graph_new();
    int64_t wd[4] = {3, 3, 1, 1};
    fx_const(g, "conv.weight", 4, wd, NULL, 1);
    fx_bn_params(g, "bn", 3, 60);
    fx_node(g, "Conv", "/conv/Conv", "x,conv.weight", "t");
    fx_node(g, "BatchNormalization", "/bn/BatchNormalization", "t,bn.weight,bn.bias,bn.running_mean,bn.running_var", "y1");
    fx_node(g, "Conv", "/conv_1/Conv", "x,conv.weight", "y2");
    fx_io(g, "x", "y2,y1");
    pass_report r;
    int64_t xd[4] = {1, 3, 4, 4};
    fold_and_compare(g, 4, xd, &r);
    assert_int_equal(fx_count_op(g, "BatchNormalization"), 0);
    int c1 = fx_node_of(g, "/conv/Conv"), c2 = fx_node_of(g, "/conv_1/Conv");
    assert_int_not_equal(g->nodes[c1].in[1], g->nodes[c2].in[1]);
    pass_report_free(&r);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv_bn_folds_backward),
        cmocka_unit_test(gemm_and_matmul_bn_fold_backward),
        cmocka_unit_test(bn_on_input_folds_forward_unless_padded),
        cmocka_unit_test(bn_that_cannot_fold_stays_with_reason),
        cmocka_unit_test(shared_weight_is_copied_before_scaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
