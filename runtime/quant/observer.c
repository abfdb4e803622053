/* observer.c — per-quantizer statistics: folds batches (per tensor or per channel) and dispatches to
 * the scheme that turns them into encodings. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static const char *const SCHEME_NAMES[] = {
#define SCHEME_NAME(up, low) [QUANT_SCHEME_##up] = #low,
    QUANT_SCHEMES(SCHEME_NAME)
#undef SCHEME_NAME
};
static_assert(sizeof SCHEME_NAMES / sizeof *SCHEME_NAMES == QUANT_SCHEME_COUNT_, "one name per scheme");

const char *quant_scheme_name(quant_scheme s)
{
    return (unsigned)s < QUANT_SCHEME_COUNT_ ? SCHEME_NAMES[s] : "unknown";
}

int quant_scheme_parse(const char *name, quant_scheme *out, qrc_err *e)
{
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++)
        if (strcmp(name, SCHEME_NAMES[s]) == 0) {
            *out = (quant_scheme)s;
            return 0;
        }
    char names[128] = "";
    for (int s = 0; s < QUANT_SCHEME_COUNT_; s++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 !s ? "" : s + 1 < QUANT_SCHEME_COUNT_ ? ", " : " or ", SCHEME_NAMES[s]);
    return err_set(e, "unknown quantization scheme '%s' (expected %s)", name, names);
}

quant_observer *quant_observer_new(quant_scheme s, int n_channels, double percentile, qrc_err *e)
{
    if ((unsigned)s >= QUANT_SCHEME_COUNT_) {
        err_set(e, "unknown quantization scheme %d", (int)s);
        return NULL;
    }
    if (n_channels < 1) {
        err_set(e, "an observer needs at least one channel, not %d", n_channels);
        return NULL;
    }
    if (s == QUANT_SCHEME_PERCENTILE && !(percentile > 50.0 && percentile <= 100.0)) {
        err_set(e, "percentile %g is outside (50, 100]", percentile);
        return NULL;
    }
    quant_observer *o = calloc(1, sizeof *o);
    if (!o)
        goto oom;
    o->scheme = s;
    o->n = n_channels;
    o->percentile = percentile;
    o->min = calloc((size_t)n_channels, sizeof *o->min);
    o->max = calloc((size_t)n_channels, sizeof *o->max);
    o->seen = calloc((size_t)n_channels, sizeof *o->seen);
    if (!o->min || !o->max || !o->seen)
        goto oom;
    if (s != QUANT_SCHEME_TF && !(o->hist = calloc((size_t)n_channels, sizeof *o->hist)))
        goto oom;
    return o;
oom:
    quant_observer_free(o);
    err_set(e, "out of memory for an observer of %d channels", n_channels);
    return NULL;
}

void quant_observer_set_threads(quant_observer *o, int threads)
{
    o->threads = threads;
}

void quant_observer_free(quant_observer *o)
{
    if (!o)
        return;
    free(o->min);
    free(o->max);
    free(o->seen);
    free(o->hist);
    free(o);
}

static void fold(quant_observer *o, int c, const quant_span *s)
{
    double bmin, bmax;
    bool fused = o->scheme == QUANT_SCHEME_TF_ENHANCED && o->hist[c].ready;
    if (fused ? !quant_hist_average_fused(&o->hist[c], s, &bmin, &bmax) : !quant_span_minmax(s, &bmin, &bmax))
        return;
    if (!o->seen[c]) {
        o->min[c] = bmin;
        o->max[c] = bmax;
        o->seen[c] = true;
    } else {
        o->min[c] = fmin(o->min[c], bmin);
        o->max[c] = fmax(o->max[c], bmax);
    }
    switch (o->scheme) {
    case QUANT_SCHEME_TF_ENHANCED:
        if (!fused) /* one pass already did both */
            quant_hist_average(&o->hist[c], s, bmin, bmax);
        break;
    case QUANT_SCHEME_PERCENTILE:
    case QUANT_SCHEME_MSE:
        quant_hist_accumulate(&o->hist[c], s, bmin, bmax);
        break;
    default:
        break;
    }
}

int quant_observer_update(quant_observer *o, const float *x, int rank, const int64_t *dims, int axis, qrc_err *e)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    if (o->n == 1) {
        quant_span s = {x, 1, n, n, o->threads};
        fold(o, 0, &s);
        o->batches++;
        return 0;
    }
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return err_set(e, "per-channel axis %d is out of range for rank %d", axis, rank);
    if (dims[axis] != o->n)
        return err_set(e, "per-channel axis %d has %lld channels, the observer %d", axis, (long long)dims[axis],
                       o->n);
    size_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= (size_t)dims[i];
    for (int i = axis + 1; i < rank; i++)
        inner *= (size_t)dims[i];
    for (int c = 0; c < o->n; c++) {
        quant_span s = {x + (size_t)c * inner, outer, inner, (size_t)o->n * inner, o->threads};
        fold(o, c, &s);
    }
    o->batches++;
    return 0;
}

int64_t quant_observer_batches(const quant_observer *o)
{
    return o->batches;
}

void quant_observer_range(const quant_observer *o, int c, double *min, double *max)
{
    *min = o->seen[c] ? o->min[c] : 0.0;
    *max = o->seen[c] ? o->max[c] : 0.0;
}

int quant_observer_encodings(const quant_observer *o, const quant_format *f, quant_encoding *out, qrc_err *e)
{
    if (quant_format_check(f, e))
        return -1;
    for (int c = 0; c < o->n; c++) {
        double lo, hi;
        quant_observer_range(o, c, &lo, &hi);
        int rc;
        switch (o->scheme) {
        case QUANT_SCHEME_TF_ENHANCED: {
            quant_hist mean;
            quant_hist_mean(&o->hist[c], &mean);
            rc = quant_tf_enhanced_encoding(&mean, f, &out[c], e);
            break;
        }
        case QUANT_SCHEME_PERCENTILE:
            rc = quant_percentile_encoding(&o->hist[c], o->percentile, lo, hi, f, &out[c], e);
            break;
        case QUANT_SCHEME_MSE:
            rc = quant_mse_encoding(&o->hist[c], lo, hi, f, &out[c], e);
            break;
        default:
            rc = quant_encoding_from_range(f, lo, hi, &out[c], e);
            break;
        }
        if (rc)
            return err_wrap(e, "channel %d", c);
    }
    return 0;
}
