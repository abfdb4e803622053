/* npy.h — NumPy .npy files: whole-file read and write, and a streaming reader of row batches.
 *
 * Supported: format versions 1.0, 2.0 and 3.0 headers; little-endian (or byte-order-free) float32,
 * float64, int64, int32, uint8, int8 and bool; C order only (fortran_order True is an error).
 * Files are written as version 1.0 (2.0 when the header would not fit), atomically (temp + rename).
 *
 * Ownership: npy_read returns a tensor the caller frees with tensor_free. A reader is closed with
 * npy_close; tensors it returns belong to the caller. */
#ifndef QRC_NPY_H
#define QRC_NPY_H

#include <stdint.h>

#include "base/err.h"
#include "tensor.h"

/* Reads the whole array at path. */
int npy_read(const char *path, tensor **out, qrc_err *e);
/* Writes t to path (dtype must be one of the supported ones). */
int npy_write(const char *path, const tensor *t, qrc_err *e);

/* Parses a .npy header held in buf (at least the first n bytes of a file): fills dtype, rank, dims
 * and the byte offset of the data. Exposed for tests and for callers holding files in memory. */
int npy_parse_header(const void *buf, size_t n, tensor_dtype *dtype, int *rank, int64_t *dims, size_t *data_offset,
                     qrc_err *e);

typedef struct npy_reader {
    tensor_dtype dtype;
    int rank;                        /* >= 1 for row access */
    int64_t dims[TENSOR_MAX_RANK];   /* dims[0] is the number of rows */
    int64_t next_row;                /* first row the next npy_read_rows returns */
    /* private */
    void *file;
    char *path;
    size_t data_offset, row_bytes;
} npy_reader;

/* Opens path and checks its header and size; no data is read yet. */
int npy_open(const char *path, npy_reader **out, qrc_err *e);
/* Reads up to max_rows rows starting at r->next_row into a new tensor [k, dims[1..]] (*out), k >= 1,
 * and advances; at the end of the file *out is NULL and the call returns 0. */
int npy_read_rows(npy_reader *r, int64_t max_rows, tensor **out, qrc_err *e);
/* Moves to row (0 .. dims[0]). */
int npy_seek(npy_reader *r, int64_t row, qrc_err *e);
void npy_close(npy_reader *r);

#endif
