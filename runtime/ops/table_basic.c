/* table_basic.c — the basic ops: elementwise math and activations, broadcasting arithmetic, comparisons
 * and logic, reductions, shape and data-movement ops, casts and quantization. Opset differences within
 * one op (attributes that became inputs) are handled by the kernels; since_opset is the first version
 * whose semantics the row implements. */
#include "ops/basic.h"
#include "ops/tables.h"

#define ROW(OP, SINCE, CHECK, INFER, RUN) {"", OP, SINCE, kern_check_##CHECK, kern_infer_##INFER, kern_run_##RUN, NULL}
#define UNARY_ROW(OP, SINCE, CHECK, RUN) ROW(OP, SINCE, CHECK, unary, RUN)

const op_def ops_basic[] = {
    /* activations and elementwise math (elementwise.c) */
    UNARY_ROW("Relu", 1, unary_signed, relu),
    UNARY_ROW("LeakyRelu", 1, unary_alpha, leaky_relu),
    UNARY_ROW("Sigmoid", 1, unary_float, sigmoid),
    {"com.microsoft", "QuickGelu", 1, kern_check_unary_alpha, kern_infer_unary, kern_run_quick_gelu, NULL},
    UNARY_ROW("HardSigmoid", 1, unary_alpha_beta, hard_sigmoid),
    UNARY_ROW("HardSwish", 14, unary_float, hard_swish),
    UNARY_ROW("Tanh", 1, unary_float, tanh),
    UNARY_ROW("Erf", 9, unary_float, erf),
    UNARY_ROW("Gelu", 20, gelu, gelu),
    {"com.microsoft", "Gelu", 1, kern_check_gelu, kern_infer_unary, kern_run_gelu, NULL},
    {"com.microsoft", "FastGelu", 1, kern_check_fast_gelu, kern_infer_unary, kern_run_gelu_tanh, NULL},
    UNARY_ROW("Softplus", 1, unary_float, softplus),
    UNARY_ROW("Softsign", 1, unary_float, softsign),
    UNARY_ROW("Elu", 1, unary_alpha, elu),
    UNARY_ROW("Selu", 1, unary_alpha_gamma, selu),
    UNARY_ROW("Celu", 12, unary_alpha, celu),
    UNARY_ROW("ThresholdedRelu", 10, unary_alpha, thresholded_relu),
    UNARY_ROW("Shrink", 9, unary_shrink, shrink),
    UNARY_ROW("Sqrt", 1, unary_float, sqrt),
    UNARY_ROW("Exp", 1, unary_float, exp),
    UNARY_ROW("Log", 1, unary_float, log),
    UNARY_ROW("Neg", 1, unary_signed, neg),
    UNARY_ROW("Abs", 1, unary_numeric, abs),
    UNARY_ROW("Sign", 9, unary_numeric, sign),
    UNARY_ROW("Reciprocal", 1, unary_float, reciprocal),
    UNARY_ROW("Floor", 1, unary_float, floor),
    UNARY_ROW("Ceil", 1, unary_float, ceil),
    UNARY_ROW("Round", 11, unary_float, round),
    UNARY_ROW("Sin", 7, unary_float, sin),
    UNARY_ROW("Cos", 7, unary_float, cos),
    UNARY_ROW("Tan", 7, unary_float, tan),
    UNARY_ROW("Asin", 7, unary_float, asin),
    UNARY_ROW("Acos", 7, unary_float, acos),
    UNARY_ROW("Atan", 7, unary_float, atan),
    UNARY_ROW("Sinh", 9, unary_float, sinh),
    UNARY_ROW("Cosh", 9, unary_float, cosh),
    UNARY_ROW("Asinh", 9, unary_float, asinh),
    UNARY_ROW("Acosh", 9, unary_float, acosh),
    UNARY_ROW("Atanh", 9, unary_float, atanh),
    ROW("Clip", 6, clip, unary, clip),
    ROW("IsNaN", 9, isinf, to_bool, isinf),
    ROW("IsInf", 10, isinf, to_bool, isinf),

    /* broadcasting arithmetic, comparison and logic (binary.c) */
    ROW("Add", 1, arith, broadcast_same, add),
    ROW("Sub", 1, arith, broadcast_same, sub),
    ROW("Mul", 1, arith, broadcast_same, mul),
    ROW("Div", 1, arith, broadcast_same, div),
    ROW("Pow", 1, pow, broadcast_same, pow),
    ROW("Mod", 10, mod, broadcast_same, mod),
    ROW("PRelu", 1, prelu, broadcast_same, prelu),
    ROW("Max", 1, variadic, broadcast_same, max),
    ROW("Min", 1, variadic, broadcast_same, min),
    ROW("Sum", 1, variadic, broadcast_same, sum),
    ROW("Mean", 1, variadic, broadcast_same, mean),
    ROW("Equal", 1, compare, broadcast_bool, equal),
    ROW("Less", 1, compare, broadcast_bool, less),
    ROW("Greater", 1, compare, broadcast_bool, greater),
    ROW("LessOrEqual", 12, compare, broadcast_bool, less_equal),
    ROW("GreaterOrEqual", 12, compare, broadcast_bool, greater_equal),
    ROW("And", 1, logical, broadcast_bool, and),
    ROW("Or", 1, logical, broadcast_bool, or),
    ROW("Xor", 1, logical, broadcast_bool, xor),
    ROW("Not", 1, logical, unary, not),
    ROW("Where", 9, where, where, where),
    ROW("BitShift", 11, bitshift, broadcast_same, bitshift),

    /* reductions (reduce.c) */
    ROW("ReduceSum", 1, reduce, reduce, reduce),
    ROW("ReduceMean", 1, reduce, reduce, reduce),
    ROW("ReduceMax", 1, reduce, reduce, reduce),
    ROW("ReduceMin", 1, reduce, reduce, reduce),
    ROW("ReduceProd", 1, reduce, reduce, reduce),
    ROW("ReduceL1", 1, reduce, reduce, reduce),
    ROW("ReduceL2", 1, reduce, reduce, reduce),
    ROW("ReduceSumSquare", 1, reduce, reduce, reduce),
    ROW("ReduceLogSum", 1, reduce, reduce, reduce),
    ROW("ReduceLogSumExp", 1, reduce, reduce, reduce),
    ROW("ArgMax", 1, argminmax, argminmax, argmax),
    ROW("ArgMin", 1, argminmax, argminmax, argmin),

    /* ranking and scans (select.c) */
    ROW("TopK", 10, topk, topk, topk),
    ROW("Hardmax", 1, hardmax, unary, hardmax),
    ROW("CumSum", 11, cumsum, unary, cumsum),

    /* shapes and constants (shape_ops.c) */
    ROW("Reshape", 5, reshape, reshape, reshape),
    ROW("Flatten", 1, flatten, flatten, flatten),
    ROW("Squeeze", 1, squeeze, squeeze, squeeze),
    ROW("Unsqueeze", 1, squeeze, squeeze, squeeze),
    ROW("Identity", 1, identity, identity, identity),
    ROW("Dropout", 7, dropout, dropout, dropout),
    ROW("Shape", 1, shape, shape, shape),
    ROW("Size", 1, identity, size, size),
    ROW("ConstantOfShape", 9, constant_of_shape, constant_of_shape, constant_of_shape),
    ROW("Constant", 1, constant, constant, constant),
    ROW("Range", 11, range, range, range),

    /* data movement (data_movement.c) */
    ROW("Concat", 4, concat, concat, concat),
    ROW("Split", 2, split, split, split),
    ROW("Slice", 1, slice, slice, slice),
    ROW("Gather", 1, gather, gather, gather),
    ROW("GatherElements", 11, gather, gather_elements, gather_elements),
    ROW("Transpose", 1, transpose, transpose, transpose),
    ROW("Expand", 8, expand, expand, expand),
    ROW("Tile", 6, tile, tile, tile),
    ROW("Pad", 2, pad, pad, pad),

    /* index-driven reads and writes (scatter.c) */
    ROW("GatherND", 11, gather_nd, gather_nd, gather_nd),
    ROW("Scatter", 9, scatter_elements, identity, scatter_elements),
    ROW("ScatterElements", 11, scatter_elements, identity, scatter_elements),
    ROW("ScatterND", 11, scatter_nd, identity, scatter_nd),
    ROW("Compress", 9, compress, compress, compress),
    ROW("NonZero", 9, identity, non_zero, non_zero),

    /* placement by index formula (layout.c) */
    ROW("DepthToSpace", 1, depth_space, depth_space, depth_space),
    ROW("SpaceToDepth", 1, depth_space, depth_space, depth_space),
    ROW("Trilu", 14, trilu, identity, trilu),
    ROW("EyeLike", 9, eye_like, eye_like, eye_like),
    ROW("OneHot", 9, one_hot, one_hot, one_hot),

    /* casts and quantization (cast.c, quantize.c) */
    ROW("Cast", 6, cast, cast, cast),
    ROW("CastLike", 15, cast, cast, cast),
    ROW("QuantizeLinear", 10, qdq, qdq, quantize),
    ROW("DequantizeLinear", 10, qdq, qdq, dequantize),
    ROW("DynamicQuantizeLinear", 11, dynamic_quantize, dynamic_quantize, dynamic_quantize),
    {"com.microsoft", "QuantizeLinear", 1, kern_check_qdq, kern_infer_qdq, kern_run_quantize, NULL},
    {"com.microsoft", "DequantizeLinear", 1, kern_check_qdq, kern_infer_qdq, kern_run_dequantize, NULL},
};
const int ops_basic_count = (int)(sizeof ops_basic / sizeof *ops_basic);
