/* half.h — IEEE 754 binary16 (float16) and bfloat16 conversions to and from float32, for the Cast
 * kernels, float16 quantization simulation and float16 weights in exported models.
 *
 * Narrowing rounds to nearest, ties to even; a value beyond the largest finite half becomes infinity
 * with its sign; NaN stays NaN (quiet, payload truncated but never turned into infinity). Widening is
 * exact.
 *
 * Ownership: pure functions on values; nothing is allocated. */
#ifndef QRC_HALF_H
#define QRC_HALF_H

#include <stdint.h>

/* float32 -> binary16 bits. */
uint16_t half_from_float(float f);
/* binary16 bits -> float32 (exact). */
float half_to_float(uint16_t h);
/* float32 -> bfloat16 bits. */
uint16_t half_bf16_from_float(float f);
/* bfloat16 bits -> float32 (exact). */
float half_bf16_to_float(uint16_t h);

#endif
