/* scatter.c — index-driven reads and writes: GatherND, ScatterElements (and the older Scatter),
 * ScatterND, Compress, NonZero. Every index is bounds-checked; an out-of-range index is an error
 * naming the node. */
#include <stdlib.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

static int64_t ix_at(const tensor *ix, int64_t i)
{
    return ix->dtype == DT_INT64 ? ((const int64_t *)ix->data)[i] : ((const int32_t *)ix->data)[i];
}

static void strides_of(const tensor *t, int64_t *s)
{
    int64_t p = 1;
    for (int d = t->rank - 1; d >= 0; d--) {
        s[d] = p;
        p *= t->dims[d];
    }
}

/* ---- reductions used by the scatters ---- */

typedef enum { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN } scat_red;

static int scat_reduction(op_ctx *ctx, scat_red *r)
{
    const char *s = graph_attr_string(ctx->node, "reduction", "none");
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    for (int i = 0; i < 5; i++)
        if (!strcmp(s, names[i])) {
            *r = (scat_red)i;
            return 0;
        }
    return kern_fail(ctx, "reduction '%s' is not supported", s);
}

#define RED_APPLY(T)                                                                                        \
    do {                                                                                                    \
        T *d_ = (T *)dst, u_ = *(const T *)src;                                                             \
        switch (r) {                                                                                        \
        case RED_ADD: *d_ = (T)(*d_ + u_); break;                                                           \
        case RED_MUL: *d_ = (T)(*d_ * u_); break;                                                           \
        case RED_MAX: *d_ = *d_ > u_ ? *d_ : u_; break;                                                     \
        case RED_MIN: *d_ = *d_ < u_ ? *d_ : u_; break;                                                     \
        default: *d_ = u_; break;                                                                           \
        }                                                                                                   \
    } while (0)

/* Combines one element src into dst; false when the dtype has no arithmetic here. */
static bool red_one(scat_red r, tensor_dtype dt, void *dst, const void *src, size_t es)
{
    if (r == RED_NONE) {
        memcpy(dst, src, es);
        return true;
    }
    switch (dt) {
    case DT_FLOAT: RED_APPLY(float); return true;
    case DT_DOUBLE: RED_APPLY(double); return true;
    case DT_INT8: RED_APPLY(int8_t); return true;
    case DT_INT16: RED_APPLY(int16_t); return true;
    case DT_INT32: RED_APPLY(int32_t); return true;
    case DT_INT64: RED_APPLY(int64_t); return true;
    case DT_UINT8: RED_APPLY(uint8_t); return true;
    case DT_UINT16: RED_APPLY(uint16_t); return true;
    case DT_UINT32: RED_APPLY(uint32_t); return true;
    case DT_UINT64: RED_APPLY(uint64_t); return true;
    default: return false;
    }
}

/* ---- GatherND ---- */

int kern_check_gather_nd(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"batch_dims", NULL};
    static const tensor_dtype i64[] = {DT_INT64, DT_UNDEFINED};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, i64, e)
               ? -1
               : 0;
}

int kern_infer_gather_nd(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0), *ix = kern_in_value(g, n, 1);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    int64_t b = graph_attr_int(n, "batch_dims", 0);
    if (!x || !ix || x->rank < 0 || ix->rank < 1 || ix->dims[ix->rank - 1] < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t k = ix->dims[ix->rank - 1];
    if (b < 0 || b + k > x->rank)
        return kern_node_err(e, n, "index depth %lld with %lld batch dims exceeds data rank %d", (long long)k,
                             (long long)b, x->rank);
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < ix->rank - 1 && r < TENSOR_MAX_RANK; d++)
        dims[r++] = ix->dims[d];
    for (int d = (int)(b + k); d < x->rank && r < TENSOR_MAX_RANK; d++)
        dims[r++] = x->dims[d];
    return kern_set_out(g, n, 0, dt, r, dims);
}

int kern_run_gather_nd(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *ix = ctx->in[1];
    if (ix->dtype != DT_INT64 || ix->rank < 1)
        return kern_fail(ctx, "indices must be int64 of rank >= 1");
    int64_t b = graph_attr_int(ctx->node, "batch_dims", 0), k = ix->dims[ix->rank - 1];
    if (b < 0 || b >= ix->rank || b + k > x->rank)
        return kern_fail(ctx, "index depth %lld with %lld batch dims does not fit data rank %d", (long long)k,
                         (long long)b, x->rank);
    for (int d = 0; d < b; d++)
        if (x->dims[d] != ix->dims[d])
            return kern_fail(ctx, "batch dim %d differs between data and indices", d);
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < ix->rank - 1; d++)
        dims[r++] = ix->dims[d];
    for (int d = (int)(b + k); d < x->rank; d++) {
        if (r >= TENSOR_MAX_RANK)
            return kern_fail(ctx, "result rank exceeds %d", TENSOR_MAX_RANK);
        dims[r++] = x->dims[d];
    }
    tensor *y = op_output(ctx, 0, x->dtype, r, dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t xs[TENSOR_MAX_RANK];
    strides_of(x, xs);
    int64_t batches = 1, per_batch = 1, slice = 1;
    for (int d = 0; d < b; d++)
        batches *= x->dims[d];
    for (int d = (int)b; d < ix->rank - 1; d++)
        per_batch *= ix->dims[d];
    for (int d = (int)(b + k); d < x->rank; d++)
        slice *= x->dims[d];
    int64_t batch_stride = b > 0 ? xs[b - 1] : 0;
    for (int64_t bi = 0; bi < batches; bi++)
        for (int64_t t = 0; t < per_batch; t++) {
            int64_t row = bi * per_batch + t, off = bi * batch_stride;
            for (int64_t j = 0; j < k; j++) {
                int64_t len = x->dims[b + j], v = ix_at(ix, row * k + j);
                if (v < -len || v >= len)
                    return kern_fail(ctx, "index %lld is out of range for dim %lld of size %lld", (long long)v,
                                     (long long)(b + j), (long long)len);
                off += (v < 0 ? v + len : v) * xs[b + j];
            }
            if (slice)
                memcpy((char *)y->data + (size_t)(row * slice) * es, (const char *)x->data + (size_t)off * es,
                       (size_t)slice * es);
        }
    return 0;
}

/* ---- ScatterElements / Scatter ---- */

int kern_check_scatter_elements(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", "reduction", NULL};
    if (kern_check_arity(n, 3, 3, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, kern_dt_index, e))
        return -1;
    const char *r = graph_attr_string(n, "reduction", "none");
    if (strcmp(r, "none") && strcmp(r, "add") && strcmp(r, "mul") && strcmp(r, "max") && strcmp(r, "min"))
        return kern_node_err(e, n, "reduction '%s' is not supported", r);
    return 0;
}

int kern_run_scatter_elements(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *ix = ctx->in[1], *up = ctx->in[2];
    scat_red red;
    if (scat_reduction(ctx, &red))
        return -1;
    if (ix->dtype != DT_INT32 && ix->dtype != DT_INT64)
        return kern_fail(ctx, "indices must be int32 or int64");
    if (ix->rank != x->rank || up->rank != ix->rank || memcmp(ix->dims, up->dims, sizeof(int64_t) * (size_t)ix->rank))
        return kern_fail(ctx, "indices and updates must have the data's rank and one shape");
    if (up->dtype != x->dtype)
        return kern_fail(ctx, "updates dtype differs from data");
    int64_t axis;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
        return -1;
    for (int d = 0; d < x->rank; d++)
        if (ix->dims[d] > x->dims[d] && d != axis)
            return kern_fail(ctx, "indices dim %d exceeds the data's", d);
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    if (tensor_nbytes(x))
        memcpy(y->data, x->data, tensor_nbytes(x));
    int64_t xs[TENSOR_MAX_RANK], pos[TENSOR_MAX_RANK] = {0};
    strides_of(x, xs);
    int64_t n = tensor_numel(ix), len = x->dims[axis];
    for (int64_t i = 0; i < n; i++) {
        int64_t v = ix_at(ix, i);
        if (v < -len || v >= len)
            return kern_fail(ctx, "index %lld at position %lld is out of range for axis of size %lld", (long long)v,
                             (long long)i, (long long)len);
        int64_t off = 0;
        for (int d = 0; d < x->rank; d++)
            off += (d == axis ? (v < 0 ? v + len : v) : pos[d]) * xs[d];
        if (!red_one(red, x->dtype, (char *)y->data + (size_t)off * es, (const char *)up->data + (size_t)i * es, es))
            return kern_fail(ctx, "reduction on dtype %s is not supported", tensor_dtype_name(x->dtype));
        for (int d = x->rank - 1; d >= 0; d--) {
            if (++pos[d] < ix->dims[d])
                break;
            pos[d] = 0;
        }
    }
    return 0;
}

/* ---- ScatterND ---- */

int kern_check_scatter_nd(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"reduction", NULL};
    static const tensor_dtype i64[] = {DT_INT64, DT_UNDEFINED};
    if (kern_check_arity(n, 3, 3, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, i64, e))
        return -1;
    const char *r = graph_attr_string(n, "reduction", "none");
    if (strcmp(r, "none") && strcmp(r, "add") && strcmp(r, "mul") && strcmp(r, "max") && strcmp(r, "min"))
        return kern_node_err(e, n, "reduction '%s' is not supported", r);
    return 0;
}

int kern_run_scatter_nd(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *ix = ctx->in[1], *up = ctx->in[2];
    scat_red red;
    if (scat_reduction(ctx, &red))
        return -1;
    if (ix->dtype != DT_INT64 || ix->rank < 1)
        return kern_fail(ctx, "indices must be int64 of rank >= 1");
    int64_t k = ix->dims[ix->rank - 1];
    if (k > x->rank || up->dtype != x->dtype)
        return kern_fail(ctx, "index depth or updates dtype does not match the data");
    /* updates shape = indices.shape[:-1] + data.shape[k:] */
    if (up->rank != ix->rank - 1 + x->rank - k)
        return kern_fail(ctx, "updates rank %d does not match", up->rank);
    for (int d = 0; d < ix->rank - 1; d++)
        if (up->dims[d] != ix->dims[d])
            return kern_fail(ctx, "updates dim %d does not match the indices", d);
    for (int d = (int)k; d < x->rank; d++)
        if (up->dims[ix->rank - 1 + d - k] != x->dims[d])
            return kern_fail(ctx, "updates dim %lld does not match the data", (long long)(ix->rank - 1 + d - k));
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    if (tensor_nbytes(x))
        memcpy(y->data, x->data, tensor_nbytes(x));
    int64_t xs[TENSOR_MAX_RANK];
    strides_of(x, xs);
    int64_t slice = 1, rows = 1;
    for (int d = (int)k; d < x->rank; d++)
        slice *= x->dims[d];
    for (int d = 0; d < ix->rank - 1; d++)
        rows *= ix->dims[d];
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = 0;
        for (int64_t j = 0; j < k; j++) {
            int64_t len = x->dims[j], v = ix_at(ix, r * k + j);
            if (v < -len || v >= len)
                return kern_fail(ctx, "index %lld is out of range for dim %lld of size %lld", (long long)v,
                                 (long long)j, (long long)len);
            off += (v < 0 ? v + len : v) * xs[j];
        }
        for (int64_t s = 0; s < slice; s++)
            if (!red_one(red, x->dtype, (char *)y->data + (size_t)(off + s) * es,
                         (const char *)up->data + (size_t)(r * slice + s) * es, es))
                return kern_fail(ctx, "reduction on dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    return 0;
}

/* ---- Compress ---- */

int kern_check_compress(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, kern_dt_bool, e)
               ? -1
               : 0;
}

int kern_infer_compress(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t dims[TENSOR_MAX_RANK];
    if (!graph_attr_find(n, "axis")) {
        dims[0] = -1;
        return kern_set_out(g, n, 0, dt, 1, dims);
    }
    memcpy(dims, x->dims, sizeof dims);
    int64_t a = graph_attr_int(n, "axis", 0);
    if (a < -x->rank || a >= x->rank)
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    dims[a < 0 ? a + x->rank : a] = -1;
    return kern_set_out(g, n, 0, dt, x->rank, dims);
}

int kern_run_compress(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *c = ctx->in[1];
    if (c->dtype != DT_BOOL || c->rank != 1)
        return kern_fail(ctx, "condition must be a 1-D bool tensor");
    bool has_axis = graph_attr_find(ctx->node, "axis") != NULL;
    int64_t axis = 0, len, outer = 1, inner = 1;
    if (has_axis) {
        if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
            return -1;
        len = x->dims[axis];
        for (int d = 0; d < axis; d++)
            outer *= x->dims[d];
        for (int d = (int)axis + 1; d < x->rank; d++)
            inner *= x->dims[d];
    } else {
        len = tensor_numel(x);
    }
    const uint8_t *cd = c->data;
    int64_t m = c->dims[0] < len ? c->dims[0] : len, kept = 0;
    if (c->dims[0] > len)
        return kern_fail(ctx, "condition is longer (%lld) than the axis (%lld)", (long long)c->dims[0], (long long)len);
    for (int64_t i = 0; i < m; i++)
        kept += cd[i] != 0;
    int64_t dims[TENSOR_MAX_RANK];
    int r = 1;
    if (has_axis) {
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = kept;
        r = x->rank;
    } else {
        dims[0] = kept;
    }
    tensor *y = op_output(ctx, 0, x->dtype, r, dims);
    if (!y)
        return -1;
    size_t blk = (size_t)inner * tensor_dtype_size(x->dtype);
    char *o = y->data;
    for (int64_t ou = 0; ou < outer; ou++)
        for (int64_t i = 0; i < m; i++)
            if (cd[i]) {
                memcpy(o, (const char *)x->data + (size_t)(ou * len + i) * blk, blk);
                o += blk;
            }
    return 0;
}

/* ---- NonZero ---- */

int kern_infer_non_zero(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    int64_t dims[2] = {x && x->rank >= 0 ? x->rank : -1, -1};
    return kern_set_out(g, n, 0, DT_INT64, 2, dims);
}

int kern_run_non_zero(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    size_t es = tensor_dtype_size(x->dtype);
    if (!es || kern_is_half(x->dtype) || x->dtype == DT_FLOAT || x->dtype == DT_DOUBLE) {
        /* floating: -0.0 is zero, so compare values rather than bytes */
        if (!kern_convertible(x->dtype))
            return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    int64_t n = tensor_numel(x), cnt = 0;
    uint8_t *nz = malloc((size_t)(n ? n : 1));
    if (!nz)
        return kern_fail(ctx, "out of memory");
    if (kern_convert(x->data, x->dtype, nz, DT_BOOL, n)) {
        free(nz);
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    for (int64_t i = 0; i < n; i++)
        cnt += nz[i];
    int64_t dims[2] = {x->rank, cnt};
    tensor *y = op_output(ctx, 0, DT_INT64, 2, dims);
    if (!y) {
        free(nz);
        return -1;
    }
    int64_t *out = y->data, pos[TENSOR_MAX_RANK] = {0}, k = 0;
    for (int64_t i = 0; i < n; i++) {
        if (nz[i]) {
            for (int d = 0; d < x->rank; d++)
                out[d * cnt + k] = pos[d];
            k++;
        }
        for (int d = x->rank - 1; d >= 0; d--) {
            if (++pos[d] < x->dims[d])
                break;
            pos[d] = 0;
        }
    }
    free(nz);
    return 0;
}
