/* adapt_nn.c — adapters for ops whose meaning moved without a signature change: Softmax, LogSoftmax and
 * Hardmax (13: one axis instead of the input coerced to 2-D), BatchNormalization (9: no `spatial`;
 * 14: training outputs tied to training_mode), Dropout's mask type (10) and Scatter (11, renamed). */
#include <string.h>

#include "adapt.h"

int opset_softmax_13(const opset_step *s)
{
    graph *g = s->g;
    int n = s->node;
    int64_t axis = graph_attr_int(&g->nodes[n], "axis", 1);
    int x = g->nodes[n].in[0], y = g->nodes[n].out[0];
    int rank = opset_rank(s, x);
    /* coercing at the last axis normalises that axis alone, which is what one axis means now */
    if (axis == -1 || (rank >= 0 && axis == rank - 1)) {
        opset_attr_int(g, n, "axis", -1);
        return 1;
    }
    /* otherwise spell the coercion out: flatten at axis, normalise rows, restore the shape */
    int shape = graph_value_new(g, g->values[y].name);
    int flat = graph_value_new(g, g->values[y].name);
    int rows = graph_value_new(g, g->values[y].name);
    int in[2] = {rows, shape};
    opset_node_add(g, n, "Shape", 1, &x, 1, &shape);
    int k = opset_node_add(g, n, "Flatten", 1, &x, 1, &flat);
    opset_attr_int(g, k, "axis", axis);
    opset_node_add(g, n, "Reshape", 2, in, 1, &y);
    graph_node_set_io(g, n, 1, &flat, 1, &rows);
    opset_attr_int(g, n, "axis", -1);
    return 1;
}

int opset_batchnorm_9(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if (!graph_attr_find(nd, "spatial"))
        return 0;
    if (graph_attr_int(nd, "spatial", 1) == 0 && opset_rank(s, nd->in[0]) != 2)
        return err_set(s->e, "spatial=0 (statistics per element) has no equivalent from opset 9");
    opset_attr_drop(s->g, s->node, "spatial");
    return 1;
}

/* Drops outputs from `first` on when nothing reads them; -1 naming the first one that is read. */
static int drop_unused_outputs(const opset_step *s, int first, const char *what)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if (nd->n_out <= first)
        return 0;
    for (int i = first; i < nd->n_out; i++)
        if (opset_value_used(s->g, nd->out[i]))
            return err_set(s->e, "output '%s' is read, and %s", s->g->values[nd->out[i]].name, what);
    opset_outputs_trim(s->g, s->node, first);
    return 1;
}

int opset_batchnorm_14(const opset_step *s)
{
    return drop_unused_outputs(s, 1, "from opset 14 the running statistics are training outputs only");
}

int opset_dropout_10(const opset_step *s)
{
    return drop_unused_outputs(s, 1, "the mask changes type (to bool) at opset 10");
}

int opset_scatter_11(const opset_step *s)
{
    s->g->nodes[s->node].op_type = graph_strdup(s->g, "ScatterElements");
    return 1;
}
