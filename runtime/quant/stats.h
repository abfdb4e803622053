/* stats.h — statistics shared by the observer's schemes (private to runtime/quant/).
 *
 * A channel's elements are a strided view: `outer` runs of `inner` contiguous floats, runs `stride`
 * floats apart (per-tensor: one run of n). A large single run is scanned by up to `threads` threads
 * in contiguous parts; counts are integers and extremes exact, so the results do not depend on the
 * thread count. Histograms are fixed arrays of QUANT_HIST_BINS bins; bin i covers
 * [lo + i*step, lo + (i+1)*step).
 *
 * Ownership: an observer owns its arrays (freed by quant_observer_free); spans borrow the caller's data. */
#ifndef QRC_QUANT_STATS_H
#define QRC_QUANT_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "quant.h"

typedef struct quant_span {
    const float *x;
    size_t outer, inner, stride;
    int threads; /* 0 or 1: the calling thread alone */
} quant_span;

/* tf_enhanced sums every batch's normalised bin (a fraction in [0, 1]) as an integer number of
 * 2^-QUANT_HIST_FRAC_BITS: integer sums do not depend on the order or grouping of the additions, so the
 * statistics of consecutive shards add up to those of the whole stream exactly. */
__extension__ typedef unsigned __int128 quant_u128;
enum { QUANT_HIST_FRAC_BITS = 88 };

typedef struct quant_hist {
    double lo, step;
    union {
        double bins[QUANT_HIST_BINS];    /* percentile / mse: counts */
        quant_u128 sums[QUANT_HIST_BINS]; /* tf_enhanced: fixed-point sums of normalised counts */
    };
    int64_t batches; /* batches folded in */
    bool ready;      /* range fixed */
} quant_hist;

struct quant_observer {
    quant_scheme scheme;
    int n, threads;
    double percentile;
    int64_t batches;
    double *min, *max; /* running range per channel */
    bool *seen;        /* channel has seen a finite value */
    quant_hist *hist;  /* per channel, for histogram schemes; NULL for tf */
};

/* Min and max of the finite values of a span; false when it has none. */
bool quant_span_minmax(const quant_span *s, double *min, double *max);

/* Counts of the span's values falling in h's bins (out of range dropped) into counts[]; returns the
 * number of values counted in total (in or out of range, NaN excluded). */
size_t quant_hist_count(const quant_hist *h, const quant_span *s, double *counts);

/* tf_enhanced: fixes the range on the first batch that is not all zeros (widened 3x about its centre)
 * and adds the batch's normalised histogram to the sums. bmin/bmax are the batch's min/max. */
void quant_hist_average(quant_hist *h, const quant_span *s, double bmin, double bmax);

/* tf_enhanced once the range is fixed (h->ready): folds the batch and finds its min/max in one pass;
 * false when the span has no finite value. */
bool quant_hist_average_fused(quant_hist *h, const quant_span *s, double *bmin, double *bmax);

/* percentile / mse: widens the range to cover [bmin, bmax] (redistributing counts proportionally) and
 * adds the batch's counts. */
void quant_hist_accumulate(quant_hist *h, const quant_span *s, double bmin, double bmax);

/* tf_enhanced's averaged histogram: the mean of the batches' normalised histograms, as counts. */
void quant_hist_mean(const quant_hist *h, quant_hist *mean);

/* Encodings from a histogram, one per scheme (tf_enhanced takes the mean). obs_min/obs_max: the running exact range. */
int quant_tf_enhanced_encoding(const quant_hist *h, const quant_format *f, quant_encoding *out, qrc_err *e);
int quant_percentile_encoding(const quant_hist *h, double pct, double obs_min, double obs_max,
                              const quant_format *f, quant_encoding *out, qrc_err *e);
int quant_mse_encoding(const quant_hist *h, double obs_min, double obs_max, const quant_format *f,
                       quant_encoding *out, qrc_err *e);

#endif
