/* int_ops.h — the integer-arithmetic ops: ConvInteger, MatMulInteger (int32 results), QLinearConv,
 * QLinearMatMul, com.microsoft QLinearAdd and QLinearMul (quantized results), and the helpers they share
 * for zero points, scales and requantization.
 *
 * Operands are int8 or uint8. Each convolution or matrix-product kernel first widens its quantized operands to int32 with their zero points
 * subtracted (per tensor, or per channel, row or column), accumulates products exactly in 64 bits and keeps
 * the low 32 bits (ONNX's int32 accumulator, wrapping as the hardware would), then for the QLinear ops
 * rescales: y = saturate(round_half_even(acc * multiplier) + y_zero_point), the multiplier computed in float
 * as the ONNX reference does (x_scale * w_scale / y_scale) and the product in double.
 *
 * Ownership: the widened copies are allocated and freed by each run; outputs come from op_output. */
#ifndef QRC_OPS_INT_OPS_H
#define QRC_OPS_INT_OPS_H

#include <stdint.h>

#include "op.h"

/* Quantized operand types (int8, uint8), terminated by DT_UNDEFINED. */
extern const tensor_dtype kern_dt_q8[];

/* Element i of an int8, uint8 or int32 tensor (a one-element tensor gives its value for every i; NULL
 * gives 0). */
int32_t kern_qparam_int(const tensor *t, int64_t i);
/* Element i of a float tensor (one element: that value for every i). */
float kern_qparam_float(const tensor *t, int64_t i);
/* Checks a quantization parameter at run time: dtype one of `dts`, 1 or n elements, rank at most 1.
 * NULL passes (an omitted zero point). */
int kern_qparam_check(op_ctx *ctx, const tensor *t, int64_t n, const tensor_dtype *dts, const char *what);

/* Requires operand t to be int8 or uint8. */
int kern_q8_operand(op_ctx *ctx, const tensor *t, const char *what);
/* x (int8/uint8) widened to int32 minus its zero point zp, viewed as [outer, channels, inner] with zp
 * giving one value per channel (or one for all). Returns a malloc'd buffer, NULL with ctx->err filled. */
int32_t *kern_int_widen(op_ctx *ctx, const tensor *x, const tensor *zp, int64_t channels, int64_t inner);
/* Stores saturate(round_half_even(v) + zp) at element i of y (int8 or uint8); NaN stores zp. */
void kern_requant_store(tensor *y, int64_t i, double v, int32_t zp);

/* int_conv.c */
int kern_check_conv_integer(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_conv_integer(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_conv_integer(op_ctx *ctx);
int kern_check_qlinear_conv(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_qlinear_conv(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_qlinear_conv(op_ctx *ctx);

/* int_matmul.c */
int kern_check_matmul_integer(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_matmul_integer(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_matmul_integer(op_ctx *ctx);
int kern_check_qlinear_matmul(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_qlinear_matmul(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_qlinear_matmul(op_ctx *ctx);

/* int_binary.c: com.microsoft QLinearAdd and QLinearMul (one run function, by op type) */
int kern_check_qlinear_binary(const graph *g, const graph_node *node, qrc_err *e);
int kern_infer_qlinear_binary(const graph *g, const graph_node *node, qrc_err *e);
int kern_run_qlinear_binary(op_ctx *ctx);

#endif
