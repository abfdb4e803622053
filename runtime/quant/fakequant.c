/* fakequant.c — quantize-dequantize of float buffers: nearest (ONNX Runtime's QDQ arithmetic),
 * stochastic, per-channel, float16. */
#include <math.h>

#include "base/half.h"
#include "quant.h"

/* Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to
 * even, in the default rounding mode: the same result as nearbyintf, but plain arithmetic the
 * compiler vectorises. Codes never exceed 2^16 in magnitude, so the clamp comes first. */
static const float ROUND_MAGIC = 12582912.0f;

static void code_bounds(const quant_encoding *enc, float *lo, float *hi)
{
    int32_t steps = (int32_t)((1u << enc->bitwidth) - 1u) - (enc->strict ? 1 : 0);
    *lo = (float)enc->offset;
    *hi = (float)(enc->offset + steps);
}

/* The hot loop: x / scale (a division, as ONNX Runtime computes it), clamp, round, rescale. */
__attribute__((optimize("tree-vectorize"))) static void fq_nearest(const float *x, float *y, size_t n,
                                                                    float scale, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        float t = x[i] / scale;
        t = t < lo ? lo : t;
        t = t > hi ? hi : t;
        t = (t + ROUND_MAGIC) - ROUND_MAGIC;
        y[i] = t * scale;
    }
}

static void fq_half(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = half_to_float(half_from_float(x[i]));
}

void quant_fake_quant(const quant_encoding *enc, const float *x, float *y, size_t n)
{
    if (enc->kind == QUANT_FLOAT) {
        fq_half(x, y, n);
        return;
    }
    float lo, hi;
    code_bounds(enc, &lo, &hi);
    fq_nearest(x, y, n, enc->scale, lo, hi);
}

/* splitmix64 finaliser: a good 64-bit mix, so (seed, stream, index) -> uniform bits statelessly. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void quant_fake_quant_stochastic(const quant_encoding *enc, const float *x, float *y, size_t n, uint64_t seed,
                                 uint64_t stream)
{
    if (enc->kind == QUANT_FLOAT) {
        fq_half(x, y, n);
        return;
    }
    float lo, hi;
    code_bounds(enc, &lo, &hi);
    uint64_t base = mix64(seed ^ mix64(stream + 0x9e3779b97f4a7c15ull));
    for (size_t i = 0; i < n; i++) {
        float t = x[i] / enc->scale;
        if (t != t) { /* NaN */
            y[i] = t;
            continue;
        }
        t = t < lo ? lo : t;
        t = t > hi ? hi : t;
        /* 24 random bits: u in [0, 1) exactly representable, so floor(t + u) never reaches t + 1. */
        float u = (float)(mix64(base + i) >> 40) * (1.0f / 16777216.0f);
        float q = floorf(t + u);
        q = q > hi ? hi : q;
        y[i] = q * enc->scale;
    }
}

int quant_fake_quant_axis(const quant_encoding *encs, int n_encs, const float *x, float *y, int rank,
                          const int64_t *dims, int axis, qrc_err *e)
{
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis >= rank)
        return err_set(e, "per-channel axis %d is out of range for rank %d", axis, rank);
    if (dims[axis] != n_encs)
        return err_set(e, "per-channel axis %d has %lld channels but %d encodings are given", axis,
                       (long long)dims[axis], n_encs);
    size_t outer = 1, inner = 1;
    for (int i = 0; i < axis; i++)
        outer *= (size_t)dims[i];
    for (int i = axis + 1; i < rank; i++)
        inner *= (size_t)dims[i];
    for (size_t o = 0; o < outer; o++)
        for (int c = 0; c < n_encs; c++) {
            size_t at = (o * (size_t)n_encs + (size_t)c) * inner;
            quant_fake_quant(&encs[c], x + at, y + at, inner);
        }
    return 0;
}

void quant_quantize_codes(const quant_encoding *enc, const float *x, int32_t *q, size_t n)
{
    float lo, hi;
    code_bounds(enc, &lo, &hi);
    for (size_t i = 0; i < n; i++) {
        float t = x[i] / enc->scale;
        t = t < lo ? lo : t; /* NaN maps to the lowest code: comparisons with NaN are false */
        t = t > hi ? hi : t;
        t = t == t ? (t + ROUND_MAGIC) - ROUND_MAGIC : lo;
        q[i] = (int32_t)t - enc->offset;
    }
}
