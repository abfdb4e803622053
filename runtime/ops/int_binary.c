/* int_binary.c — com.microsoft QLinearAdd and QLinearMul as ONNX Runtime defines them: A and B
 * (int8/uint8, numpy broadcasting) with per-tensor scales and optional zero points, C of A's type.
 *   Add: C = saturate(round_half_even(rA·A + (rB·B + (zC − (rA·zA + rB·zB))))), rA = sA/sC, rB = sB/sC,
 *        the two outer steps fused multiply-adds: the order and rounding of ONNX Runtime's x86 kernel, so that
 *        near-ties come out as they do there (the plain formula (sA(A − zA) + sB(B − zB))/sC differs by
 *        one step on 5 of 120 random uint8 inputs)
 *   Mul: C = saturate(round_half_even(sA·sB/sC · (A − zA)(B − zB)) + zC)
 * in single precision. */
#include "ops/int_ops.h"

#include <math.h>

#include <string.h>

#include "ops/kern.h"

static const char *const no_attrs[] = {NULL};

int kern_check_qlinear_binary(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 7, 8, 1, no_attrs, 0u, e))
        return -1;
    static const int scales[] = {1, 4, 6}, qs[] = {0, 2, 3, 5, 7};
    for (int i = 0; i < 3; i++)
        if (kern_check_dtype(g, node, scales[i], kern_dt_float, e))
            return -1;
    for (int i = 0; i < 5; i++)
        if (kern_check_dtype(g, node, qs[i], kern_dt_q8, e))
            return -1;
    return 0;
}

int kern_infer_qlinear_binary(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 7, e))
        return -1;
    graph_value *a = kern_in_value(g, node, 0), *b = kern_in_value(g, node, 3);
    if (a->rank < 0 || b->rank < 0)
        return kern_set_out(g, node, 0, a->dtype, -1, NULL);
    int r;
    int64_t od[TENSOR_MAX_RANK];
    if (kern_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &r, od))
        return kern_node_err(e, node, "shapes of '%s' and '%s' do not broadcast", a->name, b->name);
    return kern_set_out(g, node, 0, a->dtype, r, od);
}

int kern_run_qlinear_binary(op_ctx *ctx)
{
    const tensor *const *in = ctx->in;
    const tensor *a = in[0], *as = in[1], *az = in[2], *b = in[3], *bs = in[4], *bz = in[5], *cs = in[6],
                 *cz = ctx->n_in > 7 ? in[7] : NULL;
    if (kern_q8_operand(ctx, a, "A") || kern_q8_operand(ctx, b, "B") ||
        kern_qparam_check(ctx, as, 1, kern_dt_float, "A scale") ||
        kern_qparam_check(ctx, az, 1, kern_dt_q8, "A zero point") ||
        kern_qparam_check(ctx, bs, 1, kern_dt_float, "B scale") ||
        kern_qparam_check(ctx, bz, 1, kern_dt_q8, "B zero point") ||
        kern_qparam_check(ctx, cs, 1, kern_dt_float, "C scale") ||
        kern_qparam_check(ctx, cz, 1, kern_dt_q8, "C zero point"))
        return -1;
    if (b->dtype != a->dtype || (cz && cz->dtype != a->dtype))
        return kern_fail(ctx, "A, B and C must share one type (A is %s)", tensor_dtype_name(a->dtype));
    int r;
    int64_t od[TENSOR_MAX_RANK];
    if (kern_broadcast_shape(a->rank, a->dims, b->rank, b->dims, &r, od))
        return kern_fail(ctx, "inputs do not broadcast");
    tensor *y = op_output(ctx, 0, a->dtype, r, od);
    if (!y || tensor_numel(y) == 0)
        return y ? 0 : -1;
    kern_bcast bc;
    const tensor *ins[2] = {a, b};
    if (kern_bcast_init(&bc, r, od, 2, ins))
        return kern_fail(ctx, "inputs do not broadcast");
    bool mul = !strcmp(ctx->node->op_type, "QLinearMul");
    float sa = kern_qparam_float(as, 0), sb = kern_qparam_float(bs, 0), sc = kern_qparam_float(cs, 0);
    int32_t za = kern_qparam_int(az, 0), zb = kern_qparam_int(bz, 0), zc = kern_qparam_int(cz, 0);
    float ratio = sa * sb / sc, ra = sa / sc, rb = sb / sc;
    float fixed = (float)zc - (ra * (float)za + rb * (float)zb);
    int last = bc.rank - 1;
    int64_t da = bc.strides[0][last] ? 1 : 0, db = bc.strides[1][last] ? 1 : 0;
    for (int64_t row = 0; row < bc.rows; row++) {
        int64_t off[KERN_BCAST_MAX_IN];
        kern_bcast_row(&bc, row, off);
        for (int64_t j = 0; j < bc.inner; j++) {
            int32_t qa = kern_qparam_int(a, off[0] + j * da), qb = kern_qparam_int(b, off[1] + j * db);
            if (mul)
                kern_requant_store(y, row * bc.inner + j, ratio * (float)((qa - za) * (qb - zb)), zc);
            else
                kern_requant_store(y, row * bc.inner + j, fmaf((float)qa, ra, fmaf((float)qb, rb, fixed)), 0);
        }
    }
    return 0;
}
