/* table_control.c — ops that run subgraphs: If. */
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "ops/tables.h"

static const graph *branch(const graph_node *n, const char *name)
{
    const graph_attr *a = graph_attr_find(n, name);
    return a && a->kind == ATTR_GRAPH ? a->g : NULL;
}

/* Every node of a branch (and of branches nested in it) must be a supported op that passes its check,
 * so an unsupported op inside a branch is reported when the model is compiled, not when it runs. */
static int check_branch(const graph_node *n, const char *which, const graph *sub, qrc_err *e)
{
    for (int k = 0; k < sub->n_nodes; k++) {
        const graph_node *m = &sub->nodes[k];
        const op_def *def = op_find(m->domain, m->op_type, graph_opset_version(sub, m->domain));
        if (!def)
            return err_set(e, "node '%s' (If): %s: node '%s': unsupported op '%s'", n->name, which, m->name,
                           m->op_type);
        if (def->check && def->check(sub, m, e))
            return err_wrap(e, "node '%s' (If): %s", n->name, which);
    }
    return 0;
}

static int if_check(const graph *g, const graph_node *n, qrc_err *e)
{
    if (n->n_in != 1 || n->in[0] < 0)
        return err_set(e, "node '%s' (If): needs exactly one condition input", n->name);
    const graph *t = branch(n, "then_branch"), *f = branch(n, "else_branch");
    if (!t || !f)
        return err_set(e, "node '%s' (If): needs graph attributes then_branch and else_branch", n->name);
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, "then_branch") && strcmp(n->attrs[i].name, "else_branch"))
            return err_set(e, "node '%s' (If): unknown attribute '%s'", n->name, n->attrs[i].name);
    if (t->n_outputs != n->n_out || f->n_outputs != n->n_out)
        return err_set(e, "node '%s' (If): branches give %d and %d outputs, the node has %d", n->name, t->n_outputs,
                       f->n_outputs, n->n_out);
    if (t->n_inputs || f->n_inputs)
        return err_set(e, "node '%s' (If): branches must not declare inputs", n->name);
    if (check_branch(n, "then_branch", t, e) || check_branch(n, "else_branch", f, e))
        return -1;
    const graph_value *c = &g->values[n->in[0]];
    if (c->dtype != DT_UNDEFINED && c->dtype != DT_BOOL)
        return err_set(e, "node '%s' (If): condition '%s' is %s, not bool", n->name, c->name,
                       tensor_dtype_name(c->dtype));
    return 0;
}

/* Outputs take the branches' element types; dims where both branches agree. */
static int if_infer(const graph *g, const graph_node *n, qrc_err *e)
{
    const graph *t = branch(n, "then_branch"), *f = branch(n, "else_branch");
    if (!t || !f)
        return 0;
    for (int i = 0; i < n->n_out && i < t->n_outputs && i < f->n_outputs; i++) {
        if (n->out[i] < 0)
            continue;
        const graph_value *a = &t->values[t->outputs[i]], *b = &f->values[f->outputs[i]];
        graph_value *o = &((graph *)g)->values[n->out[i]];
        if (a->dtype != DT_UNDEFINED && b->dtype != DT_UNDEFINED && a->dtype != b->dtype)
            return err_set(e, "node '%s' (If): output %d is %s in then_branch but %s in else_branch", n->name, i,
                           tensor_dtype_name(a->dtype), tensor_dtype_name(b->dtype));
        o->dtype = a->dtype != DT_UNDEFINED ? a->dtype : b->dtype;
        if (a->rank < 0 || a->rank != b->rank)
            continue; /* branches may legally differ in rank */
        o->rank = a->rank;
        for (int d = 0; d < a->rank; d++) {
            bool same_sym = a->dim_param[d] && b->dim_param[d] && !strcmp(a->dim_param[d], b->dim_param[d]);
            o->dims[d] = a->dims[d] >= 0 && a->dims[d] == b->dims[d] ? a->dims[d] : -1;
            o->dim_param[d] = same_sym ? graph_strdup((graph *)g, a->dim_param[d]) : NULL;
        }
    }
    return 0;
}

typedef struct if_state {
    exec *branch[2]; /* else, then: compiled on first use */
} if_state;

static void if_release(void *p)
{
    if_state *s = p;
    if (!s)
        return;
    exec_free(s->branch[0]);
    exec_free(s->branch[1]);
    free(s);
}

static int if_run(op_ctx *ctx)
{
    const graph_node *n = ctx->node;
    if (!ctx->exec || !ctx->state)
        return err_set(ctx->err, "node '%s' (If): runs only inside the executor", n->name);
    const tensor *c = ctx->in[0];
    if (tensor_numel(c) != 1 || tensor_dtype_size(c->dtype) == 0)
        return err_set(ctx->err, "node '%s' (If): condition must hold exactly one element", n->name);
    bool cond = false;
    for (size_t i = 0; i < tensor_dtype_size(c->dtype); i++)
        cond |= ((const unsigned char *)c->data)[i] != 0;
    if (!*ctx->state) {
        *ctx->state = calloc(1, sizeof(if_state));
        if (!*ctx->state)
            return err_set(ctx->err, "out of memory");
    }
    if_state *s = *ctx->state;
    const graph *sub = branch(n, cond ? "then_branch" : "else_branch");
    if (!s->branch[cond] && exec_new_sub(sub, ctx->exec, &s->branch[cond], ctx->err))
        return err_wrap(ctx->err, "node '%s' (If), %s", n->name, cond ? "then_branch" : "else_branch");
    tensor **res = calloc((size_t)sub->n_outputs + 1, sizeof *res);
    if (!res)
        return err_set(ctx->err, "out of memory");
    int rc = exec_run_sub(s->branch[cond], res, ctx->err);
    if (rc)
        err_wrap(ctx->err, "node '%s' (If), %s", n->name, cond ? "then_branch" : "else_branch");
    for (int i = 0; !rc && i < n->n_out; i++) {
        tensor *o = op_output(ctx, i, res[i]->dtype, res[i]->rank, res[i]->dims);
        if (!o)
            rc = -1;
        else if (tensor_nbytes(o))
            memcpy(o->data, res[i]->data, tensor_nbytes(o));
    }
    for (int i = 0; i < sub->n_outputs; i++)
        tensor_free(res[i]);
    free(res);
    return rc;
}

const op_def ops_control[] = {
    {"", "If", 1, if_check, if_infer, if_run, if_release},
};
const int ops_control_count = sizeof ops_control / sizeof *ops_control;
