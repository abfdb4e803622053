/* tf_enhanced.c — the encoding search over an averaged histogram: candidate grids scored by
 * quantization noise inside the range plus 3x the saturation noise outside it. */
#include <math.h>

#include "stats.h"

static const double SATURATION_WEIGHT = 3.0;

typedef struct candidate {
    double scale;
    int offset;
} candidate;

enum { MAX_CANDIDATES = 17 * 21 + 1 + 101 };

static double midpoint(const quant_hist *h, int i)
{
    return h->lo + i * h->step + h->step / 2;
}

static int bin_of(const quant_hist *h, double v)
{
    double j = floor((v - h->lo) / h->step);
    return j < 0 ? 0 : j > QUANT_HIST_BINS - 1 ? QUANT_HIST_BINS - 1 : (int)j;
}

/* The observed range: left edges of the lowest and highest non-empty bins, with 0 included and at least
 * the minimum range. */
static void observed_range(const quant_hist *h, double *min, double *max)
{
    double lo = h->lo, hi = h->lo + (QUANT_HIST_BINS - 1) * h->step;
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        if (h->bins[i] > 0) {
            lo = h->lo + i * h->step;
            break;
        }
    for (int i = QUANT_HIST_BINS - 1; i > 0; i--)
        if (h->bins[i] > 0) {
            hi = h->lo + i * h->step;
            break;
        }
    lo = fmin(lo, 0.0);
    hi = fmax(hi, 0.0);
    *min = lo;
    *max = fmax(hi, lo + QUANT_MIN_RANGE);
}

static double cost(const quant_hist *h, int bitwidth, double scale, int offset)
{
    double lo = scale * offset;
    double hi = scale * (pow(2, bitwidth) - 1) + lo;
    int lo_bin = bin_of(h, lo), hi_bin = bin_of(h, hi);
    double lo_mid = midpoint(h, lo_bin), hi_mid = midpoint(h, hi_bin);
    double saturation = 0, noise = 0;
    for (int i = 0; i < lo_bin; i++)
        if (h->bins[i] > 0) {
            double d = midpoint(h, i) - lo_mid;
            saturation += h->bins[i] * d * d;
        }
    for (int i = hi_bin; i < QUANT_HIST_BINS; i++)
        if (h->bins[i] > 0) {
            double d = midpoint(h, i) - hi_mid;
            saturation += h->bins[i] * d * d;
        }
    for (int i = lo_bin; i < hi_bin; i++)
        if (h->bins[i] > 0) {
            double v = midpoint(h, i);
            double q = round(v / scale - offset);
            double d = v - scale * (q + offset);
            noise += h->bins[i] * d * d;
        }
    return SATURATION_WEIGHT * saturation + noise;
}

/* Asymmetric: 17 scales (1/16 .. 17/16 of the observed one) x 21 offsets spread over the grid, each
 * shrunk to the observed range (candidates wider than it on both sides are useless and skipped), plus
 * the observed range itself. */
static int asymmetric_candidates(double min, double max, double steps, candidate *c)
{
    int n = 0;
    double obs_scale = (max - min) / steps;
    int obs_offset = (int)round(min / obs_scale);
    double obs_min = obs_scale * obs_offset, obs_max = obs_min + obs_scale * steps;
    for (int k = 1; k <= 17; k++) {
        double scale = k / 16.0 * obs_scale;
        for (int i = 0; i <= 20; i++) {
            int offset = (int)(-steps + steps / 20.0 * i);
            double lo = scale * offset, hi = lo + scale * steps;
            if (lo < obs_min && hi > obs_max)
                continue;
            lo = fmax(lo, obs_min);
            hi = fmin(hi, obs_max);
            double s = (hi - lo) / steps;
            if (!(s > 0))
                continue;
            c[n++] = (candidate){s, (int)round(lo / s)};
        }
    }
    c[n++] = (candidate){obs_scale, obs_offset};
    return n;
}

/* Symmetric: 101 scales (0.01 .. 1.01 of the full one) at the fixed symmetric offset, or offset 0 for
 * unsigned symmetric on non-negative data. */
static int symmetric_candidates(double min, double max, double steps, bool unsigned_sym, candidate *c)
{
    double full;
    int offset;
    if (min == 0.0 && unsigned_sym) {
        full = max / steps;
        offset = 0;
    } else {
        full = 2 * fmax(fabs(min), fabs(max)) / steps;
        offset = (int)floor(-steps / 2);
    }
    for (int k = 1; k <= 101; k++)
        c[k - 1] = (candidate){k / 100.0 * full, offset};
    return 101;
}

int quant_tf_enhanced_encoding(const quant_hist *h, const quant_format *f, quant_encoding *out, qrc_err *e)
{
    if (quant_format_check(f, e))
        return -1;
    if (f->kind == QUANT_FLOAT || !h->ready || h->batches == 0)
        return quant_encoding_from_range(f, 0.0, 0.0, out, e);
    double min, max;
    observed_range(h, &min, &max);
    double steps = quant_format_steps(f);
    candidate c[MAX_CANDIDATES];
    int n = f->symmetric ? symmetric_candidates(min, max, steps, f->unsigned_sym, c)
                         : asymmetric_candidates(min, max, steps, c);
    int best = -1;
    double best_cost = INFINITY;
    for (int i = 0; i < n; i++) {
        double v = cost(h, f->bitwidth, c[i].scale, c[i].offset);
        if (v < best_cost) {
            best_cost = v;
            best = i;
        }
    }
    if (best < 0)
        return quant_encoding_from_range(f, min, max, out, e);
    return quant_encoding_from_scale_offset(f, c[best].scale, c[best].offset, out, e);
}
