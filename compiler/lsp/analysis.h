/* analysis.h — one editor buffer checked by the front end, and its diagnostics in LSP form.
 *
 * An analysis runs sema on the buffer's text (imports read from disk) exactly as `qrc compile` does,
 * keeps the checked recipe and the root file's syntax tree for the other requests, and turns the
 * diagnostics into LSP Diagnostic objects: a diagnostic inside an imported file is attached to the
 * `import` line of the buffer that leads to it, its message prefixed with where it really is.
 *
 * Ownership: lsp_analyze returns a malloc'd analysis owning everything it holds (its arena, its line
 * index); release it with lsp_analysis_free. */
#ifndef QRC_LSP_ANALYSIS_H
#define QRC_LSP_ANALYSIS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/arena.h"
#include "front/ast.h"
#include "front/diag.h"
#include "front/recipe.h"
#include "lsp/text.h"

typedef struct lsp_analysis {
    arena a;
    diag_list diags;        /* what `qrc compile` would print */
    recipe r;               /* the checked recipe (partial when there were errors) */
    bool ok;                /* no errors */
    const ast_file *file;   /* the buffer's syntax tree (what could be parsed) */
    text_lines lines;       /* of the buffer's text */
} lsp_analysis;

/* Checks text (len bytes) as the recipe at path. */
lsp_analysis *lsp_analyze(const char *path, const char *text, size_t len);
void lsp_analysis_free(lsp_analysis *an);

/* Appends the diagnostics of list d (located in an's sources) to the JSON array out. */
void lsp_diagnostics_append(const lsp_analysis *an, const diag_list *d, json_t *out);
/* The LSP range of loc when it lies in the buffer, else the range of the import line leading to its
 * file (or the start of the buffer). *elsewhere is set when loc is not in the buffer. */
json_t *lsp_loc_range(const lsp_analysis *an, ast_loc loc, bool *elsewhere);

#endif
