/* infer.c — graph_infer_shapes: per-op inference in topological order, merged with declarations. */
#include "infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "op.h"

/* Merges the inferred description *got with what was declared before (*was), in place. */
static int merge(const graph_node *n, graph_value *got, const graph_value *was, qrc_err *e)
{
    char a[160], b[160];
    if (was->dtype != DT_UNDEFINED && got->dtype != DT_UNDEFINED && was->dtype != got->dtype)
        return err_set(e, "node '%s' (%s): output '%s' is inferred as %s but declared %s", n->name, n->op_type,
                       got->name, graph_value_type_text(got, a, sizeof a), graph_value_type_text(was, b, sizeof b));
    if (got->dtype == DT_UNDEFINED)
        got->dtype = was->dtype;
    if (was->rank < 0)
        return 0;
    if (got->rank < 0) {
        got->rank = was->rank;
        memcpy(got->dims, was->dims, sizeof got->dims);
        memcpy(got->dim_param, was->dim_param, sizeof got->dim_param);
        return 0;
    }
    if (got->rank != was->rank)
        return err_set(e, "node '%s' (%s): output '%s' is inferred as %s but declared %s", n->name, n->op_type,
                       got->name, graph_value_type_text(got, a, sizeof a), graph_value_type_text(was, b, sizeof b));
    for (int d = 0; d < got->rank; d++) {
        if (got->dims[d] >= 0 && was->dims[d] >= 0 && got->dims[d] != was->dims[d])
            return err_set(e, "node '%s' (%s): output '%s' is inferred as %s but declared %s", n->name, n->op_type,
                           got->name, graph_value_type_text(got, a, sizeof a), graph_value_type_text(was, b, sizeof b));
        if (got->dims[d] < 0) {
            got->dims[d] = was->dims[d];
            if (!got->dim_param[d])
                got->dim_param[d] = was->dim_param[d];
        }
    }
    return 0;
}

/* Copies what the enclosing graph knows about each outer value into the subgraph. */
static void import_outer(graph *sub, const graph *g)
{
    for (int v = 0; v < sub->n_values; v++) {
        if (!graph_value_is_outer(sub, v))
            continue;
        int pv = graph_find_value(g, sub->values[v].name);
        if (pv < 0)
            continue;
        const graph_value *p = &g->values[pv];
        graph_value *x = &sub->values[v];
        x->dtype = p->dtype;
        x->rank = p->rank;
        memcpy(x->dims, p->dims, sizeof x->dims);
        for (int d = 0; d < TENSOR_MAX_RANK; d++)
            x->dim_param[d] = p->dim_param[d] ? graph_strdup(sub, p->dim_param[d]) : NULL;
    }
}

static int infer_node(graph *g, graph_node *n, qrc_err *e)
{
    for (int a = 0; a < n->n_attrs; a++) {
        graph *sub = n->attrs[a].kind == ATTR_GRAPH ? n->attrs[a].g : NULL;
        if (!sub)
            continue;
        import_outer(sub, g);
        if (graph_infer_shapes(sub, e))
            return err_wrap(e, "node '%s' (%s), %s", n->name, n->op_type, n->attrs[a].name);
    }
    const op_def *def = op_find(n->domain, n->op_type, graph_opset_version(g, n->domain));
    if (!def || !def->infer)
        return 0;
    graph_value was[16];
    int n_saved = n->n_out < 16 ? n->n_out : 16;
    for (int k = 0; k < n_saved; k++)
        if (n->out[k] >= 0)
            was[k] = g->values[n->out[k]];
    if (def->infer(g, n, e)) {
        if (!*n->name || !strstr(e->msg, n->name))
            err_wrap(e, "node '%s' (%s)", n->name, n->op_type);
        return -1;
    }
    for (int k = 0; k < n_saved; k++) {
        if (n->out[k] < 0)
            continue;
        graph_value *got = &g->values[n->out[k]];
        if (got->rank > TENSOR_MAX_RANK)
            return err_set(e, "node '%s' (%s): output '%s' has rank %d", n->name, n->op_type, got->name, got->rank);
        for (int d = 0; d < got->rank; d++)
            if (got->dims[d] < -1)
                return err_set(e, "node '%s' (%s): output '%s' dim %d is negative (%lld)", n->name, n->op_type,
                               got->name, d, (long long)got->dims[d]);
        if (merge(n, got, &was[k], e))
            return -1;
    }
    return 0;
}

static int infer_pass(graph *g, qrc_err *e)
{
    if (!g->order || g->n_order != g->n_nodes)
        return err_set(e, "graph '%s' changed since its last graph_reindex; reindex before inferring", g->name);
    for (int s = 0; s < g->n_nodes; s++)
        if (infer_node(g, &g->nodes[g->order[s]], e))
            return -1;
    return 0;
}

/* ---- symbolic dims by probing ------------------------------------------------------------------
 * Per-op infer functions work on numbers. To carry symbolic dims (N) through any op, inference runs
 * twice with every symbol bound to a different large probe value; a dim equal to the symbol's probe in
 * both runs is that symbol, a dim equal in both runs is a constant, anything else (N*4) is unknown. */

enum { MAX_SYMS = 16, MAX_GRAPHS = 64 };

typedef struct tree {
    graph *g[MAX_GRAPHS];
    graph_value *saved[MAX_GRAPHS], *run[2][MAX_GRAPHS];
    int n_values[MAX_GRAPHS];  /* value counts at the snapshot (inference adds none; be safe anyway) */
    int n;
} tree;

static void collect(tree *t, graph *g)
{
    if (t->n == MAX_GRAPHS)
        return;
    t->g[t->n++] = g;
    for (int i = 0; i < g->n_nodes; i++)
        for (int a = 0; a < g->nodes[i].n_attrs; a++)
            if (g->nodes[i].attrs[a].kind == ATTR_GRAPH && g->nodes[i].attrs[a].g)
                collect(t, g->nodes[i].attrs[a].g);
}

static graph_value *snapshot(const graph *g)
{
    graph_value *s = mem_grow(NULL, (size_t)g->n_values + 1, sizeof *s);
    memcpy(s, g->values, (size_t)g->n_values * sizeof *s);
    return s;
}

static void restore(graph *g, const graph_value *s, int n)
{
    for (int v = 0; v < n && v < g->n_values; v++) {
        int *consumers = g->values[v].consumers;
        tensor *init = g->values[v].init;
        g->values[v] = s[v];
        g->values[v].consumers = consumers; /* untouched by inference; keep the live pointers */
        g->values[v].init = init;
    }
}

static int64_t probe(int pass, int k)
{
    return (pass ? 2000029 : 1000003) + 2 * (int64_t)k;
}

/* Combines the two probe runs of value v into g's value v (declared information in s). */
static int combine(graph *g, int v, const graph_value *a, const graph_value *b, const graph_value *decl,
                   const char *const *syms, int n_syms, qrc_err *e)
{
    graph_value got = *decl;
    got.dtype = a->dtype;
    got.rank = a->rank == b->rank ? a->rank : -1;
    for (int d = 0; d < TENSOR_MAX_RANK; d++) {
        got.dims[d] = -1;
        got.dim_param[d] = NULL;
    }
    for (int d = 0; d < got.rank; d++) {
        if (a->dims[d] >= 0 && a->dims[d] == b->dims[d]) {
            got.dims[d] = a->dims[d];
            continue;
        }
        for (int k = 0; k < n_syms; k++)
            if (a->dims[d] == probe(0, k) && b->dims[d] == probe(1, k))
                got.dim_param[d] = (char *)syms[k];
    }
    g->values[v] = got;
    if (got.rank < 0 && got.dtype == DT_UNDEFINED)
        return 0;
    graph_node fake = {.name = "", .op_type = ""};
    const graph_node *n = g->values[v].producer >= 0 ? &g->nodes[g->values[v].producer] : &fake;
    return merge(n, &g->values[v], decl, e);
}

int graph_infer_shapes(graph *g, qrc_err *e)
{
    const char *syms[MAX_SYMS];
    int n_syms = 0;
    for (int i = 0; i < g->n_inputs; i++) {
        const graph_value *x = &g->values[g->inputs[i]];
        for (int d = 0; x->rank > 0 && d < x->rank; d++) {
            if (!x->dim_param[d])
                continue;
            int k = 0;
            while (k < n_syms && strcmp(syms[k], x->dim_param[d]))
                k++;
            if (k == n_syms && n_syms < MAX_SYMS)
                syms[n_syms++] = x->dim_param[d];
        }
    }
    if (!n_syms || g->parent)
        return infer_pass(g, e);
    tree t = {.n = 0};
    collect(&t, g);
    for (int i = 0; i < t.n; i++) {
        t.saved[i] = snapshot(t.g[i]);
        t.n_values[i] = t.g[i]->n_values;
    }
    int rc = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (int i = 0; i < t.n; i++)
            restore(t.g[i], t.saved[i], t.n_values[i]);
        for (int i = 0; i < g->n_inputs; i++) {
            graph_value *x = &g->values[g->inputs[i]];
            for (int d = 0; x->rank > 0 && d < x->rank; d++)
                for (int k = 0; k < n_syms; k++)
                    if (x->dim_param[d] && !strcmp(x->dim_param[d], syms[k])) {
                        x->dims[d] = probe(pass, k);
                        x->dim_param[d] = NULL;
                    }
        }
        rc = infer_pass(g, e);
        for (int i = 0; i < t.n && !rc; i++)
            t.run[pass][i] = snapshot(t.g[i]);
    }
    if (rc) {
        /* a probe run failed: either the shapes are impossible, or the model constrains a symbol
         * (splits N into fixed parts). A plain run tells which, and its message has no probe numbers. */
        for (int i = 0; i < t.n; i++)
            restore(t.g[i], t.saved[i], t.n_values[i]);
        rc = infer_pass(g, e);
        goto done;
    }
    for (int i = 0; i < t.n; i++) {
        graph *sg = t.g[i];
        restore(sg, t.saved[i], t.n_values[i]);
        for (int v = 0; v < t.n_values[i] && v < sg->n_values && !rc; v++) {
            if (sg->values[v].init || (sg == g && sg->values[v].is_input) || graph_value_is_outer(sg, v))
                continue;
            rc = combine(sg, v, &t.run[0][i][v], &t.run[1][i][v], &t.saved[i][v], syms, n_syms, e);
        }
        if (!rc) /* outer values take what their enclosing graph now knows */
            for (int j = 0; j < t.n; j++)
                for (int a = 0; a < t.g[j]->n_nodes; a++)
                    for (int k = 0; k < t.g[j]->nodes[a].n_attrs; k++)
                        if (t.g[j]->nodes[a].attrs[k].g == sg)
                            import_outer(sg, t.g[j]);
    }
done:
    for (int i = 0; i < t.n; i++) {
        free(t.saved[i]);
        free(t.run[0][i]);
        free(t.run[1][i]);
    }
    return rc;
}
