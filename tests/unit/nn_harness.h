/* nn_harness.h — runs one nn op on hand-made tensors, without the executor: builds a one-node graph,
 * runs the op's check and infer, calls the kernel with a hand-made op_ctx and checks the outputs'
 * shapes against what infer predicted. Shared by the test_nn_*.c unit tests. */
#ifndef NN_HARNESS_H
#define NN_HARNESS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "graph.h"
#include "op.h"
#include "tensor.h"

enum { NNH_MAX_IO = 10 };

typedef struct nnh {
    graph *g;
    int node;
    int n_in, n_out;
    const tensor *in[NNH_MAX_IO];
    bool in_owned[NNH_MAX_IO];
    tensor *out[NNH_MAX_IO];
    void *state;
    const op_def *def;
    qrc_err err;
    int stage;              /* where the last nnh_run failed: 1 check, 2 infer, 3 run */
} nnh;

static inline nnh *nnh_new(const char *op, int n_in, int n_out, int64_t opset)
{
    nnh *h = calloc(1, sizeof *h);
    h->g = graph_new();
    h->g->opsets = graph_alloc(h->g, sizeof *h->g->opsets);
    h->g->opsets[0].domain = graph_strdup(h->g, "");
    h->g->opsets[0].version = opset;
    h->g->n_opsets = 1;
    int in[NNH_MAX_IO], out[NNH_MAX_IO];
    char name[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        in[i] = graph_value_get(h->g, name);
    }
    for (int i = 0; i < n_out; i++) {
        snprintf(name, sizeof name, "y%d", i);
        out[i] = graph_value_get(h->g, name);
    }
    h->node = graph_node_add(h->g, op, "n0", n_in, in, n_out, out);
    h->n_in = n_in;
    h->n_out = n_out;
    h->def = op_find("", op, opset);
    return h;
}

/* Binds input i to t (NULL: omitted). A constant input becomes an initializer owned by the graph;
 * otherwise the harness frees t. */
static inline void nnh_input(nnh *h, int i, tensor *t, bool constant)
{
    graph_node *n = &h->g->nodes[h->node];
    if (!t) {
        n->in[i] = -1;
        return;
    }
    graph_value *v = &h->g->values[n->in[i]];
    v->dtype = t->dtype;
    v->rank = t->rank;
    for (int d = 0; d < t->rank; d++)
        v->dims[d] = t->dims[d];
    if (constant)
        v->init = t;
    h->in[i] = t;
    h->in_owned[i] = !constant;
}

/* Marks output i as omitted (empty name). */
static inline void nnh_drop_output(nnh *h, int i)
{
    graph_node *n = &h->g->nodes[h->node];
    h->g->values[n->out[i]].name[0] = '\0';
}

static inline void nnh_int(nnh *h, const char *name, int64_t v)
{
    graph_attr_set(h->g, h->node, name, ATTR_INT)->i = v;
}

static inline void nnh_float(nnh *h, const char *name, float v)
{
    graph_attr_set(h->g, h->node, name, ATTR_FLOAT)->f = v;
}

static inline void nnh_str(nnh *h, const char *name, const char *s)
{
    graph_attr_set(h->g, h->node, name, ATTR_STRING)->s = graph_strdup(h->g, s);
}

static inline void nnh_ints(nnh *h, const char *name, int n, const int64_t *v)
{
    graph_attr *a = graph_attr_set(h->g, h->node, name, ATTR_INTS);
    a->n = n;
    a->ints = graph_alloc(h->g, (size_t)n * sizeof *v + 1);
    memcpy(a->ints, v, (size_t)n * sizeof *v);
}

static inline void nnh_floats(nnh *h, const char *name, int n, const float *v)
{
    graph_attr *a = graph_attr_set(h->g, h->node, name, ATTR_FLOATS);
    a->n = n;
    a->floats = graph_alloc(h->g, (size_t)n * sizeof *v + 1);
    memcpy(a->floats, v, (size_t)n * sizeof *v);
}

/* Runs graph g, whose one input is "x", on x with the executor (threads 1). Its first output, or NULL
 * with e filled. */
static inline tensor *nnh_run_graph(graph *g, const tensor *x, qrc_err *e)
{
    exec *ex;
    if (exec_new(g, 1, &ex, e))
        return NULL;
    const char *names[1] = {"x"};
    tensor *out[1] = {NULL};
    int rc = exec_run(ex, 1, names, &x, out, e);
    exec_free(ex);
    return rc ? NULL : out[0];
}

/* check, infer, run. Returns 0 or -1 (h->err and h->stage tell why). Shapes inferred from fully
 * known inputs must equal the computed ones: a mismatch is reported as an infer failure. */
static inline int nnh_run(nnh *h, int threads)
{
    graph_node *n = &h->g->nodes[h->node];
    h->stage = 1;
    if (!h->def) {
        snprintf(h->err.msg, sizeof h->err.msg, "no table row for %s", n->op_type);
        return -1;
    }
    if (h->def->check && h->def->check(h->g, n, &h->err))
        return -1;
    h->stage = 2;
    if (h->def->infer && h->def->infer(h->g, n, &h->err))
        return -1;
    h->stage = 3;
    op_ctx ctx = {0};
    ctx.graph = h->g;
    ctx.node = n;
    ctx.n_in = h->n_in;
    ctx.in = h->in;
    ctx.n_out = h->n_out;
    ctx.out = h->out;
    ctx.threads = threads;
    ctx.state = &h->state;
    ctx.err = &h->err;
    if (h->def->run(&ctx))
        return -1;
    for (int i = 0; i < h->n_out; i++) {
        graph_value *v = &h->g->values[n->out[i]];
        if (!h->out[i] || v->rank < 0)
            continue;
        bool same = v->rank == h->out[i]->rank && v->dtype == h->out[i]->dtype;
        for (int d = 0; same && d < v->rank; d++)
            same = v->dims[d] < 0 || v->dims[d] == h->out[i]->dims[d];
        if (!same) {
            char buf[128];
            snprintf(h->err.msg, sizeof h->err.msg, "inferred rank %d dtype %d differs from output %d %s", v->rank,
                     (int)v->dtype, i, tensor_describe(h->out[i], buf, sizeof buf));
            h->stage = 2;
            return -1;
        }
    }
    return 0;
}

static inline void nnh_free(nnh *h)
{
    if (h->state && h->def && h->def->release)
        h->def->release(h->state);
    for (int i = 0; i < NNH_MAX_IO; i++) {
        tensor_free(h->out[i]);
        if (h->in_owned[i])
            tensor_free((tensor *)h->in[i]);
    }
    graph_free(h->g);
    free(h);
}

/* Deterministic pseudo-random numbers. */
static inline uint32_t nnh_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static inline float nnh_uniform(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(nnh_rand(s) & 0xffffff) / (float)0x1000000;
}

static inline tensor *nnh_tensor(int rank, const int64_t *dims, uint64_t *seed, float lo, float hi)
{
    qrc_err e;
    tensor *t = tensor_new(DT_FLOAT, rank, dims, &e);
    float *d = t->data;
    for (int64_t i = 0; i < tensor_numel(t); i++)
        d[i] = nnh_uniform(seed, lo, hi);
    return t;
}

/* Largest |a-b| / (atol + rtol*|b|) over two float tensors of equal shape; INFINITY on shape mismatch. */
static inline double nnh_err(const tensor *a, const float *b, int64_t n, double atol, double rtol)
{
    if (!a || tensor_numel(a) != n)
        return INFINITY;
    const float *x = a->data;
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(x[i]) != isnan(b[i]))
            return INFINITY;
        if (isnan(b[i]) || x[i] == b[i])
            continue;
        double r = fabs((double)x[i] - b[i]) / (atol + rtol * fabs((double)b[i]));
        if (!(r <= worst))
            worst = r;
    }
    return worst;
}

#endif
