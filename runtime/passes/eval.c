/* eval.c — computes one value of a graph on example inputs, running only the nodes it depends on. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "util.h"

int pass_eval(const graph *g, int v, const pass_example *ex, tensor **out, qrc_err *e)
{
    *out = NULL;
    if (g->values[v].init && !g->values[v].is_input)
        return (*out = tensor_clone(g->values[v].init, e)) ? 0 : -1;
    int N = g->n_nodes, V = g->n_values;
    bool *need = mem_zalloc((size_t)N + 1, sizeof *need), *want = mem_zalloc((size_t)V + 1, sizeof *want);
    tensor **val = mem_zalloc((size_t)V + 1, sizeof *val);
    int rc = -1;
    want[v] = true;
    for (int k = N - 1; k >= 0; k--) {
        int n = g->order[k];
        const graph_node *nd = &g->nodes[n];
        for (int i = 0; i < nd->n_out && !need[n]; i++)
            need[n] = nd->out[i] >= 0 && want[nd->out[i]];
        if (!need[n])
            continue;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] >= 0)
                want[nd->in[i]] = true;
        for (int i = 0; i < nd->n_captures; i++)
            want[nd->captures[i]] = true;
    }
    for (int i = 0; i < g->n_inputs; i++) {
        int x = g->inputs[i];
        if (!want[x])
            continue;
        for (int k = 0; ex && k < ex->n; k++)
            if (!strcmp(ex->names[k], g->values[x].name) && !(val[x] = tensor_clone(ex->values[k], e)))
                goto out;
        if (!val[x]) {
            err_set(e, "the example has no value for input '%s'", g->values[x].name);
            goto out;
        }
    }
    for (int k = 0; k < N; k++) {
        int n = g->order[k];
        if (!need[n])
            continue;
        const graph_node *nd = &g->nodes[n];
        if (nd->n_captures) {
            err_set(e, "node '%s' (%s) runs a subgraph on the way to '%s'", nd->name, nd->op_type, g->values[v].name);
            goto out;
        }
        const tensor *ins[64];
        tensor *outs[64];
        if (nd->n_in > 64 || nd->n_out > 64) {
            err_set(e, "node '%s' (%s): too many inputs", nd->name, nd->op_type);
            goto out;
        }
        for (int i = 0; i < nd->n_in; i++) {
            int x = nd->in[i];
            ins[i] = x < 0 ? NULL : val[x] ? val[x] : pass_const(g, x);
        }
        if (pass_run_node(g, n, ins, outs, e) != 0)
            goto out;
        for (int i = 0; i < nd->n_out; i++) {
            if (nd->out[i] >= 0 && !val[nd->out[i]])
                val[nd->out[i]] = outs[i];
            else
                tensor_free(outs[i]);
        }
    }
    if (!val[v]) {
        err_set(e, "value '%s' could not be computed", g->values[v].name);
        goto out;
    }
    *out = val[v];
    val[v] = NULL;
    rc = 0;
out:
    if (val)
        for (int i = 0; i < V; i++)
            tensor_free(val[i]);
    free(val);
    free(need);
    free(want);
    return rc;
}
