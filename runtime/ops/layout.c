/* layout.c — ops that place elements by an index formula: DepthToSpace, SpaceToDepth, Trilu, EyeLike,
 * OneHot. Element copies go by element size, so any dtype works where the spec allows it. */
#include <stdlib.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

/* ---- DepthToSpace / SpaceToDepth ---- */

int kern_check_depth_space(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const d2s[] = {"blocksize", "mode", NULL};
    static const char *const s2d[] = {"blocksize", NULL};
    bool to_space = !strcmp(n->op_type, "DepthToSpace");
    if (kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, to_space ? d2s : s2d, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    if (graph_attr_int(n, "blocksize", 0) < 1)
        return kern_node_err(e, n, "blocksize must be a positive integer");
    const char *mode = graph_attr_string(n, "mode", "DCR");
    if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
        return kern_node_err(e, n, "mode '%s' is not supported", mode);
    graph_value *x = kern_in_value(g, n, 0);
    if (x && x->rank >= 0 && x->rank != 4)
        return kern_node_err(e, n, "input must have rank 4, has %d", x->rank);
    return 0;
}

static int depth_space_dims(const graph_node *n, const int64_t *in, int64_t *out, qrc_err *e)
{
    int64_t b = graph_attr_int(n, "blocksize", 1);
    bool to_space = !strcmp(n->op_type, "DepthToSpace");
    out[0] = in[0];
    if (to_space) {
        if (in[1] >= 0 && in[1] % (b * b))
            return kern_node_err(e, n, "channels %lld are not divisible by blocksize^2", (long long)in[1]);
        out[1] = in[1] < 0 ? -1 : in[1] / (b * b);
        out[2] = in[2] < 0 ? -1 : in[2] * b;
        out[3] = in[3] < 0 ? -1 : in[3] * b;
    } else {
        if ((in[2] >= 0 && in[2] % b) || (in[3] >= 0 && in[3] % b))
            return kern_node_err(e, n, "spatial dims are not divisible by blocksize %lld", (long long)b);
        out[1] = in[1] < 0 ? -1 : in[1] * b * b;
        out[2] = in[2] < 0 ? -1 : in[2] / b;
        out[3] = in[3] < 0 ? -1 : in[3] / b;
    }
    return 0;
}

int kern_infer_depth_space(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    int64_t dims[4];
    if (!x || x->rank != 4)
        return kern_set_out(g, n, 0, x ? x->dtype : DT_UNDEFINED, x && x->rank >= 0 ? x->rank : -1, NULL);
    return depth_space_dims(n, x->dims, dims, e) ? -1 : kern_set_out(g, n, 0, x->dtype, 4, dims);
}

int kern_run_depth_space(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    const graph_node *n = ctx->node;
    if (x->rank != 4)
        return kern_fail(ctx, "input must have rank 4, has %d", x->rank);
    int64_t dims[4];
    if (depth_space_dims(n, x->dims, dims, ctx->err))
        return -1;
    tensor *y = op_output(ctx, 0, x->dtype, 4, dims);
    if (!y)
        return -1;
    int64_t b = graph_attr_int(n, "blocksize", 1);
    bool to_space = !strcmp(n->op_type, "DepthToSpace"), crd = !strcmp(graph_attr_string(n, "mode", "DCR"), "CRD");
    size_t es = tensor_dtype_size(x->dtype);
    /* walk the depth side (small dims) and map each element to the space side (large dims) */
    const int64_t *sd = to_space ? dims : x->dims; /* space-side tensor dims: [N, C, H*b, W*b] */
    const int64_t *dd = to_space ? x->dims : dims; /* depth-side dims: [N, C*b*b, H, W] */
    int64_t C = sd[1], H = dd[2], W = dd[3];
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t nn = 0; nn < sd[0]; nn++)
        for (int64_t c = 0; c < C; c++)
            for (int64_t i = 0; i < b; i++)
                for (int64_t j = 0; j < b; j++) {
                    int64_t dc = crd && to_space ? c * b * b + i * b + j : (i * b + j) * C + c;
                    for (int64_t h = 0; h < H; h++)
                        for (int64_t w = 0; w < W; w++) {
                            int64_t d_off = ((nn * dd[1] + dc) * H + h) * W + w;
                            int64_t s_off = ((nn * C + c) * sd[2] + h * b + i) * sd[3] + w * b + j;
                            if (to_space)
                                memcpy(dst + (size_t)s_off * es, src + (size_t)d_off * es, es);
                            else
                                memcpy(dst + (size_t)d_off * es, src + (size_t)s_off * es, es);
                        }
                }
    return 0;
}

/* ---- Trilu ---- */

int kern_check_trilu(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"upper", NULL};
    if (kern_check_arity(n, 1, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    return kern_has_input(n, 1) ? kern_check_dtype(g, n, 1, kern_dt_index, e) : 0;
}

int kern_run_trilu(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (x->rank < 2)
        return kern_fail(ctx, "input must have rank >= 2, has %d", x->rank);
    int64_t k = 0;
    if (ctx->n_in > 1 && ctx->in[1] && kern_read_ints(ctx, ctx->in[1], &k, 1, "k") < 0)
        return -1;
    bool upper = graph_attr_int(ctx->node, "upper", 1) != 0;
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(x->dtype);
    int64_t R = x->dims[x->rank - 2], C = x->dims[x->rank - 1], mats = R * C > 0 ? tensor_numel(x) / (R * C) : 0;
    if (R * C == 0)
        return 0;
    for (int64_t m = 0; m < mats; m++)
        for (int64_t i = 0; i < R; i++) {
            /* kept columns: upper j >= i + k, lower j <= i + k */
            int64_t lo = upper ? i + k : 0, hi = upper ? C : i + k + 1;
            lo = lo < 0 ? 0 : lo > C ? C : lo;
            hi = hi < 0 ? 0 : hi > C ? C : hi;
            size_t row = (size_t)((m * R + i) * C) * es;
            memset((char *)y->data + row, 0, (size_t)C * es);
            if (hi > lo)
                memcpy((char *)y->data + row + (size_t)lo * es, (const char *)x->data + row + (size_t)lo * es,
                       (size_t)(hi - lo) * es);
        }
    return 0;
}

/* ---- EyeLike ---- */

int kern_check_eye_like(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"dtype", "k", NULL};
    if (kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e))
        return -1;
    const graph_attr *dt = graph_attr_find(n, "dtype");
    if (dt && !kern_convertible((tensor_dtype)dt->i))
        return kern_node_err(e, n, "dtype %lld is not supported", (long long)dt->i);
    graph_value *x = kern_in_value(g, n, 0);
    if (x && x->rank >= 0 && x->rank != 2)
        return kern_node_err(e, n, "input must be 2-D, has rank %d", x->rank);
    return 0;
}

int kern_infer_eye_like(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    tensor_dtype dt = (tensor_dtype)graph_attr_int(n, "dtype", x ? x->dtype : DT_UNDEFINED);
    return kern_same_shape(g, n, 0, 0, dt);
}

int kern_run_eye_like(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (x->rank != 2)
        return kern_fail(ctx, "input must be 2-D, has rank %d", x->rank);
    tensor_dtype dt = (tensor_dtype)graph_attr_int(ctx->node, "dtype", x->dtype);
    int64_t k = graph_attr_int(ctx->node, "k", 0);
    unsigned char one[16];
    double d1 = 1;
    if (kern_convert(&d1, DT_DOUBLE, one, dt, 1))
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(dt));
    tensor *y = op_output(ctx, 0, dt, 2, x->dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(dt);
    if (tensor_nbytes(y))
        memset(y->data, 0, tensor_nbytes(y)); /* all-zero bytes are 0 in every supported dtype */
    for (int64_t i = 0; i < x->dims[0]; i++) {
        int64_t j = i + k;
        if (j >= 0 && j < x->dims[1])
            memcpy((char *)y->data + (size_t)(i * x->dims[1] + j) * es, one, es);
    }
    return 0;
}

/* ---- OneHot ---- */

int kern_check_one_hot(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    static const tensor_dtype idx_types[] = {DT_FLOAT, DT_DOUBLE, DT_INT8,  DT_INT16,  DT_INT32,  DT_INT64,
                                             DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64, DT_UNDEFINED};
    return kern_check_arity(n, 3, 3, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, idx_types, e) || kern_check_dtype(g, n, 1, idx_types, e) ||
                   kern_check_dtype(g, n, 2, kern_dt_any, e)
               ? -1
               : 0;
}

int kern_infer_one_hot(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *ix = kern_in_value(g, n, 0), *v = kern_in_value(g, n, 2);
    tensor_dtype dt = v ? v->dtype : DT_UNDEFINED;
    if (!ix || ix->rank < 0 || ix->rank + 1 > TENSOR_MAX_RANK)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    int r = ix->rank + 1;
    int64_t a = graph_attr_int(n, "axis", -1);
    if (a < -r || a >= r)
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, r);
    if (a < 0)
        a += r;
    int64_t dims[TENSOR_MAX_RANK];
    for (int d = 0, j = 0; d < r; d++)
        dims[d] = d == a ? -1 : ix->dims[j++];
    return kern_set_out(g, n, 0, dt, r, dims);
}

int kern_run_one_hot(op_ctx *ctx)
{
    const tensor *ix = ctx->in[0], *vals = ctx->in[2];
    double depth_d;
    if (kern_read_scalar(ctx, ctx->in[1], &depth_d, "depth"))
        return -1;
    if (tensor_numel(vals) != 2)
        return kern_fail(ctx, "values must hold [off, on]");
    if (!kern_convertible(ix->dtype))
        return kern_fail(ctx, "indices dtype %s is not supported", tensor_dtype_name(ix->dtype));
    if (!(depth_d >= 1 && depth_d <= (1 << 24)))
        return kern_fail(ctx, "depth %g is out of range (1 to %d)", depth_d, 1 << 24);
    int64_t depth = (int64_t)depth_d;
    int r = ix->rank + 1;
    if (r > TENSOR_MAX_RANK)
        return kern_fail(ctx, "result rank exceeds %d", TENSOR_MAX_RANK);
    int64_t axis;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", -1), r, &axis))
        return -1;
    int64_t dims[TENSOR_MAX_RANK];
    for (int d = 0, j = 0; d < r; d++)
        dims[d] = d == axis ? depth : ix->dims[j++];
    tensor *y = op_output(ctx, 0, vals->dtype, r, dims);
    if (!y)
        return -1;
    size_t es = tensor_dtype_size(vals->dtype);
    const char *off = vals->data, *on = (const char *)vals->data + es;
    int64_t outer = 1, inner = 1, n = tensor_numel(ix);
    for (int d = 0; d < axis; d++)
        outer *= dims[d];
    for (int d = (int)axis + 1; d < r; d++)
        inner *= dims[d];
    int64_t total = tensor_numel(y);
    for (int64_t i = 0; i < total; i++)
        memcpy((char *)y->data + (size_t)i * es, off, es);
    double *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    if (!idx)
        return kern_fail(ctx, "out of memory");
    kern_convert(ix->data, ix->dtype, idx, DT_DOUBLE, n);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in = 0; in < inner; in++) {
            double iv = idx[o * inner + in];
            if (!(iv > -depth_d - 1 && iv < depth_d))   /* also NaN: converting it would be undefined */
                continue;
            int64_t v = (int64_t)iv;
            if (v < 0)
                v += depth;
            if (v < 0 || v >= depth)
                continue;
            memcpy((char *)y->data + (size_t)((o * depth + v) * inner + in) * es, on, es);
        }
    free(idx);
    return 0;
}
