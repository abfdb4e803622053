/* Whole-file reads and atomic writes: regular files only (a FIFO is refused, not waited on), size
 * limits, errors naming the file, and writes that leave either the old or the new file, nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/file.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/qrc_file_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static const char *in_dir(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* Number of entries in dir (".", ".." aside). */
static int entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

static void write_then_read(void **state)
{
    (void)state;
    qrc_err e;
    const char *p = in_dir("a.bin");
    assert_int_equal(file_write_atomic(p, "hello", 5, &e), 0);
    assert_int_equal(file_write_atomic(p, "bye", 3, &e), 0); /* replaces */
    void *buf;
    size_t n;
    assert_int_equal(file_read(p, FILE_NO_LIMIT, &buf, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(buf, "bye"); /* NUL-terminated */
    free(buf);
    assert_int_equal(entries(), 1);   /* no temporary left behind */
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask);
    assert_int_equal(file_write_atomic(in_dir("empty"), "", 0, &e), 0);
    assert_int_equal(file_read(in_dir("empty"), 0, &buf, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_string_equal(buf, "");
    free(buf);
    unlink(in_dir("empty"));
    unlink(p);
}

static void size_limit(void **state)
{
    (void)state;
    qrc_err e;
    const char *p = in_dir("big.bin");
    char data[1000];
    memset(data, 'x', sizeof data);
    assert_int_equal(file_write_atomic(p, data, sizeof data, &e), 0);
    void *buf = (void *)1;
    size_t n;
    assert_int_equal(file_read(p, 1000, &buf, &n, &e), 0);
    assert_int_equal(n, 1000);
    free(buf);
    assert_int_equal(file_read(p, 999, &buf, &n, &e), -1);
    assert_null(buf);
    assert_non_null(strstr(e.msg, "big.bin: larger than 999 bytes"));
    const char *why;
    assert_int_equal(file_load(p, 10, &buf, &n, &why), FILE_TOO_LARGE);
    unlink(p);
    /* a regular file whose stat size is 0 (procfs) is read to its end, and still limited */
    assert_int_equal(file_read("/proc/self/maps", FILE_NO_LIMIT, &buf, &n, &e), 0);
    assert_true(n > 64);
    assert_int_equal(strlen(buf), n);
    free(buf);
    assert_int_equal(file_load("/proc/self/maps", 64, &buf, &n, &why), FILE_TOO_LARGE);
    assert_null(buf);
}

static void only_regular_files(void **state)
{
    (void)state;
    qrc_err e;
    void *buf;
    size_t n;
    const char *why;
    const char *fifo = in_dir("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* refused at once, not waited on for a writer */
    assert_int_equal(file_load(fifo, FILE_NO_LIMIT, &buf, &n, &why), FILE_NOT_REGULAR);
    assert_string_equal(why, "it is a FIFO, not a regular file");
    assert_int_equal(file_read(fifo, FILE_NO_LIMIT, &buf, &n, &e), -1);
    assert_non_null(strstr(e.msg, "fifo: not a regular file"));
    assert_null(file_open_regular(fifo, &e));
    unlink(fifo);
    assert_int_equal(file_load(dir, FILE_NO_LIMIT, &buf, &n, &why), FILE_NOT_REGULAR);
    assert_string_equal(why, "it is a directory");
    assert_int_equal(file_load("/dev/zero", FILE_NO_LIMIT, &buf, &n, &why), FILE_NOT_REGULAR);
    assert_string_equal(why, "it is a device, not a regular file");
    assert_int_equal(file_read(in_dir("missing"), FILE_NO_LIMIT, &buf, &n, &e), -1);
    assert_non_null(strstr(e.msg, "missing: cannot open: No such file or directory"));
}

static void failed_write_leaves_nothing(void **state)
{
    (void)state;
    qrc_err e;
    assert_int_equal(file_write_atomic(in_dir("no/such/dir/x"), "x", 1, &e), -1);
    assert_non_null(strstr(e.msg, "no/such/dir/x: cannot create"));
    /* renaming over a directory fails: the temporary is removed, the directory stays */
    const char *sub = in_dir("sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(file_write_atomic(sub, "x", 1, &e), -1);
    assert_non_null(strstr(e.msg, "sub: cannot write"));
    assert_int_equal(entries(), 1);
    rmdir(sub);
    /* a temporary kept for a later rename */
    char *tmp;
    assert_int_equal(file_write_temp(in_dir("later"), "abc", 3, &tmp, &e), 0);
    assert_non_null(strstr(tmp, "later.tmp."));
    assert_int_equal(rename(tmp, in_dir("later")), 0);
    free(tmp);
    assert_int_equal(entries(), 1);
    unlink(in_dir("later"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_then_read),
        cmocka_unit_test(size_limit),
        cmocka_unit_test(only_regular_files),
        cmocka_unit_test(failed_write_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
