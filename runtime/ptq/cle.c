/* cle.c — cross-layer equalization and high-bias absorption (ptq.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ptq_internal.h"

enum { MAX_SWEEPS = 20 };
#define SETTLED 1e-4 /* largest |log s| of a sweep below which the scales have settled */

/* A weight layer: its weight and bias initializers, viewed by channel. */
typedef struct layer {
    int node;
    float *w, *b;            /* b NULL when the layer has no bias of its own */
    int64_t dims[TENSOR_MAX_RANK];
    int rank;
    bool gemm, trans_b;
    int64_t group;
} layer;

/* The elements of one channel: `blocks` runs of `len` floats, `stride` apart, from `off`. */
typedef struct slice {
    int64_t off, blocks, len, stride;
} slice;

/* Value v is a constant only node n reads. */
static float *own_float_const(const graph *g, int v)
{
    const graph_value *x = v >= 0 ? &g->values[v] : NULL;
    if (!x || !x->init || x->init->dtype != DT_FLOAT || x->n_consumers != 1 || x->is_input || x->is_output)
        return NULL;
    return x->init->data;
}

static bool layer_at(const graph *g, int n, layer *l)
{
    const graph_node *nd = &g->nodes[n];
    *l = (layer){.node = n, .group = 1};
    l->gemm = !strcmp(nd->op_type, "Gemm");
    if ((!l->gemm && strcmp(nd->op_type, "Conv")) || nd->domain[0] || nd->n_in < 2 || nd->n_out != 1)
        return false;
    if (l->gemm) {
        if (graph_attr_float(nd, "alpha", 1) != 1 || graph_attr_float(nd, "beta", 1) != 1 ||
            graph_attr_int(nd, "transA", 0))
            return false;
        l->trans_b = graph_attr_int(nd, "transB", 0) != 0;
    } else
        l->group = graph_attr_int(nd, "group", 1);
    if (!(l->w = own_float_const(g, nd->in[1])))
        return false;
    const tensor *w = g->values[nd->in[1]].init;
    l->rank = w->rank;
    memcpy(l->dims, w->dims, sizeof(int64_t) * (size_t)w->rank);
    if ((l->gemm && l->rank != 2) || (!l->gemm && l->rank < 3))
        return false;
    if (nd->n_in > 2 && nd->in[2] >= 0) {
        if (!(l->b = own_float_const(g, nd->in[2])))
            return false;
    }
    return true;
}

static int64_t inner(const layer *l, int from)
{
    int64_t n = 1;
    for (int i = from; i < l->rank; i++)
        n *= l->dims[i];
    return n;
}

static int64_t out_channels(const layer *l)
{
    return l->gemm && !l->trans_b ? l->dims[1] : l->dims[0];
}

/* Output channel c: every weight that produces it. */
static slice out_slice(const layer *l, int64_t c)
{
    if (l->gemm && !l->trans_b)
        return (slice){c, l->dims[0], 1, l->dims[1]};
    int64_t k = inner(l, 1);
    return (slice){c * k, 1, k, 0};
}

/* Input channels, or -1 when the layer does not map its inputs channel by channel (grouped Conv). */
static int64_t in_channels(const layer *l)
{
    if (l->gemm)
        return l->trans_b ? l->dims[1] : l->dims[0];
    if (l->group == 1)
        return l->dims[1];
    return l->group == l->dims[0] && l->dims[1] == 1 ? l->dims[0] : -1; /* depthwise, multiplier 1 */
}

/* Input channel c: every weight that reads it. */
static slice in_slice(const layer *l, int64_t c)
{
    if (l->gemm)
        return l->trans_b ? (slice){c, l->dims[0], 1, l->dims[1]} : (slice){c * l->dims[1], 1, l->dims[1], 0};
    int64_t sp = inner(l, 2);
    if (l->group != 1)
        return (slice){c * sp, 1, sp, 0};
    return (slice){c * sp, l->dims[0], sp, l->dims[1] * sp};
}

static float slice_absmax(const float *w, slice s)
{
    float m = 0;
    for (int64_t b = 0; b < s.blocks; b++)
        for (int64_t i = 0; i < s.len; i++)
            m = fmaxf(m, fabsf(w[s.off + b * s.stride + i]));
    return m;
}

static void slice_scale(float *w, slice s, float k)
{
    for (int64_t b = 0; b < s.blocks; b++)
        for (int64_t i = 0; i < s.len; i++)
            w[s.off + b * s.stride + i] *= k;
}

/* The output index of element i of a layer's weight (whose bias entry it feeds). */
static int64_t out_of(const layer *l, int64_t i)
{
    if (l->gemm)
        return l->trans_b ? i / l->dims[1] : i % l->dims[1];
    return i / inner(l, 1);
}

typedef struct pair {
    layer a, b;
    int mid;                 /* the value a writes (a's output, before the activation) */
    bool relu;               /* joined by a Relu: bias absorption applies */
} pair;

/* The reader of value v when it has exactly one and v is not a graph output, else -1. */
static int only_reader(const graph *g, int v)
{
    const graph_value *x = &g->values[v];
    return x->n_consumers == 1 && !x->is_output ? x->consumers[0] : -1;
}

static bool zero_padded(const graph_node *nd)
{
    const char *auto_pad = graph_attr_string(nd, "auto_pad", "NOTSET");
    if (strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "VALID"))
        return true;
    const int64_t *pads;
    int n = graph_attr_ints(nd, "pads", &pads);
    for (int i = 0; i < n; i++)
        if (pads[i])
            return true;
    return false;
}

static bool is_scale_equivariant(const char *op)
{
    static const char *const OPS[] = {"Relu", "LeakyRelu", "MaxPool", "AveragePool", "GlobalAveragePool"};
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (!strcmp(op, OPS[i]))
            return true;
    return false;
}

static int find_pairs(const graph *g, pair **out)
{
    pair *p = mem_zalloc((size_t)g->n_nodes + 1, sizeof *p);
    int n = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        pair c = {0};
        if (!layer_at(g, g->order[k], &c.a))
            continue;
        c.mid = g->nodes[c.a.node].out[0];
        int next = only_reader(g, c.mid);
        if (next < 0)
            continue;
        /* Ops that commute with a positive per-channel scale may sit between the layers. */
        bool avg = false;
        for (int hops = 0; next >= 0 && hops < 4 && is_scale_equivariant(g->nodes[next].op_type); hops++) {
            const char *op = g->nodes[next].op_type;
            c.relu |= !strcmp(op, "Relu");
            avg |= strcmp(op, "Relu") && strcmp(op, "MaxPool");
            next = only_reader(g, g->nodes[next].out[0]);
        }
        c.relu &= !avg; /* absorption is exact through Relu and MaxPool only... */
        if (next < 0)
            continue;
        if (!layer_at(g, next, &c.b) || g->nodes[next].in[0] == -1)
            continue;
        c.relu &= !zero_padded(&g->nodes[next]); /* ...and where no zero padding meets the shift */
        int64_t ch = out_channels(&c.a);
        if (in_channels(&c.b) != ch || ch < 1)
            continue;
        p[n++] = c;
    }
    *out = p;
    return n;
}

static double range_ratio(const pair *p)
{
    int64_t ch = out_channels(&p->a);
    double sum = 0;
    for (int64_t c = 0; c < ch; c++) {
        double r1 = slice_absmax(p->a.w, out_slice(&p->a, c)), r2 = slice_absmax(p->b.w, in_slice(&p->b, c));
        sum += r1 > 0 && r2 > 0 ? fmax(r1, r2) / fmin(r1, r2) : 1;
    }
    return sum / (double)ch;
}

/* One equalization of a pair; returns the largest |log s| applied. */
static double equalize(pair *p)
{
    double moved = 0;
    int64_t ch = out_channels(&p->a);
    for (int64_t c = 0; c < ch; c++) {
        slice sa = out_slice(&p->a, c), sb = in_slice(&p->b, c);
        double r1 = slice_absmax(p->a.w, sa), r2 = slice_absmax(p->b.w, sb);
        if (!(r1 > 0) || !(r2 > 0))
            continue; /* a dead channel: nothing to balance */
        float s = (float)sqrt(r1 / r2);
        slice_scale(p->a.w, sa, 1 / s);
        if (p->a.b)
            p->a.b[c] /= s;
        slice_scale(p->b.w, sb, s);
        moved = fmax(moved, fabs(log(s)));
    }
    return moved;
}

/* Per-channel mean and variance of each pair's `mid` value over one batch. */
typedef struct moments {
    const graph *g;
    pair *p;
    int n;
    double **sum, **sq, **min;
    int64_t *count;
} moments;

static int observe(int value, tensor *t, void *user, qrc_err *e)
{
    moments *m = user;
    for (int i = 0; i < m->n; i++) {
        if (m->p[i].mid != value || !m->p[i].relu || t->dtype != DT_FLOAT || t->rank < 2)
            continue;
        int64_t ch = t->dims[1], sp = 1;
        for (int d = 2; d < t->rank; d++)
            sp *= t->dims[d];
        if (ch != out_channels(&m->p[i].a))
            return err_set(e, "'%s': %lld channels, its layer has %lld", m->g->values[value].name, (long long)ch,
                           (long long)out_channels(&m->p[i].a));
        const float *x = t->data;
        for (int64_t nb = 0; nb < t->dims[0]; nb++)
            for (int64_t c = 0; c < ch; c++)
                for (int64_t k = 0; k < sp; k++) {
                    double v = x[(nb * ch + c) * sp + k];
                    m->sum[i][c] += v;
                    m->sq[i][c] += v * v;
                    m->min[i][c] = fmin(m->min[i][c], v);
                }
        m->count[i] += t->dims[0] * sp;
    }
    return 0;
}

/* Moves max(0, min(mean - 3 std, observed min)) of each Relu-joined pair's first bias into the second. */
static int absorb(graph *g, pair *p, int n, int n_inputs, const char *const *names, ptq_batch_fn next, void *user,
                  int threads, int *absorbed, qrc_err *e)
{
    moments m = {g, p, n, mem_zalloc((size_t)n, sizeof(double *)), mem_zalloc((size_t)n, sizeof(double *)),
                 mem_zalloc((size_t)n, sizeof(double *)), mem_zalloc((size_t)n, sizeof(int64_t))};
    int rc = -1;
    for (int i = 0; i < n; i++) {
        int64_t ch = out_channels(&p[i].a);
        m.sum[i] = mem_zalloc((size_t)ch, sizeof(double));
        m.sq[i] = mem_zalloc((size_t)ch, sizeof(double));
        m.min[i] = mem_grow(NULL, (size_t)ch, sizeof(double));
        for (int64_t c = 0; c < ch; c++)
            m.min[i][c] = INFINITY;
    }
    int64_t rows;
    if (ptq_run_batches(g, observe, &m, n_inputs, names, next, user, threads, &rows, e)) {
        err_wrap(e, "bias absorption statistics");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        pair *q = &p[i];
        if (!q->relu || !q->a.b || !q->b.b || m.count[i] == 0)
            continue;
        bool moved = false;
        int64_t ch = out_channels(&q->a);
        for (int64_t c = 0; c < ch; c++) {
            double mean = m.sum[i][c] / (double)m.count[i];
            double var = fmax(0, m.sq[i][c] / (double)m.count[i] - mean * mean);
            /* never more than the batch showed: the float model stays exact on it */
            double keep = fmin(mean - 3 * sqrt(var), m.min[i][c]);
            if (!(keep > 0))
                continue;
            /* the Relu almost never sees its input below `keep`: shift it past the Relu */
            q->a.b[c] -= (float)keep;
            slice s = in_slice(&q->b, c);
            for (int64_t blk = 0; blk < s.blocks; blk++)
                for (int64_t k = 0; k < s.len; k++) {
                    int64_t at = s.off + blk * s.stride + k;
                    q->b.b[out_of(&q->b, at)] += (float)(keep * q->b.w[at]);
                }
            moved = true;
        }
        *absorbed += moved;
    }
    rc = 0;
done:
    for (int i = 0; i < n && m.sum; i++)
        free(m.sum[i]);
    for (int i = 0; i < n && m.sq; i++)
        free(m.sq[i]);
    for (int i = 0; i < n && m.min; i++)
        free(m.min[i]);
    free(m.min);
    free(m.sum);
    free(m.sq);
    free(m.count);
    return rc;
}

int ptq_cle(graph *g, bool absorb_bias, int n_inputs, const char *const *names, ptq_batch_fn next, void *user,
            int threads, ptq_cle_stats *st, qrc_err *e)
{
    *st = (ptq_cle_stats){0};
    pair *p;
    int n = find_pairs(g, &p);
    st->pairs = n;
    for (int i = 0; i < n; i++)
        st->range_ratio_before += range_ratio(&p[i]) / n;
    for (st->sweeps = 0; st->sweeps < MAX_SWEEPS && n;) {
        double moved = 0;
        for (int i = 0; i < n; i++)
            moved = fmax(moved, equalize(&p[i]));
        st->sweeps++;
        if (moved < SETTLED)
            break;
    }
    for (int i = 0; i < n; i++)
        st->range_ratio_after += range_ratio(&p[i]) / n;
    int rc = absorb_bias && n ? absorb(g, p, n, n_inputs, names, next, user, threads, &st->absorbed, e) : 0;
    free(p);
    return rc;
}
