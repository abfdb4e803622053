/* data_movement.c — ops that move elements without computing on them: Concat, Split, Slice, Gather,
 * GatherElements, Transpose, Expand, Tile, Pad. All work on any dtype by element size and copy
 * contiguous runs with memcpy. */
#include <stdlib.h>
#include <string.h>

#include "base/checked.h"
#include "ops/basic.h"
#include "ops/kern.h"

static int64_t prod(const int64_t *d, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p *= d[i];
    return p;
}

static int norm_axis(const graph_node *n, int64_t a, int rank, int64_t *out, qrc_err *e)
{
    if (a < -rank || a >= (rank ? rank : 1))
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, rank);
    *out = a < 0 ? a + rank : a;
    return 0;
}

/* ---- Concat ---- */

int kern_check_concat(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    if (kern_check_arity(n, 1, 1 << 20, 1, 1, e) || kern_check_attrs(n, attrs, e))
        return -1;
    if (!graph_attr_find(n, "axis"))
        return kern_node_err(e, n, "attribute 'axis' is required");
    for (int i = 0; i < n->n_in; i++)
        if (kern_check_dtype(g, n, i, kern_dt_any, e))
            return -1;
    return 0;
}

int kern_infer_concat(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x0 = kern_in_value(g, n, 0);
    tensor_dtype dt = x0 ? x0->dtype : DT_UNDEFINED;
    int rank = -1;
    for (int i = 0; i < n->n_in; i++) {
        graph_value *x = kern_in_value(g, n, i);
        if (x && x->rank >= 0) {
            if (rank >= 0 && x->rank != rank)
                return kern_node_err(e, n, "input '%s' has rank %d, others %d", x->name, x->rank, rank);
            rank = x->rank;
        }
    }
    if (rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t axis = 0;
    if (norm_axis(n, graph_attr_int(n, "axis", 0), rank, &axis, e))
        return -1;
    int64_t dims[TENSOR_MAX_RANK];
    for (int d = 0; d < rank; d++)
        dims[d] = d == axis ? 0 : -1;
    for (int i = 0; i < n->n_in; i++) {
        graph_value *x = kern_in_value(g, n, i);
        for (int d = 0; d < rank; d++) {
            int64_t v = x && x->rank == rank ? x->dims[d] : -1;
            if (d == axis)
                dims[d] = dims[d] < 0 || v < 0 ? -1 : dims[d] + v;
            else if (v >= 0 && dims[d] >= 0 && v != dims[d])
                return kern_node_err(e, n, "input '%s' dim %d is %lld, expected %lld", x->name, d, (long long)v,
                                     (long long)dims[d]);
            else if (v >= 0)
                dims[d] = v;
        }
    }
    return kern_set_out(g, n, 0, dt, rank, dims);
}

int kern_run_concat(op_ctx *ctx)
{
    const tensor *x0 = ctx->in[0];
    int rank = x0->rank;
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), rank, &axis))
        return -1;
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, x0->dims, sizeof dims);
    dims[axis] = 0;
    for (int i = 0; i < ctx->n_in; i++) {
        const tensor *x = ctx->in[i];
        if (!x)
            return kern_fail(ctx, "input %d is missing", i);
        if (x->dtype != x0->dtype || x->rank != rank)
            return kern_fail(ctx, "input %d does not match input 0 in dtype or rank", i);
        for (int d = 0; d < rank; d++)
            if (d != axis && x->dims[d] != x0->dims[d])
                return kern_fail(ctx, "input %d dim %d is %lld, input 0 has %lld", i, d, (long long)x->dims[d],
                                 (long long)x0->dims[d]);
        dims[axis] += x->dims[axis];
    }
    tensor *y = op_output(ctx, 0, x0->dtype, rank, dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x0->dtype);
    int64_t outer = prod(dims, 0, (int)axis), inner = prod(dims, (int)axis + 1, rank);
    size_t out_row = (size_t)(dims[axis] * inner) * es;
    size_t at = 0;
    for (int i = 0; i < ctx->n_in; i++) {
        const tensor *x = ctx->in[i];
        size_t blk = (size_t)(x->dims[axis] * inner) * es;
        if (blk)
            for (int64_t o = 0; o < outer; o++)
                memcpy((char *)y->data + (size_t)o * out_row + at, (const char *)x->data + (size_t)o * blk, blk);
        at += blk;
    }
    return 0;
}

/* ---- Split ---- */

static bool split_from_input(const graph *g, const graph_node *n)
{
    return g ? graph_opset_version(g, "") >= 13 : n->n_in > 1 || !graph_attr_find(n, "split");
}

int kern_check_split(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attr_form[] = {"axis", "split", NULL};
    static const char *const input_form[] = {"axis", "num_outputs", NULL};
    bool inp = split_from_input(g, n);
    if (kern_check_arity(n, 1, inp ? 2 : 1, 1, 1 << 20, e) || kern_check_attrs(n, inp ? input_form : attr_form, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    return inp && kern_has_input(n, 1) ? kern_check_dtype(g, n, 1, kern_dt_index, e) : 0;
}

/* Sizes of the parts along an axis of length len; split may be NULL (equal parts). */
static int split_sizes(const graph_node *n, int64_t len, const int64_t *split, int ns, int n_out, int64_t *sizes,
                       qrc_err *e)
{
    if (split) {
        if (ns != n_out)
            return kern_node_err(e, n, "split has %d entries for %d outputs", ns, n_out);
        int64_t s = 0;
        for (int i = 0; i < ns; i++) {
            if (split[i] < 0)
                return kern_node_err(e, n, "split entry %d is negative", i);
            sizes[i] = split[i];
            s += split[i];
        }
        if (len >= 0 && s != len)
            return kern_node_err(e, n, "split sums to %lld, axis has %lld", (long long)s, (long long)len);
        return 0;
    }
    if (len < 0) {
        for (int i = 0; i < n_out; i++)
            sizes[i] = -1;
        return 0;
    }
    int64_t chunk = (len + n_out - 1) / n_out;
    if (!graph_attr_find(n, "num_outputs") && len % n_out)
        return kern_node_err(e, n, "axis of %lld does not split into %d equal parts", (long long)len, n_out);
    for (int i = 0; i < n_out; i++) {
        int64_t rest = len - chunk * i;
        sizes[i] = rest < 0 ? 0 : rest < chunk ? rest : chunk;
    }
    return 0;
}

int kern_infer_split(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0) {
        for (int i = 0; i < n->n_out; i++)
            kern_set_out(g, n, i, dt, -1, NULL);
        return 0;
    }
    int64_t axis = 0;
    if (norm_axis(n, graph_attr_int(n, "axis", 0), x->rank, &axis, e))
        return -1;
    int64_t split[64], sizes[64];
    int ns = -1;
    if (n->n_out > 64) {
        ns = -2;
    } else if (split_from_input(g, n)) {
        if (kern_has_input(n, 1))
            ns = kern_const_ints(g, n, 1, split, 64), ns = ns < 0 ? -2 : ns;
    } else {
        const int64_t *v;
        int k = graph_attr_ints(n, "split", &v);
        if (k > 64)
            return kern_node_err(e, n, "too many split entries");
        if (k)
            memcpy(split, v, (size_t)k * sizeof *v), ns = k;
    }
    if (ns == -2) {
        for (int i = 0; i < n->n_out && i < 64; i++)
            sizes[i] = -1;
    } else if (split_sizes(n, x->dims[axis], ns >= 0 ? split : NULL, ns, n->n_out, sizes, e)) {
        return -1;
    }
    for (int i = 0; i < n->n_out; i++) {
        int64_t dims[TENSOR_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = i < 64 ? sizes[i] : -1;
        kern_set_out(g, n, i, dt, x->rank, dims);
    }
    return 0;
}

int kern_run_split(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
        return -1;
    if (ctx->n_out > 64)
        return kern_fail(ctx, "at most 64 outputs are supported");
    int64_t split[64], sizes[64];
    int ns = -1;
    if (split_from_input(ctx->graph, ctx->node)) {
        if (ctx->n_in > 1 && ctx->in[1] && (ns = kern_read_ints(ctx, ctx->in[1], split, 64, "split")) < 0)
            return -1;
    } else {
        const int64_t *v;
        int k = graph_attr_ints(ctx->node, "split", &v);
        if (k > 64)
            return kern_fail(ctx, "too many split entries");
        if (k)
            memcpy(split, v, (size_t)k * sizeof *v), ns = k;
    }
    if (split_sizes(ctx->node, x->dims[axis], ns >= 0 ? split : NULL, ns, ctx->n_out, sizes, ctx->err))
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t outer = prod(x->dims, 0, (int)axis), inner = prod(x->dims, (int)axis + 1, x->rank);
    size_t in_row = (size_t)(x->dims[axis] * inner) * es, at = 0;
    for (int i = 0; i < ctx->n_out; i++) {
        int64_t dims[TENSOR_MAX_RANK];
        memcpy(dims, x->dims, sizeof dims);
        dims[axis] = sizes[i];
        tensor *y = op_output(ctx, i, x->dtype, x->rank, dims);
        if (!y)
            return -1;
        size_t blk = (size_t)(sizes[i] * inner) * es;
        if (blk)
            for (int64_t o = 0; o < outer; o++)
                memcpy((char *)y->data + (size_t)o * blk, (const char *)x->data + (size_t)o * in_row + at, blk);
        at += blk;
    }
    return 0;
}

/* ---- Slice: attributes in opset 1..9, inputs from 10 ---- */

static bool slice_from_input(const graph *g, const graph_node *n)
{
    return g ? graph_opset_version(g, "") >= 10 : n->n_in > 1;
}

int kern_check_slice(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attr_form[] = {"starts", "ends", "axes", NULL};
    static const char *const input_form[] = {NULL};
    bool inp = slice_from_input(g, n);
    if (kern_check_arity(n, inp ? 3 : 1, inp ? 5 : 1, 1, 1, e) ||
        kern_check_attrs(n, inp ? input_form : attr_form, e) || kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    for (int i = 1; inp && i < 5; i++)
        if (kern_check_dtype(g, n, i, kern_dt_index, e))
            return -1;
    return 0;
}

typedef struct slice_plan {
    int64_t start[TENSOR_MAX_RANK], step[TENSOR_MAX_RANK], count[TENSOR_MAX_RANK];
} slice_plan;

/* Fills the per-dim start/step/count from starts/ends/axes/steps against dims (all known). */
static int slice_resolve(const graph_node *n, int rank, const int64_t *dims, const int64_t *starts, const int64_t *ends,
                         const int64_t *axes, const int64_t *steps, int k, slice_plan *p, qrc_err *e)
{
    bool seen[TENSOR_MAX_RANK] = {false};
    for (int d = 0; d < rank; d++) {
        p->start[d] = 0;
        p->step[d] = 1;
        p->count[d] = dims[d];
    }
    for (int i = 0; i < k; i++) {
        int64_t a = axes ? axes[i] : i;
        if (a < -rank || a >= rank)
            return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, rank);
        if (a < 0)
            a += rank;
        if (seen[a])
            return kern_node_err(e, n, "axis %lld is repeated", (long long)a);
        seen[a] = true;
        int64_t dim = dims[a], st = steps ? steps[i] : 1, s = starts[i], t = ends[i];
        if (st == 0)
            return kern_node_err(e, n, "step is zero on axis %lld", (long long)a);
        if (s < 0)
            s += dim;
        if (t < 0 && t > INT64_MIN / 2)
            t += dim;
        if (st > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            t = t < 0 ? 0 : t > dim ? dim : t;
        } else {
            s = s < 0 ? -1 : s > dim - 1 ? dim - 1 : s;
            t = t < -1 ? -1 : t > dim - 1 ? dim - 1 : t;
        }
        int64_t c = st > 0 ? (t - s + st - 1) / st : (s - t + (-st) - 1) / (-st);
        p->start[a] = s;
        p->step[a] = st;
        p->count[a] = c > 0 ? c : 0;
    }
    return 0;
}

int kern_infer_slice(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t starts[TENSOR_MAX_RANK], ends[TENSOR_MAX_RANK], axes[TENSOR_MAX_RANK], steps[TENSOR_MAX_RANK];
    int k, ka = -1, kt = -1;
    int64_t unknown[TENSOR_MAX_RANK];
    for (int d = 0; d < TENSOR_MAX_RANK; d++)
        unknown[d] = -1;
    if (slice_from_input(g, n)) {
        k = kern_const_ints(g, n, 1, starts, TENSOR_MAX_RANK);
        int ke = kern_const_ints(g, n, 2, ends, TENSOR_MAX_RANK);
        if (kern_has_input(n, 3) && (ka = kern_const_ints(g, n, 3, axes, TENSOR_MAX_RANK)) < 0)
            k = -1;
        if (kern_has_input(n, 4) && (kt = kern_const_ints(g, n, 4, steps, TENSOR_MAX_RANK)) < 0)
            k = -1;
        if (k < 0 || ke != k || (ka >= 0 && ka != k) || (kt >= 0 && kt != k))
            return kern_set_out(g, n, 0, dt, x->rank, unknown);
    } else {
        const int64_t *s, *t, *a;
        k = graph_attr_ints(n, "starts", &s);
        if (k > TENSOR_MAX_RANK || graph_attr_ints(n, "ends", &t) != k)
            return kern_node_err(e, n, "starts and ends differ in length");
        ka = graph_attr_ints(n, "axes", &a);
        if (ka && ka != k)
            return kern_node_err(e, n, "axes and starts differ in length");
        memcpy(starts, s, (size_t)k * 8), memcpy(ends, t, (size_t)k * 8);
        if (ka)
            memcpy(axes, a, (size_t)k * 8);
        else
            ka = -1;
    }
    /* dims touched by the slice need to be known; the others pass through */
    int64_t dims[TENSOR_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
        dims[d] = x->dims[d] < 0 ? 1 << 30 : x->dims[d];
    slice_plan p;
    if (slice_resolve(n, x->rank, dims, starts, ends, ka >= 0 ? axes : NULL, kt >= 0 ? steps : NULL, k, &p, e))
        return -1;
    for (int d = 0; d < x->rank; d++)
        dims[d] = x->dims[d] < 0 ? -1 : p.count[d];
    return kern_set_out(g, n, 0, dt, x->rank, dims);
}

/* Strided copy of a slice plan (or any per-dim start/step/count view) of x into y. */
static void strided_copy(const tensor *x, const slice_plan *p, tensor *y)
{
    int rank = x->rank;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t in_stride[TENSOR_MAX_RANK], s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        in_stride[d] = s;
        s *= x->dims[d];
    }
    int64_t total = tensor_numel(y);
    if (total == 0)
        return;
    if (rank == 0) {
        memcpy(y->data, x->data, es);
        return;
    }
    int last = rank - 1;
    int64_t inner = p->count[last], rows = total / inner, step = p->step[last];
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = p->start[last] * in_stride[last], rem = r;
        for (int d = last - 1; d >= 0; d--) {
            int64_t i = rem % p->count[d];
            rem /= p->count[d];
            off += (p->start[d] + i * p->step[d]) * in_stride[d];
        }
        char *o = dst + (size_t)(r * inner) * es;
        const char *in = src + (size_t)off * es;
        if (step == 1) {
            memcpy(o, in, (size_t)inner * es);
        } else {
            switch (es) {
            case 1: for (int64_t i = 0; i < inner; i++) o[i] = in[i * step]; break;
            case 2: for (int64_t i = 0; i < inner; i++) ((uint16_t *)o)[i] = ((const uint16_t *)in)[i * step]; break;
            case 4: for (int64_t i = 0; i < inner; i++) ((uint32_t *)o)[i] = ((const uint32_t *)in)[i * step]; break;
            case 8: for (int64_t i = 0; i < inner; i++) ((uint64_t *)o)[i] = ((const uint64_t *)in)[i * step]; break;
            default: for (int64_t i = 0; i < inner; i++) memcpy(o + (size_t)i * es, in + (size_t)(i * step) * es, es);
            }
        }
    }
}

int kern_run_slice(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t starts[TENSOR_MAX_RANK], ends[TENSOR_MAX_RANK], axes[TENSOR_MAX_RANK], steps[TENSOR_MAX_RANK];
    int k, ka = -1, kt = -1;
    if (slice_from_input(ctx->graph, ctx->node)) {
        k = kern_read_ints(ctx, ctx->in[1], starts, TENSOR_MAX_RANK, "starts");
        int ke = kern_read_ints(ctx, ctx->in[2], ends, TENSOR_MAX_RANK, "ends");
        if (k < 0 || ke < 0)
            return -1;
        if (ctx->n_in > 3 && ctx->in[3] && (ka = kern_read_ints(ctx, ctx->in[3], axes, TENSOR_MAX_RANK, "axes")) < 0)
            return -1;
        if (ctx->n_in > 4 && ctx->in[4] && (kt = kern_read_ints(ctx, ctx->in[4], steps, TENSOR_MAX_RANK, "steps")) < 0)
            return -1;
        if (ke != k || (ka >= 0 && ka != k) || (kt >= 0 && kt != k))
            return kern_fail(ctx, "starts, ends, axes and steps differ in length");
    } else {
        const int64_t *s, *t, *a;
        k = graph_attr_ints(ctx->node, "starts", &s);
        if (k > TENSOR_MAX_RANK || graph_attr_ints(ctx->node, "ends", &t) != k)
            return kern_fail(ctx, "starts and ends differ in length");
        ka = graph_attr_ints(ctx->node, "axes", &a);
        if (ka && ka != k)
            return kern_fail(ctx, "axes and starts differ in length");
        if (k)
            memcpy(starts, s, (size_t)k * 8), memcpy(ends, t, (size_t)k * 8);
        if (ka)
            memcpy(axes, a, (size_t)k * 8);
        else
            ka = -1;
    }
    slice_plan p;
    if (slice_resolve(ctx->node, x->rank, x->dims, starts, ends, ka >= 0 ? axes : NULL, kt >= 0 ? steps : NULL, k, &p,
                      ctx->err))
        return -1;
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, p.count);
    if (!y)
        return -1;
    strided_copy(x, &p, y);
    return 0;
}

/* ---- Gather ---- */

int kern_check_gather(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, kern_dt_index, e)
               ? -1
               : 0;
}

int kern_infer_gather(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0), *ix = kern_in_value(g, n, 1);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || !ix || x->rank < 0 || ix->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t axis = 0;
    if (norm_axis(n, graph_attr_int(n, "axis", 0), x->rank, &axis, e))
        return -1;
    int r = x->rank - 1 + ix->rank;
    if (r > TENSOR_MAX_RANK)
        return kern_node_err(e, n, "result rank %d exceeds %d", r, TENSOR_MAX_RANK);
    int64_t dims[TENSOR_MAX_RANK];
    int k = 0;
    for (int d = 0; d < axis; d++)
        dims[k++] = x->dims[d];
    for (int d = 0; d < ix->rank; d++)
        dims[k++] = ix->dims[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        dims[k++] = x->dims[d];
    return kern_set_out(g, n, 0, dt, r, dims);
}

/* Reads index i of an int32/int64 tensor, normalised against len; -1 when out of range. */
static int64_t index_at(const tensor *ix, int64_t i, int64_t len)
{
    int64_t v = ix->dtype == DT_INT64 ? ((const int64_t *)ix->data)[i] : ((const int32_t *)ix->data)[i];
    if (v < -len || v >= len)
        return -1;
    return v < 0 ? v + len : v;
}

static int64_t index_raw(const tensor *ix, int64_t i)
{
    return ix->dtype == DT_INT64 ? ((const int64_t *)ix->data)[i] : ((const int32_t *)ix->data)[i];
}

int kern_run_gather(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *ix = ctx->in[1];
    if (ix->dtype != DT_INT32 && ix->dtype != DT_INT64)
        return kern_fail(ctx, "indices must be int32 or int64");
    if (x->rank < 1)
        return kern_fail(ctx, "data must have rank >= 1");
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
        return -1;
    int r = x->rank - 1 + ix->rank;
    if (r > TENSOR_MAX_RANK)
        return kern_fail(ctx, "result rank %d exceeds %d", r, TENSOR_MAX_RANK);
    int64_t dims[TENSOR_MAX_RANK];
    int k = 0;
    for (int d = 0; d < axis; d++)
        dims[k++] = x->dims[d];
    for (int d = 0; d < ix->rank; d++)
        dims[k++] = ix->dims[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        dims[k++] = x->dims[d];
    int64_t len = x->dims[axis], ni = tensor_numel(ix);
    for (int64_t i = 0; i < ni; i++)
        if (index_at(ix, i, len) < 0)
            return kern_fail(ctx, "index %lld at position %lld is out of range for axis of size %lld",
                             (long long)index_raw(ix, i), (long long)i, (long long)len);
    tensor *y = op_output(ctx, 0, x->dtype, r, dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t outer = prod(x->dims, 0, (int)axis), inner = prod(x->dims, (int)axis + 1, x->rank);
    size_t blk = (size_t)inner * es;
    if (!blk)
        return 0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < ni; i++)
            memcpy((char *)y->data + (size_t)(o * ni + i) * blk,
                   (const char *)x->data + (size_t)(o * len + index_at(ix, i, len)) * blk, blk);
    return 0;
}

/* ---- GatherElements ---- */

int kern_infer_gather_elements(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    kern_same_shape(g, n, 1, 0, x ? x->dtype : DT_UNDEFINED);
    return 0;
}

int kern_run_gather_elements(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *ix = ctx->in[1];
    if (ix->dtype != DT_INT32 && ix->dtype != DT_INT64)
        return kern_fail(ctx, "indices must be int32 or int64");
    if (ix->rank != x->rank || x->rank < 1)
        return kern_fail(ctx, "indices rank %d differs from data rank %d", ix->rank, x->rank);
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
        return -1;
    for (int d = 0; d < x->rank; d++)
        if (d != axis && ix->dims[d] > x->dims[d])
            return kern_fail(ctx, "indices dim %d (%lld) exceeds data dim (%lld)", d, (long long)ix->dims[d],
                             (long long)x->dims[d]);
    tensor *y = op_output(ctx, 0, x->dtype, ix->rank, ix->dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t stride[TENSOR_MAX_RANK], s = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        stride[d] = s;
        s *= x->dims[d];
    }
    int64_t n = tensor_numel(ix), len = x->dims[axis];
    int64_t idx[TENSOR_MAX_RANK] = {0};
    for (int64_t i = 0; i < n; i++) {
        int64_t j = index_at(ix, i, len);
        if (j < 0)
            return kern_fail(ctx, "index %lld at position %lld is out of range for axis of size %lld",
                             (long long)index_raw(ix, i), (long long)i, (long long)len);
        int64_t off = 0;
        for (int d = 0; d < x->rank; d++)
            off += (d == axis ? j : idx[d]) * stride[d];
        memcpy((char *)y->data + (size_t)i * es, (const char *)x->data + (size_t)off * es, es);
        for (int d = x->rank - 1; d >= 0; d--) { /* odometer over the indices' shape */
            if (++idx[d] < ix->dims[d])
                break;
            idx[d] = 0;
        }
    }
    return 0;
}

/* ---- Transpose ---- */

static int transpose_perm(const graph_node *n, int rank, int64_t *perm, qrc_err *e)
{
    const int64_t *p;
    int k = graph_attr_ints(n, "perm", &p);
    if (!k) {
        for (int d = 0; d < rank; d++)
            perm[d] = rank - 1 - d;
        return 0;
    }
    if (k != rank)
        return kern_node_err(e, n, "perm has %d entries for rank %d", k, rank);
    bool seen[TENSOR_MAX_RANK] = {false};
    for (int d = 0; d < rank; d++) {
        int64_t v = p[d] < 0 ? p[d] + rank : p[d];
        if (v < 0 || v >= rank || seen[v])
            return kern_node_err(e, n, "perm is not a permutation of 0..%d", rank - 1);
        seen[v] = true;
        perm[d] = v;
    }
    return 0;
}

int kern_infer_transpose(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0), *y = kern_out_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t perm[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    if (transpose_perm(n, x->rank, perm, e))
        return -1;
    for (int d = 0; d < x->rank; d++)
        dims[d] = x->dims[perm[d]];
    kern_set_out(g, n, 0, dt, x->rank, dims);
    if (y)
        for (int d = 0; d < x->rank; d++)
            y->dim_param[d] = x->dim_param[perm[d]];
    return 0;
}

int kern_run_transpose(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int rank = x->rank;
    int64_t perm[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK], in_stride[TENSOR_MAX_RANK], s = 1;
    if (transpose_perm(ctx->node, rank, perm, ctx->err))
        return -1;
    for (int d = rank - 1; d >= 0; d--) {
        in_stride[d] = s;
        s *= x->dims[d];
    }
    for (int d = 0; d < rank; d++)
        dims[d] = x->dims[perm[d]];
    tensor *y = op_output(ctx, 0, x->dtype, rank, dims);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    /* output dims with their input strides; merge runs that stay contiguous, drop size-1 dims */
    int64_t cd[TENSOR_MAX_RANK], cs[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 1)
            continue;
        int64_t st = in_stride[perm[d]];
        if (r > 0 && cs[r - 1] == st * dims[d]) {
            cd[r - 1] *= dims[d];
            cs[r - 1] = st;
        } else {
            cd[r] = dims[d];
            cs[r] = st;
            r++;
        }
    }
    if (r == 0) {
        memcpy(y->data, x->data, tensor_dtype_size(x->dtype));
        return 0;
    }
    size_t es = tensor_dtype_size(x->dtype);
    int64_t inner = cd[r - 1], step = cs[r - 1], rows = tensor_numel(y) / inner;
    const char *src = x->data;
    char *dst = y->data;
    int64_t idx[TENSOR_MAX_RANK] = {0};
    int64_t off = 0;
    for (int64_t row = 0; row < rows; row++) {
        char *o = dst + (size_t)(row * inner) * es;
        const char *in = src + (size_t)off * es;
        if (step == 1) {
            memcpy(o, in, (size_t)inner * es);
        } else {
            switch (es) {
            case 1: for (int64_t i = 0; i < inner; i++) o[i] = in[i * step]; break;
            case 2: for (int64_t i = 0; i < inner; i++) ((uint16_t *)o)[i] = ((const uint16_t *)in)[i * step]; break;
            case 4: for (int64_t i = 0; i < inner; i++) ((uint32_t *)o)[i] = ((const uint32_t *)in)[i * step]; break;
            case 8: for (int64_t i = 0; i < inner; i++) ((uint64_t *)o)[i] = ((const uint64_t *)in)[i * step]; break;
            default: for (int64_t i = 0; i < inner; i++) memcpy(o + (size_t)i * es, in + (size_t)(i * step) * es, es);
            }
        }
        for (int d = r - 2; d >= 0; d--) { /* odometer over the outer output dims */
            off += cs[d];
            if (++idx[d] < cd[d])
                break;
            off -= cs[d] * cd[d];
            idx[d] = 0;
        }
    }
    return 0;
}

/* ---- Expand ---- */

int kern_infer_expand(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    int64_t shape[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int k = kern_const_ints(g, n, 1, shape, TENSOR_MAX_RANK);
    if (k < 0 || !x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int r;
    if (kern_broadcast_shape(x->rank, x->dims, k, shape, &r, dims))
        return kern_node_err(e, n, "input does not broadcast to the requested shape");
    return kern_set_out(g, n, 0, dt, r, dims);
}

int kern_run_expand(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t shape[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int k = kern_read_ints(ctx, ctx->in[1], shape, TENSOR_MAX_RANK, "shape");
    if (k < 0)
        return -1;
    int r;
    if (kern_broadcast_shape(x->rank, x->dims, k, shape, &r, dims))
        return kern_fail(ctx, "input does not broadcast to the requested shape");
    for (int d = 0; d < r; d++)
        if (dims[d] < 0)
            return kern_fail(ctx, "requested shape has a negative dim");
    tensor *y = op_output(ctx, 0, x->dtype, r, dims);
    return y ? kern_expand_into(ctx, x, y) : -1;
}

/* ---- Tile ---- */

int kern_infer_tile(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t rep[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int k = kern_const_ints(g, n, 1, rep, TENSOR_MAX_RANK);
    if (k >= 0 && k != x->rank)
        return kern_node_err(e, n, "repeats has %d entries for rank %d", k, x->rank);
    for (int d = 0; d < x->rank; d++) {
        if (k >= 0 && rep[d] < 0)
            return kern_node_err(e, n, "repeat %d is negative", d);
        if (k < 0 || x->dims[d] < 0)
            dims[d] = -1;
        else if (!checked_mul(x->dims[d], rep[d], &dims[d]))
            return kern_node_err(e, n, "dim %d times %lld repeats overflows", d, (long long)rep[d]);
    }
    return kern_set_out(g, n, 0, dt, x->rank, dims);
}

int kern_run_tile(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t rep[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int k = kern_read_ints(ctx, ctx->in[1], rep, TENSOR_MAX_RANK, "repeats");
    if (k < 0)
        return -1;
    if (k != x->rank)
        return kern_fail(ctx, "repeats has %d entries for rank %d", k, x->rank);
    for (int d = 0; d < k; d++) {
        if (rep[d] < 0)
            return kern_fail(ctx, "repeat %d is negative", d);
        if (!checked_mul(x->dims[d], rep[d], &dims[d]))
            return kern_fail(ctx, "dim %d times %lld repeats overflows", d, (long long)rep[d]);
    }
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, dims);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    if (x->rank == 0) {
        memcpy(y->data, x->data, tensor_dtype_size(x->dtype));
        return 0;
    }
    size_t es = tensor_dtype_size(x->dtype);
    int last = x->rank - 1;
    int64_t in_stride[TENSOR_MAX_RANK], s = 1;
    for (int d = last; d >= 0; d--) {
        in_stride[d] = s;
        s *= x->dims[d];
    }
    int64_t inner_in = x->dims[last], rows = tensor_numel(y) / dims[last];
    size_t row_bytes = (size_t)inner_in * es;
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = 0, rem = r;
        for (int d = last - 1; d >= 0; d--) {
            int64_t i = rem % dims[d];
            rem /= dims[d];
            off += (i % x->dims[d]) * in_stride[d];
        }
        char *o = (char *)y->data + (size_t)(r * dims[last]) * es;
        for (int64_t t = 0; t < rep[last]; t++)
            memcpy(o + (size_t)t * row_bytes, (const char *)x->data + (size_t)off * es, row_bytes);
    }
    return 0;
}

/* ---- Pad: attributes before opset 11, inputs from 11 ---- */

static bool pad_from_input(const graph *g, const graph_node *n)
{
    return g ? graph_opset_version(g, "") >= 11 : n->n_in > 1;
}

int kern_check_pad(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attr_form[] = {"pads", "mode", "value", NULL};
    static const char *const input_form[] = {"mode", NULL};
    bool inp = pad_from_input(g, n);
    if (kern_check_arity(n, inp ? 2 : 1, inp ? 4 : 1, 1, 1, e) ||
        kern_check_attrs(n, inp ? input_form : attr_form, e) || kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    const char *mode = graph_attr_string(n, "mode", "constant");
    if (strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge"))
        return kern_node_err(e, n, "mode '%s' is not supported", mode);
    if (inp && kern_check_dtype(g, n, 1, kern_dt_index, e))
        return -1;
    return inp && kern_has_input(n, 3) ? kern_check_dtype(g, n, 3, kern_dt_index, e) : 0;
}

/* Fills begin/end pads per dim from a pads list (and optional axes). */
static int pad_amounts(const graph_node *n, int rank, const int64_t *pads, int np, const int64_t *axes, int na,
                       int64_t *begin, int64_t *end, qrc_err *e)
{
    for (int d = 0; d < rank; d++)
        begin[d] = end[d] = 0;
    int k = axes ? na : rank;
    if (np != 2 * k)
        return kern_node_err(e, n, "pads has %d entries, expected %d", np, 2 * k);
    for (int i = 0; i < k; i++) {
        int64_t a = axes ? axes[i] : i;
        if (a < -rank || a >= rank)
            return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, rank);
        if (a < 0)
            a += rank;
        begin[a] = pads[i];
        end[a] = pads[i + k];
    }
    return 0;
}

int kern_infer_pad(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int64_t pads[2 * TENSOR_MAX_RANK], axes[TENSOR_MAX_RANK], begin[TENSOR_MAX_RANK], end[TENSOR_MAX_RANK];
    int64_t dims[TENSOR_MAX_RANK];
    int np, na = -1;
    if (pad_from_input(g, n)) {
        np = kern_const_ints(g, n, 1, pads, 2 * TENSOR_MAX_RANK);
        if (kern_has_input(n, 3) && (na = kern_const_ints(g, n, 3, axes, TENSOR_MAX_RANK)) < 0)
            np = -1;
    } else {
        const int64_t *p;
        np = graph_attr_ints(n, "pads", &p);
        if (np > 2 * TENSOR_MAX_RANK)
            return kern_node_err(e, n, "too many pads");
        memcpy(pads, p, (size_t)np * 8);
    }
    if (np < 0) {
        for (int d = 0; d < x->rank; d++)
            dims[d] = -1;
        return kern_set_out(g, n, 0, dt, x->rank, dims);
    }
    if (pad_amounts(n, x->rank, pads, np, na >= 0 ? axes : NULL, na, begin, end, e))
        return -1;
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] < 0) {
            dims[d] = -1;
            continue;
        }
        if (!checked_add(x->dims[d], begin[d], &dims[d]) || !checked_add(dims[d], end[d], &dims[d]) ||
            dims[d] < 0)
            return kern_node_err(e, n, "pads %lld and %lld do not fit dim %d of %lld", (long long)begin[d],
                                 (long long)end[d], d, (long long)x->dims[d]);
    }
    return kern_set_out(g, n, 0, dt, x->rank, dims);
}

/* Source index along a dim for output position o, or -1 for the constant. */
static int64_t pad_src(int64_t o, int64_t b, int64_t len, int mode)
{
    int64_t i = o - b;
    if (i >= 0 && i < len)
        return i;
    if (mode == 0 || len == 0)
        return -1;
    if (mode == 2)
        return i < 0 ? 0 : len - 1;
    if (len == 1)
        return 0;
    int64_t period = 2 * (len - 1);
    i %= period;
    if (i < 0)
        i += period;
    return i < len ? i : period - i;
}

int kern_run_pad(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    const graph_node *n = ctx->node;
    int rank = x->rank;
    int64_t pads[2 * TENSOR_MAX_RANK], axes[TENSOR_MAX_RANK], begin[TENSOR_MAX_RANK], end[TENSOR_MAX_RANK];
    int np, na = -1;
    double cval = 0;
    if (pad_from_input(ctx->graph, n)) {
        if ((np = kern_read_ints(ctx, ctx->in[1], pads, 2 * TENSOR_MAX_RANK, "pads")) < 0)
            return -1;
        if (ctx->n_in > 2 && ctx->in[2] && tensor_numel(ctx->in[2]) &&
            kern_read_scalar(ctx, ctx->in[2], &cval, "constant_value"))
            return -1;
        if (ctx->n_in > 3 && ctx->in[3] && (na = kern_read_ints(ctx, ctx->in[3], axes, TENSOR_MAX_RANK, "axes")) < 0)
            return -1;
    } else {
        const int64_t *p;
        np = graph_attr_ints(n, "pads", &p);
        if (np > 2 * TENSOR_MAX_RANK)
            return kern_fail(ctx, "too many pads");
        memcpy(pads, p, (size_t)np * 8);
        cval = graph_attr_float(n, "value", 0);
    }
    const char *ms = graph_attr_string(n, "mode", "constant");
    int mode = !strcmp(ms, "constant") ? 0 : !strcmp(ms, "reflect") ? 1 : !strcmp(ms, "edge") ? 2 : -1;
    if (mode < 0)
        return kern_fail(ctx, "mode '%s' is not supported", ms);
    if (pad_amounts(n, rank, pads, np, na >= 0 ? axes : NULL, na, begin, end, ctx->err))
        return -1;
    int64_t dims[TENSOR_MAX_RANK];
    for (int d = 0; d < rank; d++) {
        if (!checked_add(x->dims[d], begin[d], &dims[d]) || !checked_add(dims[d], end[d], &dims[d]))
            return kern_fail(ctx, "pads %lld and %lld overflow dim %d", (long long)begin[d], (long long)end[d], d);
        if (dims[d] < 0)
            return kern_fail(ctx, "pads make dim %d negative", d);
        if (mode && x->dims[d] == 0 && dims[d] > 0)
            return kern_fail(ctx, "cannot %s-pad an empty dim %d", ms, d);
    }
    tensor *y = op_output(ctx, 0, x->dtype, rank, dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    unsigned char cbytes[16] = {0};
    if (kern_convertible(x->dtype) && kern_convert(&cval, DT_DOUBLE, cbytes, x->dtype, 1))
        return kern_fail(ctx, "constant value cannot be converted");
    int64_t total = tensor_numel(y);
    if (total == 0)
        return 0;
    if (rank == 0) {
        memcpy(y->data, x->data, es);
        return 0;
    }
    int last = rank - 1;
    int64_t in_stride[TENSOR_MAX_RANK], s = 1;
    for (int d = last; d >= 0; d--) {
        in_stride[d] = s;
        s *= x->dims[d];
    }
    int64_t inner = dims[last], rows = total / inner;
    int64_t *map = malloc((size_t)inner * sizeof *map);
    if (!map)
        return kern_fail(ctx, "out of memory");
    for (int64_t o = 0; o < inner; o++)
        map[o] = pad_src(o, begin[last], x->dims[last], mode);
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = 0, rem = r;
        bool constant = false;
        for (int d = last - 1; d >= 0; d--) {
            int64_t o = rem % dims[d];
            rem /= dims[d];
            int64_t i = pad_src(o, begin[d], x->dims[d], mode);
            if (i < 0)
                constant = true;
            else
                off += i * in_stride[d];
        }
        char *out = (char *)y->data + (size_t)(r * inner) * es;
        const char *in = (const char *)x->data + (size_t)off * es;
        int64_t mid0 = begin[last] > 0 ? begin[last] : 0, mid1 = begin[last] + x->dims[last];
        mid1 = mid1 < inner ? mid1 : inner;
        for (int64_t o = 0; o < inner; o++) {
            if (!constant && o == mid0 && mid1 > mid0) { /* the untouched middle is one contiguous run */
                memcpy(out + (size_t)o * es, in + (size_t)map[o] * es, (size_t)(mid1 - mid0) * es);
                o = mid1 - 1;
                continue;
            }
            const void *src = constant || map[o] < 0 ? (const void *)cbytes : (const void *)(in + (size_t)map[o] * es);
            memcpy(out + (size_t)o * es, src, es);
        }
    }
    free(map);
    return 0;
}

int kern_check_transpose(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"perm", NULL};
    if (kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    graph_value *x = kern_in_value(g, n, 0);
    int64_t perm[TENSOR_MAX_RANK];
    if (x && x->rank > TENSOR_MAX_RANK)
        return kern_node_err(e, n, "rank %d exceeds %d", x->rank, TENSOR_MAX_RANK);
    return x && x->rank >= 0 ? transpose_perm(n, x->rank, perm, e) : 0;
}

/* Expand and Tile: data of any dtype plus one int64 shape/repeats input. */
int kern_check_expand(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {NULL};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, kern_dt_index, e)
               ? -1
               : 0;
}

int kern_check_tile(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_check_expand(g, n, e);
}
