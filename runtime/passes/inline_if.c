/* inline_if.c — an If whose branch is known is replaced by that branch's nodes. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "infer.h"
#include "util.h"

/* Copies attribute sa into a new attribute of node n in g (tensors and subgraphs deep-copied). */
static int copy_attr(graph *g, int n, const graph_attr *sa, qrc_err *e)
{
    graph_attr *da = graph_attr_set(g, n, sa->name, sa->kind);
    da->f = sa->f;
    da->i = sa->i;
    da->s = graph_strdup(g, sa->s);
    da->n = sa->n;
    if (sa->floats) {
        da->floats = graph_alloc(g, (size_t)sa->n * sizeof *da->floats);
        memcpy(da->floats, sa->floats, (size_t)sa->n * sizeof *da->floats);
    }
    if (sa->ints) {
        da->ints = graph_alloc(g, (size_t)sa->n * sizeof *da->ints);
        memcpy(da->ints, sa->ints, (size_t)sa->n * sizeof *da->ints);
    }
    if (sa->strings) {
        da->strings = graph_alloc(g, (size_t)sa->n * sizeof *da->strings);
        for (int i = 0; i < sa->n; i++)
            da->strings[i] = graph_strdup(g, sa->strings[i]);
    }
    if (sa->t && !(da->t = tensor_clone(sa->t, e)))
        return -1;
    if (sa->g) {
        if (!(da->g = graph_clone(sa->g, e)))
            return -1;
        da->g->parent = g;
    }
    return 0;
}

int pass_inline_if(graph *g, int n, bool take_then, qrc_err *e)
{
    const char *which = take_then ? "then_branch" : "else_branch";
    const graph_attr *ba = graph_attr_find(&g->nodes[n], which);
    if (!ba || ba->kind != ATTR_GRAPH || !ba->g)
        return err_set(e, "node '%s' (If): no %s", g->nodes[n].name, which);
    const graph *b = ba->g;
    if (b->n_outputs != g->nodes[n].n_out)
        return err_set(e, "node '%s' (If): %s has %d outputs, the node %d", g->nodes[n].name, which, b->n_outputs,
                       g->nodes[n].n_out);
    int *map = mem_grow(NULL, (size_t)b->n_values + 1, sizeof *map);
    bool *produced = mem_zalloc((size_t)b->n_values + 1, sizeof *produced);
    int rc = -1;
    for (int k = 0; k < b->n_nodes; k++)
        for (int o = 0; o < b->nodes[k].n_out; o++)
            if (b->nodes[k].out[o] >= 0)
                produced[b->nodes[k].out[o]] = true;
    /* Values produced by the branch that are its outputs are written straight into the If's outputs. */
    for (int v = 0; v < b->n_values; v++)
        map[v] = -1;
    int n_out = g->nodes[n].n_out;
    int *if_out = mem_grow(NULL, (size_t)n_out + 1, sizeof *if_out);
    memcpy(if_out, g->nodes[n].out, (size_t)n_out * sizeof *if_out);
    bool *direct = mem_zalloc((size_t)n_out + 1, sizeof *direct);
    for (int i = 0; i < n_out; i++) {
        int bv = b->outputs[i];
        if (bv >= 0 && produced[bv] && map[bv] < 0 && if_out[i] >= 0) {
            map[bv] = if_out[i];
            direct[i] = true;
        }
    }
    for (int v = 0; v < b->n_values; v++) {
        if (map[v] >= 0)
            continue;
        const graph_value *x = &b->values[v];
        if (x->init) {
            tensor *t = tensor_clone(x->init, e);
            if (!t)
                goto out;
            map[v] = pass_new_const(g, x->name, t);
        } else if (produced[v]) {
            map[v] = graph_value_new(g, x->name);
            graph_value *y = &g->values[map[v]];
            y->dtype = x->dtype;
            y->rank = x->rank;
            memcpy(y->dims, x->dims, sizeof y->dims);
        } else {
            map[v] = graph_value_get(g, x->name); /* read from the enclosing scope */
        }
    }
    for (int k = 0; k < b->n_nodes; k++) {
        const graph_node *s = &b->nodes[k];
        if (s->dead)
            continue;
        int ins[64], outs[64];
        if (s->n_in > 64 || s->n_out > 64) {
            err_set(e, "node '%s' (%s): too many inputs to inline", s->name, s->op_type);
            goto out;
        }
        for (int i = 0; i < s->n_in; i++)
            ins[i] = s->in[i] >= 0 ? map[s->in[i]] : -1;
        for (int i = 0; i < s->n_out; i++)
            outs[i] = s->out[i] >= 0 ? map[s->out[i]] : -1;
        int nn = graph_node_add(g, s->op_type, s->name, s->n_in, ins, s->n_out, outs);
        g->nodes[nn].domain = graph_strdup(g, s->domain);
        for (int a = 0; a < s->n_attrs; a++)
            if (copy_attr(g, nn, &s->attrs[a], e) != 0)
                goto out;
    }
    /* Outputs that are inputs, constants or repeated values of the branch pass through an Identity. */
    for (int i = 0; i < n_out; i++) {
        if (direct[i] || if_out[i] < 0)
            continue;
        int src = map[b->outputs[i]];
        char *name = arena_printf(&g->strings, "%s/%s_out%d", g->nodes[n].name, which, i);
        graph_node_add(g, "Identity", name, 1, &src, 1, &if_out[i]);
    }
    g->nodes[n].dead = true;
    rc = 0;
out:
    free(if_out);
    free(direct);
    free(map);
    free(produced);
    return rc;
}

int pass_infer_shapes(graph *g, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return -1;
    return graph_infer_shapes(g, e);
}
