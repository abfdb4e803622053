/* elementwise.c — one-input elementwise ops (activations and math functions) and Clip.
 *
 * Each op is one expression instantiated as a tight loop per dtype (float and double; integer types for
 * the few ops that allow them). Attributes are read once per run, never per element. */
#include <math.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"
#include "ops/vmath.h"

typedef struct uparams {
    double a, b;
} uparams;

typedef void (*urow_f32)(const float *x, float *y, int64_t n, float a, float b);
typedef void (*urow_f64)(const double *x, double *y, int64_t n, double a, double b);
typedef void (*urow_int)(const void *x, void *y, int64_t n, tensor_dtype dt);

typedef struct unary_op {
    const char *a_name, *b_name;
    double a_def, b_def;
    urow_f32 f32;
    urow_f64 f64;
    urow_int ints; /* NULL: floating types only */
} unary_op;

static int unary_apply(op_ctx *ctx, const unary_op *u, op_run_fn self)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, self);
    const graph_node *n = ctx->node;
    double a = u->a_name ? graph_attr_float(n, u->a_name, (float)u->a_def) : u->a_def;
    double b = u->b_name ? graph_attr_float(n, u->b_name, (float)u->b_def) : u->b_def;
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    int64_t cnt = tensor_numel(x);
    bool ints = x->dtype != DT_FLOAT && x->dtype != DT_DOUBLE;
    if (ints && (!u->ints || x->dtype == DT_BOOL || !tensor_dtype_size(x->dtype) || kern_is_half(x->dtype)))
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    size_t es = tensor_dtype_size(x->dtype);
    int nt = kern_par_threads(ctx, cnt);
    /* contiguous chunks, one per thread */
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int t = 0; t < nt; t++) {
        int64_t lo = cnt * t / nt, hi = cnt * (t + 1) / nt;
        const char *px = (const char *)x->data + (size_t)lo * es;
        char *py = (char *)y->data + (size_t)lo * es;
        if (x->dtype == DT_FLOAT)
            u->f32((const float *)px, (float *)py, hi - lo, (float)a, (float)b);
        else if (x->dtype == DT_DOUBLE)
            u->f64((const double *)px, (double *)py, hi - lo, a, b);
        else
            u->ints(px, py, hi - lo, x->dtype);
    }
    return 0;
}

#define FLOAT_ROWS(NAME, EXPR_F, EXPR_D)                                                                    \
    KERN_VEC static void NAME##_f32(const float *x, float *y, int64_t n, float a, float b)                   \
    {                                                                                                       \
        (void)a, (void)b;                                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                                   \
            float v = x[i];                                                                                 \
            y[i] = (EXPR_F);                                                                                \
        }                                                                                                   \
    }                                                                                                       \
    DOUBLE_ROW(NAME, EXPR_D)
#define DOUBLE_ROW(NAME, EXPR_D)                                                                            \
    static void NAME##_f64(const double *x, double *y, int64_t n, double a, double b)                      \
    {                                                                                                       \
        (void)a, (void)b;                                                                                   \
        for (int64_t i = 0; i < n; i++) {                                                                   \
            double v = x[i];                                                                                \
            y[i] = (EXPR_D);                                                                                \
        }                                                                                                   \
    }

#define INT_LOOP(T, EXPR)                                                                                   \
    do {                                                                                                    \
        const T *x_ = x;                                                                                    \
        T *y_ = y;                                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                                   \
            T v = x_[i];                                                                                    \
            y_[i] = (T)(EXPR);                                                                              \
        }                                                                                                   \
    } while (0)
#define INT_ROWS(NAME, EXPR)                                                                                \
    static void NAME##_int(const void *x, void *y, int64_t n, tensor_dtype dt)                             \
    {                                                                                                       \
        switch (dt) {                                                                                       \
        case DT_INT8: INT_LOOP(int8_t, EXPR); break;                                                        \
        case DT_INT16: INT_LOOP(int16_t, EXPR); break;                                                      \
        case DT_INT32: INT_LOOP(int32_t, EXPR); break;                                                      \
        case DT_INT64: INT_LOOP(int64_t, EXPR); break;                                                      \
        case DT_UINT8: INT_LOOP(uint8_t, EXPR); break;                                                      \
        case DT_UINT16: INT_LOOP(uint16_t, EXPR); break;                                                    \
        case DT_UINT32: INT_LOOP(uint32_t, EXPR); break;                                                    \
        case DT_UINT64: INT_LOOP(uint64_t, EXPR); break;                                                    \
        default: break;                                                                                     \
        }                                                                                                   \
    }

/* An op whose float row is the function ROW_F (an expression over doubles as usual). */
#define UNARY_ROW_F(NAME, AN, AD, BN, BD, ROW_F, EXPR_D)                                                    \
    DOUBLE_ROW(NAME, EXPR_D)                                                                                \
    static const unary_op NAME##_op = {AN, BN, AD, BD, ROW_F, NAME##_f64, NULL};                            \
    int kern_run_##NAME(op_ctx *ctx) { return unary_apply(ctx, &NAME##_op, kern_run_##NAME); }
/* An op over float/double: NAME, attribute a (name, default), attribute b, expressions in v, a, b. */
#define UNARY(NAME, AN, AD, BN, BD, EXPR_F, EXPR_D)                                                         \
    FLOAT_ROWS(NAME, EXPR_F, EXPR_D)                                                                        \
    static const unary_op NAME##_op = {AN, BN, AD, BD, NAME##_f32, NAME##_f64, NULL};                       \
    int kern_run_##NAME(op_ctx *ctx) { return unary_apply(ctx, &NAME##_op, kern_run_##NAME); }
/* The same, also over integer types with expression EXPR_I. */
#define UNARY_INT(NAME, EXPR_F, EXPR_D, EXPR_I)                                                             \
    FLOAT_ROWS(NAME, EXPR_F, EXPR_D)                                                                        \
    INT_ROWS(NAME, EXPR_I)                                                                                  \
    static const unary_op NAME##_op = {NULL, NULL, 0, 0, NAME##_f32, NAME##_f64, NAME##_int};               \
    int kern_run_##NAME(op_ctx *ctx) { return unary_apply(ctx, &NAME##_op, kern_run_##NAME); }

static inline double softplus_d(double v) { return v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)); }
static inline double sigmoid_d(double v) { return v >= 0 ? 1.0 / (1.0 + exp(-v)) : exp(v) / (1.0 + exp(v)); }

/* ints: v < 0 is always false for unsigned types, which is what Relu/Abs mean there */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wbool-operation"
UNARY_INT(relu, v > 0 ? v : 0.0f, v > 0 ? v : 0.0, v > 0 ? v : 0)
UNARY_INT(neg, -v, -v, -v)
UNARY_INT(abs, fabsf(v), fabs(v), v < 0 ? -v : v)
UNARY_INT(sign, (float)((v > 0) - (v < 0)), (double)((v > 0) - (v < 0)), (v > 0) - (v < 0))
#pragma GCC diagnostic pop

UNARY(leaky_relu, "alpha", 0.01, NULL, 0, v < 0 ? v * a : v, v < 0 ? v * a : v)
/* Float Sigmoid, QuickGelu, Tanh, Exp, HardSigmoid and HardSwish come from vmath.h (no libm call, so the
 * loops vectorise; error bounds there). */
static inline double unit_clamp_d(double v) { return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v; }

static void sigmoid_row(const float *x, float *y, int64_t n, float a, float b)
{
    kern_vsigmoid_row(x, y, n, 0.0f);
}
static void swish_row(const float *x, float *y, int64_t n, float a, float b)
{
    kern_vswish_row(x, y, n, 0.0f, a);
}
UNARY_ROW_F(sigmoid, NULL, 0, NULL, 0, sigmoid_row, sigmoid_d(v))
/* com.microsoft QuickGelu: x sigmoid(alpha x); with alpha 1 it is SiLU, which kern_fuse_units makes
 * of a Sigmoid and a Mul */
UNARY_ROW_F(quick_gelu, "alpha", 1.702, NULL, 0, swish_row, v * sigmoid_d(a * v))
UNARY(hard_sigmoid, "alpha", 0.2, "beta", 0.5, kern_vhard_sigmoid(v, a, b), unit_clamp_d(a * v + b))
UNARY(hard_swish, NULL, 0, NULL, 0, kern_vhard_swish(v), v * unit_clamp_d(v / 6.0 + 0.5))
UNARY(tanh, NULL, 0, NULL, 0, kern_vtanh(v), tanh(v))
/* erf in float without a call per element, so that its loops vectorise: x P(x^2) / Q(x^2) on [-4, 4]
 * (erf rounds to +-1 in float beyond), the rational approximation Eigen uses; within 4.3e-7 of erf
 * everywhere, NaN in NaN out. */
static inline float erf_rational(float v)
{
    const float x = v < -4.0f ? -4.0f : v > 4.0f ? 4.0f : v, x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return x * p / q;
}

UNARY(erf, NULL, 0, NULL, 0, erf_rational(v), erf(v))
UNARY(gelu_erf, NULL, 0, NULL, 0, 0.5f * v * (1.0f + erf_rational(v * 0.70710678118654752f)),
      0.5 * v * (1.0 + erf(v * 0.70710678118654752)))
UNARY(gelu_tanh, NULL, 0, NULL, 0, 0.5f * v * (1.0f + kern_vtanh(0.79788456080286536f * (v + 0.044715f * v * v * v))),
      0.5 * v * (1.0 + tanh(0.79788456080286536 * (v + 0.044715 * v * v * v))))
UNARY(softplus, NULL, 0, NULL, 0, kern_vsoftplus(v), softplus_d(v))
UNARY(softsign, NULL, 0, NULL, 0, v / (1.0f + fabsf(v)), v / (1.0 + fabs(v)))
/* Elu, Selu and Celu on vmath.h's expm1 through bit selects, so that their loops vectorise */
UNARY(elu, "alpha", 1.0, NULL, 0, vm_select(v < 0, a * kern_vexpm1(v), v), v < 0 ? a * expm1(v) : v)
UNARY(selu, "alpha", 1.67326319217681884765625, "gamma", 1.05070102214813232421875,
      vm_select(v <= 0, b * a * kern_vexpm1(v), b * v), v <= 0 ? b * a * expm1(v) : b * v)
/* Celu: max(0, v) + min(0, a expm1(v / a)) is v for v > 0 and a expm1(v / a) otherwise, whatever the sign
 * of a; NaN stays NaN */
UNARY(celu, "alpha", 1.0, NULL, 0, vm_select(v > 0, v, a * kern_vexpm1(v / a)), v > 0 ? v : a * expm1(v / a))
UNARY(thresholded_relu, "alpha", 1.0, NULL, 0, v > a ? v : 0.0f, v > a ? v : 0.0)
UNARY(shrink, "lambd", 0.5, "bias", 0.0, v < -a ? v + b : v > a ? v - b : 0.0f, v < -a ? v + b : v > a ? v - b : 0.0)
UNARY(sqrt, NULL, 0, NULL, 0, sqrtf(v), sqrt(v))
UNARY(exp, NULL, 0, NULL, 0, kern_vexp(v), exp(v))
UNARY(log, NULL, 0, NULL, 0, logf(v), log(v))
UNARY(reciprocal, NULL, 0, NULL, 0, 1.0f / v, 1.0 / v)
UNARY(floor, NULL, 0, NULL, 0, floorf(v), floor(v))
UNARY(ceil, NULL, 0, NULL, 0, ceilf(v), ceil(v))
UNARY(round, NULL, 0, NULL, 0, nearbyintf(v), nearbyint(v))
UNARY(sin, NULL, 0, NULL, 0, sinf(v), sin(v))
UNARY(cos, NULL, 0, NULL, 0, cosf(v), cos(v))
UNARY(tan, NULL, 0, NULL, 0, tanf(v), tan(v))
UNARY(asin, NULL, 0, NULL, 0, asinf(v), asin(v))
UNARY(acos, NULL, 0, NULL, 0, acosf(v), acos(v))
UNARY(atan, NULL, 0, NULL, 0, atanf(v), atan(v))
UNARY(sinh, NULL, 0, NULL, 0, sinhf(v), sinh(v))
UNARY(cosh, NULL, 0, NULL, 0, coshf(v), cosh(v))
UNARY(asinh, NULL, 0, NULL, 0, asinhf(v), asinh(v))
UNARY(acosh, NULL, 0, NULL, 0, acoshf(v), acosh(v))
UNARY(atanh, NULL, 0, NULL, 0, atanhf(v), atanh(v))

int kern_run_gelu(op_ctx *ctx)
{
    const char *approx = graph_attr_string(ctx->node, "approximate", "none");
    return strcmp(approx, "tanh") ? kern_run_gelu_erf(ctx) : kern_run_gelu_tanh(ctx);
}

/* ---- Clip: bounds from attributes (before opset 11) or optional scalar inputs ---- */

#define CLIP_LOOP(T)                                                                                        \
    do {                                                                                                    \
        const T *x_ = x->data;                                                                              \
        T *y_ = y->data;                                                                                    \
        T lo_ = (T)lo, hi_ = (T)hi;                                                                         \
        for (int64_t i = 0; i < cnt; i++) {                                                                 \
            T v = x_[i];                                                                                    \
            v = v < lo_ ? lo_ : v;                                                                          \
            y_[i] = v > hi_ ? hi_ : v;                                                                      \
        }                                                                                                   \
    } while (0)

static void type_range(tensor_dtype dt, double *lo, double *hi)
{
    switch (dt) {
    case DT_INT8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case DT_INT16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case DT_INT32: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case DT_INT64: *lo = (double)INT64_MIN, *hi = 9223372036854774784.0; break; /* largest double below 2^63 */
    case DT_UINT8: *lo = 0, *hi = UINT8_MAX; break;
    case DT_UINT16: *lo = 0, *hi = UINT16_MAX; break;
    case DT_UINT32: *lo = 0, *hi = UINT32_MAX; break;
    case DT_UINT64: *lo = 0, *hi = 18446744073709549568.0; break;
    default: *lo = -INFINITY, *hi = INFINITY; break;
    }
}

int kern_run_clip(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, kern_run_clip);
    double lo, hi;
    type_range(x->dtype, &lo, &hi);
    if (graph_attr_find(ctx->node, "min"))
        lo = graph_attr_float(ctx->node, "min", 0);
    if (graph_attr_find(ctx->node, "max"))
        hi = graph_attr_float(ctx->node, "max", 0);
    if (ctx->n_in > 1 && ctx->in[1] && kern_read_scalar(ctx, ctx->in[1], &lo, "min"))
        return -1;
    if (ctx->n_in > 2 && ctx->in[2] && kern_read_scalar(ctx, ctx->in[2], &hi, "max"))
        return -1;
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    int64_t cnt = tensor_numel(x);
    switch (x->dtype) {
    case DT_FLOAT: CLIP_LOOP(float); break;
    case DT_DOUBLE: CLIP_LOOP(double); break;
    case DT_INT8: CLIP_LOOP(int8_t); break;
    case DT_INT16: CLIP_LOOP(int16_t); break;
    case DT_INT32: CLIP_LOOP(int32_t); break;
    case DT_INT64: CLIP_LOOP(int64_t); break;
    case DT_UINT8: CLIP_LOOP(uint8_t); break;
    case DT_UINT16: CLIP_LOOP(uint16_t); break;
    case DT_UINT32: CLIP_LOOP(uint32_t); break;
    case DT_UINT64: CLIP_LOOP(uint64_t); break;
    default: return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    return 0;
}

/* ---- load-time checks and inference ---- */

static int check_unary(const graph *g, const graph_node *n, qrc_err *e, const char *const *attrs,
                       const tensor_dtype *dts)
{
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) || kern_check_dtype(g, n, 0, dts, e)
               ? -1
               : 0;
}

#define UNARY_CHECK(NAME, DTS, ...)                                                                         \
    int kern_check_##NAME(const graph *g, const graph_node *n, qrc_err *e)                                 \
    {                                                                                                       \
        static const char *const attrs[] = {__VA_ARGS__};                                                   \
        return check_unary(g, n, e, attrs, DTS);                                                            \
    }

UNARY_CHECK(unary_float, kern_dt_floats, NULL)
UNARY_CHECK(unary_signed, kern_dt_signed, NULL)
UNARY_CHECK(unary_numeric, kern_dt_numeric, NULL)
UNARY_CHECK(unary_alpha, kern_dt_floats, "alpha", NULL)
UNARY_CHECK(unary_alpha_beta, kern_dt_floats, "alpha", "beta", NULL)
UNARY_CHECK(unary_alpha_gamma, kern_dt_floats, "alpha", "gamma", NULL)
UNARY_CHECK(unary_shrink, kern_dt_floats, "lambd", "bias", NULL)
/* com.microsoft FastGelu without its optional bias input: the tanh form of GELU. */
UNARY_CHECK(fast_gelu, kern_dt_floats, NULL)

int kern_check_gelu(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"approximate", NULL};
    if (check_unary(g, n, e, attrs, kern_dt_floats))
        return -1;
    const char *a = graph_attr_string(n, "approximate", "none");
    if (strcmp(a, "none") && strcmp(a, "tanh"))
        return kern_node_err(e, n, "approximate '%s' is not supported", a);
    return 0;
}

int kern_check_clip(const graph *g, const graph_node *n, qrc_err *e)
{
    bool attr_form = g ? graph_opset_version(g, "") < 11 : graph_attr_find(n, "min") || graph_attr_find(n, "max");
    static const char *const attrs[] = {"min", "max", NULL};
    static const char *const none[] = {NULL};
    if (kern_check_arity(n, 1, attr_form ? 1 : 3, 1, 1, e) || kern_check_attrs(n, attr_form ? attrs : none, e) ||
        kern_check_dtype(g, n, 0, kern_dt_numeric, e))
        return -1;
    graph_value *x = kern_in_value(g, n, 0);
    for (int i = 1; i < 3; i++) {
        graph_value *b = kern_in_value(g, n, i);
        if (b && x && b->dtype != DT_UNDEFINED && x->dtype != DT_UNDEFINED && b->dtype != x->dtype)
            return kern_node_err(e, n, "bound '%s' has dtype %s, input has %s", b->name, tensor_dtype_name(b->dtype),
                                 tensor_dtype_name(x->dtype));
    }
    return 0;
}

int kern_infer_unary(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_same_shape(g, n, 0, 0, DT_UNDEFINED);
}

/* ---- IsNaN, IsInf: float in, bool out ---- */

int kern_check_isinf(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const inf_attrs[] = {"detect_negative", "detect_positive", NULL};
    static const char *const nan_attrs[] = {NULL};
    return check_unary(g, n, e, !strcmp(n->op_type, "IsInf") ? inf_attrs : nan_attrs, kern_dt_floats);
}

int kern_infer_to_bool(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_same_shape(g, n, 0, 0, DT_BOOL);
}

int kern_run_isinf(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, kern_run_isinf);
    bool nan = !strcmp(ctx->node->op_type, "IsNaN");
    bool neg = graph_attr_int(ctx->node, "detect_negative", 1) != 0;
    bool pos = graph_attr_int(ctx->node, "detect_positive", 1) != 0;
    tensor *y = op_output(ctx, 0, DT_BOOL, x->rank, x->dims);
    if (!y)
        return -1;
    int64_t n = tensor_numel(x);
    uint8_t *o = y->data;
    for (int64_t i = 0; i < n; i++) {
        double v = x->dtype == DT_FLOAT ? ((const float *)x->data)[i] : ((const double *)x->data)[i];
        o[i] = nan ? isnan(v) : isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
    }
    return x->dtype == DT_FLOAT || x->dtype == DT_DOUBLE ? 0 : kern_fail(ctx, "dtype %s is not supported",
                                                                           tensor_dtype_name(x->dtype));
}
