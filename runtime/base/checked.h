/* checked.h — overflow-checked arithmetic for sizes computed from input.
 *
 * Dims, element counts and byte sizes read from a model, an attribute or a tensor's values are
 * attacker-controlled: multiplying them with plain int64 arithmetic is undefined behaviour on overflow and
 * can turn an absurd request into a small allocation. Every such computation goes through these helpers,
 * which report overflow instead of wrapping, and every tensor is bounded by CHECKED_MAX_BYTES.
 *
 * Ownership: nothing here allocates. */
#ifndef QRC_CHECKED_H
#define QRC_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest tensor qrc allocates or accepts from a file (16 GiB). */
#define CHECKED_MAX_BYTES ((int64_t)16 << 30)

/* a*b, a+b, a-b into *out; false (and *out unspecified) when the result does not fit in int64. */
static inline bool checked_mul(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

static inline bool checked_add(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline bool checked_sub(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_sub_overflow(a, b, out);
}

/* Product of dims[0..rank) into *out; false when a dim is negative or the product overflows. */
static inline bool checked_numel(int rank, const int64_t *dims, int64_t *out)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0 || !checked_mul(n, dims[i], &n))
            return false;
    *out = n;
    return true;
}

/* Bytes of a tensor of elem_size-byte elements and these dims; false when a dim is negative or the size
 * exceeds CHECKED_MAX_BYTES. */
static inline bool checked_bytes(size_t elem_size, int rank, const int64_t *dims, int64_t *out)
{
    int64_t n;
    if (!checked_numel(rank, dims, &n) || !checked_mul(n, (int64_t)elem_size, &n) || n > CHECKED_MAX_BYTES)
        return false;
    *out = n;
    return true;
}

#endif
