/* util.c — graph queries and edits shared by the prepare passes. */
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

const tensor *pass_const(const graph *g, int v)
{
    if (v < 0 || v >= g->n_values)
        return NULL;
    const graph_value *gv = &g->values[v];
    return gv->is_input ? NULL : gv->init;
}

/* True when sg (or a subgraph of it) reads name without defining it. */
static bool reads_outer(const graph *sg, const char *name)
{
    int v = graph_find_value(sg, name);
    if (v >= 0) {
        const graph_value *gv = &sg->values[v];
        if (gv->init || gv->is_input)
            return false;
        bool produced = false, read = false;
        for (int n = 0; n < sg->n_nodes; n++) {
            const graph_node *nd = &sg->nodes[n];
            if (nd->dead)
                continue;
            for (int i = 0; i < nd->n_out; i++)
                produced |= nd->out[i] == v;
            for (int i = 0; i < nd->n_in; i++)
                read |= nd->in[i] == v;
        }
        for (int i = 0; i < sg->n_outputs; i++)
            read |= sg->outputs[i] == v;
        if (produced)
            return false;
        if (read)
            return true;
    }
    return pass_captured(sg, name);
}

bool pass_captured(const graph *g, const char *name)
{
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int a = 0; a < nd->n_attrs; a++)
            if (nd->attrs[a].kind == ATTR_GRAPH && nd->attrs[a].g && reads_outer(nd->attrs[a].g, name))
                return true;
    }
    return false;
}

int pass_consumer_count(const graph *g, int v)
{
    if (v < 0)
        return 0;
    int c = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_in; i++)
            c += nd->in[i] == v;
    }
    return c;
}

int pass_consumers(const graph *g, int v, int *out, int max)
{
    if (v < 0)
        return 0;
    int c = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] == v) {
                if (c < max)
                    out[c] = n;
                c++;
                break;
            }
    }
    return c;
}

bool pass_is_output(const graph *g, int v)
{
    if (v < 0)
        return false;
    if (g->values[v].is_output)
        return true;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v)
            return true;
    return false;
}

bool pass_pinned(const graph *g, int v)
{
    return v >= 0 && (pass_is_output(g, v) || pass_captured(g, g->values[v].name));
}

void pass_replace_uses(graph *g, int from, int to)
{
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] == from)
                nd->in[i] = to;
    }
}

void pass_set_const(graph *g, int v, tensor *t)
{
    graph_value *gv = &g->values[v];
    if (gv->init != t)
        tensor_free(gv->init);
    gv->init = t;
    gv->dtype = t->dtype;
    gv->rank = t->rank;
    for (int i = 0; i < TENSOR_MAX_RANK; i++) {
        gv->dims[i] = i < t->rank ? t->dims[i] : 0;
        gv->dim_param[i] = NULL;
    }
    gv->producer = -1;
}

int pass_new_const(graph *g, const char *hint, tensor *t)
{
    int v = graph_value_new(g, hint);
    pass_set_const(g, v, t);
    return v;
}

int pass_producer(const graph *g, int v)
{
    if (v < 0)
        return -1;
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_out; i++)
            if (nd->out[i] == v)
                return n;
    }
    return -1;
}

bool pass_is_float(tensor_dtype dt)
{
    return dt == DT_FLOAT;
}

int pass_run_node(const graph *g, int n, const tensor *const *in, tensor **out, qrc_err *e)
{
    const graph_node *nd = &g->nodes[n];
    const op_def *def = op_find(nd->domain, nd->op_type, graph_opset_version(g, nd->domain));
    if (!def || !def->run)
        return err_set(e, "node '%s' (%s): no kernel", nd->name, nd->op_type);
    void *state = NULL;
    op_ctx ctx = {
        .graph = g, .node = nd, .n_in = nd->n_in, .in = in, .n_out = nd->n_out, .out = out,
        .threads = 1, .state = &state, .alloc = NULL, .exec = NULL, .err = e,
    };
    for (int i = 0; i < nd->n_out; i++)
        out[i] = NULL;
    int rc = def->check ? def->check(g, nd, e) : 0;
    if (rc == 0)
        rc = def->run(&ctx);
    if (state && def->release)
        def->release(state);
    if (rc == 0)
        for (int i = 0; i < nd->n_out; i++)
            if (!out[i] && nd->out[i] >= 0)
                rc = err_set(e, "node '%s' (%s): output %d not produced", nd->name, nd->op_type, i);
    if (rc != 0)
        for (int i = 0; i < nd->n_out; i++) {
            tensor_free(out[i]);
            out[i] = NULL;
        }
    return rc;
}

void pass_lower(const char *s, char *buf, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = 0;
}
