/* half.c — float16 and bfloat16 conversions (see half.h). */
#include "base/half.h"

#include <string.h>

static uint32_t float_bits(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    return x;
}

static float bits_float(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* value >> shift rounded to nearest, ties to even. */
static uint32_t shift_round_even(uint32_t value, uint32_t shift)
{
    uint32_t kept = value >> shift, rem = value & ((1u << shift) - 1u), mid = 1u << (shift - 1u);
    return kept + (rem > mid || (rem == mid && (kept & 1u)));
}

uint16_t half_from_float(float f)
{
    uint32_t x = float_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u, man = x & 0x7fffffu;
    int32_t e = (int32_t)((x >> 23) & 0xffu) - 127 + 15;
    if (e == 0xff - 127 + 15) /* infinity, or NaN kept quiet and non-zero */
        return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0u));
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) /* subnormal half or zero: the full significand shifted down */
        return (uint16_t)(sign | (e < -10 ? 0u : shift_round_even(man | 0x800000u, (uint32_t)(14 - e))));
    /* A carry out of the mantissa bumps the exponent, which is the right rounding up to infinity. */
    return (uint16_t)(sign | shift_round_even(((uint32_t)e << 23) | man, 13));
}

float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1fu)
        return bits_float(sign | 0x7f800000u | (man << 13));
    if (exp != 0)
        return bits_float(sign | ((exp - 15 + 127) << 23) | (man << 13));
    if (man == 0)
        return bits_float(sign);
    int32_t e = -1; /* normalise a subnormal */
    do {
        man <<= 1;
        e++;
    } while (!(man & 0x400u));
    return bits_float(sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13));
}

uint16_t half_bf16_from_float(float f)
{
    uint32_t x = float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (uint16_t)(x >> 16);
}

float half_bf16_to_float(uint16_t h)
{
    return bits_float((uint32_t)h << 16);
}
