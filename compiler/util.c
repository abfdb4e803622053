/* util.c — arrays, maps and paths. */
#include "util.h"

#include <stdint.h>
#include <string.h>

void util_push(arena *a, void *items_ptr, size_t *n, void *item)
{
    void ***items = items_ptr;
    size_t k = *n;
    if (k == 0 || (k & (k - 1)) == 0) {   /* full at 0, 1, 2, 4, 8, ... */
        void **grown = arena_alloc(a, (k ? 2 * k : 1) * sizeof *grown);
        if (k)
            memcpy(grown, *items, k * sizeof *grown);
        *items = grown;
    }
    (*items)[k] = item;
    *n = k + 1;
}

static size_t map_hash(const util_map *m, const void *key)
{
    if (m->by_pointer) {
        uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
        return (size_t)(h >> 17);
    }
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)h;
}

static bool map_same(const util_map *m, const void *a, const void *b)
{
    return m->by_pointer ? a == b : !strcmp(a, b);
}

/* The slot holding key, or the empty slot where it would go (the table is never full). */
static size_t map_slot(const util_map *m, const void *key)
{
    size_t mask = m->cap - 1, i = map_hash(m, key) & mask;
    while (m->keys[i] && !map_same(m, m->keys[i], key))
        i = (i + 1) & mask;
    return i;
}

void *util_map_get(const util_map *m, const void *key)
{
    if (!m->cap)
        return NULL;
    size_t i = map_slot(m, key);
    return m->keys[i] ? m->vals[i] : NULL;
}

void util_map_put(util_map *m, const void *key, void *val)
{
    if (2 * (m->n + 1) > m->cap) {   /* at most half full: probes stay short */
        util_map old = *m;
        m->cap = old.cap ? 2 * old.cap : 16;
        m->keys = arena_alloc(m->a, m->cap * sizeof *m->keys);
        m->vals = arena_alloc(m->a, m->cap * sizeof *m->vals);
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                size_t j = map_slot(m, old.keys[i]);
                m->keys[j] = old.keys[i];
                m->vals[j] = old.vals[i];
            }
    }
    size_t i = map_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
}

char *util_path_resolve(arena *a, const char *base_file, const char *rel)
{
    const char *joined = rel;
    if (rel[0] != '/') {
        const char *slash = strrchr(base_file, '/');
        if (slash)
            joined = arena_printf(a, "%.*s/%s", (int)(slash - base_file), base_file, rel);
    }
    /* Lexical normalization: split on '/', drop "." and empty parts, let ".." eat a real part. */
    size_t len = strlen(joined);
    char *buf = arena_strdup(a, joined);
    const char **parts = arena_alloc(a, (len + 1) * sizeof *parts);
    size_t np = 0, leading_up = 0;
    for (char *save = NULL, *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (!strcmp(p, "."))
            continue;
        if (!strcmp(p, "..")) {
            if (np > leading_up) {
                np--;
                continue;
            }
            if (joined[0] == '/')
                continue;
            leading_up++;
        }
        parts[np++] = p;
    }
    char *out = arena_alloc(a, len + 3), *o = out;
    if (joined[0] == '/')
        *o++ = '/';
    for (size_t i = 0; i < np; i++) {
        size_t l = strlen(parts[i]);
        memcpy(o, parts[i], l);
        o += l;
        if (i + 1 < np)
            *o++ = '/';
    }
    if (o == out)
        *o++ = '.';
    *o = 0;
    return out;
}

char *util_path_stem(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    if (n > 2 && !strcmp(base + n - 2, ".q"))
        n -= 2;
    return arena_strndup(a, base, n);
}
