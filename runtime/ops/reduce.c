/* reduce.c — Reduce* ops (axes as attribute or input, keepdims, noop_with_empty_axes) and ArgMax/ArgMin.
 *
 * The input is viewed as kept dims and reduced dims (adjacent dims of the same kind merged); each output
 * element walks its reduced dims with the innermost one as a strided tight loop. Sums accumulate in double. */
#include <math.h>
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

typedef enum red_kind { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_SUMSQ, R_LOGSUM, R_LOGSUMEXP } red_kind;

static const struct {
    const char *op;
    red_kind kind;
    int axes_input_since; /* opset from which axes come as an input */
} red_ops[] = {
    {"ReduceSum", R_SUM, 13},     {"ReduceMean", R_MEAN, 18}, {"ReduceMax", R_MAX, 18},
    {"ReduceMin", R_MIN, 18},     {"ReduceProd", R_PROD, 18}, {"ReduceL1", R_L1, 18},
    {"ReduceL2", R_L2, 18},       {"ReduceSumSquare", R_SUMSQ, 18}, {"ReduceLogSum", R_LOGSUM, 18},
    {"ReduceLogSumExp", R_LOGSUMEXP, 18},
};

static int red_find(const char *op)
{
    for (size_t i = 0; i < sizeof red_ops / sizeof *red_ops; i++)
        if (!strcmp(red_ops[i].op, op))
            return (int)i;
    return -1;
}

/* The reduction plan: which axes, keepdims, and whether the op is a no-op. */
typedef struct red_axes {
    bool reduce[TENSOR_MAX_RANK];
    bool keepdims, noop;
} red_axes;

/* Resolves axes from attribute or input; axes given as a non-constant input at inference time leave
 * *known false. */
static int red_resolve(const int64_t *axes, int n_axes, bool axes_given, int rank, const graph_node *node,
                       bool noop_empty, red_axes *ra, qrc_err *e)
{
    memset(ra->reduce, 0, sizeof ra->reduce);
    ra->noop = false;
    if (!axes_given || n_axes == 0) {
        if (noop_empty && axes_given) {
            ra->noop = true;
            return 0;
        }
        if (noop_empty && !axes_given) {
            ra->noop = true;
            return 0;
        }
        for (int d = 0; d < rank; d++)
            ra->reduce[d] = true;
        return 0;
    }
    for (int i = 0; i < n_axes; i++) {
        int64_t a = axes[i];
        if (a < -rank || a >= rank)
            return kern_node_err(e, node, "axis %lld is out of range for rank %d", (long long)a, rank);
        ra->reduce[a < 0 ? a + rank : a] = true;
    }
    return 0;
}

static int red_axes_of_node(const graph *g, const graph_node *n, bool *axes_input, bool *is_input_form)
{
    int k = red_find(n->op_type);
    int64_t opset = g ? graph_opset_version(g, "") : 0;
    *is_input_form = k >= 0 && opset >= red_ops[k].axes_input_since;
    *axes_input = *is_input_form && kern_has_input(n, 1);
    return k;
}

int kern_check_reduce(const graph *g, const graph_node *n, qrc_err *e)
{
    bool axes_input, input_form;
    if (red_axes_of_node(g, n, &axes_input, &input_form) < 0)
        return kern_node_err(e, n, "not a reduction");
    static const char *const attr_form[] = {"axes", "keepdims", NULL};
    static const char *const input_form_attrs[] = {"keepdims", "noop_with_empty_axes", NULL};
    if (kern_check_arity(n, 1, input_form ? 2 : 1, 1, 1, e) ||
        kern_check_attrs(n, input_form ? input_form_attrs : attr_form, e) ||
        kern_check_dtype(g, n, 0, kern_dt_floats, e))
        return -1;
    return axes_input ? kern_check_dtype(g, n, 1, kern_dt_index, e) : 0;
}

int kern_infer_reduce(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, x ? x->dtype : DT_UNDEFINED, -1, NULL);
    bool axes_input, input_form;
    red_axes_of_node(g, n, &axes_input, &input_form);
    int64_t axes[TENSOR_MAX_RANK];
    int na = 0;
    bool keep = graph_attr_int(n, "keepdims", 1) != 0;
    if (axes_input) {
        na = kern_const_ints(g, n, 1, axes, TENSOR_MAX_RANK);
        if (na < 0) { /* axes computed at run time */
            int64_t dims[TENSOR_MAX_RANK];
            for (int d = 0; d < x->rank; d++)
                dims[d] = -1;
            return kern_set_out(g, n, 0, x->dtype, keep ? x->rank : -1, dims);
        }
    } else if (!input_form) {
        const int64_t *v;
        na = graph_attr_ints(n, "axes", &v);
        if (na > TENSOR_MAX_RANK)
            return kern_node_err(e, n, "too many axes");
        if (na)
            memcpy(axes, v, (size_t)na * sizeof *v);
        axes_input = na > 0;
    }
    bool noop_empty = input_form && graph_attr_int(n, "noop_with_empty_axes", 0);
    red_axes ra;
    if (red_resolve(axes, na, axes_input, x->rank, n, noop_empty, &ra, e))
        return -1;
    if (ra.noop)
        return kern_same_shape(g, n, 0, 0, DT_UNDEFINED);
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < x->rank; d++) {
        if (!ra.reduce[d])
            dims[r++] = x->dims[d];
        else if (keep)
            dims[r++] = 1;
    }
    return kern_set_out(g, n, 0, x->dtype, r, dims);
}

/* Accumulates n elements at stride s into acc (kind-specific). */
static void red_row_f32(red_kind k, const float *p, int64_t s, int64_t n, double *acc, double shift)
{
    double a = *acc;
    switch (k) {
    case R_SUM: case R_MEAN: case R_LOGSUM:
        for (int64_t i = 0; i < n; i++) a += p[i * s];
        break;
    case R_MAX:
        for (int64_t i = 0; i < n; i++) { double v = p[i * s]; a = v > a || v != v ? v : a; }
        break;
    case R_MIN:
        for (int64_t i = 0; i < n; i++) { double v = p[i * s]; a = v < a || v != v ? v : a; }
        break;
    case R_PROD:
        for (int64_t i = 0; i < n; i++) a *= p[i * s];
        break;
    case R_L1:
        for (int64_t i = 0; i < n; i++) a += fabs((double)p[i * s]);
        break;
    case R_L2: case R_SUMSQ:
        for (int64_t i = 0; i < n; i++) { double v = p[i * s]; a += v * v; }
        break;
    case R_LOGSUMEXP:
        for (int64_t i = 0; i < n; i++) a += exp((double)p[i * s] - shift);
        break;
    }
    *acc = a;
}

static void red_row_f64(red_kind k, const double *p, int64_t s, int64_t n, double *acc, double shift)
{
    double a = *acc;
    switch (k) {
    case R_SUM: case R_MEAN: case R_LOGSUM:
        for (int64_t i = 0; i < n; i++) a += p[i * s];
        break;
    case R_MAX:
        for (int64_t i = 0; i < n; i++) { double v = p[i * s]; a = v > a || v != v ? v : a; }
        break;
    case R_MIN:
        for (int64_t i = 0; i < n; i++) { double v = p[i * s]; a = v < a || v != v ? v : a; }
        break;
    case R_PROD:
        for (int64_t i = 0; i < n; i++) a *= p[i * s];
        break;
    case R_L1:
        for (int64_t i = 0; i < n; i++) a += fabs(p[i * s]);
        break;
    case R_L2: case R_SUMSQ:
        for (int64_t i = 0; i < n; i++) a += p[i * s] * p[i * s];
        break;
    case R_LOGSUMEXP:
        for (int64_t i = 0; i < n; i++) a += exp(p[i * s] - shift);
        break;
    }
    *acc = a;
}

typedef struct red_view {
    int nk, nr;                                  /* kept and reduced dim counts (merged) */
    int64_t kdim[TENSOR_MAX_RANK], kstride[TENSOR_MAX_RANK];
    int64_t rdim[TENSOR_MAX_RANK], rstride[TENSOR_MAX_RANK];
    int64_t rcount;                              /* elements reduced into each output */
} red_view;

static void red_view_build(const tensor *x, const red_axes *ra, red_view *v)
{
    memset(v, 0, sizeof *v);
    int64_t stride[TENSOR_MAX_RANK];
    int64_t s = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        stride[d] = s;
        s *= x->dims[d];
    }
    v->rcount = 1;
    int last_kind = -1; /* 0 kept, 1 reduced */
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] == 1)
            continue;
        int kind = ra->reduce[d] ? 1 : 0;
        int64_t *dims = kind ? v->rdim : v->kdim, *strides = kind ? v->rstride : v->kstride;
        int *cnt = kind ? &v->nr : &v->nk;
        if (kind == last_kind && *cnt > 0) { /* adjacent dims of one kind are contiguous: merge */
            dims[*cnt - 1] *= x->dims[d];
            strides[*cnt - 1] = stride[d];
        } else {
            dims[*cnt] = x->dims[d];
            strides[*cnt] = stride[d];
            (*cnt)++;
        }
        if (kind)
            v->rcount *= x->dims[d];
        last_kind = kind;
    }
    for (int d = 0; d < x->rank; d++)
        if (ra->reduce[d] && x->dims[d] == 0)
            v->rcount = 0;
    if (v->nr == 0) { /* reducing only size-1 dims: one element each */
        v->rdim[0] = 1;
        v->rstride[0] = 1;
        v->nr = 1;
    }
}

/* Walks every reduced element for the output whose input base offset is `base`. */
static double red_one(red_kind k, const tensor *x, const red_view *v, int64_t base, double init, double shift)
{
    double acc = init;
    int64_t outer = 1;
    for (int d = 0; d < v->nr - 1; d++)
        outer *= v->rdim[d];
    int64_t in_n = v->rdim[v->nr - 1], in_s = v->rstride[v->nr - 1];
    for (int64_t o = 0; o < outer; o++) {
        int64_t off = base, rem = o;
        for (int d = v->nr - 2; d >= 0; d--) {
            off += (rem % v->rdim[d]) * v->rstride[d];
            rem /= v->rdim[d];
        }
        if (x->dtype == DT_FLOAT)
            red_row_f32(k, (const float *)x->data + off, in_s, in_n, &acc, shift);
        else
            red_row_f64(k, (const double *)x->data + off, in_s, in_n, &acc, shift);
    }
    return acc;
}

int kern_run_reduce(op_ctx *ctx)
{
    const graph_node *n = ctx->node;
    const tensor *x = ctx->in[0];
    int ki = red_find(n->op_type);
    if (ki < 0)
        return kern_fail(ctx, "not a reduction");
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, kern_run_reduce);
    if (x->dtype != DT_FLOAT && x->dtype != DT_DOUBLE)
        return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    red_kind k = red_ops[ki].kind;
    bool input_form = ctx->graph ? graph_opset_version(ctx->graph, "") >= red_ops[ki].axes_input_since
                                 : (ctx->n_in > 1 || graph_attr_find(n, "noop_with_empty_axes") ||
                                    !graph_attr_find(n, "axes"));
    int64_t axes[TENSOR_MAX_RANK];
    int na = 0;
    bool given = false;
    if (input_form && ctx->n_in > 1 && ctx->in[1]) {
        na = kern_read_ints(ctx, ctx->in[1], axes, TENSOR_MAX_RANK, "axes");
        if (na < 0)
            return -1;
        given = true;
    } else if (!input_form) {
        const int64_t *v;
        na = graph_attr_ints(n, "axes", &v);
        if (na > TENSOR_MAX_RANK)
            return kern_fail(ctx, "too many axes");
        if (na)
            memcpy(axes, v, (size_t)na * sizeof *v);
        given = na > 0;
    }
    bool noop_empty = input_form && graph_attr_int(n, "noop_with_empty_axes", 0);
    red_axes ra;
    if (red_resolve(axes, na, given, x->rank, n, noop_empty, &ra, ctx->err))
        return -1;
    ra.keepdims = graph_attr_int(n, "keepdims", 1) != 0;
    if (ra.noop) {
        tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
        if (y && tensor_nbytes(x))
            memcpy(y->data, x->data, tensor_nbytes(x));
        return y ? 0 : -1;
    }
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < x->rank; d++) {
        if (!ra.reduce[d])
            dims[r++] = x->dims[d];
        else if (ra.keepdims)
            dims[r++] = 1;
    }
    tensor *y = op_output(ctx, 0, x->dtype, r, dims);
    if (!y)
        return -1;
    red_view v;
    red_view_build(x, &ra, &v);
    int64_t nout = tensor_numel(y);
    double init = k == R_MAX ? -INFINITY : k == R_MIN ? INFINITY : k == R_PROD ? 1.0 : 0.0;
    for (int64_t o = 0; o < nout; o++) {
        int64_t base = 0, rem = o;
        for (int d = v.nk - 1; d >= 0; d--) {
            base += (rem % v.kdim[d]) * v.kstride[d];
            rem /= v.kdim[d];
        }
        double res;
        if (v.rcount == 0) {
            res = k == R_LOGSUM || k == R_LOGSUMEXP ? -INFINITY : k == R_MEAN ? NAN : init;
        } else if (k == R_LOGSUMEXP) {
            double m = red_one(R_MAX, x, &v, base, -INFINITY, 0);
            double shift = isfinite(m) ? m : 0;
            res = shift + log(red_one(R_LOGSUMEXP, x, &v, base, 0.0, shift));
        } else {
            res = red_one(k, x, &v, base, init, 0);
            if (k == R_MEAN)
                res /= (double)v.rcount;
            else if (k == R_L2)
                res = sqrt(res);
            else if (k == R_LOGSUM)
                res = log(res);
        }
        if (y->dtype == DT_FLOAT)
            ((float *)y->data)[o] = (float)res;
        else
            ((double *)y->data)[o] = res;
    }
    return 0;
}

/* ---- ArgMax / ArgMin ---- */

int kern_check_argminmax(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", "keepdims", "select_last_index", NULL};
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_numeric, e)
               ? -1
               : 0;
}

int kern_infer_argminmax(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    if (!x || x->rank < 0)
        return kern_set_out(g, n, 0, DT_INT64, -1, NULL);
    int64_t a = graph_attr_int(n, "axis", 0);
    if (a < -x->rank || a >= (x->rank ? x->rank : 1))
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, x->rank);
    if (a < 0)
        a += x->rank;
    bool keep = graph_attr_int(n, "keepdims", 1) != 0;
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < x->rank; d++)
        if (d != a)
            dims[r++] = x->dims[d];
        else if (keep)
            dims[r++] = 1;
    return kern_set_out(g, n, 0, DT_INT64, r, dims);
}

#define ARG_LOOP(T)                                                                                         \
    do {                                                                                                    \
        const T *p_ = x->data;                                                                              \
        for (int64_t o = 0; o < outer; o++)                                                                 \
            for (int64_t in = 0; in < inner; in++) {                                                        \
                const T *q = p_ + o * len * inner + in;                                                     \
                T best = q[0];                                                                              \
                int64_t bi = 0;                                                                             \
                for (int64_t i = 1; i < len; i++) {                                                         \
                    T v = q[i * inner];                                                                     \
                    bool better = is_max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);   \
                    if (better) {                                                                           \
                        best = v;                                                                           \
                        bi = i;                                                                             \
                    }                                                                                       \
                }                                                                                           \
                out[o * inner + in] = bi;                                                                   \
            }                                                                                               \
    } while (0)

static int argminmax(op_ctx *ctx, bool is_max)
{
    const tensor *x = ctx->in[0];
    if (kern_is_half(x->dtype))
        return kern_run_widened(ctx, is_max ? kern_run_argmax : kern_run_argmin);
    int64_t axis = 0;
    if (kern_axis(ctx, graph_attr_int(ctx->node, "axis", 0), x->rank, &axis))
        return -1;
    bool keep = graph_attr_int(ctx->node, "keepdims", 1) != 0;
    bool last = graph_attr_int(ctx->node, "select_last_index", 0) != 0;
    int64_t dims[TENSOR_MAX_RANK];
    int r = 0;
    for (int d = 0; d < x->rank; d++)
        if (d != axis)
            dims[r++] = x->dims[d];
        else if (keep)
            dims[r++] = 1;
    int64_t len = x->rank ? x->dims[axis] : 1, outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        inner *= x->dims[d];
    if (len == 0)
        return kern_fail(ctx, "cannot take the arg of an empty axis");
    tensor *y = op_output(ctx, 0, DT_INT64, r, dims);
    if (!y)
        return -1;
    int64_t *out = y->data;
    switch (x->dtype) {
    case DT_FLOAT: ARG_LOOP(float); break;
    case DT_DOUBLE: ARG_LOOP(double); break;
    case DT_INT8: ARG_LOOP(int8_t); break;
    case DT_INT16: ARG_LOOP(int16_t); break;
    case DT_INT32: ARG_LOOP(int32_t); break;
    case DT_INT64: ARG_LOOP(int64_t); break;
    case DT_UINT8: ARG_LOOP(uint8_t); break;
    case DT_UINT16: ARG_LOOP(uint16_t); break;
    case DT_UINT32: ARG_LOOP(uint32_t); break;
    case DT_UINT64: ARG_LOOP(uint64_t); break;
    default: return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(x->dtype));
    }
    return 0;
}

int kern_run_argmax(op_ctx *ctx) { return argminmax(ctx, true); }
int kern_run_argmin(op_ctx *ctx) { return argminmax(ctx, false); }
