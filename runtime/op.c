/* op.c — the registry: every ops table file contributes one array of rows. */
#include "op.h"

#include <stdio.h>
#include <string.h>

#include "base/checked.h"

#include "ops/tables.h"

static const struct {
    const op_def *rows;
    const int *count;
} tables[] = {
    {ops_nn, &ops_nn_count},
    {ops_basic, &ops_basic_count},
    {ops_control, &ops_control_count},
};

static const op_def *extra_rows;
static int extra_count;

void op_set_extra_table(const op_def *rows, int count)
{
    extra_rows = rows;
    extra_count = rows ? count : 0;
}

/* The newest row of rows[0..n) for (domain, op_type) valid at opset, or best if none is newer. */
static const op_def *newest(const op_def *rows, int n, const char *domain, const char *op_type, int64_t opset,
                            const op_def *best)
{
    for (int i = 0; i < n; i++) {
        const op_def *d = &rows[i];
        if (strcmp(d->op_type, op_type) || strcmp(d->domain, domain ? domain : ""))
            continue;
        if (opset && d->since_opset > opset)
            continue;
        if (!best || d->since_opset > best->since_opset)
            best = d;
    }
    return best;
}

const op_def *op_find(const char *domain, const char *op_type, int64_t opset)
{
    /* an extra table overrides the built-in rows for the ops it defines */
    const op_def *best = newest(extra_rows, extra_count, domain, op_type, opset, NULL);
    if (best)
        return best;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        best = newest(tables[t].rows, *tables[t].count, domain, op_type, opset, best);
    return best;
}

const op_def *op_table_at(int i)
{
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        if (i < *tables[t].count)
            return &tables[t].rows[i];
        i -= *tables[t].count;
    }
    return NULL;
}

int op_table_size(void)
{
    int n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        n += *tables[t].count;
    return n;
}

tensor *op_output(op_ctx *ctx, int i, tensor_dtype dt, int rank, const int64_t *dims)
{
    if (i < 0 || i >= ctx->n_out) {
        err_set(ctx->err, "node '%s' (%s): output %d does not exist", ctx->node->name, ctx->node->op_type, i);
        return NULL;
    }
    int64_t bytes;
    if (rank < 0 || rank > TENSOR_MAX_RANK || !checked_bytes(tensor_dtype_size(dt), rank, dims, &bytes)) {
        const graph_node *n = ctx->node;
        int v = i < n->n_out ? n->out[i] : -1;
        char shape[160] = "";
        int len = 0;
        for (int d = 0; d < rank && d < TENSOR_MAX_RANK && len < (int)sizeof shape - 24; d++)
            len += snprintf(shape + len, sizeof shape - (size_t)len, "%s%lld", d ? "," : "", (long long)dims[d]);
        err_set(ctx->err, "node '%s' (%s): output '%s' of shape [%s] (%s) is too large: the limit is 16 GiB",
                n->name, n->op_type, ctx->graph && v >= 0 ? ctx->graph->values[v].name : "?", shape,
                tensor_dtype_name(dt));
        return NULL;
    }
    if (ctx->alloc)
        return ctx->alloc(ctx, i, dt, rank, dims);
    tensor_free(ctx->out[i]);
    ctx->out[i] = tensor_new(dt, rank, dims, ctx->err);
    return ctx->out[i];
}
