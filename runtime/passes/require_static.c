/* require_static.c — the symbolic method's refusal of control flow that depends on data.
 *
 * After bind and fold, an If, Loop or Scan still in the graph is decided by data the method cannot see;
 * the jit methods run example inputs (trace.c), symbolic stops and says how to resolve it. */
#include <string.h>

#include "util.h"

/* Control-flow nodes left in g (If, Loop, Scan); the first one's index in *first. */
static int control_flow(const graph *g, int *first)
{
    int c = 0;
    *first = -1;
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *nd = &g->nodes[g->order[k]];
        if (nd->domain[0] || (strcmp(nd->op_type, "If") && strcmp(nd->op_type, "Loop") && strcmp(nd->op_type, "Scan")))
            continue;
        if (*first < 0)
            *first = g->order[k];
        c++;
    }
    return c;
}

int pass_require_static(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    int first;
    if (graph_reindex(g, e) != 0 || !control_flow(g, &first))
        return graph_reindex(g, e);
    const graph_node *nd = &g->nodes[first];
    const char *cond = nd->n_in > 0 && nd->in[0] >= 0 ? g->values[nd->in[0]].name : "?";
    pass_note_add(r, PASS_ERROR, "prepare", "control_flow", nd->name,
                  "%s '%s' depends on data ('%s' is not constant after binding and folding)", nd->op_type, nd->name, cond);
    err_set(e, "symbolic prepare: %s '%s' depends on data ('%s' is not constant after binding and folding); "
               "bind the input that decides it with `concrete`, or use method jit with example inputs",
            nd->op_type, nd->name, cond);
    return err_origin(e, nd->name);
}
