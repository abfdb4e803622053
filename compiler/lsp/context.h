/* context.h — where the cursor is in a recipe, for completion and hover: the blocks around it, the
 * words of its statement before it, and the token it is in.
 *
 * Computed by a light scan of the text up to the cursor (comments, strings and regexes skipped), not by
 * the parser, so that it works on the half-typed statements an editor sends.
 *
 * Ownership: a context is a value; its strings are copies inside it. */
#ifndef QRC_LSP_CONTEXT_H
#define QRC_LSP_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

enum { CTX_MAX_BLOCKS = 4, CTX_MAX_WORDS = 8, CTX_WORD = 64 };

typedef struct lsp_context {
    char blocks[CTX_MAX_BLOCKS][CTX_WORD];   /* first words of the enclosing statements, outermost first */
    int depth;
    char words[CTX_MAX_WORDS][CTX_WORD];     /* names of the current statement before the cursor's token */
    int n_words;
    int n_tokens;                            /* tokens of the statement before the cursor's token */
    char sep;                                /* ':' or '=' when one came before the cursor, else 0 */
    bool in_string;                          /* inside "..." or re"..." */
    bool in_comment;
    size_t token_start;                      /* byte offset where the token under the cursor starts */
    char last_word[CTX_WORD];                /* the name right before the cursor's token ("under") */
} lsp_context;

/* The context of byte offset off in text (len bytes). */
void lsp_context_at(lsp_context *c, const char *text, size_t len, size_t off);
/* The name (letters, digits, '_') around off: its start and length (0 when off is not on a name). */
size_t lsp_word_at(const char *text, size_t len, size_t off, size_t *start);

#endif
