/* file.c — regular-file reads and temp-file-and-rename writes (see file.h). */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

static const char *not_regular(const struct stat *st)
{
    return S_ISDIR(st->st_mode) ? "it is a directory" : S_ISFIFO(st->st_mode) ? "it is a FIFO, not a regular file"
         : S_ISSOCK(st->st_mode) ? "it is a socket, not a regular file" : "it is a device, not a regular file";
}

file_fault file_open(const char *path, FILE **f, const char **why)
{
    *f = NULL;
    /* Non-blocking, so that opening a FIFO with no writer returns at once; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        *why = strerror(errno);
        if (fd >= 0)
            close(fd);
        return FILE_CANNOT_OPEN;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = not_regular(&st);
        close(fd);
        return FILE_NOT_REGULAR;
    }
    if (fcntl(fd, F_SETFL, 0) || !(*f = fdopen(fd, "rb"))) {
        *why = strerror(errno);
        close(fd);
        return FILE_CANNOT_OPEN;
    }
    return FILE_OK;
}

FILE *file_open_regular(const char *path, qrc_err *e)
{
    FILE *f;
    const char *why;
    file_fault ff = file_open(path, &f, &why);
    if (ff == FILE_NOT_REGULAR)
        err_set(e, "%s: not a regular file", path);
    else if (ff != FILE_OK)
        err_set(e, "%s: cannot open: %s", path, why);
    return f;
}

/* Reads the rest of f (size bytes expected, at most max) into a NUL-terminated buffer. On
 * FILE_TOO_LARGE / FILE_NO_MEMORY, *n is the size that was too large or could not be allocated. */
static file_fault read_stream(FILE *f, size_t size, size_t max, unsigned char **out, size_t *n, const char **why)
{
    /* The size from fstat is a hint (a file may grow or shrink while read): read until EOF. */
    size_t cap = size < max ? size + 1 : max + 1, len = 0;
    unsigned char *p = malloc(cap + 1);
    file_fault ff = FILE_OK;
    while (p) {
        len += fread(p + len, 1, cap - len, f);
        if (len < cap || ferror(f))
            break;
        if (len > max) {
            ff = FILE_TOO_LARGE;
            break;
        }
        cap = cap > max / 2 ? max + 1 : cap * 2;
        unsigned char *grown = realloc(p, cap + 1);
        if (!grown)
            free(p);
        p = grown;
    }
    if (!p) {
        *n = cap;
        return FILE_NO_MEMORY;
    }
    if (ff == FILE_OK && ferror(f)) {
        *why = strerror(errno ? errno : EIO);
        ff = FILE_READ_FAILED;
    }
    if (ff != FILE_OK) {
        *n = len;
        free(p);
        return ff;
    }
    p[len] = 0;
    *out = p;
    *n = len;
    return FILE_OK;
}

file_fault file_load(const char *path, size_t max_bytes, void **buf, size_t *n, const char **why)
{
    *buf = NULL;
    *n = 0;
    *why = "";
    FILE *f;
    file_fault ff = file_open(path, &f, why);
    if (ff != FILE_OK)
        return ff;
    struct stat st;
    size_t size = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
    if (size > max_bytes) {
        fclose(f);
        *n = size;
        return FILE_TOO_LARGE;
    }
    unsigned char *p = NULL;
    ff = read_stream(f, size, max_bytes, &p, n, why);
    fclose(f);
    *buf = p;
    return ff;
}

int file_read(const char *path, size_t max_bytes, void **buf, size_t *n, qrc_err *e)
{
    const char *why;
    switch (file_load(path, max_bytes, buf, n, &why)) {
    case FILE_OK:
        return 0;
    case FILE_CANNOT_OPEN:
        return err_set(e, "%s: cannot open: %s", path, why);
    case FILE_NOT_REGULAR:
        return err_set(e, "%s: not a regular file", path);
    case FILE_TOO_LARGE:
        return err_set(e, "%s: larger than %zu bytes", path, max_bytes);
    case FILE_NO_MEMORY:
        return err_set(e, "%s: out of memory reading %zu bytes", path, *n);
    case FILE_READ_FAILED:
        break;
    }
    return err_set(e, "%s: read error: %s", path, why);
}

static int write_all(int fd, const unsigned char *p, size_t left)
{
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

int file_write_temp(const char *path, const void *buf, size_t n, char **tmp, qrc_err *e)
{
    size_t len = strlen(path);
    char *t = mem_alloc(len + 12);
    memcpy(t, path, len);
    memcpy(t + len, ".tmp.XXXXXX", 12);
    int fd = mkstemp(t);
    if (fd < 0) {
        int err = errno;
        free(t);
        return err_set(e, "%s: cannot create: %s", path, strerror(err));
    }
    /* mkstemp creates 0600; give the file the permissions a plain create would */
    mode_t mask = umask(0);
    umask(mask);
    int bad = write_all(fd, buf, n) || fchmod(fd, 0666 & ~mask);
    int err = errno;
    if (close(fd) && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        unlink(t);
        free(t);
        return err_set(e, "%s: cannot write: %s", path, strerror(err));
    }
    *tmp = t;
    return 0;
}

int file_write_atomic(const char *path, const void *buf, size_t n, qrc_err *e)
{
    char *tmp;
    if (file_write_temp(path, buf, n, &tmp, e))
        return -1;
    int rc = 0;
    if (rename(tmp, path)) {
        rc = err_set(e, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}
