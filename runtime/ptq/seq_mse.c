/* seq_mse.c — weight ranges chosen by the layer's output error (ptq.h). */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ptq_internal.h"

/* Range of row r (or of every row when per tensor) of the layer's weight. */
static void row_range(const ptq_layer *l, int64_t r0, int64_t r1, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = 0; c < l->k; c++) {
            double v = l->w[ptq_layer_at(l, r, c)];
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
}

/* Searches one layer: for candidate k (factor k/N of each row's range) the rows' output errors
 * err[k * O + r]; then each row (or the whole tensor) takes the lowest. */
static int search(const ptq_layer *l, ptq_range *pr, int n_cand, ptq_seq_mse_stats *st, qrc_err *e)
{
    int64_t o = l->o, k = l->k;
    bool per_row = pr->n_encs > 1;
    size_t n = (size_t)(o * k);
    float *d = malloc(n * sizeof *d), *prod = malloc(n * sizeof *prod), *row = malloc((size_t)k * sizeof *row);
    double *err = malloc((size_t)n_cand * (size_t)o * sizeof *err), *lo = malloc((size_t)o * sizeof *lo),
           *hi = malloc((size_t)o * sizeof *hi);
    quant_encoding *cand = malloc((size_t)n_cand * (size_t)pr->n_encs * sizeof *cand);
    int rc = -1;
    if (!d || !prod || !row || !err || !lo || !hi || !cand) {
        err_set(e, "out of memory for a layer of %zu weights and %d candidates", n, n_cand);
        goto done;
    }
    for (int64_t r = 0; r < o; r++)
        if (per_row)
            row_range(l, r, r + 1, &lo[r], &hi[r]);
        else if (r == 0)
            row_range(l, 0, o, &lo[0], &hi[0]);
    for (int c = 0; c < n_cand; c++) {
        double a = (double)(c + 1) / n_cand;
        for (int i = 0; i < pr->n_encs; i++)
            if (quant_encoding_from_range(&pr->format, a * lo[i], a * hi[i], &cand[c * pr->n_encs + i], e))
                goto done;
        for (int64_t r = 0; r < o; r++) {
            const quant_encoding *q = &cand[c * pr->n_encs + (per_row ? r : 0)];
            for (int64_t j = 0; j < k; j++)
                row[j] = l->w[ptq_layer_at(l, r, j)];
            quant_fake_quant(q, row, d + r * k, (size_t)k);
            for (int64_t j = 0; j < k; j++)
                d[r * k + j] -= row[j];
        }
        if (dnnl_sgemm('N', 'N', o, k, k, 1.0f, d, k, l->cov, k, 0.0f, prod, k) != dnnl_success) {
            err_set(e, "seq_mse: matrix product failed");
            goto done;
        }
        for (int64_t r = 0; r < o; r++) {
            double s = 0;
            for (int64_t j = 0; j < k; j++)
                s += (double)prod[r * k + j] * d[r * k + j];
            err[(size_t)c * (size_t)o + (size_t)r] = s;
        }
    }
    double norm = (double)l->cols * (double)o, full = 0, chosen = 0;
    for (int i = 0; i < pr->n_encs; i++) {
        /* From the full range down, strictly lower errors only: ties keep the wider range. */
        int best = n_cand - 1;
        double best_err = INFINITY;
        for (int c = n_cand - 1; c >= 0; c--) {
            double s = 0;
            for (int64_t r = per_row ? i : 0; r < (per_row ? i + 1 : o); r++)
                s += err[(size_t)c * (size_t)o + (size_t)r];
            if (c == n_cand - 1)
                full += s;
            if (s < best_err) {
                best_err = s;
                best = c;
            }
        }
        chosen += best_err;
        pr->encs[i] = cand[best * pr->n_encs + i];
    }
    st->error_minmax += full / norm;
    st->error_seq_mse += chosen / norm;
    rc = 0;
done:
    free(d);
    free(prod);
    free(row);
    free(err);
    free(lo);
    free(hi);
    free(cand);
    return rc;
}

typedef struct seq_run {
    ptq_range *w;
    int candidates;
    ptq_seq_mse_stats *st;
} seq_run;

static int seq_layer(ptq_layer *l, int i, void *user, qrc_err *e)
{
    seq_run *r = user;
    if (search(l, &r->w[i], r->candidates, r->st, e))
        return -1;
    r->w[i].searched = true;
    return 0;
}

int ptq_seq_mse(const graph *g, ptq_range *w, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                void *user, int threads, int candidates, ptq_seq_mse_stats *st, qrc_err *e)
{
    *st = (ptq_seq_mse_stats){0};
    if (candidates < 1)
        return err_set(e, "seq_mse needs at least one candidate, not %d", candidates);
    ptq_layer *l = mem_zalloc((size_t)n + 1, sizeof *l);
    for (int i = 0; i < n; i++) {
        w[i].searched = false;
        if (w[i].format.kind != QUANT_INT || !ptq_layer_setup(g, w[i].node, w[i].axis, &l[i]) ||
            (w[i].n_encs != 1 && w[i].n_encs != l[i].o)) {
            l[i] = (ptq_layer){0};
            st->skipped++;
        }
    }
    seq_run r = {w, candidates, st};
    return ptq_layers_each(g, l, n, n_inputs, names, next, user, threads, "seq_mse", &st->samples, &st->layers,
                           &st->skipped, seq_layer, &r, e);
}
