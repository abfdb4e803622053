/* pass_fixtures.h — small graphs for the prepare pass tests, and a plain reference evaluator for the
 * handful of ops they use (so numeric checks do not depend on the optimised kernels). */
#ifndef QRC_TEST_PASS_FIXTURES_H
#define QRC_TEST_PASS_FIXTURES_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "pass.h"
#include "passes/util.h"

/* Splits "a,b,c" into value indices (created when missing); "" gives -1 (an omitted input). */
static inline int fx_values(graph *g, const char *list, int *out)
{
    int n = 0;
    if (!list || !*list)
        return 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *p = buf;; p = NULL) {
        char *tok = strtok_r(p, ",", &save);
        if (!tok)
            break;
        out[n++] = strcmp(tok, "-") ? graph_value_get(g, tok) : -1;
    }
    return n;
}

static inline int fx_node(graph *g, const char *op, const char *name, const char *ins, const char *outs)
{
    int in[32], out[32];
    int ni = fx_values(g, ins, in), no = fx_values(g, outs, out);
    return graph_node_add(g, op, name, ni, in, no, out);
}

/* A float constant with the given shape; data NULL fills a deterministic pattern (seed). */
static inline int fx_const(graph *g, const char *name, int rank, const int64_t *dims, const float *data, int seed)
{
    qrc_err e;
    tensor *t = tensor_new(DT_FLOAT, rank, dims, &e);
    int64_t n = tensor_numel(t);
    float *p = t->data;
    uint32_t s = 2463534242u + (uint32_t)seed * 7919u;
    for (int64_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        p[i] = data ? data[i] : (float)((s % 2000) / 1000.0 - 1.0);
    }
    int v = graph_value_get(g, name);
    pass_set_const(g, v, t);
    return v;
}

static inline int fx_scalar(graph *g, const char *name, float x)
{
    return fx_const(g, name, 0, NULL, &x, 0);
}

/* BN parameters scale, bias, mean, var (var positive) named <prefix>.weight etc. */
static inline void fx_bn_params(graph *g, const char *prefix, int64_t c, int seed)
{
    char n[4][128];
    const char *suffix[4] = {"weight", "bias", "running_mean", "running_var"};
    for (int i = 0; i < 4; i++) {
        snprintf(n[i], sizeof n[i], "%s.%s", prefix, suffix[i]);
        int v = fx_const(g, n[i], 1, &c, NULL, seed + i);
        if (i == 3) {
            float *p = g->values[v].init->data;
            for (int64_t k = 0; k < c; k++)
                p[k] = 0.5f + fabsf(p[k]);
        }
    }
}

static inline void fx_io(graph *g, const char *inputs, const char *outputs)
{
    int in[16] = {0}, out[16] = {0};
    int ni = fx_values(g, inputs, in), no = fx_values(g, outputs, out);
    graph_set_inputs(g, ni, in);
    graph_set_outputs(g, no, out);
    for (int i = 0; i < ni; i++)
        g->values[in[i]].dtype = DT_FLOAT;
}

static inline int fx_node_of(const graph *g, const char *name)
{
    for (int n = 0; n < g->n_nodes; n++)
        if (!strcmp(g->nodes[n].name, name))
            return n;
    return -1;
}

static inline int fx_count_op(const graph *g, const char *op)
{
    int c = 0;
    for (int n = 0; n < g->n_nodes; n++)
        c += !g->nodes[n].dead && !strcmp(g->nodes[n].op_type, op);
    return c;
}

/* ---- reference evaluator: Conv (2-D, group, pads, strides 1), BatchNormalization, Gemm, MatMul
 * (2-D), Add (equal shapes or a trailing-axis / channel vector), Relu, Identity ---- */

static inline tensor *fx_new(int rank, const int64_t *dims)
{
    qrc_err e;
    return tensor_new(DT_FLOAT, rank, dims, &e);
}

static inline tensor *fx_conv(const graph_node *nd, const tensor *x, const tensor *w, const tensor *b)
{
    int64_t N = x->dims[0], C = x->dims[1], H = x->dims[2], W = x->dims[3];
    int64_t O = w->dims[0], Cg = w->dims[1], KH = w->dims[2], KW = w->dims[3];
    int64_t grp = graph_attr_int(nd, "group", 1);
    const int64_t *pads;
    int np = graph_attr_ints(nd, "pads", &pads);
    int64_t pt = np ? pads[0] : 0, pl = np ? pads[1] : 0, pb = np ? pads[2] : 0, pr = np ? pads[3] : 0;
    int64_t OH = H + pt + pb - KH + 1, OW = W + pl + pr - KW + 1;
    int64_t dims[4] = {N, O, OH, OW};
    tensor *y = fx_new(4, dims);
    const float *xp = x->data, *wp = w->data;
    float *yp = y->data;
    int64_t og = O / grp;
    (void)C;
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t i = 0; i < OH; i++)
                for (int64_t j = 0; j < OW; j++) {
                    double s = b ? ((const float *)b->data)[o] : 0.0;
                    for (int64_t c = 0; c < Cg; c++)
                        for (int64_t ki = 0; ki < KH; ki++)
                            for (int64_t kj = 0; kj < KW; kj++) {
                                int64_t yi = i + ki - pt, xj = j + kj - pl, ci = (o / og) * Cg + c;
                                if (yi < 0 || yi >= H || xj < 0 || xj >= W)
                                    continue;
                                s += (double)xp[((n * C + ci) * H + yi) * W + xj] * wp[((o * Cg + c) * KH + ki) * KW + kj];
                            }
                    yp[((n * O + o) * OH + i) * OW + j] = (float)s;
                }
    return y;
}

static inline tensor *fx_bn(const graph_node *nd, const tensor *x, const tensor *const *p)
{
    tensor *y = fx_new(x->rank, x->dims);
    int64_t C = x->dims[1], inner = tensor_numel(x) / (x->dims[0] * C);
    double eps = graph_attr_float(nd, "epsilon", 1e-5f);
    const float *g = p[0]->data, *b = p[1]->data, *m = p[2]->data, *v = p[3]->data, *xp = x->data;
    float *yp = y->data;
    for (int64_t i = 0; i < tensor_numel(x); i++) {
        int64_t c = (i / inner) % C;
        yp[i] = (float)((xp[i] - m[c]) / sqrt(v[c] + eps) * g[c] + b[c]);
    }
    return y;
}

static inline tensor *fx_gemm(const graph_node *nd, const tensor *a, const tensor *b, const tensor *c, bool matmul)
{
    int64_t tb = matmul ? 0 : graph_attr_int(nd, "transB", 0);
    double alpha = matmul ? 1 : graph_attr_float(nd, "alpha", 1), beta = matmul ? 1 : graph_attr_float(nd, "beta", 1);
    int64_t M = a->dims[0], K = a->dims[1], N = tb ? b->dims[0] : b->dims[1];
    int64_t dims[2] = {M, N};
    tensor *y = fx_new(2, dims);
    const float *ap = a->data, *bp = b->data;
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += (double)ap[i * K + k] * bp[tb ? j * K + k : k * N + j];
            double cc = c ? ((const float *)c->data)[tensor_numel(c) == 1 ? 0 : j] : 0;
            ((float *)y->data)[i * N + j] = (float)(alpha * s + beta * cc);
        }
    return y;
}

static inline tensor *fx_add(const tensor *a, const tensor *b)
{
    if (tensor_numel(b) > tensor_numel(a)) {
        const tensor *t = a;
        a = b;
        b = t;
    }
    tensor *y = fx_new(a->rank, a->dims);
    int64_t n = tensor_numel(a), m = tensor_numel(b);
    for (int64_t i = 0; i < n; i++)
        ((float *)y->data)[i] = ((const float *)a->data)[i] + ((const float *)b->data)[i % m];
    return y;
}

/* Runs g on input tensor x (bound to the first graph input); returns the first output (caller frees). */
static inline tensor *fx_eval(graph *g, const tensor *x)
{
    qrc_err e;
    if (graph_reindex(g, &e) != 0)
        return NULL;
    tensor **val = calloc((size_t)g->n_values, sizeof *val);
    val[g->inputs[0]] = tensor_clone(x, &e);
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *nd = &g->nodes[g->order[k]];
        const tensor *in[8] = {0};
        for (int i = 0; i < nd->n_in && i < 8; i++)
            in[i] = nd->in[i] < 0 ? NULL : val[nd->in[i]] ? val[nd->in[i]] : g->values[nd->in[i]].init;
        tensor *y = NULL;
        const char *op = nd->op_type;
        if (!strcmp(op, "Conv"))
            y = fx_conv(nd, in[0], in[1], nd->n_in > 2 ? in[2] : NULL);
        else if (!strcmp(op, "BatchNormalization"))
            y = fx_bn(nd, in[0], in + 1);
        else if (!strcmp(op, "Gemm"))
            y = fx_gemm(nd, in[0], in[1], nd->n_in > 2 ? in[2] : NULL, false);
        else if (!strcmp(op, "MatMul"))
            y = fx_gemm(nd, in[0], in[1], NULL, true);
        else if (!strcmp(op, "Add"))
            y = fx_add(in[0], in[1]);
        else if (!strcmp(op, "Relu") || !strcmp(op, "Identity")) {
            y = tensor_clone(in[0], &e);
            if (!strcmp(op, "Relu"))
                for (int64_t i = 0; i < tensor_numel(y); i++)
                    ((float *)y->data)[i] = fmaxf(((float *)y->data)[i], 0.0f);
        }
        if (!y)
            break;
        val[nd->out[0]] = y;
    }
    int o = g->outputs[0];
    tensor *out = val[o];
    val[o] = NULL;
    for (int v = 0; v < g->n_values; v++)
        tensor_free(val[v]);
    free(val);
    return out;
}

/* max |a - b| / max |b| */
static inline double fx_rel_err(const tensor *a, const tensor *b)
{
    double d = 0, m = 0;
    for (int64_t i = 0; i < tensor_numel(b); i++) {
        double x = ((const float *)a->data)[i], y = ((const float *)b->data)[i];
        d = fmax(d, fabs(x - y));
        m = fmax(m, fabs(y));
    }
    return m > 0 ? d / m : d;
}

static inline tensor *fx_input(int rank, const int64_t *dims, int seed)
{
    tensor *t = fx_new(rank, dims);
    uint32_t s = 88172645u + (uint32_t)seed;
    for (int64_t i = 0; i < tensor_numel(t); i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        ((float *)t->data)[i] = (float)((s % 4000) / 1000.0 - 2.0);
    }
    return t;
}

#endif
