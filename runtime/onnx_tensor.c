/* onnx_tensor.c — TensorProto <-> tensor: raw_data, typed arrays, external data, int4 packing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/checked.h"
#include "base/file.h"
#include "base/mem.h"
#include "onnx.h"
#include "onnx_internal.h"

static const char *tname(const Onnx__TensorProto *tp)
{
    return tp->name && *tp->name ? tp->name : "(unnamed)";
}

static bool is_int4(tensor_dtype dt)
{
    return dt == DT_INT4 || dt == DT_UINT4;
}

/* Unpacks two 4-bit values per byte (low nibble first) into one byte each. */
static void unpack_int4(int8_t *dst, const uint8_t *src, int64_t count, bool is_signed)
{
    for (int64_t i = 0; i < count; i++) {
        int v = (src[i / 2] >> (4 * (i & 1))) & 15;
        dst[i] = (int8_t)(is_signed && v >= 8 ? v - 16 : v);
    }
}

static bool safe_location(const char *loc)
{
    if (!loc || !*loc || loc[0] == '/')
        return false;
    for (const char *p = loc; *p;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return false;
        if (!slash)
            break;
        p = slash + 1;
    }
    return true;
}

/* Fills t's buffer from an external data file, checking location, offset and length. */
static int read_external(const Onnx__TensorProto *tp, const char *base_dir, tensor *t, size_t want, qrc_err *e)
{
    const char *loc = NULL;
    long long offset = 0, length = -1;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const Onnx__StringStringEntryProto *kv = tp->external_data[i];
        if (!kv->key || !kv->value)
            continue;
        char *end;
        if (!strcmp(kv->key, "location"))
            loc = kv->value;
        else if (!strcmp(kv->key, "offset") || !strcmp(kv->key, "length")) {
            errno = 0;
            long long v = strtoll(kv->value, &end, 10);
            if (errno || *end || end == kv->value || v < 0)
                return err_set(e, "tensor '%s': external data %s '%s' is not a non-negative integer", tname(tp),
                               kv->key, kv->value);
            *(!strcmp(kv->key, "offset") ? &offset : &length) = v;
        }
    }
    if (!loc)
        return err_set(e, "tensor '%s': external data without a location", tname(tp));
    if (!safe_location(loc))
        return err_set(e, "tensor '%s': external data location '%s' points outside the model's directory", tname(tp),
                       loc);
    if (!base_dir)
        return err_set(e, "tensor '%s': external data '%s' but the model was not loaded from a file", tname(tp), loc);
    if (length >= 0 && (unsigned long long)length != want)
        return err_set(e, "tensor '%s': external data length %lld does not match the shape (%zu bytes)", tname(tp),
                       length, want);
    size_t plen = strlen(base_dir) + strlen(loc) + 2;
    char *path = mem_alloc(plen);
    snprintf(path, plen, "%s/%s", base_dir, loc);
    FILE *f = file_open_regular(path, e);   /* a FIFO planted as the data file is refused, not waited on */
    if (!f) {
        err_wrap(e, "tensor '%s': external data", tname(tp));
        free(path);
        return -1;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
        rc = err_set(e, "tensor '%s': external data '%s' is not a regular file", tname(tp), path);
    else if ((unsigned long long)offset > (unsigned long long)st.st_size ||
             want > (unsigned long long)st.st_size - (unsigned long long)offset)
        rc = err_set(e, "tensor '%s': external data '%s' has %lld bytes, the tensor needs %zu at offset %lld",
                     tname(tp), path, (long long)st.st_size, want, offset);
    else if (fseeko(f, (off_t)offset, SEEK_SET) || (want && fread(t->data, 1, want, f) != want))
        rc = err_set(e, "tensor '%s': cannot read external data '%s'", tname(tp), path);
    fclose(f);
    free(path);
    return rc;
}

/* How many values of an element type the typed array that holds it has, and that array's name. */
static size_t typed_values(const Onnx__TensorProto *tp, tensor_dtype dt, int64_t numel, const char **name)
{
    size_t have;
    const char *field;
    switch (dt) {
    case DT_FLOAT:
        have = tp->n_float_data, field = "float_data";
        break;
    case DT_DOUBLE:
        have = tp->n_double_data, field = "double_data";
        break;
    case DT_INT64:
        have = tp->n_int64_data, field = "int64_data";
        break;
    case DT_UINT32:
    case DT_UINT64:
        have = tp->n_uint64_data, field = "uint64_data";
        break;
    case DT_INT4:
    case DT_UINT4:
        have = tp->n_int32_data * 2, field = "int32_data";
        if (have == (size_t)numel + 1)
            have = (size_t)numel;
        break;
    default:
        have = tp->n_int32_data, field = "int32_data";
        break;
    }
    *name = field;
    return have;
}

/* Copies `count` typed-array elements into t, converting to t's element type. */
static int from_typed(const Onnx__TensorProto *tp, tensor *t, int64_t numel, qrc_err *e)
{
    const char *field;
    size_t have = typed_values(tp, t->dtype, numel, &field);
    if (have != (size_t)numel)
        return err_set(e, "tensor '%s': %s holds %zu values, the shape needs %lld", tname(tp), field, have,
                       (long long)numel);
    for (int64_t i = 0; i < numel; i++) {
        switch (t->dtype) {
        case DT_FLOAT: ((float *)t->data)[i] = tp->float_data[i]; break;
        case DT_DOUBLE: ((double *)t->data)[i] = tp->double_data[i]; break;
        case DT_INT64: ((int64_t *)t->data)[i] = tp->int64_data[i]; break;
        case DT_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i]; break;
        case DT_UINT64: ((uint64_t *)t->data)[i] = tp->uint64_data[i]; break;
        case DT_INT32: ((int32_t *)t->data)[i] = tp->int32_data[i]; break;
        case DT_INT16: ((int16_t *)t->data)[i] = (int16_t)tp->int32_data[i]; break;
        case DT_UINT16:
        case DT_FLOAT16:
        case DT_BFLOAT16: ((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i]; break;
        case DT_INT8: ((int8_t *)t->data)[i] = (int8_t)tp->int32_data[i]; break;
        case DT_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i]; break;
        case DT_BOOL: ((uint8_t *)t->data)[i] = tp->int32_data[i] != 0; break;
        case DT_INT4:
        case DT_UINT4: {
            int v = (tp->int32_data[i / 2] >> (4 * (i & 1))) & 15;
            ((int8_t *)t->data)[i] = (int8_t)(t->dtype == DT_INT4 && v >= 8 ? v - 16 : v);
            break;
        }
        default: return err_set(e, "tensor '%s': element type %s has no typed-array form", tname(tp),
                                tensor_dtype_name(t->dtype));
        }
    }
    return 0;
}

int onnx_tensor_from_proto(const Onnx__TensorProto *tp, const char *base_dir, tensor **out, qrc_err *e)
{
    *out = NULL;
    if (!tp->has_data_type || tp->data_type <= 0 || tp->data_type >= DT_COUNT_ ||
        !tensor_dtype_size((tensor_dtype)tp->data_type))
        return err_set(e, "tensor '%s': unsupported element type %d", tname(tp), tp->has_data_type ? tp->data_type : 0);
    if (tp->segment)
        return err_set(e, "tensor '%s': segmented tensors are not supported", tname(tp));
    if (tp->n_dims > TENSOR_MAX_RANK)
        return err_set(e, "tensor '%s': rank %zu exceeds %d", tname(tp), tp->n_dims, TENSOR_MAX_RANK);
    int64_t dims[TENSOR_MAX_RANK];
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return err_set(e, "tensor '%s': dim %zu is negative (%lld)", tname(tp), i, (long long)tp->dims[i]);
        dims[i] = tp->dims[i];
    }
    tensor_dtype dt = (tensor_dtype)tp->data_type;
    qrc_err sub;
    /* The data in the file must cover the shape before the shape's buffer is allocated: a 100-byte model
     * may declare a 12 GB initializer. */
    int64_t count, bytes;
    if (!checked_numel((int)tp->n_dims, dims, &count) ||
        !checked_bytes(tensor_dtype_size(dt), (int)tp->n_dims, dims, &bytes))
        return err_set(e, "tensor '%s': %zu dims exceed 16 GiB", tname(tp), tp->n_dims);
    bool external = tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    size_t want_raw = is_int4(dt) ? (size_t)(count + 1) / 2 : (size_t)bytes;
    const char *field;
    size_t have = typed_values(tp, dt, count, &field);
    if (!external && tp->has_raw_data && tp->raw_data.len != want_raw) {
        tensor hdr = {.dtype = dt, .rank = (int)tp->n_dims};
        memcpy(hdr.dims, dims, tp->n_dims * sizeof *dims);
        return err_set(e, "tensor '%s': raw_data has %zu bytes, shape %s needs %zu", tname(tp), tp->raw_data.len,
                       tensor_describe(&hdr, sub.msg, sizeof sub.msg), want_raw);
    }
    if (!external && !tp->has_raw_data && have != (size_t)count)
        return err_set(e, "tensor '%s': %s holds %zu values, the shape needs %lld", tname(tp), field, have,
                       (long long)count);
    tensor *t = tensor_new(dt, (int)tp->n_dims, dims, &sub);
    if (!t)
        return err_set(e, "tensor '%s': %s", tname(tp), sub.msg);
    int64_t numel = tensor_numel(t);
    size_t want = is_int4(dt) ? (size_t)(numel + 1) / 2 : tensor_nbytes(t);
    int rc = 0;
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
        if (is_int4(dt)) {
            rc = err_set(e, "tensor '%s': external 4-bit data is not supported", tname(tp));
        } else {
            rc = read_external(tp, base_dir, t, want, e);
        }
    } else if (tp->has_raw_data) {
        if (tp->raw_data.len != want)
            rc = err_set(e, "tensor '%s': raw_data has %zu bytes, shape %s needs %zu", tname(tp), tp->raw_data.len,
                         tensor_describe(t, sub.msg, sizeof sub.msg), want);
        else if (is_int4(dt))
            unpack_int4(t->data, tp->raw_data.data, numel, dt == DT_INT4);
        else if (want)
            memcpy(t->data, tp->raw_data.data, want);
    } else {
        rc = from_typed(tp, t, numel, e);
    }
    if (rc) {
        tensor_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int onnx_tensor_to_proto(const tensor *t, const char *name, arena *a, Onnx__TensorProto *tp, qrc_err *e)
{
    Onnx__TensorProto init = ONNX__TENSOR_PROTO__INIT;
    *tp = init;
    if (!tensor_dtype_size(t->dtype))
        return err_set(e, "tensor '%s': cannot write element type %s", name ? name : "", tensor_dtype_name(t->dtype));
    tp->name = (char *)name;
    tp->has_data_type = 1;
    tp->data_type = (int32_t)t->dtype;
    tp->n_dims = (size_t)t->rank;
    tp->dims = t->rank ? arena_alloc(a, (size_t)t->rank * sizeof *tp->dims) : NULL;
    for (int i = 0; i < t->rank; i++)
        tp->dims[i] = t->dims[i];
    tp->has_raw_data = 1;
    int64_t numel = tensor_numel(t);
    if (is_int4(t->dtype)) {
        size_t n = (size_t)(numel + 1) / 2;
        uint8_t *p = arena_alloc(a, n ? n : 1);
        const int8_t *s = t->data;
        for (int64_t i = 0; i < numel; i++)
            p[i / 2] |= (uint8_t)((s[i] & 15) << (4 * (i & 1)));
        tp->raw_data.data = p;
        tp->raw_data.len = n;
    } else {
        tp->raw_data.data = t->data;
        tp->raw_data.len = tensor_nbytes(t);
    }
    return 0;
}

int onnx_tensor_decode(const void *buf, size_t n, tensor **out, char **name, qrc_err *e)
{
    *out = NULL;
    if (name)
        *name = NULL;
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, n, buf);
    if (!tp)
        return err_set(e, "not a valid serialized TensorProto (%zu bytes)", n);
    int rc = onnx_tensor_from_proto(tp, NULL, out, e);
    if (!rc && name) {
        *name = mem_strdup(tp->name ? tp->name : "");
    }
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return rc;
}

int onnx_tensor_read(const char *path, tensor **out, char **name, qrc_err *e)
{
    void *buf;
    size_t n;
    if (file_read(path, FILE_NO_LIMIT, &buf, &n, e))
        return -1;
    int rc = onnx_tensor_decode(buf, n, out, name, e);
    free(buf);
    return rc ? err_wrap(e, "%s", path) : 0;
}
