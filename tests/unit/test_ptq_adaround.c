/* AdaRound: the output error it reports for nearest rounding is the layer's real mean squared output
 * error (which checks the im2col second moments), the learned rounding lowers it, and the weights it
 * writes lie on the encodings' grid, each rounded down or up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ptq_fixtures.h"

static quant_encoding grid(const tensor *w, int bits)
{
    quant_format f = {QUANT_INT, bits, true, false, false};
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < tensor_numel(w); i++) {
        lo = fminf(lo, ((float *)w->data)[i]);
        hi = fmaxf(hi, ((float *)w->data)[i]);
    }
    quant_encoding enc;
    qrc_err e;
    assert_int_equal(quant_encoding_from_range(&f, lo, hi, &enc, &e), 0);
    return enc;
}

static double mse(const tensor *a, const tensor *b)
{
    double s = 0;
    for (int64_t i = 0; i < tensor_numel(a); i++) {
        double d = (double)((float *)a->data)[i] - ((float *)b->data)[i];
        s += d * d;
    }
    return s / (double)tensor_numel(a);
}

/* Learns the rounding of node n's weight; checks the error report and the grid. */
static void check(graph *g, int n, const tensor *x)
{
    tensor *w = g->values[g->nodes[n].in[1]].init, *orig = tensor_clone(w, NULL);
    quant_encoding enc = grid(w, 4);
    /* the real output error of nearest rounding */
    tensor *want = fx_run(g, x);
    quant_fake_quant(&enc, orig->data, w->data, (size_t)tensor_numel(w));
    tensor *nearest = fx_run(g, x);
    double err_nearest = mse(nearest, want);
    memcpy(w->data, orig->data, tensor_nbytes(w));

    ptq_weight pw = {n, &enc, 1, -1};
    ptq_adaround_opts o = {2000, 0.01, 20, 2, 0.2};
    ptq_adaround_stats st;
    fx_one_batch data = {x, false};
    qrc_err e = {0};
    if (ptq_adaround(g, &pw, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, &o, &st, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(st.layers, 1);
    assert_int_equal(st.samples, x->dims[0]);
    if (fabs(st.error_nearest - err_nearest) > 1e-3 * err_nearest)
        fail_msg("reported nearest-rounding error %g, measured %g", st.error_nearest, err_nearest);
    if (!(st.error_adaround < 0.95 * st.error_nearest))
        fail_msg("adaround error %g not below nearest %g", st.error_adaround, st.error_nearest);
    tensor *got = fx_run(g, x);
    assert_float_equal(mse(got, want), st.error_adaround, 1e-3 * st.error_adaround + 1e-9);
    for (int64_t i = 0; i < tensor_numel(w); i++) {
        double code = ((float *)w->data)[i] / enc.scale, down = floor(((float *)orig->data)[i] / enc.scale);
        assert_float_equal(code, nearbyint(code), 1e-3);
        assert_true(code >= enc.offset - 1e-3 && code <= enc.offset + 15 + 1e-3);
        assert_true(fabs(code - down) < 1e-3 || fabs(code - down - 1) < 1e-3 || code <= enc.offset + 1e-3 ||
                    code >= enc.offset + 15 - 1e-3);
    }
    tensor_free(orig);
    tensor_free(want);
    tensor_free(nearest);
    tensor_free(got);
}

static void gemm_rounding_learned(void **state)
{
    (void)state;
    for (int trans_b = 0; trans_b < 2; trans_b++) {
        graph *g = graph_new();
        int n = fx_fc_layer(g, trans_b, 12, 6, 7);
        tensor *x = fx_input(2, (int64_t[]){64, 12}, 3);
        check(g, n, x);
        tensor_free(x);
        graph_free(g);
    }
}

static void padded_strided_conv_rounding_learned(void **state)
{
    (void)state;
    graph *g = graph_new();
    int n = fx_padded_strided_conv(g);
    tensor *x = fx_input(4, (int64_t[]){4, 3, 7, 6}, 4);
    check(g, n, x);
    tensor_free(x);
    graph_free(g);
}

static void grouped_conv_is_skipped(void **state)
{
    (void)state;
    graph *g = graph_new();
    int n = fx_grouped_conv(g);
    qrc_err e = {0};
    quant_encoding enc = grid(g->values[g->nodes[n].in[1]].init, 4);
    ptq_weight pw = {n, &enc, 1, -1};
    ptq_adaround_opts o = {10, 0.01, 20, 2, 0.2};
    ptq_adaround_stats st;
    tensor *x = fx_input(4, (int64_t[]){1, 4, 2, 2}, 1);
    fx_one_batch data = {x, false};
    assert_int_equal(ptq_adaround(g, &pw, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, &o, &st, &e), 0);
    assert_int_equal(st.layers, 0);
    assert_int_equal(st.skipped, 1);
    tensor_free(x);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_rounding_learned),
        cmocka_unit_test(padded_strided_conv_rounding_learned),
        cmocka_unit_test(grouped_conv_is_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
