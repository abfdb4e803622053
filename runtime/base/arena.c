#include "base/arena.h"

#include "base/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

/* Blocks grow geometrically from ARENA_BLOCK to ARENA_MAX_BLOCK, so that a small arena stays small and a
 * large one (the AST of a 100,000-line recipe) takes few blocks. */
enum { ARENA_BLOCK = 64 * 1024, ARENA_MAX_BLOCK = 4 * 1024 * 1024 };

static arena_block *new_block(size_t n, const arena_block *prev)
{
    size_t size = prev && prev->size < ARENA_MAX_BLOCK ? prev->size * 2 : prev ? ARENA_MAX_BLOCK : ARENA_BLOCK;
    if (size < n)
        size = n;
    arena_block *b = mem_alloc(sizeof *b + size);
    b->used = 0;
    b->size = size;
    return b;
}

/* n bytes, 16-byte aligned, not cleared (for callers that write every byte). */
static void *alloc_raw(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        b = new_block(n, b);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *arena_alloc(arena *a, size_t n)
{
    return memset(alloc_raw(a, n), 0, n);
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *d = alloc_raw(a, n + 1);
    if (n)   /* s may be NULL for an empty string (an empty bytes field of a model) */
        memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    /* One formatting pass into a stack buffer for the usual short string, a second only when it is long. */
    char small[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *s;
    if (n >= 0 && (size_t)n < sizeof small) {
        s = arena_strndup(a, small, (size_t)n);
    } else {
        s = alloc_raw(a, (size_t)(n < 0 ? 0 : n) + 1);
        vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
    }
    va_end(ap2);
    return s;
}

void arena_free(arena *a)
{
    while (a->head) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}
