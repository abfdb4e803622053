/* adaround.c — learned rounding of weights (ptq.h). */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ptq_internal.h"

/* The rectified sigmoid's stretch (AIMET's and the paper's values) and Adam's settings. */
#define ZETA 1.1
#define GAMMA (-0.1)
#define LR 1e-3
#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8

/* Row r's encoding: per channel along the output axis, or the one per-tensor encoding. */
static const quant_encoding *row_enc(const ptq_weight *pw, int64_t r)
{
    return pw->n_encs > 1 ? &pw->encs[r] : &pw->encs[0];
}

/* The integer codes an encoding can take (strict symmetric stops one step short). */
static void code_range(const quant_encoding *q, double *lo, double *hi)
{
    *lo = q->offset;
    *hi = q->offset + ((1 << q->bitwidth) - 1) - (q->strict ? 1 : 0);
}

/* Row r's weight for an integer code, the code clamped to the grid. */
static inline float on_grid(const ptq_weight *pw, int64_t r, double code)
{
    const quant_encoding *q = row_enc(pw, r);
    double lo, hi;
    code_range(q, &lo, &hi);
    return (float)(q->scale * fmin(hi, fmax(lo, code)));
}

static double rect_sigmoid(double v)
{
    return fmin(1, fmax(0, 1 / (1 + exp(-v)) * (ZETA - GAMMA) + GAMMA));
}

/* Learns the rounding of one layer and writes the rounded weights back. */
static int optimize(ptq_layer *l, const ptq_weight *pw, const ptq_adaround_opts *o, ptq_adaround_stats *st, qrc_err *e)
{
    size_t n = (size_t)(l->o * l->k);
    float *w = malloc(n * sizeof *w), *d = malloc(n * sizeof *d), *grad = malloc(n * sizeof *grad);
    double *fl = malloc(n * sizeof *fl), *v = malloc(n * sizeof *v), *m1 = calloc(n, sizeof *m1),
           *m2 = calloc(n, sizeof *m2);
    int rc = -1;
    if (!w || !d || !grad || !fl || !v || !m1 || !m2) {
        err_set(e, "out of memory for a layer of %zu weights (%zu bytes)", n, n * (3 * sizeof *w + 4 * sizeof *fl));
        goto done;
    }
    for (int64_t r = 0; r < l->o; r++) {
        const quant_encoding *q = row_enc(pw, r);
        for (int64_t c = 0; c < l->k; c++) {
            size_t i = (size_t)(r * l->k + c);
            w[i] = l->w[ptq_layer_at(l, r, c)];
            double x = w[i] / q->scale;
            fl[i] = floor(x);
            double p = (x - fl[i] - GAMMA) / (ZETA - GAMMA); /* h(v) starts at the fractional part */
            v[i] = log(p / (1 - p));
            d[i] = on_grid(pw, r, nearbyint(x)) - w[i];
        }
    }
    st->error_nearest += ptq_layer_error(l, d, grad);
    int warm = (int)(o->warm_start * o->iterations);
    double b1t = 1, b2t = 1;
    for (int t = 0; t < o->iterations; t++) {
        for (int64_t r = 0; r < l->o; r++)
            for (int64_t c = 0; c < l->k; c++) {
                size_t i = (size_t)(r * l->k + c);
                d[i] = on_grid(pw, r, fl[i] + rect_sigmoid(v[i])) - w[i];
            }
        dnnl_sgemm('N', 'N', l->o, l->k, l->k, 1.0f, d, l->k, l->cov, l->k, 0.0f, grad, l->k);
        double beta = t < warm ? 0 : o->beta_end + (o->beta_start - o->beta_end) *
                                                      (1 - (double)(t - warm) / fmax(1, o->iterations - warm));
        b1t *= ADAM_B1;
        b2t *= ADAM_B2;
        double norm = 2 / ((double)l->cols * (double)l->o);
        for (int64_t r = 0; r < l->o; r++) {
            const quant_encoding *q = row_enc(pw, r);
            double lo, hi;
            code_range(q, &lo, &hi);
            for (int64_t c = 0; c < l->k; c++) {
                size_t i = (size_t)(r * l->k + c);
                double sg = 1 / (1 + exp(-v[i])), raw = sg * (ZETA - GAMMA) + GAMMA;
                if (raw <= 0 || raw >= 1)
                    continue; /* h is flat here: no gradient */
                double code = fl[i] + raw, gh = code > lo && code < hi ? norm * grad[i] * q->scale : 0;
                if (beta > 0) {
                    double u = 2 * raw - 1;
                    gh += o->reg * -beta * pow(fabs(u), beta - 1) * (u > 0 ? 2 : -2);
                }
                double gv = gh * (ZETA - GAMMA) * sg * (1 - sg);
                m1[i] = ADAM_B1 * m1[i] + (1 - ADAM_B1) * gv;
                m2[i] = ADAM_B2 * m2[i] + (1 - ADAM_B2) * gv * gv;
                v[i] -= LR * (m1[i] / (1 - b1t)) / (sqrt(m2[i] / (1 - b2t)) + ADAM_EPS);
            }
        }
    }
    for (int64_t r = 0; r < l->o; r++)
        for (int64_t c = 0; c < l->k; c++) {
            size_t i = (size_t)(r * l->k + c);
            float rounded = on_grid(pw, r, fl[i] + (rect_sigmoid(v[i]) >= 0.5));
            d[i] = rounded - w[i];
            l->w[ptq_layer_at(l, r, c)] = rounded;
        }
    st->error_adaround += ptq_layer_error(l, d, grad);
    rc = 0;
done:
    free(w);
    free(d);
    free(grad);
    free(fl);
    free(v);
    free(m1);
    free(m2);
    return rc;
}

typedef struct ada_run {
    const ptq_weight *w;
    const ptq_adaround_opts *o;
    ptq_adaround_stats *st;
} ada_run;

static int ada_layer(ptq_layer *l, int i, void *user, qrc_err *e)
{
    ada_run *r = user;
    return optimize(l, &r->w[i], r->o, r->st, e);
}

int ptq_adaround(graph *g, const ptq_weight *w, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                 void *user, int threads, const ptq_adaround_opts *o, ptq_adaround_stats *st, qrc_err *e)
{
    *st = (ptq_adaround_stats){0};
    ptq_layer *l = mem_zalloc((size_t)n + 1, sizeof *l);
    for (int i = 0; i < n; i++)
        if (w[i].encs[0].kind != QUANT_INT || !ptq_layer_setup(g, w[i].node, w[i].axis, &l[i]))
            st->skipped++;
    ada_run r = {w, o, st};
    return ptq_layers_each(g, l, n, n_inputs, names, next, user, threads, "adaround", &st->samples, &st->layers,
                           &st->skipped, ada_layer, &r, e);
}
