/* Conv against a naive loop: groups, depthwise, dilations, pads, strides, auto_pad, 1-D/2-D/3-D. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

typedef struct conv_case {
    int nsp;
    int64_t n, c, oc, group;
    int64_t in[3], k[3], s[3], d[3], pb[3], pe[3];
    const char *auto_pad;   /* NULL: explicit pads */
    bool bias, const_w;
    int threads;
} conv_case;

/* Naive convolution; pads already resolved into pb. Output sizes in out[]. */
static void ref_conv(const conv_case *cc, const int64_t *out, const float *x, const float *w, const float *b,
                     float *y)
{
    int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1}, k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1}, d3[3] = {1, 1, 1},
            p3[3] = {0, 0, 0};
    int off = 3 - cc->nsp;
    for (int i = 0; i < cc->nsp; i++) {
        in3[off + i] = cc->in[i];
        out3[off + i] = out[i];
        k3[off + i] = cc->k[i];
        s3[off + i] = cc->s[i];
        d3[off + i] = cc->d[i];
        p3[off + i] = cc->pb[i];
    }
    int64_t cg = cc->c / cc->group, og = cc->oc / cc->group;
    int64_t isz = in3[0] * in3[1] * in3[2], osz = out3[0] * out3[1] * out3[2], ksz = k3[0] * k3[1] * k3[2];
    for (int64_t n = 0; n < cc->n; n++)
        for (int64_t o = 0; o < cc->oc; o++) {
            int64_t g = o / og;
            for (int64_t z = 0; z < out3[0]; z++)
                for (int64_t yy = 0; yy < out3[1]; yy++)
                    for (int64_t xx = 0; xx < out3[2]; xx++) {
                        double acc = b ? b[o] : 0.0;
                        for (int64_t ci = 0; ci < cg; ci++)
                            for (int64_t kz = 0; kz < k3[0]; kz++)
                                for (int64_t ky = 0; ky < k3[1]; ky++)
                                    for (int64_t kx = 0; kx < k3[2]; kx++) {
                                        int64_t iz = z * s3[0] - p3[0] + kz * d3[0];
                                        int64_t iy = yy * s3[1] - p3[1] + ky * d3[1];
                                        int64_t ix = xx * s3[2] - p3[2] + kx * d3[2];
                                        if (iz < 0 || iz >= in3[0] || iy < 0 || iy >= in3[1] || ix < 0 || ix >= in3[2])
                                            continue;
                                        double xv = x[(n * cc->c + g * cg + ci) * isz + (iz * in3[1] + iy) * in3[2] + ix];
                                        double wv = w[(o * cg + ci) * ksz + (kz * k3[1] + ky) * k3[2] + kx];
                                        acc += xv * wv;
                                    }
                        y[(n * cc->oc + o) * osz + (z * out3[1] + yy) * out3[2] + xx] = (float)acc;
                    }
        }
}

static void run_case(conv_case cc, uint64_t seed)
{
    int rank = cc.nsp + 2;
    int64_t xd[5] = {cc.n, cc.c}, wd[5] = {cc.oc, cc.c / cc.group}, out[3];
    for (int i = 0; i < cc.nsp; i++) {
        xd[2 + i] = cc.in[i];
        wd[2 + i] = cc.k[i];
        int64_t eff = (cc.k[i] - 1) * cc.d[i] + 1;
        if (cc.auto_pad && strcmp(cc.auto_pad, "VALID")) {
            out[i] = (cc.in[i] + cc.s[i] - 1) / cc.s[i];
            int64_t total = (out[i] - 1) * cc.s[i] + eff - cc.in[i];
            total = total < 0 ? 0 : total;
            cc.pb[i] = !strcmp(cc.auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
        } else {
            if (cc.auto_pad)
                cc.pb[i] = cc.pe[i] = 0;
            out[i] = (cc.in[i] + cc.pb[i] + cc.pe[i] - eff) / cc.s[i] + 1;
        }
    }
    tensor *x = nnh_tensor(rank, xd, &seed, -1, 1), *w = nnh_tensor(rank, wd, &seed, -1, 1);
    tensor *b = cc.bias ? nnh_tensor(1, &cc.oc, &seed, -1, 1) : NULL;
    nnh *h = nnh_new("Conv", cc.bias ? 3 : 2, 1, 13);
    nnh_input(h, 0, x, false);
    nnh_input(h, 1, w, cc.const_w);
    if (b)
        nnh_input(h, 2, b, true);
    int64_t strides[3], dil[3], pads[6];
    for (int i = 0; i < cc.nsp; i++) {
        strides[i] = cc.s[i];
        dil[i] = cc.d[i];
        pads[i] = cc.pb[i];
        pads[cc.nsp + i] = cc.pe[i];
    }
    nnh_ints(h, "strides", cc.nsp, strides);
    nnh_ints(h, "dilations", cc.nsp, dil);
    nnh_ints(h, "kernel_shape", cc.nsp, cc.k);
    if (cc.auto_pad)
        nnh_str(h, "auto_pad", cc.auto_pad);
    else
        nnh_ints(h, "pads", 2 * cc.nsp, pads);
    if (cc.group != 1)
        nnh_int(h, "group", cc.group);
    int64_t yn = cc.n * cc.oc;
    for (int i = 0; i < cc.nsp; i++)
        yn *= out[i];
    float *ref = malloc((size_t)yn * sizeof *ref + 4);
    ref_conv(&cc, out, x->data, w->data, b ? b->data : NULL, ref);
    for (int rep = 0; rep < 2; rep++) {   /* the second run reuses the cached primitive and weights */
        if (nnh_run(h, cc.threads))
            fail_msg("stage %d: %s", h->stage, h->err.msg);
        double e = nnh_err(h->out[0], ref, yn, 1e-4, 1e-4);
        if (e > 1.0)
            fail_msg("Conv nsp=%d c=%lld oc=%lld g=%lld: error ratio %g", cc.nsp, (long long)cc.c, (long long)cc.oc,
                     (long long)cc.group, e);
    }
    nnh_free(h);
    free(ref);
}

#define C2(N, C, OC, G, H, W, KH, KW, SH, SW, DH, DW, PT, PL, PB, PR)                                           \
    (conv_case){2, N, C, OC, G, {H, W}, {KH, KW}, {SH, SW}, {DH, DW}, {PT, PL}, {PB, PR}, NULL, true, true, 2}

static void conv_2d_cases(void **state)
{
    (void)state;
    conv_case cases[] = {
        C2(1, 3, 8, 1, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),       /* plain 3x3 */
        C2(2, 16, 24, 1, 7, 7, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),      /* pointwise path */
        C2(2, 8, 8, 8, 10, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1),       /* depthwise */
        C2(1, 12, 12, 12, 12, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),   /* depthwise strided */
        C2(2, 6, 9, 3, 8, 8, 3, 2, 2, 1, 2, 3, 2, 0, 1, 3),        /* groups, dilation, asymmetric pads */
        C2(1, 4, 6, 2, 13, 5, 5, 1, 3, 2, 1, 1, 0, 0, 0, 0),       /* strides without pads */
        C2(3, 5, 7, 1, 6, 6, 2, 2, 2, 2, 1, 1, 0, 1, 1, 0),        /* even kernel */
        C2(1, 8, 16, 4, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),       /* 1x1 spatial, grouped */
        C2(1, 3, 4, 1, 15, 15, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3),      /* stem-like */
        C2(1, 2, 2, 1, 5, 5, 3, 3, 1, 1, 1, 1, 4, 4, 4, 4),        /* pads larger than the kernel */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run_case(cases[i], 100 + i);
        cases[i].bias = !cases[i].bias;
        cases[i].const_w = false;
        cases[i].threads = 1;
        run_case(cases[i], 200 + i);
    }
}

static void conv_auto_pad(void **state)
{
    (void)state;
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER", "VALID"};
    for (int m = 0; m < 3; m++) {
        conv_case cc = C2(1, 4, 5, 1, 8, 7, 4, 3, 2, 3, 1, 1, 0, 0, 0, 0);
        cc.auto_pad = modes[m];
        run_case(cc, 300 + m);
        cc = C2(1, 6, 6, 6, 9, 9, 3, 3, 2, 2, 2, 2, 0, 0, 0, 0);
        cc.auto_pad = modes[m];
        run_case(cc, 310 + m);
    }
}

static void conv_1d_and_3d(void **state)
{
    (void)state;
    run_case((conv_case){1, 2, 4, 6, 2, {17}, {3}, {2}, {2}, {1}, {2}, NULL, true, true, 2}, 400);
    run_case((conv_case){1, 1, 3, 3, 1, {10}, {1}, {1}, {1}, {0}, {0}, NULL, false, true, 2}, 401);
    run_case((conv_case){3, 1, 3, 4, 1, {5, 6, 7}, {3, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1}, {1, 1, 0}, NULL, true,
                         true, 2},
             402);
    run_case((conv_case){3, 2, 4, 4, 4, {4, 5, 5}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, NULL, false,
                         false, 1},
             403);
}

static void conv_random_shapes(void **state)
{
    (void)state;
    uint64_t s = 99;
    for (int t = 0; t < 30; t++) {
        conv_case cc = {2, 1 + nnh_rand(&s) % 2, 0, 0, 1, {0}, {0}, {0}, {0}, {0}, {0}, NULL, nnh_rand(&s) & 1,
                        nnh_rand(&s) & 1, 1 + (int)(nnh_rand(&s) % 2)};
        int64_t g = 1 + nnh_rand(&s) % 3;
        cc.group = g;
        cc.c = g * (1 + nnh_rand(&s) % 4);
        cc.oc = g * (1 + nnh_rand(&s) % 4);
        for (int i = 0; i < 2; i++) {
            cc.k[i] = 1 + nnh_rand(&s) % 4;
            cc.s[i] = 1 + nnh_rand(&s) % 3;
            cc.d[i] = 1 + nnh_rand(&s) % 2;
            cc.pb[i] = nnh_rand(&s) % 3;
            cc.pe[i] = nnh_rand(&s) % 3;
            cc.in[i] = (cc.k[i] - 1) * cc.d[i] + 1 + nnh_rand(&s) % 8;
        }
        run_case(cc, 500 + t);
    }
}

/* Depthwise planes wider than one 16-lane vector and taller than one row block: every stride, dilation
 * and padding mix of the vectorised rows, including taps that read wholly outside the input. */
static void conv_depthwise_wide(void **state)
{
    (void)state;
    uint64_t s = 4242;
    for (int t = 0; t < 40; t++) {
        conv_case cc = {2, 1 + nnh_rand(&s) % 2, 0, 0, 1, {0}, {0}, {0}, {0}, {0}, {0}, NULL, nnh_rand(&s) & 1,
                        true, 1 + (int)(nnh_rand(&s) % 2)};
        cc.c = cc.oc = cc.group = 1 + nnh_rand(&s) % 5;
        for (int i = 0; i < 2; i++) {
            cc.k[i] = 1 + nnh_rand(&s) % 5;
            cc.s[i] = 1 + nnh_rand(&s) % 3;
            cc.d[i] = 1 + nnh_rand(&s) % 2;
            cc.pb[i] = nnh_rand(&s) % 4;
            cc.pe[i] = nnh_rand(&s) % 4;
            cc.in[i] = (cc.k[i] - 1) * cc.d[i] + 1 + nnh_rand(&s) % (i ? 60 : 20);
        }
        run_case(cc, 600 + t);
    }
    /* several output channels per input channel (group = c, oc = m c), and a one-channel input (c = 1,
       one group): each output plane reads its own group's input plane */
    for (int t = 0; t < 24; t++) {
        conv_case cc = {2, 1 + nnh_rand(&s) % 3, 0, 0, 1, {0}, {0}, {0}, {0}, {0}, {0}, NULL, nnh_rand(&s) & 1,
                        true, 1 + (int)(nnh_rand(&s) % 2)};
        cc.c = cc.group = t % 2 ? 1 : 1 + nnh_rand(&s) % 3;
        cc.oc = cc.c * (2 + nnh_rand(&s) % 4);
        for (int i = 0; i < 2; i++) {
            cc.k[i] = 1 + nnh_rand(&s) % 4;
            cc.s[i] = 1 + nnh_rand(&s) % 2;
            cc.d[i] = 1;
            cc.pb[i] = cc.pe[i] = nnh_rand(&s) % 2;
            cc.in[i] = cc.k[i] + nnh_rand(&s) % (i ? 40 : 12);
        }
        run_case(cc, 800 + t);
    }
    /* 3x3 at strides 1 and 2 (the layers with their own unrolled paths), every padding up to 2 */
    for (int t = 0; t < 18; t++) {
        int64_t st = 1 + t % 2, pb = (t / 2) % 3, pe = (t / 6) % 3;
        conv_case cc = C2(1 + t % 2, 3, 3, 3, 5 + t, 17 + 7 * t, 3, 3, st, st, 1, 1, pb, pe, pe, pb);
        cc.threads = 1 + t % 2;
        run_case(cc, 700 + t);
    }
}

static void conv_new_shape_rebuilds(void **state)
{
    (void)state;
    /* one node, two input shapes: the cached primitive must follow the input */
    uint64_t seed = 7;
    int64_t wd[4] = {4, 3, 3, 3};
    nnh *h = nnh_new("Conv", 2, 1, 13);
    tensor *w = nnh_tensor(4, wd, &seed, -1, 1);
    nnh_input(h, 1, w, true);
    int64_t pads[4] = {1, 1, 1, 1};
    nnh_ints(h, "pads", 4, pads);
    for (int rep = 0; rep < 2; rep++) {
        int64_t xd[4] = {1 + rep, 3, 6 + rep, 5};
        tensor *x = nnh_tensor(4, xd, &seed, -1, 1);
        if (h->in_owned[0])
            tensor_free((tensor *)h->in[0]);
        nnh_input(h, 0, x, false);
        h->g->values[h->g->nodes[0].in[0]].dims[0] = -1;
        assert_int_equal(nnh_run(h, 2), 0);
        conv_case cc = {2, xd[0], 3, 4, 1, {xd[2], xd[3]}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, NULL, false, true, 2};
        int64_t out[2] = {xd[2], xd[3]};
        float *ref = malloc((size_t)(xd[0] * 4 * out[0] * out[1]) * sizeof *ref);
        ref_conv(&cc, out, x->data, w->data, NULL, ref);
        assert_true(nnh_err(h->out[0], ref, xd[0] * 4 * out[0] * out[1], 1e-4, 1e-4) <= 1.0);
        free(ref);
    }
    nnh_free(h);
}

static void conv_rejects_bad_nodes(void **state)
{
    (void)state;
    uint64_t seed = 1;
    int64_t xd[4] = {1, 4, 5, 5}, wd[4] = {2, 3, 3, 3};
    nnh *h = nnh_new("Conv", 2, 1, 13);
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(4, wd, &seed, 0, 1), true);
    assert_int_equal(nnh_run(h, 1), -1);   /* 4 channels against a weight for 3 */
    assert_non_null(strstr(h->err.msg, "node 'n0' (Conv)"));
    nnh_free(h);

    h = nnh_new("Conv", 2, 1, 13);
    wd[1] = 4;
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(4, wd, &seed, 0, 1), true);
    nnh_str(h, "auto_pad", "SAME_MIDDLE");
    assert_int_equal(nnh_run(h, 1), -1);
    assert_int_equal(h->stage, 1);
    assert_non_null(strstr(h->err.msg, "auto_pad"));
    nnh_free(h);

    h = nnh_new("Conv", 2, 1, 13);
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(4, wd, &seed, 0, 1), true);
    nnh_int(h, "frobnicate", 1);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_int_equal(h->stage, 1);
    assert_non_null(strstr(h->err.msg, "attribute 'frobnicate' is not supported"));
    nnh_free(h);

    h = nnh_new("Conv", 2, 1, 13);
    int64_t kd[4] = {2, 4, 7, 7};
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(4, kd, &seed, 0, 1), true);
    assert_int_equal(nnh_run(h, 1), -1);   /* kernel larger than the input */
    assert_int_equal(h->stage, 2);
    nnh_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv_2d_cases),        cmocka_unit_test(conv_auto_pad),
        cmocka_unit_test(conv_1d_and_3d),       cmocka_unit_test(conv_random_shapes),
        cmocka_unit_test(conv_new_shape_rebuilds), cmocka_unit_test(conv_rejects_bad_nodes),
        cmocka_unit_test(conv_depthwise_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
