/* broadcast.c — numpy broadcasting: shape rules for inference and collapsed-stride iteration for kernels. */
#include <string.h>

#include "ops/kern.h"

int kern_broadcast_shape(int ra, const int64_t *a, int rb, const int64_t *b, int *r, int64_t *out)
{
    int n = ra > rb ? ra : rb;
    if (n > TENSOR_MAX_RANK)
        return -1;
    for (int i = 0; i < n; i++) {
        int64_t x = i < n - ra ? 1 : a[i - (n - ra)];
        int64_t y = i < n - rb ? 1 : b[i - (n - rb)];
        if (x == 1)
            out[i] = y;
        else if (y == 1)
            out[i] = x;
        else if (x == y)
            out[i] = x;
        else if (x < 0 || y < 0)
            out[i] = x < 0 ? y : x; /* unknown meets known: must be that known value (or 1) */
        else
            return -1;
    }
    *r = n;
    return 0;
}

int kern_infer_broadcast(const graph *g, const graph_node *n, int first, int count, tensor_dtype dt, qrc_err *e)
{
    graph_value *x0 = kern_in_value(g, n, first);
    if (dt == DT_UNDEFINED && x0)
        dt = x0->dtype;
    int rank = 0;
    int64_t dims[TENSOR_MAX_RANK];
    for (int i = first; i < first + count; i++) {
        graph_value *x = kern_in_value(g, n, i);
        if (!x)
            continue;
        if (x->rank < 0)
            return kern_set_out(g, n, 0, dt, -1, NULL);
        int64_t tmp[TENSOR_MAX_RANK];
        int r;
        if (kern_broadcast_shape(rank, dims, x->rank, x->dims, &r, tmp))
            return kern_node_err(e, n, "input '%s' does not broadcast with the other inputs", x->name);
        rank = r;
        memcpy(dims, tmp, sizeof tmp);
    }
    return kern_set_out(g, n, 0, dt, rank, dims);
}

int kern_bcast_init(kern_bcast *b, int out_rank, const int64_t *out_dims, int n_in, const tensor *const *ins)
{
    memset(b, 0, sizeof *b);
    b->n_in = n_in;
    int64_t dims[TENSOR_MAX_RANK], st[KERN_BCAST_MAX_IN][TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < out_rank; d++) {
        if (out_dims[d] == 1)
            continue; /* size-1 output dims contribute nothing */
        dims[r] = out_dims[d];
        for (int k = 0; k < n_in; k++) {
            const tensor *t = ins[k];
            int td = d - (out_rank - t->rank);
            int64_t size = td >= 0 ? t->dims[td] : 1;
            if (size != out_dims[d] && size != 1)
                return -1;
            int64_t stride = 1;
            for (int j = td + 1 > 0 ? td + 1 : 0; j < t->rank; j++)
                stride *= t->dims[j];
            st[k][r] = size == 1 ? 0 : stride;
        }
        r++;
    }
    for (int k = 0; k < n_in; k++) {
        const tensor *t = ins[k];
        if (t->rank > out_rank)
            return -1;
    }
    if (r == 0) {
        dims[0] = 1;
        for (int k = 0; k < n_in; k++)
            st[k][0] = 0;
        r = 1;
    }
    /* merge dim d into d-1 when every input walks them as one contiguous (or broadcast) run */
    int m = 0;
    b->dims[0] = dims[0];
    for (int k = 0; k < n_in; k++)
        b->strides[k][0] = st[k][0];
    for (int d = 1; d < r; d++) {
        bool merge = true;
        for (int k = 0; k < n_in; k++)
            if (b->strides[k][m] != st[k][d] * dims[d])
                merge = false;
        if (merge) {
            b->dims[m] *= dims[d];
            for (int k = 0; k < n_in; k++)
                b->strides[k][m] = st[k][d];
        } else {
            m++;
            b->dims[m] = dims[d];
            for (int k = 0; k < n_in; k++)
                b->strides[k][m] = st[k][d];
        }
    }
    b->rank = m + 1;
    b->inner = b->dims[m];
    b->rows = 1;
    for (int d = 0; d < m; d++)
        b->rows *= b->dims[d];
    return 0;
}

void kern_bcast_row(const kern_bcast *b, int64_t row, int64_t *off)
{
    for (int k = 0; k < b->n_in; k++)
        off[k] = 0;
    for (int d = b->rank - 2; d >= 0; d--) {
        int64_t i = row % b->dims[d];
        row /= b->dims[d];
        for (int k = 0; k < b->n_in; k++)
            off[k] += i * b->strides[k][d];
    }
}

int kern_expand_into(op_ctx *ctx, const tensor *src, tensor *dst)
{
    kern_bcast b;
    const tensor *ins[1] = {src};
    if (kern_bcast_init(&b, dst->rank, dst->dims, 1, ins))
        return kern_fail(ctx, "cannot broadcast input to the output shape");
    size_t es = tensor_dtype_size(dst->dtype);
    if (tensor_numel(dst) == 0)
        return 0;
    const char *s = src->data;
    char *o = dst->data;
    int64_t inner = b.inner, sin = b.strides[0][b.rank - 1];
    for (int64_t row = 0; row < b.rows; row++) {
        int64_t off;
        kern_bcast_row(&b, row, &off);
        char *orow = o + (size_t)(row * inner) * es;
        if (sin) {
            memcpy(orow, s + (size_t)off * es, (size_t)inner * es);
        } else {
            const char *e = s + (size_t)off * es;
            switch (es) {
            case 1: memset(orow, *e, (size_t)inner); break;
            case 2: { uint16_t v; memcpy(&v, e, 2); for (int64_t i = 0; i < inner; i++) ((uint16_t *)orow)[i] = v; } break;
            case 4: { uint32_t v; memcpy(&v, e, 4); for (int64_t i = 0; i < inner; i++) ((uint32_t *)orow)[i] = v; } break;
            default: for (int64_t i = 0; i < inner; i++) memcpy(orow + (size_t)i * es, e, es); break;
            }
        }
    }
    return 0;
}
