/* quantize.c — QuantizeLinear and DequantizeLinear, standard and com.microsoft domains.
 *
 * q = saturate(round_half_even(x / scale) + zero_point), x' = (q - zero_point) * scale; per tensor
 * (scalar scale) or per axis (1-D scale of the axis' length). Zero points may be int8/uint8/int16/uint16
 * and int4/uint4 (stored one value per byte); without a zero point the type is output_dtype or uint8. */
#include <math.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

static const tensor_dtype q_types[] = {DT_INT8, DT_UINT8, DT_INT16, DT_UINT16, DT_INT4, DT_UINT4, DT_UNDEFINED};
static const tensor_dtype dq_types[] = {DT_INT8, DT_UINT8, DT_INT16, DT_UINT16, DT_INT4, DT_UINT4, DT_INT32,
                                        DT_UNDEFINED};

static bool q_range(tensor_dtype dt, float *lo, float *hi)
{
    switch (dt) {
    case DT_INT8: *lo = -128, *hi = 127; return true;
    case DT_UINT8: *lo = 0, *hi = 255; return true;
    case DT_INT16: *lo = -32768, *hi = 32767; return true;
    case DT_UINT16: *lo = 0, *hi = 65535; return true;
    case DT_INT4: *lo = -8, *hi = 7; return true;
    case DT_UINT4: *lo = 0, *hi = 15; return true;
    default: return false;
    }
}

static bool dt_in(tensor_dtype dt, const tensor_dtype *l)
{
    for (; *l; l++)
        if (*l == dt)
            return true;
    return false;
}

/* Which dtype QuantizeLinear produces, from its zero point or output_dtype. */
static tensor_dtype q_out_type(const graph *g, const graph_node *n)
{
    graph_value *z = kern_in_value(g, n, 2);
    if (z)
        return z->dtype;
    return (tensor_dtype)graph_attr_int(n, "output_dtype", DT_UINT8);
}

int kern_check_qdq(const graph *g, const graph_node *n, qrc_err *e)
{
    bool quant = !strcmp(n->op_type, "QuantizeLinear");
    static const char *const q_attrs[] = {"axis", "saturate", "block_size", "output_dtype", NULL};
    static const char *const dq_attrs[] = {"axis", "block_size", NULL};
    if (kern_check_arity(n, 2, 3, 1, 1, e) || kern_check_attrs(n, quant ? q_attrs : dq_attrs, e))
        return -1;
    if (graph_attr_int(n, "block_size", 0) != 0)
        return kern_node_err(e, n, "blocked quantization (block_size) is not supported");
    if (kern_check_dtype(g, n, 1, kern_dt_float, e))
        return -1;
    if (quant) {
        if (kern_check_dtype(g, n, 0, kern_dt_float, e) || kern_check_dtype(g, n, 2, q_types, e))
            return -1;
        tensor_dtype ot = q_out_type(g, n);
        if (ot != DT_UNDEFINED && !dt_in(ot, q_types))
            return kern_node_err(e, n, "quantized type %s is not supported", tensor_dtype_name(ot));
        graph_value *z = kern_in_value(g, n, 2);
        if (z && graph_attr_find(n, "output_dtype") && z->dtype != DT_UNDEFINED &&
            graph_attr_int(n, "output_dtype", 0) != z->dtype)
            return kern_node_err(e, n, "output_dtype disagrees with the zero point's dtype");
        return 0;
    }
    return kern_check_dtype(g, n, 0, dq_types, e) || kern_check_dtype(g, n, 2, q_types, e) ? -1 : 0;
}

int kern_infer_qdq(const graph *g, const graph_node *n, qrc_err *e)
{
    if (!strcmp(n->op_type, "QuantizeLinear"))
        return kern_same_shape(g, n, 0, 0, q_out_type(g, n));
    return kern_same_shape(g, n, 0, 0, DT_FLOAT);
}

/* The per-channel layout: outer x channels x inner, where channels == 1 for per-tensor. */
typedef struct qdq_layout {
    int64_t outer, channels, inner;
} qdq_layout;

static int qdq_layout_of(op_ctx *ctx, const tensor *x, const tensor *scale, const tensor *zp, qdq_layout *l)
{
    int64_t ns = tensor_numel(scale);
    l->outer = 1, l->channels = 1, l->inner = tensor_numel(x);
    if (scale->dtype != DT_FLOAT)
        return kern_fail(ctx, "scale must be float, is %s", tensor_dtype_name(scale->dtype));
    if (zp && tensor_numel(zp) != ns)
        return kern_fail(ctx, "zero point has %lld values, scale %lld", (long long)tensor_numel(zp), (long long)ns);
    if (scale->rank == 0 || (scale->rank == 1 && ns == 1)) /* one value: per tensor */
        return 0;
    if (scale->rank != 1)
        return kern_fail(ctx, "scale must be a scalar or 1-D (blocked quantization is not supported)");
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 1), x->rank, &axis))
        return -1;
    if (x->dims[axis] != ns)
        return kern_fail(ctx, "scale has %lld values, axis %lld has %lld", (long long)ns, (long long)axis,
                         (long long)x->dims[axis]);
    l->channels = ns;
    l->outer = 1;
    for (int d = 0; d < axis; d++)
        l->outer *= x->dims[d];
    l->inner = 1;
    for (int d = (int)axis + 1; d < x->rank; d++)
        l->inner *= x->dims[d];
    return 0;
}

/* zero point c as float (0 without a zero point) */
static float zp_at(const tensor *zp, int64_t c)
{
    if (!zp)
        return 0;
    switch (zp->dtype) {
    case DT_INT8: case DT_INT4: return ((const int8_t *)zp->data)[c];
    case DT_UINT8: case DT_UINT4: return ((const uint8_t *)zp->data)[c];
    case DT_INT16: return ((const int16_t *)zp->data)[c];
    case DT_UINT16: return ((const uint16_t *)zp->data)[c];
    case DT_INT32: return (float)((const int32_t *)zp->data)[c];
    default: return 0;
    }
}

#define Q_LOOP(T)                                                                                           \
    do {                                                                                                    \
        T *y_ = (T *)y->data + base;                                                                        \
        for (int64_t i = 0; i < l.inner; i++) {                                                             \
            float v = nearbyintf(xs[i] / s) + z;                                                            \
            v = v < lo ? lo : v > hi ? hi : v;                                                              \
            y_[i] = (T)v;                                                                                   \
        }                                                                                                   \
    } while (0)

int kern_run_quantize(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *scale = ctx->in[1], *zp = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (x->dtype != DT_FLOAT)
        return kern_fail(ctx, "input must be float, is %s", tensor_dtype_name(x->dtype));
    tensor_dtype ot = zp ? zp->dtype : (tensor_dtype)graph_attr_int(ctx->node, "output_dtype", DT_UINT8);
    float lo, hi;
    if (!q_range(ot, &lo, &hi))
        return kern_fail(ctx, "quantized type %s is not supported", tensor_dtype_name(ot));
    qdq_layout l;
    if (qdq_layout_of(ctx, x, scale, zp, &l))
        return -1;
    tensor *y = op_output(ctx, 0, ot, x->rank, x->dims);
    if (!y)
        return -1;
    for (int64_t o = 0; o < l.outer; o++)
        for (int64_t c = 0; c < l.channels; c++) {
            int64_t base = (o * l.channels + c) * l.inner;
            const float *xs = (const float *)x->data + base;
            float s = ((const float *)scale->data)[c], z = zp_at(zp, c);
            switch (ot) {
            case DT_INT8: case DT_INT4: Q_LOOP(int8_t); break;
            case DT_UINT8: case DT_UINT4: Q_LOOP(uint8_t); break;
            case DT_INT16: Q_LOOP(int16_t); break;
            case DT_UINT16: Q_LOOP(uint16_t); break;
            default: break;
            }
        }
    return 0;
}

#define DQ_LOOP(T)                                                                                          \
    do {                                                                                                    \
        const T *x_ = (const T *)x->data + base;                                                            \
        for (int64_t i = 0; i < l.inner; i++)                                                               \
            ys[i] = ((float)x_[i] - z) * s;                                                                 \
    } while (0)

int kern_run_dequantize(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *scale = ctx->in[1], *zp = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (!dt_in(x->dtype, dq_types))
        return kern_fail(ctx, "input dtype %s is not supported", tensor_dtype_name(x->dtype));
    if (zp && zp->dtype != x->dtype)
        return kern_fail(ctx, "zero point dtype %s differs from input dtype %s", tensor_dtype_name(zp->dtype),
                         tensor_dtype_name(x->dtype));
    qdq_layout l;
    if (qdq_layout_of(ctx, x, scale, zp, &l))
        return -1;
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, x->dims);
    if (!y)
        return -1;
    for (int64_t o = 0; o < l.outer; o++)
        for (int64_t c = 0; c < l.channels; c++) {
            int64_t base = (o * l.channels + c) * l.inner;
            float *ys = (float *)y->data + base;
            float s = ((const float *)scale->data)[c], z = zp_at(zp, c);
            switch (x->dtype) {
            case DT_INT8: case DT_INT4: DQ_LOOP(int8_t); break;
            case DT_UINT8: case DT_UINT4: DQ_LOOP(uint8_t); break;
            case DT_INT16: DQ_LOOP(int16_t); break;
            case DT_UINT16: DQ_LOOP(uint16_t); break;
            case DT_INT32: DQ_LOOP(int32_t); break;
            default: break;
            }
        }
    return 0;
}

/* ---- DynamicQuantizeLinear: uint8 with scale and zero point from the input's range (including 0) ---- */

int kern_check_dynamic_quantize(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {NULL};
    return kern_check_arity(n, 1, 1, 3, 3, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_float, e)
               ? -1
               : 0;
}

int kern_infer_dynamic_quantize(const graph *g, const graph_node *n, qrc_err *e)
{
    kern_same_shape(g, n, 0, 0, DT_UINT8);
    kern_set_out(g, n, 1, DT_FLOAT, 0, NULL);
    return kern_set_out(g, n, 2, DT_UINT8, 0, NULL);
}

int kern_run_dynamic_quantize(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (x->dtype != DT_FLOAT)
        return kern_fail(ctx, "input must be float, is %s", tensor_dtype_name(x->dtype));
    int64_t n = tensor_numel(x);
    const float *p = x->data;
    float lo = 0, hi = 0;
    for (int64_t i = 0; i < n; i++) {
        lo = p[i] < lo ? p[i] : lo;
        hi = p[i] > hi ? p[i] : hi;
    }
    float scale = (hi - lo) / 255.0f;
    float zf = scale > 0 ? nearbyintf(0.0f - lo / scale) : 0.0f;
    zf = zf < 0 ? 0 : zf > 255 ? 255 : zf;
    tensor *y = op_output(ctx, 0, DT_UINT8, x->rank, x->dims), *ys = op_output(ctx, 1, DT_FLOAT, 0, NULL),
           *yz = op_output(ctx, 2, DT_UINT8, 0, NULL);
    if (!y || !ys || !yz)
        return -1;
    *(float *)ys->data = scale;
    *(uint8_t *)yz->data = (uint8_t)zf;
    uint8_t *q = y->data;
    for (int64_t i = 0; i < n; i++) {
        float v = scale > 0 ? nearbyintf(p[i] / scale) + zf : zf;
        q[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    return 0;
}
