/* err.h — the error value every fallible runtime function fills.
 *
 * Contract: a fallible function returns 0 on success and -1 on failure; on failure it has written a
 * message into the caller's qrc_err that names what failed and where (node, op, tensor, file).
 * Nothing in the runtime prints and carries on.
 *
 * The origin says, as data, what the error is about: a recipe location "file:line:col" (a selector or
 * a concrete arg the plan recorded), a node name, or a file path; empty when nothing more precise than
 * the message is known. A front end uses it to point at the source (a recipe diagnostic with its caret)
 * instead of parsing the message. err_set clears it; err_origin sets it where the error is raised or
 * wrapped by a caller that knows better. */
#ifndef QRC_ERR_H
#define QRC_ERR_H

#include <stddef.h>

typedef struct qrc_err {
    char msg[1024];
    char origin[512];
} qrc_err;

/* Formats a message into e (if non-NULL) and returns -1, so callers can write `return err_set(e, ...)`. */
int err_set(qrc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepends "context: " to the message already in e; returns -1. */
int err_wrap(qrc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets e's origin, replacing any (NULL origin: keeps the one e has); returns -1. NULL e is fine. */
int err_origin(qrc_err *e, const char *origin);

#endif
