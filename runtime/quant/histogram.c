/* histogram.c — fixed-size histograms of streamed batches: tf_enhanced's averaged PDF over a range fixed
 * by the first non-zero batch, and the widening count histogram behind percentile and mse. */
#include <math.h>
#include <string.h>

#include "stats.h"

bool quant_span_minmax(const quant_span *s, double *min, double *max)
{
    float lo = INFINITY, hi = -INFINITY;
    for (size_t o = 0; o < s->outer; o++) {
        const float *x = s->x + o * s->stride;
        for (size_t i = 0; i < s->inner; i++) {
            float v = x[i];
            /* Comparisons with NaN are false, so NaNs never win. Infinities are excluded below. */
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (!(lo <= hi) || isinf(lo) || isinf(hi)) {
        /* Empty, all NaN, or with infinities: recompute over finite values only (rare slow path). */
        lo = INFINITY;
        hi = -INFINITY;
        for (size_t o = 0; o < s->outer; o++)
            for (size_t i = 0; i < s->inner; i++) {
                float v = s->x[o * s->stride + i];
                if (!isfinite(v))
                    continue;
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        if (!(lo <= hi))
            return false;
    }
    *min = lo;
    *max = hi;
    return true;
}

/* Bin counts of one span. With clamp, values just past either edge (float rounding) land in the end
 * bins; without, values outside the range are dropped. Returns the number of non-NaN values. */
static size_t count_bins(const quant_hist *h, const quant_span *s, uint32_t *cnt, bool clamp)
{
    const float lo = (float)h->lo, inv = (float)(1.0 / h->step);
    size_t seen = 0;
    for (size_t o = 0; o < s->outer; o++) {
        const float *x = s->x + o * s->stride;
        for (size_t i = 0; i < s->inner; i++) {
            float t = (x[i] - lo) * inv;
            if (t != t)
                continue;
            seen++;
            if (clamp) {
                t = t < 0.0f ? 0.0f : t;
                t = t > (float)(QUANT_HIST_BINS - 1) ? (float)(QUANT_HIST_BINS - 1) : t;
            } else if (!(t >= 0.0f && t < (float)QUANT_HIST_BINS)) {
                continue;
            }
            cnt[(int)t]++;
        }
    }
    return seen;
}

size_t quant_hist_count(const quant_hist *h, const quant_span *s, double *counts)
{
    uint32_t cnt[QUANT_HIST_BINS] = {0};
    size_t seen = count_bins(h, s, cnt, false);
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        counts[i] = cnt[i];
    return seen;
}

/* count_bins for a fixed range that also finds the span's min and max in the same pass (infinities
 * and NaNs excluded). Returns the number of non-NaN values; *ok is false when no finite value was seen. */
static size_t count_bins_minmax(const quant_hist *h, const quant_span *s, uint32_t *cnt, double *bmin,
                                double *bmax, bool *ok)
{
    const float lo = (float)h->lo, inv = (float)(1.0 / h->step);
    float mn = INFINITY, mx = -INFINITY;
    size_t seen = 0;
    for (size_t o = 0; o < s->outer; o++) {
        const float *x = s->x + o * s->stride;
        for (size_t i = 0; i < s->inner; i++) {
            float v = x[i];
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            float t = (v - lo) * inv;
            if (t != t)
                continue;
            seen++;
            if (t >= 0.0f && t < (float)QUANT_HIST_BINS)
                cnt[(int)t]++;
        }
    }
    *ok = mn <= mx && !isinf(mn) && !isinf(mx);
    if (!*ok && seen > 0)
        *ok = quant_span_minmax(s, bmin, bmax); /* infinities present: the slow exact path */
    else if (*ok) {
        *bmin = mn;
        *bmax = mx;
    }
    return seen;
}

bool quant_hist_average_fused(quant_hist *h, const quant_span *s, double *bmin, double *bmax)
{
    uint32_t cnt[QUANT_HIST_BINS] = {0};
    bool ok;
    size_t n = count_bins_minmax(h, s, cnt, bmin, bmax, &ok);
    if (n == 0)
        return ok;
    double k = (double)h->batches;
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        h->bins[i] = (h->bins[i] * k + (double)cnt[i] / (double)n) / (k + 1);
    h->batches++;
    return ok;
}

void quant_hist_average(quant_hist *h, const quant_span *s, double bmin, double bmax)
{
    if (!h->ready) {
        if (bmin == 0.0 && bmax == 0.0)
            return; /* an all-zero batch says nothing about the range */
        if (bmin == bmax)
            bmax = bmin + QUANT_MIN_RANGE;
        double centre = (bmin + bmax) / 2;
        double lo = centre - 3 * (centre - bmin), hi = centre + 3 * (bmax - centre);
        h->lo = lo;
        h->step = (hi - lo) / QUANT_HIST_BINS;
        h->ready = true;
    }
    uint32_t cnt[QUANT_HIST_BINS] = {0};
    size_t n = count_bins(h, s, cnt, false);
    if (n == 0)
        return;
    double k = (double)h->batches;
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        h->bins[i] = (h->bins[i] * k + (double)cnt[i] / (double)n) / (k + 1);
    h->batches++;
}

/* Moves the counts onto a wider range [lo, hi): each old bin's mass is split between the (at most two)
 * new bins it overlaps, in proportion to the overlap. */
static void widen(quant_hist *h, double lo, double hi)
{
    double old[QUANT_HIST_BINS];
    memcpy(old, h->bins, sizeof old);
    memset(h->bins, 0, sizeof h->bins);
    double step = (hi - lo) / QUANT_HIST_BINS;
    for (int i = 0; i < QUANT_HIST_BINS; i++) {
        if (old[i] == 0.0)
            continue;
        double a = h->lo + i * h->step, b = a + h->step;
        int j = (int)floor((a - lo) / step);
        j = j < 0 ? 0 : j > QUANT_HIST_BINS - 1 ? QUANT_HIST_BINS - 1 : j;
        double edge = lo + (j + 1) * step;
        if (b <= edge || j == QUANT_HIST_BINS - 1) {
            h->bins[j] += old[i];
        } else {
            double part = old[i] * (edge - a) / h->step;
            h->bins[j] += part;
            h->bins[j + 1] += old[i] - part;
        }
    }
    h->lo = lo;
    h->step = step;
}

void quant_hist_accumulate(quant_hist *h, const quant_span *s, double bmin, double bmax)
{
    if (!h->ready) {
        if (bmax - bmin < QUANT_MIN_RANGE * 1e-3)
            bmax = bmin + QUANT_MIN_RANGE;
        h->lo = bmin;
        h->step = (bmax - bmin) / QUANT_HIST_BINS;
        h->ready = true;
    } else {
        double hi = h->lo + h->step * QUANT_HIST_BINS;
        if (bmin < h->lo || bmax > hi)
            widen(h, fmin(bmin, h->lo), fmax(bmax, hi));
    }
    uint32_t cnt[QUANT_HIST_BINS] = {0};
    count_bins(h, s, cnt, true);
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        h->bins[i] += cnt[i];
    h->batches++;
}
