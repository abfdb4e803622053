/* onnx.h — ONNX model files to and from the graph IR (protobuf-c over onnx.proto).
 *
 * Loading accepts IR versions 3..10 and default-domain opsets 7..21. Initializers come from raw_data,
 * typed arrays or external data files (paths relative to the model's directory, never outside it).
 * The loaded graph keeps the original ModelProto (without graph contents) in graph.model_proto so that
 * saving writes back metadata, opset imports, doc strings, functions and unknown fields untouched.
 *
 * Ownership: onnx_load* return a graph the caller frees with graph_free. Tensors returned by
 * onnx_tensor_* belong to the caller (tensor_free). Saving never modifies the graph. */
#ifndef QRC_ONNX_H
#define QRC_ONNX_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "graph.h"
#include "tensor.h"

enum {
    ONNX_IR_MIN = 3,
    ONNX_IR_MAX = 10,
    ONNX_OPSET_MIN = 7,
    ONNX_OPSET_MAX = 21,
};

/* Loads the model at path into a reindexed graph (*out). Fails, naming the file and the offending
 * node/tensor, on anything malformed. */
int onnx_load(const char *path, graph **out, qrc_err *e);
/* Same from a buffer; base_dir resolves external data (NULL: external data is an error). */
int onnx_load_mem(const void *buf, size_t n, const char *base_dir, graph **out, qrc_err *e);

/* Writes g as an ONNX model to path atomically (temp file, then rename). The graph must be reindexed
 * (its order current). Tensors are written as raw_data. */
int onnx_save(const graph *g, const char *path, qrc_err *e);
/* Same into a malloc'd buffer (*buf, *n), freed by the caller. */
int onnx_save_mem(const graph *g, void **buf, size_t *n, qrc_err *e);

/* Decodes a serialized TensorProto (such as the backend tests' input_0.pb). If name is non-NULL it
 * receives a copy of the tensor's name (malloc'd, possibly ""), freed by the caller. */
int onnx_tensor_decode(const void *buf, size_t n, tensor **out, char **name, qrc_err *e);
/* Reads a serialized TensorProto file. */
int onnx_tensor_read(const char *path, tensor **out, char **name, qrc_err *e);

/* Module path from a scoped node name ("/layer1/layer1.0/conv1/Conv" -> "layer1.0.conv1"), allocated in
 * g's arena; NULL for unscoped names ("/Relu_3", "Conv_12"). */
char *onnx_module_from_name(graph *g, const char *node_name);
/* Module path of the first n bytes of a scope ("/layer2/layer2.0/down/down.0" -> "layer2.0.down.0":
 * segments joined by dots, a segment that extends the previous one with ".x" replacing it), allocated
 * in a; "" when there is no segment. */
char *onnx_module_from_scope(arena *a, const char *scope, size_t n);

#endif
