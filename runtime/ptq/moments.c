/* moments.c — a weight layer as an [O x K] matrix and the second moments C = X X^T of its float inputs
 * (im2col columns for a Conv), gathered in one pass over the data: what AdaRound and Sequential MSE
 * score a weight difference D by, tr(D C D^T), without running the layer again (ptq_internal.h). */
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ptq_internal.h"

static int64_t attr_at(const graph_node *nd, const char *name, int i, int64_t dflt)
{
    const int64_t *v;
    int n = graph_attr_ints(nd, name, &v);
    return i < n ? v[i] : dflt;
}

/* ptq_layer_setup into l, which may be left partly filled on failure. */
static bool setup(const graph *g, int node, int axis, ptq_layer *l)
{
    const graph_node *nd = &g->nodes[node];
    const graph_value *wv = nd->n_in > 1 && nd->in[1] >= 0 ? &g->values[nd->in[1]] : NULL;
    if (!wv || !wv->init || wv->init->dtype != DT_FLOAT || wv->n_consumers != 1 || nd->in[0] < 0)
        return false;
    const tensor *w = wv->init;
    *l = (ptq_layer){.node = node, .w = w->data};
    if (!strcmp(nd->op_type, "Gemm")) {
        if (w->rank != 2 || graph_attr_int(nd, "transA", 0))
            return false;
        l->gemm_kn = !graph_attr_int(nd, "transB", 0);
        l->o = l->gemm_kn ? w->dims[1] : w->dims[0];
        l->k = l->gemm_kn ? w->dims[0] : w->dims[1];
        return axis < 0 || axis == (l->gemm_kn ? 1 : 0);
    }
    if (strcmp(nd->op_type, "Conv") || w->rank != 4 || graph_attr_int(nd, "group", 1) != 1 ||
        strcmp(graph_attr_string(nd, "auto_pad", "NOTSET"), "NOTSET") || (axis != -1 && axis != 0))
        return false;
    l->o = w->dims[0];
    l->c = w->dims[1];
    l->kh = w->dims[2];
    l->kw = w->dims[3];
    l->k = l->c * l->kh * l->kw;
    l->sh = attr_at(nd, "strides", 0, 1), l->sw = attr_at(nd, "strides", 1, 1);
    l->dh = attr_at(nd, "dilations", 0, 1), l->dw = attr_at(nd, "dilations", 1, 1);
    l->pt = attr_at(nd, "pads", 0, 0), l->pl = attr_at(nd, "pads", 1, 0);
    l->pb = attr_at(nd, "pads", 2, 0), l->pr = attr_at(nd, "pads", 3, 0);
    return true;
}

bool ptq_layer_setup(const graph *g, int node, int axis, ptq_layer *l)
{
    ptq_layer t;
    if (!setup(g, node, axis, &t))
        return false;
    *l = t;
    return true;
}

int64_t ptq_layer_at(const ptq_layer *l, int64_t r, int64_t c)
{
    return l->gemm_kn ? c * l->o + r : r * l->k + c;
}

/* The layers being gathered and the im2col scratch. */
typedef struct gather {
    const graph *g;
    ptq_layer *l;
    int n;
    float *col;
    size_t col_cap;
} gather;

static int add_conv_input(gather *gt, ptq_layer *l, const tensor *t, qrc_err *e)
{
    if (t->rank != 4 || t->dims[1] != l->c)
        return err_set(e, "input of shape rank %d does not fit its Conv", t->rank);
    int64_t h = t->dims[2], w = t->dims[3];
    int64_t oh = (h + l->pt + l->pb - l->dh * (l->kh - 1) - 1) / l->sh + 1;
    int64_t ow = (w + l->pl + l->pr - l->dw * (l->kw - 1) - 1) / l->sw + 1;
    if (oh < 1 || ow < 1)
        return 0;
    int64_t p = oh * ow;
    size_t need = (size_t)(l->k * p);
    if (need > gt->col_cap) {
        float *grown = realloc(gt->col, need * sizeof *grown);
        if (!grown)
            return err_set(e, "out of memory for %zu bytes of im2col columns", need * sizeof *grown);
        gt->col = grown;
        gt->col_cap = need;
    }
    for (int64_t b = 0; b < t->dims[0]; b++) {
        const float *x = (const float *)t->data + b * l->c * h * w;
        for (int64_t ci = 0; ci < l->c; ci++)
            for (int64_t i = 0; i < l->kh; i++)
                for (int64_t j = 0; j < l->kw; j++) {
                    float *row = gt->col + ((ci * l->kh + i) * l->kw + j) * p;
                    for (int64_t y = 0; y < oh; y++) {
                        int64_t iy = y * l->sh - l->pt + i * l->dh;
                        for (int64_t xo = 0; xo < ow; xo++) {
                            int64_t ix = xo * l->sw - l->pl + j * l->dw;
                            row[y * ow + xo] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : 0;
                        }
                    }
                }
        if (dnnl_sgemm('N', 'T', l->k, l->k, p, 1.0f, gt->col, p, gt->col, p, 1.0f, l->cov, l->k) != dnnl_success)
            return err_set(e, "matrix product failed");
        l->cols += p;
    }
    return 0;
}

static int observe(int value, tensor *t, void *user, qrc_err *e)
{
    gather *gt = user;
    for (int i = 0; i < gt->n; i++) {
        ptq_layer *l = &gt->l[i];
        if (!l->cov || gt->g->nodes[l->node].in[0] != value || t->dtype != DT_FLOAT)
            continue;
        if (!l->c) { /* Gemm: rows of [B, K] */
            if (t->rank != 2 || t->dims[1] != l->k)
                return err_set(e, "Gemm input does not have %lld columns", (long long)l->k);
            if (dnnl_sgemm('T', 'N', l->k, l->k, t->dims[0], 1.0f, t->data, l->k, t->data, l->k, 1.0f, l->cov, l->k) !=
                dnnl_success)
                return err_set(e, "matrix product failed");
            l->cols += t->dims[0];
        } else if (add_conv_input(gt, l, t, e))
            return -1;
    }
    return 0;
}

int ptq_layers_each(const graph *g, ptq_layer *l, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                    void *user, int threads, const char *what, int64_t *rows, int *layers, int *skipped,
                    ptq_layer_fn fn, void *fn_user, qrc_err *e)
{
    gather gt = {g, l, n, NULL, 0};
    int rc = -1;
    for (int i = 0; i < n; i++)
        if (l[i].w && !(l[i].cov = calloc((size_t)(l[i].k * l[i].k), sizeof(float)))) {
            err_set(e, "out of memory for a %lld x %lld input covariance", (long long)l[i].k, (long long)l[i].k);
            goto done;
        }
    /* One pass over the data; the weights change only after it. */
    if (ptq_run_batches(g, observe, &gt, n_inputs, names, next, user, threads, rows, e)) {
        err_wrap(e, "%s statistics", what);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (!l[i].cov)
            continue;
        if (l[i].cols == 0) {
            ++*skipped;
            continue;
        }
        if (fn(&l[i], i, fn_user, e))
            goto done;
        ++*layers;
    }
    rc = 0;
done:
    free(gt.col);
    for (int i = 0; i < n; i++)
        free(l[i].cov);
    free(l);
    return rc;
}

double ptq_layer_error(const ptq_layer *l, const float *d, float *scratch)
{
    dnnl_sgemm('N', 'N', l->o, l->k, l->k, 1.0f, d, l->k, l->cov, l->k, 0.0f, scratch, l->k);
    double s = 0;
    for (int64_t i = 0; i < l->o * l->k; i++)
        s += (double)scratch[i] * d[i];
    return s / ((double)l->cols * (double)l->o);
}
