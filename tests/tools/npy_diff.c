/* npy_diff — compares a result .npy against a reference .npy without needing Node.js: max absolute
 * difference, SQNR of the result against the reference, top-1 agreement along the last axis of
 * 2-D arrays, NaN parity. Same judgement as tests/ort/compare.js for the thresholds it supports.
 *
 *   npy_diff result.npy reference.npy [--max-abs X] [--min-sqnr DB] [--min-top1 PCT]
 *
 * Exit status: 0 within thresholds, 1 a violation (shape, NaN positions, or a threshold),
 * 2 bad usage or an unreadable file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "tensor.h"

static double element(const tensor *t, int64_t i)
{
    switch (t->dtype) {
    case DT_FLOAT: return ((const float *)t->data)[i];
    case DT_DOUBLE: return ((const double *)t->data)[i];
    case DT_INT64: return (double)((const int64_t *)t->data)[i];
    case DT_INT32: return ((const int32_t *)t->data)[i];
    case DT_INT8: return ((const int8_t *)t->data)[i];
    case DT_UINT8:
    case DT_BOOL: return ((const uint8_t *)t->data)[i];
    default: return NAN;
    }
}

static int64_t argmax_row(const tensor *t, int64_t row, int64_t cols)
{
    int64_t best = 0;
    double bv = element(t, row * cols);
    for (int64_t c = 1; c < cols && !isnan(bv); c++) {
        double v = element(t, row * cols + c);
        if (v > bv || isnan(v)) {
            best = c;
            bv = v;
        }
    }
    return best;
}

static int parse_num(const char *flag, const char *s, double *out)
{
    char *end = NULL;
    if (!s) {
        fprintf(stderr, "npy_diff: %s needs a value\n", flag);
        return -1;
    }
    *out = strtod(s, &end);
    if (end == s || *end) {
        fprintf(stderr, "npy_diff: %s needs a number, got '%s'\n", flag, s);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *files[2] = {0};
    int nfiles = 0;
    double max_abs = INFINITY, min_sqnr = -INFINITY, min_top1 = -1;
    for (int i = 1; i < argc; i++) {
        double *dst = !strcmp(argv[i], "--max-abs") ? &max_abs
                    : !strcmp(argv[i], "--min-sqnr") ? &min_sqnr
                    : !strcmp(argv[i], "--min-top1") ? &min_top1 : NULL;
        if (dst) {
            if (parse_num(argv[i], i + 1 < argc ? argv[i + 1] : NULL, dst)) return 2;
            i++;
        } else if (argv[i][0] == '-' || nfiles == 2) {
            fprintf(stderr, "usage: npy_diff result.npy reference.npy [--max-abs X] [--min-sqnr DB] [--min-top1 PCT]\n");
            return 2;
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (nfiles != 2) {
        fprintf(stderr, "npy_diff: need a result and a reference\n");
        return 2;
    }

    tensor *a = NULL, *b = NULL;
    qrc_err e;
    if (npy_read(files[0], &a, &e) || npy_read(files[1], &b, &e)) {
        fprintf(stderr, "npy_diff: %s\n", e.msg);
        tensor_free(a);
        return 2;
    }
    char da[128], db[128];
    int rc = 0;
    bool same_shape = a->rank == b->rank;
    for (int k = 0; same_shape && k < a->rank; k++) same_shape = a->dims[k] == b->dims[k];
    if (!same_shape) {
        printf("%s: %s vs reference %s -> FAIL (shape)\n", files[0], tensor_describe(a, da, sizeof da),
               tensor_describe(b, db, sizeof db));
        rc = 1;
        goto done;
    }

    int64_t n = tensor_numel(b), nan_mismatch = 0;
    double worst = 0, signal = 0, noise = 0;
    for (int64_t i = 0; i < n; i++) {
        double p = element(a, i), q = element(b, i);
        if (isnan(p) || isnan(q)) {
            nan_mismatch += isnan(p) != isnan(q);
            continue;
        }
        double d = p == q ? 0 : fabs(p - q);
        if (!(d <= worst)) worst = isnan(d) ? INFINITY : d;
        if (isfinite(q)) {
            signal += q * q;
            noise += d * d;
        }
    }
    double sqnr = noise == 0 ? INFINITY : signal == 0 ? -INFINITY : 10 * log10(signal / noise);
    printf("%s: %s max_abs %.2e sqnr %.1f dB", files[0], tensor_describe(b, db, sizeof db), worst, sqnr);
    if (!(worst <= max_abs) || !(sqnr >= min_sqnr) || nan_mismatch) rc = 1;
    if (b->rank == 2 && b->dims[1] > 0) {
        int64_t rows = b->dims[0], cols = b->dims[1], agree = 0;
        for (int64_t r = 0; r < rows; r++) agree += argmax_row(a, r, cols) == argmax_row(b, r, cols);
        double pct = rows ? 100.0 * (double)agree / (double)rows : 100.0;
        printf(" top1 %.2f%% (%lld/%lld)", pct, (long long)agree, (long long)rows);
        if (min_top1 >= 0 && !(pct >= min_top1)) rc = 1;
    }
    printf(" nan %s -> %s\n", nan_mismatch ? "MISMATCH" : "ok", rc ? "FAIL" : "ok");
done:
    tensor_free(a);
    tensor_free(b);
    return rc;
}
