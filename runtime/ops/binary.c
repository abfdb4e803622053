/* binary.c — broadcasting two-input ops (arithmetic, comparisons, logic, PRelu), their variadic forms
 * (Max, Min, Sum, Mean) and Where.
 *
 * Inputs are collapsed to the fewest dims (broadcast.c); a typed row kernel then walks the innermost dim
 * with each input's stride 0 or 1, so scalar and same-shape operands both get contiguous loops. */
#include <tgmath.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

typedef void (*brow)(const void *a, int64_t sa, const void *b, int64_t sb, void *o, int64_t n);

#define BROW(NAME, T, OT, EXPR)                                                                             \
    static void NAME(const void *a_, int64_t sa, const void *b_, int64_t sb, void *o_, int64_t n)          \
    {                                                                                                       \
        const T *a = a_, *b = b_;                                                                           \
        OT *o = o_;                                                                                         \
        if (sa && sb) {                                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T x = a[i], y = b[i];                                                                       \
                o[i] = (OT)(EXPR);                                                                          \
            }                                                                                               \
        } else if (sa) {                                                                                    \
            T y = b[0];                                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T x = a[i];                                                                                 \
                o[i] = (OT)(EXPR);                                                                          \
            }                                                                                               \
        } else if (sb) {                                                                                    \
            T x = a[0];                                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                               \
                T y = b[i];                                                                                 \
                o[i] = (OT)(EXPR);                                                                          \
            }                                                                                               \
        } else {                                                                                            \
            T x = a[0], y = b[0];                                                                           \
            OT r = (OT)(EXPR);                                                                              \
            for (int64_t i = 0; i < n; i++)                                                                 \
                o[i] = r;                                                                                   \
        }                                                                                                   \
    }

#define FLOAT_ROWS(OP, EXPR, OT_F, OT_D)                                                                    \
    BROW(OP##_f32, float, OT_F, EXPR)                                                                       \
    BROW(OP##_f64, double, OT_D, EXPR)
#define INT_ROWS(OP, EXPR, SAME)                                                                            \
    BROW(OP##_i8, int8_t, SAME(int8_t), EXPR)                                                               \
    BROW(OP##_i16, int16_t, SAME(int16_t), EXPR)                                                            \
    BROW(OP##_i32, int32_t, SAME(int32_t), EXPR)                                                            \
    BROW(OP##_i64, int64_t, SAME(int64_t), EXPR)                                                            \
    BROW(OP##_u8, uint8_t, SAME(uint8_t), EXPR)                                                             \
    BROW(OP##_u16, uint16_t, SAME(uint16_t), EXPR)                                                          \
    BROW(OP##_u32, uint32_t, SAME(uint32_t), EXPR)                                                          \
    BROW(OP##_u64, uint64_t, SAME(uint64_t), EXPR)
#define INT_ENTRIES(OP)                                                                                     \
    [DT_INT8] = OP##_i8, [DT_INT16] = OP##_i16, [DT_INT32] = OP##_i32, [DT_INT64] = OP##_i64,               \
    [DT_UINT8] = OP##_u8, [DT_UINT16] = OP##_u16, [DT_UINT32] = OP##_u32, [DT_UINT64] = OP##_u64
#define KEEP(T) T
#define TO_BOOL(T) uint8_t

/* arithmetic over every numeric type, result of the operands' type */
#define ARITH(OP, EXPR)                                                                                     \
    FLOAT_ROWS(OP, EXPR, float, double)                                                                     \
    INT_ROWS(OP, EXPR, KEEP)                                                                                \
    static const brow OP##_rows[DT_COUNT_] = {[DT_FLOAT] = OP##_f32, [DT_DOUBLE] = OP##_f64, INT_ENTRIES(OP)};
/* comparison over every numeric type and bool, bool result */
#define COMPARE(OP, EXPR)                                                                                   \
    FLOAT_ROWS(OP, EXPR, uint8_t, uint8_t)                                                                  \
    INT_ROWS(OP, EXPR, TO_BOOL)                                                                             \
    static const brow OP##_rows[DT_COUNT_] = {[DT_FLOAT] = OP##_f32, [DT_DOUBLE] = OP##_f64, INT_ENTRIES(OP), \
                                              [DT_BOOL] = OP##_u8};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wsign-compare"
ARITH(add, x + y)
ARITH(sub, x - y)
ARITH(mul, x * y)
ARITH(div, x / y)
ARITH(max, x >= y || x != x ? x : y)
ARITH(min, x <= y || x != x ? x : y)
COMPARE(eq, x == y)
COMPARE(lt, x < y)
COMPARE(gt, x > y)
COMPARE(le, x <= y)
COMPARE(ge, x >= y)
/* integer modulo with the divisor's sign (numpy/Python), and C's truncating remainder */
INT_ROWS(pymod, (x % y != 0 && ((x % y < 0) != (y < 0))) ? x % y + y : x % y, KEEP)
INT_ROWS(cmod, x % y, KEEP)
FLOAT_ROWS(fmod, fmod(x, y), float, double)
/* a square (the variance in a decomposed LayerNorm) is a product rounded once, without a pow call */
FLOAT_ROWS(pow, y == 2 ? (double)x * x : pow(x, y), float, double)
FLOAT_ROWS(prelu, x < 0 ? x * y : x, float, double)
INT_ROWS(prelu, x < 0 ? x * y : x, KEEP)
BROW(shl_u8, uint8_t, uint8_t, y >= 8 ? 0 : x << y)
BROW(shl_u16, uint16_t, uint16_t, y >= 16 ? 0 : x << y)
BROW(shl_u32, uint32_t, uint32_t, y >= 32 ? 0 : x << y)
BROW(shl_u64, uint64_t, uint64_t, y >= 64 ? 0 : x << y)
BROW(shr_u8, uint8_t, uint8_t, y >= 8 ? 0 : x >> y)
BROW(shr_u16, uint16_t, uint16_t, y >= 16 ? 0 : x >> y)
BROW(shr_u32, uint32_t, uint32_t, y >= 32 ? 0 : x >> y)
BROW(shr_u64, uint64_t, uint64_t, y >= 64 ? 0 : x >> y)
BROW(and_b, uint8_t, uint8_t, x && y)
BROW(or_b, uint8_t, uint8_t, x || y)
BROW(xor_b, uint8_t, uint8_t, !x != !y)
#pragma GCC diagnostic pop

static const brow pymod_rows[DT_COUNT_] = {INT_ENTRIES(pymod)};
static const brow fmod_rows[DT_COUNT_] = {[DT_FLOAT] = fmod_f32, [DT_DOUBLE] = fmod_f64, INT_ENTRIES(cmod)};
static const brow pow_rows[DT_COUNT_] = {[DT_FLOAT] = pow_f32, [DT_DOUBLE] = pow_f64};
static const brow prelu_rows[DT_COUNT_] = {[DT_FLOAT] = prelu_f32, [DT_DOUBLE] = prelu_f64, INT_ENTRIES(prelu)};
static const brow shl_rows[DT_COUNT_] = {[DT_UINT8] = shl_u8, [DT_UINT16] = shl_u16, [DT_UINT32] = shl_u32,
                                         [DT_UINT64] = shl_u64};
static const brow shr_rows[DT_COUNT_] = {[DT_UINT8] = shr_u8, [DT_UINT16] = shr_u16, [DT_UINT32] = shr_u32,
                                         [DT_UINT64] = shr_u64};
static const brow and_rows[DT_COUNT_] = {[DT_BOOL] = and_b};
static const brow or_rows[DT_COUNT_] = {[DT_BOOL] = or_b};
static const brow xor_rows[DT_COUNT_] = {[DT_BOOL] = xor_b};

/* Applies fn to output elements [lo, hi): whole or partial rows of the collapsed broadcast. */
static void bin_range(const kern_bcast *bc, const tensor *a, const tensor *b, tensor *o, brow fn, int64_t lo,
                      int64_t hi)
{
    size_t ea = tensor_dtype_size(a->dtype), eb = tensor_dtype_size(b->dtype), eo = tensor_dtype_size(o->dtype);
    int last = bc->rank - 1;
    int64_t sa = bc->strides[0][last] ? 1 : 0, sb = bc->strides[1][last] ? 1 : 0, inner = bc->inner;
    const char *pa = a->data, *pb = b->data;
    char *po = o->data;
    int64_t row = lo / inner, col = lo % inner;
    while (lo < hi) {
        int64_t n = inner - col < hi - lo ? inner - col : hi - lo;
        int64_t off[KERN_BCAST_MAX_IN];
        kern_bcast_row(bc, row, off);
        fn(pa + (size_t)(off[0] + col * sa) * ea, sa, pb + (size_t)(off[1] + col * sb) * eb, sb,
           po + (size_t)lo * eo, n);
        lo += n;
        row++;
        col = 0;
    }
}

/* Applies row kernel fn over a and b broadcast into o (already allocated with the broadcast shape);
 * o may be a itself (same shape). Large outputs are split into one contiguous range per thread. */
static int bin_apply(op_ctx *ctx, const tensor *a, const tensor *b, tensor *o, brow fn)
{
    int64_t total = tensor_numel(o);
    if (total == 0)
        return 0;
    kern_bcast bc;
    const tensor *ins[2] = {a, b};
    if (kern_bcast_init(&bc, o->rank, o->dims, 2, ins))
        return kern_fail(ctx, "inputs do not broadcast");
    int nt = kern_par_threads(ctx, total);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int t = 0; t < nt; t++)
        bin_range(&bc, a, b, o, fn, total * t / nt, total * (t + 1) / nt);
    return 0;
}

static tensor *bcast_output(op_ctx *ctx, int first, int count, tensor_dtype dt)
{
    int rank = 0;
    int64_t dims[TENSOR_MAX_RANK];
    for (int i = first; i < first + count; i++) {
        const tensor *t = ctx->in[i];
        if (!t) {
            kern_fail(ctx, "input %d is missing", i);
            return NULL;
        }
        int64_t tmp[TENSOR_MAX_RANK];
        int r;
        if (kern_broadcast_shape(rank, dims, t->rank, t->dims, &r, tmp)) {
            kern_fail(ctx, "input %d does not broadcast with the inputs before it", i);
            return NULL;
        }
        rank = r;
        memcpy(dims, tmp, sizeof tmp);
    }
    return op_output(ctx, 0, dt, rank, dims);
}

static int int_divisor_has_zero(const tensor *b)
{
    int64_t n = tensor_numel(b);
    size_t es = tensor_dtype_size(b->dtype);
    const unsigned char *p = b->data;
    for (int64_t i = 0; i < n; i++) {
        int zero = 1;
        for (size_t k = 0; k < es; k++)
            zero &= p[(size_t)i * es + k] == 0;
        if (zero)
            return 1;
    }
    return 0;
}

static bool is_int(tensor_dtype dt)
{
    return dt != DT_FLOAT && dt != DT_DOUBLE && dt != DT_FLOAT16 && dt != DT_BFLOAT16 && dt != DT_BOOL;
}

/* Two inputs of one dtype, broadcast, output dtype out_bool ? bool : input dtype. */
static int binary(op_ctx *ctx, const brow *rows, bool out_bool, bool int_div, op_run_fn self)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1];
    if (!a || !b)
        return kern_fail(ctx, "both inputs are required");
    if (a->dtype != b->dtype)
        return kern_fail(ctx, "input dtypes differ (%s and %s)", tensor_dtype_name(a->dtype),
                         tensor_dtype_name(b->dtype));
    if (kern_is_half(a->dtype))
        return kern_run_widened(ctx, self);
    brow fn = (unsigned)a->dtype < DT_COUNT_ ? rows[a->dtype] : NULL;
    if (!fn)
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(a->dtype));
    if (int_div && is_int(b->dtype) && int_divisor_has_zero(b))
        return kern_fail(ctx, "integer division by zero");
    tensor *o = bcast_output(ctx, 0, 2, out_bool ? DT_BOOL : a->dtype);
    return o ? bin_apply(ctx, a, b, o, fn) : -1;
}

int kern_run_add(op_ctx *ctx) { return binary(ctx, add_rows, false, false, kern_run_add); }
int kern_run_sub(op_ctx *ctx) { return binary(ctx, sub_rows, false, false, kern_run_sub); }
int kern_run_mul(op_ctx *ctx) { return binary(ctx, mul_rows, false, false, kern_run_mul); }
int kern_run_div(op_ctx *ctx) { return binary(ctx, div_rows, false, true, kern_run_div); }
int kern_run_equal(op_ctx *ctx) { return binary(ctx, eq_rows, true, false, kern_run_equal); }
int kern_run_less(op_ctx *ctx) { return binary(ctx, lt_rows, true, false, kern_run_less); }
int kern_run_greater(op_ctx *ctx) { return binary(ctx, gt_rows, true, false, kern_run_greater); }
int kern_run_less_equal(op_ctx *ctx) { return binary(ctx, le_rows, true, false, kern_run_less_equal); }
int kern_run_greater_equal(op_ctx *ctx) { return binary(ctx, ge_rows, true, false, kern_run_greater_equal); }
int kern_run_and(op_ctx *ctx) { return binary(ctx, and_rows, true, false, kern_run_and); }
int kern_run_or(op_ctx *ctx) { return binary(ctx, or_rows, true, false, kern_run_or); }
int kern_run_xor(op_ctx *ctx) { return binary(ctx, xor_rows, true, false, kern_run_xor); }
int kern_run_prelu(op_ctx *ctx) { return binary(ctx, prelu_rows, false, false, kern_run_prelu); }

int kern_run_mod(op_ctx *ctx)
{
    bool f = graph_attr_int(ctx->node, "fmod", 0) != 0;
    return binary(ctx, f ? fmod_rows : pymod_rows, false, true, kern_run_mod);
}

int kern_run_bitshift(op_ctx *ctx)
{
    bool left = !strcmp(graph_attr_string(ctx->node, "direction", ""), "LEFT");
    return binary(ctx, left ? shl_rows : shr_rows, false, false, kern_run_bitshift);
}

/* Pow: the result has the base's dtype; mixed or integer operands are computed in double. */
int kern_run_pow(op_ctx *ctx)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1];
    if (!a || !b)
        return kern_fail(ctx, "both inputs are required");
    if (a->dtype == b->dtype && (a->dtype == DT_FLOAT || a->dtype == DT_DOUBLE))
        return binary(ctx, pow_rows, false, false, kern_run_pow);
    if (!kern_convertible(a->dtype) || !kern_convertible(b->dtype) || a->dtype == DT_BOOL || b->dtype == DT_BOOL)
        return kern_fail(ctx, "dtypes %s and %s are not supported", tensor_dtype_name(a->dtype),
                         tensor_dtype_name(b->dtype));
    qrc_err *e = ctx->err;
    tensor *da = tensor_new(DT_DOUBLE, a->rank, a->dims, e), *db = tensor_new(DT_DOUBLE, b->rank, b->dims, e);
    tensor *o = bcast_output(ctx, 0, 2, a->dtype);
    tensor *dout = o ? tensor_new(DT_DOUBLE, o->rank, o->dims, e) : NULL;
    int rc = -1;
    if (da && db && dout) {
        kern_convert(a->data, a->dtype, da->data, DT_DOUBLE, tensor_numel(a));
        kern_convert(b->data, b->dtype, db->data, DT_DOUBLE, tensor_numel(b));
        rc = bin_apply(ctx, da, db, dout, pow_f64);
        if (!rc)
            kern_convert(dout->data, DT_DOUBLE, o->data, o->dtype, tensor_numel(o));
    }
    tensor_free(da);
    tensor_free(db);
    tensor_free(dout);
    return rc;
}

/* Max, Min, Sum, Mean: fold the inputs left to right into the output (broadcast of all inputs). */
static int variadic(op_ctx *ctx, const brow *rows, bool mean, op_run_fn self)
{
    if (ctx->n_in < 1 || !ctx->in[0])
        return kern_fail(ctx, "needs at least one input");
    tensor_dtype dt = ctx->in[0]->dtype;
    if (kern_is_half(dt))
        return kern_run_widened(ctx, self);
    for (int i = 1; i < ctx->n_in; i++)
        if (ctx->in[i] && ctx->in[i]->dtype != dt)
            return kern_fail(ctx, "input %d has dtype %s, input 0 has %s", i, tensor_dtype_name(ctx->in[i]->dtype),
                             tensor_dtype_name(dt));
    brow fn = (unsigned)dt < DT_COUNT_ ? rows[dt] : NULL;
    if (!fn || (mean && dt != DT_FLOAT && dt != DT_DOUBLE))
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(dt));
    tensor *o = bcast_output(ctx, 0, ctx->n_in, dt);
    if (!o)
        return -1;
    if (ctx->n_in == 1 || tensor_numel(o) == 0) {
        if (kern_expand_into(ctx, ctx->in[0], o))
            return -1;
    } else {
        if (bin_apply(ctx, ctx->in[0], ctx->in[1], o, fn))
            return -1;
        for (int i = 2; i < ctx->n_in; i++)
            if (bin_apply(ctx, o, ctx->in[i], o, fn))
                return -1;
    }
    if (mean) {
        int64_t n = tensor_numel(o);
        if (dt == DT_FLOAT) {
            float s = 1.0f / (float)ctx->n_in, *p = o->data;
            for (int64_t i = 0; i < n; i++)
                p[i] *= s;
        } else {
            double s = 1.0 / ctx->n_in, *p = o->data;
            for (int64_t i = 0; i < n; i++)
                p[i] *= s;
        }
    }
    return 0;
}

int kern_run_max(op_ctx *ctx) { return variadic(ctx, max_rows, false, kern_run_max); }
int kern_run_min(op_ctx *ctx) { return variadic(ctx, min_rows, false, kern_run_min); }
int kern_run_sum(op_ctx *ctx) { return variadic(ctx, add_rows, false, kern_run_sum); }
int kern_run_mean(op_ctx *ctx) { return variadic(ctx, add_rows, true, kern_run_mean); }

/* Where: out = cond ? x : y over the broadcast of all three; any dtype, copied by element size. */
#define WHERE_LOOP(T)                                                                                       \
    do {                                                                                                    \
        const T *x_ = (const T *)px, *y_ = (const T *)py;                                                   \
        T *o_ = (T *)po;                                                                                    \
        for (int64_t i = 0; i < n; i++)                                                                     \
            o_[i] = pc[i * sc] ? x_[i * sx] : y_[i * sy];                                                   \
    } while (0)

int kern_run_where(op_ctx *ctx)
{
    const tensor *c = ctx->in[0], *x = ctx->in[1], *y = ctx->in[2];
    if (!c || !x || !y)
        return kern_fail(ctx, "three inputs are required");
    if (c->dtype != DT_BOOL)
        return kern_fail(ctx, "condition must be bool, is %s", tensor_dtype_name(c->dtype));
    if (x->dtype != y->dtype)
        return kern_fail(ctx, "X and Y dtypes differ (%s and %s)", tensor_dtype_name(x->dtype),
                         tensor_dtype_name(y->dtype));
    tensor *o = bcast_output(ctx, 0, 3, x->dtype);
    if (!o)
        return -1;
    if (tensor_numel(o) == 0)
        return 0;
    kern_bcast bc;
    const tensor *ins[3] = {c, x, y};
    if (kern_bcast_init(&bc, o->rank, o->dims, 3, ins))
        return kern_fail(ctx, "inputs do not broadcast");
    size_t es = tensor_dtype_size(x->dtype);
    int last = bc.rank - 1;
    int64_t sc = bc.strides[0][last] ? 1 : 0, sx = bc.strides[1][last] ? 1 : 0, sy = bc.strides[2][last] ? 1 : 0;
    for (int64_t row = 0; row < bc.rows; row++) {
        int64_t off[KERN_BCAST_MAX_IN];
        kern_bcast_row(&bc, row, off);
        const uint8_t *pc = (const uint8_t *)c->data + off[0];
        const char *px = (const char *)x->data + (size_t)off[1] * es, *py = (const char *)y->data + (size_t)off[2] * es;
        char *po = (char *)o->data + (size_t)(row * bc.inner) * es;
        int64_t n = bc.inner;
        switch (es) {
        case 1: WHERE_LOOP(uint8_t); break;
        case 2: WHERE_LOOP(uint16_t); break;
        case 4: WHERE_LOOP(uint32_t); break;
        case 8: WHERE_LOOP(uint64_t); break;
        default: return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
        }
    }
    return 0;
}

/* ---- load-time checks and inference ---- */

/* All of inputs [0, count) share one dtype from dts (when known). */
static int check_same_dtype(const graph *g, const graph_node *n, int count, const tensor_dtype *dts, qrc_err *e)
{
    tensor_dtype dt = DT_UNDEFINED;
    for (int i = 0; i < count && i < n->n_in; i++) {
        if (kern_check_dtype(g, n, i, dts, e))
            return -1;
        graph_value *v = kern_in_value(g, n, i);
        if (!v || v->dtype == DT_UNDEFINED)
            continue;
        if (dt != DT_UNDEFINED && v->dtype != dt)
            return kern_node_err(e, n, "input '%s' has dtype %s, other inputs %s", v->name,
                                 tensor_dtype_name(v->dtype), tensor_dtype_name(dt));
        dt = v->dtype;
    }
    return 0;
}

static const tensor_dtype numeric_and_bool[] = {DT_FLOAT, DT_DOUBLE, DT_FLOAT16, DT_BFLOAT16, DT_INT8,  DT_INT16,  DT_INT32, DT_INT64,
                                                DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64, DT_BOOL,  DT_UNDEFINED};
static const char *const no_attrs[] = {NULL};

int kern_check_arith(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
                   check_same_dtype(g, n, 2, kern_dt_numeric, e)
               ? -1
               : 0;
}

int kern_check_mod(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"fmod", NULL};
    if (kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        check_same_dtype(g, n, 2, kern_dt_numeric, e))
        return -1;
    graph_value *x = kern_in_value(g, n, 0);
    if (x && (x->dtype == DT_FLOAT || x->dtype == DT_DOUBLE) && !graph_attr_int(n, "fmod", 0))
        return kern_node_err(e, n, "floating-point Mod requires fmod=1");
    return 0;
}

int kern_check_pow(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_numeric, e) || kern_check_dtype(g, n, 1, kern_dt_numeric, e)
               ? -1
               : 0;
}

int kern_check_compare(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
                   check_same_dtype(g, n, 2, numeric_and_bool, e)
               ? -1
               : 0;
}

int kern_check_logical(const graph *g, const graph_node *n, qrc_err *e)
{
    int ins = !strcmp(n->op_type, "Not") ? 1 : 2;
    return kern_check_arity(n, ins, ins, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
                   check_same_dtype(g, n, ins, kern_dt_bool, e)
               ? -1
               : 0;
}

int kern_check_prelu(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
                   check_same_dtype(g, n, 2, kern_dt_signed, e)
               ? -1
               : 0;
}

int kern_check_variadic(const graph *g, const graph_node *n, qrc_err *e)
{
    bool mean = !strcmp(n->op_type, "Mean");
    if (kern_check_arity(n, 1, 1 << 20, 1, 1, e) || kern_check_attrs(n, no_attrs, e))
        return -1;
    return check_same_dtype(g, n, n->n_in, mean ? kern_dt_floats : kern_dt_numeric, e);
}

int kern_check_where(const graph *g, const graph_node *n, qrc_err *e)
{
    if (kern_check_arity(n, 3, 3, 1, 1, e) || kern_check_attrs(n, no_attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_bool, e) || kern_check_dtype(g, n, 1, kern_dt_any, e))
        return -1;
    graph_value *x = kern_in_value(g, n, 1), *y = kern_in_value(g, n, 2);
    if (x && y && x->dtype && y->dtype && x->dtype != y->dtype)
        return kern_node_err(e, n, "X and Y dtypes differ");
    return 0;
}

int kern_infer_broadcast_same(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_infer_broadcast(g, n, 0, n->n_in, DT_UNDEFINED, e);
}

int kern_infer_broadcast_bool(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_infer_broadcast(g, n, 0, n->n_in, DT_BOOL, e);
}

int kern_infer_where(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 1);
    return kern_infer_broadcast(g, n, 0, 3, x ? x->dtype : DT_UNDEFINED, e);
}

/* Not: elementwise negation of a bool tensor. */
int kern_run_not(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (x->dtype != DT_BOOL)
        return kern_fail(ctx, "input must be bool, is %s", tensor_dtype_name(x->dtype));
    tensor *y = op_output(ctx, 0, DT_BOOL, x->rank, x->dims);
    if (!y)
        return -1;
    const uint8_t *p = x->data;
    uint8_t *q = y->data;
    int64_t n = tensor_numel(x);
    for (int64_t i = 0; i < n; i++)
        q[i] = !p[i];
    return 0;
}

int kern_check_bitshift(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"direction", NULL};
    static const tensor_dtype uints[] = {DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64, DT_UNDEFINED};
    if (kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) || check_same_dtype(g, n, 2, uints, e))
        return -1;
    const char *d = graph_attr_string(n, "direction", "");
    if (strcmp(d, "LEFT") && strcmp(d, "RIGHT"))
        return kern_node_err(e, n, "direction must be LEFT or RIGHT, is '%s'", d);
    return 0;
}
