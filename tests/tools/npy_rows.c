/* npy_rows — row-wise .npy surgery for test scripts that must not need Node.js:
 *
 *   npy_rows slice in.npy START END out.npy    rows [START, END) of in.npy along axis 0
 *   npy_rows cat out.npy in1.npy in2.npy ...   concatenation along axis 0 (same dtype, same
 *                                              trailing dims)
 *
 * Exit status 0 on success, 1 on an error (printed), 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "tensor.h"

static int usage(void)
{
    fprintf(stderr, "usage: npy_rows slice in.npy START END out.npy\n"
                    "       npy_rows cat out.npy in1.npy [in2.npy ...]\n");
    return 2;
}

static int parse_row(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static int slice(const char *in, int64_t start, int64_t end, const char *out)
{
    npy_reader *r = NULL;
    tensor *t = NULL;
    qrc_err e;
    int rc = 1;
    if (npy_open(in, &r, &e))
        goto fail;
    if (start >= end || end > r->dims[0]) {
        err_set(&e, "%s: rows %lld..%lld outside its %lld rows", in, (long long)start, (long long)end,
                (long long)r->dims[0]);
        goto fail;
    }
    if (npy_seek(r, start, &e) || npy_read_rows(r, end - start, &t, &e) || npy_write(out, t, &e))
        goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "npy_rows: %s\n", e.msg);
done:
    tensor_free(t);
    npy_close(r);
    return rc;
}

static int cat(const char *out, int n, char **ins)
{
    tensor **parts = calloc((size_t)n, sizeof *parts);
    tensor *all = NULL;
    qrc_err e;
    int rc = 1;
    if (!parts) {
        fprintf(stderr, "npy_rows: out of memory\n");
        return 1;
    }
    int64_t rows = 0;
    for (int i = 0; i < n; i++) {
        if (npy_read(ins[i], &parts[i], &e))
            goto fail;
        const tensor *p = parts[i], *f = parts[0];
        bool same = p->rank >= 1 && p->dtype == f->dtype && p->rank == f->rank;
        for (int k = 1; same && k < p->rank; k++)
            same = p->dims[k] == f->dims[k];
        if (!same) {
            char a[128], b[128];
            err_set(&e, "%s is %s, cannot follow %s", ins[i], tensor_describe(p, a, sizeof a),
                    tensor_describe(f, b, sizeof b));
            goto fail;
        }
        rows += p->dims[0];
    }
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, parts[0]->dims, sizeof dims);
    dims[0] = rows;
    if (!(all = tensor_new(parts[0]->dtype, parts[0]->rank, dims, &e)))
        goto fail;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t nb = tensor_nbytes(parts[i]);
        if (nb)
            memcpy((char *)all->data + at, parts[i]->data, nb);
        at += nb;
    }
    if (npy_write(out, all, &e))
        goto fail;
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "npy_rows: %s\n", e.msg);
done:
    for (int i = 0; i < n; i++)
        tensor_free(parts[i]);
    free(parts);
    tensor_free(all);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "slice")) {
        int64_t s, t;
        if (parse_row(argv[3], &s) || parse_row(argv[4], &t))
            return usage();
        return slice(argv[2], s, t, argv[5]);
    }
    if (argc >= 4 && !strcmp(argv[1], "cat"))
        return cat(argv[2], argc - 3, argv + 3);
    return usage();
}
