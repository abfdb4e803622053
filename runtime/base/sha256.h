/* sha256.h — SHA-256 (FIPS 180-4): recipe hashes, artifact and model hashes, checkpoint digests.
 *
 * Ownership: nothing is allocated; the caller owns the context and the output buffers. */
#ifndef QRC_SHA256_H
#define QRC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;           /* bytes hashed so far */
    unsigned char buf[64];
    size_t fill;
} sha256_ctx;

/* Starts a new hash. */
void sha256_init(sha256_ctx *c);
/* Hashes n more bytes. */
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/* Finishes and writes the 32-byte digest. */
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* Writes the digest as 64 lowercase hex digits plus NUL. */
void sha256_hex(const unsigned char digest[32], char out[65]);

/* The digest of n bytes in one call. */
void sha256_digest(const void *data, size_t n, unsigned char out[32]);
/* The digest of n bytes as 64 lowercase hex digits plus NUL. */
void sha256_hex_of(const void *data, size_t n, char out[65]);

#endif
