/* ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul and com.microsoft QLinearAdd / QLinearMul on
 * small hand-computed cases: zero points per tensor, per channel, per row and per column, per-channel
 * scales, the bias added before the rescale, broadcasting, ties rounding to even, saturation to the
 * output type, and clear errors on malformed parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

/* A tensor of dtype dt and shape dims holding the given values (converted to dt). */
static tensor *tq(tensor_dtype dt, int rank, const int64_t *dims, const double *v)
{
    qrc_err e;
    tensor *t = tensor_new(dt, rank, dims, &e);
    assert_non_null(t);
    for (int64_t i = 0; i < tensor_numel(t); i++)
        switch (dt) {
        case DT_INT8: ((int8_t *)t->data)[i] = (int8_t)v[i]; break;
        case DT_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)v[i]; break;
        case DT_INT32: ((int32_t *)t->data)[i] = (int32_t)v[i]; break;
        case DT_FLOAT: ((float *)t->data)[i] = (float)v[i]; break;
        default: fail_msg("dtype %d", (int)dt);
        }
    return t;
}

/* A scalar (rank 0) of dtype dt. */
static tensor *ts(tensor_dtype dt, double v)
{
    return tq(dt, 0, NULL, &v);
}

/* A 1-D tensor of n values. */
static tensor *tv(tensor_dtype dt, int64_t n, const double *v)
{
    return tq(dt, 1, &n, v);
}

/* Output 0 must have dtype dt, the given shape and values. */
static void expect(const nnh *h, tensor_dtype dt, int rank, const int64_t *dims, const double *want)
{
    const tensor *y = h->out[0];
    assert_non_null(y);
    assert_int_equal(y->dtype, dt);
    assert_int_equal(y->rank, rank);
    for (int d = 0; d < rank; d++)
        assert_int_equal(y->dims[d], dims[d]);
    for (int64_t i = 0; i < tensor_numel(y); i++) {
        double got = dt == DT_INT32 ? ((const int32_t *)y->data)[i]
                     : dt == DT_INT8 ? ((const int8_t *)y->data)[i]
                                     : ((const uint8_t *)y->data)[i];
        if (got != want[i])
            fail_msg("element %lld: got %g, want %g", (long long)i, got, want[i]);
    }
}

static void run_ok(nnh *h)
{
    if (nnh_run(h, 1))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
}

/* ONNX's own example: x - 1 = 1..9 under a 2x2 window of ones. */
static void conv_integer_basic(void **state)
{
    (void)state;
    nnh *h = nnh_new("ConvInteger", 3, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 4, (int64_t[]){1, 1, 3, 3}, (double[]){2, 3, 4, 5, 6, 7, 8, 9, 10}), false);
    nnh_input(h, 1, tq(DT_UINT8, 4, (int64_t[]){1, 1, 2, 2}, (double[]){1, 1, 1, 1}), true);
    nnh_input(h, 2, ts(DT_UINT8, 1), true);
    run_ok(h);
    expect(h, DT_INT32, 4, (int64_t[]){1, 1, 2, 2}, (double[]){12, 16, 24, 28});
    nnh_free(h);
}

/* Padding contributes nothing (it stands for the zero point); corners see one input each. */
static void conv_integer_padding(void **state)
{
    (void)state;
    nnh *h = nnh_new("ConvInteger", 3, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 4, (int64_t[]){1, 1, 2, 2}, (double[]){11, 12, 13, 14}), false);
    nnh_input(h, 1, tq(DT_UINT8, 4, (int64_t[]){1, 1, 2, 2}, (double[]){1, 1, 1, 1}), true);
    nnh_input(h, 2, ts(DT_UINT8, 10), true);
    nnh_ints(h, "pads", 4, (int64_t[]){1, 1, 1, 1});
    run_ok(h);
    /* x - 10 = [[1,2],[3,4]] */
    expect(h, DT_INT32, 4, (int64_t[]){1, 1, 3, 3}, (double[]){1, 3, 2, 4, 10, 6, 3, 7, 4});
    nnh_free(h);
}

/* int8 operands, a per-output-channel weight zero point and a 1-D (NCW) input. */
static void conv_integer_per_channel(void **state)
{
    (void)state;
    nnh *h = nnh_new("ConvInteger", 4, 1, 10);
    nnh_input(h, 0, tq(DT_INT8, 3, (int64_t[]){1, 1, 2}, (double[]){5, -7}), false);
    nnh_input(h, 1, tq(DT_INT8, 3, (int64_t[]){2, 1, 1}, (double[]){3, -2}), true);
    nnh_input(h, 2, ts(DT_INT8, -1), true);
    nnh_input(h, 3, tv(DT_INT8, 2, (double[]){1, -1}), true);
    run_ok(h);
    /* x' = [6, -6], w' = [2, -1] */
    expect(h, DT_INT32, 3, (int64_t[]){1, 2, 2}, (double[]){12, -12, -6, 6});
    nnh_free(h);
}

/* QLinearConv over x = [1, 3, 5, 200] with weights [1] and [-1], weight scales 0.5 and 2, output zero
 * point 128; with_bias adds [1, 0] to the accumulators before the rescale. */
static void qlinear_conv_case(bool with_bias, const double *want)
{
    nnh *h = nnh_new("QLinearConv", with_bias ? 9 : 8, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 4, (int64_t[]){1, 1, 1, 4}, (double[]){1, 3, 5, 200}), false);
    nnh_input(h, 1, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 2, ts(DT_UINT8, 0), true);
    nnh_input(h, 3, tq(DT_INT8, 4, (int64_t[]){2, 1, 1, 1}, (double[]){1, -1}), true);
    nnh_input(h, 4, tv(DT_FLOAT, 2, (double[]){0.5, 2.0}), true);
    nnh_input(h, 5, tv(DT_INT8, 2, (double[]){0, 0}), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_UINT8, 128), true);
    if (with_bias)
        nnh_input(h, 8, tv(DT_INT32, 2, (double[]){1, 0}), true);
    run_ok(h);
    expect(h, DT_UINT8, 4, (int64_t[]){1, 2, 1, 4}, want);
    nnh_free(h);
}

static void qlinear_conv_rounding(void **state)
{
    (void)state;
    /* channel 0: 0.5, 1.5, 2.5, 100 round to 0, 2, 2, 100; channel 1: -2, -6, -10, -400 (saturates) */
    qlinear_conv_case(false, (double[]){128, 130, 130, 228, 126, 122, 118, 0});
    /* with the bias: 1, 2, 3, 100.5 (a tie, to 100) */
    qlinear_conv_case(true, (double[]){129, 130, 131, 228, 126, 122, 118, 0});
}

/* Per-row zero points of A and per-column ones of B. */
static void matmul_integer_rows_cols(void **state)
{
    (void)state;
    nnh *h = nnh_new("MatMulInteger", 4, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 2, (int64_t[]){2, 3}, (double[]){1, 2, 3, 4, 5, 6}), false);
    nnh_input(h, 1, tq(DT_INT8, 2, (int64_t[]){3, 2}, (double[]){1, 2, 3, 4, 5, 6}), true);
    nnh_input(h, 2, tv(DT_UINT8, 2, (double[]){1, 2}), true);
    nnh_input(h, 3, tv(DT_INT8, 2, (double[]){0, -1}), true);
    run_ok(h);
    /* A' = [[0,1,2],[2,3,4]], B' = [[1,3],[3,5],[5,7]] */
    expect(h, DT_INT32, 2, (int64_t[]){2, 2}, (double[]){13, 19, 31, 49});
    nnh_free(h);
}

/* A batch of two [1, 2] rows against one shared [2, 2] B, no zero points. */
static void matmul_integer_batched(void **state)
{
    (void)state;
    nnh *h = nnh_new("MatMulInteger", 2, 1, 10);
    nnh_input(h, 0, tq(DT_INT8, 3, (int64_t[]){2, 1, 2}, (double[]){1, 2, -3, 4}), false);
    nnh_input(h, 1, tq(DT_INT8, 2, (int64_t[]){2, 2}, (double[]){1, 0, 2, -1}), true);
    run_ok(h);
    expect(h, DT_INT32, 3, (int64_t[]){2, 1, 2}, (double[]){5, -2, 5, -4});
    nnh_free(h);
}

/* A column times [1]: the multiplier 0.5 * 0.5 / 1 = 0.25 makes ties of 2, 6, -2, -6; 127 saturates. */
static void qlinear_matmul_rounding(void **state)
{
    (void)state;
    nnh *h = nnh_new("QLinearMatMul", 8, 1, 10);
    nnh_input(h, 0, tq(DT_INT8, 2, (int64_t[]){5, 1}, (double[]){2, 6, -2, -6, 127}), false);
    nnh_input(h, 1, ts(DT_FLOAT, 0.5), true);
    nnh_input(h, 2, ts(DT_INT8, 0), true);
    nnh_input(h, 3, tq(DT_INT8, 2, (int64_t[]){1, 1}, (double[]){1}), true);
    nnh_input(h, 4, ts(DT_FLOAT, 0.5), true);
    nnh_input(h, 5, ts(DT_INT8, 0), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_INT8, 100), true);
    run_ok(h);
    /* 0.5, 1.5, -0.5, -1.5, 31.75 -> 0, 2, -0, -2, 32, plus 100; 132 saturates to 127 */
    expect(h, DT_INT8, 2, (int64_t[]){5, 1}, (double[]){100, 102, 100, 98, 127});
    nnh_free(h);
}

/* Per-column scales and zero points of B, per-row ones of A. */
static void qlinear_matmul_per_column(void **state)
{
    (void)state;
    nnh *h = nnh_new("QLinearMatMul", 8, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 2, (int64_t[]){2, 1}, (double[]){13, 14}), false);
    nnh_input(h, 1, tv(DT_FLOAT, 2, (double[]){1.0, 0.5}), true);
    nnh_input(h, 2, tv(DT_UINT8, 2, (double[]){10, 10}), true);
    nnh_input(h, 3, tq(DT_UINT8, 2, (int64_t[]){1, 2}, (double[]){2, 2}), true);
    nnh_input(h, 4, tv(DT_FLOAT, 2, (double[]){0.5, 2.0}), true);
    nnh_input(h, 5, tv(DT_UINT8, 2, (double[]){1, 0}), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_UINT8, 0), true);
    run_ok(h);
    /* A' = [3, 4], B' = [1, 2]: acc [[3, 6], [4, 8]], multipliers [[0.5, 2], [0.25, 1]] */
    expect(h, DT_UINT8, 2, (int64_t[]){2, 2}, (double[]){2, 12, 1, 8});
    nnh_free(h);
}

/* A NaN scale gives the output zero point everywhere (a defined value, not an undefined float cast). */
static void qlinear_matmul_nan_scale(void **state)
{
    (void)state;
    nnh *h = nnh_new("QLinearMatMul", 8, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 2, (int64_t[]){1, 2}, (double[]){3, 250}), false);
    nnh_input(h, 1, ts(DT_FLOAT, NAN), true);
    nnh_input(h, 2, ts(DT_UINT8, 0), true);
    nnh_input(h, 3, tq(DT_UINT8, 2, (int64_t[]){2, 1}, (double[]){1, 1}), true);
    nnh_input(h, 4, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 5, ts(DT_UINT8, 0), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_UINT8, 7), true);
    run_ok(h);
    expect(h, DT_UINT8, 2, (int64_t[]){1, 1}, (double[]){7});
    nnh_free(h);
}

/* A com.microsoft op of the harness (which looks rows up in the default domain). */
static nnh *ms_op(const char *op, int n_in)
{
    nnh *h = nnh_new(op, n_in, 1, 13);
    h->g->nodes[h->node].domain = graph_strdup(h->g, "com.microsoft");
    h->def = op_find("com.microsoft", op, 1);
    assert_non_null(h->def);
    return h;
}

/* QLinearAdd: A dequantizes to 0, 1, 2, 120, -5 and the scalar B to 0.5; sums 0.5, 1.5, 2.5, 120.5, -4.5
 * are ties, rounding to even, then shifted by C's zero point 100. */
static void qlinear_add_ties(void **state)
{
    (void)state;
    nnh *h = ms_op("QLinearAdd", 8);
    nnh_input(h, 0, tv(DT_UINT8, 5, (double[]){10, 12, 14, 250, 0}), false);
    nnh_input(h, 1, ts(DT_FLOAT, 0.5), true);
    nnh_input(h, 2, ts(DT_UINT8, 10), true);
    nnh_input(h, 3, tv(DT_UINT8, 1, (double[]){20}), true);
    nnh_input(h, 4, ts(DT_FLOAT, 0.25), true);
    nnh_input(h, 5, ts(DT_UINT8, 18), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_UINT8, 100), true);
    run_ok(h);
    expect(h, DT_UINT8, 1, (int64_t[]){5}, (double[]){100, 102, 102, 220, 96});
    nnh_free(h);
}

/* QLinearMul broadcasting [2, 1] by [3]: products 3, 6, 300, -3, -6, -300 times 0.25, rounded (1.5 and
 * -1.5 are ties), plus 100, saturating at 127. */
static void qlinear_mul_broadcast(void **state)
{
    (void)state;
    nnh *h = ms_op("QLinearMul", 8);
    nnh_input(h, 0, tq(DT_INT8, 2, (int64_t[]){2, 1}, (double[]){3, -3}), false);
    nnh_input(h, 1, ts(DT_FLOAT, 0.5), true);
    nnh_input(h, 2, ts(DT_INT8, 0), true);
    nnh_input(h, 3, tv(DT_INT8, 3, (double[]){1, 2, 100}), true);
    nnh_input(h, 4, ts(DT_FLOAT, 0.5), true);
    nnh_input(h, 5, ts(DT_INT8, 0), true);
    nnh_input(h, 6, ts(DT_FLOAT, 1.0), true);
    nnh_input(h, 7, ts(DT_INT8, 100), true);
    run_ok(h);
    expect(h, DT_INT8, 2, (int64_t[]){2, 3}, (double[]){101, 102, 127, 99, 98, 25});
    nnh_free(h);
}

/* A weight zero point whose length is neither 1 nor the output channels fails, naming the node. */
static void bad_zero_point(void **state)
{
    (void)state;
    nnh *h = nnh_new("ConvInteger", 4, 1, 10);
    nnh_input(h, 0, tq(DT_UINT8, 4, (int64_t[]){1, 1, 1, 1}, (double[]){1}), false);
    nnh_input(h, 1, tq(DT_UINT8, 4, (int64_t[]){2, 1, 1, 1}, (double[]){1, 2}), true);
    nnh_input(h, 2, ts(DT_UINT8, 0), true);
    nnh_input(h, 3, tv(DT_UINT8, 3, (double[]){0, 0, 0}), true);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_int_equal(h->stage, 3);
    assert_non_null(strstr(h->err.msg, "node 'n0' (ConvInteger)"));
    assert_non_null(strstr(h->err.msg, "weight zero point has 3 values"));
    nnh_free(h);
}

/* A float operand is refused by the load-time check. */
static void float_operand_refused(void **state)
{
    (void)state;
    nnh *h = nnh_new("MatMulInteger", 2, 1, 10);
    nnh_input(h, 0, tq(DT_FLOAT, 2, (int64_t[]){1, 1}, (double[]){1}), false);
    nnh_input(h, 1, tq(DT_UINT8, 2, (int64_t[]){1, 1}, (double[]){1}), true);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_int_equal(h->stage, 1);
    assert_non_null(strstr(h->err.msg, "MatMulInteger"));
    nnh_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv_integer_basic),
        cmocka_unit_test(conv_integer_padding),
        cmocka_unit_test(conv_integer_per_channel),
        cmocka_unit_test(qlinear_conv_rounding),
        cmocka_unit_test(matmul_integer_rows_cols),
        cmocka_unit_test(matmul_integer_batched),
        cmocka_unit_test(qlinear_matmul_rounding),
        cmocka_unit_test(qlinear_matmul_per_column),
        cmocka_unit_test(qlinear_matmul_nan_scale),
        cmocka_unit_test(qlinear_add_ties),
        cmocka_unit_test(qlinear_mul_broadcast),
        cmocka_unit_test(bad_zero_point),
        cmocka_unit_test(float_operand_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
