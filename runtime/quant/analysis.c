/* analysis.c — weights against activations: the output SQNR with only the parameter quantizers applied,
 * and with only the activation (and input) quantizers, on the first batches of the data. Which of the two
 * costs more says whether to widen weights or activations first. */
#include <math.h>
#include <stdlib.h>

#include "sim_internal.h"

/* Output SQNR of the simulation against float over the given batches with the current active mask. */
static int masked_sqnr(quant_sim *s, int feeds, const char *const *names, tensor *const *in, tensor *const *ref,
                       int n, double *db, qrc_err *e)
{
    double sig = 0, noise = 0;
    tensor **outs = calloc((size_t)s->g->n_outputs + 1, sizeof *outs);
    if (!outs)
        return err_set(e, "out of memory");
    for (int b = 0; b < n; b++) {
        if (quant_simulate(s, feeds, names, (const tensor *const *)&in[b * feeds], outs, e)) {
            free(outs);
            return -1;
        }
        const float *q = outs[0]->data, *f = ref[b]->data;
        for (int64_t i = 0; i < tensor_numel(ref[b]); i++) {
            double d = (double)f[i] - q[i];
            sig += (double)f[i] * f[i];
            noise += d * d;
        }
        for (int o = 0; o < s->g->n_outputs; o++)
            tensor_free(outs[o]);
    }
    free(outs);
    *db = noise > 0 ? 10 * log10(sig / noise) : INFINITY;
    return 0;
}

int quant_weight_act_analysis(quant_sim *s, const quant_data *d, int max_batches, double *weights_db, double *acts_db,
                              qrc_err *e)
{
    int feeds = d->n_feeds, n = 0, rc = -1;
    tensor **in = calloc((size_t)(max_batches * feeds + 1), sizeof *in), **ref = calloc((size_t)max_batches + 1, sizeof *ref);
    tensor **outs = calloc((size_t)s->g->n_outputs + 1, sizeof *outs);
    bool *active = calloc((size_t)s->n_q + 1, sizeof *active);
    const char *names[feeds > 0 ? feeds : 1];
    quant_stream st;
    if (!in || !ref || !outs || !active) {
        err_set(e, "out of memory");
        goto done;
    }
    if (quant_stream_open(&st, d, s->g, e)) {
        quant_stream_close(&st);
        goto done;
    }
    quant_stream_names(&st, names);
    for (int64_t rows = 1; n < max_batches && rows;) {
        if (quant_stream_next(&st, &in[n * feeds], &rows, e) ||
            (rows && quant_run_float(s, feeds, names, (const tensor *const *)&in[n * feeds], outs, e))) {
            quant_stream_close(&st);
            goto done;
        }
        if (rows) {
            ref[n++] = outs[0];
            for (int o = 1; o < s->g->n_outputs; o++)
                tensor_free(outs[o]);
        }
    }
    quant_stream_close(&st);
    s->active = active;
    for (int i = 0; i < s->n_q; i++)
        active[i] = s->q[i].role == QUANT_ROLE_WEIGHT || s->q[i].role == QUANT_ROLE_BIAS;
    if (!masked_sqnr(s, feeds, names, in, ref, n, weights_db, e)) {
        for (int i = 0; i < s->n_q; i++)
            active[i] = !active[i];
        rc = masked_sqnr(s, feeds, names, in, ref, n, acts_db, e);
    }
    s->active = NULL;
    s->weights_applied = false; /* the next full simulation puts every weight back */
done:
    for (int i = 0; in && i < n * feeds; i++)
        tensor_free(in[i]);
    for (int b = 0; ref && b < n; b++)
        tensor_free(ref[b]);
    free(in);
    free(ref);
    free(outs);
    free(active);
    return rc;
}
