/* reference.c — lookups in the reference table generated from the README. */
#include "lsp/reference.h"

#include "front/sema.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/* True when w names a key of section (or a section): a key in a text is not one of its values. */
static bool is_key(const char *section, const char *w, size_t n)
{
    const char *blocks[] = {NULL, section};
    for (int b = 0; b < 2; b++)
        for (size_t i = 0; sema_block_key(blocks[b], i); i++)
            if (strlen(sema_block_key(blocks[b], i)) == n && !strncmp(sema_block_key(blocks[b], i), w, n))
                return true;
    return false;
}

/* "`int4` … `int16`": the values between two code spans of one prefix and a number. */
static void range_values(const char *a, size_t na, const char *b, void (*fn)(void *, const char *, size_t), void *ctx)
{
    size_t p = 0;
    while (p < na && !isdigit((unsigned char)a[p]))
        p++;
    if (p == 0 || p == na || strncmp(a, b, p) || !isdigit((unsigned char)b[p]))
        return;
    for (int k = atoi(a + p) + 1; k < atoi(b + p); k++) {
        char v[64];
        int n = snprintf(v, sizeof v, "%.*s%d", (int)p, a, k);
        if (n > 0 && (size_t)n < sizeof v)
            fn(ctx, v, (size_t)n);
    }
}

/* Names in code spans ("`tf`", "`percentile(P)`"), ranges between them and "one of a, b, c." lists. */
static void named_values(const lsp_ref_entry *e, void (*fn)(void *, const char *, size_t), void *ctx)
{
    static const char ellipsis[] = " \u2026 `";
    const char *prev = NULL;
    size_t n_prev = 0;
    for (const char *p = strchr(e->text, '`'); p; p = strchr(p + 1, '`')) {
        const char *w = p + 1, *q = w;
        while (name_char(*q))
            q++;
        const char *end = *q == '(' && strchr(q, ')') ? strchr(q, ')') + 1 : q;
        if (q > w && *end == '`' && !isupper((unsigned char)*w) && !is_key(e->section, w, (size_t)(q - w))) {
            if (prev && !strncmp(prev + n_prev + 1, ellipsis, sizeof ellipsis - 1))
                range_values(prev, n_prev, w, fn, ctx);
            fn(ctx, w, (size_t)(q - w));
            prev = w;
            n_prev = (size_t)(q - w);
        }
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

static void count_one(void *ctx, const char *v, size_t n)
{
    (*(int *)ctx)++;
}

static int count_values(const lsp_ref_entry *e)
{
    int n = 0;
    named_values(e, count_one, &n);
    return n;
}

/* The placeholder (SCHEME, DTYPE) right after e's key in its syntax: its start and length. */
static size_t placeholder(const lsp_ref_entry *e, const char **start)
{
    const char *p = e->syntax + (e->key ? strlen(e->key) : 0);
    while (*p == ' ')
        p++;
    size_t n = 0;
    while (isupper((unsigned char)p[n]) || p[n] == '_')
        n++;
    *start = p;
    return n >= 2 ? n : 0;
}

const lsp_ref_entry *lsp_ref_values_entry(const lsp_ref_entry *e)
{
    const char *ph;
    size_t n = placeholder(e, &ph);
    if (n && count_values(e) < 2)   /* the values of a placeholder are listed where it is first explained */
        for (size_t i = 0; i < lsp_ref_count; i++) {
            const lsp_ref_entry *o = &lsp_ref_entries[i];
            const char *oph;
            if (o != e && placeholder(o, &oph) == n && !strncmp(oph, ph, n) && count_values(o) >= 2) {
                return o;
            }
        }
    return e;
}

void lsp_ref_values(const lsp_ref_entry *e, void (*fn)(void *ctx, const char *value, size_t len), void *ctx)
{
    if (!e || (e->key && alternatives(e, fn, ctx)))
        return;
    named_values(lsp_ref_values_entry(e), fn, ctx);
}
