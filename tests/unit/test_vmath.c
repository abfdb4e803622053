/* vmath.h's exp, sigmoid, SiLU, tanh, expm1, log, log1p and softplus, and the kernels built on them (Exp,
 * Sigmoid, Tanh, QuickGelu, HardSigmoid, HardSwish, Softplus, Elu, Celu, Selu, Softmax), against double-precision libm rounded to float. The sweep walks
 * the float bit patterns with a prime stride (every exponent, both signs, subnormals, infinities and
 * NaNs) plus chosen points: +-0, +-inf, NaN, the overflow and underflow thresholds. Errors are counted
 * in ulps: how many floats lie between the result and the correctly rounded value; NaN must give NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nn_harness.h"
#include "ops/vmath.h"

enum { STRIDE = 1021 };   /* about 4.2 million points per function */

/* Bounds the README states; the sweep asserts them. */
#define EXP_ULP 1
#define SIGMOID_ULP 3
#define SILU_ULP 3
#define TANH_ULP 1
#define EXPM1_ULP 2
#define LOG_ULP 1
#define LOG1P_ULP 2
#define SOFTPLUS_ULP 3
/* SiLU below this x: sigmoid(x) is subnormal, so x sigmoid(x) carries the subnormal's absolute error */
#define SILU_NORMAL_FROM -87.33f

static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f, 1e-38f, -1e-38f,
                                 88.7228317f, 88.7228394f, 88.73f, 89.0f, -87.33f, -87.34f, -103.27f, -103.28f,
                                 -103.98f, -104.0f, -110.0f, -200.0f, 0.625f, -0.625f, 0.62499994f, 3.4e38f,
                                 -3.4e38f, 9.0f, -9.0f, 20.0f, -20.0f};
enum { N_SPECIALS = sizeof specials / sizeof *specials };

/* x of sweep point i (i < n_points()). */
static float point(int64_t i)
{
    if (i < N_SPECIALS)
        return specials[i];
    return vm_bits_float((uint32_t)((uint64_t)(i - N_SPECIALS) * STRIDE));
}

static int64_t n_points(void)
{
    return N_SPECIALS + (int64_t)((1ull << 32) / STRIDE);
}

/* Position of f in the order of floats (-0 and +0 both 0). */
static int64_t ord(float f)
{
    int32_t i = (int32_t)vm_float_bits(f);
    return i < 0 ? -(int64_t)(i & 0x7fffffff) : i;
}

/* ulps between got and want rounded to float; 0 for NaN and NaN, a huge count for NaN against a number. */
static int64_t ulps(float got, double want)
{
    const float w = (float)want;
    if (isnan(w) || isnan(got))
        return isnan(w) && isnan(got) ? 0 : INT64_MAX;
    const int64_t d = ord(got) - ord(w);
    return d < 0 ? -d : d;
}

static double ref_exp(double x) { return exp(x); }
static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double ref_silu(double x) { return x / (1.0 + exp(-x)); }
static double ref_tanh(double x) { return tanh(x); }
static double ref_expm1(double x) { return expm1(x); }
static double ref_log(double x) { return log(x); }
static double ref_log1p(double x) { return log1p(x); }
static double ref_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static double ref_elu(double x) { return x < 0 ? expm1(x) : x; }
static double ref_selu(double x)
{
    const double a = (float)1.67326319217681884765625, g = (float)1.05070102214813232421875;
    return x <= 0 ? (double)(float)(g * a) * expm1(x) : g * x;
}

/* Largest ulp error of f against ref over the sweep points x >= from. */
static int64_t sweep(float (*f)(float), double (*ref)(double), float from, float *worst_x)
{
    int64_t worst = 0;
    *worst_x = 0.0f;
    for (int64_t i = 0; i < n_points(); i++) {
        const float x = point(i);
        if (x < from)
            continue;
        const int64_t d = ulps(f(x), ref((double)x));
        if (d > worst) {
            worst = d;
            *worst_x = x;
        }
    }
    return worst;
}

static void check_bound(const char *name, int64_t got, int64_t bound, float x)
{
    if (got > bound)
        print_error("%s: %lld ulp at x = %.9g (bound %lld)\n", name, (long long)got, (double)x, (long long)bound);
    assert_true(got <= bound);
}

static void functions(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        float (*f)(float);
        double (*ref)(double);
        int64_t bound;
        float from;
    } fns[] = {
        {"exp", kern_vexp, ref_exp, EXP_ULP, -INFINITY},
        {"sigmoid", kern_vsigmoid, ref_sigmoid, SIGMOID_ULP, -INFINITY},
        {"silu", kern_vsilu, ref_silu, SILU_ULP, SILU_NORMAL_FROM},
        {"tanh", kern_vtanh, ref_tanh, TANH_ULP, -INFINITY},
        {"expm1", kern_vexpm1, ref_expm1, EXPM1_ULP, -INFINITY},
        {"log", kern_vlog, ref_log, LOG_ULP, -INFINITY},
        {"log1p", kern_vlog1p, ref_log1p, LOG1P_ULP, -1.0f},
        {"softplus", kern_vsoftplus, ref_softplus, SOFTPLUS_ULP, -INFINITY},
    };
    for (size_t k = 0; k < sizeof fns / sizeof *fns; k++) {
        float x;
        const int64_t worst = sweep(fns[k].f, fns[k].ref, fns[k].from, &x);
        print_message("%-12s max %lld ulp (x = %.9g)\n", fns[k].name, (long long)worst, (double)x);
        check_bound(fns[k].name, worst, fns[k].bound, x);
    }
    /* below SILU_NORMAL_FROM: x times sigmoid's subnormal, within |x| ulps of the smallest subnormal */
    for (int64_t i = 0; i < n_points(); i++) {
        const float v = point(i);
        if (v < SILU_NORMAL_FROM && isfinite(v))
            assert_true(fabs((double)kern_vsilu(v) - ref_silu(v)) <= fabs(v) * 0x1p-149);
    }
    /* exact special values */
    assert_true(kern_vexp(INFINITY) == INFINITY && kern_vexp(-INFINITY) == 0.0f && kern_vexp(0.0f) == 1.0f);
    assert_true(kern_vexp(88.7228394f) == INFINITY && isfinite(kern_vexp(88.7228317f)));
    assert_true(kern_vexp(-103.0f) > 0.0f && kern_vexp(-104.0f) == 0.0f);   /* subnormal, then zero */
    assert_true(kern_vsigmoid(INFINITY) == 1.0f && kern_vsigmoid(-INFINITY) == 0.0f && kern_vsigmoid(0.0f) == 0.5f);
    assert_true(kern_vtanh(INFINITY) == 1.0f && kern_vtanh(-INFINITY) == -1.0f);
    assert_true(kern_vtanh(-0.0f) == 0.0f && signbit(kern_vtanh(-0.0f)));
    assert_true(isnan(kern_vexp(NAN)) && isnan(kern_vsigmoid(NAN)) && isnan(kern_vsilu(NAN)) && isnan(kern_vtanh(NAN)));
}

/* Runs unary op (domain "" or com.microsoft) over every sweep point on two threads; returns the output. */
static tensor *run_op(const char *domain, const char *op, float alpha)
{
    const int64_t n = n_points();
    qrc_err e;
    tensor *x = tensor_new(DT_FLOAT, 1, &n, &e);
    float *xv = x->data;
    for (int64_t i = 0; i < n; i++)
        xv[i] = point(i);
    nnh *h = nnh_new(op, 1, 1, 14);
    if (domain[0]) {
        h->g->nodes[h->node].domain = graph_strdup(h->g, domain);
        h->def = op_find(domain, op, 1);
    }
    if (alpha == alpha)
        nnh_float(h, "alpha", alpha);
    nnh_input(h, 0, x, false);
    assert_int_equal(nnh_run(h, 2), 0);
    tensor *y = h->out[0];
    h->out[0] = NULL;
    nnh_free(h);
    return y;
}

/* HardSigmoid and HardSwish are no approximation: the same float arithmetic as libm's fmaxf / fminf,
 * bit for bit, except that NaN stays NaN */
static double ref_hard_sigmoid(double x)
{
    const float v = (float)x;
    return x != x ? x : fmaxf(0.0f, fminf(1.0f, 0.2f * v + 0.5f));
}
static double ref_hard_swish(double x)
{
    const float v = (float)x;
    return x != x ? x : v * fmaxf(0.0f, fminf(1.0f, v / 6.0f + 0.5f));
}

/* The kernels: each op over the sweep within its function's bound (the kernels vectorise the same code). */
static void kernels(void **state)
{
    (void)state;
    static const struct {
        const char *domain, *op;
        float alpha;
        double (*ref)(double);
        int64_t bound;
        float from;
    } ops[] = {
        {"", "Exp", NAN, ref_exp, EXP_ULP, -INFINITY},
        {"", "Sigmoid", NAN, ref_sigmoid, SIGMOID_ULP, -INFINITY},
        {"", "Tanh", NAN, ref_tanh, TANH_ULP, -INFINITY},
        {"com.microsoft", "QuickGelu", 1.0f, ref_silu, SILU_ULP, SILU_NORMAL_FROM},
        {"", "HardSigmoid", NAN, ref_hard_sigmoid, 0, -INFINITY},
        {"", "HardSwish", NAN, ref_hard_swish, 0, -INFINITY},
        {"", "Softplus", NAN, ref_softplus, SOFTPLUS_ULP, -INFINITY},
        {"", "Elu", 1.0f, ref_elu, EXPM1_ULP, -INFINITY},
        {"", "Celu", 1.0f, ref_elu, EXPM1_ULP, -INFINITY},
        {"", "Selu", NAN, ref_selu, EXPM1_ULP + 1, -INFINITY},   /* + the rounding of gamma alpha e */
    };
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        tensor *y = run_op(ops[k].domain, ops[k].op, ops[k].alpha);
        const float *yv = y->data;
        int64_t worst = 0;
        float wx = 0.0f;
        for (int64_t i = 0; i < n_points(); i++) {
            const float x = point(i);
            if (x < ops[k].from)
                continue;
            const int64_t d = ulps(yv[i], ops[k].ref((double)x));
            if (d > worst) {
                worst = d;
                wx = x;
            }
        }
        print_message("%-12s max %lld ulp (x = %.9g)\n", ops[k].op, (long long)worst, (double)wx);
        check_bound(ops[k].op, worst, ops[k].bound, wx);
        tensor_free(y);
    }
}

/* kern_vsigmoid_row and kern_vswish_row (the rows FusedConv's activations use) with a bias, in place,
 * over lengths that leave partial vectors. */
static void rows(void **state)
{
    (void)state;
    static const int64_t lens[] = {1, 7, 15, 16, 17, 33, 100};
    uint64_t seed = 3;
    float x[100], y[100];
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (int kind = 0; kind < 3; kind++) {
            const int64_t n = lens[l];
            const float bias = 0.37f, alpha = kind == 2 ? 1.702f : 1.0f;
            for (int64_t i = 0; i < n; i++)
                x[i] = y[i] = nnh_uniform(&seed, -40.0f, 40.0f);
            if (kind)
                kern_vswish_row(y, y, n, bias, alpha);
            else
                kern_vsigmoid_row(y, y, n, bias);
            for (int64_t i = 0; i < n; i++) {
                const double v = (double)(x[i] + bias), s = 1.0 / (1.0 + exp(-(double)(float)(alpha * (float)v)));
                check_bound(kind ? "swish row" : "sigmoid row", ulps(y[i], kind ? v * s : s),
                            kind ? SILU_ULP : SIGMOID_ULP, x[i]);
            }
        }
}

/* Softmax rows whose exponentials underflow to subnormals and zero, against double precision. */
static void softmax_tails(void **state)
{
    (void)state;
    static const float row[] = {0.0f, -1.0f, -87.5f, -100.0f, -103.5f, -104.0f, -300.0f, -INFINITY};
    enum { N = sizeof row / sizeof *row };
    const int64_t dims[2] = {1, N};
    qrc_err e;
    tensor *x = tensor_new(DT_FLOAT, 2, dims, &e);
    memcpy(x->data, row, sizeof row);
    nnh *h = nnh_new("Softmax", 1, 1, 13);
    nnh_input(h, 0, x, false);
    assert_int_equal(nnh_run(h, 1), 0);
    const float *y = h->out[0]->data;
    double s = 0.0;
    for (int i = 0; i < N; i++)
        s += exp((double)row[i]);
    for (int i = 0; i < N; i++)
        assert_true(ulps(y[i], exp((double)row[i]) / s) <= 2);
    assert_true(y[5] == 0.0f && y[6] == 0.0f && y[7] == 0.0f && y[3] > 0.0f);
    nnh_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(functions),
        cmocka_unit_test(kernels),
        cmocka_unit_test(rows),
        cmocka_unit_test(softmax_tails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
