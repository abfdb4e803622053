/* file.h — whole-file reads and atomic writes, for every file qrc reads whole or writes (recipes,
 * plans, models, tensors, .npy files, encodings, quantsim configs, checkpoints, artifacts).
 *
 * Reads take regular files only: a FIFO, device, socket or directory is refused without blocking (a
 * FIFO nobody writes to would otherwise hang the process), and a caller-given size limit is checked
 * before anything is allocated. Writes go to a fresh temporary file next to the destination
 * ("<path>.tmp.XXXXXX", given the usual 0666 & ~umask permissions) and are renamed into place, so a
 * reader never sees a half-written file and a failure leaves the old file as it was.
 *
 * Errors name the file: "<path>: cannot open: <reason>", "<path>: not a regular file",
 * "<path>: larger than N bytes", "<path>: read error: <reason>", "<path>: cannot write: <reason>".
 * Callers that word their own message use file_open / file_load, which return a file_fault and a
 * short reason instead.
 *
 * Ownership: buffers returned are malloc'd and the caller's (free()); a FILE* is the caller's to
 * fclose; a temporary path from file_write_temp is the caller's to rename or unlink, then free. */
#ifndef QRC_FILE_H
#define QRC_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

/* No size limit for file_load / file_read (the caller bounds what it allocates from the contents). */
#define FILE_NO_LIMIT SIZE_MAX

typedef enum file_fault {
    FILE_OK = 0,
    FILE_CANNOT_OPEN,          /* open or stat failed; the reason is strerror's */
    FILE_NOT_REGULAR,          /* a directory, FIFO, socket or device */
    FILE_TOO_LARGE,            /* more bytes than the caller's limit */
    FILE_NO_MEMORY,            /* the buffer for the contents could not be allocated */
    FILE_READ_FAILED,
} file_fault;

/* Opens path for reading when it is a regular file. On failure *why is a phrase for the user, in
 * static storage: strerror's text, or "it is a directory" / "it is a FIFO, not a regular file" / .... */
file_fault file_open(const char *path, FILE **f, const char **why);
/* file_open with the failure written into e, naming path; NULL on failure. */
FILE *file_open_regular(const char *path, qrc_err *e);
/* Reads all of path (at most max_bytes) into *buf, *n bytes plus a NUL after them (so text can be
 * used as a string). On failure *buf is NULL and *why as for file_open (for FILE_TOO_LARGE and
 * FILE_NO_MEMORY the caller words the size). */
file_fault file_load(const char *path, size_t max_bytes, void **buf, size_t *n, const char **why);
/* file_load with the failure written into e, naming path and, where it applies, the size. */
int file_read(const char *path, size_t max_bytes, void **buf, size_t *n, qrc_err *e);
/* Writes n bytes to a new temporary file next to path; *tmp receives its name (malloc'd). On failure
 * nothing is left on disk. */
int file_write_temp(const char *path, const void *buf, size_t n, char **tmp, qrc_err *e);
/* Writes n bytes to path atomically: file_write_temp, then rename over path. */
int file_write_atomic(const char *path, const void *buf, size_t n, qrc_err *e);

#endif
