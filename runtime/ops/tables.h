/* tables.h — the ops tables the registry (op.c) concatenates; one per file family. */
#ifndef QRC_OPS_TABLES_H
#define QRC_OPS_TABLES_H

#include "op.h"

extern const op_def ops_nn[];      /* conv, gemm, matmul, pooling, normalization (table_nn.c) */
extern const int ops_nn_count;
extern const op_def ops_basic[];   /* elementwise, reductions, shape and data movement, control, quantization (table_basic.c) */
extern const int ops_basic_count;

extern const op_def ops_control[]; /* If and other ops that run subgraphs (table_control.c) */
extern const int ops_control_count;

#endif
