/* vmath.h — float exp, expm1, log, log1p, sigmoid, SiLU, softplus and tanh without a libm call, for loops
 * the compiler vectorises.
 *
 * Each function is branch-free straight-line arithmetic on one float (selects, no calls, no float to
 * integer conversions), so a loop over an array of them becomes AVX-512 or AVX2 code under KERN_VEC.
 * No fused multiply-adds are written or contracted (C11 mode), so every clone gives the same bits.
 * NaN in gives NaN out; +-inf and results that underflow to subnormals or zero follow libm.
 * kern_vexpm1, kern_vlog, kern_vlog1p and kern_vsoftplus serve Elu, Selu, Celu and Softplus.
 * Error against the correctly rounded value, measured over float bit patterns of every exponent and
 * asserted by tests/unit/test_vmath.c: kern_vexp 1 ulp, kern_vsigmoid 3 ulp, kern_vtanh 1 ulp,
 * kern_vsilu 3 ulp for x >= -87.33 (below, sigmoid(x) is subnormal and the product's absolute error is
 * at most |x| 2^-149, as for a separate Sigmoid and Mul), kern_vexpm1 2 ulp, kern_vlog 1 ulp, kern_vlog1p
 * 2 ulp (x >= -1), kern_vsoftplus 3 ulp. */
#ifndef QRC_OPS_VMATH_H
#define QRC_OPS_VMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Forced inlining: a call in a loop body keeps the loop scalar, and GCC's size limits would leave the
 * larger functions (Softplus is exp, log and a division) as calls. */
#define VM_INLINE static inline __attribute__((always_inline))

static inline float vm_bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t vm_float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* x clamped to [lo, hi] on the integer order of float bit patterns: integer min and max vectorise
 * without branches, where a float compare-and-select is a branch GCC may duplicate along each arm
 * (jump threading) and then refuse to if-convert. NaN comes out as lo or hi. */
static inline float vm_clamp(float x, float lo, float hi)
{
    int32_t i = (int32_t)vm_float_bits(x), l = (int32_t)vm_float_bits(lo), h = (int32_t)vm_float_bits(hi);
    i ^= (i >> 31) & 0x7fffffff;   /* negative floats: reversed, so the integers sort as the floats do */
    l ^= (l >> 31) & 0x7fffffff;
    h ^= (h >> 31) & 0x7fffffff;
    i = i < l ? l : i;
    i = i > h ? h : i;
    i ^= (i >> 31) & 0x7fffffff;
    return vm_bits_float((uint32_t)i);
}

/* e^x. Range reduction x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite: n times the short high part of
 * ln2 is exact), e^r by Cephes' degree-6 polynomial, and 2^n applied as two factors 2^(n/2) 2^(n-n/2)
 * so that results between 2^-149 and 2^-126 come out as subnormals. The clamp keeps n in [-159, 128],
 * both factors normal floats and the arithmetic free of overflow; past the largest float whose e^x
 * is finite the result is infinity, and NaN is passed through by the last factor. */
static inline float kern_vexp(float x)
{
    const float magic = 12582912.0f;   /* 1.5 * 2^23: adding it rounds to an integer kept in the low bits */
    const float hi = 88.72283172607421875f;
    const float c = vm_clamp(x, -110.0f, hi);
    const float t = c * 1.44269504088896341f + magic;
    const float k = t - magic;
    const int32_t n = (int32_t)(vm_float_bits(t) - vm_float_bits(magic));
    const float r = c - k * 0.693359375f + k * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t n1 = n / 2, n2 = n - n1;
    const float s1 = vm_bits_float((uint32_t)(n1 + 127) << 23), s2 = vm_bits_float((uint32_t)(n2 + 127) << 23);
    /* a factor rather than a select of the result, so that y is needed on every path and GCC does
       not move its computation into a branch */
    const float m = x > hi ? (float)INFINITY : x == x ? 1.0f : x;
    return p * s1 * s2 * m;
}

/* c ? a : b on the bits, so that neither operand's computation is moved into a branch (GCC sinks a
 * value used by one arm of a select into that arm, and the loop no longer vectorises). */
static inline float vm_select(int c, float a, float b)
{
    const uint32_t m = 0u - (uint32_t)(c != 0);
    return vm_bits_float((vm_float_bits(a) & m) | (vm_float_bits(b) & ~m));
}

/* 1 / (1 + e^-x), from e = e^-|x| <= 1 so nothing overflows: 1 / (1 + e) for x >= 0, e / (1 + e) below,
 * which keeps the relative error small where the result is tiny. */
static inline float kern_vsigmoid(float x)
{
    const float e = kern_vexp(-fabsf(x));
    const float r = 1.0f / (1.0f + e);
    return vm_select(x < 0.0f, e * r, r);
}

/* x * sigmoid(x) (SiLU, also called swish). */
static inline float kern_vsilu(float x)
{
    return x * kern_vsigmoid(x);
}

/* tanh(x): Cephes' odd polynomial below |x| = 0.625, where 1 - 2 / (e^2|x| + 1) would lose digits to
 * cancellation; that formula on |x| above it, with the sign of x. */
static inline float kern_vtanh(float x)
{
    const float ax = fabsf(x), z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    const float small = p * z * x + x;
    const float big = 1.0f - 2.0f / (kern_vexp(2.0f * ax) + 1.0f);
    return copysignf(vm_select(ax < 0.625f, small, big), x);   /* also tanh(-0) = -0 */
}

/* e^x - 1 without cancellation near 0: x = n ln2 + r with |r| <= ln2 / 2, e^r - 1 by its Taylor series to
 * r^7 (truncation below 2^-26 relative), then 2^n (e^r - 1) + (2^n - 1), exact in its last step's
 * operands for n in [-44, 29] (where x is clamped; below, the result rounds to -1). Past x = 20 it is
 * e^x - 1, which rounds to e^x there. NaN in gives NaN out. */
VM_INLINE float kern_vexpm1(float x)
{
    const float magic = 12582912.0f;
    const float c = vm_clamp(x, -30.0f, 20.0f);
    const float t = c * 1.44269504088896341f + magic;
    const float k = t - magic;
    const int32_t n = (int32_t)(vm_float_bits(t) - vm_float_bits(magic));
    const float r = c - k * 0.693359375f + k * 2.12194440e-4f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r * r + r;
    const float s = vm_bits_float((uint32_t)(n + 127) << 23);
    const float small = s * p + (s - 1.0f);
    const float m = x == x ? 1.0f : x;   /* NaN passes through */
    return vm_select(x > 20.0f, kern_vexp(x) - 1.0f, small) * m;
}

/* ln x for x >= 0 (and +inf); normal x as k ln2 + ln m with m in [sqrt(1/2), sqrt 2), ln m by Cephes'
 * polynomial. Subnormal x is scaled by 2^23 first. 0 gives -inf, negative x NaN. */
VM_INLINE float kern_vlog(float x)
{
    const int sub = x < 0x1p-126f;
    const float xs = vm_select(sub, x * 0x1p23f, x);
    const uint32_t u = vm_float_bits(xs);
    const int32_t big = (u & 0x7fffffu) > 0x3504f3u;   /* mantissa above sqrt 2 */
    const float m = vm_bits_float((u & 0x7fffffu) | (big ? 0x3f000000u : 0x3f800000u));
    const float e = (float)((int32_t)(u >> 23) - 127 + big - (sub ? 23 : 0));
    const float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float y = f * z * p + e * -2.12194440e-4f - 0.5f * z;
    y = f + y + e * 0.693359375f;
    y = vm_select(x == INFINITY, x, y);
    y = vm_select(x == 0.0f, -(float)INFINITY, y);
    return vm_select(!(x >= 0.0f), (float)NAN, y);   /* negative or NaN */
}

/* ln(1 + x) for x >= -1 without losing x's digits near 0: u = 1 + x rounded, then ln u scaled by
 * x / (u - 1), the exact difference u - 1 standing for the x that u represents. */
VM_INLINE float kern_vlog1p(float x)
{
    const float u = 1.0f + x, d = u - 1.0f;
    const float y = kern_vlog(u) * vm_select(d == 0.0f || u == INFINITY, 1.0f, x / d);
    return vm_select(d == 0.0f, x, y);
}

/* ln(1 + e^x) (Softplus) as max(x, 0) + ln(1 + e^-|x|): nothing overflows. */
VM_INLINE float kern_vsoftplus(float x)
{
    return vm_select(x > 0.0f, x, 0.0f) + kern_vlog1p(kern_vexp(-fabsf(x)));
}

/* v clamped to [0, 1] with bit selects, not fmaxf/fminf (calls on x86 unless NaN is ruled out) nor ?:
 * (whose arms GCC turns into branches once HardSwish's product is moved into them); NaN passes. */
static inline float kern_vunit_clamp(float v)
{
    return vm_select(v < 0.0f, 0.0f, vm_select(v > 1.0f, 1.0f, v));
}

/* HardSigmoid max(0, min(1, a x + b)) and HardSwish x HardSigmoid(x) with a = 1/6, b = 1/2, in the float
 * arithmetic the ONNX definitions spell out, so that a fused activation equals the separate op. */
static inline float kern_vhard_sigmoid(float x, float a, float b)
{
    return kern_vunit_clamp(a * x + b);
}
static inline float kern_vhard_swish(float x)
{
    return x * kern_vunit_clamp(x / 6.0f + 0.5f);
}

/* y[i] = sigmoid(x[i] + bias) for i < n; y may be x. On AVX-512 CPUs an intrinsics loop (vmath.c)
 * within the same bound as kern_vsigmoid. */
void kern_vsigmoid_row(const float *x, float *y, int64_t n, float bias);
/* y[i] = v sigmoid(alpha v) with v = x[i] + bias (swish; SiLU for alpha 1) for i < n; y may be x. Within
 * kern_vsilu's bound for alpha 1. */
void kern_vswish_row(const float *x, float *y, int64_t n, float bias, float alpha);

#endif
