/* conv.c — Conv on oneDNN.
 *
 * Activations stay plain NCHW (NCW, NCDHW) between ops. Pointwise convolutions (1x1, stride 1, no
 * padding, one group) run on plain layouts directly: they are a matrix product per image. Every other
 * convolution lets oneDNN pick its fastest layout ("any") and reorders the input in and the output
 * out, except 2-D convolutions with one input channel per group (depthwise ones, and a first layer on a
 * one-channel image, which a blocked layout would pad to 16 channels): they run directly on NCHW
 * (depthwise.c). Weights are reordered into oneDNN's layout once and cached in the node state when they are an
 * initializer; the compiled primitive is cached per input shape and thread count.
 *
 * com.microsoft FusedConv (a Conv followed by Relu, LeakyRelu, Clip, Sigmoid or HardSigmoid, as ONNX Runtime
 * defines it, or by HardSwish or QuickGelu, x sigmoid(alpha x), which with alpha 1 is SiLU) runs the same way with the activation
 * as a oneDNN post-op, in the pass that adds the bias on the pointwise path, and on each output plane
 * right after it is computed on the depthwise path; kern_fuse_conv (conv_fuse.c) makes them. */
#include "ops/nn_ops.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"
#include "ops/vmath.h"

typedef struct conv_state {
    int rank, threads;
    int64_t key[TENSOR_MAX_RANK];
    dnnl_primitive_t conv, src_reorder, dst_reorder, w_reorder;
    dnnl_memory_t src_user, src_mem, dst_user, dst_mem, w_user, w_mem, b_mem;
    const void *w_cached;      /* weight data the reordered copy was made from; NULL: none */
    bool pointwise;            /* plain-layout path: bias and activation are applied after the primitive */
    bool bias;                 /* the node has a bias (given to the primitive unless pointwise) */
} conv_state;

static void conv_state_clear(conv_state *s)
{
    dnnl_primitive_t prims[] = {s->conv, s->src_reorder, s->dst_reorder, s->w_reorder};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    dnnl_memory_t mems[] = {s->src_user, s->src_mem, s->dst_user, s->dst_mem, s->w_user, s->w_mem, s->b_mem};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    memset(s, 0, sizeof *s);
}

void kern_release_conv(void *state)
{
    if (!state)
        return;
    conv_state_clear(state);
    free(state);
}

static const dnnl_format_tag_t plain_tags[] = {dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde, dnnl_abcdef};

static const char *const conv_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", NULL};
static const char *const fused_attrs[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides",
                                          "activation", "activation_params", NULL};

/* The activation a com.microsoft FusedConv applies to its output (kind NONE for a plain Conv). */
typedef struct conv_act {
    enum { ACT_NONE, ACT_RELU, ACT_LEAKY, ACT_CLIP, ACT_SIGMOID, ACT_SWISH, ACT_HARD_SIGMOID, ACT_HARD_SWISH } kind;
    float a, b;
} conv_act;

static int read_act(const graph_node *node, conv_act *act, qrc_err *e)
{
    act->kind = ACT_NONE;
    act->a = 0.0f;
    act->b = 0.0f;
    if (strcmp(node->op_type, "FusedConv"))
        return 0;
    const char *name = graph_attr_string(node, "activation", "");
    const graph_attr *pa = graph_attr_find(node, "activation_params");
    int np = pa && pa->kind == ATTR_FLOATS ? pa->n : 0;
    if (!strcmp(name, "Relu"))
        act->kind = ACT_RELU;
    else if (!strcmp(name, "LeakyRelu")) {
        act->kind = ACT_LEAKY;
        act->a = np >= 1 ? pa->floats[0] : 0.01f;
    } else if (!strcmp(name, "Clip") && np == 2) {
        act->kind = ACT_CLIP;
        act->a = pa->floats[0];
        act->b = pa->floats[1];
    } else if (!strcmp(name, "Sigmoid") && np == 0)
        act->kind = ACT_SIGMOID;
    else if (!strcmp(name, "QuickGelu") && np <= 1) {
        act->kind = ACT_SWISH;
        act->a = np ? pa->floats[0] : 1.702f;   /* com.microsoft QuickGelu's default */
    } else if (!strcmp(name, "HardSigmoid") && np == 2) {
        act->kind = ACT_HARD_SIGMOID;
        act->a = pa->floats[0];
        act->b = pa->floats[1];
    } else if (!strcmp(name, "HardSwish") && np == 0)
        act->kind = ACT_HARD_SWISH;
    else if (name[0])
        return kern_node_err(e, node, "activation '%s' (%d params) is not supported", name, np);
    return 0;
}

/* One output plane of the pointwise path: y = act(y + bias), in one pass. */
KERN_VEC static void bias_act(float *restrict y, int64_t n, float bias, conv_act act)
{
    if (act.kind == ACT_RELU)
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + bias;
            y[i] = v > 0.0f ? v : 0.0f;
        }
    else if (act.kind == ACT_LEAKY)
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + bias;
            y[i] = v >= 0.0f ? v : v * act.a;
        }
    else if (act.kind == ACT_CLIP)
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] + bias;
            y[i] = v < act.a ? act.a : v > act.b ? act.b : v;
        }
    else if (act.kind == ACT_SIGMOID)
        kern_vsigmoid_row(y, y, n, bias);
    else if (act.kind == ACT_SWISH)
        kern_vswish_row(y, y, n, bias, act.a);
    else if (act.kind == ACT_HARD_SIGMOID)
        for (int64_t i = 0; i < n; i++)
            y[i] = kern_vhard_sigmoid(y[i] + bias, act.a, act.b);
    else if (act.kind == ACT_HARD_SWISH)
        for (int64_t i = 0; i < n; i++)
            y[i] = kern_vhard_swish(y[i] + bias);
    else
        for (int64_t i = 0; i < n; i++)
            y[i] += bias;
}

/* bias_act over every (image, channel) plane of y [n, c, plane...], on both cores when it is large. */
static void bias_act_planes(float *y, int64_t planes, int64_t c, int64_t plane, const float *b, conv_act act,
                            int threads)
{
    if (!b && act.kind == ACT_NONE)
        return;
    if (threads < 2 || planes * plane < (1 << 15)) {
        for (int64_t p = 0; p < planes; p++)
            bias_act(y + p * plane, plane, b ? b[p % c] : 0.0f, act);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t p = 0; p < planes; p++)
        bias_act(y + p * plane, plane, b ? b[p % c] : 0.0f, act);
}

/* The depthwise path's activations other than a clamp, applied to each plane as it is finished (a bias
 * of -0, which leaves every value as it is, -0 included). */
static void dw_plane_act(float *y, int64_t n, const void *arg)
{
    bias_act(y, n, -0.0f, *(const conv_act *)arg);
}

int kern_conv_geometry(const graph_node *node, int rank, const int64_t *xd, const int64_t *wd, kern_conv_geom *cg,
                         qrc_err *e)
{
    int nsp = rank - 2;
    if (nsp < 1 || nsp > KERN_MAX_SPATIAL)
        return kern_node_err(e, node, "input rank %d is not supported (3 to 5)", rank);
    cg->n = xd[0];
    cg->c = xd[1];
    cg->oc = wd[0];
    cg->group = graph_attr_int(node, "group", 1);
    if (cg->group < 1)
        return kern_node_err(e, node, "group %lld must be positive", (long long)cg->group);
    int64_t kernel[KERN_MAX_SPATIAL];
    const int64_t *ks;
    int nk = graph_attr_ints(node, "kernel_shape", &ks);
    if (nk && nk != nsp)
        return kern_node_err(e, node, "kernel_shape has %d values; expected %d", nk, nsp);
    for (int i = 0; i < nsp; i++) {
        kernel[i] = wd[2 + i];
        if (nk && kernel[i] >= 0 && ks[i] != kernel[i])
            return kern_node_err(e, node, "kernel_shape %lld disagrees with the weight's dim %lld", (long long)ks[i],
                                 (long long)kernel[i]);
        if (kernel[i] < 0)
            kernel[i] = nk ? ks[i] : 1;
    }
    if (cg->c >= 0 && wd[1] >= 0 && cg->c != wd[1] * cg->group)
        return kern_node_err(e, node, "input has %lld channels; weight expects %lld x group %lld", (long long)cg->c,
                             (long long)wd[1], (long long)cg->group);
    if (cg->oc >= 0 && cg->oc % cg->group)
        return kern_node_err(e, node, "%lld output channels do not split into %lld groups", (long long)cg->oc,
                             (long long)cg->group);
    return kern_window_read(node, nsp, kernel, xd + 2, false, &cg->w, e);
}

int kern_check_conv_window(const graph *g, const graph_node *node, int xi, int wi, qrc_err *e)
{
    graph_value *x = kern_in_value(g, node, xi), *w = kern_in_value(g, node, wi);
    if (x->rank >= 0 && (x->rank < 3 || x->rank > 5))
        return kern_node_err(e, node, "input '%s' has rank %d; 3 to 5 are supported", x->name, x->rank);
    if (w->rank >= 0 && x->rank >= 0 && w->rank != x->rank)
        return kern_node_err(e, node, "weight '%s' has rank %d; input has rank %d", w->name, w->rank, x->rank);
    int rank = x->rank >= 0 ? x->rank : w->rank;
    if (rank < 0)
        return 0;
    /* attribute values (auto_pad, list lengths) are checked here, shapes by infer */
    int64_t unknown[TENSOR_MAX_RANK] = {-1, -1, -1, -1, -1, -1, -1, -1};
    kern_conv_geom cg;
    return kern_conv_geometry(node, rank, unknown, unknown, &cg, e);
}

int kern_check_conv(const graph *g, const graph_node *node, qrc_err *e)
{
    bool fused = !strcmp(node->op_type, "FusedConv");
    if (kern_check_node(g, node, 2, 3, 1, fused ? fused_attrs : conv_attrs, 7u, e))
        return -1;
    conv_act act;
    if (read_act(node, &act, e))
        return -1;
    return kern_check_conv_window(g, node, 0, 1, e);
}

int kern_infer_conv_out(const graph *g, const graph_node *node, int xi, int wi, tensor_dtype dt, qrc_err *e)
{
    graph_value *x = kern_in_value(g, node, xi), *w = kern_in_value(g, node, wi);
    int rank = x->rank >= 0 ? x->rank : w->rank;
    if (rank < 0) {
        kern_set_out(g, node, 0, dt, -1, NULL);
        return 0;
    }
    int64_t xd[TENSOR_MAX_RANK], wd[TENSOR_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        xd[i] = x->rank == rank ? x->dims[i] : -1;
        wd[i] = w->rank == rank ? w->dims[i] : -1;
    }
    kern_conv_geom cg;
    if (kern_conv_geometry(node, rank, xd, wd, &cg, e))
        return -1;
    int64_t od[TENSOR_MAX_RANK] = {cg.n, cg.oc};
    for (int i = 0; i < rank - 2; i++)
        od[2 + i] = cg.w.out[i];
    kern_set_out(g, node, 0, dt, rank, od);
    return 0;
}

int kern_infer_conv(const graph *g, const graph_node *node, qrc_err *e)
{
    if (kern_infer_needs(node, 2, e))
        return -1;
    return kern_infer_conv_out(g, node, 0, 1, DT_FLOAT, e);
}

#define DN(call)                                                                                             \
    do {                                                                                                     \
        dnnl_status_t st_ = (call);                                                                          \
        if (st_ != dnnl_success) {                                                                           \
            kern_fail(ctx, "oneDNN call %s failed (status %d)", #call, (int)st_);                         \
            goto fail;                                                                                       \
        }                                                                                                    \
    } while (0)

/* A reorder primitive from md `from` to md `to`, or NULL when they are equal. */
static dnnl_status_t make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                  dnnl_primitive_t *out)
{
    *out = NULL;
    if (dnnl_memory_desc_equal(from, to))
        return dnnl_success;
    dnnl_engine_t eng = kern_dnnl_engine();
    dnnl_primitive_desc_t pd;
    dnnl_status_t st = dnnl_reorder_primitive_desc_create(&pd, from, eng, to, eng, NULL);
    if (st != dnnl_success)
        return st;
    st = dnnl_primitive_create(out, pd);
    dnnl_primitive_desc_destroy(pd);
    return st;
}

static int conv_build(op_ctx *ctx, conv_state *s, const tensor *x, const tensor *w, bool bias, const kern_conv_geom *cg,
                      const int64_t *od, conv_act act, int threads)
{
    dnnl_engine_t eng = kern_dnnl_engine();
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    int rank = x->rank, nsp = rank - 2;
    bool pointwise = cg->group == 1;
    for (int i = 0; i < nsp; i++)
        pointwise = pointwise && cg->w.k[i] == 1 && cg->w.s[i] == 1 && cg->w.pb[i] == 0 && cg->w.pe[i] == 0;
    dnnl_dims_t xdims, odims, wdims, bdims = {cg->oc}, strides, dil, pl, pr;
    for (int i = 0; i < rank; i++) {
        xdims[i] = x->dims[i];
        odims[i] = od[i];
    }
    int wrank = rank;
    if (cg->group > 1) {
        wrank = rank + 1;
        wdims[0] = cg->group;
        wdims[1] = cg->oc / cg->group;
        for (int i = 1; i < rank; i++)
            wdims[i + 1] = w->dims[i];
    } else {
        for (int i = 0; i < rank; i++)
            wdims[i] = w->dims[i];
    }
    for (int i = 0; i < nsp; i++) {
        strides[i] = cg->w.s[i];
        dil[i] = cg->w.d[i] - 1;
        pl[i] = cg->w.pb[i];
        pr[i] = cg->w.pe[i];
    }
    dnnl_memory_desc_t xu, ou, wu, bu, xa, oa, wa;
    dnnl_format_tag_t layout = pointwise ? plain_tags[rank - 1] : dnnl_format_tag_any;
    DN(dnnl_memory_desc_init_by_tag(&xu, rank, xdims, dnnl_f32, plain_tags[rank - 1]));
    DN(dnnl_memory_desc_init_by_tag(&ou, rank, odims, dnnl_f32, plain_tags[rank - 1]));
    DN(dnnl_memory_desc_init_by_tag(&wu, wrank, wdims, dnnl_f32, plain_tags[wrank - 1]));
    DN(dnnl_memory_desc_init_by_tag(&bu, 1, bdims, dnnl_f32, dnnl_a));
    DN(dnnl_memory_desc_init_by_tag(&xa, rank, xdims, dnnl_f32, layout));
    DN(dnnl_memory_desc_init_by_tag(&oa, rank, odims, dnnl_f32, layout));
    DN(dnnl_memory_desc_init_by_tag(&wa, wrank, wdims, dnnl_f32, dnnl_format_tag_any));
    dnnl_convolution_desc_t cd;
    /* the pointwise path adds the bias itself, in the pass that applies the activation */
    const bool prim_bias = bias && !pointwise;
    DN(dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference, dnnl_convolution_direct, &xa, &wa,
                                                  prim_bias ? &bu : NULL, &oa, strides, dil, pl, pr));
    s->pointwise = pointwise;
    s->bias = bias;
    if (act.kind != ACT_NONE && !pointwise) {
        /* the activation runs inside the convolution as a post-op (the plain-layout gemm path applies
           post-ops element by element, far slower than a separate pass: see kern_run_conv) */
        DN(dnnl_primitive_attr_create(&attr));
        DN(dnnl_post_ops_create(&po));
        if (act.kind == ACT_CLIP)
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, act.a, act.b));
        else if (act.kind == ACT_SIGMOID)
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_logistic, 0.0f, 0.0f));
        else if (act.kind == ACT_SWISH)
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_swish, act.a, 0.0f));
        else if (act.kind == ACT_HARD_SWISH)
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_hardswish, 0.0f, 0.0f));
        else if (act.kind == ACT_HARD_SIGMOID) {
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, act.a, act.b));
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, 0.0f, 1.0f));
        } else
            DN(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, act.kind == ACT_LEAKY ? act.a : 0.0f, 0.0f));
        DN(dnnl_primitive_attr_set_post_ops(attr, po));
    }
    DN(dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL));
    DN(dnnl_primitive_create(&s->conv, pd));
    const dnnl_memory_desc_t *xm = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *om = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    const dnnl_memory_desc_t *wm = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    DN(make_reorder(&xu, xm, &s->src_reorder));
    DN(make_reorder(om, &ou, &s->dst_reorder));
    DN(make_reorder(&wu, wm, &s->w_reorder));
    DN(dnnl_memory_create(&s->src_user, &xu, eng, DNNL_MEMORY_NONE));
    DN(dnnl_memory_create(&s->dst_user, &ou, eng, DNNL_MEMORY_NONE));
    DN(dnnl_memory_create(&s->w_user, &wu, eng, DNNL_MEMORY_NONE));
    if (prim_bias)
        DN(dnnl_memory_create(&s->b_mem, &bu, eng, DNNL_MEMORY_NONE));
    if (s->src_reorder)
        DN(dnnl_memory_create(&s->src_mem, xm, eng, DNNL_MEMORY_ALLOCATE));
    if (s->dst_reorder)
        DN(dnnl_memory_create(&s->dst_mem, om, eng, DNNL_MEMORY_ALLOCATE));
    if (s->w_reorder)
        DN(dnnl_memory_create(&s->w_mem, wm, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    s->rank = rank;
    s->threads = threads;
    memcpy(s->key, x->dims, sizeof s->key);
    return 0;
fail:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    conv_state_clear(s);
    return -1;
}

static int exec(op_ctx *ctx, dnnl_primitive_t p, int n, const dnnl_exec_arg_t *args)
{
    dnnl_status_t st = dnnl_primitive_execute(p, kern_dnnl_stream(), n, args);
    if (st == dnnl_success)
        st = dnnl_stream_wait(kern_dnnl_stream());
    return st == dnnl_success ? 0 : kern_fail(ctx, "oneDNN execution failed (status %d)", (int)st);
}

static bool weight_is_constant(const op_ctx *ctx)
{
    return ctx->graph && ctx->node->in[1] >= 0 && ctx->graph->values[ctx->node->in[1]].init;
}

int kern_run_conv(op_ctx *ctx)
{
    const tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (kern_want_float(ctx, x, "X", 3, 5) || kern_want_float(ctx, w, "W", x->rank, x->rank))
        return -1;
    kern_conv_geom cg;
    conv_act act;
    if (kern_conv_geometry(ctx->node, x->rank, x->dims, w->dims, &cg, ctx->err) || read_act(ctx->node, &act, ctx->err))
        return -1;
    if (b && (kern_want_float(ctx, b, "B", 1, 1) || b->dims[0] != cg.oc))
        return b->dtype == DT_FLOAT ? kern_fail(ctx, "bias has %lld values; expected %lld", (long long)b->dims[0],
                                                (long long)cg.oc)
                                    : -1;
    int64_t od[TENSOR_MAX_RANK] = {cg.n, cg.oc};
    for (int i = 0; i < x->rank - 2; i++)
        od[2 + i] = cg.w.out[i];
    tensor *y = op_output(ctx, 0, DT_FLOAT, x->rank, od);
    if (!y)
        return -1;
    if (tensor_numel(y) == 0)
        return 0;
    if (tensor_numel(x) == 0 || tensor_numel(w) == 0) {
        memset(y->data, 0, tensor_nbytes(y)); /* an empty reduction */
        return 0;
    }
    /* one input channel per group (depthwise, or a one-channel input): planes, no blocked layout */
    if (x->rank == 4 && cg.group == cg.c) {
        kern_dw_args d = {x->data, w->data, b ? b->data : NULL, y->data, cg.n, cg.c, cg.oc, x->dims[2], x->dims[3],
                             od[2], od[3], cg.w.k[0], cg.w.k[1], cg.w.s[0], cg.w.s[1], cg.w.d[0], cg.w.d[1],
                             cg.w.pb[0], cg.w.pb[1], -INFINITY, INFINITY, NULL, &act};
        if (act.kind == ACT_RELU)
            d.lo = 0.0f;
        else if (act.kind == ACT_CLIP) {
            d.lo = act.a;
            d.hi = act.b;
        } else if (act.kind != ACT_NONE)
            d.plane_act = dw_plane_act;
        return kern_depthwise2d(ctx, &d);
    }
    if (!kern_dnnl_engine() || !kern_dnnl_stream())
        return kern_fail(ctx, "oneDNN CPU engine is not available");

    conv_state tmp = {0}, *s = &tmp;
    if (ctx->state) {
        if (!*ctx->state && !(*ctx->state = calloc(1, sizeof(conv_state))))
            return kern_fail(ctx, "out of memory");
        s = *ctx->state;
    }
    const int threads = kern_work_threads(ctx, (double)tensor_numel(y) * (double)(tensor_numel(w) / cg.oc));
    kern_set_threads(threads);
    if (!s->conv || s->rank != x->rank || s->threads != threads || memcmp(s->key, x->dims, sizeof s->key) ||
        (b != NULL) != s->bias) {
        conv_state_clear(s);
        if (conv_build(ctx, s, x, w, b != NULL, &cg, od, act, threads))
            return -1;
    }
    int rc = -1;
    dnnl_memory_set_data_handle(s->src_user, x->data);
    dnnl_memory_set_data_handle(s->dst_user, y->data);
    dnnl_memory_set_data_handle(s->w_user, w->data);
    if (s->b_mem)
        dnnl_memory_set_data_handle(s->b_mem, b->data);
    if (s->w_reorder && (s->w_cached != w->data || !weight_is_constant(ctx))) {
        dnnl_exec_arg_t a[] = {{DNNL_ARG_FROM, s->w_user}, {DNNL_ARG_TO, s->w_mem}};
        if (exec(ctx, s->w_reorder, 2, a))
            goto done;
        s->w_cached = w->data;
    }
    if (s->src_reorder) {
        dnnl_exec_arg_t a[] = {{DNNL_ARG_FROM, s->src_user}, {DNNL_ARG_TO, s->src_mem}};
        if (exec(ctx, s->src_reorder, 2, a))
            goto done;
    }
    dnnl_exec_arg_t a[] = {{DNNL_ARG_SRC, s->src_reorder ? s->src_mem : s->src_user},
                           {DNNL_ARG_WEIGHTS, s->w_reorder ? s->w_mem : s->w_user},
                           {DNNL_ARG_DST, s->dst_reorder ? s->dst_mem : s->dst_user},
                           {DNNL_ARG_BIAS, s->b_mem}};
    if (exec(ctx, s->conv, s->b_mem ? 4 : 3, a))
        goto done;
    if (s->dst_reorder) {
        dnnl_exec_arg_t r[] = {{DNNL_ARG_FROM, s->dst_mem}, {DNNL_ARG_TO, s->dst_user}};
        if (exec(ctx, s->dst_reorder, 2, r))
            goto done;
    }
    if (s->pointwise)
        bias_act_planes(y->data, cg.n * cg.oc, cg.oc, tensor_numel(y) / (cg.n * cg.oc), b ? b->data : NULL, act,
                        threads);
    rc = 0;
done:
    if (s == &tmp)
        conv_state_clear(s);
    return rc;
}
