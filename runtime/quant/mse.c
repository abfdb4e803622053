/* mse.c — the clipping range whose grid minimises the expected squared quantize-dequantize error over a
 * count histogram's bin midpoints. Every grid holds 0 (AIMET's rule), so the search starts from the
 * observed range with 0 included, [min(lo, 0), max(hi, 0)], and shrinks its two sides towards 0:
 * symmetric grids by one factor a in {0.01 .. 1} (only the magnitude matters); asymmetric grids by
 * separate factors for the negative and the positive side, found by alternating one-dimensional searches
 * (positive, then negative, then positive again). Shrinking towards 0 keeps every candidate's min <= 0 <=
 * max, so data on one side of 0 (a Sigmoid's output, a pooled Relu) cannot produce min > max. The full
 * range is the first candidate and only a strictly lower error replaces it: the search never does worse
 * on the histogram than min/max. */
#include <math.h>

#include "stats.h"

enum { MSE_CANDIDATES = 100 };

static double expected_error(const quant_hist *h, const quant_encoding *q, int32_t steps)
{
    double lo = q->offset, hi = (double)q->offset + steps;
    double err = 0;
    for (int i = 0; i < QUANT_HIST_BINS; i++) {
        double c = h->bins[i];
        if (c == 0)
            continue;
        double v = h->lo + (i + 0.5) * h->step;
        double t = nearbyint(fmin(fmax(v / q->scale, lo), hi));
        double d = v - t * q->scale;
        err += c * d * d;
    }
    return err;
}

typedef struct search {
    const quant_hist *h;
    const quant_format *f;
    double neg, pos;   /* the range with 0 included: neg <= 0 <= pos */
    double a_neg, a_pos; /* current shrink factors */
    double best_err;
    quant_encoding best;
} search;

/* Scores the grid of [a_neg * neg, a_pos * pos]; keeps it (*kept set) when its error is strictly
 * lower. */
static int try_range(search *s, double a_neg, double a_pos, bool *kept, qrc_err *e)
{
    quant_encoding q;
    *kept = false;
    if (quant_encoding_from_range(s->f, a_neg * s->neg, a_pos * s->pos, &q, e))
        return -1;
    double err = expected_error(s->h, &q, quant_format_steps(s->f));
    if (err < s->best_err) {
        s->best_err = err;
        s->best = q;
        *kept = true;
    }
    return 0;
}

/* Tries every factor for one side (neg_side: the negative one, else the positive one; both for a
 * symmetric grid) with the other side fixed, and keeps the best. From the full range down, so ties keep
 * the wider range. A side that is 0 has nothing to shrink. */
static int sweep(search *s, bool neg_side, qrc_err *e)
{
    if ((neg_side ? s->neg : s->pos) == 0.0 && !s->f->symmetric)
        return 0;
    for (int k = MSE_CANDIDATES; k >= 1; k--) {
        double a = (double)k / MSE_CANDIDATES;
        double a_neg = neg_side || s->f->symmetric ? a : s->a_neg;
        double a_pos = !neg_side || s->f->symmetric ? a : s->a_pos;
        bool kept;
        if (try_range(s, a_neg, a_pos, &kept, e))
            return -1;
        if (kept) {
            s->a_neg = a_neg;
            s->a_pos = a_pos;
        }
    }
    return 0;
}

int quant_mse_encoding(const quant_hist *h, double obs_min, double obs_max, const quant_format *f,
                       quant_encoding *out, qrc_err *e)
{
    if (f->kind == QUANT_FLOAT || !h->ready)
        return quant_encoding_from_range(f, 0.0, 0.0, out, e);
    if (!(obs_min <= obs_max)) /* no finite value seen: the minimum-range grid */
        obs_min = obs_max = 0.0;
    double neg = fmin(obs_min, 0.0), pos = fmax(obs_max, 0.0);
    if (pos - neg < QUANT_MIN_RANGE) /* a constant or dead tensor: the grid the full range gets anyway */
        return quant_encoding_from_range(f, neg, pos, out, e);
    search s = {.h = h, .f = f, .neg = neg, .pos = pos, .a_neg = 1, .a_pos = 1, .best_err = INFINITY};
    bool kept;
    if (try_range(&s, 1.0, 1.0, &kept, e))
        return -1;
    if (f->symmetric ? sweep(&s, false, e) : sweep(&s, false, e) || sweep(&s, true, e) || sweep(&s, false, e))
        return -1;
    *out = s.best;
    return 0;
}
