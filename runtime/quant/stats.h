/* stats.h — statistics shared by the observer's schemes (private to runtime/quant/).
 *
 * A channel's elements are a strided view: `outer` runs of `inner` contiguous floats, runs `stride`
 * floats apart (per-tensor: one run of n). A large single run is scanned by up to `threads` threads
 * in contiguous parts; counts are integers and extremes exact, so the results do not depend on the
 * thread count. Histograms are fixed arrays of QUANT_HIST_BINS doubles;
 * bin i covers [lo + i*step, lo + (i+1)*step). */
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

typedef struct quant_hist {
    double lo, step;
    double bins[QUANT_HIST_BINS];
    int64_t batches; /* batches folded in */
    bool ready;      /* range fixed */
} quant_hist;

/* Min and max of the finite values of a span; false when it has none. */
bool quant_span_minmax(const quant_span *s, double *min, double *max);

/* Counts of the span's values falling in h's bins (out of range dropped) into counts[]; returns the
 * number of values counted in total (in or out of range, NaN excluded). */
size_t quant_hist_count(const quant_hist *h, const quant_span *s, double *counts);

/* tf_enhanced: fixes the range on the first batch that is not all zeros (widened 3x about its centre)
 * and averages the batch's normalised histogram in. bmin/bmax are the batch's min/max. */
void quant_hist_average(quant_hist *h, const quant_span *s, double bmin, double bmax);

/* tf_enhanced once the range is fixed (h->ready): folds the batch and finds its min/max in one pass;
 * false when the span has no finite value. */
bool quant_hist_average_fused(quant_hist *h, const quant_span *s, double *bmin, double *bmax);

/* percentile / mse: widens the range to cover [bmin, bmax] (redistributing counts proportionally) and
 * adds the batch's counts. */
void quant_hist_accumulate(quant_hist *h, const quant_span *s, double bmin, double bmax);

/* Encodings from a histogram, one per scheme. obs_min/obs_max: the running exact range. */
int quant_tf_enhanced_encoding(const quant_hist *h, const quant_format *f, quant_encoding *out, qrc_err *e);
int quant_percentile_encoding(const quant_hist *h, double pct, double obs_min, double obs_max,
                              const quant_format *f, quant_encoding *out, qrc_err *e);
int quant_mse_encoding(const quant_hist *h, double obs_min, double obs_max, const quant_format *f,
                       quant_encoding *out, qrc_err *e);

#endif
