/* mem.h — the allocation helpers behind qrc's one out-of-memory policy.
 *
 * The policy: memory qrc needs for its own bookkeeping (graph nodes and values, name tables, pass
 * reports, rule tables, buffers sized by the number of nodes, strings, arenas) comes from these helpers
 * or from an arena. When such an allocation fails, nothing useful can follow, so the helper prints
 * "qrc: out of memory (N bytes)" to stderr and exits with status MEM_EXIT_OOM; callers never test the
 * result. Memory whose size an input decides — tensor data, whole files, anything sized by dims, counts
 * or lengths read from a model, a plan, a .npy or a JSON file — is bounded first (checked.h,
 * CHECKED_MAX_BYTES, the file size limit of file.h) and allocated with plain malloc/calloc; its failure
 * is an ordinary error return whose message names the size and what it was for.
 *
 * Ownership: every pointer returned is the caller's, released with free(). */
#ifndef QRC_MEM_H
#define QRC_MEM_H

#include <stddef.h>

/* The exit status of a process that ran out of memory (1-4 are the qrc command's own statuses). */
#define MEM_EXIT_OOM 5

/* Prints the out-of-memory message for a request of n bytes and exits with MEM_EXIT_OOM. */
_Noreturn void mem_out_of_memory(size_t n);
/* malloc(n) (at least one byte); never NULL. */
void *mem_alloc(size_t n);
/* calloc(count, size) (at least one byte); never NULL. */
void *mem_zalloc(size_t count, size_t size);
/* realloc(p, count * size), the product checked for overflow; never NULL. */
void *mem_grow(void *p, size_t count, size_t size);
/* A copy of s (NULL gives NULL). */
char *mem_strdup(const char *s);
/* A copy of the first n bytes of s (fewer if s ends sooner), NUL-terminated. */
char *mem_strndup(const char *s, size_t n);

#endif
