/* norm.c — BatchNormalization (inference), LayerNormalization, InstanceNormalization. */
#include "ops/nn_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"

/* y = x * a + b over n contiguous values. */
KERN_VEC static void affine(const float *restrict x, float *restrict y, int64_t n, float a, float b)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * a + b;
}

/* Mean and 1/sqrt(var + eps) of n contiguous values (two passes, double accumulation). */
KERN_VEC static void moments(const float *restrict x, int64_t n, float eps, float *mean, float *inv)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; i++)
        s += x[i];
    double m = n ? s / (double)n : 0.0, q = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double d = x[i] - m;
        q += d * d;
    }
    *mean = (float)m;
    *inv = (float)(1.0 / sqrt((n ? q / (double)n : 0.0) + (double)eps));
}

static const char *const bn_attrs[] = {"epsilon", "momentum", "spatial", "training_mode", "is_test",
                                       "consumed_inputs", NULL};

int kern_check_batchnorm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 5, 5, 5, bn_attrs, 31u, e))
        return -1;
    if (graph_attr_int(node, "training_mode", 0) != 0)
        return kern_node_err(e, node, "attribute training_mode=1 is not supported (inference only)");
    if (graph_attr_int(node, "spatial", 1) != 1)
        return kern_node_err(e, node, "attribute spatial=0 is not supported");
    for (int i = 1; i < node->n_out; i++)
        if (kern_has_output(g, node, i))
            return kern_node_err(e, node, "training outputs (output %d) are not supported", i);
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank >= 0 && x->rank < 2)
        return kern_node_err(e, node, "input '%s' has rank %d; at least 2 is needed", x->name, x->rank);
    return 0;
}

/* Output 0 takes input 0's dtype and shape. */
int kern_infer_same(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 1, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    kern_set_out(g, node, 0, x->dtype != DT_UNDEFINED ? x->dtype : DT_FLOAT, x->rank, x->dims);
    graph_value *y = kern_out_value(g, node, 0);
    if (y)
        for (int i = 0; i < x->rank && i < TENSOR_MAX_RANK; i++)
            y->dim_param[i] = x->dim_param[i];
    return 0;
}

static int want_vec(op_ctx *ctx, int i, const char *what, int64_t c)
{
    const tensor *t = ctx->in[i];
    if (kern_want_float(ctx, t, what, 1, 1))
        return -1;
    if (t->dims[0] != c)
        return kern_fail(ctx, "input %s has %lld values; expected %lld", what, (long long)t->dims[0], (long long)c);
    return 0;
}

int kern_run_batchnorm(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_want_float(ctx, x, "X", 2, TENSOR_MAX_RANK))
        return -1;
    int64_t n = x->dims[0], c = x->dims[1], plane = 1;
    for (int i = 2; i < x->rank; i++)
        plane *= x->dims[i];
    if (want_vec(ctx, 1, "scale", c) || want_vec(ctx, 2, "B", c) || want_vec(ctx, 3, "mean", c) ||
        want_vec(ctx, 4, "var", c))
        return -1;
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, x->dims);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    float *a = malloc((size_t)c * 2 * sizeof *a);
    if (!a)
        return kern_fail(ctx, "out of memory");
    float *b = a + c;
    const float *sc = ctx->in[1]->data, *bi = ctx->in[2]->data, *mu = ctx->in[3]->data, *va = ctx->in[4]->data;
    float eps = graph_attr_float(ctx->node, "epsilon", 1e-5f);
    for (int64_t i = 0; i < c; i++) {
        a[i] = sc[i] / sqrtf(va[i] + eps);
        b[i] = bi[i] - mu[i] * a[i];
    }
    const float *xd = x->data;
    float *yd = y->data;
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
    for (int64_t p = 0; p < n * c; p++)
        affine(xd + p * plane, yd + p * plane, plane, a[p % c], b[p % c]);
    free(a);
    return 0;
}

static const char *const in_attrs[] = {"epsilon", NULL};

int kern_check_instnorm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 3, 3, 1, in_attrs, 7u, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank >= 0 && x->rank < 3)
        return kern_node_err(e, node, "input '%s' has rank %d; at least 3 is needed", x->name, x->rank);
    return 0;
}

int kern_run_instnorm(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_want_float(ctx, x, "X", 3, TENSOR_MAX_RANK))
        return -1;
    int64_t n = x->dims[0], c = x->dims[1], plane = 1;
    for (int i = 2; i < x->rank; i++)
        plane *= x->dims[i];
    if (want_vec(ctx, 1, "scale", c) || want_vec(ctx, 2, "B", c))
        return -1;
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, x->dims);
    if (!y)
        return -1;
    const float *sc = ctx->in[1]->data, *bi = ctx->in[2]->data, *xd = x->data;
    float *yd = y->data;
    float eps = graph_attr_float(ctx->node, "epsilon", 1e-5f);
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
    for (int64_t p = 0; p < n * c; p++) {
        float m, inv;
        moments(xd + p * plane, plane, eps, &m, &inv);
        float a = inv * sc[p % c];
        affine(xd + p * plane, yd + p * plane, plane, a, bi[p % c] - m * a);
    }
    return 0;
}

static const char *const ln_attrs[] = {"axis", "epsilon", "stash_type", NULL};

int kern_check_layernorm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 2, 3, 3, ln_attrs, 7u, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    int64_t axis = graph_attr_int(node, "axis", -1);
    if (x->rank >= 0 && (axis < -x->rank || axis >= x->rank))
        return kern_node_err(e, node, "axis %lld is outside the input's rank %d", (long long)axis, x->rank);
    return 0;
}

int kern_infer_layernorm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_same(g, node, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank < 0) {
        kern_set_out(g, node, 1, DT_FLOAT, -1, NULL);
        kern_set_out(g, node, 2, DT_FLOAT, -1, NULL);
        return 0;
    }
    int64_t axis = graph_attr_int(node, "axis", -1), sd[TENSOR_MAX_RANK];
    if (axis < 0)
        axis += x->rank;
    for (int i = 0; i < x->rank; i++)
        sd[i] = i < axis ? x->dims[i] : 1;
    kern_set_out(g, node, 1, DT_FLOAT, x->rank, sd);
    kern_set_out(g, node, 2, DT_FLOAT, x->rank, sd);
    return 0;
}

KERN_VEC static void ln_row(const float *restrict x, float *restrict y, int64_t n, float m, float inv,
                            const float *restrict sc, int64_t ssc, const float *restrict bi, int64_t sbi)
{
    if (ssc && sbi && bi) {
        for (int64_t i = 0; i < n; i++)
            y[i] = (x[i] - m) * inv * sc[i] + bi[i];
        return;
    }
    for (int64_t i = 0; i < n; i++)
        y[i] = (x[i] - m) * inv * sc[i * ssc] + (bi ? bi[i * sbi] : 0.0f);
}

int kern_run_layernorm(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *sc = ctx->in[1], *bi = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (kern_want_float(ctx, x, "X", 1, TENSOR_MAX_RANK) || kern_want_float(ctx, sc, "Scale", 0, TENSOR_MAX_RANK) ||
        (bi && kern_want_float(ctx, bi, "B", 0, TENSOR_MAX_RANK)))
        return -1;
    int64_t axis = graph_attr_int(ctx->node, "axis", -1);
    if (axis < -x->rank || axis >= x->rank)
        return kern_fail(ctx, "axis %lld is outside the input's rank %d", (long long)axis, x->rank);
    if (axis < 0)
        axis += x->rank;
    int64_t rows = 1, inner = 1, sd[TENSOR_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        if (i < axis)
            rows *= x->dims[i];
        else
            inner *= x->dims[i];
        sd[i] = i < axis ? x->dims[i] : 1;
    }
    int64_t ns = tensor_numel(sc), nb = bi ? tensor_numel(bi) : 0;
    if ((ns != inner && ns != 1) || (bi && nb != inner && nb != 1))
        return kern_fail(ctx, "Scale and B must have %lld values (the normalised shape) or 1", (long long)inner);
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, x->dims), *mo = NULL, *io = NULL;
    if (!y)
        return -1;
    if (ctx->n_out > 1 && ctx->graph && kern_has_output(ctx->graph, ctx->node, 1) &&
        !(mo = op_output(ctx, 1, DT_FLOAT, x->rank, sd)))
        return -1;
    if (ctx->n_out > 2 && ctx->graph && kern_has_output(ctx->graph, ctx->node, 2) &&
        !(io = op_output(ctx, 2, DT_FLOAT, x->rank, sd)))
        return -1;
    float eps = graph_attr_float(ctx->node, "epsilon", 1e-5f);
    const float *xd = x->data, *sd_ = sc->data, *bd = bi ? bi->data : NULL;
    float *yd = y->data, *md = mo ? mo->data : NULL, *id = io ? io->data : NULL;
    int64_t ssc = ns == 1 ? 0 : 1, sbi = nb == 1 ? 0 : 1;
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        float m, inv;
        moments(xd + r * inner, inner, eps, &m, &inv);
        ln_row(xd + r * inner, yd + r * inner, inner, m, inv, sd_, ssc, bd, sbi);
        if (md)
            md[r] = m;
        if (id)
            id[r] = inv;
    }
    return 0;
}
