/* bias_correction.c — the mean shift weight quantization causes, moved back into the bias (ptq.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ptq_internal.h"

/* Per-channel sums of the input of every layer to correct (axis 1, the channel axis of NCHW and of
 * a Gemm's [N, K] input). */
typedef struct means {
    const graph *g;
    const ptq_weight *w;
    int n;
    double **sum;
    int64_t *count;
    int64_t *channels;
} means;

static int observe(int value, tensor *t, void *user, qrc_err *e)
{
    means *m = user;
    for (int i = 0; i < m->n; i++) {
        if (!m->sum[i] || m->g->nodes[m->w[i].node].in[0] != value || t->dtype != DT_FLOAT || t->rank < 2)
            continue;
        int64_t ch = t->dims[1], sp = 1;
        for (int d = 2; d < t->rank; d++)
            sp *= t->dims[d];
        if (ch != m->channels[i])
            return err_set(e, "'%s': %lld channels, its layer reads %lld", m->g->values[value].name, (long long)ch,
                           (long long)m->channels[i]);
        const float *x = t->data;
        for (int64_t b = 0; b < t->dims[0]; b++)
            for (int64_t c = 0; c < ch; c++) {
                double s = 0;
                for (int64_t k = 0; k < sp; k++)
                    s += x[(b * ch + c) * sp + k];
                m->sum[i][c] += s;
            }
        m->count[i] += t->dims[0] * sp;
    }
    return 0;
}

/* The layer's weight and bias when it can be corrected: a float bias only it reads. */
static bool correctable(const graph *g, const ptq_weight *w, const tensor **wt, float **bias, int64_t *in_ch)
{
    const graph_node *nd = &g->nodes[w->node];
    bool gemm = !strcmp(nd->op_type, "Gemm");
    if ((!gemm && strcmp(nd->op_type, "Conv")) || nd->n_in < 3 || nd->in[2] < 0 || nd->in[0] < 0)
        return false;
    if (gemm && (graph_attr_int(nd, "transA", 0) || graph_attr_float(nd, "alpha", 1) != 1))
        return false;
    const graph_value *b = &g->values[nd->in[2]], *wv = &g->values[nd->in[1]];
    if (!b->init || b->init->dtype != DT_FLOAT || b->n_consumers != 1 || b->is_output || !wv->init ||
        wv->init->dtype != DT_FLOAT || (gemm ? wv->init->rank != 2 : wv->init->rank < 3))
        return false;
    *wt = wv->init;
    *bias = b->init->data;
    bool trans_b = gemm && graph_attr_int(nd, "transB", 0);
    *in_ch = gemm ? (trans_b ? (*wt)->dims[1] : (*wt)->dims[0]) : (*wt)->dims[1] * graph_attr_int(nd, "group", 1);
    int64_t out_ch = gemm && !trans_b ? (*wt)->dims[1] : (*wt)->dims[0];
    return tensor_numel(b->init) == out_ch;
}

/* bias[c] -= sum over the weights feeding c of (W~ - W) * E[x of their input channel]. */
static int correct(const graph *g, const ptq_weight *w, const tensor *wt, float *bias, const double *mean,
                   double *moved, qrc_err *e)
{
    int64_t n = tensor_numel(wt);
    float *q = malloc(sizeof *q * (size_t)n);
    double *shift = NULL;
    if (!q)
        return err_set(e, "out of memory for a copy of %lld weights", (long long)n);
    if (w->axis >= 0) {
        if (quant_fake_quant_axis(w->encs, w->n_encs, wt->data, q, wt->rank, wt->dims, w->axis, e)) {
            free(q);
            return -1;
        }
    } else
        quant_fake_quant(w->encs, wt->data, q, (size_t)n);
    const graph_node *nd = &g->nodes[w->node];
    bool gemm = !strcmp(nd->op_type, "Gemm"), trans_b = gemm && graph_attr_int(nd, "transB", 0);
    int64_t out_ch = gemm && !trans_b ? wt->dims[1] : wt->dims[0];
    shift = mem_zalloc((size_t)out_ch, sizeof *shift);
    const float *f = wt->data;
    if (gemm) {
        int64_t rows = wt->dims[0], cols = wt->dims[1];
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < cols; c++) {
                double d = (double)q[r * cols + c] - f[r * cols + c];
                if (trans_b)
                    shift[r] += d * mean[c]; /* [N, K] */
                else
                    shift[c] += d * mean[r]; /* [K, N] */
            }
    } else {
        int64_t per_group_in = wt->dims[1], sp = n / (wt->dims[0] * wt->dims[1]);
        int64_t per_group_out = wt->dims[0] / graph_attr_int(nd, "group", 1);
        for (int64_t c = 0; c < out_ch; c++) {
            int64_t first_in = (c / per_group_out) * per_group_in;
            for (int64_t j = 0; j < per_group_in; j++)
                for (int64_t k = 0; k < sp; k++) {
                    int64_t at = (c * per_group_in + j) * sp + k;
                    shift[c] += ((double)q[at] - f[at]) * mean[first_in + j];
                }
        }
    }
    for (int64_t c = 0; c < out_ch; c++) {
        bias[c] -= (float)shift[c];
        *moved += fabs(shift[c]) / (double)out_ch;
    }
    free(shift);
    free(q);
    return 0;
}

int ptq_bias_correction(graph *g, const ptq_weight *w, int n, int n_inputs, const char *const *names,
                        ptq_batch_fn next, void *user, int threads, ptq_bc_stats *st, qrc_err *e)
{
    *st = (ptq_bc_stats){0};
    means m = {g, w, n, mem_zalloc((size_t)n + 1, sizeof(double *)), mem_zalloc((size_t)n + 1, sizeof(int64_t)),
               mem_zalloc((size_t)n + 1, sizeof(int64_t))};
    const tensor **wt = mem_zalloc((size_t)n + 1, sizeof *wt);
    float **bias = mem_zalloc((size_t)n + 1, sizeof *bias);
    int rc = -1;
    for (int i = 0; i < n; i++)
        if (correctable(g, &w[i], &wt[i], &bias[i], &m.channels[i])) /* else no sums: skipped */
            m.sum[i] = mem_zalloc((size_t)m.channels[i], sizeof(double));
    if (ptq_run_batches(g, observe, &m, n_inputs, names, next, user, threads, &st->samples, e)) {
        err_wrap(e, "bias correction statistics");
        goto done;
    }
    double moved = 0;
    for (int i = 0; i < n; i++) {
        if (!m.sum[i] || m.count[i] == 0) {
            st->skipped++;
            continue;
        }
        for (int64_t c = 0; c < m.channels[i]; c++)
            m.sum[i][c] /= (double)m.count[i];
        if (correct(g, &w[i], wt[i], bias[i], m.sum[i], &moved, e))
            goto done;
        st->corrected++;
    }
    st->mean_abs_shift = st->corrected ? moved / st->corrected : 0;
    rc = 0;
done:
    for (int i = 0; i < n && m.sum; i++)
        free(m.sum[i]);
    free(m.sum);
    free(m.count);
    free(m.channels);
    free(wt);
    free(bias);
    return rc;
}
