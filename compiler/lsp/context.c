/* context.c — a scan of the text before the cursor. */
#include "lsp/context.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static void copy_word(char *dst, const char *src, size_t n)
{
    if (n >= CTX_WORD)
        n = CTX_WORD - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static void new_statement(lsp_context *c)
{
    c->n_words = c->n_tokens = 0;
    c->sep = 0;
    c->last_word[0] = 0;
}

/* Skips a string or regex body from *i (after its opening quote) to after its closing quote or to its
 * line's end; false when the cursor (end) comes first, i.e. is inside it. */
static bool skip_string(const char *t, size_t *i, size_t end)
{
    for (; *i < end; (*i)++) {
        if (t[*i] == '\\' && *i + 1 < end) {
            (*i)++;
        } else if (t[*i] == '"') {
            (*i)++;
            return true;
        } else if (t[*i] == '\n') {
            return true;
        }
    }
    return false;
}

void lsp_context_at(lsp_context *c, const char *t, size_t len, size_t off)
{
    memset(c, 0, sizeof *c);
    size_t end = off < len ? off : len;
    size_t i = 0;
    while (i < end) {
        char ch = t[i];
        size_t start = i;
        if (ch == '#') {
            while (i < end && t[i] != '\n')
                i++;
            c->in_comment = i == end;
            continue;
        }
        if (ch == '/' && i + 1 < end && t[i + 1] == '*') {
            const char *close = memmem(t + i + 2, end - i - 2, "*/", 2);
            c->in_comment = !close;
            i = close ? (size_t)(close - t) + 2 : end;
            continue;
        }
        if (ch == '"' || (ch == 'r' && i + 2 < end && t[i + 1] == 'e' && t[i + 2] == '"')) {
            i += ch == '"' ? 1 : 3;
            c->in_string = !skip_string(t, &i, end);
            c->token_start = start;
            if (!c->in_string)
                c->n_tokens++;
            continue;
        }
        if (name_start(ch)) {
            while (i < end && name_char(t[i]))
                i++;
            c->token_start = start;
            if (i == end)
                break;   /* the cursor's own token */
            if (c->n_words < CTX_MAX_WORDS)
                copy_word(c->words[c->n_words++], t + start, i - start);
            copy_word(c->last_word, t + start, i - start);
            c->n_tokens++;
            continue;
        }
        i++;
        c->token_start = i;
        if (ch == ';') {
            new_statement(c);
        } else if (ch == '{') {
            if (c->depth < CTX_MAX_BLOCKS)
                copy_word(c->blocks[c->depth], c->n_words ? c->words[0] : "", c->n_words ? strlen(c->words[0]) : 0);
            c->depth++;
            new_statement(c);
        } else if (ch == '}') {
            if (c->depth > 0)
                c->depth--;
            new_statement(c);
        } else if (ch == ':' || ch == '=') {
            c->sep = ch;
            c->n_tokens++;
        } else if (!isspace((unsigned char)ch)) {
            c->n_tokens++;
        }
    }
    if (c->depth > CTX_MAX_BLOCKS)
        c->depth = CTX_MAX_BLOCKS;
}

size_t lsp_word_at(const char *text, size_t len, size_t off, size_t *start)
{
    size_t s = off < len ? off : len, e = s;
    while (s > 0 && name_char(text[s - 1]))
        s--;
    while (e < len && name_char(text[e]))
        e++;
    *start = s;
    return e > s && name_start(text[s]) ? e - s : 0;
}
