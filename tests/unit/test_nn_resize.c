/* Resize / Upsample and ConvTranspose against naive loops (non-separable 2-D interpolation, direct
 * scatter for the transposed convolution). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

/* Source coordinate for the modes the naive reference covers. */
static double coord(const char *ctm, int64_t o, int64_t lin, int64_t lout, double s)
{
    if (!strcmp(ctm, "align_corners"))
        return lout == 1 ? 0 : (double)o * (double)(lin - 1) / ((double)lin * s - 1);
    if (!strcmp(ctm, "asymmetric"))
        return o / s;
    if (!strcmp(ctm, "pytorch_half_pixel"))
        return lout > 1 ? (o + 0.5) / s - 0.5 : 0;
    return (o + 0.5) / s - 0.5;
}

static void resize_case(const char *mode, const char *ctm, const char *nearest, int64_t h, int64_t w, float sh,
                        float sw, bool use_sizes, uint64_t seed)
{
    int64_t xd[4] = {2, 3, h, w};
    int64_t oh = (int64_t)floor((double)h * sh), ow = (int64_t)floor((double)w * sw);
    tensor *x = nnh_tensor(4, xd, &seed, -2, 2);
    nnh *hh = nnh_new("Resize", 4, 1, 13);
    nnh_input(hh, 0, x, false);
    nnh_input(hh, 1, NULL, false);
    double ssh = sh, ssw = sw;
    if (use_sizes) {
        int64_t d = 4;
        qrc_err e;
        tensor *sz = tensor_new(DT_INT64, 1, &d, &e);
        int64_t *sv = sz->data;
        sv[0] = 2, sv[1] = 3, sv[2] = oh, sv[3] = ow;
        nnh_input(hh, 2, NULL, false);
        nnh_input(hh, 3, sz, true);
        ssh = (float)oh / (float)h; /* the scale a float computation derives */
        ssw = (float)ow / (float)w;
    } else {
        int64_t d = 4;
        qrc_err e;
        tensor *sc = tensor_new(DT_FLOAT, 1, &d, &e);
        float *sv = sc->data;
        sv[0] = 1, sv[1] = 1, sv[2] = sh, sv[3] = sw;
        nnh_input(hh, 2, sc, true);
        nnh_input(hh, 3, NULL, false);
        ssh = (float)sh;
        ssw = (float)sw;
    }
    nnh_str(hh, "mode", mode);
    nnh_str(hh, "coordinate_transformation_mode", ctm);
    if (nearest)
        nnh_str(hh, "nearest_mode", nearest);
    float *ref = malloc((size_t)(6 * oh * ow + 1) * sizeof *ref);
    const float *xv = x->data;
    for (int64_t p = 0; p < 6; p++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                double y = coord(ctm, i, h, oh, ssh), xx = coord(ctm, j, w, ow, ssw);
                double v;
                if (!strcmp(mode, "nearest")) {
                    double ry = !strcmp(nearest, "floor") ? floor(y) : !strcmp(nearest, "ceil") ? ceil(y)
                                : !strcmp(nearest, "round_prefer_ceil") ? floor(y + 0.5) : ceil(y - 0.5);
                    double rx = !strcmp(nearest, "floor") ? floor(xx) : !strcmp(nearest, "ceil") ? ceil(xx)
                                : !strcmp(nearest, "round_prefer_ceil") ? floor(xx + 0.5) : ceil(xx - 0.5);
                    int64_t iy = (int64_t)fmin(fmax(ry, 0), (double)(h - 1)), ix = (int64_t)fmin(fmax(rx, 0), (double)(w - 1));
                    v = xv[p * h * w + iy * w + ix];
                } else {
                    y = fmin(fmax(y, 0), (double)(h - 1));
                    xx = fmin(fmax(xx, 0), (double)(w - 1));
                    int64_t y0 = (int64_t)floor(y), x0 = (int64_t)floor(xx);
                    int64_t y1 = y0 + 1 < h ? y0 + 1 : h - 1, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
                    double ty = y - (double)y0, tx = xx - (double)x0;
                    const float *b = xv + p * h * w;
                    v = (1 - ty) * ((1 - tx) * b[y0 * w + x0] + tx * b[y0 * w + x1]) +
                        ty * ((1 - tx) * b[y1 * w + x0] + tx * b[y1 * w + x1]);
                }
                ref[(p * oh + i) * ow + j] = (float)v;
            }
    if (nnh_run(hh, 2))
        fail_msg("stage %d: %s", hh->stage, hh->err.msg);
    assert_int_equal(hh->out[0]->dims[2], oh);
    assert_int_equal(hh->out[0]->dims[3], ow);
    double e = nnh_err(hh->out[0], ref, 6 * oh * ow, 1e-5, 1e-4);
    if (e > 1.0)
        fail_msg("Resize %s %s %s: error ratio %g", mode, ctm, nearest ? nearest : "", e);
    nnh_free(hh);
    free(ref);
}

static void resize_cases(void **state)
{
    (void)state;
    const char *ctms[] = {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"};
    const char *nears[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    for (int c = 0; c < 4; c++) {
        resize_case("linear", ctms[c], NULL, 5, 7, 2.0f, 1.5f, false, 10 + c);
        resize_case("linear", ctms[c], NULL, 8, 6, 0.5f, 0.75f, false, 20 + c);
        resize_case("linear", ctms[c], NULL, 4, 4, 1.0f, 2.5f, true, 30 + c);
        for (int n = 0; n < 4; n++) {
            resize_case("nearest", ctms[c], nears[n], 5, 6, 3.0f, 2.0f, false, 40 + c * 4 + n);
            resize_case("nearest", ctms[c], nears[n], 9, 7, 0.6f, 1.3f, true, 60 + c * 4 + n);
        }
    }
}

static void upsample_nearest(void **state)
{
    (void)state;
    uint64_t seed = 3;
    int64_t xd[4] = {1, 2, 3, 4};
    tensor *x = nnh_tensor(4, xd, &seed, 0, 1);
    nnh *h = nnh_new("Upsample", 1, 1, 7);
    nnh_input(h, 0, x, false);
    nnh_floats(h, "scales", 4, (float[]){1, 1, 2, 3});
    assert_int_equal(nnh_run(h, 1), 0);
    assert_int_equal(h->out[0]->dims[2], 6);
    assert_int_equal(h->out[0]->dims[3], 12);
    const float *y = h->out[0]->data, *xv = x->data;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 12; j++)
                assert_true(y[(p * 6 + i) * 12 + j] == xv[(p * 3 + i / 2) * 4 + j / 3]);
    nnh_free(h);
}

static void resize_rejects_antialias(void **state)
{
    (void)state;
    uint64_t seed = 4;
    nnh *h = nnh_new("Resize", 1, 1, 18);
    nnh_input(h, 0, nnh_tensor(4, (int64_t[]){1, 1, 2, 2}, &seed, 0, 1), false);
    nnh_int(h, "antialias", 1);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_non_null(strstr(h->err.msg, "node 'n0' (Resize): attribute antialias=1 is not supported"));
    nnh_free(h);
}

static void convt_case(int64_t n, int64_t c, int64_t m, int64_t g, int64_t h, int64_t w, int64_t k, int64_t s,
                       int64_t d, int64_t p, int64_t op, bool bias, uint64_t seed)
{
    int64_t xd[4] = {n, c, h, w}, wd[4] = {c, m / g, k, k};
    tensor *x = nnh_tensor(4, xd, &seed, -1, 1), *wt = nnh_tensor(4, wd, &seed, -1, 1);
    tensor *b = bias ? nnh_tensor(1, &m, &seed, -1, 1) : NULL;
    nnh *hh = nnh_new("ConvTranspose", bias ? 3 : 2, 1, 13);
    nnh_input(hh, 0, x, false);
    nnh_input(hh, 1, wt, true);
    if (b)
        nnh_input(hh, 2, b, true);
    nnh_ints(hh, "strides", 2, (int64_t[]){s, s});
    nnh_ints(hh, "dilations", 2, (int64_t[]){d, d});
    nnh_ints(hh, "pads", 4, (int64_t[]){p, p, p, p});
    nnh_ints(hh, "output_padding", 2, (int64_t[]){op, op});
    if (g > 1)
        nnh_int(hh, "group", g);
    int64_t oh = (h - 1) * s + op + (k - 1) * d + 1 - 2 * p, ow = (w - 1) * s + op + (k - 1) * d + 1 - 2 * p;
    double *acc = calloc((size_t)(n * m * oh * ow + 1), sizeof *acc);
    const float *xv = x->data, *wv = wt->data;
    int64_t cg = c / g, mg = m / g;
    for (int64_t in = 0; in < n; in++)
        for (int64_t ci = 0; ci < c; ci++)
            for (int64_t y = 0; y < h; y++)
                for (int64_t xx = 0; xx < w; xx++)
                    for (int64_t mo = 0; mo < mg; mo++)
                        for (int64_t ky = 0; ky < k; ky++)
                            for (int64_t kx = 0; kx < k; kx++) {
                                int64_t oy = y * s - p + ky * d, ox = xx * s - p + kx * d;
                                if (oy < 0 || ox < 0 || oy >= oh || ox >= ow)
                                    continue;
                                int64_t oc = (ci / cg) * mg + mo;
                                acc[((in * m + oc) * oh + oy) * ow + ox] +=
                                    (double)xv[((in * c + ci) * h + y) * w + xx] * wv[((ci * mg + mo) * k + ky) * k + kx];
                            }
    float *ref = malloc((size_t)(n * m * oh * ow + 1) * sizeof *ref);
    for (int64_t i = 0; i < n * m * oh * ow; i++)
        ref[i] = (float)(acc[i] + (b ? ((float *)b->data)[(i / (oh * ow)) % m] : 0));
    if (nnh_run(hh, 2))
        fail_msg("stage %d: %s", hh->stage, hh->err.msg);
    double e = nnh_err(hh->out[0], ref, n * m * oh * ow, 1e-4, 1e-4);
    if (e > 1.0)
        fail_msg("ConvTranspose c=%lld m=%lld g=%lld s=%lld: error ratio %g", (long long)c, (long long)m, (long long)g,
                 (long long)s, e);
    nnh_free(hh);
    free(acc);
    free(ref);
}

static void convt_cases(void **state)
{
    (void)state;
    convt_case(1, 3, 4, 1, 5, 5, 3, 1, 1, 0, 0, true, 1);
    convt_case(2, 4, 6, 2, 4, 6, 3, 2, 1, 1, 1, false, 2);
    convt_case(1, 2, 2, 1, 3, 3, 2, 2, 1, 0, 0, true, 3);
    convt_case(1, 6, 6, 6, 5, 4, 3, 2, 2, 1, 1, true, 4);
    convt_case(1, 3, 5, 1, 7, 7, 4, 3, 1, 2, 2, false, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resize_cases),
        cmocka_unit_test(upsample_nearest),
        cmocka_unit_test(resize_rejects_antialias),
        cmocka_unit_test(convt_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
