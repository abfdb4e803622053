/* Cross-layer equalization and high-bias absorption: the model's outputs stay the same, the two layers'
 * per-channel ranges end up equal, and what cannot be equalized is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "ptq_fixtures.h"

/* Scales output channel c of a Conv weight [O, ...] by k[c]: unbalanced ranges to equalize. */
static void skew(graph *g, const char *name, const float *k)
{
    tensor *w = g->values[graph_find_value(g, name)].init;
    int64_t per = tensor_numel(w) / w->dims[0];
    for (int64_t c = 0; c < w->dims[0]; c++)
        for (int64_t i = 0; i < per; i++)
            ((float *)w->data)[c * per + i] *= k[c];
}

static float channel_absmax(const tensor *w, int64_t c, bool input_channel)
{
    float m = 0;
    int64_t sp = tensor_numel(w) / (w->dims[0] * w->dims[1]);
    for (int64_t o = 0; o < w->dims[0]; o++)
        for (int64_t i = 0; i < w->dims[1]; i++)
            if ((input_channel ? i : o) == c)
                for (int64_t k = 0; k < sp; k++)
                    m = fmaxf(m, fabsf(((float *)w->data)[(o * w->dims[1] + i) * sp + k]));
    return m;
}

static void set_ints(graph *g, int n, const char *name, int count, const int64_t *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_INTS);
    a->n = count;
    a->ints = graph_alloc(g, sizeof(int64_t) * (size_t)count);
    memcpy(a->ints, v, sizeof(int64_t) * (size_t)count);
}

/* x -> Conv(3->4, pad 1) -> Relu -> MaxPool -> depthwise Conv(4) -> Conv 1x1 (4->2) -> y */
static graph *chain(float bias_shift)
{
    graph *g = graph_new();
    int64_t w1[4] = {4, 3, 3, 3}, w2[4] = {4, 1, 3, 3}, w3[4] = {2, 4, 1, 1}, c4 = 4, c2 = 2;
    fx_const(g, "c1.weight", 4, w1, NULL, 1);
    int b1 = fx_const(g, "c1.bias", 1, &c4, NULL, 2);
    fx_const(g, "dw.weight", 4, w2, NULL, 3);
    fx_const(g, "dw.bias", 1, &c4, NULL, 4);
    fx_const(g, "c3.weight", 4, w3, NULL, 5);
    fx_const(g, "c3.bias", 1, &c2, NULL, 6);
    for (int c = 0; c < 4; c++)
        ((float *)g->values[b1].init->data)[c] += bias_shift;
    int n1 = fx_node(g, "Conv", "/c1/Conv", "x,c1.weight,c1.bias", "t1");
    set_ints(g, n1, "pads", 4, (int64_t[]){1, 1, 1, 1});
    fx_node(g, "Relu", "/relu/Relu", "t1", "r1");
    int mp = fx_node(g, "MaxPool", "/pool/MaxPool", "r1", "p1");
    set_ints(g, mp, "kernel_shape", 2, (int64_t[]){2, 2});
    set_ints(g, mp, "strides", 2, (int64_t[]){2, 2});
    int dw = fx_node(g, "Conv", "/dw/Conv", "p1,dw.weight,dw.bias", "t2");
    graph_attr_set(g, dw, "group", ATTR_INT)->i = 4;
    fx_node(g, "Conv", "/c3/Conv", "t2,c3.weight,c3.bias", "y");
    fx_io(g, "x", "y");
    skew(g, "c1.weight", (float[]){8, 0.25f, 1, 3});
    skew(g, "dw.weight", (float[]){0.5f, 4, 2, 0.1f});
    return g;
}

static void equalizes_and_keeps_outputs(void **state)
{
    (void)state;
    graph *g = chain(0);
    int64_t xd[4] = {2, 3, 8, 8};
    tensor *x = fx_input(4, xd, 1), *before = fx_run(g, x);
    ptq_cle_stats st;
    qrc_err e = {0};
    assert_int_equal(ptq_cle(g, false, 0, NULL, NULL, NULL, 1, &st, &e), 0);
    assert_int_equal(st.pairs, 2); /* c1 -> dw through Relu and MaxPool, dw -> c3 */
    assert_true(st.range_ratio_before > 2 && st.range_ratio_after < 1.01);
    tensor *after = fx_run(g, x);
    double err = fx_rel_err(after, before);
    if (err > 1e-5)
        fail_msg("outputs changed by %g", err);
    /* ranges: c1's output channels equal dw's, dw's equal c3's input channels */
    const tensor *w1 = g->values[graph_find_value(g, "c1.weight")].init;
    const tensor *w2 = g->values[graph_find_value(g, "dw.weight")].init;
    const tensor *w3 = g->values[graph_find_value(g, "c3.weight")].init;
    for (int c = 0; c < 4; c++) {
        assert_float_equal(channel_absmax(w1, c, false), channel_absmax(w2, c, false), 1e-3);
        assert_float_equal(channel_absmax(w2, c, false), channel_absmax(w3, c, true), 1e-3);
    }
    tensor_free(x);
    tensor_free(before);
    tensor_free(after);
    graph_free(g);
}

/* A Relu whose input never goes below a margin passes that margin to the next layer's bias: exact on
 * the data seen, and only where the next layer pads nothing (c1 -> dw is padded, so it keeps its bias). */
static void absorbs_high_bias(void **state)
{
    (void)state;
    graph *g = chain(0);
    /* dw now pads nothing and its output feeds c3 through a Relu */
    int dw = fx_node_of(g, "/dw/Conv");
    int t2 = g->nodes[dw].out[0], c3 = fx_node_of(g, "/c3/Conv");
    int r2 = graph_value_get(g, "r2");
    graph_node_add(g, "Relu", "/relu2/Relu", 1, &t2, 1, &r2);
    graph_node_set_io(g, c3, 3, (int[]){r2, g->nodes[c3].in[1], g->nodes[c3].in[2]}, -1, NULL);
    float *bdw = g->values[graph_find_value(g, "dw.bias")].init->data;
    for (int c = 0; c < 4; c++)
        bdw[c] += 40; /* far above anything the weights can subtract */
    int64_t xd[4] = {2, 3, 8, 8};
    tensor *x = fx_input(4, xd, 2), *before = fx_run(g, x);
    ptq_cle_stats st;
    qrc_err e = {0};
    fx_one_batch data = {x, false};
    if (ptq_cle(g, true, 1, (const char *[]){"x"}, fx_give, &data, 1, &st, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(st.pairs, 2);
    assert_int_equal(st.absorbed, 1);
    for (int c = 0; c < 4; c++)
        assert_true(bdw[c] < 40); /* the margin moved on (after equalization's scaling) */
    tensor *after = fx_run(g, x);
    double err = fx_rel_err(after, before);
    if (err > 1e-5)
        fail_msg("outputs changed by %g", err);
    tensor_free(x);
    tensor_free(before);
    tensor_free(after);
    graph_free(g);
}

/* Shared weights, a second reader of the tensor between the layers, or a grouped (not depthwise) second
 * layer: no pair. */
static void leaves_what_it_cannot_equalize(void **state)
{
    (void)state;
    graph *g = graph_new();
    int64_t w1[4] = {4, 3, 1, 1}, w2[4] = {4, 2, 1, 1}, w3[4] = {4, 4, 1, 1};
    fx_const(g, "a.weight", 4, w1, NULL, 1);
    fx_const(g, "b.weight", 4, w2, NULL, 2);
    fx_const(g, "c.weight", 4, w3, NULL, 3);
    fx_node(g, "Conv", "/a/Conv", "x,a.weight", "t1");
    int b = fx_node(g, "Conv", "/b/Conv", "t1,b.weight", "t2");
    graph_attr_set(g, b, "group", ATTR_INT)->i = 2;
    fx_node(g, "Conv", "/c/Conv", "t2,c.weight", "t3");
    fx_node(g, "Add", "/Add", "t2,t3", "y");
    fx_io(g, "x", "y");
    qrc_err e = {0};
    assert_int_equal(graph_reindex(g, &e), 0);
    ptq_cle_stats st;
    assert_int_equal(ptq_cle(g, false, 0, NULL, NULL, NULL, 1, &st, &e), 0);
    assert_int_equal(st.pairs, 0);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equalizes_and_keeps_outputs),
        cmocka_unit_test(absorbs_high_bias),
        cmocka_unit_test(leaves_what_it_cannot_equalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
