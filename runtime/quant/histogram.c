/* histogram.c — fixed-size histograms of streamed batches: tf_enhanced's averaged PDF over a range fixed
 * by the first non-zero batch, and the widening count histogram behind percentile and mse. */
#include <math.h>
#include <string.h>

#include "stats.h"

enum { PART_MIN = 1 << 15, MAX_PARTS = 16 };   /* values per part at least; parts at most */

/* How many parts a span is scanned in: one unless it is a single long run and threads were given. */
static int span_parts(const quant_span *s)
{
    if (s->outer != 1 || s->threads < 2 || s->inner < 2 * PART_MIN)
        return 1;
    size_t parts = s->inner / PART_MIN;
    parts = parts < (size_t)s->threads ? parts : (size_t)s->threads;
    return parts < MAX_PARTS ? (int)parts : MAX_PARTS;
}

/* Part i of `parts` of a single-run span, as a serial span. */
static quant_span span_part(const quant_span *s, int i, int parts)
{
    size_t a = s->inner * (size_t)i / (size_t)parts, b = s->inner * (size_t)(i + 1) / (size_t)parts;
    return (quant_span){s->x + a, 1, b - a, b - a, 1};
}

static bool span_minmax_serial(const quant_span *s, double *min, double *max);

bool quant_span_minmax(const quant_span *s, double *min, double *max)
{
    const int parts = span_parts(s);
    if (parts == 1)
        return span_minmax_serial(s, min, max);
    double lo[MAX_PARTS], hi[MAX_PARTS];
    bool ok[MAX_PARTS];
#pragma omp parallel for num_threads(parts)
    for (int i = 0; i < parts; i++) {
        quant_span p = span_part(s, i, parts);
        ok[i] = span_minmax_serial(&p, &lo[i], &hi[i]);
    }
    bool any = false;
    for (int i = 0; i < parts; i++)
        if (ok[i]) {
            *min = any ? fmin(*min, lo[i]) : lo[i];
            *max = any ? fmax(*max, hi[i]) : hi[i];
            any = true;
        }
    return any;
}

static bool span_minmax_serial(const quant_span *s, double *min, double *max)
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
static size_t count_bins_serial(const quant_hist *h, const quant_span *s, uint32_t *cnt, bool clamp)
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

/* count_bins_serial over the span's parts, one thread each, the counts added up. */
static size_t count_bins(const quant_hist *h, const quant_span *s, uint32_t *cnt, bool clamp)
{
    const int parts = span_parts(s);
    if (parts == 1)
        return count_bins_serial(h, s, cnt, clamp);
    uint32_t part_cnt[MAX_PARTS][QUANT_HIST_BINS];
    size_t seen[MAX_PARTS];
#pragma omp parallel for num_threads(parts)
    for (int i = 0; i < parts; i++) {
        quant_span p = span_part(s, i, parts);
        memset(part_cnt[i], 0, sizeof part_cnt[i]);
        seen[i] = count_bins_serial(h, &p, part_cnt[i], clamp);
    }
    size_t total = 0;
    for (int i = 0; i < parts; i++) {
        total += seen[i];
        for (int b = 0; b < QUANT_HIST_BINS; b++)
            cnt[b] += part_cnt[i][b];
    }
    return total;
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
static size_t count_bins_minmax_serial(const quant_hist *h, const quant_span *s, uint32_t *cnt, double *bmin,
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
        *ok = span_minmax_serial(s, bmin, bmax); /* infinities present: the slow exact path */
    else if (*ok) {
        *bmin = mn;
        *bmax = mx;
    }
    return seen;
}

/* count_bins_minmax_serial over the span's parts, one thread each, counts added and extremes merged. */
static size_t count_bins_minmax(const quant_hist *h, const quant_span *s, uint32_t *cnt, double *bmin,
                                double *bmax, bool *ok)
{
    const int parts = span_parts(s);
    if (parts == 1)
        return count_bins_minmax_serial(h, s, cnt, bmin, bmax, ok);
    uint32_t part_cnt[MAX_PARTS][QUANT_HIST_BINS];
    size_t seen[MAX_PARTS];
    double lo[MAX_PARTS], hi[MAX_PARTS];
    bool part_ok[MAX_PARTS];
#pragma omp parallel for num_threads(parts)
    for (int i = 0; i < parts; i++) {
        quant_span p = span_part(s, i, parts);
        memset(part_cnt[i], 0, sizeof part_cnt[i]);
        seen[i] = count_bins_minmax_serial(h, &p, part_cnt[i], &lo[i], &hi[i], &part_ok[i]);
    }
    size_t total = 0;
    *ok = false;
    for (int i = 0; i < parts; i++) {
        total += seen[i];
        for (int b = 0; b < QUANT_HIST_BINS; b++)
            cnt[b] += part_cnt[i][b];
        if (part_ok[i]) {
            *bmin = *ok ? fmin(*bmin, lo[i]) : lo[i];
            *bmax = *ok ? fmax(*bmax, hi[i]) : hi[i];
            *ok = true;
        }
    }
    return total;
}

/* v in [0, 2^89) as a 128-bit integer, truncated, by two 64-bit conversions (the generic double to
 * 128-bit one is a slow library call): hi * 2^64 is the multiple of 2^64 just below v, so v minus it is
 * exact. */
static quant_u128 to_fixed(double v)
{
    uint64_t hi = (uint64_t)(v * 0x1p-64);
    uint64_t lo = (uint64_t)(v - (double)hi * 0x1p64);
    return (quant_u128)hi << 64 | lo;
}

/* Adds cnt/n, bin by bin, to the fixed-point sums. A fraction below 2^-36 (batches of more than 2^36
 * values) loses its lowest bits, the same way wherever it is added. */
static void add_normalised(quant_hist *h, const uint32_t *cnt, size_t n)
{
    const double one = ldexp(1.0, QUANT_HIST_FRAC_BITS);
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        if (cnt[i])
            h->sums[i] += to_fixed((double)cnt[i] / (double)n * one);
    h->batches++;
}

void quant_hist_mean(const quant_hist *h, quant_hist *mean)
{
    *mean = (quant_hist){.lo = h->lo, .step = h->step, .batches = h->batches, .ready = h->ready};
    if (h->batches == 0)
        return;
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        mean->bins[i] = ldexp((double)h->sums[i], -QUANT_HIST_FRAC_BITS) / (double)h->batches;
}

/* The top of a range that starts at a constant batch's value: QUANT_MIN_RANGE above it, or the next
 * double where that much is lost to rounding (|v| beyond about 1e14), so that bins never have width 0. */
static double widened_top(double v)
{
    return fmax(v + QUANT_MIN_RANGE, nextafter(v, INFINITY));
}

bool quant_hist_average_fused(quant_hist *h, const quant_span *s, double *bmin, double *bmax)
{
    uint32_t cnt[QUANT_HIST_BINS] = {0};
    bool ok;
    size_t n = count_bins_minmax(h, s, cnt, bmin, bmax, &ok);
    if (n == 0)
        return ok;
    add_normalised(h, cnt, n);
    return ok;
}

void quant_hist_average(quant_hist *h, const quant_span *s, double bmin, double bmax)
{
    if (!h->ready) {
        if (bmin == 0.0 && bmax == 0.0)
            return; /* an all-zero batch says nothing about the range */
        if (bmin == bmax)
            bmax = widened_top(bmin);
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
    add_normalised(h, cnt, n);
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
            bmax = widened_top(bmin);
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
