/* depthwise.c — 2-D depthwise convolution (one input channel per group) directly on NCHW.
 *
 * A depthwise conv moves little arithmetic per byte, so reordering activations into a blocked layout
 * and back costs more than the convolution itself. Here each output row is built tap by tap: for
 * kernel tap (ky, kx) the outputs whose input lies inside the row form one contiguous range, computed
 * once per plane, and the inner loop over that range is a plain multiply-add the compiler vectorises. */
#include "ops/nn_ops.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ops/kern.h"

/* On x86-64 a hand-vectorised AVX-512 path runs when the CPU has it (checked at run time): whole rows
 * of 16 outputs at a time, masked loads standing in for the zero padding, the activation applied
 * before the single store. Sanitizer builds take the portable path. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define DW_AVX512 1
#include <immintrin.h>
#include <stdint.h>
#endif

enum { DW_ROWS = 4, DW_MAX_KH = 16 };   /* output rows per block (one accumulator each); taps per column */

/* Geometry of one plane along W: for tap kx, outputs [lo[kx], hi[kx]) read inside the input row. */
static void tap_ranges(int64_t kw, int64_t iw, int64_t ow, int64_t sw, int64_t dw, int64_t pw, int64_t *lo,
                       int64_t *hi)
{
    for (int64_t j = 0; j < kw; j++) {
        int64_t off = j * dw - pw;
        int64_t a = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t b = iw - 1 - off < 0 ? 0 : (iw - 1 - off) / sw + 1;
        lo[j] = a < ow ? a : ow;
        hi[j] = b < ow ? b : ow;
        if (hi[j] < lo[j])
            hi[j] = lo[j];
    }
}

KERN_VEC static void dw_row(float *restrict yr, const float *restrict xr, const float *restrict wr, int64_t kw,
                            int64_t sw, int64_t dw, int64_t pw, const int64_t *lo, const int64_t *hi)
{
    for (int64_t j = 0; j < kw; j++) {
        const float wv = wr[j];
        const float *xp = xr + j * dw - pw;
        if (sw == 1)
            for (int64_t o = lo[j]; o < hi[j]; o++)
                yr[o] += wv * xp[o];
        else if (sw == 2)
            for (int64_t o = lo[j]; o < hi[j]; o++)
                yr[o] += wv * xp[2 * o];
        else
            for (int64_t o = lo[j]; o < hi[j]; o++)
                yr[o] += wv * xp[o * sw];
    }
}

/* Stride-1 plane over a zero-padded copy: with the padded row width as the output row pitch, every
 * tap is one long contiguous multiply-add over the whole plane (the last columns of each row are
 * scratch, dropped when the rows are copied out). */
KERN_VEC static void dw_plane_s1(const kern_dw_args *a, const float *restrict xp, const float *restrict wp,
                                 float bias, int64_t pitch, float *restrict pad, float *restrict acc,
                                 float *restrict yp)
{
    const int64_t ihp = a->oh + (a->kh - 1) * a->dh;
    const int64_t copy = a->iw < pitch - a->pl ? a->iw : pitch - a->pl;
    for (int64_t r = 0; r < ihp; r++) {
        float *pr = pad + r * pitch;
        int64_t iy = r - a->pt;
        if (iy < 0 || iy >= a->ih || copy <= 0) {
            memset(pr, 0, (size_t)pitch * sizeof *pr);
            continue;
        }
        memset(pr, 0, (size_t)a->pl * sizeof *pr);
        memcpy(pr + a->pl, xp + iy * a->iw, (size_t)copy * sizeof *pr);
        memset(pr + a->pl + copy, 0, (size_t)(pitch - a->pl - copy) * sizeof *pr);
    }
    const int64_t n = (a->oh - 1) * pitch + a->ow;
    for (int64_t i = 0; i < n; i++)
        acc[i] = bias;
    for (int64_t ky = 0; ky < a->kh; ky++) {
        const float *src = pad + ky * a->dh * pitch;
        const float *w = wp + ky * a->kw;
        int64_t kx = 0;
        for (; kx + 3 <= a->kw; kx += 3) {   /* three taps per pass over the plane */
            const float w0 = w[kx], w1 = w[kx + 1], w2 = w[kx + 2];
            const float *s0 = src + kx * a->dw, *s1 = s0 + a->dw, *s2 = s1 + a->dw;
            for (int64_t i = 0; i < n; i++)
                acc[i] += w0 * s0[i] + w1 * s1[i] + w2 * s2[i];
        }
        for (; kx < a->kw; kx++) {
            const float wv = w[kx];
            const float *s0 = src + kx * a->dw;
            for (int64_t i = 0; i < n; i++)
                acc[i] += wv * s0[i];
        }
    }
    for (int64_t r = 0; r < a->oh; r++)
        memcpy(yp + r * a->ow, acc + r * pitch, (size_t)a->ow * sizeof *yp);
}

/* Clamps a plane to [lo, hi]; NaN passes through. */
KERN_VEC static void dw_clamp(float *restrict y, int64_t n, float lo, float hi)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = y[i] < lo ? lo : y[i] > hi ? hi : y[i];
}

#ifdef DW_AVX512
/* Lanes t of a 16-float window starting at position s that fall inside [0, n). */
static uint16_t span_mask(int64_t s, int64_t n)
{
    int64_t a = s < 0 ? -s : 0, b = n - s > 16 ? 16 : n - s;
    return a >= b ? 0 : (uint16_t)(((1u << b) - 1u) & ~((1u << a) - 1u));
}

/* Per 16-output chunk of a row and kernel column kx: the load masks of the input window(s) the tap
 * reads (one window at stride 1, two at stride 2), so borders cost no branches in the row loop. */
static void dw_masks(const kern_dw_args *a, uint16_t *m)
{
    const int64_t chunks = (a->ow + 15) / 16;
    for (int64_t ch = 0; ch < chunks; ch++)
        for (int64_t kx = 0; kx < a->kw; kx++) {
            int64_t s = ch * 16 * a->sw - a->pl + kx * a->dw;
            m[(ch * a->kw + kx) * 2] = span_mask(s, a->iw);
            m[(ch * a->kw + kx) * 2 + 1] = a->sw == 2 ? span_mask(s + 16, a->iw) : 0;
        }
}

/* 16 floats from row + s with only the lanes in m read (the others are zero and never touched). */
__attribute__((target("avx512f"))) static inline __m512 dw_load(const float *row, int64_t s, uint16_t m)
{
    return _mm512_maskz_loadu_ps(m, (const void *)((uintptr_t)row + (uintptr_t)s * sizeof(float)));
}

/* Stores the DW_ROWS clamped accumulator rows of a block starting at output row oy, columns o0..o0+15,
 * leaving out rows past the plane and columns past its width. */
__attribute__((target("avx512f"))) static inline void dw_store_rows(const kern_dw_args *a, float *yp, int64_t oy,
                                                                   int64_t o0, __m512 lo, __m512 hi, __m512 acc0,
                                                                   __m512 acc1, __m512 acc2, __m512 acc3)
{
    const uint16_t om = span_mask(o0, a->ow);
    const __m512 acc[DW_ROWS] = {acc0, acc1, acc2, acc3};
    for (int r = 0; r < DW_ROWS && oy + r < a->oh; r++)
        _mm512_mask_storeu_ps(yp + (oy + r) * a->ow + o0, om, _mm512_min_ps(hi, _mm512_max_ps(lo, acc[r])));
}

/* One plane, stride along W of 1 or 2, kh <= DW_MAX_KH. DW_ROWS output rows are computed together so
 * their accumulation chains overlap; a row outside the plane or the input reads with an empty mask. */
__attribute__((target("avx512f"))) static void dw_plane_avx512(const kern_dw_args *a, const float *xp,
                                                              const float *wp, float bias, const uint16_t *masks,
                                                              float *yp)
{
    const int64_t chunks = (a->ow + 15) / 16, kw = a->kw;
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi), b = _mm512_set1_ps(bias);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const float *rp[DW_MAX_KH][DW_ROWS];
    uint16_t rm[DW_MAX_KH][DW_ROWS];
    for (int64_t oy = 0; oy < a->oh; oy += DW_ROWS) {
        for (int64_t ky = 0; ky < a->kh; ky++)
            for (int r = 0; r < DW_ROWS; r++) {
                int64_t iy = (oy + r) * a->sh - a->pt + ky * a->dh;
                bool ok = oy + r < a->oh && iy >= 0 && iy < a->ih;
                rp[ky][r] = ok ? xp + iy * a->iw : xp;
                rm[ky][r] = ok ? 0xffff : 0;
            }
        for (int64_t ch = 0; ch < chunks; ch++) {
            const int64_t o0 = ch * 16;
            const uint16_t *m = masks + ch * kw * 2;
            __m512 acc0 = b, acc1 = b, acc2 = b, acc3 = b;   /* DW_ROWS named accumulators stay in registers */
            for (int64_t ky = 0; ky < a->kh; ky++) {
                const float *wr = wp + ky * kw, *r0 = rp[ky][0], *r1 = rp[ky][1], *r2 = rp[ky][2], *r3 = rp[ky][3];
                const uint16_t q0 = rm[ky][0], q1 = rm[ky][1], q2 = rm[ky][2], q3 = rm[ky][3];
                if (a->sw == 1)
                    for (int64_t kx = 0; kx < kw; kx++) {
                        const __m512 w = _mm512_set1_ps(wr[kx]);
                        const int64_t s = o0 - a->pl + kx * a->dw;
                        const uint16_t mk = m[2 * kx];
                        acc0 = _mm512_fmadd_ps(dw_load(r0, s, mk & q0), w, acc0);
                        acc1 = _mm512_fmadd_ps(dw_load(r1, s, mk & q1), w, acc1);
                        acc2 = _mm512_fmadd_ps(dw_load(r2, s, mk & q2), w, acc2);
                        acc3 = _mm512_fmadd_ps(dw_load(r3, s, mk & q3), w, acc3);
                    }
                else
                    for (int64_t kx = 0; kx < kw; kx++) {
                        const __m512 w = _mm512_set1_ps(wr[kx]);
                        const int64_t s = 2 * o0 - a->pl + kx * a->dw;
                        const uint16_t ma = m[2 * kx], mb = m[2 * kx + 1];
#define DW_S2(acc, r, q)                                                                                     \
    acc = _mm512_fmadd_ps(_mm512_permutex2var_ps(dw_load(r, s, ma & q), even, dw_load(r, s + 16, mb & q)), w, acc)
                        DW_S2(acc0, r0, q0);
                        DW_S2(acc1, r1, q1);
                        DW_S2(acc2, r2, q2);
                        DW_S2(acc3, r3, q3);
#undef DW_S2
                    }
            }
            dw_store_rows(a, yp, oy, o0, lo, hi, acc0, acc1, acc2, acc3);
        }
    }
}

/* Stride 1 and dilation 1 in both directions (most depthwise layers): the DW_ROWS output rows of a block
 * read DW_ROWS + kh - 1 input rows, and each input vector is loaded once for every output row whose
 * kernel covers it. */
__attribute__((target("avx512f"))) static void dw_plane_avx512_s1(const kern_dw_args *a, const float *xp,
                                                                 const float *wp, float bias,
                                                                 const uint16_t *masks, float *yp)
{
    const int64_t chunks = (a->ow + 15) / 16, kw = a->kw, kh = a->kh;
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi), b = _mm512_set1_ps(bias);
    for (int64_t oy = 0; oy < a->oh; oy += DW_ROWS)
        for (int64_t ch = 0; ch < chunks; ch++) {
            const int64_t o0 = ch * 16;
            const uint16_t *m = masks + ch * kw * 2;
            __m512 acc0 = b, acc1 = b, acc2 = b, acc3 = b;
            for (int64_t j = 0; j < DW_ROWS + kh - 1; j++) {
                const int64_t iy = oy - a->pt + j;
                if (iy < 0 || iy >= a->ih)
                    continue;
                const float *xr = xp + iy * a->iw;
                /* the weight row output row r applies to input row j (ky = j - r), NULL when outside */
                const float *w0 = j < kh ? wp + j * kw : NULL;
                const float *w1 = j >= 1 && j - 1 < kh ? wp + (j - 1) * kw : NULL;
                const float *w2 = j >= 2 && j - 2 < kh ? wp + (j - 2) * kw : NULL;
                const float *w3 = j >= 3 && j - 3 < kh ? wp + (j - 3) * kw : NULL;
                for (int64_t kx = 0; kx < kw; kx++) {
                    const __m512 v = dw_load(xr, o0 - a->pl + kx, m[2 * kx]);
                    if (w0)
                        acc0 = _mm512_fmadd_ps(v, _mm512_set1_ps(w0[kx]), acc0);
                    if (w1)
                        acc1 = _mm512_fmadd_ps(v, _mm512_set1_ps(w1[kx]), acc1);
                    if (w2)
                        acc2 = _mm512_fmadd_ps(v, _mm512_set1_ps(w2[kx]), acc2);
                    if (w3)
                        acc3 = _mm512_fmadd_ps(v, _mm512_set1_ps(w3[kx]), acc3);
                }
            }
            dw_store_rows(a, yp, oy, o0, lo, hi, acc0, acc1, acc2, acc3);
        }
}

/* 3x3, stride 1, dilation 1 (the common depthwise layer): the nine weights and the three column masks
 * of a chunk sit in registers and the six input rows of a four-row block are unrolled, each row loaded
 * once per kernel column and fed to the output rows it touches. */
__attribute__((target("avx512f"))) static void dw_plane_avx512_3x3s1(const kern_dw_args *a, const float *xp,
                                                                    const float *wp, float bias,
                                                                    const uint16_t *masks, float *yp)
{
    const int64_t chunks = (a->ow + 15) / 16;
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi), b = _mm512_set1_ps(bias);
    const __m512 w00 = _mm512_set1_ps(wp[0]), w01 = _mm512_set1_ps(wp[1]), w02 = _mm512_set1_ps(wp[2]);
    const __m512 w10 = _mm512_set1_ps(wp[3]), w11 = _mm512_set1_ps(wp[4]), w12 = _mm512_set1_ps(wp[5]);
    const __m512 w20 = _mm512_set1_ps(wp[6]), w21 = _mm512_set1_ps(wp[7]), w22 = _mm512_set1_ps(wp[8]);
    for (int64_t oy = 0; oy < a->oh; oy += DW_ROWS)
        for (int64_t ch = 0; ch < chunks; ch++) {
            const int64_t o0 = ch * 16, s = o0 - a->pl;
            const uint16_t m0 = masks[ch * 6], m1 = masks[ch * 6 + 2], m2 = masks[ch * 6 + 4];
            __m512 acc0 = b, acc1 = b, acc2 = b, acc3 = b, v0, v1, v2;
#define DW_ROW(j, body)                                                                                      \
    do {                                                                                                     \
        const int64_t iy = oy - a->pt + (j);                                                                 \
        if (iy >= 0 && iy < a->ih) {                                                                         \
            const float *xr = xp + iy * a->iw;                                                               \
            v0 = dw_load(xr, s, m0);                                                                         \
            v1 = dw_load(xr, s + 1, m1);                                                                     \
            v2 = dw_load(xr, s + 2, m2);                                                                     \
            body                                                                                             \
        }                                                                                                    \
    } while (0)
#define DW_TAP(acc, ky)                                                                                      \
    acc = _mm512_fmadd_ps(v0, w##ky##0, acc);                                                                \
    acc = _mm512_fmadd_ps(v1, w##ky##1, acc);                                                                \
    acc = _mm512_fmadd_ps(v2, w##ky##2, acc);
            DW_ROW(0, DW_TAP(acc0, 0));
            DW_ROW(1, DW_TAP(acc0, 1) DW_TAP(acc1, 0));
            DW_ROW(2, DW_TAP(acc0, 2) DW_TAP(acc1, 1) DW_TAP(acc2, 0));
            DW_ROW(3, DW_TAP(acc1, 2) DW_TAP(acc2, 1) DW_TAP(acc3, 0));
            DW_ROW(4, DW_TAP(acc2, 2) DW_TAP(acc3, 1));
            DW_ROW(5, DW_TAP(acc3, 2));
#undef DW_TAP
#undef DW_ROW
            dw_store_rows(a, yp, oy, o0, lo, hi, acc0, acc1, acc2, acc3);
        }
}

/* 3x3, stride 2, dilation 1: as the stride-1 kernel, with the nine input rows of a four-row block; the
 * even and odd columns of one pair of loads serve kernel columns 0 and 1, a second pair column 2. */
__attribute__((target("avx512f"))) static void dw_plane_avx512_3x3s2(const kern_dw_args *a, const float *xp,
                                                                    const float *wp, float bias,
                                                                    const uint16_t *masks, float *yp)
{
    const int64_t chunks = (a->ow + 15) / 16;
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi), b = _mm512_set1_ps(bias);
    const __m512 w00 = _mm512_set1_ps(wp[0]), w01 = _mm512_set1_ps(wp[1]), w02 = _mm512_set1_ps(wp[2]);
    const __m512 w10 = _mm512_set1_ps(wp[3]), w11 = _mm512_set1_ps(wp[4]), w12 = _mm512_set1_ps(wp[5]);
    const __m512 w20 = _mm512_set1_ps(wp[6]), w21 = _mm512_set1_ps(wp[7]), w22 = _mm512_set1_ps(wp[8]);
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (int64_t oy = 0; oy < a->oh; oy += DW_ROWS)
        for (int64_t ch = 0; ch < chunks; ch++) {
            const int64_t o0 = ch * 16, s = 2 * o0 - a->pl;
            const uint16_t *m = masks + ch * 6;
            __m512 acc0 = b, acc1 = b, acc2 = b, acc3 = b, v0, v1, v2;
#define DW_ROW(j, body)                                                                                      \
    do {                                                                                                     \
        const int64_t iy = 2 * oy - a->pt + (j);                                                             \
        if (iy >= 0 && iy < a->ih) {                                                                         \
            const float *xr = xp + iy * a->iw;                                                               \
            const __m512 lo0 = dw_load(xr, s, m[0]), hi0 = dw_load(xr, s + 16, m[1]);                        \
            const __m512 lo2 = dw_load(xr, s + 2, m[4]), hi2 = dw_load(xr, s + 18, m[5]);                    \
            v0 = _mm512_permutex2var_ps(lo0, even, hi0);                                                     \
            v1 = _mm512_permutex2var_ps(lo0, odd, hi0);                                                      \
            v2 = _mm512_permutex2var_ps(lo2, even, hi2);                                                     \
            body                                                                                             \
        }                                                                                                    \
    } while (0)
#define DW_TAP(acc, ky)                                                                                      \
    acc = _mm512_fmadd_ps(v0, w##ky##0, acc);                                                                \
    acc = _mm512_fmadd_ps(v1, w##ky##1, acc);                                                                \
    acc = _mm512_fmadd_ps(v2, w##ky##2, acc);
            DW_ROW(0, DW_TAP(acc0, 0));
            DW_ROW(1, DW_TAP(acc0, 1));
            DW_ROW(2, DW_TAP(acc0, 2) DW_TAP(acc1, 0));
            DW_ROW(3, DW_TAP(acc1, 1));
            DW_ROW(4, DW_TAP(acc1, 2) DW_TAP(acc2, 0));
            DW_ROW(5, DW_TAP(acc2, 1));
            DW_ROW(6, DW_TAP(acc2, 2) DW_TAP(acc3, 0));
            DW_ROW(7, DW_TAP(acc3, 1));
            DW_ROW(8, DW_TAP(acc3, 2));
#undef DW_TAP
#undef DW_ROW
            dw_store_rows(a, yp, oy, o0, lo, hi, acc0, acc1, acc2, acc3);
        }
}
#endif

int kern_depthwise2d(op_ctx *ctx, const kern_dw_args *a)
{
    const int threads = kern_work_threads(ctx, (double)(a->n * a->oc * a->oh * a->ow) * (double)(a->kh * a->kw));
#ifdef DW_AVX512
    if ((a->sw == 1 || a->sw == 2) && a->kh <= DW_MAX_KH && __builtin_cpu_supports("avx512f")) {
        const int64_t planes = a->n * a->oc, isz = a->ih * a->iw, osz = a->oh * a->ow, m = a->oc / a->c;
        const bool s1 = a->sh == 1 && a->sw == 1 && a->dh == 1 && a->dw == 1;
        const bool s2 = a->sh == 2 && a->sw == 2 && a->dh == 1 && a->dw == 1;
        uint16_t *masks = malloc((size_t)(((a->ow + 15) / 16) * a->kw * 2 + 1) * sizeof *masks);
        if (!masks)
            return kern_fail(ctx, "out of memory");
        dw_masks(a, masks);
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t p = 0; p < planes; p++) {
            const int64_t c = p % a->oc;
            const float *xp = a->x + (p / a->oc * a->c + c / m) * isz;
            if (s1 && a->kh == 3 && a->kw == 3)
                dw_plane_avx512_3x3s1(a, xp, a->w + c * 9, a->b ? a->b[c] : 0.0f, masks, a->y + p * osz);
            else if (s2 && a->kh == 3 && a->kw == 3)
                dw_plane_avx512_3x3s2(a, xp, a->w + c * 9, a->b ? a->b[c] : 0.0f, masks, a->y + p * osz);
            else if (s1)
                dw_plane_avx512_s1(a, xp, a->w + c * a->kh * a->kw, a->b ? a->b[c] : 0.0f, masks, a->y + p * osz);
            else
                dw_plane_avx512(a, xp, a->w + c * a->kh * a->kw, a->b ? a->b[c] : 0.0f, masks, a->y + p * osz);
            if (a->plane_act)
                a->plane_act(a->y + p * osz, osz, a->act_arg);
        }
        free(masks);
        return 0;
    }
#endif
    int64_t *lo = malloc((size_t)(2 * a->kw + 2) * sizeof *lo);
    if (!lo)
        return kern_fail(ctx, "out of memory");
    int64_t *hi = lo + a->kw;
    tap_ranges(a->kw, a->iw, a->ow, a->sw, a->dw, a->pl, lo, hi);
    const int64_t planes = a->n * a->oc, isz = a->ih * a->iw, osz = a->oh * a->ow, m = a->oc / a->c;
    /* stride 1: padded-plane path; its scratch is (padded input + output) rows of the padded pitch */
    const bool s1 = a->sh == 1 && a->sw == 1;
    const int64_t pitch = a->ow + (a->kw - 1) * a->dw;   /* every column a stride-1 output reads */
    const size_t scratch = s1 ? (size_t)((a->oh + (a->kh - 1) * a->dh) * pitch + a->oh * pitch) : 0;
    int failed = 0;
#pragma omp parallel num_threads(threads)
    {
        float *buf = scratch ? malloc(scratch * sizeof *buf) : NULL;
        if (scratch && !buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t p = 0; p < planes; p++) {
            const int64_t c = p % a->oc;
            const float *xp = a->x + (p / a->oc * a->c + c / m) * isz, *wp = a->w + c * a->kh * a->kw;
            float *yp = a->y + p * osz;
            float bias = a->b ? a->b[c] : 0.0f;
            if (s1) {
                if (buf) {
                    dw_plane_s1(a, xp, wp, bias, pitch, buf, buf + (a->oh + (a->kh - 1) * a->dh) * pitch, yp);
                    dw_clamp(yp, osz, a->lo, a->hi);
                    if (a->plane_act)
                        a->plane_act(yp, osz, a->act_arg);
                }
                continue;
            }
            for (int64_t oy = 0; oy < a->oh; oy++) {
                float *yr = yp + oy * a->ow;
                for (int64_t o = 0; o < a->ow; o++)
                    yr[o] = bias;
                for (int64_t ky = 0; ky < a->kh; ky++) {
                    int64_t iy = oy * a->sh - a->pt + ky * a->dh;
                    if (iy < 0 || iy >= a->ih)
                        continue;
                    dw_row(yr, xp + iy * a->iw, wp + ky * a->kw, a->kw, a->sw, a->dw, a->pl, lo, hi);
                }
            }
            dw_clamp(yp, osz, a->lo, a->hi);
            if (a->plane_act)
                a->plane_act(yp, osz, a->act_arg);
        }
        free(buf);
    }
    free(lo);
    return failed ? kern_fail(ctx, "out of memory") : 0;
}
