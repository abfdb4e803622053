/* progress.c — one updating status line (done/total, samples per second, time left) on a terminal;
 * nothing at all when the stream is not a terminal or none was given. */
#include <time.h>
#include <unistd.h>

#include "sim_internal.h"

double quant_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void quant_progress_begin(quant_progress *p, const quant_sim *s, const char *what, int64_t total)
{
    FILE *out = s->opts.progress;
    p->out = out && isatty(fileno(out)) ? out : NULL;
    p->what = what;
    p->total = total;
    p->start = quant_now();
}

void quant_progress_step(quant_progress *p, int64_t done)
{
    if (!p->out)
        return;
    double t = quant_now() - p->start;
    double rate = t > 0 ? (double)done / t : 0;
    double left = rate > 0 ? (double)(p->total - done) / rate : 0;
    fprintf(p->out, "\r%s: %lld/%lld samples, %.0f samples/s, %.0f s left   ", p->what, (long long)done,
            (long long)p->total, rate, left);
    fflush(p->out);
}

void quant_progress_end(quant_progress *p)
{
    if (!p->out)
        return;
    fprintf(p->out, "\r%s: done in %.1f s%40s\n", p->what, quant_now() - p->start, "");
    fflush(p->out);
}
