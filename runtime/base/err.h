/* err.h — the error value every fallible runtime function fills.
 *
 * Contract: a fallible function returns 0 on success and -1 on failure; on failure it has written a
 * message into the caller's qrc_err that names what failed and where (node, op, tensor, file).
 * Nothing in the runtime prints and carries on. */
#ifndef QRC_ERR_H
#define QRC_ERR_H

#include <stddef.h>

typedef struct qrc_err {
    char msg[1024];
} qrc_err;

/* Formats a message into e (if non-NULL) and returns -1, so callers can write `return err_set(e, ...)`. */
int err_set(qrc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "context: " to the message already in e; returns -1. */
int err_wrap(qrc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
