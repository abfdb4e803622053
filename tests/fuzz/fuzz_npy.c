/* fuzz_npy — libFuzzer target for the .npy reader: parse the input's header in memory, then read it as a
 * file both whole (npy_read) and in row batches (npy_open, npy_read_rows, npy_seek). The file is an
 * in-memory one (memfd), so an execution touches no disk. Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void read_rows(const char *path)
{
    qrc_err e;
    npy_reader *r;
    if (npy_open(path, &r, &e))
        return;
    tensor *t;
    for (int batch = 0; batch < 4 && npy_read_rows(r, 3, &t, &e) == 0 && t; batch++)
        tensor_free(t);
    if (npy_seek(r, r->dims[0] / 2, &e) == 0 && npy_read_rows(r, 1 << 20, &t, &e) == 0 && t)
        tensor_free(t);
    npy_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    qrc_err e;
    tensor_dtype dt;
    int rank;
    int64_t dims[TENSOR_MAX_RANK];
    size_t off;
    npy_parse_header(data, n, &dt, &rank, dims, &off, &e);

    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.npy", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, n, 0) != (ssize_t)n)
        return 0;
    tensor *t;
    if (npy_read(path, &t, &e) == 0)
        tensor_free(t);
    read_rows(path);
    return 0;
}
