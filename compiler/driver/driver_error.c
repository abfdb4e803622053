/* driver_error.c — runtime errors shown at their origin (driver_error.h). */
#include "driver/driver_error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "front/diag.h"
#include "front/sema.h"

/* Length of the token starting at text (a quoted string or regex, or a run of name characters). */
static int token_len(const char *text)
{
    const char *p = text;
    if (p[0] == 'r' && p[1] == 'e' && p[2] == '"')
        p += 2;
    if (*p == '"') {
        for (p++; *p && *p != '"' && *p != '\n'; p += p[0] == '\\' && p[1] ? 2 : 1)
            ;
        return (int)(p - text) + (*p == '"');
    }
    while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
        p++;
    return p > text ? (int)(p - text) : 1;
}

void driver_error_print(const char *cmd, const Qrc__Plan *plan, const qrc_err *e)
{
    const char *origin = e->origin;
    for (size_t i = 0; plan && origin[0] && i < plan->n_sources + 1; i++) {
        const char *path = i < plan->n_sources ? plan->sources[i] : plan->recipe;
        size_t n = path ? strlen(path) : 0;
        int line, col, used = 0;
        if (!n || strncmp(origin, path, n) || sscanf(origin + n, ":%d:%d%n", &line, &col, &used) != 2 ||
            origin[n + used])
            continue;
        arena a = {0};
        diag_list d;
        diag_init(&d, &a);
        const char *why;
        ast_source *src = sema_read_source(&a, path, (ast_loc){0}, &why);
        if (src) {
            const char *at = src->text;
            for (int l = 1; l < line && (at = strchr(at, '\n')); l++)
                at++;
            int len = at && (size_t)col <= strcspn(at, "\n") ? token_len(at + col - 1) : 1;
            diag_error(&d, (ast_loc){src, line, col, line, col + len - 1}, "%s", e->msg);
            diag_render(&d, stderr);
        }
        arena_free(&a);
        if (src)
            return;
    }
    /* a node or a file is named in the message already; a recipe location that cannot be shown is kept */
    if (strchr(origin, ':') && !strstr(e->msg, origin))
        fprintf(stderr, "qrc %s: error: %s: %s\n", cmd, origin, e->msg);
    else
        fprintf(stderr, "qrc %s: error: %s\n", cmd, e->msg);
}

