/* graph_fixture.h — graph-building helpers shared by the fixture tools that write test models
 * (pattern_models, hostile_models). Ownership: everything is stored in the graph (its arena). */
#ifndef QRC_GRAPH_FIXTURE_H
#define QRC_GRAPH_FIXTURE_H

#include <string.h>

#include "graph.h"

/* An empty graph importing the default domain at `opset`, IR 8. */
static inline graph *fx_model(int opset)
{
    graph *g = graph_new();
    g->ir_version = 8;
    graph_opset_set(g, "", opset);
    return g;
}

/* The value called name (created when absent) declared with dtype dt and shape dims. */
static inline int fx_value(graph *g, const char *name, tensor_dtype dt, int rank, const int64_t *dims)
{
    int v = graph_value_get(g, name);
    g->values[v].dtype = dt;
    g->values[v].rank = rank;
    for (int i = 0; i < rank; i++)
        g->values[v].dims[i] = dims[i];
    return v;
}

/* Sets integer-list attribute name on node n to the k values v. */
static inline void fx_ints_attr(graph *g, int n, const char *name, int k, const int64_t *v)
{
    graph_attr *a = graph_attr_set(g, n, name, ATTR_INTS);
    a->n = k;
    a->ints = graph_alloc(g, (size_t)k * sizeof *a->ints);
    memcpy(a->ints, v, (size_t)k * sizeof *a->ints);
}

#endif
