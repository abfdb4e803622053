/* util.h — small helpers shared by the compiler: arena-backed growable arrays and maps, paths.
 *
 * Ownership: everything returned is allocated from the arena passed in. */
#ifndef QRC_UTIL_H
#define QRC_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

/* Appends item to the array *items of *n elements (capacity doubles at powers of two). */
void util_push(arena *a, void *items_ptr, size_t *n, void *item);
/* A hash map from keys to non-NULL pointers, allocated in an arena: string keys compared by content, or
 * (by_pointer) keys compared by address. Keys are stored as given and must outlive the map. A zeroed map
 * with `a` set is empty and ready. */
typedef struct util_map {
    arena *a;
    bool by_pointer;
    const void **keys;
    void **vals;
    size_t n, cap;
} util_map;

/* The value stored under key, or NULL. */
void *util_map_get(const util_map *m, const void *key);
/* Stores val under key, replacing what was there (storing NULL makes key read back as absent). */
void util_map_put(util_map *m, const void *key, void *val);

/* Joins rel to the directory of base_file (rel unchanged when absolute) and normalizes "." and "..". */
char *util_path_resolve(arena *a, const char *base_file, const char *rel);
/* The file name of path without its directory and without a trailing ".q". */
char *util_path_stem(arena *a, const char *path);

#endif
