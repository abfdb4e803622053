/* table_nn.c — the neural-network ops: convolution, matrix products (float and integer), pooling, normalization,
 * softmax, resize. Kernels live in one file per family (see nn_ops.h). */
#include "ops/int_ops.h"
#include "ops/nn_ops.h"
#include "ops/tables.h"

const op_def ops_nn[] = {
    {"", "Conv", 1, kern_check_conv, kern_infer_conv, kern_run_conv, kern_release_conv},
    {"com.microsoft", "FusedConv", 1, kern_check_conv, kern_infer_conv, kern_run_conv, kern_release_conv},
    {"", "Gemm", 1, kern_check_gemm, kern_infer_gemm, kern_run_gemm, NULL},
    {"", "MatMul", 1, kern_check_matmul, kern_infer_matmul, kern_run_matmul, NULL},
    {"", "MaxPool", 1, kern_check_maxpool, kern_infer_pool, kern_run_maxpool, NULL},
    {"", "AveragePool", 1, kern_check_avgpool, kern_infer_pool, kern_run_avgpool, NULL},
    {"", "GlobalMaxPool", 1, kern_check_global_pool, kern_infer_global_pool, kern_run_global_maxpool, NULL},
    {"", "GlobalAveragePool", 1, kern_check_global_pool, kern_infer_global_pool, kern_run_global_avgpool,
     NULL},
    {"", "BatchNormalization", 1, kern_check_batchnorm, kern_infer_same, kern_run_batchnorm, NULL},
    {"", "InstanceNormalization", 1, kern_check_instnorm, kern_infer_same, kern_run_instnorm, NULL},
    {"", "LayerNormalization", 17, kern_check_layernorm, kern_infer_layernorm, kern_run_layernorm, NULL},
    {"com.microsoft", "LayerNormalization", 1, kern_check_layernorm, kern_infer_layernorm,
     kern_run_layernorm, NULL},
    {"", "ConvTranspose", 1, kern_check_convt, kern_infer_convt, kern_run_convt, NULL},
    {"", "Resize", 10, kern_check_resize, kern_infer_resize, kern_run_resize, NULL},
    {"", "Upsample", 7, kern_check_resize, kern_infer_resize, kern_run_resize, NULL},
    {"", "ConvInteger", 10, kern_check_conv_integer, kern_infer_conv_integer, kern_run_conv_integer, NULL},
    {"", "QLinearConv", 10, kern_check_qlinear_conv, kern_infer_qlinear_conv, kern_run_qlinear_conv, NULL},
    {"", "MatMulInteger", 10, kern_check_matmul_integer, kern_infer_matmul_integer, kern_run_matmul_integer, NULL},
    {"", "QLinearMatMul", 10, kern_check_qlinear_matmul, kern_infer_qlinear_matmul, kern_run_qlinear_matmul,
     NULL},
    {"com.microsoft", "QLinearAdd", 1, kern_check_qlinear_binary, kern_infer_qlinear_binary,
     kern_run_qlinear_binary, NULL},
    {"com.microsoft", "QLinearMul", 1, kern_check_qlinear_binary, kern_infer_qlinear_binary,
     kern_run_qlinear_binary, NULL},
    {"", "Softmax", 1, kern_check_softmax, kern_infer_same, kern_run_softmax, NULL},
    {"", "LogSoftmax", 1, kern_check_softmax, kern_infer_same, kern_run_logsoftmax, NULL},
};
const int ops_nn_count = (int)(sizeof ops_nn / sizeof *ops_nn);
