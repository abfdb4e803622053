/* gemm.c — Gemm and MatMul on oneDNN's sgemm (row-major, AVX-512 kernels picked at run time). */
#include "ops/nn_ops.h"

#include <oneapi/dnnl/dnnl.h>
#include <string.h>

#include "ops/kern.h"

static const char *const gemm_attrs[] = {"alpha", "beta", "transA", "transB", "broadcast", NULL};

int kern_check_gemm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 2, 3, 1, gemm_attrs, 7u, e))
        return -1;
    for (int i = 0; i < 2; i++) {
        graph_value *v = kern_in_value(g, node, i);
        if (v->rank >= 0 && v->rank != 2)
            return kern_node_err(e, node, "input '%s' has rank %d; expected 2", v->name, v->rank);
    }
    graph_value *c = kern_in_value(g, node, 2);
    if (c && c->rank > 2)
        return kern_node_err(e, node, "input C '%s' has rank %d; at most 2", c->name, c->rank);
    return 0;
}

int kern_infer_gemm(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 2, e))
        return -1;
    graph_value *a = kern_in_value(g, node, 0), *b = kern_in_value(g, node, 1);
    int64_t od[2] = {-1, -1};
    if (a->rank == 2)
        od[0] = a->dims[graph_attr_int(node, "transA", 0) ? 1 : 0];
    if (b->rank == 2)
        od[1] = b->dims[graph_attr_int(node, "transB", 0) ? 0 : 1];
    kern_set_out(g, node, 0, DT_FLOAT, 2, od);
    return 0;
}

static int sgemm(op_ctx *ctx, bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a,
                 int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
    dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return st == dnnl_success ? 0 : kern_fail(ctx, "sgemm %lldx%lldx%lld failed (status %d)", (long long)m,
                                              (long long)n, (long long)k, (int)st);
}

int kern_run_gemm(op_ctx *ctx)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1], *c = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (kern_want_float(ctx, a, "A", 2, 2) || kern_want_float(ctx, b, "B", 2, 2) ||
        (c && kern_want_float(ctx, c, "C", 0, 2)))
        return -1;
    bool ta = graph_attr_int(ctx->node, "transA", 0), tb = graph_attr_int(ctx->node, "transB", 0);
    float alpha = graph_attr_float(ctx->node, "alpha", 1.0f), beta = graph_attr_float(ctx->node, "beta", 1.0f);
    int64_t m = a->dims[ta], k = a->dims[!ta], kb = b->dims[tb], n = b->dims[!tb];
    if (k != kb)
        return kern_fail(ctx, "inner dims differ: A gives %lld, B gives %lld", (long long)k, (long long)kb);
    int64_t od[2] = {m, n};
    tensor *y = op_output(ctx, 0, DT_FLOAT, 2, od);
    if (!y)
        return -1;
    float *yd = y->data;
    if (m == 0 || n == 0)
        return 0;
    float gemm_beta = 0.0f;
    if (c && beta != 0.0f) {
        /* C broadcasts (unidirectionally) to [M, N]: a scalar, a row [N] or [1,N], a column [M,1], or [M,N] */
        int64_t cm = c->rank == 2 ? c->dims[0] : 1, cn = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
        if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
            return kern_fail(ctx, "C of %lldx%lld does not broadcast to %lldx%lld", (long long)cm, (long long)cn,
                             (long long)m, (long long)n);
        const float *cd = c->data;
        for (int64_t i = 0; i < m; i++) {
            const float *row = cd + (cm == 1 ? 0 : i * cn);
            float *yr = yd + i * n;
            if (cn == 1)
                for (int64_t j = 0; j < n; j++)
                    yr[j] = beta * row[0];
            else
                for (int64_t j = 0; j < n; j++)
                    yr[j] = beta * row[j];
        }
        gemm_beta = 1.0f;
    }
    kern_set_threads(ctx->threads);
    if (k == 0) {
        if (gemm_beta == 0.0f)
            memset(yd, 0, (size_t)(m * n) * sizeof *yd);
        return 0;
    }
    return sgemm(ctx, ta, tb, m, n, k, alpha, a->data, ta ? m : k, b->data, tb ? k : n, gemm_beta, yd, n);
}

static const char *const no_attrs[] = {NULL};

int kern_check_matmul(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 2, 2, 1, no_attrs, 3u, e))
        return -1;
    for (int i = 0; i < 2; i++) {
        graph_value *v = kern_in_value(g, node, i);
        if (v->rank == 0)
            return kern_node_err(e, node, "input '%s' is a scalar; MatMul needs rank 1 or more", v->name);
    }
    return 0;
}

int kern_matmul_shape(int ra, const int64_t *a, int rb, const int64_t *b, int64_t *out)
{
    int64_t ea[TENSOR_MAX_RANK + 1], eb[TENSOR_MAX_RANK + 1];
    int na = ra == 1 ? 2 : ra, nb = rb == 1 ? 2 : rb;
    if (ra == 1) {
        ea[0] = 1;
        ea[1] = a[0];
    } else
        memcpy(ea, a, (size_t)ra * sizeof *a);
    if (rb == 1) {
        eb[0] = b[0];
        eb[1] = 1;
    } else
        memcpy(eb, b, (size_t)rb * sizeof *b);
    int64_t ka = ea[na - 1], kb = eb[nb - 2];
    if (ka >= 0 && kb >= 0 && ka != kb)
        return -1;
    int nbatch = (na > nb ? na : nb) - 2, r = 0;
    if (nbatch + 2 > TENSOR_MAX_RANK)
        return -1;
    for (int i = 0; i < nbatch; i++) {
        int ia = i - (nbatch - (na - 2)), ib = i - (nbatch - (nb - 2));
        int64_t da = ia >= 0 ? ea[ia] : 1, db = ib >= 0 ? eb[ib] : 1;
        int64_t d;
        if (da == 1)
            d = db;
        else if (db == 1)
            d = da;
        else if (da < 0 || db < 0)
            d = da < 0 ? db : da;
        else if (da == db)
            d = da;
        else
            return -1;
        out[r++] = d;
    }
    if (ra != 1)
        out[r++] = ea[na - 2];
    if (rb != 1)
        out[r++] = eb[nb - 1];
    return r;
}

int kern_infer_matmul(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 2, e))
        return -1;
    graph_value *a = kern_in_value(g, node, 0), *b = kern_in_value(g, node, 1);
    tensor_dtype dt = a->dtype != DT_UNDEFINED ? a->dtype : DT_FLOAT;
    if (a->rank < 1 || b->rank < 1) {
        kern_set_out(g, node, 0, dt, -1, NULL);
        return 0;
    }
    int64_t od[TENSOR_MAX_RANK];
    int r = kern_matmul_shape(a->rank, a->dims, b->rank, b->dims, od);
    if (r < 0)
        return kern_node_err(e, node, "shapes of '%s' and '%s' do not multiply", a->name, b->name);
    kern_set_out(g, node, 0, dt, r, od);
    return 0;
}

void kern_mm_batch_init(kern_mm_batch *v, const tensor *a, const tensor *b)
{
    v->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
    v->k = a->dims[a->rank - 1];
    v->n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
    int ba = a->rank > 2 ? a->rank - 2 : 0, bb = b->rank > 2 ? b->rank - 2 : 0;
    v->nbatch = ba > bb ? ba : bb;
    v->b_batched = bb > 0;
    v->total = 1;
    int64_t stride_a = v->m * v->k, stride_b = v->k * v->n;
    for (int i = v->nbatch - 1; i >= 0; i--) {
        int ia = i - (v->nbatch - ba), ib = i - (v->nbatch - bb);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        v->bdims[i] = da == 1 ? db : da;
        v->sa[i] = da == 1 ? 0 : stride_a;
        v->sb[i] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
        v->total *= v->bdims[i];
    }
}

void kern_mm_batch_offsets(const kern_mm_batch *v, int64_t t, int64_t *oa, int64_t *ob)
{
    *oa = 0;
    *ob = 0;
    for (int i = v->nbatch - 1; i >= 0; i--) {
        int64_t idx = t % v->bdims[i];
        t /= v->bdims[i];
        *oa += idx * v->sa[i];
        *ob += idx * v->sb[i];
    }
}

int kern_run_matmul(op_ctx *ctx)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1];
    if (kern_want_float(ctx, a, "A", 1, TENSOR_MAX_RANK) || kern_want_float(ctx, b, "B", 1, TENSOR_MAX_RANK))
        return -1;
    int64_t od[TENSOR_MAX_RANK];
    int r = kern_matmul_shape(a->rank, a->dims, b->rank, b->dims, od);
    if (r < 0)
        return kern_fail(ctx, "shapes of A (rank %d) and B (rank %d) do not multiply", a->rank, b->rank);
    tensor *y = op_output(ctx, 0, DT_FLOAT, r, od);
    if (!y)
        return -1;
    kern_mm_batch v;
    kern_mm_batch_init(&v, a, b);
    int64_t m = v.m, k = v.k, n = v.n, total = v.total;
    float *yd = y->data;
    if (tensor_numel(y) == 0)
        return 0;
    if (k == 0) {
        memset(yd, 0, tensor_nbytes(y));
        return 0;
    }
    kern_set_threads(ctx->threads);
    const float *ad = a->data, *bd = b->data;
    if (!v.b_batched)   /* B shared by every batch: one product with the batches stacked as rows */
        return sgemm(ctx, false, false, total * m, n, k, 1.0f, ad, k, bd, n, 0.0f, yd, n);
    for (int64_t t = 0; t < total; t++) {
        int64_t oa, ob;
        kern_mm_batch_offsets(&v, t, &oa, &ob);
        if (sgemm(ctx, false, false, m, n, k, 1.0f, ad + oa, k, bd + ob, n, 0.0f, yd + t * m * n, n))
            return -1;
    }
    return 0;
}
