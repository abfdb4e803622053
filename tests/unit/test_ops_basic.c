/* Kernel-level tests of the basic ops for behaviour the ONNX backend test data does not reach:
 * errors that name the node, quantization rounding and saturation, per-axis and 16-bit/4-bit types,
 * the com.microsoft domain, opset-dependent forms, load-time rejection and inference failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"
#include "op.h"
#include "ops/kern.h"

typedef struct fx {
    graph *g;
    int node;
    const tensor *in[8];
    tensor *out[8];
    qrc_err e;
} fx;

static graph *mkgraph(const char *domain, int64_t opset)
{
    graph *g = graph_new();
    g->opsets = graph_alloc(g, 2 * sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = opset;
    g->opsets[1].domain = graph_strdup(g, "com.microsoft");
    g->opsets[1].version = 1;
    g->n_opsets = 2;
    (void)domain;
    return g;
}

/* A node op with n_in inputs x0.. and n_out outputs y0.. named "n1". */
static void fx_init(fx *f, const char *domain, const char *op, int64_t opset, int n_in, int n_out)
{
    memset(f, 0, sizeof *f);
    f->g = mkgraph(domain, opset);
    int in[8], out[8];
    char name[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        in[i] = graph_value_get(f->g, name);
    }
    for (int i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "y%d", i);
        out[i] = graph_value_get(f->g, name);
    }
    f->node = graph_node_add(f->g, op, "n1", n_in, in, n_out, out);
    f->g->nodes[f->node].domain = graph_strdup(f->g, domain);
}

static void fx_free(fx *f)
{
    for (int i = 0; i < 8; i++)
        tensor_free(f->out[i]), tensor_free((tensor *)f->in[i]);
    graph_free(f->g);
}

static graph_node *fx_node(fx *f)
{
    return &f->g->nodes[f->node];
}

static void set_ints(fx *f, const char *name, int n, const int64_t *v)
{
    graph_attr *a = graph_attr_set(f->g, f->node, name, ATTR_INTS);
    a->ints = graph_alloc(f->g, (size_t)n * sizeof *v);
    memcpy(a->ints, v, (size_t)n * sizeof *v);
    a->n = n;
}

static void set_int(fx *f, const char *name, int64_t v)
{
    graph_attr_set(f->g, f->node, name, ATTR_INT)->i = v;
}

static tensor *mk(tensor_dtype dt, int rank, const int64_t *dims, const void *data)
{
    qrc_err e;
    tensor *t = tensor_new(dt, rank, dims, &e);
    assert_non_null(t);
    if (tensor_nbytes(t))
        memcpy(t->data, data, tensor_nbytes(t));
    return t;
}

/* Declares input i's dtype/shape in the graph (for check and infer). */
static void declare(fx *f, int i, const tensor *t)
{
    graph_value *v = &f->g->values[fx_node(f)->in[i]];
    v->dtype = t->dtype;
    v->rank = t->rank;
    memcpy(v->dims, t->dims, sizeof v->dims);
}

static const op_def *def_of(fx *f)
{
    const graph_node *n = fx_node(f);
    const op_def *d = op_find(n->domain, n->op_type, graph_opset_version(f->g, n->domain));
    assert_non_null(d);
    return d;
}

static int fx_check(fx *f)
{
    const op_def *d = def_of(f);
    return d->check ? d->check(f->g, fx_node(f), &f->e) : 0;
}

static int fx_run_threads(fx *f, int n_in, int threads)
{
    const op_def *d = def_of(f);
    const graph_node *n = fx_node(f);
    op_ctx ctx = {.graph = f->g, .node = n, .n_in = n_in, .in = f->in, .n_out = n->n_out, .out = f->out,
                  .threads = threads, .err = &f->e};
    return d->run(&ctx);
}

static int fx_run(fx *f, int n_in)
{
    const op_def *d = def_of(f);
    const graph_node *n = fx_node(f);
    op_ctx ctx = {.graph = f->g, .node = n, .n_in = n_in, .in = f->in, .n_out = n->n_out, .out = f->out,
                  .threads = 1, .err = &f->e};
    return d->run(&ctx);
}

static void gather_out_of_range_names_node(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Gather", 13, 2, 1);
    float data[] = {1, 2, 3};
    int64_t idx[] = {0, 3};
    int64_t d3[] = {3}, d2[] = {2};
    f.in[0] = mk(DT_FLOAT, 1, d3, data);
    f.in[1] = mk(DT_INT64, 1, d2, idx);
    assert_int_equal(fx_run(&f, 2), -1);
    assert_non_null(strstr(f.e.msg, "'n1'"));
    assert_non_null(strstr(f.e.msg, "out of range"));
    idx[1] = -3; /* negative counts from the end */
    tensor_free((tensor *)f.in[1]);
    f.in[1] = mk(DT_INT64, 1, d2, idx);
    assert_int_equal(fx_run(&f, 2), 0);
    assert_true(((float *)f.out[0]->data)[1] == 1.0f);
    fx_free(&f);
}

static void quantize_rounds_half_even_and_saturates(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "QuantizeLinear", 13, 3, 1);
    float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.0f, -1000.0f, 0.49f};
    int64_t d8[] = {8};
    float s = 1.0f;
    int8_t z = 0;
    f.in[0] = mk(DT_FLOAT, 1, d8, x);
    f.in[1] = mk(DT_FLOAT, 0, NULL, &s);
    f.in[2] = mk(DT_INT8, 0, NULL, &z);
    assert_int_equal(fx_run(&f, 3), 0);
    assert_int_equal(f.out[0]->dtype, DT_INT8);
    const int8_t want[] = {0, 2, 2, 0, -2, 127, -128, 0};
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);
}

static void quantize_per_axis_int16_and_uint16(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "QuantizeLinear", 21, 3, 1);
    float x[] = {1, 2, 3, -4, -5, 6};
    int64_t d23[] = {2, 3}, d3[] = {3};
    float s[] = {1, 2, 4};
    int16_t z[] = {0, 1, -1};
    f.in[0] = mk(DT_FLOAT, 2, d23, x);
    f.in[1] = mk(DT_FLOAT, 1, d3, s);
    f.in[2] = mk(DT_INT16, 1, d3, z);
    set_int(&f, "axis", 1);
    for (int i = 0; i < 3; i++)
        declare(&f, i, f.in[i]);
    assert_int_equal(fx_check(&f), 0);
    assert_int_equal(fx_run(&f, 3), 0);
    const int16_t want[] = {1, 2, 0, -4, -1, 1}; /* 3/4 = .75 -> 1 -1 = 0; -5/2 = -2.5 -> -2 +1; 6/4 = 1.5 -> 2 -1 */
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);

    fx_init(&f, "", "QuantizeLinear", 21, 3, 1);
    float y[] = {-1, 0, 70000};
    uint16_t zu = 10;
    float one = 1;
    f.in[0] = mk(DT_FLOAT, 1, d3, y);
    f.in[1] = mk(DT_FLOAT, 0, NULL, &one);
    f.in[2] = mk(DT_UINT16, 0, NULL, &zu);
    assert_int_equal(fx_run(&f, 3), 0);
    const uint16_t wu[] = {9, 10, 65535};
    assert_memory_equal(f.out[0]->data, wu, sizeof wu);
    fx_free(&f);
}

static void quantize_int4_saturates_to_four_bits(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "QuantizeLinear", 21, 3, 1);
    float x[] = {-20, -8, 7, 20};
    int64_t d4[] = {4};
    float s = 1;
    int8_t z = 0;
    f.in[0] = mk(DT_FLOAT, 1, d4, x);
    f.in[1] = mk(DT_FLOAT, 0, NULL, &s);
    f.in[2] = mk(DT_INT4, 0, NULL, &z);
    assert_int_equal(fx_run(&f, 3), 0);
    assert_int_equal(f.out[0]->dtype, DT_INT4);
    const int8_t want[] = {-8, -8, 7, 7};
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);
}

static void dequantize_microsoft_domain_int16_per_axis(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "com.microsoft", "DequantizeLinear", 1, 3, 1);
    int16_t x[] = {10, 20, 30, 40};
    int64_t d22[] = {2, 2}, d2[] = {2};
    float s[] = {0.5f, 0.25f};
    int16_t z[] = {10, -20};
    f.in[0] = mk(DT_INT16, 2, d22, x);
    f.in[1] = mk(DT_FLOAT, 1, d2, s);
    f.in[2] = mk(DT_INT16, 1, d2, z);
    set_int(&f, "axis", 0);
    assert_int_equal(fx_run(&f, 3), 0);
    const float want[] = {0.0f, 5.0f, 12.5f, 15.0f};
    for (int i = 0; i < 4; i++)
        assert_float_equal(((float *)f.out[0]->data)[i], want[i], 1e-6);
    fx_free(&f);
}

static void check_rejects_unknown_attribute_naming_node(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Relu", 14, 1, 1);
    set_int(&f, "bogus", 1);
    assert_int_equal(fx_check(&f), -1);
    assert_non_null(strstr(f.e.msg, "'n1'"));
    assert_non_null(strstr(f.e.msg, "bogus"));
    fx_free(&f);

    fx_init(&f, "", "Pad", 13, 2, 1);
    graph_attr *m = graph_attr_set(f.g, f.node, "mode", ATTR_STRING);
    m->s = graph_strdup(f.g, "wrap");
    assert_int_equal(fx_check(&f), -1);
    assert_non_null(strstr(f.e.msg, "wrap"));
    fx_free(&f);
}

static void infer_rejects_impossible_broadcast(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Add", 14, 2, 1);
    int64_t a[] = {2, 3}, b[] = {4};
    tensor *ta = tensor_view(DT_FLOAT, 2, a, NULL), *tb = tensor_view(DT_FLOAT, 1, b, NULL);
    declare(&f, 0, ta);
    declare(&f, 1, tb);
    const op_def *d = def_of(&f);
    assert_int_equal(d->infer(f.g, fx_node(&f), &f.e), -1);
    assert_non_null(strstr(f.e.msg, "'n1'"));
    /* unknown dims broadcast against known ones */
    f.g->values[fx_node(&f)->in[1]].dims[0] = -1;
    f.g->values[fx_node(&f)->in[1]].rank = 2;
    f.g->values[fx_node(&f)->in[1]].dims[1] = 3;
    assert_int_equal(d->infer(f.g, fx_node(&f), &f.e), 0);
    graph_value *y = &f.g->values[fx_node(&f)->out[0]];
    assert_int_equal(y->rank, 2);
    assert_int_equal(y->dims[0], 2);
    assert_int_equal(y->dims[1], 3);
    tensor_free(ta);
    tensor_free(tb);
    fx_free(&f);
}

static void gelu_both_approximations(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++) {
        fx f;
        fx_init(&f, "", "Gelu", 20, 1, 1);
        if (t) {
            graph_attr *a = graph_attr_set(f.g, f.node, "approximate", ATTR_STRING);
            a->s = graph_strdup(f.g, "tanh");
        }
        float x[] = {-2, -0.5f, 0, 1, 3};
        int64_t d[] = {5};
        f.in[0] = mk(DT_FLOAT, 1, d, x);
        assert_int_equal(fx_check(&f), 0);
        assert_int_equal(fx_run(&f, 1), 0);
        for (int i = 0; i < 5; i++) {
            double v = x[i];
            double want = t ? 0.5 * v * (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)))
                            : 0.5 * v * (1 + erf(v / sqrt(2)));
            assert_float_equal(((float *)f.out[0]->data)[i], want, 1e-5);
        }
        fx_free(&f);
    }
}

static void clip_int8_with_bound_inputs(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Clip", 13, 3, 1);
    int8_t x[] = {-100, -5, 0, 5, 100};
    int64_t d[] = {5};
    int8_t lo = -10, hi = 10;
    f.in[0] = mk(DT_INT8, 1, d, x);
    f.in[1] = mk(DT_INT8, 0, NULL, &lo);
    f.in[2] = mk(DT_INT8, 0, NULL, &hi);
    assert_int_equal(fx_run(&f, 3), 0);
    const int8_t want[] = {-10, -5, 0, 5, 10};
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);
}

static void reduce_mean_axes_input_and_noop(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "ReduceMean", 18, 2, 1);
    float x[] = {1, 2, 3, 4, 5, 6};
    int64_t d[] = {2, 3}, one[] = {1};
    int64_t ax[] = {-1};
    f.in[0] = mk(DT_FLOAT, 2, d, x);
    f.in[1] = mk(DT_INT64, 1, one, ax);
    set_int(&f, "keepdims", 0);
    assert_int_equal(fx_run(&f, 2), 0);
    assert_int_equal(f.out[0]->rank, 1);
    assert_float_equal(((float *)f.out[0]->data)[0], 2.0, 1e-6);
    assert_float_equal(((float *)f.out[0]->data)[1], 5.0, 1e-6);
    /* no axes with noop_with_empty_axes: identity */
    set_int(&f, "noop_with_empty_axes", 1);
    assert_int_equal(fx_run(&f, 1), 0);
    assert_int_equal(f.out[0]->rank, 2);
    assert_memory_equal(f.out[0]->data, x, sizeof x);
    fx_free(&f);
}

static void pad_reflect_and_edge(void **state)
{
    (void)state;
    const char *modes[] = {"reflect", "edge"};
    const float want[2][7] = {{3, 2, 1, 2, 3, 2, 1}, {1, 1, 1, 2, 3, 3, 3}};
    for (int m = 0; m < 2; m++) {
        fx f;
        fx_init(&f, "", "Pad", 13, 2, 1);
        graph_attr *a = graph_attr_set(f.g, f.node, "mode", ATTR_STRING);
        a->s = graph_strdup(f.g, modes[m]);
        float x[] = {1, 2, 3};
        int64_t d[] = {3}, dp[] = {2}, pads[] = {2, 2};
        f.in[0] = mk(DT_FLOAT, 1, d, x);
        f.in[1] = mk(DT_INT64, 1, dp, pads);
        assert_int_equal(fx_check(&f), 0);
        assert_int_equal(fx_run(&f, 2), 0);
        assert_int_equal(f.out[0]->dims[0], 7);
        assert_memory_equal(f.out[0]->data, want[m], sizeof want[m]);
        fx_free(&f);
    }
}

static void where_broadcasts_three_ways(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Where", 16, 3, 1);
    uint8_t c[] = {1, 0};
    int64_t x[] = {1, 2, 3};
    int64_t y = -1;
    int64_t dc[] = {2, 1}, dx[] = {3};
    f.in[0] = mk(DT_BOOL, 2, dc, c);
    f.in[1] = mk(DT_INT64, 1, dx, x);
    f.in[2] = mk(DT_INT64, 0, NULL, &y);
    assert_int_equal(fx_run(&f, 3), 0);
    assert_int_equal(f.out[0]->rank, 2);
    const int64_t want[] = {1, 2, 3, -1, -1, -1};
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);
}

static void cast_saturates_and_rounds_half(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Cast", 13, 1, 1);
    set_int(&f, "to", DT_INT8);
    float x[] = {300, -300, NAN, 1.9f, -1.9f};
    int64_t d[] = {5};
    f.in[0] = mk(DT_FLOAT, 1, d, x);
    assert_int_equal(fx_run(&f, 1), 0);
    const int8_t want[] = {127, -128, 0, 1, -1};
    assert_memory_equal(f.out[0]->data, want, sizeof want);
    fx_free(&f);
    /* float16: 1 + 2^-11 is a tie and rounds to even (1.0); 65520 overflows to infinity */
    fx_init(&f, "", "Cast", 13, 1, 1);
    set_int(&f, "to", DT_FLOAT16);
    float h[] = {1.0f + 1.0f / 2048, 65520.0f, 0.1f};
    int64_t dh[] = {3};
    f.in[0] = mk(DT_FLOAT, 1, dh, h);
    assert_int_equal(fx_run(&f, 1), 0);
    const uint16_t want_h[] = {0x3c00, 0x7c00, 0x2e66};
    assert_memory_equal(f.out[0]->data, want_h, sizeof want_h);
    fx_free(&f);
}

static void integer_division_by_zero_is_an_error(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Div", 14, 2, 1);
    int32_t a[] = {4, 5}, b[] = {2, 0};
    int64_t d[] = {2};
    f.in[0] = mk(DT_INT32, 1, d, a);
    f.in[1] = mk(DT_INT32, 1, d, b);
    assert_int_equal(fx_run(&f, 2), -1);
    assert_non_null(strstr(f.e.msg, "division by zero"));
    fx_free(&f);
}

static void reshape_zero_minus_one_and_allowzero(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Reshape", 14, 2, 1);
    float x[24] = {0};
    int64_t d[] = {2, 3, 4}, ds[] = {2}, s[] = {0, -1};
    f.in[0] = mk(DT_FLOAT, 3, d, x);
    f.in[1] = mk(DT_INT64, 1, ds, s);
    assert_int_equal(fx_run(&f, 2), 0);
    assert_int_equal(f.out[0]->rank, 2);
    assert_int_equal(f.out[0]->dims[0], 2);
    assert_int_equal(f.out[0]->dims[1], 12);
    set_int(&f, "allowzero", 1); /* now 0 is a literal zero: 24 elements cannot fit */
    assert_int_equal(fx_run(&f, 2), -1);
    assert_non_null(strstr(f.e.msg, "'n1'"));
    fx_free(&f);
}

static void slice_and_squeeze_attribute_forms(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, "", "Slice", 9, 1, 1);
    float x[] = {0, 1, 2, 3, 4, 5};
    int64_t d[] = {1, 6}, starts[] = {-1}, ends[] = {-100}, axes[] = {1};
    f.in[0] = mk(DT_FLOAT, 2, d, x);
    set_ints(&f, "starts", 1, starts);
    set_ints(&f, "ends", 1, ends);
    set_ints(&f, "axes", 1, axes);
    assert_int_equal(fx_check(&f), 0);
    assert_int_equal(fx_run(&f, 1), 0); /* step 1 from the last element to before the first: empty */
    assert_int_equal(f.out[0]->dims[1], 0);
    fx_free(&f);

    fx_init(&f, "", "Squeeze", 11, 1, 1);
    int64_t sq[] = {0};
    f.in[0] = mk(DT_FLOAT, 2, d, x);
    set_ints(&f, "axes", 1, sq);
    assert_int_equal(fx_check(&f), 0);
    assert_int_equal(fx_run(&f, 1), 0);
    assert_int_equal(f.out[0]->rank, 1);
    assert_int_equal(f.out[0]->dims[0], 6);
    int64_t bad[] = {1}; /* size 6 cannot be squeezed */
    set_ints(&f, "axes", 1, bad);
    assert_int_equal(fx_run(&f, 1), -1);
    assert_non_null(strstr(f.e.msg, "'n1'"));
    fx_free(&f);
}

/* Large jobs split over threads at arbitrary element ranges (mid-row): results equal the formula. */
static void threaded_split_matches_formula(void **state)
{
    (void)state;
    enum { R = 301, C = 257 }; /* R*C > the parallel threshold, odd so ranges cut rows */
    fx f;
    fx_init(&f, "", "Sub", 14, 2, 1);
    static float a[R * C], b[C];
    for (int i = 0; i < R * C; i++)
        a[i] = (float)(i % 1000) * 0.5f;
    for (int j = 0; j < C; j++)
        b[j] = (float)j;
    int64_t da[] = {R, C}, db[] = {C};
    f.in[0] = mk(DT_FLOAT, 2, da, a);
    f.in[1] = mk(DT_FLOAT, 1, db, b);
    assert_int_equal(fx_run_threads(&f, 2, 2), 0);
    const float *y = f.out[0]->data;
    for (int i = 0; i < R * C; i++)
        assert_true(y[i] == a[i] - b[i % C]);
    fx_free(&f);

    fx_init(&f, "", "Relu", 14, 1, 1);
    for (int i = 0; i < R * C; i++)
        a[i] = (float)(i % 7) - 3.0f;
    f.in[0] = mk(DT_FLOAT, 2, da, a);
    assert_int_equal(fx_run_threads(&f, 1, 3), 0);
    y = f.out[0]->data;
    for (int i = 0; i < R * C; i++)
        assert_true(y[i] == (a[i] > 0 ? a[i] : 0));
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gather_out_of_range_names_node),
        cmocka_unit_test(quantize_rounds_half_even_and_saturates),
        cmocka_unit_test(quantize_per_axis_int16_and_uint16),
        cmocka_unit_test(quantize_int4_saturates_to_four_bits),
        cmocka_unit_test(dequantize_microsoft_domain_int16_per_axis),
        cmocka_unit_test(check_rejects_unknown_attribute_naming_node),
        cmocka_unit_test(infer_rejects_impossible_broadcast),
        cmocka_unit_test(gelu_both_approximations),
        cmocka_unit_test(clip_int8_with_bound_inputs),
        cmocka_unit_test(reduce_mean_axes_input_and_noop),
        cmocka_unit_test(pad_reflect_and_edge),
        cmocka_unit_test(where_broadcasts_three_ways),
        cmocka_unit_test(cast_saturates_and_rounds_half),
        cmocka_unit_test(integer_division_by_zero_is_an_error),
        cmocka_unit_test(reshape_zero_minus_one_and_allowzero),
        cmocka_unit_test(slice_and_squeeze_attribute_forms),
        cmocka_unit_test(threaded_split_matches_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
