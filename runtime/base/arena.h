/* arena.h — bump allocator for memory that shares one lifetime (an AST, a plan, a graph's strings).
 *
 * Ownership: everything allocated from an arena is freed at once by arena_free; never free() it.
 * A failed allocation exits as mem.h says: out-of-memory is not a recoverable input error. */
#ifndef QRC_ARENA_H
#define QRC_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
} arena;

/* Returns n zeroed bytes aligned to 16, owned by a. */
void *arena_alloc(arena *a, size_t n);
/* Copies s (NULL gives NULL) into a. */
char *arena_strdup(arena *a, const char *s);
/* Copies the first n bytes of s into a, NUL-terminated. */
char *arena_strndup(arena *a, const char *s, size_t n);
/* printf into a fresh string owned by a. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees every block; a is empty and reusable afterwards. */
void arena_free(arena *a);

#endif
