/* kern.c — node-naming errors, graph-side helpers for check/infer, and input readers for kernels. */
#include "ops/kern.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int vnode_err(qrc_err *e, const graph_node *n, const char *fmt, va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return err_set(e, "node '%s' (%s): %s", n && n->name ? n->name : "?", n && n->op_type ? n->op_type : "?", msg);
}

int kern_node_err(qrc_err *e, const graph_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnode_err(e, n, fmt, ap);
    va_end(ap);
    return -1;
}

int kern_fail(op_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnode_err(ctx->err, ctx->node, fmt, ap);
    va_end(ap);
    return -1;
}

bool kern_has_input(const graph_node *n, int i)
{
    return i >= 0 && i < n->n_in && n->in[i] >= 0;
}

graph_value *kern_in_value(const graph *g, const graph_node *n, int i)
{
    if (!kern_has_input(n, i) || n->in[i] >= g->n_values)
        return NULL;
    return &g->values[n->in[i]];
}

graph_value *kern_out_value(const graph *g, const graph_node *n, int i)
{
    if (i < 0 || i >= n->n_out || n->out[i] < 0 || n->out[i] >= g->n_values)
        return NULL;
    return &g->values[n->out[i]];
}

int kern_set_out(const graph *g, const graph_node *n, int i, tensor_dtype dt, int rank, const int64_t *dims)
{
    graph_value *v = kern_out_value(g, n, i);
    if (!v)
        return 0;
    if (dt != DT_UNDEFINED)
        v->dtype = dt;
    v->rank = rank;
    for (int d = 0; d < TENSOR_MAX_RANK; d++) {
        bool keep = d < rank && dims[d] >= 0 && v->dim_param[d] && v->dims[d] < 0;
        v->dims[d] = d < rank ? dims[d] : -1;
        if (!keep)
            v->dim_param[d] = NULL;
    }
    return 0;
}

int kern_same_shape(const graph *g, const graph_node *n, int in, int out, tensor_dtype dt)
{
    graph_value *x = kern_in_value(g, n, in), *y = kern_out_value(g, n, out);
    if (!y)
        return 0;
    if (!x) {
        y->dtype = dt;
        y->rank = -1;
        return 0;
    }
    y->dtype = dt != DT_UNDEFINED ? dt : x->dtype;
    y->rank = x->rank;
    memcpy(y->dims, x->dims, sizeof y->dims);
    memcpy(y->dim_param, x->dim_param, sizeof y->dim_param);
    return 0;
}

int kern_const_ints(const graph *g, const graph_node *n, int i, int64_t *v, int max)
{
    graph_value *x = kern_in_value(g, n, i);
    if (!x || !x->init || x->init->rank > 1)
        return -1;
    const tensor *t = x->init;
    int64_t k = tensor_numel(t);
    if (k > max)
        return -1;
    for (int64_t j = 0; j < k; j++) {
        if (t->dtype == DT_INT64)
            v[j] = ((const int64_t *)t->data)[j];
        else if (t->dtype == DT_INT32)
            v[j] = ((const int32_t *)t->data)[j];
        else
            return -1;
    }
    return (int)k;
}

static bool dt_in(tensor_dtype dt, const tensor_dtype *list)
{
    for (; *list != DT_UNDEFINED; list++)
        if (*list == dt)
            return true;
    return false;
}

int kern_check_dtype(const graph *g, const graph_node *n, int i, const tensor_dtype *allowed, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, i);
    if (!x || x->dtype == DT_UNDEFINED || dt_in(x->dtype, allowed))
        return 0;
    return kern_node_err(e, n, "input %d '%s' has unsupported dtype %s", i, x->name, tensor_dtype_name(x->dtype));
}

int kern_check_arity(const graph_node *n, int min_in, int max_in, int min_out, int max_out, qrc_err *e)
{
    if (n->n_in < min_in || n->n_in > max_in)
        return kern_node_err(e, n, "expects %d..%d inputs, has %d", min_in, max_in, n->n_in);
    if (n->n_out < min_out || n->n_out > max_out)
        return kern_node_err(e, n, "expects %d..%d outputs, has %d", min_out, max_out, n->n_out);
    for (int i = 0; i < min_in; i++)
        if (n->in[i] < 0)
            return kern_node_err(e, n, "required input %d is missing", i);
    return 0;
}

int kern_check_attr_kind(const graph_node *n, const graph_attr *a, qrc_err *e)
{
    static const struct {
        const char *name;
        attr_kind kind;
    } kinds[] = {
        {"axis", ATTR_INT},          {"axes", ATTR_INTS},         {"perm", ATTR_INTS},
        {"pads", ATTR_INTS},         {"strides", ATTR_INTS},      {"dilations", ATTR_INTS},
        {"kernel_shape", ATTR_INTS}, {"group", ATTR_INT},         {"keepdims", ATTR_INT},
        {"transA", ATTR_INT},        {"transB", ATTR_INT},        {"allowzero", ATTR_INT},
        {"to", ATTR_INT},            {"ceil_mode", ATTR_INT},     {"count_include_pad", ATTR_INT},
        {"largest", ATTR_INT},       {"sorted", ATTR_INT},        {"alpha", ATTR_FLOAT},
        {"beta", ATTR_FLOAT},        {"epsilon", ATTR_FLOAT},     {"mode", ATTR_STRING},
        {"auto_pad", ATTR_STRING},   {"output_padding", ATTR_INTS}, {"split", ATTR_INTS},
        {"select_last_index", ATTR_INT},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (!strcmp(kinds[k].name, a->name) && kinds[k].kind != a->kind)
            return kern_node_err(e, n, "attribute '%s' has the wrong type (kind %d, expected %d)", a->name,
                                 (int)a->kind, (int)kinds[k].kind);
    return 0;
}

int kern_check_attrs(const graph_node *n, const char *const *known, qrc_err *e)
{
    for (int a = 0; a < n->n_attrs; a++) {
        const char *const *k = known;
        while (*k && strcmp(*k, n->attrs[a].name))
            k++;
        if (!*k)
            return kern_node_err(e, n, "attribute '%s' is not supported", n->attrs[a].name);
        if (kern_check_attr_kind(n, &n->attrs[a], e))
            return -1;
    }
    return 0;
}

int kern_read_ints(op_ctx *ctx, const tensor *t, int64_t *v, int max, const char *what)
{
    if (!t)
        return kern_fail(ctx, "%s is missing", what);
    if (t->rank > 1)
        return kern_fail(ctx, "%s must be a scalar or 1-D, has rank %d", what, t->rank);
    int64_t k = tensor_numel(t);
    if (k > max)
        return kern_fail(ctx, "%s has %lld values, at most %d supported", what, (long long)k, max);
    for (int64_t j = 0; j < k; j++) {
        if (t->dtype == DT_INT64)
            v[j] = ((const int64_t *)t->data)[j];
        else if (t->dtype == DT_INT32)
            v[j] = ((const int32_t *)t->data)[j];
        else
            return kern_fail(ctx, "%s must be int32 or int64, is %s", what, tensor_dtype_name(t->dtype));
    }
    return (int)k;
}

int kern_read_scalar(op_ctx *ctx, const tensor *t, double *v, const char *what)
{
    if (!t || tensor_numel(t) < 1)
        return kern_fail(ctx, "%s is missing or empty", what);
    double d;
    if (kern_convert(t->data, t->dtype, &d, DT_DOUBLE, 1))
        return kern_fail(ctx, "%s has unsupported dtype %s", what, tensor_dtype_name(t->dtype));
    *v = d;
    return 0;
}

int kern_axis(op_ctx *ctx, int64_t a, int rank, int64_t *out)
{
    if (a < -rank || a >= (rank ? rank : 1))
        return kern_fail(ctx, "axis %lld is out of range for rank %d", (long long)a, rank);
    *out = a < 0 ? a + rank : a;
    return 0;
}

#define DTS_FLOATS DT_FLOAT, DT_DOUBLE, DT_FLOAT16, DT_BFLOAT16
#define DTS_SIGNED_INT DT_INT8, DT_INT16, DT_INT32, DT_INT64
#define DTS_UNSIGNED_INT DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64
const tensor_dtype kern_dt_float[] = {DT_FLOAT, DT_UNDEFINED};
const tensor_dtype kern_dt_floats[] = {DTS_FLOATS, DT_UNDEFINED};
const tensor_dtype kern_dt_numeric[] = {DTS_FLOATS, DTS_SIGNED_INT, DTS_UNSIGNED_INT, DT_UNDEFINED};
const tensor_dtype kern_dt_signed[] = {DTS_FLOATS, DTS_SIGNED_INT, DT_UNDEFINED};
const tensor_dtype kern_dt_index[] = {DT_INT32, DT_INT64, DT_UNDEFINED};
const tensor_dtype kern_dt_bool[] = {DT_BOOL, DT_UNDEFINED};
const tensor_dtype kern_dt_any[] = {DTS_FLOATS, DTS_SIGNED_INT, DTS_UNSIGNED_INT, DT_BOOL, DT_UINT4, DT_INT4,
                                    DT_UNDEFINED};

bool kern_is_half(tensor_dtype dt)
{
    return dt == DT_FLOAT16 || dt == DT_BFLOAT16;
}

int kern_run_widened(op_ctx *ctx, op_run_fn fn)
{
    enum { MAX_IO = 64 };
    if (ctx->n_in > MAX_IO || ctx->n_out > MAX_IO)
        return kern_fail(ctx, "too many inputs or outputs for 16-bit float widening");
    const tensor *ins[MAX_IO];
    tensor *wide[MAX_IO] = {NULL}, *outs[MAX_IO] = {NULL};
    tensor_dtype half = DT_UNDEFINED;
    int rc = 0;
    for (int i = 0; i < ctx->n_in; i++) {
        const tensor *t = ctx->in[i];
        ins[i] = t;
        if (!t || !kern_is_half(t->dtype))
            continue;
        half = t->dtype;
        wide[i] = tensor_new(DT_FLOAT, t->rank, t->dims, ctx->err);
        if (!wide[i]) {
            rc = -1;
            break;
        }
        kern_convert(t->data, t->dtype, wide[i]->data, DT_FLOAT, tensor_numel(t));
        ins[i] = wide[i];
    }
    if (!rc) {
        op_ctx sub = *ctx;
        sub.in = ins;
        sub.out = outs;
        sub.alloc = NULL;
        rc = fn(&sub);
    }
    for (int j = 0; !rc && j < ctx->n_out; j++) {
        if (!outs[j])
            continue;
        tensor_dtype dt = outs[j]->dtype == DT_FLOAT && half ? half : outs[j]->dtype;
        tensor *y = op_output(ctx, j, dt, outs[j]->rank, outs[j]->dims);
        if (!y)
            rc = -1;
        else if (dt == outs[j]->dtype)
            memcpy(y->data, outs[j]->data, tensor_nbytes(y));
        else
            kern_convert(outs[j]->data, DT_FLOAT, y->data, dt, tensor_numel(y));
    }
    for (int i = 0; i < MAX_IO; i++) {
        tensor_free(wide[i]);
        tensor_free(outs[i]);
    }
    return rc;
}

int kern_par_threads(const op_ctx *ctx, int64_t n)
{
    enum { PAR_MIN = 1 << 15 }; /* below this, starting threads costs more than it saves */
    int t = ctx->threads;
    if (t <= 1 || n < PAR_MIN)
        return 1;
    return t > 64 ? 64 : t;
}
