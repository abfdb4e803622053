/* mem.c — allocation helpers that exit on out-of-memory (see mem.h for the policy). */
#include "base/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void mem_out_of_memory(size_t n)
{
    fprintf(stderr, "qrc: out of memory (%zu bytes)\n", n);
    exit(MEM_EXIT_OOM);
}

void *mem_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_out_of_memory(n);
    return p;
}

void *mem_zalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        mem_out_of_memory(count * size);
    return p;
}

void *mem_grow(void *p, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        mem_out_of_memory(SIZE_MAX);
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_out_of_memory(n);
    return q;
}

char *mem_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    return memcpy(mem_alloc(n), s, n);
}

char *mem_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = mem_alloc(len + 1);
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}
