/* Sequential MSE: the output errors it reports are the layer's real mean squared output errors, the
 * ranges it chooses never do worse than min/max on the layer's output (per channel and per tensor, Gemm
 * either way round and a padded strided Conv), and clearly better when a few weights are outliers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ptq_fixtures.h"

static double mse(const tensor *a, const tensor *b)
{
    double s = 0;
    for (int64_t i = 0; i < tensor_numel(a); i++) {
        double d = (double)((float *)a->data)[i] - ((float *)b->data)[i];
        s += d * d;
    }
    return s / (double)tensor_numel(a);
}

/* The layer's output error with its weight quantized by encs (along axis, or one per tensor). */
static double output_error(graph *g, int n, const tensor *x, const quant_encoding *encs, int n_encs, int axis,
                           const tensor *want)
{
    tensor *w = g->values[g->nodes[n].in[1]].init, *orig = tensor_clone(w, NULL);
    qrc_err e = {0};
    if (n_encs > 1)
        assert_int_equal(quant_fake_quant_axis(encs, n_encs, orig->data, w->data, w->rank, w->dims, axis, &e), 0);
    else
        quant_fake_quant(encs, orig->data, w->data, (size_t)tensor_numel(w));
    tensor *got = fx_run(g, x);
    double err = mse(got, want);
    memcpy(w->data, orig->data, tensor_nbytes(w));
    tensor_free(got);
    tensor_free(orig);
    return err;
}

/* Searches node n's weight at 4 bits along axis (-1: per tensor) and checks the result against min/max. */
static void check(graph *g, int n, const tensor *x, int axis, bool outliers)
{
    tensor *w = g->values[g->nodes[n].in[1]].init;
    if (outliers) /* a few large weights stretch min/max's grid over the rest */
        for (int64_t i = 0; i < tensor_numel(w); i += 31)
            ((float *)w->data)[i] *= 8.0f;
    int n_encs = axis < 0 ? 1 : (int)w->dims[axis];
    quant_format f = {QUANT_INT, 4, true, false, false};
    quant_encoding *chosen = calloc((size_t)n_encs, sizeof *chosen), *minmax = calloc((size_t)n_encs, sizeof *minmax);
    quant_observer *o = quant_observer_new(QUANT_SCHEME_TF, n_encs, 0, NULL);
    qrc_err e = {0};
    assert_int_equal(quant_observer_update(o, w->data, w->rank, w->dims, axis, &e), 0);
    assert_int_equal(quant_observer_encodings(o, &f, minmax, &e), 0);
    quant_observer_free(o);

    tensor *want = fx_run(g, x);
    ptq_range r = {n, f, axis, chosen, n_encs, false};
    ptq_seq_mse_stats st;
    fx_one_batch data = {x, false};
    if (ptq_seq_mse(g, &r, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, 20, &st, &e))
        fail_msg("%s", e.msg);
    assert_true(r.searched);
    assert_int_equal(st.layers, 1);
    assert_int_equal(st.samples, x->dims[0]);
    double err_minmax = output_error(g, n, x, minmax, n_encs, axis, want);
    double err_chosen = output_error(g, n, x, chosen, n_encs, axis, want);
    /* The reports are the real output errors (the candidate at factor 1 is min/max itself). */
    if (fabs(st.error_minmax - err_minmax) > 1e-3 * err_minmax)
        fail_msg("reported min/max error %g, measured %g", st.error_minmax, err_minmax);
    if (fabs(st.error_seq_mse - err_chosen) > 1e-3 * err_chosen + 1e-12)
        fail_msg("reported seq_mse error %g, measured %g", st.error_seq_mse, err_chosen);
    if (!(err_chosen <= err_minmax * (1 + 1e-6)))
        fail_msg("seq_mse error %g above min/max %g", err_chosen, err_minmax);
    if (outliers && !(err_chosen < 0.9 * err_minmax))
        fail_msg("with outliers seq_mse error %g is not clearly below min/max %g", err_chosen, err_minmax);
    for (int i = 0; i < n_encs; i++)
        assert_true(chosen[i].scale > 0 && chosen[i].scale <= minmax[i].scale * (1 + 1e-6));
    free(chosen);
    free(minmax);
    tensor_free(want);
}

static void gemm_never_worse_than_min_max(void **state)
{
    (void)state;
    for (int trans_b = 0; trans_b < 2; trans_b++)
        for (int per_channel = 0; per_channel < 2; per_channel++)
            for (int outliers = 0; outliers < 2; outliers++) {
                graph *g = graph_new();
                int n = fx_fc_layer(g, trans_b, 24, 6, 7);
                tensor *x = fx_input(2, (int64_t[]){64, 24}, 3);
                check(g, n, x, per_channel ? (trans_b ? 0 : 1) : -1, outliers);
                tensor_free(x);
                graph_free(g);
            }
}

static void conv_never_worse_than_min_max(void **state)
{
    (void)state;
    for (int per_channel = 0; per_channel < 2; per_channel++) {
        graph *g = graph_new();
        int n = fx_padded_strided_conv(g);
        tensor *x = fx_input(4, (int64_t[]){4, 3, 7, 6}, 4);
        check(g, n, x, per_channel ? 0 : -1, true);
        tensor_free(x);
        graph_free(g);
    }
}

static void grouped_conv_is_left_to_calibration(void **state)
{
    (void)state;
    graph *g = graph_new();
    int n = fx_grouped_conv(g);
    qrc_err e = {0};
    quant_encoding enc = {0};
    ptq_range r = {n, {QUANT_INT, 8, true, false, false}, -1, &enc, 1, true};
    ptq_seq_mse_stats st;
    tensor *x = fx_input(4, (int64_t[]){1, 4, 2, 2}, 1);
    fx_one_batch data = {x, false};
    assert_int_equal(ptq_seq_mse(g, &r, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, 20, &st, &e), 0);
    assert_false(r.searched);
    assert_int_equal(st.layers, 0);
    assert_int_equal(st.skipped, 1);
    assert_true(enc.scale == 0); /* untouched */
    assert_int_equal(ptq_seq_mse(g, &r, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, 0, &st, &e), -1);
    tensor_free(x);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_never_worse_than_min_max),
        cmocka_unit_test(conv_never_worse_than_min_max),
        cmocka_unit_test(grouped_conv_is_left_to_calibration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
