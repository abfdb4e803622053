/* sensitivity.c — ranks quantizable ops, most sensitive first: by their own output noise
 * (sensitivity_local.c), by how much quantizing each one alone degrades the model's first output (SQNR
 * against float on a few calibration batches), or as a saved ranking lists them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sim_internal.h"

typedef struct ranked {
    int node, order;
    double sqnr;
} ranked;

static int by_sqnr(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->sqnr != y->sqnr)
        return x->sqnr < y->sqnr ? -1 : 1;
    return x->order - y->order;
}

static double sqnr_db(double sig, double noise)
{
    return noise > 0 ? 10.0 * log10(sig / noise) : INFINITY;
}

/* Ops owning an activation or parameter quantizer, in topological order. */
static int quantized_ops(const quant_sim *s, int *nodes, int *order)
{
    const graph *g = s->g;
    int n = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        int node = g->order[k];
        for (int i = 0; i < s->n_q; i++)
            if (s->q[i].node == node && s->q[i].role != QUANT_ROLE_INPUT) {
                nodes[n] = node;
                order[n++] = k;
                break;
            }
    }
    return n;
}

typedef struct held {
    tensor **in;   /* per batch, per feed */
    tensor **ref;  /* per batch: float output 0 */
    int n;
} held;

static void release(held *h, int feeds)
{
    for (int b = 0; b < h->n; b++) {
        for (int f = 0; f < feeds; f++)
            tensor_free(h->in[b * feeds + f]);
        tensor_free(h->ref[b]);
    }
    free(h->in);
    free(h->ref);
}

static bool same_format(const quant_format *a, const quant_format *b)
{
    return a->kind == b->kind && a->bitwidth == b->bitwidth && a->symmetric == b->symmetric &&
           a->strict == b->strict && a->unsigned_sym == b->unsigned_sym;
}

/* quant_place after ranking, keeping frozen encodings (AdaRound's weights, a loaded file): a quantizer
 * of the same tensor and role keeps them when its format, axis and channel count are unchanged; one
 * that a sensitivity rule gave another format is calibrated anew. */
static int place_keeping_frozen(quant_sim *s, qrc_err *e)
{
    const int n_old = s->n_q;
    quant_quantizer *old = mem_grow(NULL, (size_t)n_old + 1, sizeof *old);
    for (int i = 0; i < n_old; i++) {
        old[i] = s->q[i];
        if (s->q[i].frozen && !s->q[i].has_constraint)
            s->q[i].enc = NULL;   /* kept here; quant_place frees the rest */
        else
            old[i].enc = NULL;
    }
    int rc = quant_place(s, e);
    for (int i = 0; i < n_old; i++) {
        for (int j = 0; rc == 0 && old[i].enc && j < s->n_q; j++) {
            quant_quantizer *q = &s->q[j];
            if (q->value == old[i].value && q->role == old[i].role && q->axis == old[i].axis &&
                q->n_channels == old[i].n_channels && same_format(&q->format, &old[i].format) && !q->enc) {
                q->enc = old[i].enc;
                q->frozen = true;
                old[i].enc = NULL;
            }
        }
        free(old[i].enc);
    }
    free(old);
    return rc;
}

/* The exhaustive ranking: the model's first output over the first batches with each op quantized alone. */
static int rank_exhaustive(quant_sim *s, const quant_data *d, const int *nodes, int n_ops, quant_sens_info *r,
                           qrc_err *e)
{
    const graph *g = s->g;
    int max_batches = s->opts.sensitivity_batches > 0 ? s->opts.sensitivity_batches : 4;
    int feeds = d->n_feeds;
    held h = {mem_zalloc((size_t)max_batches * (size_t)feeds, sizeof(tensor *)),
              mem_zalloc((size_t)max_batches, sizeof(tensor *)), 0};
    bool *active = mem_zalloc((size_t)s->n_q + 1, sizeof *active);
    tensor **outs = mem_zalloc((size_t)g->n_outputs + 1, sizeof *outs);
    const char *names[feeds];
    quant_stream st;
    int rc = -1;
    /* Float references for the first batches. */
    if (quant_stream_open(&st, d, g, e)) {
        quant_stream_close(&st);
        goto done;
    }
    quant_stream_names(&st, names);
    while (h.n < max_batches) {
        int64_t rows;
        if (quant_stream_next(&st, &h.in[h.n * feeds], &rows, e)) {
            quant_stream_close(&st);
            goto done;
        }
        if (rows == 0)
            break;
        if (quant_run_float(s, feeds, names, (const tensor *const *)&h.in[h.n * feeds], outs, e)) {
            for (int f = 0; f < feeds; f++)
                tensor_free(h.in[h.n * feeds + f]);
            quant_stream_close(&st);
            goto done;
        }
        h.ref[h.n] = outs[0];
        for (int o = 1; o < g->n_outputs; o++)
            tensor_free(outs[o]);
        h.n++;
    }
    quant_stream_close(&st);
    quant_progress p;
    quant_progress_begin(&p, s, "sensitivity", n_ops);
    s->active = active;
    for (int k = 0; k < n_ops; k++) {
        for (int i = 0; i < s->n_q; i++)
            active[i] = s->q[i].node == nodes[k] && s->q[i].role != QUANT_ROLE_INPUT;
        double sig = 0, noise = 0;
        for (int b = 0; b < h.n; b++) {
            if (quant_simulate(s, feeds, names, (const tensor *const *)&h.in[b * feeds], outs, e))
                goto done_active;
            const float *q = outs[0]->data, *f = h.ref[b]->data;
            for (int64_t i = 0; i < tensor_numel(h.ref[b]); i++) {
                double dd = (double)f[i] - q[i];
                sig += (double)f[i] * f[i];
                noise += dd * dd;
            }
            for (int o = 0; o < g->n_outputs; o++)
                tensor_free(outs[o]);
        }
        r[k] = (quant_sens_info){nodes[k], sqnr_db(sig, noise), NAN, NAN, NAN, NAN, NAN};
        quant_progress_step(&p, k + 1);
    }
    quant_progress_end(&p);
    rc = 0;
done_active:
    s->active = NULL;
    s->weights_applied = false;
done:
    release(&h, feeds);
    free(active);
    free(outs);
    return rc;
}

/* Keeps a ranking (r sorted, n_ops entries, taken over); placing the quantizers again is what lets
 * sensitivity rules match it. */
static void keep(quant_sim *s, quant_sens_info *r, int n_ops)
{
    free(s->sens);
    s->sens = r;
    for (int n = 0; n < s->g->n_nodes; n++)
        s->sens_rank[n] = -1;
    for (int k = 0; k < n_ops; k++)
        s->sens_rank[r[k].node] = k;
    s->n_sens = s->n_ranked = n_ops;
}

/* Measures every quantizable op (local or exhaustive) and keeps the sorted result in s. */
static int measure(quant_sim *s, const quant_data *d, bool exhaustive, qrc_err *e)
{
    const graph *g = s->g;
    for (int i = 0; i < s->n_q; i++)
        if (!s->q[i].enc)
            return err_set(e, "sensitivity needs encodings: '%s' has none", s->q[i].tensor);
    int *nodes = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *nodes);
    int *order = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *order);
    quant_sens_info *r = mem_zalloc((size_t)g->n_nodes + 1, sizeof *r), *sorted = NULL;
    ranked *key = mem_zalloc((size_t)g->n_nodes + 1, sizeof *key);
    int rc = -1;
    int n_ops = quantized_ops(s, nodes, order);
    double start = quant_now();
    if (exhaustive ? rank_exhaustive(s, d, nodes, n_ops, r, e) : quant_rank_local(s, d, nodes, n_ops, r, e))
        goto done;
    s->sens_seconds = quant_now() - start;
    for (int k = 0; k < n_ops; k++)
        key[k] = (ranked){k, order[k], r[k].sqnr_db};
    qsort(key, (size_t)n_ops, sizeof *key, by_sqnr);
    sorted = mem_zalloc((size_t)n_ops + 1, sizeof *sorted);
    for (int k = 0; k < n_ops; k++)
        sorted[k] = r[key[k].node];
    keep(s, sorted, n_ops);
    rc = 0;
done:
    free(nodes);
    free(order);
    free(r);
    free(key);
    return rc;
}

int quant_rank_sensitivity(quant_sim *s, const quant_data *d, qrc_err *e)
{
    if (measure(s, d, s->opts.sensitivity_exhaustive, e))
        return -1;
    return place_keeping_frozen(s, e);
}

int quant_analyze(quant_sim *s, const quant_data *d, qrc_err *e)
{
    return measure(s, d, false, e);
}

int quant_set_ranking(quant_sim *s, const char *const *names, int n, qrc_err *e)
{
    const graph *g = s->g;
    int *nodes = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *nodes);
    int *order = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *order);
    quant_sens_info *r = mem_zalloc((size_t)g->n_nodes + 1, sizeof *r);
    bool *taken = mem_zalloc((size_t)g->n_nodes + 1, sizeof *taken);
    int rc = -1, k = 0;
    for (int i = 0; i < n; i++) {
        int node = graph_find_node(g, names[i]);
        if (node < 0) {
            err_set(e, "the ranking names '%s', which is not an op of the model", names[i]);
            goto done;
        }
        if (taken[node])
            continue;
        taken[node] = true;
        r[k++] = (quant_sens_info){node, NAN, NAN, NAN, NAN, NAN, NAN};
    }
    int n_ops = quantized_ops(s, nodes, order);
    for (int i = 0; i < n_ops; i++)
        if (!taken[nodes[i]])
            r[k++] = (quant_sens_info){nodes[i], NAN, NAN, NAN, NAN, NAN, NAN};
    keep(s, r, k);
    r = NULL;
    rc = place_keeping_frozen(s, e);
done:
    free(nodes);
    free(order);
    free(r);
    free(taken);
    return rc;
}

double quant_sensitivity_seconds(const quant_sim *s)
{
    return s->sens_seconds;
}

int quant_sensitivity_count(const quant_sim *s)
{
    return s->n_sens;
}

const quant_sens_info *quant_sensitivity_info(const quant_sim *s, int r)
{
    return r >= 0 && r < s->n_sens ? &s->sens[r] : NULL;
}

int quant_sensitivity_at(const quant_sim *s, int r, double *sqnr_db_out)
{
    if (r < 0 || r >= s->n_sens)
        return -1;
    if (sqnr_db_out)
        *sqnr_db_out = s->sens[r].sqnr_db;
    return s->sens[r].node;
}
