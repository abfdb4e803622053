/* fmt.h — the canonical layout of a recipe (`qrc fmt`).
 *
 * Canonical form: one statement per line, blocks opened on the statement's line and closed on their own
 * line, two-space indentation, ", " between values, "a: b" and "a = b", the values after ':' of
 * consecutive rules aligned, at most one blank line kept between statements, comments kept (own-line
 * comments before what follows them, trailing comments on the same line). Formatting is idempotent. */
#ifndef QRC_FMT_H
#define QRC_FMT_H

#include <stddef.h>

#include "base/arena.h"
#include "front/ast.h"
#include "front/diag.h"

/* Formats a parsed file (it must have parsed without syntax errors) into a NUL-terminated string
 * allocated from a. */
char *fmt_file(arena *a, const ast_file *file);

/* Reads and parses path and formats it. Returns NULL when the file cannot be read or has syntax errors
 * (diagnostics in d). *original receives the file's text. */
char *fmt_path(arena *a, diag_list *d, const char *path, const char **original);

#endif
