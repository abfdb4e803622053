#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/checked.h"
#include "base/mem.h"

static const struct {
    const char *name;
    size_t size;
} dtype_info[DT_COUNT_] = {
    [DT_UNDEFINED] = {"undefined", 0}, [DT_FLOAT] = {"float", 4},      [DT_UINT8] = {"uint8", 1},
    [DT_INT8] = {"int8", 1},           [DT_UINT16] = {"uint16", 2},    [DT_INT16] = {"int16", 2},
    [DT_INT32] = {"int32", 4},         [DT_INT64] = {"int64", 8},      [DT_STRING] = {"string", 0},
    [DT_BOOL] = {"bool", 1},           [DT_FLOAT16] = {"float16", 2},  [DT_DOUBLE] = {"double", 8},
    [DT_UINT32] = {"uint32", 4},       [DT_UINT64] = {"uint64", 8},    [DT_BFLOAT16] = {"bfloat16", 2},
    [DT_UINT4] = {"uint4", 1},         [DT_INT4] = {"int4", 1},
};

size_t tensor_dtype_size(tensor_dtype dt)
{
    return (unsigned)dt < DT_COUNT_ ? dtype_info[dt].size : 0;
}

const char *tensor_dtype_name(tensor_dtype dt)
{
    return (unsigned)dt < DT_COUNT_ && dtype_info[dt].name ? dtype_info[dt].name : "undefined";
}

int64_t tensor_numel(const tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

size_t tensor_nbytes(const tensor *t)
{
    return (size_t)tensor_numel(t) * tensor_dtype_size(t->dtype);
}

static int check_shape(tensor_dtype dt, int rank, const int64_t *dims, qrc_err *e)
{
    if (tensor_dtype_size(dt) == 0)
        return err_set(e, "unsupported tensor dtype %s (%d)", tensor_dtype_name(dt), (int)dt);
    if (rank < 0 || rank > TENSOR_MAX_RANK)
        return err_set(e, "tensor rank %d is outside 0..%d", rank, TENSOR_MAX_RANK);
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0)
            return err_set(e, "tensor dim %d is negative (%lld)", i, (long long)dims[i]);
    int64_t bytes;
    if (!checked_bytes(tensor_dtype_size(dt), rank, dims, &bytes))
        return err_set(e, "tensor of %d dims exceeds 16 GiB", rank);
    return 0;
}

tensor *tensor_new(tensor_dtype dt, int rank, const int64_t *dims, qrc_err *e)
{
    if (check_shape(dt, rank, dims, e))
        return NULL;
    tensor *t = mem_zalloc(1, sizeof *t);
    t->dtype = dt;
    t->rank = rank;
    if (rank)
        memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    size_t n = tensor_nbytes(t);
    if (n) {
        size_t padded = (n + 63) & ~(size_t)63;
        t->data = aligned_alloc(64, padded);
        if (!t->data) {
            free(t);
            err_set(e, "out of memory allocating %zu bytes", n);
            return NULL;
        }
        memset(t->data, 0, padded);
        t->owned = true;
    }
    return t;
}

tensor *tensor_view(tensor_dtype dt, int rank, const int64_t *dims, void *data)
{
    tensor *t = mem_zalloc(1, sizeof *t);
    t->dtype = dt;
    t->rank = rank;
    if (rank)
        memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
    t->data = data;
    return t;
}

tensor *tensor_clone(const tensor *t, qrc_err *e)
{
    tensor *c = tensor_new(t->dtype, t->rank, t->dims, e);
    if (c && tensor_nbytes(t))
        memcpy(c->data, t->data, tensor_nbytes(t));
    return c;
}

void tensor_free(tensor *t)
{
    if (!t)
        return;
    if (t->owned)
        free(t->data);
    free(t);
}

const char *tensor_describe(const tensor *t, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "%s[", tensor_dtype_name(t->dtype));
    for (int i = 0; i < t->rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ",%lld" : "%lld", (long long)t->dims[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}
