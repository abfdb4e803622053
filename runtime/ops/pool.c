/* pool.c — MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool over NC + 1 to 3 spatial dims.
 *
 * Plain NCHW loops, parallel over the N*C planes. Fewer than three spatial dims are handled as
 * three with leading dims of size 1, so one loop nest serves 1-D, 2-D and 3-D pooling. */
#include "ops/nn_ops.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"

enum { POOL_MAX, POOL_AVG };

static const char *const max_attrs[] = {"auto_pad", "ceil_mode", "dilations", "kernel_shape",
                                        "pads",     "storage_order", "strides", NULL};
static const char *const avg_attrs[] = {"auto_pad", "ceil_mode", "count_include_pad", "dilations",
                                        "kernel_shape", "pads", "strides", NULL};

static int pool_check(const graph *g, const graph_node *node, int kind, qrc_err *e)
{
    if (kern_check_node(g, node, 1, 1, kind == POOL_MAX ? 2 : 1, kind == POOL_MAX ? max_attrs : avg_attrs, 1u,
                        e))
        return -1;
    const int64_t *ks;
    int nk = graph_attr_ints(node, "kernel_shape", &ks);
    if (nk < 1 || nk > KERN_MAX_SPATIAL)
        return kern_node_err(e, node, "kernel_shape must list 1 to %d sizes (has %d)", KERN_MAX_SPATIAL, nk);
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank >= 0 && x->rank != nk + 2)
        return kern_node_err(e, node, "input '%s' has rank %d; kernel_shape implies %d", x->name, x->rank, nk + 2);
    if (kind == POOL_MAX && graph_attr_int(node, "storage_order", 0) != 0 && kern_has_output(g, node, 1))
        return kern_node_err(e, node, "attribute storage_order=1 (column-major Indices) is not supported");
    int64_t in[KERN_MAX_SPATIAL] = {-1, -1, -1};
    kern_window w;
    return kern_window_read(node, nk, ks, in, graph_attr_int(node, "ceil_mode", 0) != 0, &w, e);
}

int kern_check_maxpool(const graph *g, const graph_node *node, qrc_err *e)
{
    return pool_check(g, node, POOL_MAX, e);
}

int kern_check_avgpool(const graph *g, const graph_node *node, qrc_err *e)
{
    return pool_check(g, node, POOL_AVG, e);
}

int kern_infer_pool(const graph *g, const graph_node *node, qrc_err *e)
{
    const int64_t *ks;
    int nk = graph_attr_ints(node, "kernel_shape", &ks);
    if (kern_infer_needs(node, 1, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank != nk + 2) {
        kern_set_out(g, node, 0, DT_FLOAT, -1, NULL);
        kern_set_out(g, node, 1, DT_INT64, -1, NULL);
        return 0;
    }
    kern_window w;
    if (kern_window_read(node, nk, ks, x->dims + 2, graph_attr_int(node, "ceil_mode", 0) != 0, &w, e))
        return -1;
    int64_t od[TENSOR_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < nk; i++)
        od[2 + i] = w.out[i];
    kern_set_out(g, node, 0, DT_FLOAT, nk + 2, od);
    kern_set_out(g, node, 1, DT_INT64, nk + 2, od);
    return 0;
}

/* The window geometry padded to 3 spatial dims. */
typedef struct win3 {
    int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3];
} win3;

static void to_win3(const kern_window *w, win3 *v)
{
    int off = 3 - w->nsp;
    for (int i = 0; i < 3; i++) {
        int j = i - off;
        v->in[i] = j >= 0 ? w->in[j] : 1;
        v->out[i] = j >= 0 ? w->out[j] : 1;
        v->k[i] = j >= 0 ? w->k[j] : 1;
        v->s[i] = j >= 0 ? w->s[j] : 1;
        v->d[i] = j >= 0 ? w->d[j] : 1;
        v->pb[i] = j >= 0 ? w->pb[j] : 0;
        v->pe[i] = j >= 0 ? w->pe[j] : 0;
    }
}

/* Kernel taps [*j0, *j1) of output position o in dim i that land inside the input. */
static inline void taps(const win3 *v, int i, int64_t o, int64_t *start, int64_t *j0, int64_t *j1)
{
    int64_t s = o * v->s[i] - v->pb[i], d = v->d[i];
    int64_t a = s < 0 ? (-s + d - 1) / d : 0;
    int64_t b = v->in[i] - s <= 0 ? 0 : (v->in[i] - s + d - 1) / d;
    if (b > v->k[i])
        b = v->k[i];
    *start = s;
    *j0 = a;
    *j1 = b > a ? b : a;
}

/* Taps of output o in dim i counted by count_include_pad: those before the end of the end padding. */
static inline int64_t padded_taps(const win3 *v, int i, int64_t o)
{
    int64_t s = o * v->s[i] - v->pb[i], lim = v->in[i] + v->pe[i], d = v->d[i];
    int64_t b = lim - s <= 0 ? 0 : (lim - s + d - 1) / d;
    return b > v->k[i] ? v->k[i] : b;
}

/* MaxPool with Indices: one output at a time, remembering where the maximum came from. */
static void maxpool_indices_plane(const win3 *v, const float *x, float *y, int64_t *idx, int64_t base)
{
    const int64_t ih = v->in[1], iw = v->in[2];
    for (int64_t od = 0; od < v->out[0]; od++) {
        int64_t sd, d0, d1;
        taps(v, 0, od, &sd, &d0, &d1);
        for (int64_t oh = 0; oh < v->out[1]; oh++) {
            int64_t sh, h0, h1;
            taps(v, 1, oh, &sh, &h0, &h1);
            for (int64_t ow = 0; ow < v->out[2]; ow++) {
                int64_t sw, w0, w1;
                taps(v, 2, ow, &sw, &w0, &w1);
                float acc = -INFINITY;
                int64_t best = -1;
                for (int64_t jd = d0; jd < d1; jd++)
                    for (int64_t jh = h0; jh < h1; jh++) {
                        int64_t at = ((sd + jd * v->d[0]) * ih + sh + jh * v->d[1]) * iw;
                        for (int64_t jw = w0; jw < w1; jw++) {
                            int64_t p = at + sw + jw * v->d[2];
                            if (x[p] > acc || best < 0) {
                                acc = x[p];
                                best = p;
                            }
                        }
                    }
                int64_t o = (od * v->out[1] + oh) * v->out[2] + ow;
                y[o] = acc;
                idx[o] = best < 0 ? -1 : base + best;
            }
        }
    }
}

/* Per-plane tables along W: for tap jw the outputs [lo[jw], hi[jw]) read inside the input row, and per
 * output the number of taps inside the input (cnt) and inside input plus padding (cnt_pad). */
typedef struct wtab {
    int64_t *lo, *hi, *cnt, *cnt_pad;
} wtab;

static int wtab_make(const win3 *v, wtab *t)
{
    int64_t k = v->k[2], ow = v->out[2];
    t->lo = malloc((size_t)(2 * k + 2 * ow) * sizeof *t->lo);
    if (!t->lo)
        return -1;
    t->hi = t->lo + k;
    t->cnt = t->hi + k;
    t->cnt_pad = t->cnt + ow;
    for (int64_t j = 0; j < k; j++) {
        int64_t off = j * v->d[2] - v->pb[2], s = v->s[2];
        int64_t lo = off >= 0 ? 0 : (-off + s - 1) / s;
        int64_t hi = v->in[2] - 1 - off < 0 ? 0 : (v->in[2] - 1 - off) / s + 1;
        t->lo[j] = lo < ow ? lo : ow;
        t->hi[j] = hi < ow ? hi : ow;
        if (t->hi[j] < t->lo[j])
            t->hi[j] = t->lo[j];
    }
    for (int64_t o = 0; o < ow; o++) {
        int64_t sw, w0, w1;
        taps(v, 2, o, &sw, &w0, &w1);
        t->cnt[o] = w1 - w0;
        t->cnt_pad[o] = padded_taps(v, 2, o);
    }
    return 0;
}

/* One row of output: combine input row xr into yr for every tap along W. */
KERN_VEC static void pool_row(int kind, const win3 *v, const wtab *t, const float *restrict xr, float *restrict yr)
{
    const int64_t s = v->s[2];
    for (int64_t j = 0; j < v->k[2]; j++) {
        const float *xp = xr + j * v->d[2] - v->pb[2];
        if (kind == POOL_MAX)
            for (int64_t o = t->lo[j]; o < t->hi[j]; o++) {
                float a = xp[o * s];
                yr[o] = a > yr[o] ? a : yr[o];
            }
        else
            for (int64_t o = t->lo[j]; o < t->hi[j]; o++)
                yr[o] += xp[o * s];
    }
}

/* 2-D max pooling with 2x2 windows at stride 2 and no window past the input (the common
 * downsampling layer): the taps in the same order as pool_row, so the result (NaN skipping included)
 * is the general path's. */
KERN_VEC static void max2x2_plane(const float *restrict x, float *restrict y, int64_t oh, int64_t ow, int64_t iw)
{
    for (int64_t r = 0; r < oh; r++) {
        const float *a = x + 2 * r * iw, *b = a + iw;
        float *yr = y + r * ow;
        for (int64_t o = 0; o < ow; o++) {
            float m = -INFINITY;
            m = a[2 * o] > m ? a[2 * o] : m;
            m = a[2 * o + 1] > m ? a[2 * o + 1] : m;
            m = b[2 * o] > m ? b[2 * o] : m;
            m = b[2 * o + 1] > m ? b[2 * o + 1] : m;
            yr[o] = m;
        }
    }
}

static bool is_max2x2(int kind, const win3 *v)
{
    return kind == POOL_MAX && v->out[0] == 1 && v->k[0] == 1 && v->in[0] == 1 && v->k[1] == 2 && v->k[2] == 2 &&
           v->s[1] == 2 && v->s[2] == 2 && v->d[1] == 1 && v->d[2] == 1 && v->pb[1] == 0 && v->pb[2] == 0 &&
           2 * v->out[1] <= v->in[1] && 2 * v->out[2] <= v->in[2];
}

/* A plane, output row by output row: each row combines the input rows its windows cover. */
static void pool_plane(int kind, bool include_pad, const win3 *v, const wtab *t, const float *x, float *y)
{
    const int64_t ih = v->in[1], iw = v->in[2], ow = v->out[2];
    if (is_max2x2(kind, v)) {
        max2x2_plane(x, y, v->out[1], ow, iw);
        return;
    }
    for (int64_t od = 0; od < v->out[0]; od++) {
        int64_t sd, d0, d1;
        taps(v, 0, od, &sd, &d0, &d1);
        for (int64_t oh = 0; oh < v->out[1]; oh++) {
            int64_t sh, h0, h1;
            taps(v, 1, oh, &sh, &h0, &h1);
            float *yr = y + (od * v->out[1] + oh) * ow;
            for (int64_t o = 0; o < ow; o++)
                yr[o] = kind == POOL_MAX ? -INFINITY : 0.0f;
            for (int64_t jd = d0; jd < d1; jd++)
                for (int64_t jh = h0; jh < h1; jh++)
                    pool_row(kind, v, t, x + ((sd + jd * v->d[0]) * ih + sh + jh * v->d[1]) * iw, yr);
            if (kind == POOL_AVG) {
                int64_t rows = include_pad ? padded_taps(v, 0, od) * padded_taps(v, 1, oh) : (d1 - d0) * (h1 - h0);
                for (int64_t o = 0; o < ow; o++) {
                    int64_t cnt = rows * (include_pad ? t->cnt_pad[o] : t->cnt[o]);
                    yr[o] = cnt > 0 ? yr[o] / (float)cnt : 0.0f;
                }
            }
        }
    }
}

static int pool_run(op_ctx *ctx, int kind)
{
    const tensor *x = ctx->in[0];
    const int64_t *ks;
    int nk = graph_attr_ints(ctx->node, "kernel_shape", &ks);
    if (nk < 1 || nk > KERN_MAX_SPATIAL)
        return kern_fail(ctx, "kernel_shape must list 1 to %d sizes", KERN_MAX_SPATIAL);
    if (kern_want_float(ctx, x, "X", nk + 2, nk + 2))
        return -1;
    kern_window w;
    if (kern_window_read(ctx->node, nk, ks, x->dims + 2, graph_attr_int(ctx->node, "ceil_mode", 0) != 0, &w, ctx->err))
        return -1;
    int64_t od[TENSOR_MAX_RANK] = {x->dims[0], x->dims[1]};
    for (int i = 0; i < nk; i++)
        od[2 + i] = w.out[i];
    tensor *y = op_output(ctx, 0, DT_FLOAT, nk + 2, od);
    if (!y)
        return -1;
    tensor *ind = NULL;
    if (kind == POOL_MAX && ctx->n_out > 1 && ctx->graph && kern_has_output(ctx->graph, ctx->node, 1) &&
        !(ind = op_output(ctx, 1, DT_INT64, nk + 2, od)))
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    win3 v;
    to_win3(&w, &v);
    bool include_pad = graph_attr_int(ctx->node, "count_include_pad", 0) != 0;
    int64_t planes = x->dims[0] * x->dims[1], isz = v.in[0] * v.in[1] * v.in[2], osz = v.out[0] * v.out[1] * v.out[2];
    const float *xd = x->data;
    float *yd = y->data;
    if (ind) {
        int64_t *id = ind->data;
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
        for (int64_t p = 0; p < planes; p++)
            maxpool_indices_plane(&v, xd + p * isz, yd + p * osz, id + p * osz, p * isz);
        return 0;
    }
    wtab t;
    if (wtab_make(&v, &t))
        return kern_fail(ctx, "out of memory");
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
    for (int64_t p = 0; p < planes; p++)
        pool_plane(kind, include_pad, &v, &t, xd + p * isz, yd + p * osz);
    free(t.lo);
    return 0;
}

int kern_run_maxpool(op_ctx *ctx)
{
    return pool_run(ctx, POOL_MAX);
}

int kern_run_avgpool(op_ctx *ctx)
{
    return pool_run(ctx, POOL_AVG);
}

static const char *const no_attrs[] = {NULL};

int kern_check_global_pool(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 1, 1, 1, no_attrs, 1u, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank >= 0 && x->rank < 2)
        return kern_node_err(e, node, "input '%s' has rank %d; at least 2 is needed", x->name, x->rank);
    return 0;
}

int kern_infer_global_pool(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 1, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank < 2) {
        kern_set_out(g, node, 0, DT_FLOAT, -1, NULL);
        return 0;
    }
    int64_t od[TENSOR_MAX_RANK];
    for (int i = 0; i < x->rank; i++)
        od[i] = i < 2 ? x->dims[i] : 1;
    kern_set_out(g, node, 0, DT_FLOAT, x->rank, od);
    return 0;
}

/* Sum of a plane in double: eight partial sums, so the loop vectorises instead of waiting on one add
 * chain. */
KERN_VEC static double plane_sum(const float *restrict r, int64_t n)
{
    double acc[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += r[i + j];
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += r[i];
    return s;
}

static int global_run(op_ctx *ctx, int kind)
{
    const tensor *x = ctx->in[0];
    if (kern_want_float(ctx, x, "X", 2, TENSOR_MAX_RANK))
        return -1;
    int64_t od[TENSOR_MAX_RANK], plane = 1;
    for (int i = 0; i < x->rank; i++) {
        od[i] = i < 2 ? x->dims[i] : 1;
        if (i >= 2)
            plane *= x->dims[i];
    }
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, od);
    if (!y)
        return -1;
    int64_t planes = x->dims[0] * x->dims[1];
    const float *xd = x->data;
    float *yd = y->data;
    if (plane == 0) {
        for (int64_t p = 0; p < planes; p++)
            yd[p] = kind == POOL_MAX ? -INFINITY : NAN;
        return 0;
    }
#pragma omp parallel for num_threads(kern_work_threads(ctx, (double)(planes * plane))) schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const float *r = xd + p * plane;
        if (kind == POOL_MAX) {
            float m = r[0];
            for (int64_t i = 1; i < plane; i++)
                m = r[i] > m || isnan(r[i]) ? r[i] : m;
            yd[p] = m;
        } else {
            yd[p] = (float)(plane_sum(r, plane) / (double)plane);
        }
    }
    return 0;
}

int kern_run_global_maxpool(op_ctx *ctx)
{
    return global_run(ctx, POOL_MAX);
}

int kern_run_global_avgpool(op_ctx *ctx)
{
    return global_run(ctx, POOL_AVG);
}
