/* Observers on known distributions: min/max, tf_enhanced, percentile and mse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include <cmocka.h>

#include "quant.h"
#include "seeded_rng.h"

static const quant_format ASYM8 = {.kind = QUANT_INT, .bitwidth = 8};
static const quant_format ASYM4 = {.kind = QUANT_INT, .bitwidth = 4};
static const quant_format SYM8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true};


enum { N = 20000 };
static float buf[N];

static void fill_uniform(float lo, float hi)
{
    for (int i = 0; i < N; i++)
        buf[i] = (float)(lo + (hi - lo) * uniform());
}

/* Field by field: struct padding is not part of an encoding. */
static bool same(const quant_encoding *a, const quant_encoding *b)
{
    return a->kind == b->kind && a->bitwidth == b->bitwidth && a->symmetric == b->symmetric &&
           a->strict == b->strict && a->scale == b->scale && a->offset == b->offset && a->min == b->min &&
           a->max == b->max;
}

static quant_observer *observer(quant_scheme s, int ch, double pct)
{
    qrc_err e;
    quant_observer *o = quant_observer_new(s, ch, pct, &e);
    assert_non_null(o);
    return o;
}

static void update(quant_observer *o, const float *x, size_t n)
{
    qrc_err e;
    int64_t dims[1] = {(int64_t)n};
    assert_int_equal(quant_observer_update(o, x, 1, dims, 0, &e), 0);
}

static quant_encoding encoding(quant_observer *o, const quant_format *f)
{
    quant_encoding q;
    qrc_err e;
    assert_int_equal(quant_observer_encodings(o, f, &q, &e), 0);
    return q;
}

static void tf_tracks_running_min_max(void **state)
{
    (void)state;
    quant_observer *o = observer(QUANT_SCHEME_TF, 1, 0);
    float a[] = {-1.0f, 0.5f, NAN}, b[] = {-0.2f, 3.0f};
    update(o, a, 3);
    update(o, b, 2);
    double lo, hi;
    quant_observer_range(o, 0, &lo, &hi);
    assert_true(lo == -1.0 && hi == 3.0); /* NaN ignored */
    assert_int_equal(quant_observer_batches(o), 2);
    quant_encoding q = encoding(o, &ASYM8), want;
    qrc_err e;
    assert_int_equal(quant_encoding_from_range(&ASYM8, -1.0, 3.0, &want, &e), 0);
    assert_true(same(&q, &want));
    quant_observer_free(o);
}

static void tf_enhanced_uniform_keeps_full_range(void **state)
{
    (void)state;
    /* Uniform on [-1, 1] at 8 bits: clipping costs 3x its squared error while the grid noise is tiny,
     * so the best grid covers about the whole range (histogram bins are 6/512 wide). */
    quant_observer *o = observer(QUANT_SCHEME_TF_ENHANCED, 1, 0);
    for (int b = 0; b < 5; b++) {
        fill_uniform(-1.0f, 1.0f);
        update(o, buf, N);
    }
    quant_encoding q = encoding(o, &ASYM8);
    assert_true(q.min > -1.05 && q.min < -0.95);
    assert_true(q.max > 0.95 && q.max < 1.05);
    quant_observer_free(o);
}

static void tf_enhanced_clips_outliers_at_low_bitwidth(void **state)
{
    (void)state;
    /* N(0, 1) over 5 batches, one value of 40 in the first (a 1e-5 fraction). At 4 bits a grid reaching 40
     * has steps of ~3 (noise 3^2/12 = 0.7 per value) while clipping at c costs 3e-5 * (40 - c)^2 (0.04 at
     * c = 5): the search clips. tf keeps 40. */
    quant_observer *o = observer(QUANT_SCHEME_TF_ENHANCED, 1, 0);
    quant_observer *t = observer(QUANT_SCHEME_TF, 1, 0);
    for (int b = 0; b < 5; b++) {
        for (int i = 0; i < N; i++)
            buf[i] = b == 0 && i == 7 ? 40.0f : (float)gaussian();
        update(o, buf, N);
        update(t, buf, N);
    }
    quant_encoding q = encoding(o, &ASYM4), full = encoding(t, &ASYM4);
    assert_true(full.max > 35.0); /* 40 nudged onto a 4-bit grid of ~2.9 steps */
    assert_true(q.max < 12.0 && q.max > 2.0);
    assert_true(q.min < -1.0);
    /* Symmetric 8-bit search keeps the symmetric offset. */
    quant_encoding s = encoding(o, &SYM8);
    assert_int_equal(s.offset, -128);
    assert_true(s.scale > 0);
    quant_observer_free(o);
    quant_observer_free(t);
}

static void tf_enhanced_skips_leading_zero_batches(void **state)
{
    (void)state;
    /* An all-zero first batch must not fix the histogram range at [-0.01, 0.02]-ish. */
    quant_observer *o = observer(QUANT_SCHEME_TF_ENHANCED, 1, 0);
    memset(buf, 0, sizeof buf);
    update(o, buf, N);
    fill_uniform(-1.0f, 1.0f);
    update(o, buf, N);
    quant_encoding q = encoding(o, &ASYM8);
    assert_true(q.min < -0.9 && q.max > 0.9);
    quant_observer_free(o);
}

static void percentile_clips_tail(void **state)
{
    (void)state;
    /* Uniform [0, 1], P = 99: the 99th percentile is 0.99; the 1st (0.01) widens to 0. */
    quant_observer *o = observer(QUANT_SCHEME_PERCENTILE, 1, 99.0);
    for (int b = 0; b < 5; b++) {
        fill_uniform(0.0f, 1.0f);
        update(o, buf, N);
    }
    quant_encoding q = encoding(o, &ASYM8);
    assert_int_equal(q.offset, 0);
    assert_true(fabs(q.max - 0.99) < 0.01);
    quant_observer_free(o);

    /* A widening range: one batch uniform [0, 0.5] then one uniform [0, 1]. The mixture's CDF above 0.5
     * is 0.75 + (x - 0.5) / 2, which reaches 0.99 at x = 0.98 (checks the redistribution of counts). */
    o = observer(QUANT_SCHEME_PERCENTILE, 1, 99.0);
    fill_uniform(0.0f, 0.5f);
    update(o, buf, N);
    fill_uniform(0.0f, 1.0f);
    update(o, buf, N);
    q = encoding(o, &ASYM8);
    assert_true(fabs(q.max - 0.98) < 0.01);
    quant_observer_free(o);
    qrc_err e;
    assert_null(quant_observer_new(QUANT_SCHEME_PERCENTILE, 1, 20.0, &e));
}

static void mse_balances_clipping_and_noise(void **state)
{
    (void)state;
    /* Same outlier mixture at 4 bits: the lowest-error range is well inside [min, 40]. */
    quant_observer *o = observer(QUANT_SCHEME_MSE, 1, 0);
    for (int b = 0; b < 5; b++) {
        for (int i = 0; i < N; i++)
            buf[i] = b == 0 && i == 7 ? 40.0f : (float)gaussian();
        update(o, buf, N);
    }
    quant_encoding q = encoding(o, &ASYM4);
    assert_true(q.max < 12.0 && q.max > 2.0);
    quant_observer_free(o);
    /* Uniform data at 16 bits: the grid noise is negligible, so any clipping loses: the full range. */
    quant_format f16 = {.kind = QUANT_INT, .bitwidth = 16};
    o = observer(QUANT_SCHEME_MSE, 1, 0);
    fill_uniform(-1.0f, 1.0f);
    update(o, buf, N);
    q = encoding(o, &f16);
    assert_true(q.min < -0.99 && q.max > 0.99);
    quant_observer_free(o);
}

/* A valid integer encoding: positive finite scale, 0 on the grid, offset inside it. */
static void assert_valid(const quant_encoding *q, const quant_format *f)
{
    assert_true(isfinite(q->scale) && q->scale > 0.0f);
    assert_true(q->min <= 0.0f && q->max >= 0.0f && q->min < q->max);
    assert_true(q->offset <= 0 && q->offset >= -quant_format_steps(f));
    assert_true(q->max - q->min >= (float)QUANT_MIN_RANGE * 0.999f);
}

static double sq_error(const quant_encoding *q, const float *x, size_t n)
{
    static float y[N];
    quant_fake_quant(q, x, y, n);
    double err = 0;
    for (size_t i = 0; i < n; i++)
        err += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
    return err;
}

static void mse_degenerate_ranges_are_valid(void **state)
{
    (void)state;
    /* Data on one side of 0 used to make the shrunk max fall below the observed min (a pooled or
     * Sigmoid output in [0.0225, 0.0156]...). Every case, every format: a valid grid that covers the
     * data no worse than min/max does. */
    enum { ALL_EQUAL, ONE_VALUE, ALL_ZERO, TINY_POSITIVE, SIGMOID, NEGATIVE_ONLY, POOLED, CASES };
    const quant_format unsigned_sym = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .unsigned_sym = true};
    const quant_format *formats[] = {&ASYM8, &ASYM4, &SYM8, &unsigned_sym};
    for (int c = 0; c < CASES; c++) {
        size_t n = c == ONE_VALUE ? 1 : N;
        for (size_t i = 0; i < n; i++) {
            double g = gaussian();
            switch (c) {
            case ALL_EQUAL: buf[i] = 3.25f; break;
            case ONE_VALUE: buf[i] = 0.7f; break;
            case ALL_ZERO: buf[i] = 0.0f; break;
            case TINY_POSITIVE: buf[i] = (float)(1e-6 + 1e-7 * uniform()); break;
            case SIGMOID: buf[i] = (float)(1.0 / (1.0 + exp(-4.0 * g))); break;
            case NEGATIVE_ONLY: buf[i] = (float)(-2.0 - fabs(g)); break;
            default: buf[i] = (float)(0.0225 + 0.01 * uniform()); break;
            }
        }
        for (size_t k = 0; k < sizeof formats / sizeof *formats; k++) {
            quant_observer *o = observer(QUANT_SCHEME_MSE, 1, 0), *t = observer(QUANT_SCHEME_TF, 1, 0);
            /* In two batches, so the histogram widens once. */
            size_t half = n / 2;
            update(o, buf, n - half);
            update(t, buf, n - half);
            if (half) {
                update(o, buf + n - half, half);
                update(t, buf + n - half, half);
            }
            quant_encoding q = encoding(o, formats[k]), full = encoding(t, formats[k]);
            assert_valid(&q, formats[k]);
            /* The histogram's bins stand in for the values: allow a small slack over min/max's error. */
            double e_mse = sq_error(&q, buf, n), e_tf = sq_error(&full, buf, n);
            assert_true(e_mse <= e_tf * 1.05 + 1e-12 * (double)n);
            quant_observer_free(o);
            quant_observer_free(t);
        }
    }
}

static void per_channel_dead_channel_is_valid(void **state)
{
    (void)state;
    /* shape [2, 1000] along axis 0: channel 0 uniform [-1, 1], channel 1 all zeros. */
    static float w[2000];
    for (int i = 0; i < 1000; i++)
        w[i] = (float)(-1.0 + 2.0 * uniform());
    int64_t dims[2] = {2, 1000};
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++) {
        qrc_err e;
        quant_observer *o = quant_observer_new((quant_scheme)s, 2, 99.99, &e);
        assert_non_null(o);
        assert_int_equal(quant_observer_update(o, w, 2, dims, 0, &e), 0);
        quant_encoding q[2];
        assert_int_equal(quant_observer_encodings(o, &SYM8, q, &e), 0);
        assert_true(q[0].max > 0.9 && q[0].max < 1.1);
        assert_true(q[1].scale > 1e-5f); /* 0.01 / 127 */
        assert_true(q[1].max >= 0.01f - 1e-6f);
        /* Wrong channel count is an error. */
        int64_t bad[2] = {3, 1000};
        assert_int_equal(quant_observer_update(o, w, 2, bad, 0, &e), -1);
        quant_observer_free(o);
    }
}

static void per_channel_inner_axis(void **state)
{
    (void)state;
    /* shape [4, 3] along axis 1 (a Gemm weight without transB): column c holds values c+1 and -(c+1). */
    float w[12];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 3; c++)
            w[r * 3 + c] = (r % 2 ? -1.0f : 1.0f) * (float)(c + 1);
    int64_t dims[2] = {4, 3};
    qrc_err e;
    quant_observer *o = quant_observer_new(QUANT_SCHEME_TF, 3, 0, &e);
    assert_int_equal(quant_observer_update(o, w, 2, dims, 1, &e), 0);
    for (int c = 0; c < 3; c++) {
        double lo, hi;
        quant_observer_range(o, c, &lo, &hi);
        assert_true(lo == -(c + 1) && hi == c + 1);
    }
    quant_observer_free(o);
}

static void same_batches_same_bits(void **state)
{
    (void)state;
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++) {
        quant_observer *a = observer((quant_scheme)s, 1, 99.9), *b = observer((quant_scheme)s, 1, 99.9);
        rng = 12345;
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < N; i++)
                buf[i] = (float)gaussian();
            update(a, buf, N);
            update(b, buf, N);
        }
        quant_encoding qa = encoding(a, &ASYM8), qb = encoding(b, &ASYM8);
        assert_true(same(&qa, &qb));
        quant_observer_free(a);
        quant_observer_free(b);
    }
}

/* Large batches are scanned in parts on several threads: every scheme gives bit-identical encodings
 * for 1, 2, 3 and 16 threads, NaNs and infinities included (they fall in different parts). */
static void threads_do_not_change_statistics(void **state)
{
    (void)state;
    enum { BIG = 300007 };
    float *x = malloc(BIG * sizeof *x);
    assert_non_null(x);
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++) {
        quant_encoding want = {0};
        const int threads[] = {1, 2, 3, 16};
        for (int t = 0; t < 4; t++) {
            quant_observer *o = observer((quant_scheme)s, 1, 99.9);
            quant_observer_set_threads(o, threads[t]);
            rng = 777;
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < BIG; i++)
                    x[i] = (float)(gaussian() * (1 + k) + (i < BIG / 4 ? 3.0 : 0.0));   /* parts differ */
                x[BIG / 3 + k] = NAN;
                x[BIG - 5] = k == 1 ? INFINITY : x[BIG - 5];
                x[7] = k == 2 ? -INFINITY : x[7];
                update(o, x, BIG);
            }
            quant_encoding got = encoding(o, &ASYM8);
            if (t == 0)
                want = got;
            else if (!same(&got, &want))
                fail_msg("scheme %d, %d threads: encoding differs from one thread's", s, threads[t]);
            quant_observer_free(o);
        }
    }
    free(x);
}

/* A constant batch so large that QUANT_MIN_RANGE is lost to rounding still gives bins of non-zero width
 * and a valid grid holding the value. */
static void huge_constant_batches_are_valid(void **state)
{
    const quant_scheme schemes[] = {QUANT_SCHEME_TF_ENHANCED, QUANT_SCHEME_PERCENTILE, QUANT_SCHEME_MSE};
    const float values[] = {-FLT_MAX, 1e20f};
    for (int i = 0; i < 3; i++)
        for (int v = 0; v < 2; v++) {
            quant_observer *o = observer(schemes[i], 1, 99.9);
            for (int k = 0; k < 64; k++)
                buf[k] = values[v];
            update(o, buf, 64);
            update(o, buf, 64);
            quant_encoding q = encoding(o, &ASYM8);
            assert_true(q.scale > 0 && isfinite(q.scale));
            assert_true(q.min <= 0 && q.max >= 0);
            assert_true(q.min <= values[v] * 0.99 || q.max >= values[v] * 0.99);
            quant_observer_free(o);
        }
}

static void scheme_names_round_trip(void **state)
{
    (void)state;
    qrc_err e;
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++) {
        quant_scheme got;
        assert_int_equal(quant_scheme_parse(quant_scheme_name((quant_scheme)s), &got, &e), 0);
        assert_int_equal(got, s);
    }
    quant_scheme got;
    assert_int_equal(quant_scheme_parse("minmax", &got, &e), -1);
    assert_non_null(strstr(e.msg, "minmax"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tf_tracks_running_min_max),
        cmocka_unit_test(tf_enhanced_uniform_keeps_full_range),
        cmocka_unit_test(tf_enhanced_clips_outliers_at_low_bitwidth),
        cmocka_unit_test(tf_enhanced_skips_leading_zero_batches),
        cmocka_unit_test(percentile_clips_tail),
        cmocka_unit_test(mse_balances_clipping_and_noise),
        cmocka_unit_test(mse_degenerate_ranges_are_valid),
        cmocka_unit_test(per_channel_dead_channel_is_valid),
        cmocka_unit_test(per_channel_inner_axis),
        cmocka_unit_test(same_batches_same_bits),
        cmocka_unit_test(threads_do_not_change_statistics),
        cmocka_unit_test(huge_constant_batches_are_valid),
        cmocka_unit_test(scheme_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
