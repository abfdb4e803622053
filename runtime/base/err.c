#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(qrc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->origin[0] = 0;
    return -1;
}

int err_origin(qrc_err *e, const char *origin)
{
    if (e && origin)
        snprintf(e->origin, sizeof e->origin, "%s", origin);
    return -1;
}

int err_wrap(qrc_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char prefix[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t k = strlen(prefix);
    memcpy(e->msg, prefix, k < sizeof e->msg - 3 ? k : sizeof e->msg - 3);
    k = k < sizeof e->msg - 3 ? k : sizeof e->msg - 3;
    e->msg[k++] = ':';
    e->msg[k++] = ' ';
    size_t rest = strnlen(old, sizeof old);
    if (rest > sizeof e->msg - 1 - k)
        rest = sizeof e->msg - 1 - k;
    memcpy(e->msg + k, old, rest);
    e->msg[k + rest] = 0;
    return -1;
}
