/* adaround.c — learned rounding of weights (ptq.h). */
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "ptq_internal.h"

/* The rectified sigmoid's stretch (AIMET's and the paper's values) and Adam's settings. */
#define ZETA 1.1
#define GAMMA (-0.1)
#define LR 1e-3
#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8

/* A layer as an [O x K] weight matrix whose input columns are K long, with C = sum of x x^T. */
typedef struct ada_layer {
    const ptq_weight *pw;
    float *w;                 /* the graph's weight data */
    bool gemm_kn;             /* Gemm weight stored [K, N] (transB = 0): internal rows are its columns */
    int64_t o, k;
    int64_t c, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw; /* Conv geometry */
    float *cov;               /* K x K */
    int64_t cols;             /* input columns accumulated */
} ada_layer;

static int64_t attr_at(const graph_node *nd, const char *name, int i, int64_t dflt)
{
    const int64_t *v;
    int n = graph_attr_ints(nd, name, &v);
    return i < n ? v[i] : dflt;
}

static bool layer_setup(const graph *g, const ptq_weight *pw, ada_layer *l)
{
    const graph_node *nd = &g->nodes[pw->node];
    const graph_value *wv = nd->n_in > 1 && nd->in[1] >= 0 ? &g->values[nd->in[1]] : NULL;
    if (!wv || !wv->init || wv->init->dtype != DT_FLOAT || wv->n_consumers != 1 || nd->in[0] < 0)
        return false;
    const tensor *w = wv->init;
    *l = (ada_layer){.pw = pw, .w = w->data};
    if (!strcmp(nd->op_type, "Gemm")) {
        if (w->rank != 2 || graph_attr_int(nd, "transA", 0))
            return false;
        l->gemm_kn = !graph_attr_int(nd, "transB", 0);
        l->o = l->gemm_kn ? w->dims[1] : w->dims[0];
        l->k = l->gemm_kn ? w->dims[0] : w->dims[1];
        return pw->axis < 0 || pw->axis == (l->gemm_kn ? 1 : 0);
    }
    if (strcmp(nd->op_type, "Conv") || w->rank != 4 || graph_attr_int(nd, "group", 1) != 1 ||
        strcmp(graph_attr_string(nd, "auto_pad", "NOTSET"), "NOTSET") || (pw->axis != -1 && pw->axis != 0))
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

/* Second moments of the layers' inputs. */
typedef struct gather {
    const graph *g;
    ada_layer *l;
    int n;
    float *col;               /* im2col scratch */
    size_t col_cap;
} gather;

static int add_conv_input(gather *gt, ada_layer *l, const tensor *t, qrc_err *e)
{
    if (t->rank != 4 || t->dims[1] != l->c)
        return err_set(e, "adaround: input of shape rank %d does not fit its Conv", t->rank);
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
            return err_set(e, "out of memory");
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
            return err_set(e, "adaround: matrix product failed");
        l->cols += p;
    }
    return 0;
}

static int observe(int value, tensor *t, void *user, qrc_err *e)
{
    gather *gt = user;
    for (int i = 0; i < gt->n; i++) {
        ada_layer *l = &gt->l[i];
        if (!l->cov || gt->g->nodes[l->pw->node].in[0] != value || t->dtype != DT_FLOAT)
            continue;
        if (!l->c) { /* Gemm: rows of [B, K] */
            if (t->rank != 2 || t->dims[1] != l->k)
                return err_set(e, "adaround: Gemm input does not have %lld columns", (long long)l->k);
            if (dnnl_sgemm('T', 'N', l->k, l->k, t->dims[0], 1.0f, t->data, l->k, t->data, l->k, 1.0f, l->cov, l->k) !=
                dnnl_success)
                return err_set(e, "adaround: matrix product failed");
            l->cols += t->dims[0];
        } else if (add_conv_input(gt, l, t, e))
            return -1;
    }
    return 0;
}

/* Row r's encoding: per channel along the output axis, or the one per-tensor encoding. */
static const quant_encoding *row_enc(const ada_layer *l, int64_t r)
{
    return l->pw->n_encs > 1 ? &l->pw->encs[r] : &l->pw->encs[0];
}

/* The integer codes an encoding can take (strict symmetric stops one step short). */
static void code_range(const quant_encoding *q, double *lo, double *hi)
{
    *lo = q->offset;
    *hi = q->offset + ((1 << q->bitwidth) - 1) - (q->strict ? 1 : 0);
}

/* Row r's weight for an integer code, the code clamped to the grid. */
static inline float on_grid(const ada_layer *l, int64_t r, double code)
{
    const quant_encoding *q = row_enc(l, r);
    double lo, hi;
    code_range(q, &lo, &hi);
    return (float)(q->scale * fmin(hi, fmax(lo, code)));
}

static int64_t at(const ada_layer *l, int64_t r, int64_t c)
{
    return l->gemm_kn ? c * l->o + r : r * l->k + c;
}

/* Output error tr(D C D^T) / (cols * O) of a weight difference D [O x K]; scratch is O x K. */
static double output_error(const ada_layer *l, const float *d, float *scratch)
{
    dnnl_sgemm('N', 'N', l->o, l->k, l->k, 1.0f, d, l->k, l->cov, l->k, 0.0f, scratch, l->k);
    double s = 0;
    for (int64_t i = 0; i < l->o * l->k; i++)
        s += (double)scratch[i] * d[i];
    return s / ((double)l->cols * (double)l->o);
}

static double rect_sigmoid(double v)
{
    return fmin(1, fmax(0, 1 / (1 + exp(-v)) * (ZETA - GAMMA) + GAMMA));
}

/* Learns the rounding of one layer and writes the rounded weights back. */
static int optimize(ada_layer *l, const ptq_adaround_opts *o, ptq_adaround_stats *st, qrc_err *e)
{
    size_t n = (size_t)(l->o * l->k);
    float *w = malloc(n * sizeof *w), *d = malloc(n * sizeof *d), *grad = malloc(n * sizeof *grad);
    double *fl = malloc(n * sizeof *fl), *v = malloc(n * sizeof *v), *m1 = calloc(n, sizeof *m1),
           *m2 = calloc(n, sizeof *m2);
    int rc = -1;
    if (!w || !d || !grad || !fl || !v || !m1 || !m2) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int64_t r = 0; r < l->o; r++) {
        const quant_encoding *q = row_enc(l, r);
        for (int64_t c = 0; c < l->k; c++) {
            size_t i = (size_t)(r * l->k + c);
            w[i] = l->w[at(l, r, c)];
            double x = w[i] / q->scale;
            fl[i] = floor(x);
            double p = (x - fl[i] - GAMMA) / (ZETA - GAMMA); /* h(v) starts at the fractional part */
            v[i] = log(p / (1 - p));
            d[i] = on_grid(l, r, nearbyint(x)) - w[i];
        }
    }
    st->error_nearest += output_error(l, d, grad);
    int warm = (int)(o->warm_start * o->iterations);
    double b1t = 1, b2t = 1;
    for (int t = 0; t < o->iterations; t++) {
        for (int64_t r = 0; r < l->o; r++)
            for (int64_t c = 0; c < l->k; c++) {
                size_t i = (size_t)(r * l->k + c);
                d[i] = on_grid(l, r, fl[i] + rect_sigmoid(v[i])) - w[i];
            }
        dnnl_sgemm('N', 'N', l->o, l->k, l->k, 1.0f, d, l->k, l->cov, l->k, 0.0f, grad, l->k);
        double beta = t < warm ? 0 : o->beta_end + (o->beta_start - o->beta_end) *
                                                      (1 - (double)(t - warm) / fmax(1, o->iterations - warm));
        b1t *= ADAM_B1;
        b2t *= ADAM_B2;
        double norm = 2 / ((double)l->cols * (double)l->o);
        for (int64_t r = 0; r < l->o; r++) {
            const quant_encoding *q = row_enc(l, r);
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
            float rounded = on_grid(l, r, fl[i] + (rect_sigmoid(v[i]) >= 0.5));
            d[i] = rounded - w[i];
            l->w[at(l, r, c)] = rounded;
        }
    st->error_adaround += output_error(l, d, grad);
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

int ptq_adaround(graph *g, const ptq_weight *w, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                 void *user, int threads, const ptq_adaround_opts *o, ptq_adaround_stats *st, qrc_err *e)
{
    *st = (ptq_adaround_stats){0};
    gather gt = {g, calloc((size_t)n + 1, sizeof(ada_layer)), n, NULL, 0};
    int rc = -1;
    if (!gt.l) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (w[i].encs[0].kind != QUANT_INT || !layer_setup(g, &w[i], &gt.l[i])) {
            gt.l[i] = (ada_layer){0};
            st->skipped++;
            continue;
        }
        if (!(gt.l[i].cov = calloc((size_t)(gt.l[i].k * gt.l[i].k), sizeof(float)))) {
            err_set(e, "out of memory");
            goto done;
        }
    }
    /* One pass over the data; the weights change only after it. */
    if (ptq_run_batches(g, observe, &gt, n_inputs, names, next, user, threads, &st->samples, e)) {
        err_wrap(e, "adaround statistics");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (!gt.l[i].cov)
            continue;
        if (gt.l[i].cols == 0) {
            st->skipped++;
            continue;
        }
        if (optimize(&gt.l[i], o, st, e))
            goto done;
        st->layers++;
    }
    rc = 0;
done:
    for (int i = 0; gt.l && i < n; i++)
        free(gt.l[i].cov);
    free(gt.l);
    free(gt.col);
    return rc;
}
