/* shape_ops.c — ops that change only the shape or produce shapes and constants: Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity, Dropout (inference), Shape, Size, ConstantOfShape, Constant, Range. */
#include <math.h>
#include <string.h>

#include "base/checked.h"
#include "ops/basic.h"
#include "ops/kern.h"

static int copy_as(op_ctx *ctx, int rank, const int64_t *dims)
{
    const tensor *x = ctx->in[0];
    tensor *y = op_output(ctx, 0, x->dtype, rank, dims);
    if (!y)
        return -1;
    if (tensor_nbytes(x))
        memcpy(y->data, x->data, tensor_nbytes(x));
    return 0;
}

/* ---- Reshape ---- */

/* Resolves a Reshape target against the input dims (in_dims entries may be -1 at inference time).
 * Returns the rank, or -1 with e filled. */
static int reshape_dims(const graph_node *n, int in_rank, const int64_t *in_dims, const int64_t *shape, int k,
                        bool allowzero, int64_t *out, qrc_err *e)
{
    if (k > TENSOR_MAX_RANK)
        return kern_node_err(e, n, "target rank %d exceeds %d", k, TENSOR_MAX_RANK);
    int infer_at = -1;
    int64_t known = 1, total = 1;
    bool total_known = true;
    for (int i = 0; i < in_rank; i++) {
        if (in_dims[i] < 0)
            total_known = false;
        else if (!checked_mul(total, in_dims[i], &total))
            return kern_node_err(e, n, "the input's element count overflows");
    }
    bool prod_known = true;
    for (int i = 0; i < k; i++) {
        int64_t s = shape[i];
        if (s == -1) {
            if (infer_at >= 0)
                return kern_node_err(e, n, "shape has more than one -1");
            infer_at = i;
            out[i] = -1;
            continue;
        }
        if (s < -1)
            return kern_node_err(e, n, "shape value %lld is invalid", (long long)s);
        if (s == 0 && !allowzero) {
            if (i >= in_rank)
                return kern_node_err(e, n, "shape copies dim %d of a rank-%d input", i, in_rank);
            s = in_dims[i];
        }
        out[i] = s;
        if (s < 0)
            prod_known = false;
        else if (!checked_mul(known, s, &known))
            return kern_node_err(e, n, "target shape's element count overflows");
    }
    if (infer_at >= 0) {
        if (!total_known || !prod_known)
            out[infer_at] = -1;
        else if (known == 0 || total % known)
            return kern_node_err(e, n, "cannot reshape %lld elements with the given shape", (long long)total);
        else
            out[infer_at] = total / known;
    } else if (total_known && prod_known && known != total) {
        return kern_node_err(e, n, "cannot reshape %lld elements into %lld", (long long)total, (long long)known);
    }
    return k;
}

int kern_check_reshape(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"allowzero", NULL};
    return kern_check_arity(n, 2, 2, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e) || kern_check_dtype(g, n, 1, kern_dt_index, e)
               ? -1
               : 0;
}

int kern_infer_reshape(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0), *s = kern_in_value(g, n, 1);
    int64_t shape[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK], unknown[TENSOR_MAX_RANK];
    int k = kern_const_ints(g, n, 1, shape, TENSOR_MAX_RANK);
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    if (k < 0) {
        int r = s && s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= TENSOR_MAX_RANK ? (int)s->dims[0] : -1;
        for (int i = 0; i < TENSOR_MAX_RANK; i++)
            unknown[i] = -1;
        return kern_set_out(g, n, 0, dt, r, unknown);
    }
    int in_rank = x && x->rank >= 0 ? x->rank : 0;
    int64_t in_dims[TENSOR_MAX_RANK];
    for (int i = 0; i < in_rank; i++)
        in_dims[i] = x->dims[i];
    if (!x || x->rank < 0) { /* unknown input: only literal dims survive */
        for (int i = 0; i < k; i++)
            dims[i] = shape[i] > 0 || (shape[i] == 0 && graph_attr_int(n, "allowzero", 0)) ? shape[i] : -1;
        return kern_set_out(g, n, 0, dt, k, dims);
    }
    int r = reshape_dims(n, in_rank, in_dims, shape, k, graph_attr_int(n, "allowzero", 0) != 0, dims, e);
    return r < 0 ? -1 : kern_set_out(g, n, 0, dt, r, dims);
}

int kern_run_reshape(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t shape[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int k = kern_read_ints(ctx, ctx->in[1], shape, TENSOR_MAX_RANK, "shape");
    if (k < 0)
        return -1;
    int r = reshape_dims(ctx->node, x->rank, x->dims, shape, k, graph_attr_int(ctx->node, "allowzero", 0) != 0,
                         dims, ctx->err);
    return r < 0 ? -1 : copy_as(ctx, r, dims);
}

/* ---- Flatten ---- */

static int flatten_dims(const graph_node *n, int rank, const int64_t *in, int64_t *out, qrc_err *e)
{
    int64_t a = graph_attr_int(n, "axis", 1);
    if (a < -rank || a > rank)
        return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, rank);
    if (a < 0)
        a += rank;
    out[0] = out[1] = 1;
    for (int d = 0; d < rank; d++) {
        int64_t *o = d < a ? &out[0] : &out[1];
        if (in[d] < 0 || *o < 0)
            *o = -1;
        else if (!checked_mul(*o, in[d], o))
            return kern_node_err(e, n, "flattened dim overflows");
    }
    return 0;
}

int kern_check_flatten(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"axis", NULL};
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e)
               ? -1
               : 0;
}

int kern_infer_flatten(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    int64_t dims[2] = {-1, -1};
    if (x && x->rank >= 0 && flatten_dims(n, x->rank, x->dims, dims, e))
        return -1;
    return kern_set_out(g, n, 0, x ? x->dtype : DT_UNDEFINED, 2, dims);
}

int kern_run_flatten(op_ctx *ctx)
{
    int64_t dims[2];
    if (flatten_dims(ctx->node, ctx->in[0]->rank, ctx->in[0]->dims, dims, ctx->err))
        return -1;
    return copy_as(ctx, 2, dims);
}

/* ---- Squeeze / Unsqueeze: axes as attribute before opset 13, as input from 13 ---- */

static bool axes_from_input(const graph *g, const graph_node *n)
{
    return g ? graph_opset_version(g, "") >= 13 : n->n_in > 1 || !graph_attr_find(n, "axes");
}

int kern_check_squeeze(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attr_form[] = {"axes", NULL};
    static const char *const input_form[] = {NULL};
    bool inp = axes_from_input(g, n);
    bool unsq = !strcmp(n->op_type, "Unsqueeze");
    if (kern_check_arity(n, inp && unsq ? 2 : 1, inp ? 2 : 1, 1, 1, e) ||
        kern_check_attrs(n, inp ? input_form : attr_form, e) || kern_check_dtype(g, n, 0, kern_dt_any, e))
        return -1;
    return inp && kern_has_input(n, 1) ? kern_check_dtype(g, n, 1, kern_dt_index, e) : 0;
}

/* Output dims of Squeeze (unsq false) or Unsqueeze; axes NULL for Squeeze means every size-1 dim.
 * Returns the rank or -1. */
static int squeeze_dims(const graph_node *n, bool unsq, int rank, const int64_t *in, const int64_t *axes, int na,
                        int64_t *out, qrc_err *e)
{
    bool mark[TENSOR_MAX_RANK] = {false};
    int out_rank = unsq ? rank + na : rank;
    if (out_rank > TENSOR_MAX_RANK)
        return kern_node_err(e, n, "result rank %d exceeds %d", out_rank, TENSOR_MAX_RANK);
    for (int i = 0; i < na; i++) {
        int64_t a = axes[i];
        if (a < -out_rank || a >= out_rank)
            return kern_node_err(e, n, "axis %lld is out of range for rank %d", (long long)a, out_rank);
        if (a < 0)
            a += out_rank;
        if (mark[a])
            return kern_node_err(e, n, "axis %lld is repeated", (long long)axes[i]);
        mark[a] = true;
    }
    int r = 0;
    if (unsq) {
        for (int d = 0, j = 0; d < out_rank; d++)
            out[r++] = mark[d] ? 1 : in[j++];
        return r;
    }
    for (int d = 0; d < rank; d++) {
        bool drop = axes ? mark[d] : in[d] == 1;
        if (axes && mark[d] && in[d] != 1 && in[d] >= 0)
            return kern_node_err(e, n, "cannot squeeze axis %d of size %lld", d, (long long)in[d]);
        if (!drop)
            out[r++] = in[d];
    }
    return r;
}

int kern_infer_squeeze(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    bool unsq = !strcmp(n->op_type, "Unsqueeze");
    tensor_dtype dt = x ? x->dtype : DT_UNDEFINED;
    int64_t axes[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int na = 0;
    bool have = true;
    if (axes_from_input(g, n)) {
        if (kern_has_input(n, 1)) {
            na = kern_const_ints(g, n, 1, axes, TENSOR_MAX_RANK);
            have = na >= 0;
        } else {
            have = !unsq;
            na = -1;
        }
    } else {
        const int64_t *v;
        na = graph_attr_ints(n, "axes", &v);
        if (na > TENSOR_MAX_RANK)
            return kern_node_err(e, n, "too many axes");
        memcpy(axes, v, (size_t)na * sizeof *v);
        if (!na && !unsq)
            na = -1;
    }
    if (!x || x->rank < 0 || !have)
        return kern_set_out(g, n, 0, dt, -1, NULL);
    if (!unsq && na < 0) { /* squeeze every size-1 dim: unknown dims make the rank unknown */
        for (int d = 0; d < x->rank; d++)
            if (x->dims[d] < 0)
                return kern_set_out(g, n, 0, dt, -1, NULL);
    }
    int r = squeeze_dims(n, unsq, x->rank, x->dims, na < 0 ? NULL : axes, na < 0 ? 0 : na, dims, e);
    return r < 0 ? -1 : kern_set_out(g, n, 0, dt, r, dims);
}

int kern_run_squeeze(op_ctx *ctx)
{
    const graph_node *n = ctx->node;
    bool unsq = !strcmp(n->op_type, "Unsqueeze");
    int64_t axes[TENSOR_MAX_RANK], dims[TENSOR_MAX_RANK];
    int na = -1;
    if (axes_from_input(ctx->graph, n)) {
        if (ctx->n_in > 1 && ctx->in[1] && (na = kern_read_ints(ctx, ctx->in[1], axes, TENSOR_MAX_RANK, "axes")) < 0)
            return -1;
    } else {
        const int64_t *v;
        na = graph_attr_ints(n, "axes", &v);
        if (na > TENSOR_MAX_RANK)
            return kern_fail(ctx, "too many axes");
        memcpy(axes, v, (size_t)na * sizeof *v);
        if (!na && !unsq)
            na = -1;
    }
    if (unsq && na < 0)
        return kern_fail(ctx, "axes are required");
    const tensor *x = ctx->in[0];
    int r = squeeze_dims(n, unsq, x->rank, x->dims, na < 0 ? NULL : axes, na < 0 ? 0 : na, dims, ctx->err);
    return r < 0 ? -1 : copy_as(ctx, r, dims);
}

/* ---- Identity, Dropout ---- */

int kern_check_identity(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {NULL};
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
                   kern_check_dtype(g, n, 0, kern_dt_any, e)
               ? -1
               : 0;
}

int kern_infer_identity(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_same_shape(g, n, 0, 0, DT_UNDEFINED);
}

int kern_run_identity(op_ctx *ctx)
{
    return copy_as(ctx, ctx->in[0]->rank, ctx->in[0]->dims);
}

int kern_check_dropout(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"ratio", "seed", NULL};
    if (kern_check_arity(n, 1, 3, 1, 2, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_floats, e))
        return -1;
    graph_value *t = kern_in_value(g, n, 2);
    bool off = !t || (t->init && t->init->dtype == DT_BOOL && tensor_numel(t->init) == 1 && !*(uint8_t *)t->init->data);
    if (!off)
        return kern_node_err(e, n, "training mode is not supported (training_mode must be absent or a constant false)");
    return 0;
}

int kern_infer_dropout(const graph *g, const graph_node *n, qrc_err *e)
{
    kern_same_shape(g, n, 0, 0, DT_UNDEFINED);
    if (n->n_out > 1)
        kern_same_shape(g, n, 0, 1, DT_BOOL);
    return 0;
}

int kern_run_dropout(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    if (ctx->n_in > 2 && ctx->in[2] && tensor_numel(ctx->in[2]) == 1 && *(const uint8_t *)ctx->in[2]->data)
        return kern_fail(ctx, "training mode is not supported");
    if (copy_as(ctx, x->rank, x->dims))
        return -1;
    if (ctx->n_out > 1) {
        tensor *m = op_output(ctx, 1, DT_BOOL, x->rank, x->dims);
        if (!m)
            return -1;
        if (tensor_nbytes(m))
            memset(m->data, 1, tensor_nbytes(m));
    }
    return 0;
}

/* ---- Shape, Size ---- */

static void shape_range(const graph_node *n, int rank, int64_t *s, int64_t *t)
{
    int64_t a = graph_attr_int(n, "start", 0), b = graph_attr_int(n, "end", rank);
    if (a < 0)
        a += rank;
    if (b < 0)
        b += rank;
    a = a < 0 ? 0 : a > rank ? rank : a;
    b = b < 0 ? 0 : b > rank ? rank : b;
    *s = a;
    *t = b < a ? a : b;
}

int kern_check_shape(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"start", "end", NULL};
    return kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ? -1 : 0;
}

int kern_infer_shape(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *x = kern_in_value(g, n, 0);
    int64_t len = -1;
    if (x && x->rank >= 0) {
        int64_t s, t;
        shape_range(n, x->rank, &s, &t);
        len = t - s;
    }
    return kern_set_out(g, n, 0, DT_INT64, 1, &len);
}

int kern_run_shape(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    int64_t s, t;
    shape_range(ctx->node, x->rank, &s, &t);
    int64_t len = t - s;
    tensor *y = op_output(ctx, 0, DT_INT64, 1, &len);
    if (!y)
        return -1;
    for (int64_t i = 0; i < len; i++)
        ((int64_t *)y->data)[i] = x->dims[s + i];
    return 0;
}

int kern_infer_size(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_set_out(g, n, 0, DT_INT64, 0, NULL);
}

int kern_run_size(op_ctx *ctx)
{
    tensor *y = op_output(ctx, 0, DT_INT64, 0, NULL);
    if (!y)
        return -1;
    *(int64_t *)y->data = tensor_numel(ctx->in[0]);
    return 0;
}

/* ---- ConstantOfShape ---- */

int kern_check_constant_of_shape(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"value", NULL};
    if (kern_check_arity(n, 1, 1, 1, 1, e) || kern_check_attrs(n, attrs, e) ||
        kern_check_dtype(g, n, 0, kern_dt_index, e))
        return -1;
    const graph_attr *v = graph_attr_find(n, "value");
    if (v && (v->kind != ATTR_TENSOR || !v->t || tensor_numel(v->t) != 1 || !tensor_dtype_size(v->t->dtype)))
        return kern_node_err(e, n, "value must be a one-element tensor");
    return 0;
}

int kern_infer_constant_of_shape(const graph *g, const graph_node *n, qrc_err *e)
{
    const graph_attr *v = graph_attr_find(n, "value");
    tensor_dtype dt = v && v->t ? v->t->dtype : DT_FLOAT;
    int64_t shape[TENSOR_MAX_RANK];
    int k = kern_const_ints(g, n, 0, shape, TENSOR_MAX_RANK);
    if (k >= 0)
        return kern_set_out(g, n, 0, dt, k, shape);
    graph_value *s = kern_in_value(g, n, 0);
    int64_t unknown[TENSOR_MAX_RANK] = {-1, -1, -1, -1, -1, -1, -1, -1};
    int r = s && s->rank == 1 && s->dims[0] >= 0 && s->dims[0] <= TENSOR_MAX_RANK ? (int)s->dims[0] : -1;
    return kern_set_out(g, n, 0, dt, r, unknown);
}

int kern_run_constant_of_shape(op_ctx *ctx)
{
    int64_t shape[TENSOR_MAX_RANK];
    int k = kern_read_ints(ctx, ctx->in[0], shape, TENSOR_MAX_RANK, "shape");
    if (k < 0)
        return -1;
    const graph_attr *v = graph_attr_find(ctx->node, "value");
    tensor_dtype dt = v && v->t ? v->t->dtype : DT_FLOAT;
    tensor *y = op_output(ctx, 0, dt, k, shape);
    if (!y)
        return -1;
    if (!v || !v->t) {
        if (tensor_nbytes(y))
            memset(y->data, 0, tensor_nbytes(y));
    } else {
        size_t es = tensor_dtype_size(dt);
        int64_t cnt = tensor_numel(y);
        for (int64_t i = 0; i < cnt; i++)
            memcpy((char *)y->data + (size_t)i * es, v->t->data, es);
    }
    return 0;
}

/* ---- Constant ---- */

int kern_check_constant(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"value", "value_float", "value_floats", "value_int", "value_ints", NULL};
    if (kern_check_arity(n, 0, 0, 1, 1, e) || kern_check_attrs(n, attrs, e))
        return -1;
    if (n->n_attrs != 1)
        return kern_node_err(e, n, "needs exactly one value attribute, has %d", n->n_attrs);
    const graph_attr *v = graph_attr_find(n, "value");
    if (v && (!v->t || !tensor_dtype_size(v->t->dtype)))
        return kern_node_err(e, n, "value is not a supported tensor");
    return 0;
}

/* Builds the constant's tensor into y's shape/dtype description (rank, dims, dtype). */
static void constant_desc(const graph_node *n, tensor_dtype *dt, int *rank, int64_t *dims)
{
    const graph_attr *a = &n->attrs[0];
    *rank = 0;
    if (!strcmp(a->name, "value")) {
        *dt = a->t->dtype;
        *rank = a->t->rank;
        memcpy(dims, a->t->dims, sizeof a->t->dims);
    } else if (!strcmp(a->name, "value_float")) {
        *dt = DT_FLOAT;
    } else if (!strcmp(a->name, "value_int")) {
        *dt = DT_INT64;
    } else {
        *dt = !strcmp(a->name, "value_floats") ? DT_FLOAT : DT_INT64;
        *rank = 1;
        dims[0] = a->n;
    }
}

int kern_infer_constant(const graph *g, const graph_node *n, qrc_err *e)
{
    if (n->n_attrs != 1 || (!strcmp(n->attrs[0].name, "value") && !n->attrs[0].t))
        return kern_node_err(e, n, "needs exactly one value attribute");
    tensor_dtype dt;
    int rank;
    int64_t dims[TENSOR_MAX_RANK];
    constant_desc(n, &dt, &rank, dims);
    return kern_set_out(g, n, 0, dt, rank, dims);
}

int kern_run_constant(op_ctx *ctx)
{
    const graph_node *n = ctx->node;
    if (n->n_attrs != 1)
        return kern_fail(ctx, "needs exactly one value attribute");
    const graph_attr *a = &n->attrs[0];
    if (!strcmp(a->name, "value") && !a->t)
        return kern_fail(ctx, "value is not a tensor");
    tensor_dtype dt;
    int rank;
    int64_t dims[TENSOR_MAX_RANK];
    constant_desc(n, &dt, &rank, dims);
    tensor *y = op_output(ctx, 0, dt, rank, dims);
    if (!y)
        return -1;
    if (!strcmp(a->name, "value")) {
        if (tensor_nbytes(a->t))
            memcpy(y->data, a->t->data, tensor_nbytes(a->t));
    } else if (!strcmp(a->name, "value_float")) {
        *(float *)y->data = a->f;
    } else if (!strcmp(a->name, "value_int")) {
        *(int64_t *)y->data = a->i;
    } else if (!strcmp(a->name, "value_floats")) {
        if (a->n)
            memcpy(y->data, a->floats, (size_t)a->n * sizeof(float));
    } else if (!strcmp(a->name, "value_ints")) {
        if (a->n)
            memcpy(y->data, a->ints, (size_t)a->n * sizeof(int64_t));
    } else {
        return kern_fail(ctx, "attribute '%s' is not supported", a->name);
    }
    return 0;
}

/* ---- Range ---- */

static const tensor_dtype range_dts[] = {DT_FLOAT, DT_DOUBLE, DT_INT16, DT_INT32, DT_INT64, DT_UNDEFINED};

int kern_check_range(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {NULL};
    if (kern_check_arity(n, 3, 3, 1, 1, e) || kern_check_attrs(n, attrs, e))
        return -1;
    for (int i = 0; i < 3; i++)
        if (kern_check_dtype(g, n, i, range_dts, e))
            return -1;
    return 0;
}

int kern_infer_range(const graph *g, const graph_node *n, qrc_err *e)
{
    graph_value *s = kern_in_value(g, n, 0);
    int64_t len = -1;
    graph_value *v[3] = {s, kern_in_value(g, n, 1), kern_in_value(g, n, 2)};
    if (v[0] && v[1] && v[2] && v[0]->init && v[1]->init && v[2]->init) {
        double d[3];
        for (int i = 0; i < 3; i++)
            if (kern_convert(v[i]->init->data, v[i]->init->dtype, &d[i], DT_DOUBLE, 1))
                return kern_node_err(e, n, "input %d has an unsupported dtype", i);
        if (d[2] == 0)
            return kern_node_err(e, n, "delta is zero");
        double c = ceil((d[1] - d[0]) / d[2]);
        if (c != c)
            return kern_node_err(e, n, "start, limit or delta is not a number");
        if (c > (double)CHECKED_MAX_BYTES)
            return kern_node_err(e, n, "asks for %g elements, more than the 16 GiB limit holds", c);
        len = c > 0 ? (int64_t)c : 0;
    }
    return kern_set_out(g, n, 0, s ? s->dtype : DT_UNDEFINED, 1, &len);
}

#define RANGE_LOOP(T)                                                                                       \
    do {                                                                                                    \
        T *p_ = y->data;                                                                                    \
        T s_ = (T)start, d_ = (T)delta;                                                                     \
        for (int64_t i = 0; i < len; i++)                                                                   \
            p_[i] = (T)(s_ + (T)i * d_);                                                                    \
    } while (0)

int kern_run_range(op_ctx *ctx)
{
    double start, limit, delta;
    if (kern_read_scalar(ctx, ctx->in[0], &start, "start") || kern_read_scalar(ctx, ctx->in[1], &limit, "limit") ||
        kern_read_scalar(ctx, ctx->in[2], &delta, "delta"))
        return -1;
    if (delta == 0)
        return kern_fail(ctx, "delta is zero");
    double c = ceil((limit - start) / delta);
    if (c != c)
        return kern_fail(ctx, "start, limit or delta is not a number");
    if (c > (double)CHECKED_MAX_BYTES)
        return kern_fail(ctx, "asks for %g elements, more than the 16 GiB limit holds", c);
    int64_t len = c > 0 ? (int64_t)c : 0;
    tensor_dtype dt = ctx->in[0]->dtype;
    tensor *y = op_output(ctx, 0, dt, 1, &len);
    if (!y)
        return -1;
    switch (dt) {
    case DT_FLOAT: RANGE_LOOP(float); break;
    case DT_DOUBLE: RANGE_LOOP(double); break;
    case DT_INT16: RANGE_LOOP(int16_t); break;
    case DT_INT32: RANGE_LOOP(int32_t); break;
    case DT_INT64: RANGE_LOOP(int64_t); break;
    default: return kern_fail(ctx, "dtype %s is not supported", tensor_dtype_name(dt));
    }
    return 0;
}
