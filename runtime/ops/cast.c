/* cast.c — Cast and CastLike over the dtypes kern_convert handles (numeric, bool, float16, bfloat16). */
#include <string.h>

#include "ops/basic.h"
#include "ops/kern.h"

static tensor_dtype cast_target(const graph *g, const graph_node *n)
{
    if (!strcmp(n->op_type, "CastLike")) {
        graph_value *t = kern_in_value(g, n, 1);
        return t ? t->dtype : DT_UNDEFINED;
    }
    return (tensor_dtype)graph_attr_int(n, "to", DT_UNDEFINED);
}

int kern_check_cast(const graph *g, const graph_node *n, qrc_err *e)
{
    static const char *const attrs[] = {"to", "saturate", NULL};
    static const char *const like_attrs[] = {"saturate", NULL};
    bool like = !strcmp(n->op_type, "CastLike");
    if (kern_check_arity(n, like ? 2 : 1, like ? 2 : 1, 1, 1, e) || kern_check_attrs(n, like ? like_attrs : attrs, e))
        return -1;
    if (!like && !graph_attr_find(n, "to"))
        return kern_node_err(e, n, "attribute 'to' is required");
    tensor_dtype to = cast_target(g, n);
    if (!like || to != DT_UNDEFINED) {
        if (!kern_convertible(to))
            return kern_node_err(e, n, "cast to %s (%d) is not supported", tensor_dtype_name(to), (int)to);
    }
    graph_value *x = kern_in_value(g, n, 0);
    if (x && x->dtype != DT_UNDEFINED && !kern_convertible(x->dtype))
        return kern_node_err(e, n, "cast from %s is not supported", tensor_dtype_name(x->dtype));
    return 0;
}

int kern_infer_cast(const graph *g, const graph_node *n, qrc_err *e)
{
    return kern_same_shape(g, n, 0, 0, cast_target(g, n));
}

int kern_run_cast(op_ctx *ctx)
{
    const tensor *x = ctx->in[0];
    tensor_dtype to = !strcmp(ctx->node->op_type, "CastLike") ? ctx->in[1]->dtype
                                                               : (tensor_dtype)graph_attr_int(ctx->node, "to", 0);
    if (!kern_convertible(to) || !kern_convertible(x->dtype))
        return kern_fail(ctx, "cast from %s to %s is not supported", tensor_dtype_name(x->dtype),
                         tensor_dtype_name(to));
    tensor *y = op_output(ctx, 0, to, x->rank, x->dims);
    if (!y)
        return -1;
    return kern_convert(x->data, x->dtype, y->data, to, tensor_numel(x)) ? kern_fail(ctx, "conversion failed") : 0;
}
