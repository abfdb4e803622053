/* softmax.c — Softmax and LogSoftmax.
 *
 * Before opset 13 the input is flattened to 2-D at `axis` (default 1) and each row is normalised; from
 * opset 13 on, only dim `axis` (default -1) is normalised. Both become [outer, len, inner] loops whose
 * exponentials (kern_vexp) vectorise. */
#include "ops/nn_ops.h"

#include <math.h>
#include <stdlib.h>

#include "ops/kern.h"
#include "ops/vmath.h"

/* One row of n contiguous values. */
KERN_VEC static void softmax_row(const float *restrict x, float *restrict y, int64_t n, bool log_)
{
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        m = x[i] > m ? x[i] : m;
    if (isinf(m) && m < 0)
        m = 0.0f;   /* a row of -inf: every exp is 0 */
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float v = kern_vexp(x[i] - m);
        if (!log_)
            y[i] = v;
        s += v;
    }
    if (log_) {
        float ls = logf(s) + m;
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] - ls;
    } else {
        float inv = 1.0f / s;
        for (int64_t i = 0; i < n; i++)
            y[i] *= inv;
    }
}

/* One [len, inner] block normalised along len; acc holds 2*inner floats of scratch. */
KERN_VEC static void softmax_block(const float *restrict x, float *restrict y, int64_t len, int64_t inner, bool log_,
                                   float *restrict acc)
{
    float *m = acc, *s = acc + inner;
    for (int64_t j = 0; j < inner; j++) {
        m[j] = -INFINITY;
        s[j] = 0.0f;
    }
    for (int64_t l = 0; l < len; l++)
        for (int64_t j = 0; j < inner; j++)
            m[j] = x[l * inner + j] > m[j] ? x[l * inner + j] : m[j];
    for (int64_t j = 0; j < inner; j++)
        if (isinf(m[j]) && m[j] < 0)
            m[j] = 0.0f;
    for (int64_t l = 0; l < len; l++)
        for (int64_t j = 0; j < inner; j++) {
            float v = kern_vexp(x[l * inner + j] - m[j]);
            y[l * inner + j] = v;
            s[j] += v;
        }
    for (int64_t j = 0; j < inner; j++)
        s[j] = log_ ? logf(s[j]) + m[j] : 1.0f / s[j];
    for (int64_t l = 0; l < len; l++)
        for (int64_t j = 0; j < inner; j++)
            y[l * inner + j] = log_ ? x[l * inner + j] - s[j] : y[l * inner + j] * s[j];
}

static const char *const sm_attrs[] = {"axis", NULL};

int kern_check_softmax(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 1, 1, 1, sm_attrs, 1u, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    int64_t axis = graph_attr_int(node, "axis", -1);
    if (x->rank >= 0 && (axis < -x->rank || axis >= (x->rank ? x->rank : 1)))
        return kern_node_err(e, node, "axis %lld is outside the input's rank %d", (long long)axis, x->rank);
    return 0;
}

static int softmax_run(op_ctx *ctx, bool log_)
{
    const tensor *x = ctx->in[0];
    if (kern_want_float(ctx, x, "input", 0, TENSOR_MAX_RANK))
        return -1;
    bool flatten = kern_opset(ctx) > 0 && kern_opset(ctx) < 13;
    int64_t axis = graph_attr_int(ctx->node, "axis", flatten ? 1 : -1);
    int rank = x->rank;
    if (axis < -rank || axis >= (rank ? rank : 1))
        return kern_fail(ctx, "axis %lld is outside the input's rank %d", (long long)axis, rank);
    if (axis < 0)
        axis += rank;
    int64_t outer = 1, len = 1, inner = 1;
    for (int i = 0; i < rank; i++) {
        if (i < axis)
            outer *= x->dims[i];
        else if (i == axis || flatten)
            len *= x->dims[i];
        else
            inner *= x->dims[i];
    }
    tensor *y = op_output(ctx, 0, DT_FLOAT, rank, x->dims);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    const float *xd = x->data;
    float *yd = y->data;
    int rc = 0;
#pragma omp parallel num_threads(ctx->threads > 0 ? ctx->threads : 1)
    {
        float *acc = inner > 1 ? malloc((size_t)inner * 2 * sizeof *acc) : NULL;
        if (inner > 1 && !acc) {
#pragma omp atomic write
            rc = -1;
        }
#pragma omp for schedule(static)
        for (int64_t o = 0; o < outer; o++) {
            if (inner == 1)
                softmax_row(xd + o * len, yd + o * len, len, log_);
            else if (acc)
                softmax_block(xd + o * len * inner, yd + o * len * inner, len, inner, log_, acc);
        }
        free(acc);
    }
    return rc ? kern_fail(ctx, "out of memory") : 0;
}

int kern_run_softmax(op_ctx *ctx)
{
    return softmax_run(ctx, false);
}

int kern_run_logsoftmax(op_ctx *ctx)
{
    return softmax_run(ctx, true);
}
