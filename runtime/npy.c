/* npy.c — .npy header parsing, whole-array read/write and the streaming row reader. */
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/mem.h"
#include "onnx.h"

static const struct {
    const char *descr; /* without the byte-order character */
    tensor_dtype dt;
} npy_types[] = {
    {"f4", DT_FLOAT}, {"f8", DT_DOUBLE}, {"i8", DT_INT64}, {"i4", DT_INT32},
    {"u1", DT_UINT8}, {"i1", DT_INT8},   {"b1", DT_BOOL},
};

static const char *descr_of(tensor_dtype dt)
{
    for (size_t i = 0; i < sizeof npy_types / sizeof *npy_types; i++)
        if (npy_types[i].dt == dt)
            return npy_types[i].descr;
    return NULL;
}

/* Finds the value that follows 'key': in the header dict; NULL if absent. */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

int npy_parse_header(const void *buf, size_t n, tensor_dtype *dtype, int *rank, int64_t *dims, size_t *data_offset,
                     qrc_err *e)
{
    const unsigned char *b = buf;
    if (n < 10 || memcmp(b, "\x93NUMPY", 6))
        return err_set(e, "not a .npy file (bad magic)");
    int major = b[6];
    size_t hlen, start;
    if (major == 1) {
        hlen = (size_t)b[8] | (size_t)b[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (n < 12)
            return err_set(e, "bad .npy header: truncated");
        hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        start = 12;
    } else {
        return err_set(e, "bad .npy header: unsupported format version %d.%d", major, b[7]);
    }
    if (hlen > n - start)
        return err_set(e, "bad .npy header: header length %zu runs past the end of the file", hlen);
    char *h = malloc(hlen + 1);
    if (!h)
        return err_set(e, "out of memory for a %zu-byte .npy header", hlen);
    memcpy(h, b + start, hlen);
    h[hlen] = 0;
    int rc = 0;
    const char *d = dict_value(h, "descr"), *f = dict_value(h, "fortran_order"), *s = dict_value(h, "shape");
    if (strlen(h) != hlen || !d || !f || !s) {
        rc = err_set(e, "bad .npy header: expected a dict with 'descr', 'fortran_order' and 'shape'");
        goto done;
    }
    /* descr: '<f4', '|u1', ... */
    if (*d != '\'' || !d[1] || !strchr("<|=>", d[1])) {
        rc = err_set(e, "bad .npy header: unreadable descr");
        goto done;
    }
    const char *close = strchr(d + 1, '\'');
    if (!close) {
        rc = err_set(e, "bad .npy header: unterminated descr");
        goto done;
    }
    char descr[16] = {0};
    size_t dl = (size_t)(close - d - 2);
    if (dl >= sizeof descr) {
        rc = err_set(e, "bad .npy header: unsupported dtype descr");
        goto done;
    }
    memcpy(descr, d + 2, dl);
    if (d[1] == '>' && strcmp(descr, "u1") && strcmp(descr, "i1") && strcmp(descr, "b1")) {
        rc = err_set(e, "unsupported .npy dtype '>%s': big-endian data", descr);
        goto done;
    }
    *dtype = DT_UNDEFINED;
    for (size_t i = 0; i < sizeof npy_types / sizeof *npy_types; i++)
        if (!strcmp(descr, npy_types[i].descr))
            *dtype = npy_types[i].dt;
    if (*dtype == DT_UNDEFINED) {
        rc = err_set(e, "unsupported .npy dtype '%c%s' (float32, float64, int64, int32, uint8, int8, bool are)", d[1],
                     descr);
        goto done;
    }
    if (!strncmp(f, "True", 4)) {
        rc = err_set(e, "unsupported .npy layout: fortran_order is True (save a C-contiguous array)");
        goto done;
    }
    if (strncmp(f, "False", 5)) {
        rc = err_set(e, "bad .npy header: fortran_order is neither True nor False");
        goto done;
    }
    if (*s != '(') {
        rc = err_set(e, "bad .npy header: shape is not a tuple");
        goto done;
    }
    *rank = 0;
    const char *p = s + 1;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ')')
            break;
        if (!isdigit((unsigned char)*p)) {
            rc = err_set(e, "bad .npy header: shape entry is not a non-negative integer");
            goto done;
        }
        if (*rank == TENSOR_MAX_RANK) {
            rc = err_set(e, "unsupported .npy shape: rank above %d", TENSOR_MAX_RANK);
            goto done;
        }
        errno = 0;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (errno || v > ((int64_t)1 << 40)) {
            rc = err_set(e, "bad .npy header: shape entry %d is implausibly large", *rank);
            goto done;
        }
        dims[(*rank)++] = v;
        p = end;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',')
            p++;
        else if (*p != ')') {
            rc = err_set(e, "bad .npy header: malformed shape tuple");
            goto done;
        }
    }
    *data_offset = start + hlen;
done:
    free(h);
    return rc;
}

static int expect_size(const char *path, tensor_dtype dt, int rank, const int64_t *dims, size_t data_offset,
                       unsigned long long file_size, qrc_err *e)
{
    unsigned long long need = tensor_dtype_size(dt);
    for (int i = 0; i < rank; i++) {
        if (dims[i] && need > (1ull << 62) / (unsigned long long)dims[i])
            return err_set(e, "%s: shape too large", path);
        need *= (unsigned long long)dims[i];
    }
    unsigned long long have = file_size - data_offset;
    if (have != need) {
        char shape[160];
        int k = snprintf(shape, sizeof shape, "(");
        for (int i = 0; i < rank && k < (int)sizeof shape - 24; i++)
            k += snprintf(shape + k, sizeof shape - (size_t)k, "%s%lld", i ? ", " : "", (long long)dims[i]);
        snprintf(shape + k, sizeof shape - (size_t)k, ")");
        return err_set(e, "%s: file has %llu data bytes but shape %s of %s needs %llu", path, have, shape,
                       tensor_dtype_name(dt), need);
    }
    return 0;
}

/* Reads the header of an open file into r's fields. */
static int read_header(FILE *f, const char *path, tensor_dtype *dt, int *rank, int64_t *dims, size_t *off,
                       qrc_err *e)
{
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
        return err_set(e, "%s: not a regular file", path);
    unsigned char head[12];
    size_t got = fread(head, 1, sizeof head, f);
    if (got < 10 || memcmp(head, "\x93NUMPY", 6))
        return err_set(e, "%s: not a .npy file (bad magic)", path);
    size_t hlen = head[6] == 1 ? ((size_t)head[8] | (size_t)head[9] << 8) + 10
                               : ((size_t)head[8] | (size_t)head[9] << 8 | (size_t)head[10] << 16 |
                                  (size_t)head[11] << 24) + 12;
    if (hlen > (size_t)st.st_size || hlen > (64u << 20))
        hlen = (size_t)st.st_size < (64u << 20) ? (size_t)st.st_size : (64u << 20);
    unsigned char *buf = malloc(hlen ? hlen : 1);
    if (!buf)
        return err_set(e, "out of memory for a %zu-byte .npy header", hlen);
    rewind(f);
    size_t n = fread(buf, 1, hlen, f);
    int rc = npy_parse_header(buf, n, dt, rank, dims, off, e);
    free(buf);
    if (rc)
        return err_wrap(e, "%s", path);
    return expect_size(path, *dt, *rank, dims, *off, (unsigned long long)st.st_size, e);
}

int npy_read(const char *path, tensor **out, qrc_err *e)
{
    *out = NULL;
    FILE *f = file_open_regular(path, e);
    if (!f)
        return -1;
    tensor_dtype dt;
    int rank;
    int64_t dims[TENSOR_MAX_RANK];
    size_t off;
    if (read_header(f, path, &dt, &rank, dims, &off, e)) {
        fclose(f);
        return -1;
    }
    qrc_err sub;
    tensor *t = tensor_new(dt, rank, dims, &sub);
    if (!t) {
        fclose(f);
        return err_set(e, "%s: %s", path, sub.msg);
    }
    size_t nb = tensor_nbytes(t);
    if (fseeko(f, (off_t)off, SEEK_SET) || (nb && fread(t->data, 1, nb, f) != nb)) {
        fclose(f);
        tensor_free(t);
        return err_set(e, "%s: read error", path);
    }
    fclose(f);
    if (dt == DT_BOOL) /* normalise stray bytes so bool data is 0/1 */
        for (size_t i = 0; i < nb; i++)
            ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
    *out = t;
    return 0;
}

int npy_write(const char *path, const tensor *t, qrc_err *e)
{
    const char *descr = descr_of(t->dtype);
    if (!descr)
        return err_set(e, "%s: cannot write %s tensors to .npy", path, tensor_dtype_name(t->dtype));
    char dict[512];
    int k = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                     descr[0] == 'f' || descr[1] != '1' ? '<' : '|', descr);
    for (int i = 0; i < t->rank; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%lld,%s", (long long)t->dims[i],
                      i + 1 < t->rank ? " " : "");
    if (t->rank > 1) /* numpy writes (5,) for rank 1 and (2, 3) otherwise */
        k--;
    k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    /* pad with spaces so that the data starts at a multiple of 64 bytes; the header ends in '\n' */
    size_t pre = 10, total = ((pre + (size_t)k + 1 + 63) / 64) * 64;
    size_t hlen = total - pre;
    size_t nb = tensor_nbytes(t);
    unsigned char *buf = malloc(total + nb);
    if (!buf)
        return err_set(e, "%s: out of memory for %zu bytes", path, total + nb);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 255);
    buf[9] = (unsigned char)(hlen >> 8);
    memset(buf + pre, ' ', hlen);
    memcpy(buf + pre, dict, (size_t)k);
    buf[total - 1] = '\n';
    if (nb)
        memcpy(buf + total, t->data, nb);
    int rc = file_write_atomic(path, buf, total + nb, e);
    free(buf);
    return rc;
}

int npy_open(const char *path, npy_reader **out, qrc_err *e)
{
    *out = NULL;
    FILE *f = file_open_regular(path, e);
    if (!f)
        return -1;
    npy_reader *r = mem_zalloc(1, sizeof *r);
    if (read_header(f, path, &r->dtype, &r->rank, r->dims, &r->data_offset, e)) {
        fclose(f);
        free(r);
        return -1;
    }
    if (r->rank < 1) {
        fclose(f);
        free(r);
        return err_set(e, "%s: a 0-d array has no rows", path);
    }
    r->row_bytes = tensor_dtype_size(r->dtype);
    for (int i = 1; i < r->rank; i++)
        r->row_bytes *= (size_t)r->dims[i];
    r->file = f;
    r->path = mem_strdup(path);
    *out = r;
    return 0;
}

int npy_seek(npy_reader *r, int64_t row, qrc_err *e)
{
    if (row < 0 || row > r->dims[0])
        return err_set(e, "%s: row %lld is outside 0..%lld", r->path, (long long)row, (long long)r->dims[0]);
    r->next_row = row;
    return 0;
}

int npy_read_rows(npy_reader *r, int64_t max_rows, tensor **out, qrc_err *e)
{
    *out = NULL;
    if (max_rows < 1)
        return err_set(e, "%s: batch of %lld rows requested", r->path, (long long)max_rows);
    int64_t k = r->dims[0] - r->next_row;
    if (k <= 0)
        return 0;
    if (k > max_rows)
        k = max_rows;
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, r->dims, sizeof dims);
    dims[0] = k;
    qrc_err sub;
    tensor *t = tensor_new(r->dtype, r->rank, dims, &sub);
    if (!t)
        return err_set(e, "%s: %s", r->path, sub.msg);
    size_t nb = tensor_nbytes(t);
    off_t pos = (off_t)(r->data_offset + (size_t)r->next_row * r->row_bytes);
    if (fseeko(r->file, pos, SEEK_SET) || (nb && fread(t->data, 1, nb, r->file) != nb)) {
        tensor_free(t);
        return err_set(e, "%s: read error at row %lld (file changed?)", r->path, (long long)r->next_row);
    }
    if (r->dtype == DT_BOOL)
        for (size_t i = 0; i < nb; i++)
            ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
    r->next_row += k;
    *out = t;
    return 0;
}

void npy_close(npy_reader *r)
{
    if (!r)
        return;
    if (r->file)
        fclose(r->file);
    free(r->path);
    free(r);
}
