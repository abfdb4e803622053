/* merge.c — observers of consecutive shards merged into the observer of the whole stream, and packed
 * into flat words for carrying between processes. */
#include <math.h>
#include <string.h>

#include "stats.h"

static const uint64_t PACK_MAGIC = 0x3130534254415551ull; /* "QUATBS01", little-endian */
enum { HEADER_WORDS = 5, RANGE_WORDS = 3, HIST_HEADER_WORDS = 4 };

static bool tf_enhanced(const quant_observer *o)
{
    return o->scheme == QUANT_SCHEME_TF_ENHANCED;
}

/* Words of one channel's histogram bins: two per fixed-point sum, one per count. */
static size_t bin_words(const quant_observer *o)
{
    return (tf_enhanced(o) ? 2u : 1u) * QUANT_HIST_BINS;
}

static size_t channel_words(const quant_observer *o)
{
    return RANGE_WORDS + (o->hist ? HIST_HEADER_WORDS + bin_words(o) : 0);
}

size_t quant_observer_packed_words(const quant_observer *o)
{
    return HEADER_WORDS + (size_t)o->n * channel_words(o);
}

/* A double and its bits (reading another union member than the one written is defined in C11). */
typedef union word {
    double d;
    uint64_t u;
} word;

static uint64_t bits_of(double v)
{
    return (word){.d = v}.u;
}

static double double_of(uint64_t w)
{
    return (word){.u = w}.d;
}

static uint64_t *pack_bins(const quant_observer *o, const quant_hist *h, uint64_t *w)
{
    for (int i = 0; i < QUANT_HIST_BINS; i++) {
        if (tf_enhanced(o)) {
            *w++ = (uint64_t)h->sums[i];
            *w++ = (uint64_t)(h->sums[i] >> 64);
        } else {
            *w++ = bits_of(h->bins[i]);
        }
    }
    return w;
}

void quant_observer_pack(const quant_observer *o, uint64_t *w)
{
    *w++ = PACK_MAGIC;
    *w++ = (uint64_t)o->scheme;
    *w++ = (uint64_t)o->n;
    *w++ = (uint64_t)o->batches;
    *w++ = bits_of(o->percentile);
    for (int c = 0; c < o->n; c++) {
        *w++ = o->seen[c];
        *w++ = bits_of(o->min[c]);
        *w++ = bits_of(o->max[c]);
        if (!o->hist)
            continue;
        const quant_hist *h = &o->hist[c];
        *w++ = h->ready;
        *w++ = bits_of(h->lo);
        *w++ = bits_of(h->step);
        *w++ = (uint64_t)h->batches;
        w = pack_bins(o, h, w);
    }
}

static const uint64_t *unpack_bins(quant_observer *o, quant_hist *h, const uint64_t *w)
{
    for (int i = 0; i < QUANT_HIST_BINS; i++) {
        if (tf_enhanced(o)) {
            h->sums[i] = (quant_u128)w[0] | (quant_u128)w[1] << 64;
            w += 2;
        } else {
            h->bins[i] = double_of(*w++);
        }
    }
    return w;
}

/* Channel c from w; -1 when a flag is not 0 or 1 or a count is negative. */
static int unpack_channel(quant_observer *o, int c, const uint64_t *w, qrc_err *e)
{
    if (w[0] > 1)
        return err_set(e, "channel %d: 'seen' flag %llu is not 0 or 1", c, (unsigned long long)w[0]);
    o->seen[c] = w[0];
    o->min[c] = double_of(w[1]);
    o->max[c] = double_of(w[2]);
    if (!o->hist)
        return 0;
    w += RANGE_WORDS;
    quant_hist *h = &o->hist[c];
    if (w[0] > 1 || (int64_t)w[3] < 0)
        return err_set(e, "channel %d: bad histogram header (ready %llu, batches %lld)", c,
                       (unsigned long long)w[0], (long long)w[3]);
    h->ready = w[0];
    h->lo = double_of(w[1]);
    h->step = double_of(w[2]);
    h->batches = (int64_t)w[3];
    unpack_bins(o, h, w + HIST_HEADER_WORDS);
    return 0;
}

quant_observer *quant_observer_unpack(const uint64_t *w, size_t n, qrc_err *e)
{
    if (n < HEADER_WORDS || w[0] != PACK_MAGIC) {
        err_set(e, "packed observer: %s", n < HEADER_WORDS ? "too short for its header" : "bad magic word");
        return NULL;
    }
    if (w[1] >= QUANT_SCHEME_COUNT_ || w[2] < 1 || w[2] > INT32_MAX || (int64_t)w[3] < 0) {
        err_set(e, "packed observer: bad header (scheme %llu, %llu channels, %lld batches)",
                (unsigned long long)w[1], (unsigned long long)w[2], (long long)w[3]);
        return NULL;
    }
    quant_observer *o = quant_observer_new((quant_scheme)w[1], (int)w[2], double_of(w[4]), e);
    if (!o) {
        err_wrap(e, "packed observer");
        return NULL;
    }
    if (n != quant_observer_packed_words(o)) {
        err_set(e, "packed observer: %zu words, its header needs %zu", n, quant_observer_packed_words(o));
        goto fail;
    }
    o->batches = (int64_t)w[3];
    const uint64_t *p = w + HEADER_WORDS;
    for (int c = 0; c < o->n; c++, p += channel_words(o))
        if (unpack_channel(o, c, p, e)) {
            err_wrap(e, "packed observer");
            goto fail;
        }
    return o;
fail:
    quant_observer_free(o);
    return NULL;
}

static int check_alike(const quant_observer *a, const quant_observer *b, qrc_err *e)
{
    if (a->scheme != b->scheme || a->n != b->n || bits_of(a->percentile) != bits_of(b->percentile))
        return err_set(e, "observers differ (%s with %d channels against %s with %d channels)",
                       quant_scheme_name(a->scheme), a->n, quant_scheme_name(b->scheme), b->n);
    return 0;
}

static void merge_range(quant_observer *into, const quant_observer *later, int c)
{
    if (!later->seen[c])
        return;
    if (!into->seen[c]) {
        into->min[c] = later->min[c];
        into->max[c] = later->max[c];
        into->seen[c] = true;
        return;
    }
    into->min[c] = fmin(into->min[c], later->min[c]);
    into->max[c] = fmax(into->max[c], later->max[c]);
}

/* tf_enhanced: sums add when both shards binned on the same range; a shard without a range holds only
 * batches the whole stream skips too, unless an earlier shard had one (then it should have been seeded). */
static int check_hist(const quant_hist *into, const quant_hist *later, bool later_observed, int c, qrc_err *e)
{
    if (!later->ready && into->ready && later_observed)
        return err_set(e, "channel %d: the later shard was observed without the earlier shards' histogram "
                          "range (seed it before observing)", c);
    if (later->ready && into->ready &&
        (bits_of(into->lo) != bits_of(later->lo) || bits_of(into->step) != bits_of(later->step)))
        return err_set(e, "channel %d: the shards' histograms cover different ranges (%.17g + %.17g per bin "
                          "against %.17g + %.17g)", c, into->lo, into->step, later->lo, later->step);
    return 0;
}

static void merge_hist(quant_hist *into, const quant_hist *later)
{
    if (!later->ready)
        return;
    if (!into->ready) {
        *into = *later;
        return;
    }
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        into->sums[i] += later->sums[i];
    into->batches += later->batches;
}

int quant_observer_merge(quant_observer *into, const quant_observer *later, qrc_err *e)
{
    if (check_alike(into, later, e))
        return -1;
    if (into->scheme == QUANT_SCHEME_PERCENTILE || into->scheme == QUANT_SCHEME_MSE)
        return err_set(e, "%s statistics do not merge exactly: their histogram widens batch by batch",
                       quant_scheme_name(into->scheme));
    if (tf_enhanced(into)) {
        for (int c = 0; c < into->n; c++)
            if (check_hist(&into->hist[c], &later->hist[c], later->batches > 0, c, e))
                return -1;
        for (int c = 0; c < into->n; c++)
            merge_hist(&into->hist[c], &later->hist[c]);
    }
    for (int c = 0; c < into->n; c++)
        merge_range(into, later, c);
    into->batches += later->batches;
    return 0;
}

int quant_observer_seed(quant_observer *o, const quant_observer *earlier, qrc_err *e)
{
    if (check_alike(o, earlier, e))
        return -1;
    if (o->batches > 0)
        return err_set(e, "an observer is seeded before it observes (it has %lld batches)", (long long)o->batches);
    if (!tf_enhanced(o))
        return 0;
    for (int c = 0; c < o->n; c++) {
        quant_hist *h = &o->hist[c];
        const quant_hist *from = &earlier->hist[c];
        if (h->ready || !from->ready)
            continue;
        h->lo = from->lo;
        h->step = from->step;
        h->ready = true;
    }
    return 0;
}
