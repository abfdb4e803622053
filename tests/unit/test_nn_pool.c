/* MaxPool / AveragePool / global pools against naive loops: pads, strides, dilations, ceil_mode,
 * count_include_pad, Indices, 1-D/2-D/3-D. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

typedef struct pool_case {
    int nsp;
    bool max, ceil, include_pad, indices;
    int64_t n, c, in[3], k[3], s[3], d[3], pb[3], pe[3];
} pool_case;

static int64_t out_size(const pool_case *p, int i)
{
    int64_t num = p->in[i] + p->pb[i] + p->pe[i] - ((p->k[i] - 1) * p->d[i] + 1);
    int64_t o = (p->ceil ? (num + p->s[i] - 1) / p->s[i] : num / p->s[i]) + 1;
    if (p->ceil && (o - 1) * p->s[i] >= p->in[i] + p->pb[i])
        o--;
    return o;
}

static void run_pool(pool_case p, uint64_t seed)
{
    int64_t xd[5] = {p.n, p.c}, od[3] = {1, 1, 1}, in3[3] = {1, 1, 1};
    int off = 3 - p.nsp;
    int64_t k3[3] = {1, 1, 1}, s3[3] = {1, 1, 1}, d3[3] = {1, 1, 1}, pb3[3] = {0}, pe3[3] = {0};
    for (int i = 0; i < p.nsp; i++) {
        xd[2 + i] = p.in[i];
        od[off + i] = out_size(&p, i);
        in3[off + i] = p.in[i];
        k3[off + i] = p.k[i];
        s3[off + i] = p.s[i];
        d3[off + i] = p.d[i];
        pb3[off + i] = p.pb[i];
        pe3[off + i] = p.pe[i];
    }
    tensor *x = nnh_tensor(p.nsp + 2, xd, &seed, -3, 3);
    nnh *h = nnh_new(p.max ? "MaxPool" : "AveragePool", 1, p.indices ? 2 : 1, 19);
    nnh_input(h, 0, x, false);
    int64_t pads[6];
    for (int i = 0; i < p.nsp; i++) {
        pads[i] = p.pb[i];
        pads[p.nsp + i] = p.pe[i];
    }
    nnh_ints(h, "kernel_shape", p.nsp, p.k);
    nnh_ints(h, "strides", p.nsp, p.s);
    nnh_ints(h, "dilations", p.nsp, p.d);
    nnh_ints(h, "pads", 2 * p.nsp, pads);
    nnh_int(h, "ceil_mode", p.ceil);
    if (!p.max)
        nnh_int(h, "count_include_pad", p.include_pad);
    int64_t planes = p.n * p.c, isz = in3[0] * in3[1] * in3[2], osz = od[0] * od[1] * od[2];
    float *ref = malloc((size_t)(planes * osz + 1) * sizeof *ref);
    int64_t *ridx = malloc((size_t)(planes * osz + 1) * sizeof *ridx);
    const float *xv = x->data;
    for (int64_t pl = 0; pl < planes; pl++)
        for (int64_t a = 0; a < od[0]; a++)
            for (int64_t b = 0; b < od[1]; b++)
                for (int64_t c = 0; c < od[2]; c++) {
                    double acc = p.max ? -INFINITY : 0;
                    int64_t cnt = 0, cnt_pad = 0, best = -1;
                    for (int64_t i = 0; i < k3[0]; i++)
                        for (int64_t j = 0; j < k3[1]; j++)
                            for (int64_t l = 0; l < k3[2]; l++) {
                                int64_t z = a * s3[0] - pb3[0] + i * d3[0], y = b * s3[1] - pb3[1] + j * d3[1],
                                        w = c * s3[2] - pb3[2] + l * d3[2];
                                if (z < in3[0] + pe3[0] && y < in3[1] + pe3[1] && w < in3[2] + pe3[2])
                                    cnt_pad++;
                                if (z < 0 || y < 0 || w < 0 || z >= in3[0] || y >= in3[1] || w >= in3[2])
                                    continue;
                                int64_t at = (z * in3[1] + y) * in3[2] + w;
                                float v = xv[pl * isz + at];
                                cnt++;
                                if (p.max) {
                                    if (v > acc) {
                                        acc = v;
                                        best = pl * isz + at;
                                    }
                                } else
                                    acc += v;
                            }
                    int64_t o = pl * osz + (a * od[1] + b) * od[2] + c;
                    ref[o] = p.max ? (float)acc : (float)(acc / (double)(p.include_pad ? cnt_pad : cnt));
                    ridx[o] = best;
                }
    if (nnh_run(h, 2))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
    double e = nnh_err(h->out[0], ref, planes * osz, 1e-5, 1e-5);
    if (e > 1.0)
        fail_msg("%s nsp=%d ceil=%d: error ratio %g", p.max ? "MaxPool" : "AveragePool", p.nsp, p.ceil, e);
    if (p.indices) {
        assert_non_null(h->out[1]);
        assert_memory_equal(h->out[1]->data, ridx, (size_t)(planes * osz) * sizeof *ridx);
    }
    nnh_free(h);
    free(ref);
    free(ridx);
}

static void pool_2d_cases(void **state)
{
    (void)state;
    for (int max = 0; max < 2; max++)
        for (int ceil = 0; ceil < 2; ceil++)
            for (int inc = 0; inc < 2; inc++) {
                run_pool((pool_case){2, max, ceil, inc, max, 2, 3, {9, 8}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}, 1);
                run_pool((pool_case){2, max, ceil, inc, max, 1, 2, {10, 7}, {2, 3}, {3, 2}, {1, 1}, {0, 1}, {1, 0}}, 2);
                run_pool((pool_case){2, max, ceil, inc, false, 1, 2, {11, 9}, {3, 2}, {2, 2}, {2, 2}, {1, 0}, {2, 1}}, 3);
                run_pool((pool_case){2, max, ceil, inc, false, 2, 64, {56, 56}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}}, 4);
                /* 2x2 at stride 2 without pads (its own max path), even and odd sizes */
                run_pool((pool_case){2, max, ceil, inc, false, 2, 3, {28, 28}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}, 5);
                run_pool((pool_case){2, max, ceil, inc, false, 1, 4, {7, 9}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}, 6);
                run_pool((pool_case){2, max, ceil, inc, false, 1, 2, {6, 5}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {1, 1}}, 7);
            }
}

static void pool_1d_3d_cases(void **state)
{
    (void)state;
    for (int max = 0; max < 2; max++) {
        run_pool((pool_case){1, max, false, true, false, 2, 3, {13}, {4}, {3}, {1}, {2}, {1}}, 10);
        run_pool((pool_case){1, max, true, false, max, 1, 1, {8}, {2}, {3}, {2}, {0}, {0}}, 11);
        run_pool((pool_case){3, max, false, false, max, 1, 2, {5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 1, 1}, {0, 1, 1},
                             {1, 1, 0}},
                 12);
        run_pool((pool_case){3, max, true, true, false, 1, 1, {4, 4, 4}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1},
                             {1, 1, 1}},
                 13);
    }
}

static void pool_random(void **state)
{
    (void)state;
    uint64_t s = 42;
    for (int t = 0; t < 40; t++) {
        pool_case p = {2, nnh_rand(&s) & 1, nnh_rand(&s) & 1, nnh_rand(&s) & 1, false, 1 + nnh_rand(&s) % 2,
                       1 + nnh_rand(&s) % 3, {0}, {0}, {0}, {0}, {0}, {0}};
        p.indices = p.max;
        for (int i = 0; i < 2; i++) {
            p.k[i] = 1 + nnh_rand(&s) % 4;
            p.s[i] = 1 + nnh_rand(&s) % 3;
            p.d[i] = 1 + nnh_rand(&s) % 2;
            p.pb[i] = nnh_rand(&s) % p.k[i];
            p.pe[i] = nnh_rand(&s) % p.k[i];
            p.in[i] = (p.k[i] - 1) * p.d[i] + 1 + nnh_rand(&s) % 7;
        }
        run_pool(p, 100 + t);
    }
}

static void global_pools(void **state)
{
    (void)state;
    uint64_t seed = 9;
    int64_t xd[4] = {2, 5, 7, 3};
    for (int max = 0; max < 2; max++) {
        tensor *x = nnh_tensor(4, xd, &seed, -2, 2);
        nnh *h = nnh_new(max ? "GlobalMaxPool" : "GlobalAveragePool", 1, 1, 13);
        nnh_input(h, 0, x, false);
        float ref[10];
        const float *v = x->data;
        for (int p = 0; p < 10; p++) {
            double acc = max ? -INFINITY : 0;
            for (int i = 0; i < 21; i++)
                acc = max ? (v[p * 21 + i] > acc ? v[p * 21 + i] : acc) : acc + v[p * 21 + i];
            ref[p] = (float)(max ? acc : acc / 21);
        }
        assert_int_equal(nnh_run(h, 2), 0);
        assert_int_equal(h->out[0]->rank, 4);
        assert_int_equal(h->out[0]->dims[2], 1);
        assert_true(nnh_err(h->out[0], ref, 10, 1e-6, 1e-5) <= 1.0);
        nnh_free(h);
    }
}

static void pool_rejects_bad_nodes(void **state)
{
    (void)state;
    uint64_t seed = 1;
    int64_t xd[4] = {1, 1, 4, 4};
    nnh *h = nnh_new("MaxPool", 1, 1, 13);
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    assert_int_equal(nnh_run(h, 1), -1);   /* no kernel_shape */
    assert_non_null(strstr(h->err.msg, "node 'n0' (MaxPool): kernel_shape"));
    nnh_free(h);
    h = nnh_new("AveragePool", 1, 1, 13);
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    nnh_ints(h, "kernel_shape", 2, (int64_t[]){2, 2});
    nnh_ints(h, "strides", 3, (int64_t[]){1, 1, 1});
    assert_int_equal(nnh_run(h, 1), -1);
    assert_non_null(strstr(h->err.msg, "strides has 3 values"));
    nnh_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pool_2d_cases), cmocka_unit_test(pool_1d_3d_cases), cmocka_unit_test(pool_random),
        cmocka_unit_test(global_pools),  cmocka_unit_test(pool_rejects_bad_nodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
