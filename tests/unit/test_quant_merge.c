/* Mergeable statistics: observers of consecutive shards, packed, unpacked and merged in order, give the
 * statistics and encodings of one observer fed the whole stream, bit for bit. */
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
static const quant_format SYM8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true};


enum { MAX_BATCHES = 40, MAX_ROWS = 64, CHANNELS = 3 };

/* A stream of batches [rows, channels]; every batch has its own row count. */
typedef struct stream {
    int n, channels;
    int64_t rows[MAX_BATCHES];
    float x[MAX_BATCHES][MAX_ROWS * CHANNELS];
} stream;

typedef enum shape { GAUSSIAN, CONSTANT, LATE_START, EXTREMES, SINGLES } shape;

static float sample(shape s, int b, int i)
{
    switch (s) {
    case CONSTANT:
        return 3.25f;
    case LATE_START: /* all-zero batches first, then data; zeros again now and then */
        return b < 5 || b % 7 == 0 ? 0.0f : (float)(gaussian() * (1 + b % 4));
    case EXTREMES:
        return i % 5 == 0 ? (i % 2 ? FLT_MAX : -FLT_MAX) : i % 5 == 1 ? FLT_MIN : (float)gaussian();
    default:
        return (float)(gaussian() * 2 + (b % 3) - 1);
    }
}

static void make_stream(stream *st, shape s, int channels, uint64_t seed)
{
    rng = seed;
    st->n = MAX_BATCHES;
    st->channels = channels;
    for (int b = 0; b < st->n; b++) {
        st->rows[b] = s == SINGLES ? 1 : 1 + (int64_t)(uniform() * MAX_ROWS);
        for (int i = 0; i < st->rows[b] * channels; i++)
            st->x[b][i] = sample(s, b, i);
    }
}

static quant_observer *observer(quant_scheme s, int channels)
{
    qrc_err e;
    quant_observer *o = quant_observer_new(s, channels, 99.9, &e);
    assert_non_null(o);
    return o;
}

/* Folds batches [from, to) of the stream. */
static void observe(quant_observer *o, const stream *st, int from, int to)
{
    qrc_err e;
    for (int b = from; b < to; b++) {
        int64_t dims[2] = {st->rows[b], st->channels};
        int rank = st->channels > 1 ? 2 : 1;
        if (rank == 1)
            dims[0] *= st->channels;
        assert_int_equal(quant_observer_update(o, st->x[b], rank, dims, 1, &e), 0);
    }
}

/* A packed copy, unpacked: what another process would send. */
static quant_observer *round_trip(const quant_observer *o)
{
    size_t n = quant_observer_packed_words(o);
    uint64_t *w = malloc(n * sizeof *w);
    assert_non_null(w);
    quant_observer_pack(o, w);
    qrc_err e;
    quant_observer *copy = quant_observer_unpack(w, n, &e);
    if (!copy)
        fail_msg("%s", e.msg);
    free(w);
    return copy;
}

/* Shard j covers batches [cut[j], cut[j+1]); shards are observed after a probe pass seeds them. */
static quant_observer *sharded(quant_scheme s, const stream *st, const int *cut, int k)
{
    quant_observer *probe[k], *shard[k];
    for (int j = 0; j < k; j++) {
        probe[j] = observer(s, st->channels);
        observe(probe[j], st, cut[j], cut[j + 1]);
    }
    qrc_err e;
    for (int j = 0; j < k; j++) {
        shard[j] = observer(s, st->channels);
        for (int i = 0; i < j; i++)
            assert_int_equal(quant_observer_seed(shard[j], probe[i], &e), 0);
        observe(shard[j], st, cut[j], cut[j + 1]);
        quant_observer *sent = round_trip(shard[j]);
        quant_observer_free(shard[j]);
        shard[j] = sent;
    }
    for (int j = 1; j < k; j++) {
        if (quant_observer_merge(shard[0], shard[j], &e))
            fail_msg("merging shard %d: %s", j, e.msg);
        quant_observer_free(shard[j]);
    }
    for (int j = 0; j < k; j++)
        quant_observer_free(probe[j]);
    return shard[0];
}

static void assert_same_words(const quant_observer *a, const quant_observer *b)
{
    size_t n = quant_observer_packed_words(a);
    assert_int_equal(n, quant_observer_packed_words(b));
    uint64_t *wa = malloc(n * sizeof *wa), *wb = malloc(n * sizeof *wb);
    assert_non_null(wa);
    assert_non_null(wb);
    quant_observer_pack(a, wa);
    quant_observer_pack(b, wb);
    assert_memory_equal(wa, wb, n * sizeof *wa);
    free(wa);
    free(wb);
}

/* Encodings compared field by field as bytes (struct padding is not part of an encoding). */
static void assert_same_encodings(const quant_observer *a, const quant_observer *b, const quant_format *f,
                                  int channels)
{
    quant_encoding ea[CHANNELS], eb[CHANNELS];
    qrc_err e;
    int ra = quant_observer_encodings(a, f, ea, &e), rb = quant_observer_encodings(b, f, eb, &e);
    assert_int_equal(ra, rb);
    for (int c = 0; !ra && c < channels; c++) {
        assert_int_equal(ea[c].kind, eb[c].kind);
        assert_int_equal(ea[c].bitwidth, eb[c].bitwidth);
        assert_int_equal(ea[c].offset, eb[c].offset);
        assert_memory_equal(&ea[c].scale, &eb[c].scale, sizeof ea[c].scale);
        assert_memory_equal(&ea[c].min, &eb[c].min, sizeof ea[c].min);
        assert_memory_equal(&ea[c].max, &eb[c].max, sizeof ea[c].max);
    }
}

/* Cuts the stream into k shards at seeded random batch boundaries; some shards may be empty. */
static void random_cuts(int *cut, int k, int batches)
{
    cut[0] = 0;
    cut[k] = batches;
    for (int j = 1; j < k; j++)
        cut[j] = (int)(uniform() * (batches + 1));
    for (int j = 1; j < k; j++) /* sort the inner cuts */
        for (int i = j; i > 1 && cut[i - 1] > cut[i]; i--) {
            int t = cut[i];
            cut[i] = cut[i - 1];
            cut[i - 1] = t;
        }
}

static void check_shape(quant_scheme scheme, shape s, int channels)
{
    static const int SHARDS[] = {1, 2, 3, 7};
    static stream st;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        make_stream(&st, s, channels, seed * 7919);
        quant_observer *whole = observer(scheme, channels);
        observe(whole, &st, 0, st.n);
        for (size_t i = 0; i < sizeof SHARDS / sizeof *SHARDS; i++) {
            int k = SHARDS[i], cut[8];
            random_cuts(cut, k, st.n);
            if (seed == 1 && k > 1)
                cut[1] = 0; /* an empty first shard */
            quant_observer *merged = sharded(scheme, &st, cut, k);
            assert_same_words(whole, merged);
            assert_same_encodings(whole, merged, &ASYM8, channels);
            assert_same_encodings(whole, merged, &SYM8, channels);
            quant_observer_free(merged);
        }
        quant_observer_free(whole);
    }
}

static void check_all_shapes(quant_scheme scheme, int channels)
{
    const shape shapes[] = {GAUSSIAN, CONSTANT, LATE_START, EXTREMES, SINGLES};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        check_shape(scheme, shapes[i], channels);
}

static void tf_per_tensor(void **state)
{
    check_all_shapes(QUANT_SCHEME_TF, 1);
}

static void tf_per_channel(void **state)
{
    check_all_shapes(QUANT_SCHEME_TF, CHANNELS);
}

static void tf_enhanced_per_tensor(void **state)
{
    check_all_shapes(QUANT_SCHEME_TF_ENHANCED, 1);
}

static void tf_enhanced_per_channel(void **state)
{
    check_all_shapes(QUANT_SCHEME_TF_ENHANCED, CHANNELS);
}

/* The statistics really depend on the data: a shard left out changes them. */
static void a_missing_shard_shows(void **state)
{
    static stream st;
    make_stream(&st, GAUSSIAN, 1, 99);
    quant_observer *whole = observer(QUANT_SCHEME_TF_ENHANCED, 1);
    observe(whole, &st, 0, st.n);
    int cut[3] = {0, st.n / 2, st.n};
    quant_observer *half = sharded(QUANT_SCHEME_TF_ENHANCED, &st, cut, 1);
    assert_int_not_equal(quant_observer_batches(whole), quant_observer_batches(half));
    quant_observer_free(half);
    quant_observer_free(whole);
}

static void unseeded_shard_is_refused(void **state)
{
    static stream st;
    make_stream(&st, LATE_START, 1, 5);
    quant_observer *a = observer(QUANT_SCHEME_TF_ENHANCED, 1), *b = observer(QUANT_SCHEME_TF_ENHANCED, 1);
    observe(a, &st, 5, 10); /* data: a has a range */
    observe(b, &st, 10, 40); /* bins on its own range */
    qrc_err e;
    assert_int_equal(quant_observer_merge(a, b, &e), -1);
    assert_non_null(strstr(e.msg, "different ranges"));
    quant_observer_free(b);
    b = observer(QUANT_SCHEME_TF_ENHANCED, 1);
    observe(b, &st, 0, 5); /* all zeros, no range, not seeded */
    assert_int_equal(quant_observer_merge(a, b, &e), -1);
    assert_non_null(strstr(e.msg, "seed it"));
    assert_int_equal(quant_observer_seed(b, a, &e), -1); /* too late: it has observed */
    quant_observer_free(a);
    quant_observer_free(b);
}

static void widening_histograms_do_not_merge(void **state)
{
    const quant_scheme schemes[] = {QUANT_SCHEME_PERCENTILE, QUANT_SCHEME_MSE};
    for (int i = 0; i < 2; i++) {
        quant_observer *a = observer(schemes[i], 1), *b = observer(schemes[i], 1);
        qrc_err e;
        assert_int_equal(quant_observer_merge(a, b, &e), -1);
        assert_non_null(strstr(e.msg, "do not merge"));
        quant_observer_free(a);
        quant_observer_free(b);
    }
    quant_observer *a = observer(QUANT_SCHEME_TF, 1), *b = observer(QUANT_SCHEME_TF, 2);
    qrc_err e;
    assert_int_equal(quant_observer_merge(a, b, &e), -1);
    assert_non_null(strstr(e.msg, "differ"));
    quant_observer_free(a);
    quant_observer_free(b);
}

static void bad_words_are_refused(void **state)
{
    quant_observer *o = observer(QUANT_SCHEME_TF_ENHANCED, 2);
    size_t n = quant_observer_packed_words(o);
    uint64_t *w = malloc(n * sizeof *w);
    assert_non_null(w);
    quant_observer_pack(o, w);
    qrc_err e;
    assert_null(quant_observer_unpack(w, n - 1, &e));
    assert_non_null(strstr(e.msg, "words"));
    assert_null(quant_observer_unpack(w, 3, &e));
    w[1] = 77;
    assert_null(quant_observer_unpack(w, n, &e));
    assert_non_null(strstr(e.msg, "scheme 77"));
    quant_observer_pack(o, w);
    w[5] = 2; /* channel 0's 'seen' flag */
    assert_null(quant_observer_unpack(w, n, &e));
    assert_non_null(strstr(e.msg, "'seen'"));
    w[0] = 0;
    assert_null(quant_observer_unpack(w, n, &e));
    assert_non_null(strstr(e.msg, "magic"));
    free(w);
    quant_observer_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tf_per_tensor),
        cmocka_unit_test(tf_per_channel),
        cmocka_unit_test(tf_enhanced_per_tensor),
        cmocka_unit_test(tf_enhanced_per_channel),
        cmocka_unit_test(a_missing_shard_shows),
        cmocka_unit_test(unseeded_shard_is_refused),
        cmocka_unit_test(widening_histograms_do_not_merge),
        cmocka_unit_test(bad_words_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
