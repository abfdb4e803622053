/* depthwise.c — 2-D depthwise convolution (one filter per channel) directly on NCHW.
 *
 * A depthwise conv moves little arithmetic per byte, so reordering activations into a blocked layout
 * and back costs more than the convolution itself. Here each output row is built tap by tap: for
 * kernel tap (ky, kx) the outputs whose input lies inside the row form one contiguous range, computed
 * once per plane, and the inner loop over that range is a plain multiply-add the compiler vectorises. */
#include "ops/nn_ops.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ops/nn.h"

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

NN_VEC static void dw_row(float *restrict yr, const float *restrict xr, const float *restrict wr, int64_t kw,
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
NN_VEC static void dw_plane_s1(const kern_nn_dw_args *a, const float *restrict xp, const float *restrict wp,
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

int kern_nn_depthwise2d(op_ctx *ctx, const kern_nn_dw_args *a)
{
    int64_t *lo = malloc((size_t)(2 * a->kw + 2) * sizeof *lo);
    if (!lo)
        return kern_nn_fail(ctx, "out of memory");
    int64_t *hi = lo + a->kw;
    tap_ranges(a->kw, a->iw, a->ow, a->sw, a->dw, a->pl, lo, hi);
    const int64_t planes = a->n * a->c, isz = a->ih * a->iw, osz = a->oh * a->ow;
    /* stride 1: padded-plane path; its scratch is (padded input + output) rows of the padded pitch */
    const bool s1 = a->sh == 1 && a->sw == 1;
    const int64_t pitch = a->ow + (a->kw - 1) * a->dw;   /* every column a stride-1 output reads */
    const size_t scratch = s1 ? (size_t)((a->oh + (a->kh - 1) * a->dh) * pitch + a->oh * pitch) : 0;
    int failed = 0;
#pragma omp parallel num_threads(ctx->threads > 0 ? ctx->threads : 1)
    {
        float *buf = scratch ? malloc(scratch * sizeof *buf) : NULL;
        if (scratch && !buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t p = 0; p < planes; p++) {
            int64_t c = p % a->c;
            const float *xp = a->x + p * isz, *wp = a->w + c * a->kh * a->kw;
            float *yp = a->y + p * osz;
            float bias = a->b ? a->b[c] : 0.0f;
            if (s1) {
                if (buf)
                    dw_plane_s1(a, xp, wp, bias, pitch, buf, buf + (a->oh + (a->kh - 1) * a->dh) * pitch, yp);
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
        }
        free(buf);
    }
    free(lo);
    return failed ? kern_nn_fail(ctx, "out of memory") : 0;
}
