/* build_histograms.c — for the HTML report: every quantized tensor's values binned against its
 * quantizer's range. Weights are read from the model; activations and inputs are observed on one float
 * run of the first evaluation batch (else the first calibration batch). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver/build_histograms.h"
#include "exec.h"

enum { N_BINS = 64 };

typedef struct collector {
    build *b;
    export_hist *h;
    int n, cap;
} collector;

/* The quantizer's range: the widest over its channels. */
static void enc_range(const quant_quantizer *q, double *lo, double *hi)
{
    *lo = q->enc[0].min, *hi = q->enc[0].max;
    for (int c = 1; c < q->n_channels; c++) {
        *lo = fmin(*lo, q->enc[c].min);
        *hi = fmax(*hi, q->enc[c].max);
    }
}

/* Channel of element k of t along axis (0 when per-tensor). */
static int channel_of(const tensor *t, int axis, int64_t k)
{
    if (axis < 0 || axis >= t->rank)
        return 0;
    int64_t inner = 1;
    for (int d = axis + 1; d < t->rank; d++)
        inner *= t->dims[d];
    return (int)((k / inner) % t->dims[axis]);
}

/* Bins t's values over the union of their span and the quantizer's range; clipped counts each value
 * against its own channel's range. */
static void add_hist(collector *c, const quant_quantizer *q, const tensor *t)
{
    const float *v = t->data;
    int64_t n = tensor_numel(t);
    if (!n || t->dtype != DT_FLOAT || !q->enc || q->enc[0].kind != QUANT_INT || c->n >= c->cap)
        return;
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->h[i].tensor, q->tensor))
            return;
    double lo, hi, emin, emax;
    enc_range(q, &emin, &emax);
    lo = emin, hi = emax;
    for (int64_t k = 0; k < n; k++)
        if (isfinite(v[k]))
            lo = fmin(lo, v[k]), hi = fmax(hi, v[k]);
    double *counts = arena_alloc(&c->b->a, sizeof *counts * N_BINS), span = hi > lo ? hi - lo : 1;
    memset(counts, 0, sizeof *counts * N_BINS);
    int64_t clipped = 0;
    bool per_channel = q->n_channels > 1;
    for (int64_t k = 0; k < n; k++) {
        if (!isfinite(v[k]))
            continue;
        int bin = (int)((v[k] - lo) / span * N_BINS);
        counts[bin < 0 ? 0 : bin >= N_BINS ? N_BINS - 1 : bin] += 1;
        const quant_encoding *ce = &q->enc[per_channel ? channel_of(t, q->axis, k) : 0];
        clipped += v[k] < ce->min || v[k] > ce->max;
    }
    static const char *const roles[] = {"input", "activation", "weight", "bias"};
    c->h[c->n++] = (export_hist){q->tensor, roles[q->role < 4 ? q->role : 1], lo, hi, N_BINS, counts, emin, emax,
                                 (double)clipped / (double)n, n};
}

static const quant_quantizer *own_quantizer(const build *b, const char *name)
{
    int i = quant_sim_find(b->sim, name);
    const quant_quantizer *q = i >= 0 ? quant_sim_get(b->sim, i) : NULL;
    return q && !strcmp(q->tensor, name) ? q : NULL;
}

static int on_value(int value, tensor *t, void *user, qrc_err *e)
{
    (void)e;
    collector *c = user;
    const quant_quantizer *q = own_quantizer(c->b, c->b->g->values[value].name);
    if (q && (q->role == QUANT_ROLE_ACT || q->role == QUANT_ROLE_INPUT))
        add_hist(c, q, t);
    return 0;
}

/* One float run on the first batch, observing every quantized activation. */
static int observe_activations(collector *c, const quant_data *d, qrc_err *e)
{
    build *b = c->b;
    tensor *batch[d->n_feeds > 0 ? d->n_feeds : 1];
    const char *names[d->n_feeds > 0 ? d->n_feeds : 1];
    int64_t rows;
    if (quant_data_first_batch(d, b->g, batch, names, &rows, e))
        return -1;
    if (!rows)
        return 0;
    for (int f = 0; f < d->n_feeds; f++) {
        const quant_quantizer *q = own_quantizer(b, names[f]);
        if (q)
            add_hist(c, q, batch[f]);
    }
    exec *x;
    tensor **outs = calloc((size_t)b->g->n_outputs + 1, sizeof *outs);
    int rc = !outs ? err_set(e, "out of memory") : exec_new(b->g, b->args->threads, &x, e);
    if (!rc) {
        exec_set_observer(x, on_value, c);
        rc = exec_run(x, d->n_feeds, names, (const tensor *const *)batch, outs, e);
        for (int o = 0; !rc && o < b->g->n_outputs; o++)
            tensor_free(outs[o]);
        exec_free(x);
    }
    free(outs);
    for (int f = 0; f < d->n_feeds; f++)
        tensor_free(batch[f]);
    return rc;
}

int build_histograms(build *b, export_hist **out, int *n, const char **source, qrc_err *e)
{
    int nq = quant_sim_count(b->sim);
    collector c = {b, arena_alloc(&b->a, sizeof(export_hist) * (size_t)(nq + 1)), 0, nq};
    *out = c.h, *n = 0, *source = NULL;
    const quant_data *d = b->cfg.eval.n_feeds ? &b->cfg.eval : b->cfg.calib.n_feeds ? &b->cfg.calib : NULL;
    if (d) {
        if (observe_activations(&c, d, e))
            return err_wrap(e, "report histograms");
        *source = arena_printf(&b->a, "one float run on the first %s batch",
                               d == &b->cfg.eval ? "evaluation" : "calibration");
    }
    for (int i = 0; i < nq; i++) {
        const quant_quantizer *q = quant_sim_get(b->sim, i);
        if ((q->role == QUANT_ROLE_WEIGHT || q->role == QUANT_ROLE_BIAS) && b->g->values[q->value].init)
            add_hist(&c, q, b->g->values[q->value].init);
    }
    *n = c.n;
    return 0;
}
