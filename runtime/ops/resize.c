/* resize.c — Resize (opsets 10 to 19) and Upsample (7, 9) on float tensors.
 *
 * Nearest, linear and cubic interpolation are separable, so an N-D resize runs as one 1-D pass per
 * axis whose size or coordinate mapping changes: [outer, in, inner] -> [outer, out, inner]. Each pass
 * first tabulates, per output index, up to four source indices and weights (or "extrapolate" for
 * tf_crop_and_resize), so the inner loop is a weighted sum over contiguous rows. */
#include "ops/nn_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"

enum { MODE_NEAREST, MODE_LINEAR, MODE_CUBIC };

typedef struct resize_attrs {
    int mode;
    const char *ctm;           /* coordinate_transformation_mode */
    const char *nearest;       /* nearest_mode */
    float cubic_a, extrapolation;
    bool exclude_outside;
    const char *policy;        /* keep_aspect_ratio_policy */
} resize_attrs;

static const char *const resize_attrs_known[] = {
    "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
    "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy", "scales", NULL};

static const char *const ctm_names[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                        "asymmetric", "tf_half_pixel_for_nearest", "tf_half_pixel_for_nn",
                                        "tf_crop_and_resize", NULL};
static const char *const nearest_names[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL};
static const char *const policy_names[] = {"stretch", "not_larger", "not_smaller", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

static bool is_upsample(const graph_node *n)
{
    return !strcmp(n->op_type, "Upsample");
}

/* Attributes with their defaults; old Resize (opset 10) and Upsample map coordinates asymmetrically.
 * Upsample picks the nearest pixel by flooring; opset-10 Resize floors along axes it enlarges and rounds
 * up along axes it shrinks (ONNX's own opset-10 tests and ONNX Runtime agree on this), "simple" here. */
static int read_attrs(const graph_node *n, int64_t opset, resize_attrs *a, qrc_err *e)
{
    const char *mode = graph_attr_string(n, "mode", "nearest");
    if (!strcmp(mode, "nearest"))
        a->mode = MODE_NEAREST;
    else if (!strcmp(mode, "linear") || !strcmp(mode, "bilinear"))
        a->mode = MODE_LINEAR;
    else if (!strcmp(mode, "cubic") && !is_upsample(n))
        a->mode = MODE_CUBIC;
    else
        return kern_node_err(e, n, "mode '%s' is not supported", mode);
    bool old = is_upsample(n) || (opset > 0 && opset < 11);
    a->ctm = old ? "asymmetric" : graph_attr_string(n, "coordinate_transformation_mode", "half_pixel");
    a->nearest = is_upsample(n) ? "floor" : old ? "simple" : graph_attr_string(n, "nearest_mode", "round_prefer_floor");
    a->cubic_a = graph_attr_float(n, "cubic_coeff_a", -0.75f);
    a->exclude_outside = graph_attr_int(n, "exclude_outside", 0) != 0;
    a->extrapolation = graph_attr_float(n, "extrapolation_value", 0.0f);
    a->policy = graph_attr_string(n, "keep_aspect_ratio_policy", "stretch");
    if (!in_list(a->ctm, ctm_names))
        return kern_node_err(e, n, "coordinate_transformation_mode '%s' is not supported", a->ctm);
    if (!old && !in_list(a->nearest, nearest_names))
        return kern_node_err(e, n, "nearest_mode '%s' is not supported", a->nearest);
    if (!in_list(a->policy, policy_names))
        return kern_node_err(e, n, "keep_aspect_ratio_policy '%s' is not supported", a->policy);
    if (graph_attr_int(n, "antialias", 0) != 0)
        return kern_node_err(e, n, "attribute antialias=1 is not supported");
    return 0;
}

/* Input positions of scales, sizes and roi for this node's opset (-1: not an input). */
static void input_slots(const graph_node *n, int64_t opset, int *roi, int *scales, int *sizes)
{
    *roi = *scales = *sizes = -1;
    if (is_upsample(n)) {
        *scales = opset >= 9 || n->n_in > 1 ? 1 : -1;
    } else if (opset > 0 && opset < 11) {
        *scales = 1;
    } else {
        *roi = 1;
        *scales = 2;
        *sizes = 3;
    }
}

int kern_check_resize(const graph *g, const graph_node *node, qrc_err *e)
{
    int64_t opset = graph_opset_version(g, "");
    if (kern_check_node(g, node, 1, 4, 1, resize_attrs_known, 1u, e))
        return -1;
    resize_attrs a;
    if (read_attrs(node, opset, &a, e))
        return -1;
    int roi, scales, sizes;
    input_slots(node, opset, &roi, &scales, &sizes);
    if (is_upsample(node) && scales < 0 && !graph_attr_find(node, "scales"))
        return kern_node_err(e, node, "scales are missing");
    return 0;
}

/* Reads the target sizes from scales or sizes. out[] and scale[] get one entry per input dim. */
typedef struct resize_plan {
    int rank;
    int64_t in[TENSOR_MAX_RANK], out[TENSOR_MAX_RANK];
    float scale[TENSOR_MAX_RANK], roi_lo[TENSOR_MAX_RANK], roi_hi[TENSOR_MAX_RANK];
} resize_plan;

/* Fills p from the input dims and constant-or-runtime tensors. Unknown inputs (NULL tensor where the
 * slot is present) leave out[] at -1 and return 1. */
static int plan_sizes(const graph_node *n, const resize_attrs *a, int rank, const int64_t *in, const tensor *scales,
                      const tensor *sizes, const tensor *roi, resize_plan *p, qrc_err *e)
{
    p->rank = rank;
    for (int i = 0; i < rank; i++) {
        p->in[i] = in[i];
        p->out[i] = -1;
        p->scale[i] = 1.0f;
        p->roi_lo[i] = 0.0f;
        p->roi_hi[i] = 1.0f;
    }
    const int64_t *axes_attr;
    int naxes = graph_attr_ints(n, "axes", &axes_attr);
    int axes[TENSOR_MAX_RANK];
    int na = naxes ? naxes : rank;
    if (na > rank)
        return kern_node_err(e, n, "axes lists %d axes for rank %d", na, rank);
    for (int i = 0; i < na; i++) {
        int64_t ax = naxes ? axes_attr[i] : i;
        if (ax < 0)
            ax += rank;
        if (ax < 0 || ax >= rank)
            return kern_node_err(e, n, "axis %lld is out of range", (long long)(naxes ? axes_attr[i] : i));
        axes[i] = (int)ax;
    }
    if (roi && tensor_numel(roi) > 0) {
        if (roi->dtype != DT_FLOAT || tensor_numel(roi) != 2 * na)
            return kern_node_err(e, n, "roi must hold %d float values", 2 * na);
        const float *r = roi->data;
        for (int i = 0; i < na; i++) {
            p->roi_lo[axes[i]] = r[i];
            p->roi_hi[axes[i]] = r[na + i];
        }
    }
    bool crop = !strcmp(a->ctm, "tf_crop_and_resize");
    if (sizes && tensor_numel(sizes) > 0) {
        if (sizes->dtype != DT_INT64 || tensor_numel(sizes) != na)
            return kern_node_err(e, n, "sizes must hold %d int64 values", na);
        const int64_t *s = sizes->data;
        for (int i = 0; i < rank; i++)
            p->out[i] = in[i];
        if (strcmp(a->policy, "stretch")) {
            double best = 0;
            bool larger = !strcmp(a->policy, "not_larger");
            for (int i = 0; i < na; i++) {
                double r = (double)s[i] / (double)in[axes[i]];
                if (i == 0 || (larger ? r < best : r > best))
                    best = r;
            }
            for (int i = 0; i < na; i++) {
                p->scale[axes[i]] = (float)best;
                p->out[axes[i]] = (int64_t)floor(best * (double)in[axes[i]] + 0.5);
            }
        } else {
            for (int i = 0; i < na; i++) {
                if (s[i] < 0)
                    return kern_node_err(e, n, "sizes[%d] = %lld is negative", i, (long long)s[i]);
                p->out[axes[i]] = s[i];
                p->scale[axes[i]] = in[axes[i]] ? (float)s[i] / (float)in[axes[i]] : 1.0f;
            }
        }
        return 0;
    }
    if (!scales)
        return 1;
    if (scales->dtype != DT_FLOAT || tensor_numel(scales) != na)
        return kern_node_err(e, n, "scales must hold %d float values (or sizes must be given)", na);
    const float *sc = scales->data;
    for (int i = 0; i < rank; i++)
        p->out[i] = in[i];
    for (int i = 0; i < na; i++) {
        if (!(sc[i] > 0))
            return kern_node_err(e, n, "scales[%d] = %g must be positive", i, (double)sc[i]);
        int ax = axes[i];
        p->scale[ax] = sc[i];
        double len = (double)in[ax] * (crop ? (double)(p->roi_hi[ax] - p->roi_lo[ax]) : 1.0);
        p->out[ax] = (int64_t)floor(len * (double)sc[i]);
    }
    return 0;
}

/* The tensor bound to input slot i: at run time the kernel input, at inference the initializer. */
static const tensor *slot_tensor(const graph *g, const graph_node *n, const op_ctx *ctx, int i)
{
    if (i < 0 || i >= n->n_in || n->in[i] < 0)
        return NULL;
    if (ctx)
        return ctx->in[i];
    return g->values[n->in[i]].init;
}

/* Scales from the Upsample-7 attribute as a temporary tensor. */
static tensor *attr_scales(const graph_node *n)
{
    const graph_attr *at = graph_attr_find(n, "scales");
    if (!at || at->kind != ATTR_FLOATS)
        return NULL;
    int64_t d = at->n;
    tensor *t = tensor_new(DT_FLOAT, 1, &d, NULL);
    if (t && at->n)
        memcpy(t->data, at->floats, (size_t)at->n * sizeof(float));
    return t;
}

int kern_infer_resize(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 1, e))
        return -1;
    graph_value *x = kern_in_value(g, node, 0);
    if (x->rank < 0) {
        kern_set_out(g, node, 0, DT_FLOAT, -1, NULL);
        return 0;
    }
    int64_t opset = graph_opset_version(g, "");
    resize_attrs a;
    if (read_attrs(node, opset, &a, e))
        return -1;
    int roi, scales, sizes;
    input_slots(node, opset, &roi, &scales, &sizes);
    tensor *as = scales < 0 ? attr_scales(node) : NULL;
    const tensor *st = as ? as : slot_tensor(g, node, NULL, scales);
    const tensor *zt = slot_tensor(g, node, NULL, sizes);
    bool known = (st && tensor_numel(st) > 0) || (zt && tensor_numel(zt) > 0);
    resize_plan p;
    int64_t od[TENSOR_MAX_RANK];
    int rc = 0;
    for (int i = 0; i < x->rank; i++)
        od[i] = -1;
    if (known) {
        rc = plan_sizes(node, &a, x->rank, x->dims, st, zt, slot_tensor(g, node, NULL, roi), &p, e);
        if (rc == 0)
            for (int i = 0; i < x->rank; i++)
                od[i] = x->dims[i] < 0 ? -1 : p.out[i];
        rc = rc < 0 ? -1 : 0;
    }
    tensor_free(as);
    if (!rc)
        kern_set_out(g, node, 0, DT_FLOAT, x->rank, od);
    return rc;
}

/* Source coordinate of output index o along one axis; lout is the resized length before rounding
 * (input length times scale), as the formulas use it. */
static double source_coord(const resize_attrs *a, int64_t o, int64_t lin, double lout, double s, double lo, double hi)
{
    const char *m = a->ctm;
    if (!strcmp(m, "half_pixel"))
        return (o + 0.5) / s - 0.5;
    if (!strcmp(m, "half_pixel_symmetric")) {
        double adj = lout / (s * (double)lin), center = (double)lin / 2.0;
        return center * (1.0 - adj) + (o + 0.5) / s - 0.5;
    }
    if (!strcmp(m, "pytorch_half_pixel"))
        return lout > 1 ? (o + 0.5) / s - 0.5 : 0.0;
    if (!strcmp(m, "align_corners"))
        return lout == 1 ? 0.0 : (double)o * (double)(lin - 1) / (lout - 1);
    if (!strcmp(m, "tf_half_pixel_for_nearest") || !strcmp(m, "tf_half_pixel_for_nn"))
        return (o + 0.5) / s;
    if (!strcmp(m, "tf_crop_and_resize"))
        return lout > 1 ? lo * (double)(lin - 1) + (double)o * (hi - lo) * (double)(lin - 1) / (lout - 1)
                        : 0.5 * (lo + hi) * (double)(lin - 1);
    return (double)o / s; /* asymmetric */
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double cubic_w(double t, double A)
{
    t = fabs(t);
    if (t <= 1)
        return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2)
        return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    return 0;
}

/* Per output index o: ntap[o] taps with source indices idx[4o..] and weights w[4o..]; ntap 0 means
 * the extrapolation value (tf_crop_and_resize outside the input). */
static void build_axis(const resize_attrs *a, int64_t lin, int64_t lout, double s, double lo, double hi, int *ntap,
                       int64_t *idx, float *w)
{
    bool crop = !strcmp(a->ctm, "tf_crop_and_resize");
    for (int64_t o = 0; o < lout; o++) {
        double x = source_coord(a, o, lin, (double)lin * s, s, lo, hi);
        int64_t *ix = idx + 4 * o;
        float *wx = w + 4 * o;
        if (crop && (x < 0 || x > (double)(lin - 1))) {
            ntap[o] = 0;
            continue;
        }
        if (a->mode == MODE_NEAREST) {
            double f = floor(x), r;
            if (!strcmp(a->nearest, "floor") || (!strcmp(a->nearest, "simple") && s >= 1))
                r = f;
            else if (!strcmp(a->nearest, "simple"))
                r = ceil(x);
            else if (!strcmp(a->nearest, "ceil"))
                r = ceil(x);
            else if (!strcmp(a->nearest, "round_prefer_ceil"))
                r = x - f >= 0.5 ? f + 1 : f;
            else
                r = x - f > 0.5 ? f + 1 : f;
            ntap[o] = 1;
            ix[0] = clampi((int64_t)r, 0, lin - 1);
            wx[0] = 1.0f;
        } else if (a->mode == MODE_LINEAR) {
            double xc = x < 0 ? 0 : x > (double)(lin - 1) ? (double)(lin - 1) : x;
            int64_t x0 = (int64_t)floor(xc);
            int64_t x1 = x0 + 1 < lin ? x0 + 1 : lin - 1;
            double t = xc - (double)x0;
            ntap[o] = 2;
            ix[0] = x0;
            ix[1] = x1;
            wx[0] = (float)(1.0 - t);
            wx[1] = (float)t;
        } else {
            int64_t x0 = (int64_t)floor(x);
            double t = x - (double)x0, sum = 0;
            double ws[4];
            for (int k = 0; k < 4; k++) {
                int64_t p = x0 - 1 + k;
                ws[k] = cubic_w(t - (k - 1), a->cubic_a);
                if (a->exclude_outside && (p < 0 || p >= lin))
                    ws[k] = 0;
                sum += ws[k];
                ix[k] = clampi(p, 0, lin - 1);
            }
            ntap[o] = 4;
            for (int k = 0; k < 4; k++)
                wx[k] = (float)(a->exclude_outside && sum != 0 ? ws[k] / sum : ws[k]);
        }
    }
}

KERN_VEC static void resize_axis(const float *restrict x, float *restrict y, int64_t outer, int64_t lin, int64_t lout,
                                 int64_t inner, const int *ntap, const int64_t *idx, const float *w, float extrap,
                                 int threads)
{
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t q = 0; q < outer; q++) {
        const float *xb = x + q * lin * inner;
        float *yb = y + q * lout * inner;
        for (int64_t o = 0; o < lout; o++) {
            float *yr = yb + o * inner;
            int nt = ntap[o];
            if (nt == 0) {
                for (int64_t j = 0; j < inner; j++)
                    yr[j] = extrap;
                continue;
            }
            const float *r0 = xb + idx[4 * o] * inner;
            float w0 = w[4 * o];
            for (int64_t j = 0; j < inner; j++)
                yr[j] = w0 * r0[j];
            for (int t = 1; t < nt; t++) {
                const float *rt = xb + idx[4 * o + t] * inner;
                float wt = w[4 * o + t];
                for (int64_t j = 0; j < inner; j++)
                    yr[j] += wt * rt[j];
            }
        }
    }
}

int kern_run_resize(op_ctx *ctx)
{
    const graph_node *n = ctx->node;
    const tensor *x = ctx->in[0];
    if (kern_want_float(ctx, x, "X", 1, TENSOR_MAX_RANK))
        return -1;
    int64_t opset = kern_opset(ctx);
    resize_attrs a;
    if (read_attrs(n, opset, &a, ctx->err))
        return -1;
    int roi, scales, sizes;
    input_slots(n, opset, &roi, &scales, &sizes);
    tensor *as = scales < 0 ? attr_scales(n) : NULL;
    const tensor *st = as ? as : (scales >= 0 && scales < ctx->n_in ? ctx->in[scales] : NULL);
    const tensor *zt = sizes >= 0 && sizes < ctx->n_in ? ctx->in[sizes] : NULL;
    const tensor *rt = roi >= 0 && roi < ctx->n_in ? ctx->in[roi] : NULL;
    resize_plan p;
    int rc = plan_sizes(n, &a, x->rank, x->dims, st, zt, rt, &p, ctx->err);
    tensor_free(as);
    if (rc > 0)
        return kern_fail(ctx, "neither scales nor sizes are given");
    if (rc < 0)
        return -1;
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, p.out);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    if (tensor_numel(x) == 0)
        return kern_fail(ctx, "cannot resize an empty input to a non-empty output");
    /* one pass per axis that changes; intermediate results ping-pong between two buffers */
    bool crop = !strcmp(a.ctm, "tf_crop_and_resize");
    int64_t cur[TENSOR_MAX_RANK];
    memcpy(cur, x->dims, sizeof(int64_t) * (size_t)x->rank);
    int last = -1;
    for (int i = 0; i < x->rank; i++)
        if (p.out[i] != x->dims[i] || p.scale[i] != 1.0f || crop)
            last = i;
    if (last < 0) {
        memcpy(y->data, x->data, tensor_nbytes(x));
        return 0;
    }
    int64_t maxel = tensor_numel(x) > tensor_numel(y) ? tensor_numel(x) : tensor_numel(y), maxlen = 1;
    for (int i = 0; i < x->rank; i++) {
        int64_t el = 1;
        for (int j = 0; j < x->rank; j++)
            el *= j <= i ? p.out[j] : x->dims[j];
        if (el > maxel)
            maxel = el;
        if (p.out[i] > maxlen)
            maxlen = p.out[i];
    }
    float *tmp[2] = {malloc((size_t)maxel * sizeof(float)), malloc((size_t)maxel * sizeof(float))};
    int *ntap = malloc((size_t)maxlen * sizeof *ntap);
    int64_t *idx = malloc((size_t)maxlen * 4 * sizeof *idx);
    float *w = malloc((size_t)maxlen * 4 * sizeof *w);
    rc = 0;
    if (!tmp[0] || !tmp[1] || !ntap || !idx || !w)
        rc = kern_fail(ctx, "out of memory");
    const float *src = x->data;
    int which = 0;
    for (int ax = 0; !rc && ax <= last; ax++) {
        if (!(p.out[ax] != x->dims[ax] || p.scale[ax] != 1.0f || crop))
            continue;
        int64_t outer = 1, inner = 1;
        for (int j = 0; j < ax; j++)
            outer *= cur[j];
        for (int j = ax + 1; j < x->rank; j++)
            inner *= cur[j];
        build_axis(&a, cur[ax], p.out[ax], p.scale[ax], p.roi_lo[ax], p.roi_hi[ax], ntap, idx, w);
        float *dst = ax == last ? (float *)y->data : tmp[which];
        resize_axis(src, dst, outer, cur[ax], p.out[ax], inner, ntap, idx, w, a.extrapolation,
                    ctx->threads > 0 ? ctx->threads : 1);
        cur[ax] = p.out[ax];
        src = dst;
        which ^= 1;
    }
    free(tmp[0]);
    free(tmp[1]);
    free(ntap);
    free(idx);
    free(w);
    return rc;
}
