/* table_nn.c — the neural-network ops: convolution, matrix products, pooling, normalization,
 * softmax, resize. Kernels live in one file per family (see nn_ops.h). */
#include "ops/nn_ops.h"
#include "ops/tables.h"

const op_def ops_nn[] = {
    {"", "Conv", 1, kern_nn_conv_check, kern_nn_conv_infer, kern_nn_conv_run, kern_nn_conv_release},
    {"com.microsoft", "FusedConv", 1, kern_nn_conv_check, kern_nn_conv_infer, kern_nn_conv_run, kern_nn_conv_release},
    {"", "Gemm", 1, kern_nn_gemm_check, kern_nn_gemm_infer, kern_nn_gemm_run, NULL},
    {"", "MatMul", 1, kern_nn_matmul_check, kern_nn_matmul_infer, kern_nn_matmul_run, NULL},
    {"", "MaxPool", 1, kern_nn_maxpool_check, kern_nn_pool_infer, kern_nn_maxpool_run, NULL},
    {"", "AveragePool", 1, kern_nn_avgpool_check, kern_nn_pool_infer, kern_nn_avgpool_run, NULL},
    {"", "GlobalMaxPool", 1, kern_nn_global_pool_check, kern_nn_global_pool_infer, kern_nn_global_maxpool_run, NULL},
    {"", "GlobalAveragePool", 1, kern_nn_global_pool_check, kern_nn_global_pool_infer, kern_nn_global_avgpool_run,
     NULL},
    {"", "BatchNormalization", 1, kern_nn_batchnorm_check, kern_nn_same_infer, kern_nn_batchnorm_run, NULL},
    {"", "InstanceNormalization", 1, kern_nn_instnorm_check, kern_nn_same_infer, kern_nn_instnorm_run, NULL},
    {"", "LayerNormalization", 17, kern_nn_layernorm_check, kern_nn_layernorm_infer, kern_nn_layernorm_run, NULL},
    {"com.microsoft", "LayerNormalization", 1, kern_nn_layernorm_check, kern_nn_layernorm_infer,
     kern_nn_layernorm_run, NULL},
    {"", "ConvTranspose", 1, kern_nn_convt_check, kern_nn_convt_infer, kern_nn_convt_run, NULL},
    {"", "Resize", 10, kern_nn_resize_check, kern_nn_resize_infer, kern_nn_resize_run, NULL},
    {"", "Upsample", 7, kern_nn_resize_check, kern_nn_resize_infer, kern_nn_resize_run, NULL},
    {"", "Softmax", 1, kern_nn_softmax_check, kern_nn_same_infer, kern_nn_softmax_run, NULL},
    {"", "LogSoftmax", 1, kern_nn_softmax_check, kern_nn_same_infer, kern_nn_logsoftmax_run, NULL},
};
const int ops_nn_count = (int)(sizeof ops_nn / sizeof *ops_nn);
