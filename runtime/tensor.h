/* tensor.h — dense tensors: dtype, shape, one buffer.
 *
 * Ownership: a tensor made by tensor_new owns its buffer (64-byte aligned) and is released with
 * tensor_free. A tensor made by tensor_view borrows its buffer; tensor_free then frees only the header.
 * dtype codes are ONNX's TensorProto.DataType values, so they cross the ONNX boundary unchanged. */
#ifndef QRC_TENSOR_H
#define QRC_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum { TENSOR_MAX_RANK = 8 };

typedef enum tensor_dtype {
    DT_UNDEFINED = 0,
    DT_FLOAT = 1,
    DT_UINT8 = 2,
    DT_INT8 = 3,
    DT_UINT16 = 4,
    DT_INT16 = 5,
    DT_INT32 = 6,
    DT_INT64 = 7,
    DT_STRING = 8,
    DT_BOOL = 9,
    DT_FLOAT16 = 10,
    DT_DOUBLE = 11,
    DT_UINT32 = 12,
    DT_UINT64 = 13,
    DT_BFLOAT16 = 16,
    DT_UINT4 = 21,
    DT_INT4 = 22,
    DT_COUNT_ = 23
} tensor_dtype;

typedef struct tensor {
    tensor_dtype dtype;
    int rank;
    int64_t dims[TENSOR_MAX_RANK];
    void *data;   /* NULL only when the tensor has zero elements */
    bool owned;   /* data is ours to free */
} tensor;

/* Size in bytes of one element (int4/uint4 are stored one per byte in memory); 0 for unknown/string. */
size_t tensor_dtype_size(tensor_dtype dt);
/* Lower-case ONNX name ("float", "int8", ...) or "undefined". */
const char *tensor_dtype_name(tensor_dtype dt);
/* Number of elements (1 for rank 0). */
int64_t tensor_numel(const tensor *t);
/* Number of bytes of the buffer. */
size_t tensor_nbytes(const tensor *t);

/* Allocates a zeroed tensor; fails (fills e) on a negative dim, rank > TENSOR_MAX_RANK, no memory for the data,
 * an unsupported dtype or a size over 16 GiB. */
tensor *tensor_new(tensor_dtype dt, int rank, const int64_t *dims, qrc_err *e);
/* A header over borrowed data; never NULL (the header follows base/mem.h's out-of-memory policy). */
tensor *tensor_view(tensor_dtype dt, int rank, const int64_t *dims, void *data);
/* Deep copy. */
tensor *tensor_clone(const tensor *t, qrc_err *e);
void tensor_free(tensor *t);

/* "float32[1,3,224,224]"-style description into buf; returns buf. */
const char *tensor_describe(const tensor *t, char *buf, size_t n);

#endif
