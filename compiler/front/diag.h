/* diag.h — compiler diagnostics: collected, never printed by library code.
 *
 * A diag_list gathers every error, warning and note of one compilation in order. Each diagnostic points at
 * a span of a source (ast_loc) and may carry notes (with their own spans) and one hint line. diag_render
 * turns the list into the text the driver prints:
 *
 *   in file imported from a.q:1:8:
 *   base.q:3:5: error: unknown key 'sampels' in 'calibrate'
 *       3 |   sampels 512;
 *         |   ^~~~~~~
 *   hint: did you mean 'samples'?
 *
 * Ownership: diagnostics and their strings live in the list's arena; sources they point at must outlive
 * the list (they live in the same compilation arena). */
#ifndef QRC_DIAG_H
#define QRC_DIAG_H

#include <stdio.h>

#include "base/arena.h"
#include "front/ast.h"

typedef enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

typedef struct diag {
    diag_severity severity;
    ast_loc loc;            /* loc.src NULL: no location (e.g. a file that cannot be opened) */
    char *msg;
    char *hint;             /* NULL or one line shown as "hint: ..." */
    struct diag *notes;     /* attached notes, in order */
    struct diag *next;
} diag;

typedef struct diag_list {
    arena *a;
    diag *head, *tail;
    int errors, warnings;
} diag_list;

/* Initializes an empty list whose diagnostics allocate from a. */
void diag_init(diag_list *d, arena *a);
/* Adds an error at loc; returns it so a note or hint can be attached. */
diag *diag_error(diag_list *d, ast_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Adds a warning at loc. */
diag *diag_warning(diag_list *d, ast_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Attaches a note at loc to dg (dg may be NULL: then nothing happens). */
void diag_note(diag_list *d, diag *dg, ast_loc loc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets dg's hint line (dg may be NULL). */
void diag_hint(diag_list *d, diag *dg, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Writes every diagnostic of d to f in the format above. */
void diag_render(const diag_list *d, FILE *f);
/* "file:line:col" for loc, allocated from a. */
char *diag_loc_string(arena *a, ast_loc loc);

#endif
