/* int_conv.c — ConvInteger and QLinearConv: a direct convolution over int32 operands (zero points
 * already subtracted), NCHW with groups, 1 to 3 spatial dims, padding contributing zero. */
#include "ops/int_ops.h"

#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"
#include "ops/nn_ops.h"

static const char *const conv_int_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides",
                                             NULL};
static const tensor_dtype dt_int32[] = {DT_INT32, DT_UNDEFINED};

/* Geometry with every spatial dim present: missing trailing dims have size 1. */
typedef struct conv3 {
    int64_t n, c, oc, group;
    int64_t in[3], out[3], k[3], s[3], d[3], p[3];
} conv3;

static void conv3_of(const kern_conv_geom *cg, conv3 *g)
{
    g->n = cg->n, g->c = cg->c, g->oc = cg->oc, g->group = cg->group;
    for (int i = 0; i < 3; i++) {
        bool on = i < cg->w.nsp;
        g->in[i] = on ? cg->w.in[i] : 1;
        g->out[i] = on ? cg->w.out[i] : 1;
        g->k[i] = on ? cg->w.k[i] : 1;
        g->s[i] = on ? cg->w.s[i] : 1;
        g->d[i] = on ? cg->w.d[i] : 1;
        g->p[i] = on ? cg->w.pb[i] : 0;
    }
}

/* One output element: the window sum over the group's input channels, in 64 bits. */
static int64_t conv_window(const int32_t *x, const int32_t *w, const conv3 *g, int64_t b, int64_t o,
                           const int64_t *pos)
{
    int64_t cpg = g->c / g->group, ocpg = g->oc / g->group, c0 = o / ocpg * cpg, acc = 0;
    for (int64_t ci = 0; ci < cpg; ci++) {
        const int32_t *xc = x + (b * g->c + c0 + ci) * g->in[0] * g->in[1] * g->in[2];
        const int32_t *wc = w + (o * cpg + ci) * g->k[0] * g->k[1] * g->k[2];
        for (int64_t k0 = 0; k0 < g->k[0]; k0++) {
            int64_t i0 = pos[0] * g->s[0] - g->p[0] + k0 * g->d[0];
            if (i0 < 0 || i0 >= g->in[0])
                continue;
            for (int64_t k1 = 0; k1 < g->k[1]; k1++) {
                int64_t i1 = pos[1] * g->s[1] - g->p[1] + k1 * g->d[1];
                if (i1 < 0 || i1 >= g->in[1])
                    continue;
                for (int64_t k2 = 0; k2 < g->k[2]; k2++) {
                    int64_t i2 = pos[2] * g->s[2] - g->p[2] + k2 * g->d[2];
                    if (i2 < 0 || i2 >= g->in[2])
                        continue;
                    acc += (int64_t)xc[(i0 * g->in[1] + i1) * g->in[2] + i2] *
                           wc[(k0 * g->k[1] + k1) * g->k[2] + k2];
                }
            }
        }
    }
    return acc;
}

/* y = conv(x, w) + bias (bias may be NULL), kept to 32 bits as an int32 accumulator wraps. */
static void conv_int32(const int32_t *x, const int32_t *w, const tensor *bias, int32_t *y, const conv3 *g)
{
    int64_t plane = g->out[0] * g->out[1] * g->out[2];
    for (int64_t b = 0; b < g->n; b++)
        for (int64_t o = 0; o < g->oc; o++) {
            int32_t *yo = y + (b * g->oc + o) * plane;
            int64_t add = bias ? ((const int32_t *)bias->data)[o] : 0;
            for (int64_t p = 0; p < plane; p++) {
                int64_t pos[3] = {p / (g->out[1] * g->out[2]), p / g->out[2] % g->out[1], p % g->out[2]};
                yo[p] = (int32_t)(uint32_t)(uint64_t)(conv_window(x, w, g, b, o, pos) + add);
            }
        }
}

/* Load-time checks shared by both ops: counts, attributes, operand types and the window. */
static int check_int_conv(const graph *g, const graph_node *node, int xi, int wi, int min_in, int max_in,
                          qrc_err *e)
{
    if (kern_check_node(g, node, min_in, max_in, 1, conv_int_attrs, 0u, e) ||
        kern_check_dtype(g, node, xi, kern_dt_q8, e) || kern_check_dtype(g, node, wi, kern_dt_q8, e))
        return -1;
    return kern_check_conv_window(g, node, xi, wi, e);
}

int kern_check_conv_integer(const graph *g, const graph_node *node, qrc_err *e)
{
    if (check_int_conv(g, node, 0, 1, 2, 4, e))
        return -1;
    return kern_check_dtype(g, node, 2, kern_dt_q8, e) || kern_check_dtype(g, node, 3, kern_dt_q8, e) ? -1 : 0;
}

int kern_infer_conv_integer(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 2, e))
        return -1;
    return kern_infer_conv_out(g, node, 0, 1, DT_INT32, e);
}

int kern_check_qlinear_conv(const graph *g, const graph_node *node, qrc_err *e)
{
    if (check_int_conv(g, node, 0, 3, 8, 9, e))
        return -1;
    static const int scales[] = {1, 4, 6}, zps[] = {2, 5, 7};
    for (int i = 0; i < 3; i++)
        if (kern_check_dtype(g, node, scales[i], kern_dt_float, e) || kern_check_dtype(g, node, zps[i], kern_dt_q8, e))
            return -1;
    return kern_check_dtype(g, node, 8, dt_int32, e);
}

int kern_infer_qlinear_conv(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 8, e))
        return -1;
    graph_value *yz = kern_in_value(g, node, 7);
    return kern_infer_conv_out(g, node, 0, 3, yz->dtype != DT_UNDEFINED ? yz->dtype : DT_UINT8, e);
}

/* Run-time geometry of x and w, both int8/uint8 of rank 3 to 5. */
static int run_geometry(op_ctx *ctx, const tensor *x, const tensor *w, conv3 *g)
{
    if (x->rank < 3 || x->rank > 5 || w->rank != x->rank)
        return kern_fail(ctx, "input rank %d and weight rank %d: expected equal ranks of 3 to 5", x->rank, w->rank);
    kern_conv_geom cg;
    if (kern_conv_geometry(ctx->node, x->rank, x->dims, w->dims, &cg, ctx->err))
        return -1;
    conv3_of(&cg, g);
    return 0;
}

static int output_dims(const tensor *x, const conv3 *g, int64_t *od)
{
    od[0] = g->n, od[1] = g->oc;
    for (int i = 0; i < x->rank - 2; i++)
        od[2 + i] = g->out[i];
    return x->rank;
}

/* The convolution of x and w, zero points subtracted (x's per tensor, w's per output channel). */
static int conv_widened(op_ctx *ctx, const tensor *x, const tensor *xz, const tensor *w, const tensor *wz,
                        const tensor *bias, const conv3 *g, int32_t *y)
{
    if (kern_q8_operand(ctx, x, "input") || kern_q8_operand(ctx, w, "weight") ||
        kern_qparam_check(ctx, xz, 1, kern_dt_q8, "input zero point") ||
        kern_qparam_check(ctx, wz, g->oc, kern_dt_q8, "weight zero point") ||
        kern_qparam_check(ctx, bias, g->oc, dt_int32, "bias"))
        return -1;
    if (bias && tensor_numel(bias) != g->oc)
        return kern_fail(ctx, "bias has %lld values; %lld output channels", (long long)tensor_numel(bias),
                         (long long)g->oc);
    int32_t *xw = kern_int_widen(ctx, x, xz, 1, 1);
    int32_t *ww = xw ? kern_int_widen(ctx, w, wz, g->oc, g->oc ? tensor_numel(w) / g->oc : 1) : NULL;
    if (ww)
        conv_int32(xw, ww, bias, y, g);
    free(xw);
    free(ww);
    return ww ? 0 : -1;
}

int kern_run_conv_integer(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *w = ctx->in[1];
    const tensor *xz = ctx->n_in > 2 ? ctx->in[2] : NULL, *wz = ctx->n_in > 3 ? ctx->in[3] : NULL;
    conv3 g;
    if (run_geometry(ctx, x, w, &g))
        return -1;
    int64_t od[TENSOR_MAX_RANK];
    tensor *y = op_output(ctx, 0, DT_INT32, output_dims(x, &g, od), od);
    return y ? conv_widened(ctx, x, xz, w, wz, NULL, &g, y->data) : -1;
}

int kern_run_qlinear_conv(op_ctx *ctx)
{
    const tensor *const *in = ctx->in;
    const tensor *x = in[0], *xs = in[1], *xz = in[2], *w = in[3], *ws = in[4], *wz = in[5], *ys = in[6],
                 *yz = in[7], *bias = ctx->n_in > 8 ? in[8] : NULL;
    conv3 g;
    if (run_geometry(ctx, x, w, &g) || kern_qparam_check(ctx, xs, 1, kern_dt_float, "input scale") ||
        kern_qparam_check(ctx, ws, g.oc, kern_dt_float, "weight scale") ||
        kern_qparam_check(ctx, ys, 1, kern_dt_float, "output scale") ||
        kern_qparam_check(ctx, yz, 1, kern_dt_q8, "output zero point"))
        return -1;
    int64_t od[TENSOR_MAX_RANK];
    tensor *y = op_output(ctx, 0, yz->dtype, output_dims(x, &g, od), od);
    if (!y)
        return -1;
    int64_t n = tensor_numel(y), plane = g.out[0] * g.out[1] * g.out[2];
    int32_t *acc = malloc((size_t)(n ? n : 1) * sizeof *acc);
    if (!acc)
        return kern_fail(ctx, "out of memory for %lld accumulators", (long long)n);
    int rc = conv_widened(ctx, x, xz, w, wz, bias, &g, acc);
    for (int64_t i = 0; !rc && i < n; i++) {
        float mult = kern_qparam_float(xs, 0) * kern_qparam_float(ws, i / plane % g.oc) / kern_qparam_float(ys, 0);
        kern_requant_store(y, i, (double)acc[i] * mult, kern_qparam_int(yz, 0));
    }
    free(acc);
    return rc;
}
