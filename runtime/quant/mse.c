/* mse.c — the clipping range whose grid minimises the expected squared quantize-dequantize error over a
 * count histogram's bin midpoints. Candidates shrink the observed range: symmetric grids by one factor
 * a in {0.01 .. 1} (only the magnitude matters); asymmetric grids by separate factors for min and max,
 * found by alternating one-dimensional searches (max, then min, then max again). */
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
    double min, max;   /* observed */
    double a_lo, a_hi; /* current shrink factors */
    double best_err;
    quant_encoding best;
} search;

/* Tries every factor for one side (lo_side: the min, else the max) with the other side fixed; keeps the
 * best factor. From the full range down, so ties keep the wider range. */
static int sweep(search *s, bool lo_side, qrc_err *e)
{
    double keep = lo_side ? s->a_lo : s->a_hi;
    for (int k = MSE_CANDIDATES; k >= 1; k--) {
        double a = (double)k / MSE_CANDIDATES;
        double a_lo = lo_side ? a : s->a_lo, a_hi = lo_side ? s->a_hi : a;
        quant_encoding q;
        if (quant_encoding_from_range(s->f, a_lo * s->min, a_hi * s->max, &q, e))
            return -1;
        double err = expected_error(s->h, &q, quant_format_steps(s->f));
        if (err < s->best_err) {
            s->best_err = err;
            s->best = q;
            keep = a;
        }
    }
    if (lo_side)
        s->a_lo = keep;
    else
        s->a_hi = keep;
    return 0;
}

int quant_mse_encoding(const quant_hist *h, double obs_min, double obs_max, const quant_format *f,
                       quant_encoding *out, qrc_err *e)
{
    if (f->kind == QUANT_FLOAT || !h->ready)
        return quant_encoding_from_range(f, 0.0, 0.0, out, e);
    search s = {.h = h, .f = f, .min = obs_min, .max = obs_max, .a_lo = 1, .a_hi = 1, .best_err = INFINITY};
    if (quant_encoding_from_range(f, obs_min, obs_max, &s.best, e))
        return -1;
    s.best_err = expected_error(h, &s.best, quant_format_steps(f));
    if (f->symmetric) {
        /* One factor for both sides. */
        for (int k = MSE_CANDIDATES; k >= 1; k--) {
            double a = (double)k / MSE_CANDIDATES;
            quant_encoding q;
            if (quant_encoding_from_range(f, a * obs_min, a * obs_max, &q, e))
                return -1;
            double err = expected_error(h, &q, quant_format_steps(f));
            if (err < s.best_err) {
                s.best_err = err;
                s.best = q;
            }
        }
    } else if (sweep(&s, false, e) || sweep(&s, true, e) || sweep(&s, false, e)) {
        return -1;
    }
    *out = s.best;
    return 0;
}
