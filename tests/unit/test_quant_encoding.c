/* Encodings from min/max and fake quantization, with expected numbers worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "quant.h"

static const quant_format ASYM8 = {.kind = QUANT_INT, .bitwidth = 8};
static const quant_format SYM8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true};
static const quant_format STRICT8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .strict = true};
static const quant_format USYM8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .unsigned_sym = true};

static quant_encoding enc_range(const quant_format *f, double lo, double hi)
{
    quant_encoding q;
    qrc_err e;
    assert_int_equal(quant_encoding_from_range(f, lo, hi, &q, &e), 0);
    return q;
}

static quant_encoding enc_grid(const quant_format *f, double scale, int32_t offset)
{
    quant_encoding q;
    qrc_err e;
    assert_int_equal(quant_encoding_from_scale_offset(f, scale, offset, &q, &e), 0);
    return q;
}

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void asymmetric_exact_zero(void **state)
{
    (void)state;
    /* [-1, 2]: scale = 3/255 = 1/85; -min/scale = 85 exactly -> offset -85; range stays [-1, 2]. */
    quant_encoding q = enc_range(&ASYM8, -1.0, 2.0);
    assert_near(q.scale, 1.0 / 85, 1e-9);
    assert_int_equal(q.offset, -85);
    assert_near(q.min, -1.0, 1e-6);
    assert_near(q.max, 2.0, 1e-6);
    assert_false(q.symmetric);

    /* [-0.3, 1.0]: scale = 1.3/255 = 0.00509804; -min/scale = 0.3*255/1.3 = 58.846 -> 59 -> offset -59;
     * nudged min = -59*scale = -0.3007843, max = 196*scale = 0.9992157. */
    q = enc_range(&ASYM8, -0.3, 1.0);
    assert_near(q.scale, 1.3 / 255, 1e-9);
    assert_int_equal(q.offset, -59);
    assert_near(q.min, -0.30078431, 1e-6);
    assert_near(q.max, 0.99921569, 1e-6);
}

static void asymmetric_includes_zero(void **state)
{
    (void)state;
    /* [0.5, 2.5] widens to [0, 2.5]: scale = 2.5/255, offset 0. */
    quant_encoding q = enc_range(&ASYM8, 0.5, 2.5);
    assert_near(q.scale, 2.5 / 255, 1e-9);
    assert_int_equal(q.offset, 0);
    assert_near(q.min, 0.0, 0);
    assert_near(q.max, 2.5, 1e-6);
    /* [-2, -1] widens to [-2, 0]: scale = 2/255, offset = round(-2 / (2/255)) = -255. */
    q = enc_range(&ASYM8, -2.0, -1.0);
    assert_near(q.scale, 2.0 / 255, 1e-9);
    assert_int_equal(q.offset, -255);
    assert_near(q.min, -2.0, 1e-6);
    assert_near(q.max, 0.0, 1e-7);
}

static void symmetric_modes(void **state)
{
    (void)state;
    /* absmax 1.27 over 127 positive steps: scale 0.01; signed offset -128 -> [-1.28, 1.27]. */
    quant_encoding q = enc_range(&SYM8, -0.5, 1.27);
    assert_near(q.scale, 0.01, 1e-9);
    assert_int_equal(q.offset, -128);
    assert_near(q.min, -1.28, 1e-6);
    assert_near(q.max, 1.27, 1e-6);
    assert_true(q.symmetric);
    /* Strict: 254 steps, still 127 positive: scale 0.01, offset -127 -> [-1.27, 1.27]. */
    q = enc_range(&STRICT8, -0.5, 1.27);
    assert_near(q.scale, 0.01, 1e-9);
    assert_int_equal(q.offset, -127);
    assert_near(q.min, -1.27, 1e-6);
    assert_near(q.max, 1.27, 1e-6);
    assert_true(q.strict);
    /* Unsigned symmetric on non-negative data: [0, 2.55] over 255 steps: scale 0.01, offset 0. */
    q = enc_range(&USYM8, 0.2, 2.55);
    assert_near(q.scale, 0.01, 1e-9);
    assert_int_equal(q.offset, 0);
    assert_near(q.max, 2.55, 1e-6);
    assert_true(q.symmetric);
    /* ... and plain signed symmetric as soon as the data goes negative. */
    q = enc_range(&USYM8, -0.1, 2.54);
    assert_near(q.scale, 0.02, 1e-9);
    assert_int_equal(q.offset, -128);
}

static void other_bitwidths(void **state)
{
    (void)state;
    /* 4-bit symmetric over [-1, 0.5]: 15 steps, 7 positive: scale 1/7, offset -8 -> [-8/7, 1]. */
    quant_format f4 = {.kind = QUANT_INT, .bitwidth = 4, .symmetric = true};
    quant_encoding q = enc_range(&f4, -1.0, 0.5);
    assert_near(q.scale, 1.0 / 7, 1e-7);
    assert_int_equal(q.offset, -8);
    assert_near(q.min, -8.0 / 7, 1e-6);
    assert_near(q.max, 1.0, 1e-6);
    /* 16-bit asymmetric over [-1, 1]: scale 2/65535; -min/scale = 32767.5 rounds away from 0 to 32768. */
    quant_format f16 = {.kind = QUANT_INT, .bitwidth = 16};
    q = enc_range(&f16, -1.0, 1.0);
    assert_near(q.scale, 2.0 / 65535, 1e-12);
    assert_int_equal(q.offset, -32768);
    assert_near(q.min, -32768 * 2.0 / 65535, 1e-6);
    assert_near(q.max, 32767 * 2.0 / 65535, 1e-6);
}

static void dead_channel_gets_valid_grid(void **state)
{
    (void)state;
    /* All-zero weights: range widened to [0, 0.01]: asymmetric scale 0.01/255, offset 0. */
    quant_encoding q = enc_range(&ASYM8, 0.0, 0.0);
    assert_near(q.scale, 0.01 / 255, 1e-10);
    assert_int_equal(q.offset, 0);
    /* Symmetric: absmax 0.01 over 127 steps. */
    q = enc_range(&SYM8, 0.0, 0.0);
    assert_near(q.scale, 0.01 / 127, 1e-10);
    assert_int_equal(q.offset, -128);
    float x[2] = {0.0f, 0.0f}, y[2];
    quant_fake_quant(&q, x, y, 2);
    assert_true(y[0] == 0.0f && y[1] == 0.0f);
}

static void bad_inputs_are_errors(void **state)
{
    (void)state;
    quant_encoding q;
    qrc_err e;
    quant_format f3 = {.kind = QUANT_INT, .bitwidth = 3};
    quant_format f17 = {.kind = QUANT_INT, .bitwidth = 17};
    assert_int_equal(quant_encoding_from_range(&f3, -1, 1, &q, &e), -1);
    assert_non_null(strstr(e.msg, "bitwidth 3"));
    assert_int_equal(quant_encoding_from_range(&f17, -1, 1, &q, &e), -1);
    assert_int_equal(quant_encoding_from_range(&ASYM8, 1, -1, &q, &e), -1);
    assert_int_equal(quant_encoding_from_range(&ASYM8, NAN, 1, &q, &e), -1);
    assert_int_equal(quant_encoding_from_range(&ASYM8, -INFINITY, 1, &q, &e), -1);
    assert_int_equal(quant_encoding_from_scale_offset(&ASYM8, 0.0, 0, &q, &e), -1);
    assert_int_equal(quant_encoding_from_scale_offset(&ASYM8, 1e-50, 0, &q, &e), -1);
}

static void nearest_rounds_half_to_even(void **state)
{
    (void)state;
    /* scale 0.25, offset -128: x/scale is exact, so ties are real ties (as in ONNX QuantizeLinear). */
    quant_encoding q = enc_grid(&SYM8, 0.25, -128);
    float x[] = {0.125f, 0.375f, -0.625f, 0.3f, 100.0f, -100.0f, 0.0f};
    /* 0.5 -> 0; 1.5 -> 2; -2.5 -> -2; 1.2 -> 1; 400 -> 127 (saturate); -400 -> -128 (saturate); 0. */
    float want[] = {0.0f, 0.5f, -0.5f, 0.25f, 31.75f, -32.0f, 0.0f};
    float y[7];
    quant_fake_quant(&q, x, y, 7);
    for (int i = 0; i < 7; i++)
        assert_true(y[i] == want[i]);
    /* In place. */
    quant_fake_quant(&q, x, x, 7);
    assert_memory_equal(x, want, sizeof want);
}

static void nearest_asymmetric_and_strict(void **state)
{
    (void)state;
    /* scale 0.5, offset -10 (uint8 zero point 10): codes -10..245 -> [-5, 122.5]. */
    quant_encoding q = enc_grid(&ASYM8, 0.5, -10);
    assert_near(q.min, -5.0, 0);
    assert_near(q.max, 122.5, 0);
    float x[] = {-6.0f, 200.0f, 1.25f, 1.75f};
    /* -12 -> -10; 400 -> 245; 2.5 -> 2; 3.5 -> 4. */
    float want[] = {-5.0f, 122.5f, 1.0f, 2.0f};
    float y[4];
    quant_fake_quant(&q, x, y, 4);
    assert_memory_equal(y, want, sizeof want);
    int32_t codes[4];
    quant_quantize_codes(&q, x, codes, 4);
    /* codes - offset: 0, 255, 12, 14. */
    assert_int_equal(codes[0], 0);
    assert_int_equal(codes[1], 255);
    assert_int_equal(codes[2], 12);
    assert_int_equal(codes[3], 14);
    /* Strict symmetric saturates at -127 and +127 (scale 1). */
    q = enc_grid(&STRICT8, 1.0, -127);
    float s[] = {-200.0f, 200.0f}, sy[2];
    quant_fake_quant(&q, s, sy, 2);
    assert_true(sy[0] == -127.0f && sy[1] == 127.0f);
    /* NaN stays NaN. */
    float n = NAN, ny;
    quant_fake_quant(&q, &n, &ny, 1);
    assert_true(isnan(ny));
}

static void stochastic_is_unbiased_and_reproducible(void **state)
{
    (void)state;
    enum { N = 100000 };
    static float x[N], a[N], b[N], c[N];
    quant_encoding q = enc_grid(&SYM8, 1.0, -128);
    for (int i = 0; i < N; i++)
        x[i] = 0.3f;
    quant_fake_quant_stochastic(&q, x, a, N, 7, 0);
    quant_fake_quant_stochastic(&q, x, b, N, 7, 0);
    quant_fake_quant_stochastic(&q, x, c, N, 7, 1);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    double sum = 0;
    for (int i = 0; i < N; i++) {
        assert_true(a[i] == 0.0f || a[i] == 1.0f); /* only the two neighbours of 0.3 */
        sum += a[i];
    }
    /* E = 0.3; the std of the mean is sqrt(0.21/N) = 0.0014, so 0.29..0.31 is a 7-sigma band. */
    assert_true(sum / N > 0.29 && sum / N < 0.31);
    quant_fake_quant_stochastic(&q, x, b, N, 8, 0);
    assert_memory_not_equal(a, b, sizeof a);
}

static void per_channel_along_axis(void **state)
{
    (void)state;
    quant_encoding encs[3] = {enc_grid(&SYM8, 1.0, -128), enc_grid(&SYM8, 0.5, -128), enc_grid(&SYM8, 0.25, -128)};
    /* shape [2, 3], axis 1: column c uses encs[c]. 0.7/1 -> 1; 0.7/0.5 = 1.4 -> 1 -> 0.5; 0.7/0.25 = 2.8 -> 3 -> 0.75. */
    float x[6] = {0.7f, 0.7f, 0.7f, 0.7f, 0.7f, 0.7f}, y[6];
    int64_t dims[2] = {2, 3};
    qrc_err e;
    assert_int_equal(quant_fake_quant_axis(encs, 3, x, y, 2, dims, 1, &e), 0);
    float want1[6] = {1.0f, 0.5f, 0.75f, 1.0f, 0.5f, 0.75f};
    assert_memory_equal(y, want1, sizeof want1);
    /* shape [3, 2], axis 0: row r uses encs[r]. */
    int64_t dims0[2] = {3, 2};
    assert_int_equal(quant_fake_quant_axis(encs, 3, x, y, 2, dims0, 0, &e), 0);
    float want0[6] = {1.0f, 1.0f, 0.5f, 0.5f, 0.75f, 0.75f};
    assert_memory_equal(y, want0, sizeof want0);
    assert_int_equal(quant_fake_quant_axis(encs, 3, x, y, 2, dims0, 2, &e), -1);
    assert_int_equal(quant_fake_quant_axis(encs, 3, x, y, 2, dims, 0, &e), -1);
    assert_non_null(strstr(e.msg, "channels"));
}

/* Float16 simulation rounds to IEEE half (the conversion itself is tested in test_base_half.c). */
static void half_precision(void **state)
{
    (void)state;
    quant_format ff = {.kind = QUANT_FLOAT, .bitwidth = 16};
    quant_encoding q;
    qrc_err e;
    assert_int_equal(quant_encoding_from_range(&ff, -1, 1, &q, &e), 0);
    float x = 0.1f, y;
    quant_fake_quant(&q, &x, &y, 1);
    assert_true(y == 0.0999755859375f); /* 0x2e66 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(asymmetric_exact_zero),
        cmocka_unit_test(asymmetric_includes_zero),
        cmocka_unit_test(symmetric_modes),
        cmocka_unit_test(other_bitwidths),
        cmocka_unit_test(dead_channel_gets_valid_grid),
        cmocka_unit_test(bad_inputs_are_errors),
        cmocka_unit_test(nearest_rounds_half_to_even),
        cmocka_unit_test(nearest_asymmetric_and_strict),
        cmocka_unit_test(stochastic_is_unbiased_and_reproducible),
        cmocka_unit_test(per_channel_along_axis),
        cmocka_unit_test(half_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
