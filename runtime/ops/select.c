/* select.c — ops that rank or accumulate along one axis: TopK, Hardmax, CumSum. */
#include <stdlib.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

/* outer x len x inner view of a tensor around axis */
static void axis_view(const tensor *x, int64_t axis, int64_t *outer, int64_t *len, int64_t *inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < axis; d++)
        *outer *= x->dims[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        *inner *= x->dims[d];
    *len = x->rank ? x->dims[axis] : 1;
}

/* ---- TopK ---- */

typedef struct topk_item {
    double v;
    int64_t i;
} topk_item;

static int cmp_largest(const void *a, const void *b)
{
    const topk_item *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int cmp_smallest(const void *a, const void *b)
{
    const topk_item *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int kern_check_topk(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", "largest", "sorted", NULL};
    static const tensor_dtype i64[] = {DT_INT64, DT_UNDEFINED};
    return kern_check_arity(n, 2, 2, 2, 2, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_numeric, e) || kern_check_dtype(g, n, 1, i64, e)
               ? -1
               : 0;
}

int kern_infer_topk(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    if (!x || x->rank < 0) {
        kern_set_out(g, n, 0, x ? x->dtype : DT_UNDEFINED, -1, NULL);
        return kern_set_out(g, n, 1, DT_INT64, -1, NULL);
    }
    int64_t a = graph_attr_int(n, "axis", -1), k;
    if (a < -x->rank || a >= x->rank)
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    if (a < 0)
        a += x->rank;
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[a] = kern_const_ints(g, n, 1, &k, 1) == 1 ? k : -1;
    if (dims[a] != -1 && (k < 0 || (x->dims[a] >= 0 && k > x->dims[a])))
        return kern_node_err(e, n, "K = %lld is out of range for an axis of %lld", (long long)k,
                             (long long)x->dims[a]);
    kern_set_out(g, n, 0, x->dtype, x->rank, dims);
    return kern_set_out(g, n, 1, DT_INT64, x->rank, dims);
}

int kern_run_topk(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t k, axis, outer, len, inner;
    if (kern_read_ints(ctx, ctx->in[1], &k, 1, "K") != 1)
        return ctx->err->msg[0] ? -1 : kern_fail(ctx, "K must hold one value");
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", -1), x->rank, &axis))
        return -1;
    axis_view(x, axis, &outer, &len, &inner);
    if (k < 0 || k > len)
        return kern_fail(ctx, "K = %lld is out of range for an axis of %lld", (long long)k, (long long)len);
    if (!kern_convertible(x->dtype))
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    bool largest = graph_attr_int(ctx->node, "largest", 1) != 0;
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = k;
    tensor *vals = op_output(ctx, 0, x->dtype, x->rank, dims), *idx = op_output(ctx, 1, DT_INT64, x->rank, dims);
    if (!vals || !idx)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    topk_item *items = malloc((size_t)(len ? len : 1) * sizeof *items);
    double *col = malloc((size_t)(len ? len : 1) * sizeof *col);
    char *tmp = malloc((size_t)(len ? len : 1) * es);
    if (!items || !col || !tmp) {
        free(items), free(col), free(tmp);
        return kern_fail(ctx, "out of memory");
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            for (int64_t i = 0; i < len; i++)
                memcpy(tmp + (size_t)i * es, (const char *)x->data + (size_t)((o * len + i) * inner + in) * es, es);
            kern_convert(tmp, x->dtype, col, DT_DOUBLE, len);
            for (int64_t i = 0; i < len; i++)
                items[i] = (topk_item){col[i], i};
            qsort(items, (size_t)len, sizeof *items, largest ? cmp_largest : cmp_smallest);
            for (int64_t j = 0; j < k; j++) {
                int64_t at = (o * k + j) * inner + in;
                memcpy((char *)vals->data + (size_t)at * es, tmp + (size_t)items[j].i * es, es);
                ((int64_t *)idx->data)[at] = items[j].i;
            }
        }
    free(items), free(col), free(tmp);
    return 0;
}

/* ---- Hardmax: one-hot of the first maximum along axis (opset 13), or over the flattened trailing
 * dims from axis (before 13) ---- */

int kern_check_hardmax(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_floats, e)
               ? -1
               : 0;
}

int kern_run_hardmax(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, kern_run_hardmax);
    if (x->dtype != DT_FLOAT && x->dtype != DT_DOUBLE)
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    bool old = ctx->graph && graph_opset_version(ctx->graph, "") < 13;
    int64_t axis, outer, len, inner;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", old ? 1 : -1), x->rank, &axis))
        return -1;
    axis_view(x, axis, &outer, &len, &inner);
    if (old) { /* coerced to 2-D: [prod(dims[:axis]), prod(dims[axis:])] */
        len *= inner;
        inner = 1;
    }
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    if (tensor_nbytes(y))
        memset(y->data, 0, tensor_nbytes(y));
    if (len == 0)
        return 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            int64_t best = 0;
            if (x->dtype == DT_FLOAT) {
                const float *p = (const float *)x->data + o * len * inner + in;
                for (int64_t i = 1; i < len; i++)
                    if (p[i * inner] > p[best * inner])
                        best = i;
                ((float *)y->data)[(o * len + best) * inner + in] = 1;
            } else {
                const double *p = (const double *)x->data + o * len * inner + in;
                for (int64_t i = 1; i < len; i++)
                    if (p[i * inner] > p[best * inner])
                        best = i;
                ((double *)y->data)[(o * len + best) * inner + in] = 1;
            }
        }
    return 0;
}

/* ---- CumSum ---- */

static const tensor_dtype cumsum_types[] = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT32, DT_UINT64,
                                            DT_FLOAT16, DT_BFLOAT16, DT_UNDEFINED};

int kern_check_cumsum(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"exclusive", "reverse", NULL};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, cumsum_types, e) || kern_check_dtype(g, n, 1, kern_dt_index, e)
               ? -1
               : 0;
}

#define CUMSUM_LOOP(T)                                                                                      \
    do {                                                                                                    \
        const T *p_ = x->data;                                                                              \
        T *q_ = y->data;                                                                                    \
        for (int64_t o = 0; o < outer; o++)                                                                 \
            for (int64_t in = 0; in < inner; in++) {                                                        \
                T acc = 0;                                                                                  \
                for (int64_t s = 0; s < len; s++) {                                                         \
                    int64_t i = rev ? len - 1 - s : s;                                                      \
                    int64_t at = (o * len + i) * inner + in;                                                \
                    T v = p_[at];                                                                           \
                    if (excl) {                                                                             \
                        q_[at] = acc;                                                                       \
                        acc = (T)(acc + v);                                                                 \
                    } else {                                                                                \
                        acc = (T)(acc + v);                                                                 \
                        q_[at] = acc;                                                                       \
                    }                                                                                       \
                }                                                                                           \
            }                                                                                               \
    } while (0)

int kern_run_cumsum(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, kern_run_cumsum);
    int64_t a, axis, outer, len, inner;
    if (kern_read_ints(ctx, ctx->in[1], &a, 1, "axis") != 1)
        return ctx->err->msg[0] ? -1 : kern_fail(ctx, "axis must hold one value");
    if (kern_axis(ctx, a, x->rank, &axis))
        return -1;
    axis_view(x, axis, &outer, &len, &inner);
    bool excl = graph_attr_int(ctx->node, "exclusive", 0) != 0, rev = graph_attr_int(ctx->node, "reverse", 0) != 0;
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    switch (x->dtype) {
    case DT_FLOAT: CUMSUM_LOOP(float); break;
    case DT_DOUBLE: CUMSUM_LOOP(double); break;
    case DT_INT32: CUMSUM_LOOP(int32_t); break;
    case DT_INT64: CUMSUM_LOOP(int64_t); break;
    case DT_UINT32: CUMSUM_LOOP(uint32_t); break;
    case DT_UINT64: CUMSUM_LOOP(uint64_t); break;
    default: return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    return 0;
}
