/* Bias correction: with the corrected bias, the layer with quantized weights has the float layer's mean
 * output on the data the statistics came from (exact for Gemm and 1x1 convolutions); layers it cannot
 * correct are counted as skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ptq_fixtures.h"

/* Mean over everything but axis 1 of an [N, C, ...] tensor, channel c. */
static double channel_mean(const tensor *t, int64_t c)
{
    int64_t ch = t->dims[1], sp = tensor_numel(t) / (t->dims[0] * ch);
    double s = 0;
    for (int64_t b = 0; b < t->dims[0]; b++)
        for (int64_t k = 0; k < sp; k++)
            s += ((const float *)t->data)[(b * ch + c) * sp + k];
    return s / (double)(t->dims[0] * sp);
}

/* A coarse 4-bit per-tensor grid over the weight's range: a visible error to correct. */
static quant_encoding coarse(const tensor *w)
{
    quant_format f = {QUANT_INT, 4, true, false, false};
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

/* One layer, x -> layer -> y; checks the corrected layer's mean output against float's. */
static void check_layer(graph *g, int node, int rank, const int64_t *xd)
{
    tensor *x = fx_input(rank, xd, 5);
    /* inputs with a channel-dependent offset, so E[x] matters */
    int64_t ch = xd[1], sp = tensor_numel(x) / (xd[0] * ch);
    for (int64_t b = 0; b < xd[0]; b++)
        for (int64_t c = 0; c < ch; c++)
            for (int64_t k = 0; k < sp; k++)
                ((float *)x->data)[(b * ch + c) * sp + k] += (float)(c + 1);
    tensor *want = fx_run(g, x);
    tensor *w = g->values[g->nodes[node].in[1]].init;
    quant_encoding enc = coarse(w);
    ptq_weight pw = {node, &enc, 1, -1};
    fx_one_batch data = {x, false};
    ptq_bc_stats st;
    qrc_err e = {0};
    if (ptq_bias_correction(g, &pw, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, &st, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(st.corrected, 1);
    assert_int_equal(st.samples, xd[0]);
    assert_true(st.mean_abs_shift > 1e-4);
    quant_fake_quant(&enc, w->data, w->data, (size_t)tensor_numel(w)); /* the layer as quantized */
    tensor *got = fx_run(g, x);
    for (int64_t c = 0; c < want->dims[1]; c++)
        assert_float_equal(channel_mean(got, c), channel_mean(want, c), 1e-4);
    tensor_free(x);
    tensor_free(want);
    tensor_free(got);
}

static void gemm_mean_restored(void **state)
{
    (void)state;
    for (int trans_b = 0; trans_b < 2; trans_b++) {
        graph *g = graph_new();
        int n = fx_fc_layer(g, trans_b, 6, 5, 1);
        check_layer(g, n, 2, (int64_t[]){16, 6});
        graph_free(g);
    }
}

static void pointwise_and_depthwise_conv_mean_restored(void **state)
{
    (void)state;
    for (int depthwise = 0; depthwise < 2; depthwise++) {
        graph *g = graph_new();
        int64_t wd[4] = {4, depthwise ? 1 : 4, 1, 1}, c = 4;
        fx_const(g, "conv.weight", 4, wd, NULL, 3);
        fx_const(g, "conv.bias", 1, &c, NULL, 4);
        int n = fx_node(g, "Conv", "/conv/Conv", "x,conv.weight,conv.bias", "y");
        graph_attr_set(g, n, "group", ATTR_INT)->i = depthwise ? 4 : 1;
        fx_io(g, "x", "y");
        check_layer(g, n, 4, (int64_t[]){3, 4, 5, 5});
        graph_free(g);
    }
}

static void layer_without_bias_is_skipped(void **state)
{
    (void)state;
    graph *g = graph_new();
    int64_t wd[4] = {2, 3, 1, 1};
    fx_const(g, "conv.weight", 4, wd, NULL, 3);
    int n = fx_node(g, "Conv", "/conv/Conv", "x,conv.weight", "y");
    fx_io(g, "x", "y");
    qrc_err e = {0};
    assert_int_equal(graph_reindex(g, &e), 0);
    quant_encoding enc = coarse(g->values[g->nodes[n].in[1]].init);
    ptq_weight pw = {n, &enc, 1, -1};
    tensor *x = fx_input(4, (int64_t[]){1, 3, 2, 2}, 1);
    fx_one_batch data = {x, false};
    ptq_bc_stats st;
    assert_int_equal(ptq_bias_correction(g, &pw, 1, 1, (const char *[]){"x"}, fx_give, &data, 1, &st, &e), 0);
    assert_int_equal(st.corrected, 0);
    assert_int_equal(st.skipped, 1);
    tensor_free(x);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_mean_restored),
        cmocka_unit_test(pointwise_and_depthwise_conv_mean_restored),
        cmocka_unit_test(layer_without_bias_is_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
