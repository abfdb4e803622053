/* onnx_file.c — whole-file reads and atomic writes for model and tensor files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx.h"

FILE *onnx_open_regular(const char *path, qrc_err *e)
{
    /* Non-blocking, so that a FIFO with no writer is refused instead of waited on. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    FILE *f = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        err_set(e, "%s: not a regular file", path);
    else if (fcntl(fd, F_SETFL, 0) || !(f = fdopen(fd, "rb")))
        err_set(e, "%s: cannot open: %s", path, strerror(errno));
    if (!f)
        close(fd);
    return f;
}

int onnx_read_file(const char *path, void **buf, size_t *n, qrc_err *e)
{
    *buf = NULL;
    *n = 0;
    FILE *f = onnx_open_regular(path, e);
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st)) {
        fclose(f);
        return err_set(e, "%s: cannot stat: %s", path, strerror(errno));
    }
    size_t size = (size_t)st.st_size;
    unsigned char *p = malloc(size ? size : 1);
    if (!p) {
        fclose(f);
        return err_set(e, "%s: out of memory reading %zu bytes", path, size);
    }
    size_t got = size ? fread(p, 1, size, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (got != size || bad) {
        free(p);
        return err_set(e, "%s: read error (%zu of %zu bytes)", path, got, size);
    }
    *buf = p;
    *n = size;
    return 0;
}

int onnx_write_file_atomic(const char *path, const void *buf, size_t n, qrc_err *e)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp)
        return err_set(e, "%s: out of memory", path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(tmp);
        return err_set(e, "%s: cannot create a temporary file: %s", path, strerror(err));
    }
    const unsigned char *p = buf;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return err_set(e, "%s: write failed: %s", path, strerror(err));
        }
        p += w;
        left -= (size_t)w;
    }
    /* mkstemp creates 0600; give the file the usual permissions */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (close(fd) || rename(tmp, path)) {
        int err = errno;
        unlink(tmp);
        free(tmp);
        return err_set(e, "%s: cannot write: %s", path, strerror(err));
    }
    free(tmp);
    return 0;
}
