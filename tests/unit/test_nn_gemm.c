/* Gemm and MatMul against naive loops: transposes, alpha/beta, C broadcasting, batch broadcasting,
 * 1-D operands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

static void gemm_case(int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha, float beta, int crank,
                      const int64_t *cd, uint64_t seed)
{
    int64_t ad[2] = {ta ? k : m, ta ? m : k}, bd[2] = {tb ? n : k, tb ? k : n};
    tensor *a = nnh_tensor(2, ad, &seed, -1, 1), *b = nnh_tensor(2, bd, &seed, -1, 1);
    tensor *c = crank >= 0 ? nnh_tensor(crank, cd, &seed, -1, 1) : NULL;
    nnh *h = nnh_new("Gemm", c ? 3 : 2, 1, 13);
    nnh_input(h, 0, a, false);
    nnh_input(h, 1, b, true);
    if (c)
        nnh_input(h, 2, c, true);
    nnh_int(h, "transA", ta);
    nnh_int(h, "transB", tb);
    nnh_float(h, "alpha", alpha);
    nnh_float(h, "beta", beta);
    float *ref = malloc((size_t)(m * n + 1) * sizeof *ref);
    const float *A = a->data, *B = b->data, *C = c ? c->data : NULL;
    int64_t cm = c && crank == 2 ? cd[0] : 1, cn = c && crank >= 1 ? cd[crank - 1] : 1;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t l = 0; l < k; l++)
                s += (double)(ta ? A[l * m + i] : A[i * k + l]) * (tb ? B[j * k + l] : B[l * n + j]);
            s *= alpha;
            if (C)
                s += beta * C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
            ref[i * n + j] = (float)s;
        }
    if (nnh_run(h, 2))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
    double e = nnh_err(h->out[0], ref, m * n, 1e-4, 1e-4);
    if (e > 1.0)
        fail_msg("Gemm %lldx%lldx%lld ta=%d tb=%d: error ratio %g", (long long)m, (long long)n, (long long)k, ta, tb, e);
    nnh_free(h);
    free(ref);
}

static void gemm_cases(void **state)
{
    (void)state;
    int64_t full[2] = {5, 7}, row[1] = {7}, col[2] = {5, 1}, one[1] = {1}, row2[2] = {1, 7};
    gemm_case(5, 7, 3, false, false, 1.0f, 1.0f, 2, full, 1);
    gemm_case(5, 7, 3, true, false, 0.5f, 2.0f, 1, row, 2);
    gemm_case(5, 7, 3, false, true, 1.0f, -1.0f, 2, col, 3);
    gemm_case(5, 7, 3, true, true, 2.0f, 1.0f, 1, one, 4);
    gemm_case(5, 7, 3, false, true, 1.0f, 1.0f, 0, NULL, 5);
    gemm_case(5, 7, 3, false, true, 1.0f, 1.0f, 2, row2, 6);
    gemm_case(5, 7, 3, false, false, 1.0f, 1.0f, -1, NULL, 7);
    gemm_case(33, 65, 129, false, true, 1.0f, 1.0f, 1, (int64_t[]){65}, 8);
    gemm_case(1, 1000, 512, false, true, 1.0f, 1.0f, 1, (int64_t[]){1000}, 9);
}

static void gemm_rejects_bad_c(void **state)
{
    (void)state;
    uint64_t seed = 3;
    int64_t ad[2] = {4, 3}, bd[2] = {3, 5}, cd[2] = {3, 5};
    nnh *h = nnh_new("Gemm", 3, 1, 13);
    nnh_input(h, 0, nnh_tensor(2, ad, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(2, bd, &seed, 0, 1), false);
    nnh_input(h, 2, nnh_tensor(2, cd, &seed, 0, 1), false);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_non_null(strstr(h->err.msg, "node 'n0' (Gemm)"));
    nnh_free(h);
}

static void matmul_case(int ra, const int64_t *ad, int rb, const int64_t *bd, uint64_t seed)
{
    tensor *a = nnh_tensor(ra, ad, &seed, -1, 1), *b = nnh_tensor(rb, bd, &seed, -1, 1);
    nnh *h = nnh_new("MatMul", 2, 1, 13);
    nnh_input(h, 0, a, false);
    nnh_input(h, 1, b, seed & 1);
    /* the reference: promote 1-D operands, broadcast batch dims by numpy rules */
    int64_t A[8], B[8];
    int na = ra == 1 ? 2 : ra, nb = rb == 1 ? 2 : rb;
    for (int i = 0; i < na; i++)
        A[i] = ra == 1 ? (i == 0 ? 1 : ad[0]) : ad[i];
    for (int i = 0; i < nb; i++)
        B[i] = rb == 1 ? (i == 0 ? bd[0] : 1) : bd[i];
    int64_t m = A[na - 2], k = A[na - 1], n = B[nb - 1];
    int nbat = (na > nb ? na : nb) - 2;
    int64_t bat[8], total = 1;
    for (int i = 0; i < nbat; i++) {
        int ia = i - (nbat - (na - 2)), ib = i - (nbat - (nb - 2));
        int64_t da = ia >= 0 ? A[ia] : 1, db = ib >= 0 ? B[ib] : 1;
        bat[i] = da > db ? da : db;
        total *= bat[i];
    }
    float *ref = malloc((size_t)(total * m * n + 1) * sizeof *ref);
    const float *pa = a->data, *pb = b->data;
    for (int64_t t = 0; t < total; t++) {
        int64_t rem = t, oa = 0, ob = 0, sa = 1, sb = 1;
        for (int i = nbat - 1; i >= 0; i--) {
            int64_t idx = rem % bat[i];
            rem /= bat[i];
            int ia = i - (nbat - (na - 2)), ib = i - (nbat - (nb - 2));
            int64_t da = ia >= 0 ? A[ia] : 1, db = ib >= 0 ? B[ib] : 1;
            oa += (da == 1 ? 0 : idx) * sa;
            ob += (db == 1 ? 0 : idx) * sb;
            sa *= da;
            sb *= db;
        }
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                double s = 0;
                for (int64_t l = 0; l < k; l++)
                    s += (double)pa[oa * m * k + i * k + l] * pb[ob * k * n + l * n + j];
                ref[t * m * n + i * n + j] = (float)s;
            }
    }
    if (nnh_run(h, 2))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
    double e = nnh_err(h->out[0], ref, total * m * n, 1e-4, 1e-4);
    if (e > 1.0)
        fail_msg("MatMul rank %d x %d: error ratio %g", ra, rb, e);
    int expect_rank = nbat + (ra != 1) + (rb != 1);
    assert_int_equal(h->out[0]->rank, expect_rank);
    nnh_free(h);
    free(ref);
}

static void matmul_cases(void **state)
{
    (void)state;
    matmul_case(2, (int64_t[]){3, 4}, 2, (int64_t[]){4, 5}, 1);
    matmul_case(3, (int64_t[]){2, 3, 4}, 2, (int64_t[]){4, 5}, 2);
    matmul_case(3, (int64_t[]){2, 3, 4}, 3, (int64_t[]){2, 4, 5}, 3);
    matmul_case(4, (int64_t[]){2, 1, 3, 4}, 3, (int64_t[]){3, 4, 5}, 4);
    matmul_case(2, (int64_t[]){3, 4}, 4, (int64_t[]){2, 2, 4, 6}, 5);
    matmul_case(1, (int64_t[]){4}, 2, (int64_t[]){4, 5}, 6);
    matmul_case(3, (int64_t[]){2, 3, 4}, 1, (int64_t[]){4}, 7);
    matmul_case(1, (int64_t[]){4}, 1, (int64_t[]){4}, 8);
    matmul_case(1, (int64_t[]){4}, 3, (int64_t[]){3, 4, 2}, 9);
    matmul_case(4, (int64_t[]){1, 2, 17, 64}, 4, (int64_t[]){1, 2, 64, 17}, 10);
}

static void matmul_rejects_mismatch(void **state)
{
    (void)state;
    uint64_t seed = 5;
    nnh *h = nnh_new("MatMul", 2, 1, 13);
    nnh_input(h, 0, nnh_tensor(2, (int64_t[]){3, 4}, &seed, 0, 1), false);
    nnh_input(h, 1, nnh_tensor(2, (int64_t[]){5, 6}, &seed, 0, 1), false);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_int_equal(h->stage, 2);
    assert_non_null(strstr(h->err.msg, "node 'n0' (MatMul)"));
    nnh_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_cases),
        cmocka_unit_test(gemm_rejects_bad_c),
        cmocka_unit_test(matmul_cases),
        cmocka_unit_test(matmul_rejects_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
