/* BatchNormalization, InstanceNormalization, LayerNormalization, Softmax and LogSoftmax against
 * naive loops (double precision). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"

static void batchnorm(void **state)
{
    (void)state;
    uint64_t seed = 11;
    int64_t xd[4] = {2, 6, 5, 7}, cd[1] = {6};
    tensor *x = nnh_tensor(4, xd, &seed, -3, 3);
    tensor *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = nnh_tensor(1, cd, &seed, i == 3 ? 0.1f : -1.0f, 2.0f);
    nnh *h = nnh_new("BatchNormalization", 5, 1, 15);
    nnh_input(h, 0, x, false);
    for (int i = 0; i < 4; i++)
        nnh_input(h, 1 + i, p[i], true);
    nnh_float(h, "epsilon", 1e-3f);
    float ref[2 * 6 * 35];
    const float *xv = x->data, *sc = p[0]->data, *b = p[1]->data, *mu = p[2]->data, *var = p[3]->data;
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 6; c++)
            for (int i = 0; i < 35; i++) {
                int o = (n * 6 + c) * 35 + i;
                ref[o] = (float)((xv[o] - mu[c]) / sqrt((double)var[c] + 1e-3) * sc[c] + b[c]);
            }
    assert_int_equal(nnh_run(h, 2), 0);
    assert_true(nnh_err(h->out[0], ref, 420, 1e-5, 1e-5) <= 1.0);
    nnh_free(h);

    h = nnh_new("BatchNormalization", 5, 1, 15);
    nnh_input(h, 0, nnh_tensor(4, xd, &seed, 0, 1), false);
    for (int i = 0; i < 4; i++)
        nnh_input(h, 1 + i, nnh_tensor(1, cd, &seed, 0.1f, 1), true);
    nnh_int(h, "training_mode", 1);
    assert_int_equal(nnh_run(h, 1), -1);
    assert_non_null(strstr(h->err.msg, "node 'n0' (BatchNormalization): attribute training_mode"));
    nnh_free(h);
}

static void instancenorm(void **state)
{
    (void)state;
    uint64_t seed = 12;
    int64_t xd[3] = {2, 3, 50}, cd[1] = {3};
    tensor *x = nnh_tensor(3, xd, &seed, -3, 5), *s = nnh_tensor(1, cd, &seed, -1, 1), *b = nnh_tensor(1, cd, &seed, -1, 1);
    nnh *h = nnh_new("InstanceNormalization", 3, 1, 13);
    nnh_input(h, 0, x, false);
    nnh_input(h, 1, s, true);
    nnh_input(h, 2, b, true);
    float ref[300];
    const float *xv = x->data, *sv = s->data, *bv = b->data;
    for (int p = 0; p < 6; p++) {
        double m = 0, q = 0;
        for (int i = 0; i < 50; i++)
            m += xv[p * 50 + i];
        m /= 50;
        for (int i = 0; i < 50; i++)
            q += (xv[p * 50 + i] - m) * (xv[p * 50 + i] - m);
        q /= 50;
        for (int i = 0; i < 50; i++)
            ref[p * 50 + i] = (float)((xv[p * 50 + i] - m) / sqrt(q + 1e-5) * sv[p % 3] + bv[p % 3]);
    }
    assert_int_equal(nnh_run(h, 2), 0);
    assert_true(nnh_err(h->out[0], ref, 300, 1e-5, 1e-4) <= 1.0);
    nnh_free(h);
}

static void layernorm_case(int64_t axis, bool bias, bool stats, uint64_t seed)
{
    int64_t xd[3] = {3, 4, 10};
    int64_t a = axis < 0 ? axis + 3 : axis, rows = 1, inner = 1;
    for (int i = 0; i < 3; i++)
        if (i < a)
            rows *= xd[i];
        else
            inner *= xd[i];
    tensor *x = nnh_tensor(3, xd, &seed, -2, 4);
    tensor *s = nnh_tensor(3 - (int)a, xd + a, &seed, -1, 1), *b = bias ? nnh_tensor(3 - (int)a, xd + a, &seed, -1, 1) : NULL;
    nnh *h = nnh_new("LayerNormalization", bias ? 3 : 2, stats ? 3 : 1, 17);
    nnh_input(h, 0, x, false);
    nnh_input(h, 1, s, true);
    if (b)
        nnh_input(h, 2, b, true);
    nnh_int(h, "axis", axis);
    float ref[120], mref[120], iref[120];
    const float *xv = x->data, *sv = s->data, *bv = b ? b->data : NULL;
    for (int64_t r = 0; r < rows; r++) {
        double m = 0, q = 0;
        for (int64_t i = 0; i < inner; i++)
            m += xv[r * inner + i];
        m /= (double)inner;
        for (int64_t i = 0; i < inner; i++)
            q += (xv[r * inner + i] - m) * (xv[r * inner + i] - m);
        double inv = 1 / sqrt(q / (double)inner + 1e-5);
        mref[r] = (float)m;
        iref[r] = (float)inv;
        for (int64_t i = 0; i < inner; i++)
            ref[r * inner + i] = (float)((xv[r * inner + i] - m) * inv * sv[i] + (bv ? bv[i] : 0));
    }
    if (nnh_run(h, 2))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
    assert_true(nnh_err(h->out[0], ref, 120, 1e-5, 1e-4) <= 1.0);
    if (stats) {
        assert_int_equal(h->out[1]->rank, 3);
        assert_int_equal(h->out[1]->dims[2], 1);
        assert_true(nnh_err(h->out[1], mref, rows, 1e-5, 1e-5) <= 1.0);
        assert_true(nnh_err(h->out[2], iref, rows, 1e-5, 1e-4) <= 1.0);
    }
    nnh_free(h);
}

static void layernorm(void **state)
{
    (void)state;
    layernorm_case(-1, true, false, 1);
    layernorm_case(1, false, true, 2);
    layernorm_case(0, true, true, 3);
}

static void softmax_case(const char *op, int64_t opset, int64_t axis, bool has_axis, uint64_t seed)
{
    int64_t xd[4] = {2, 3, 4, 5};
    bool log_ = !strcmp(op, "LogSoftmax"), flatten = opset < 13;
    if (!has_axis)
        axis = flatten ? 1 : -1;
    int64_t a = axis < 0 ? axis + 4 : axis, outer = 1, len = 1, inner = 1;
    for (int i = 0; i < 4; i++)
        if (i < a)
            outer *= xd[i];
        else if (i == a || flatten)
            len *= xd[i];
        else
            inner *= xd[i];
    tensor *x = nnh_tensor(4, xd, &seed, -30, 30);
    nnh *h = nnh_new(op, 1, 1, opset);
    nnh_input(h, 0, x, false);
    if (has_axis)
        nnh_int(h, "axis", axis);
    float ref[120];
    const float *xv = x->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            double m = -INFINITY, s = 0;
            for (int64_t l = 0; l < len; l++)
                m = fmax(m, xv[(o * len + l) * inner + j]);
            for (int64_t l = 0; l < len; l++)
                s += exp(xv[(o * len + l) * inner + j] - m);
            for (int64_t l = 0; l < len; l++) {
                double v = xv[(o * len + l) * inner + j] - m;
                ref[(o * len + l) * inner + j] = (float)(log_ ? v - log(s) : exp(v) / s);
            }
        }
    if (nnh_run(h, 2))
        fail_msg("stage %d: %s", h->stage, h->err.msg);
    double e = nnh_err(h->out[0], ref, 120, 1e-6, 1e-5);
    if (e > 1.0)
        fail_msg("%s opset %lld axis %lld: error ratio %g", op, (long long)opset, (long long)axis, e);
    nnh_free(h);
}

static void softmax(void **state)
{
    (void)state;
    const char *ops[] = {"Softmax", "LogSoftmax"};
    for (int o = 0; o < 2; o++) {
        softmax_case(ops[o], 13, 0, false, 1);
        softmax_case(ops[o], 13, 1, true, 2);
        softmax_case(ops[o], 13, -2, true, 3);
        softmax_case(ops[o], 13, 0, true, 4);
        softmax_case(ops[o], 11, 0, false, 5);
        softmax_case(ops[o], 11, 2, true, 6);
        softmax_case(ops[o], 11, -1, true, 7);
        softmax_case(ops[o], 11, 0, true, 8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batchnorm),
        cmocka_unit_test(instancenorm),
        cmocka_unit_test(layernorm),
        cmocka_unit_test(softmax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
