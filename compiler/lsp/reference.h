/* reference.h — the recipe reference of README.md ("### Reference"), for hover and value completion.
 *
 * The table is generated at build time from the README by reference.awk, so the editor shows the very
 * text users read there. Each entry is a section ("key" NULL) or one bullet of a section; `syntax` is
 * the entry's first code span ("rounding nearest | stochastic;").
 *
 * Ownership: static data. */
#ifndef QRC_LSP_REFERENCE_H
#define QRC_LSP_REFERENCE_H

#include <stddef.h>

typedef struct lsp_ref_entry {
    const char *section;
    const char *key;
    const char *syntax;
    const char *text;        /* Markdown, as in the README */
} lsp_ref_entry;

extern const lsp_ref_entry lsp_ref_entries[];
extern const size_t lsp_ref_count;

/* The entry of key in section (key NULL: the section's own), where `second` (may be NULL) picks between
 * entries sharing a first word ("exclude modules" / "exclude ops"); a key without an entry of its own is
 * found in the entry whose text shows it in code ("`batch N;`"). NULL when none mentions it. */
const lsp_ref_entry *lsp_ref_find(const char *section, const char *key, const char *second);
/* The entry that lists e's values: e itself, or for a placeholder e only names ("scheme SCHEME;") the
 * entry that explains the placeholder ("act_scheme SCHEME;" lists tf, tf_enhanced, ...). */
const lsp_ref_entry *lsp_ref_values_entry(const lsp_ref_entry *e);
/* Calls fn with each value the entry names for its key: the alternatives of its syntax
 * ("nearest | stochastic"), else the names in its text's code spans and "one of a, b, c" lists. */
void lsp_ref_values(const lsp_ref_entry *e, void (*fn)(void *ctx, const char *value, size_t len), void *ctx);

#endif
