/* onnx_ops.h — the operator types of the standard ONNX domain, for checking op names in recipes. */
#ifndef QRC_ONNX_OPS_H
#define QRC_ONNX_OPS_H

#include <stdbool.h>
#include <stddef.h>

extern const char *const onnx_op_types[];
extern const size_t onnx_op_types_count;

/* True if name is a standard ONNX op type (exact, case-sensitive). */
bool onnx_op_known(const char *name);

#endif
