/* nn_ops.h — check / infer / run / release functions of the nn ops table (table_nn.c lists the rows).
 * Each family file (conv.c, conv_transpose.c, gemm.c, pool.c, norm.c, softmax.c, resize.c) defines its own. */
#ifndef QRC_OPS_NN_OPS_H
#define QRC_OPS_NN_OPS_H

#include <stdbool.h>

#include "op.h"
#include "ops/kern.h"

/* conv.c */
/* Shape facts of a convolution shared by check, infer and run (Conv, ConvInteger, QLinearConv). */
typedef struct kern_conv_geom {
    int64_t n, c, oc, group;
    kern_window w;
} kern_conv_geom;
/* Reads group, kernel_shape and the window attributes of node against input dims xd and weight dims wd
 * (rank entries each, -1 unknown); fails naming the node when they disagree. */
int kern_conv_geometry(const graph_node *node, int rank, const int64_t *xd, const int64_t *wd, kern_conv_geom *cg,
                       qrc_err *e);
int kern_check_conv(const graph *g, const graph_node *node, qrc_err *e);
/* Load-time shape checks of a convolution with data input xi and weight input wi: ranks 3 to 5 and equal,
 * window attributes well formed (sizes are checked by inference). */
int kern_check_conv_window(const graph *g, const graph_node *node, int xi, int wi, qrc_err *e);
int kern_infer_conv(const graph *g, const graph_node *node, qrc_err *e);
/* Sets output 0 of a convolution with data input xi and weight input wi to dtype dt and the shape the
 * window attributes give (unknown dims stay unknown). */
int kern_infer_conv_out(const graph *g, const graph_node *node, int xi, int wi, tensor_dtype dt, qrc_err *e);
int kern_run_conv(op_ctx *ctx);
void kern_release_conv(void *state);

/* conv_fuse.c: for plain inference runs, folds BatchNormalization into the producing Conv and merges
 * Conv + Relu / LeakyRelu / Clip (constant bounds) / Sigmoid / HardSigmoid / HardSwish / SiLU (Sigmoid
 * and Mul) into com.microsoft FusedConv nodes; the graph is reindexed. *fused (may be NULL) receives the number of merged Convs.
 * Values between merged nodes vanish, so observers (calibration) must run on the original graph. */
int kern_fuse_conv(graph *g, int *fused, qrc_err *e);
/* The live Mul node that with live Sigmoid node s computes SiLU of s's input x, Mul(x, Sigmoid(x)) in
 * either operand order, s's output read by that Mul alone and not a graph output; -1 when there is none.
 * Needs consumers (a reindexed graph). */
int kern_silu_mul(const graph *g, int s);

/* unit_fuse.c: for plain inference runs, rewrites each decomposed unit (pass_unit_match) that one op
 * computes exactly into that op: a LayerNorm over the last axis of an input of known shape into one
 * com.microsoft LayerNormalization (the standard op's inputs and attributes), a GELU into com.microsoft
 * Gelu or FastGelu, a HardSigmoid into HardSigmoid, a HardSwish into HardSwish at opset 14 and later, a
 * SiLU or Swish on a float input into com.microsoft QuickGelu (alpha 1 or beta); *fused (may be NULL)
 * receives how many units. Run it after kern_fuse_conv (constants folded, SiLUs after a Conv fused
 * into it). */
int kern_fuse_units(graph *g, int *fused, qrc_err *e);

/* depthwise.c: a 2-D convolution with one input channel per group, plain NCHW: c input channels, oc a
 * multiple of c (output channel o reads input channel o / (oc / c); a one-channel input with any oc is
 * the case c = 1). Every output is clamped to [lo, hi] (NaN passes through): -inf/+inf for none, 0/+inf
 * for Relu, the bounds for Clip. Any other activation is plane_act (NULL: none), called on each finished
 * output plane with act_arg while the plane is still in cache, on the thread that computed it. */
typedef struct kern_dw_args {
    const float *x, *w, *b;    /* b may be NULL */
    float *y;
    int64_t n, c, oc, ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
    float lo, hi;
    void (*plane_act)(float *y, int64_t n, const void *act_arg);
    const void *act_arg;
} kern_dw_args;
int kern_depthwise2d(op_ctx *ctx, const kern_dw_args *a);

/* conv_transpose.c */
int kern_check_convt(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_convt(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_convt(op_ctx *ctx);

/* gemm.c */
int kern_check_gemm(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_gemm(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_gemm(op_ctx *ctx);
/* Output shape of a MatMul of shapes a (rank ra) and b (rank rb), numpy rules; -1 dims stay unknown.
 * Returns the output rank, or -1 when the shapes do not fit. */
int kern_matmul_shape(int ra, const int64_t *a, int rb, const int64_t *b, int64_t *out);
/* A MatMul of tensors a and b viewed as `total` products [M, K] x [K, N] over broadcast batch dims. */
typedef struct kern_mm_batch {
    int64_t m, k, n, total;
    int nbatch;
    bool b_batched;                      /* B has batch dims (otherwise one B serves every batch) */
    int64_t bdims[TENSOR_MAX_RANK], sa[TENSOR_MAX_RANK], sb[TENSOR_MAX_RANK];
} kern_mm_batch;
void kern_mm_batch_init(kern_mm_batch *v, const tensor *a, const tensor *b);
/* Element offsets into a and b of product t (0 .. total-1). */
void kern_mm_batch_offsets(const kern_mm_batch *v, int64_t t, int64_t *oa, int64_t *ob);
int kern_check_matmul(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_matmul(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_matmul(op_ctx *ctx);

/* pool.c */
int kern_check_maxpool(const graph *g, const graph_node *node, qrc_err *e);
int kern_check_avgpool(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_pool(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_maxpool(op_ctx *ctx);
int kern_run_avgpool(op_ctx *ctx);
int kern_check_global_pool(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_global_pool(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_global_maxpool(op_ctx *ctx);
int kern_run_global_avgpool(op_ctx *ctx);

/* norm.c */
int kern_infer_same(const graph *g, const graph_node *node, qrc_err *e);
int kern_check_batchnorm(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_batchnorm(op_ctx *ctx);
int kern_check_instnorm(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_instnorm(op_ctx *ctx);
int kern_check_layernorm(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_layernorm(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_layernorm(op_ctx *ctx);

/* softmax.c */
int kern_check_softmax(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_softmax(op_ctx *ctx);
int kern_run_logsoftmax(op_ctx *ctx);

/* resize.c */
int kern_check_resize(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_resize(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_resize(op_ctx *ctx);

#endif
