/* onnx_internal.h — helpers shared by the ONNX reader and writer; not part of the public API. */
#ifndef QRC_ONNX_INTERNAL_H
#define QRC_ONNX_INTERNAL_H

#include "base/arena.h"
#include "base/err.h"
#include "onnx.pb-c.h"
#include "tensor.h"

/* Converts a TensorProto (any data form) into a new tensor; base_dir resolves external data. */
int onnx_tensor_from_proto(const Onnx__TensorProto *tp, const char *base_dir, tensor **out, qrc_err *e);
/* Fills *tp (zero-initialised here) to describe t as raw_data; borrows t's buffer and name, allocates
 * the rest from a. The result must not be freed with free_unpacked. */
int onnx_tensor_to_proto(const tensor *t, const char *name, arena *a, Onnx__TensorProto *tp, qrc_err *e);

#endif
