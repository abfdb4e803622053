/* edit.c — the small graph edits opset adapters are made of. */
#include <stdio.h>
#include <string.h>

#include "adapt.h"
#include "ops/kern.h"

/* A fresh initializer named after node `node` and hint; returns its value index or -1. */
static int new_init(graph *g, int node, const char *hint, tensor_dtype dt, int rank, const int64_t *dims,
                    qrc_err *e, tensor **out)
{
    const char *base = g->nodes[node].name && *g->nodes[node].name ? g->nodes[node].name : g->nodes[node].op_type;
    char name[512];
    snprintf(name, sizeof name, "%s_%s", base, hint);
    tensor *t = tensor_new(dt, rank, dims, e);
    if (!t)
        return -1;
    int v = graph_value_new(g, name);
    graph_value *x = &g->values[v];
    x->init = t;
    x->dtype = dt;
    x->rank = rank;
    for (int i = 0; i < rank; i++)
        x->dims[i] = dims[i];
    x->producer = -1;
    *out = t;
    return v;
}

int opset_const_i64(graph *g, int node, const char *hint, int n, const int64_t *v, bool scalar, qrc_err *e)
{
    int64_t dims[1] = {n};
    tensor *t;
    int k = new_init(g, node, hint, DT_INT64, scalar ? 0 : 1, dims, e, &t);
    if (k >= 0 && n)
        memcpy(t->data, v, (size_t)n * sizeof *v);
    return k;
}

int opset_const_f(graph *g, int node, const char *hint, tensor_dtype dt, int n, const float *v, qrc_err *e)
{
    int64_t dims[1] = {n};
    tensor *t;
    int k = new_init(g, node, hint, dt, n < 0 ? 0 : 1, dims, e, &t);
    if (k < 0)
        return -1;
    int64_t cnt = n < 0 ? 1 : n;
    if (cnt && kern_convert(v, DT_FLOAT, t->data, dt, cnt)) {
        err_set(e, "no constant of type %s can be made", tensor_dtype_name(dt));
        return -1;
    }
    return k;
}

void opset_attr_drop(graph *g, int n, const char *name)
{
    graph_node *nd = &g->nodes[n];
    for (int i = 0; i < nd->n_attrs; i++)
        if (!strcmp(nd->attrs[i].name, name)) {
            /* the dropped attribute's tensor or subgraph would leak: adapters only drop plain values */
            memmove(&nd->attrs[i], &nd->attrs[i + 1], (size_t)(nd->n_attrs - i - 1) * sizeof *nd->attrs);
            nd->n_attrs--;
            return;
        }
}

void opset_attr_str(graph *g, int n, const char *name, const char *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_STRING);
    a->s = graph_strdup(g, v);
}

void opset_attr_int(graph *g, int n, const char *name, int64_t v)
{
    graph_attr_set(g, n, name, ATTR_INT)->i = v;
}

void opset_inputs_put(graph *g, int n, int at, int count, const int *v)
{
    const graph_node *nd = &g->nodes[n];
    int keep = nd->n_in < at ? nd->n_in : at;
    int total = at + count;
    int *in = graph_alloc(g, (size_t)total * sizeof *in);
    for (int i = 0; i < total; i++)
        in[i] = i < keep ? nd->in[i] : i < at ? -1 : v[i - at];
    graph_node_set_io(g, n, total, in, -1, NULL);
}

void opset_outputs_trim(graph *g, int n, int n_out)
{
    if (g->nodes[n].n_out > n_out)
        graph_node_set_io(g, n, -1, NULL, n_out, g->nodes[n].out);
}

bool opset_value_used(const graph *g, int v)
{
    return v >= 0 && (g->values[v].n_consumers > 0 || g->values[v].is_output);
}

int opset_node_add(graph *g, int like, const char *op, int n_in, const int *in, int n_out, const int *out)
{
    char name[512];
    snprintf(name, sizeof name, "%s_%s", g->nodes[like].name, op);
    char *module = g->nodes[like].module;
    int k = graph_node_add(g, op, name, n_in, in, n_out, out);
    g->nodes[k].module = module;
    return k;
}

tensor_dtype opset_dtype(const opset_step *s, int v)
{
    const graph_value *x = &s->g->values[v];
    if (x->init)
        return x->init->dtype;
    if (x->dtype != DT_UNDEFINED)
        return x->dtype;
    return s->types && v < s->types->n_values ? s->types->values[v].dtype : DT_UNDEFINED;
}

int opset_rank(const opset_step *s, int v)
{
    const graph_value *x = &s->g->values[v];
    if (x->init)
        return x->init->rank;
    if (x->rank >= 0)
        return x->rank;
    return s->types && v < s->types->n_values ? s->types->values[v].rank : -1;
}

int opset_attr_to_input(const opset_step *s, const char *name, tensor_dtype dt, int pos)
{
    const graph_attr *a = graph_attr_find(&s->g->nodes[s->node], name);
    if (!a)
        return 0;
    bool ints = a->kind == ATTR_INT || a->kind == ATTR_INTS, one = a->kind == ATTR_INT || a->kind == ATTR_FLOAT;
    if (!ints && a->kind != ATTR_FLOAT && a->kind != ATTR_FLOATS)
        return err_set(s->e, "attribute %s is neither a number nor a list of numbers", name);
    int n = one ? 1 : a->n, v;
    if (ints)
        v = opset_const_i64(s->g, s->node, name, n, one ? &a->i : a->ints, false, s->e);
    else
        v = opset_const_f(s->g, s->node, name, dt, one ? -1 : n, one ? &a->f : a->floats, s->e);
    if (v < 0)
        return -1;
    opset_inputs_put(s->g, s->node, pos, 1, &v);
    opset_attr_drop(s->g, s->node, name);
    return 1;
}

const tensor *opset_const_of(const graph *g, int v)
{
    if (v < 0)
        return NULL;
    if (g->values[v].init)
        return g->values[v].init;
    int p = graph_producer(g, v);
    if (p < 0 || strcmp(g->nodes[p].op_type, "Constant"))
        return NULL;
    const graph_attr *a = graph_attr_find(&g->nodes[p], "value");
    return a ? a->t : NULL;
}
