/* conv_transpose.c — ConvTranspose as a matrix product and a scatter-add (col2im).
 *
 * Per image and group: cols[(M/g)*K, H*W] = W_g^T x X_g with oneDNN's sgemm, then each column entry is
 * added to the output position it reaches (input position * stride - pad + tap * dilation). 1-D to
 * 3-D; fewer than three spatial dims run as three with leading dims of size 1. */
#include "ops/nn_ops.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"

static const char *const convt_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                                          "output_shape", "pads", "strides", NULL};

typedef struct convt_geom {
    int nsp;
    int64_t n, c, m, group;                      /* m: output channels */
    int64_t in[3], out[3], k[3], s[3], d[3], pb[3], pe[3], op[3];
} convt_geom;

static int read_list(const graph_node *n, const char *name, int len, int64_t dflt, int64_t *v, qrc_err *e)
{
    const int64_t *a;
    int c = graph_attr_ints(n, name, &a);
    if (!c) {
        for (int i = 0; i < len; i++)
            v[i] = dflt;
        return 0;
    }
    if (c != len)
        return kern_node_err(e, n, "attribute %s has %d values; expected %d", name, c, len);
    memcpy(v, a, (size_t)len * sizeof *v);
    return 0;
}

/* xd: input dims, wd: weight dims (entries may be -1 at inference). */
static int convt_geometry(const graph_node *node, int rank, const int64_t *xd, const int64_t *wd, convt_geom *g,
                          qrc_err *e)
{
    memset(g, 0, sizeof *g);
    int nsp = rank - 2;
    if (nsp < 1 || nsp > 3)
        return kern_node_err(e, node, "input rank %d is not supported (3 to 5)", rank);
    g->nsp = nsp;
    g->n = xd[0];
    g->c = xd[1];
    g->group = graph_attr_int(node, "group", 1);
    if (g->group < 1)
        return kern_node_err(e, node, "group %lld must be positive", (long long)g->group);
    g->m = wd[1] < 0 ? -1 : wd[1] * g->group;
    if (g->c >= 0 && wd[0] >= 0 && g->c != wd[0])
        return kern_node_err(e, node, "input has %lld channels; weight has %lld", (long long)g->c, (long long)wd[0]);
    if (g->c >= 0 && g->c % g->group)
        return kern_node_err(e, node, "%lld input channels do not split into %lld groups", (long long)g->c,
                             (long long)g->group);
    int64_t pads[6], oshape[5];
    const int64_t *ks;
    int nk = graph_attr_ints(node, "kernel_shape", &ks);
    if (nk && nk != nsp)
        return kern_node_err(e, node, "kernel_shape has %d values; expected %d", nk, nsp);
    if (read_list(node, "strides", nsp, 1, g->s, e) || read_list(node, "dilations", nsp, 1, g->d, e) ||
        read_list(node, "pads", 2 * nsp, 0, pads, e) || read_list(node, "output_padding", nsp, 0, g->op, e))
        return -1;
    const int64_t *os;
    int nos = graph_attr_ints(node, "output_shape", &os);
    if (nos && nos != nsp && nos != rank)
        return kern_node_err(e, node, "output_shape has %d values; expected %d", nos, nsp);
    for (int i = 0; i < nsp; i++)
        oshape[i] = nos ? os[nos - nsp + i] : -1;
    const char *ap = graph_attr_string(node, "auto_pad", "NOTSET");
    bool same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER");
    if (!same && strcmp(ap, "NOTSET") && strcmp(ap, "VALID") && strcmp(ap, ""))
        return kern_node_err(e, node, "auto_pad '%s' is not supported", ap);
    for (int i = 0; i < nsp; i++) {
        g->k[i] = wd[2 + i] >= 0 ? wd[2 + i] : nk ? ks[i] : -1;
        g->in[i] = xd[2 + i];
        if (g->s[i] < 1 || g->d[i] < 1 || g->op[i] < 0)
            return kern_node_err(e, node, "strides and dilations must be positive, output_padding non-negative");
        g->pb[i] = !strcmp(ap, "VALID") ? 0 : pads[i];
        g->pe[i] = !strcmp(ap, "VALID") ? 0 : pads[nsp + i];
        if (g->in[i] < 0 || g->k[i] < 0) {
            g->out[i] = -1;
            continue;
        }
        int64_t full = (g->in[i] - 1) * g->s[i] + g->op[i] + (g->k[i] - 1) * g->d[i] + 1;
        int64_t target = oshape[i] >= 0 ? oshape[i] : same ? g->in[i] * g->s[i] : -1;
        if (target >= 0) {   /* a negative total pads the end: the output grows past the last tap */
            int64_t total = full - target;
            bool upper = !strcmp(ap, "SAME_UPPER");
            g->pb[i] = total < 0 ? 0 : upper ? total / 2 : total - total / 2;
            g->pe[i] = total - g->pb[i];
        }
        g->out[i] = full - g->pb[i] - g->pe[i];
        if (g->out[i] < 0)
            return kern_node_err(e, node, "output size %lld in spatial dim %d is negative", (long long)g->out[i], i);
    }
    return 0;
}

int kern_check_convt(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_check_node(g, node, 2, 3, 1, convt_attrs, 7u, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0), *w = kern_in_value(g, node, 1);
    int rank = x->rank >= 0 ? x->rank : w->rank;
    if (rank < 0)
        return 0;
    if (w->rank >= 0 && x->rank >= 0 && w->rank != x->rank)
        return kern_node_err(e, node, "weight '%s' has rank %d; input has rank %d", w->name, w->rank, x->rank);
    int64_t unknown[TENSOR_MAX_RANK] = {-1, -1, -1, -1, -1, -1, -1, -1};
    convt_geom cg;
    return convt_geometry(node, rank, unknown, unknown, &cg, e);
}

int kern_infer_convt(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 2, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0), *w = kern_in_value(g, node, 1);
    int rank = x->rank >= 0 ? x->rank : w->rank;
    if (rank < 0) {
        kern_set_out(g, node, 0, DT_FLOAT, -1, NULL);
        return 0;
    }
    int64_t xd[TENSOR_MAX_RANK], wd[TENSOR_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        xd[i] = x->rank == rank ? x->dims[i] : -1;
        wd[i] = w->rank == rank ? w->dims[i] : -1;
    }
    convt_geom cg;
    if (convt_geometry(node, rank, xd, wd, &cg, e))
        return -1;
    int64_t od[TENSOR_MAX_RANK] = {cg.n, cg.m};
    for (int i = 0; i < cg.nsp; i++)
        od[2 + i] = cg.out[i];
    kern_set_out(g, node, 0, DT_FLOAT, rank, od);
    return 0;
}

/* Adds the columns of one output channel (K taps x input positions) into its output plane. */
static void col2im(const convt_geom *g, const int64_t *in, const int64_t *out, const int64_t *k, const int64_t *s,
                   const int64_t *d, const int64_t *p, const float *col, float *y)
{
    int64_t isz = in[0] * in[1] * in[2];
    for (int64_t kz = 0; kz < k[0]; kz++)
        for (int64_t ky = 0; ky < k[1]; ky++)
            for (int64_t kx = 0; kx < k[2]; kx++) {
                const float *c = col + ((kz * k[1] + ky) * k[2] + kx) * isz;
                /* input x range whose output lands inside [0, out[2]) */
                int64_t off = kx * d[2] - p[2];
                int64_t x0 = off >= 0 ? 0 : (-off + s[2] - 1) / s[2];
                int64_t x1 = out[2] - 1 - off < 0 ? 0 : (out[2] - 1 - off) / s[2] + 1;
                if (x1 > in[2])
                    x1 = in[2];
                for (int64_t iz = 0; iz < in[0]; iz++) {
                    int64_t oz = iz * s[0] - p[0] + kz * d[0];
                    if (oz < 0 || oz >= out[0])
                        continue;
                    for (int64_t iy = 0; iy < in[1]; iy++) {
                        int64_t oy = iy * s[1] - p[1] + ky * d[1];
                        if (oy < 0 || oy >= out[1])
                            continue;
                        const float *cr = c + (iz * in[1] + iy) * in[2];
                        float *yr = y + (oz * out[1] + oy) * out[2] + off;
                        for (int64_t ix = x0; ix < x1; ix++)
                            yr[ix * s[2]] += cr[ix];
                    }
                }
            }
}

int kern_run_convt(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (kern_want_float(ctx, x, "X", 3, 5) || kern_want_float(ctx, w, "W", x->rank, x->rank))
        return -1;
    convt_geom g;
    if (convt_geometry(ctx->node, x->rank, x->dims, w->dims, &g, ctx->err))
        return -1;
    if (b && (kern_want_float(ctx, b, "B", 1, 1) || b->dims[0] != g.m))
        return b->dtype == DT_FLOAT ? kern_fail(ctx, "bias has %lld values; expected %lld", (long long)b->dims[0],
                                                (long long)g.m)
                                    : -1;
    int64_t od[TENSOR_MAX_RANK] = {g.n, g.m};
    for (int i = 0; i < g.nsp; i++)
        od[2 + i] = g.out[i];
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, od);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {0};
    int off = 3 - g.nsp;
    for (int i = 0; i < g.nsp; i++) {
        in[off + i] = g.in[i];
        out[off + i] = g.out[i];
        k[off + i] = g.k[i];
        s[off + i] = g.s[i];
        d[off + i] = g.d[i];
        p[off + i] = g.pb[i];
    }
    int64_t isz = in[0] * in[1] * in[2], osz = out[0] * out[1] * out[2], ksz = k[0] * k[1] * k[2];
    int64_t cg = g.c / g.group, mg = g.m / g.group;
    float *yd = y->data;
    const float *xd = x->data, *wd = w->data, *bd = b ? b->data : NULL;
    for (int64_t i = 0; i < g.n * g.m; i++) {
        float v = bd ? bd[i % g.m] : 0.0f;
        for (int64_t j = 0; j < osz; j++)
            yd[i * osz + j] = v;
    }
    if (isz == 0 || cg == 0)
        return 0;
    float *cols = malloc((size_t)(mg * ksz * isz) * sizeof *cols);
    if (!cols)
        return kern_fail(ctx, "out of memory");
    kern_set_threads(ctx->threads);
    int rc = 0;
    for (int64_t n = 0; n < g.n && !rc; n++)
        for (int64_t gr = 0; gr < g.group && !rc; gr++) {
            const float *xg = xd + (n * g.c + gr * cg) * isz, *wg = wd + gr * cg * mg * ksz;
            dnnl_status_t st = dnnl_sgemm('T', 'N', mg * ksz, isz, cg, 1.0f, wg, mg * ksz, xg, isz, 0.0f, cols, isz);
            if (st != dnnl_success) {
                rc = kern_fail(ctx, "sgemm failed (status %d)", (int)st);
                break;
            }
            float *yg = yd + (n * g.m + gr * mg) * osz;
#pragma omp parallel for num_threads(ctx->threads > 0 ? ctx->threads : 1) schedule(static)
            for (int64_t m = 0; m < mg; m++)
                col2im(&g, in, out, k, s, d, p, cols + m * ksz * isz, yg + m * osz);
        }
    free(cols);
    return rc;
}
