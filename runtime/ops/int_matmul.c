/* int_matmul.c — MatMulInteger and QLinearMatMul: numpy-style batched matrix products over int32
 * operands (zero points subtracted per tensor, per row of A or per column of B). */
#include "ops/int_ops.h"

#include <stdlib.h>

#include "ops/kern.h"
#include "ops/nn_ops.h"

static const char *const no_attrs[] = {NULL};

static int check_int_matmul(const graph *g, const graph_node *node, int ai, int bi, int min_in, int max_in,
                            qrc_err *e)
{
    if (kern_check_node(g, node, min_in, max_in, 1, no_attrs, 0u, e) ||
        kern_check_dtype(g, node, ai, kern_dt_q8, e) || kern_check_dtype(g, node, bi, kern_dt_q8, e))
        return -1;
    int idx[2] = {ai, bi};
    for (int i = 0; i < 2; i++) {
        graph_value *v = kern_in_value(g, node, idx[i]);
        if (v->rank == 0)
            return kern_node_err(e, node, "input '%s' is a scalar; a matrix product needs rank 1 or more", v->name);
    }
    return 0;
}

static int infer_int_matmul(const graph *g, const graph_node *node, int ai, int bi, tensor_dtype dt, qrc_err *e)
{
    graph_value *a = kern_in_value(g, node, ai), *b = kern_in_value(g, node, bi);
    if (a->rank < 1 || b->rank < 1)
        return kern_set_out(g, node, 0, dt, -1, NULL);
    int64_t od[TENSOR_MAX_RANK];
    int r = kern_matmul_shape(a->rank, a->dims, b->rank, b->dims, od);
    if (r < 0)
        return kern_node_err(e, node, "shapes of '%s' and '%s' do not multiply", a->name, b->name);
    return kern_set_out(g, node, 0, dt, r, od);
}

int kern_check_matmul_integer(const graph *g, const graph_node *node, qrc_err *e)
{
    if (check_int_matmul(g, node, 0, 1, 2, 4, e))
        return -1;
    return kern_check_dtype(g, node, 2, kern_dt_q8, e) || kern_check_dtype(g, node, 3, kern_dt_q8, e) ? -1 : 0;
}

int kern_infer_matmul_integer(const graph *g, const graph_node *node, qrc_err *e)
{
    return kern_infer_needs(node, 2, e) ? -1 : infer_int_matmul(g, node, 0, 1, DT_INT32, e);
}

int kern_check_qlinear_matmul(const graph *g, const graph_node *node, qrc_err *e)
{
    if (check_int_matmul(g, node, 0, 3, 8, 8, e))
        return -1;
    static const int scales[] = {1, 4, 6}, zps[] = {2, 5, 7};
    for (int i = 0; i < 3; i++)
        if (kern_check_dtype(g, node, scales[i], kern_dt_float, e) || kern_check_dtype(g, node, zps[i], kern_dt_q8, e))
            return -1;
    return 0;
}

int kern_infer_qlinear_matmul(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 8, e))
        return -1;
    graph_value *yz = kern_in_value(g, node, 7);
    return infer_int_matmul(g, node, 0, 3, yz->dtype != DT_UNDEFINED ? yz->dtype : DT_UINT8, e);
}

/* The output shape and batch view of a times b; fails naming the node when they do not multiply. */
static int run_shape(op_ctx *ctx, const tensor *a, const tensor *b, kern_mm_batch *v, int64_t *od)
{
    if (kern_q8_operand(ctx, a, "A") || kern_q8_operand(ctx, b, "B"))
        return -1;
    int r = a->rank < 1 || b->rank < 1 ? -1 : kern_matmul_shape(a->rank, a->dims, b->rank, b->dims, od);
    if (r < 0)
        return kern_fail(ctx, "shapes of A (rank %d) and B (rank %d) do not multiply", a->rank, b->rank);
    kern_mm_batch_init(v, a, b);
    return r;
}

/* y = (a - az) x (b - bz), az per tensor or per row of A, bz per tensor or per column of B; int32 results
 * wrapping as an int32 accumulator does. */
static int matmul_widened(op_ctx *ctx, const tensor *a, const tensor *az, const tensor *b, const tensor *bz,
                          const kern_mm_batch *v, int32_t *y)
{
    if (kern_qparam_check(ctx, az, v->m, kern_dt_q8, "A zero point") ||
        kern_qparam_check(ctx, bz, v->n, kern_dt_q8, "B zero point"))
        return -1;
    int32_t *aw = kern_int_widen(ctx, a, az, v->m, v->k);
    int32_t *bw = aw ? kern_int_widen(ctx, b, bz, v->n, 1) : NULL;
    for (int64_t t = 0; bw && t < v->total; t++) {
        int64_t oa, ob;
        kern_mm_batch_offsets(v, t, &oa, &ob);
        for (int64_t i = 0; i < v->m; i++)
            for (int64_t j = 0; j < v->n; j++) {
                int64_t acc = 0;
                for (int64_t k = 0; k < v->k; k++)
                    acc += (int64_t)aw[oa + i * v->k + k] * bw[ob + k * v->n + j];
                y[(t * v->m + i) * v->n + j] = (int32_t)(uint32_t)(uint64_t)acc;
            }
    }
    free(aw);
    free(bw);
    return bw ? 0 : -1;
}

int kern_run_matmul_integer(op_ctx *ctx)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1];
    const tensor *az = ctx->n_in > 2 ? ctx->in[2] : NULL, *bz = ctx->n_in > 3 ? ctx->in[3] : NULL;
    kern_mm_batch v;
    int64_t od[TENSOR_MAX_RANK];
    int r = run_shape(ctx, a, b, &v, od);
    tensor *y = r < 0 ? NULL : op_output(ctx, 0, DT_INT32, r, od);
    return y ? matmul_widened(ctx, a, az, b, bz, &v, y->data) : -1;
}

int kern_run_qlinear_matmul(op_ctx *ctx)
{
    const tensor *const *in = ctx->in;
    const tensor *a = in[0], *as = in[1], *az = in[2], *b = in[3], *bs = in[4], *bz = in[5], *ys = in[6],
                 *yz = in[7];
    kern_mm_batch v;
    int64_t od[TENSOR_MAX_RANK];
    int r = run_shape(ctx, a, b, &v, od);
    if (r < 0 || kern_qparam_check(ctx, as, v.m, kern_dt_float, "A scale") ||
        kern_qparam_check(ctx, bs, v.n, kern_dt_float, "B scale") ||
        kern_qparam_check(ctx, ys, 1, kern_dt_float, "output scale") ||
        kern_qparam_check(ctx, yz, 1, kern_dt_q8, "output zero point"))
        return -1;
    tensor *y = op_output(ctx, 0, yz->dtype, r, od);
    if (!y)
        return -1;
    int64_t n = tensor_numel(y);
    int32_t *acc = malloc((size_t)(n ? n : 1) * sizeof *acc);
    if (!acc)
        return kern_fail(ctx, "out of memory for %lld accumulators", (long long)n);
    int rc = matmul_widened(ctx, a, az, b, bz, &v, acc);
    for (int64_t i = 0; !rc && i < n; i++) {
        float mult = kern_qparam_float(as, i / v.n % v.m) * kern_qparam_float(bs, i % v.n) / kern_qparam_float(ys, 0);
        kern_requant_store(y, i, (double)acc[i] * mult, kern_qparam_int(yz, 0));
    }
    free(acc);
    return rc;
}
