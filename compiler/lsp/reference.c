/* reference.c — lookups in the reference table generated from the README. */
#include "lsp/reference.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* True when syntax's second word is w ("exclude ops TYPE" for "ops"). */
static bool second_word_is(const char *syntax, const char *w)
{
    const char *p = strchr(syntax, ' ');
    size_t n = strlen(w);
    return p && !strncmp(p + 1, w, n) && !isalnum((unsigned char)p[1 + n]) && p[1 + n] != '_';
}

/* True when text shows key in code: "`key ", "`key;", "`key`", "{ key " or "; key ". */
static bool shows(const char *text, const char *key)
{
    static const char *const before[] = {"`", "{ ", "; "};
    static const char after[] = " ;`";
    size_t n = strlen(key);
    for (const char *p = text; (p = strstr(p, key)); p++)
        for (size_t b = 0; b < 3; b++) {
            size_t k = strlen(before[b]);
            if (p - text >= (long)k && !strncmp(p - k, before[b], k) && p[n] && strchr(after, p[n]))
                return true;
        }
    return false;
}

const lsp_ref_entry *lsp_ref_find(const char *section, const char *key, const char *second)
{
    const lsp_ref_entry *found = NULL;
    for (size_t i = 0; i < lsp_ref_count; i++) {
        const lsp_ref_entry *e = &lsp_ref_entries[i];
        if (!same(e->section, section) || !same(e->key, key))
            continue;
        if (!found || (second && second_word_is(e->syntax, second)))
            found = e;
    }
    for (size_t i = 0; i < lsp_ref_count && !found && key; i++)
        if (same(lsp_ref_entries[i].section, section) && shows(lsp_ref_entries[i].text, key))
            found = &lsp_ref_entries[i];
    return found;
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* "a | b | c" after the key in the syntax; returns how many. */
static int alternatives(const lsp_ref_entry *e, void (*fn)(void *, const char *, size_t), void *ctx)
{
    const char *p = e->syntax + strlen(e->key);
    if (!strstr(p, " | "))
        return 0;
    int n = 0;
    while (*p) {
        while (*p == ' ' || *p == '|')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != ';')
            p++;
        if (p > w)
            fn(ctx, w, (size_t)(p - w)), n++;
        if (*p == ';')
            break;
    }
    return n;
}

/* Names in code spans ("`tf`", "`percentile(P)`") and in "one of a, b, c." lists. */
static void named_values(const lsp_ref_entry *e, void (*fn)(void *, const char *, size_t), void *ctx)
{
    for (const char *p = strchr(e->text, '`'); p; p = strchr(p + 1, '`')) {
        const char *w = p + 1, *q = w;
        while (name_char(*q))
            q++;
        const char *end = *q == '(' && strchr(q, ')') ? strchr(q, ')') + 1 : q;
        if (q > w && *end == '`' && !isupper((unsigned char)*w) &&
            (!e->key || strncmp(w, e->key, (size_t)(q - w))))
            fn(ctx, w, (size_t)(q - w));
        p = strchr(p + 1, '`');
        if (!p)
            break;
    }
    const char *list = strstr(e->text, "one of");
    if (list)
        for (const char *p = list + 6; *p && *p != '.';) {
            while (*p == ' ' || *p == ',' || *p == '\n')
                p++;
            const char *w = p;
            while (name_char(*p))
                p++;
            if (p == w)
                break;
            fn(ctx, w, (size_t)(p - w));
        }
}

void lsp_ref_values(const lsp_ref_entry *e, void (*fn)(void *ctx, const char *value, size_t len), void *ctx)
{
    if (!e || (e->key && alternatives(e, fn, ctx)))
        return;
    named_values(e, fn, ctx);
}
