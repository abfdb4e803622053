#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "npy.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/qrc_npy_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

static const char *tmp(const char *name)
{
    static char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static void write_raw(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

/* A .npy file with the given header dict and n_data bytes of data. */
static void write_npy(const char *path, const char *dict, size_t n_data)
{
    size_t dl = strlen(dict);
    size_t hlen = ((10 + dl + 1 + 63) / 64) * 64 - 10;
    unsigned char *buf = calloc(1, 10 + hlen + n_data);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 255);
    buf[9] = (unsigned char)(hlen >> 8);
    memset(buf + 10, ' ', hlen);
    memcpy(buf + 10, dict, dl);
    buf[10 + hlen - 1] = '\n';
    write_raw(path, buf, 10 + hlen + n_data);
    free(buf);
}

static void every_dtype_round_trips(void **state)
{
    (void)state;
    tensor_dtype dts[] = {DT_FLOAT, DT_DOUBLE, DT_INT64, DT_INT32, DT_UINT8, DT_INT8, DT_BOOL};
    qrc_err e;
    for (size_t i = 0; i < sizeof dts / sizeof *dts; i++) {
        int64_t dims[] = {3, 2, 5};
        for (int rank = 0; rank <= 3; rank++) {
            tensor *t = tensor_new(dts[i], rank, dims, &e);
            unsigned char *p = t->data;
            for (size_t b = 0; b < tensor_nbytes(t); b++)
                p[b] = dts[i] == DT_BOOL ? (unsigned char)(b % 2) : (unsigned char)(b * 37 + 1);
            assert_int_equal(npy_write(tmp("a.npy"), t, &e), 0);
            tensor *u;
            assert_int_equal(npy_read(tmp("a.npy"), &u, &e), 0);
            assert_int_equal(u->dtype, dts[i]);
            assert_int_equal(u->rank, rank);
            for (int d = 0; d < rank; d++)
                assert_int_equal(u->dims[d], dims[d]);
            assert_memory_equal(u->data, t->data, tensor_nbytes(t));
            tensor_free(t);
            tensor_free(u);
        }
    }
    /* header bytes as numpy writes them */
    FILE *f = fopen(tmp("a.npy"), "rb");
    char head[160] = {0};
    assert_int_equal(fread(head, 1, 128, f), 128);
    fclose(f);
    assert_non_null(strstr(head + 10, "{'descr': '|b1', 'fortran_order': False, 'shape': (3, 2, 5), }"));
    assert_int_equal(head[127], '\n');
}

static void reads_numpy_files(void **state)
{
    (void)state;
    qrc_err e;
    tensor *t;
    assert_int_equal(npy_read("recipes/data/calib_512.npy", &t, &e), 0);
    assert_int_equal(t->dtype, DT_FLOAT);
    assert_int_equal(t->rank, 4);
    assert_int_equal(t->dims[0], 512);
    assert_int_equal(t->dims[3], 28);
    tensor *l;
    assert_int_equal(npy_read("recipes/data/test_2000_labels.npy", &l, &e), 0);
    assert_int_equal(l->dtype, DT_INT64);
    assert_int_equal(l->dims[0], 2000);
    for (int i = 0; i < 2000; i++)
        assert_true(((int64_t *)l->data)[i] >= 0 && ((int64_t *)l->data)[i] < 10);
    tensor_free(l);

    /* the streaming reader returns the same rows in batches */
    npy_reader *r;
    assert_int_equal(npy_open("recipes/data/calib_512.npy", &r, &e), 0);
    assert_int_equal(r->dims[0], 512);
    int64_t row = 0;
    tensor *b;
    for (;;) {
        assert_int_equal(npy_read_rows(r, 100, &b, &e), 0);
        if (!b)
            break;
        assert_true(b->dims[0] == 100 || (row == 500 && b->dims[0] == 12));
        assert_memory_equal(b->data, (char *)t->data + row * 28 * 28 * 4, tensor_nbytes(b));
        row += b->dims[0];
        tensor_free(b);
    }
    assert_int_equal(row, 512);
    assert_int_equal(npy_seek(r, 510, &e), 0);
    assert_int_equal(npy_read_rows(r, 8, &b, &e), 0);
    assert_int_equal(b->dims[0], 2);
    tensor_free(b);
    assert_int_equal(npy_seek(r, 513, &e), -1);
    npy_close(r);
    tensor_free(t);
}

static void expect_error(const char *path, const char *needle)
{
    qrc_err e;
    tensor *t = (tensor *)1;
    assert_int_equal(npy_read(path, &t, &e), -1);
    assert_null(t);
    if (!strstr(e.msg, needle))
        fail_msg("'%s' does not mention '%s'", e.msg, needle);
    npy_reader *r;
    assert_int_equal(npy_open(path, &r, &e), -1);
}

static void bad_files_give_precise_errors(void **state)
{
    (void)state;
    write_raw(tmp("magic.npy"), "PK\x03\x04 not numpy at all", 22);
    expect_error(tmp("magic.npy"), "bad magic");
    write_raw(tmp("tiny.npy"), "\x93NUM", 4);
    expect_error(tmp("tiny.npy"), "bad magic");
    write_raw(tmp("hlen.npy"), "\x93NUMPY\x01\x00\xff\x7f{'descr'", 17);
    expect_error(tmp("hlen.npy"), "runs past the end");
    write_npy(tmp("nodict.npy"), "{'shape': (2,), }", 8);
    expect_error(tmp("nodict.npy"), "bad .npy header");
    write_npy(tmp("size.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20);
    expect_error(tmp("size.npy"), "20 data bytes but shape (2, 3) of float needs 24");
    write_npy(tmp("long.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12);
    expect_error(tmp("long.npy"), "needs 8");
    write_npy(tmp("fortran.npy"), "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16);
    expect_error(tmp("fortran.npy"), "fortran_order");
    write_npy(tmp("big.npy"), "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8);
    expect_error(tmp("big.npy"), "big-endian");
    write_npy(tmp("c8.npy"), "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16);
    expect_error(tmp("c8.npy"), "unsupported .npy dtype");
    write_npy(tmp("neg.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8);
    expect_error(tmp("neg.npy"), "shape");
    write_npy(tmp("huge.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999,), }", 8);
    expect_error(tmp("huge.npy"), "large");
    write_npy(tmp("ver.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8);
    FILE *f = fopen(tmp("ver.npy"), "r+b");
    fseek(f, 6, SEEK_SET);
    fputc(9, f);
    fclose(f);
    expect_error(tmp("ver.npy"), "version 9");
    expect_error(tmp("missing.npy"), "cannot open");
    /* 0-d arrays read whole but have no rows */
    write_npy(tmp("scalar.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4);
    qrc_err e;
    tensor *t;
    assert_int_equal(npy_read(tmp("scalar.npy"), &t, &e), 0);
    assert_int_equal(t->rank, 0);
    tensor_free(t);
    npy_reader *r;
    assert_int_equal(npy_open(tmp("scalar.npy"), &r, &e), -1);
    /* unsupported dtype on write, and no partial file left behind */
    int64_t d = 2;
    t = tensor_new(DT_INT16, 1, &d, &e);
    assert_int_equal(npy_write(tmp("i16.npy"), t, &e), -1);
    assert_int_equal(access(tmp("i16.npy"), F_OK), -1);
    tensor_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_dtype_round_trips),
        cmocka_unit_test(reads_numpy_files),
        cmocka_unit_test(bad_files_give_precise_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
