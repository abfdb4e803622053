/* percentile.c — range clipped at the (100-P)th and Pth percentiles of a count histogram. */
#include <math.h>

#include "stats.h"

/* The value below which a fraction q of the histogram's mass lies, interpolating inside the bin. */
static double quantile(const quant_hist *h, double total, double q)
{
    double target = q * total, cum = 0;
    for (int i = 0; i < QUANT_HIST_BINS; i++) {
        double c = h->bins[i];
        if (c > 0 && cum + c >= target)
            return h->lo + h->step * (i + (target - cum) / c);
        cum += c;
    }
    return h->lo + h->step * QUANT_HIST_BINS;
}

int quant_percentile_encoding(const quant_hist *h, double pct, double obs_min, double obs_max,
                              const quant_format *f, quant_encoding *out, qrc_err *e)
{
    if (!h->ready)
        return quant_encoding_from_range(f, 0.0, 0.0, out, e);
    double total = 0;
    for (int i = 0; i < QUANT_HIST_BINS; i++)
        total += h->bins[i];
    if (total <= 0)
        return quant_encoding_from_range(f, 0.0, 0.0, out, e);
    double p = pct / 100.0;
    double lo = fmax(quantile(h, total, 1.0 - p), obs_min);
    double hi = fmin(quantile(h, total, p), obs_max);
    if (lo > hi)
        lo = hi;
    return quant_encoding_from_range(f, lo, hi, out, e);
}
