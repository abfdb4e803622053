/* strip.c — pre- and post-processing outside the quantized region stays in float.
 *
 * The region is every node on a path from a start tensor to an end tensor (default: the graph's
 * inputs and outputs). Nodes before it (input normalisation, say) and after it (a final Softmax or
 * ArgMax, box decoding) are annotated `outside_region`; the quantizer placement leaves them float.
 * Nothing is removed: the prepared model computes exactly what the original did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PASS "strip"

/* Resolves tensor names into value indices; on a missing name fills e with the closest names. */
static int resolve(const graph *g, const char *what, const char *const *names, int n, int *out, qrc_err *e)
{
    for (int i = 0; i < n; i++) {
        out[i] = graph_find_value(g, names[i]);
        if (out[i] >= 0)
            continue;
        const char **cands = malloc(((size_t)g->n_values + 1) * sizeof *cands);
        char sug[512] = "";
        if (cands) {
            for (int v = 0; v < g->n_values; v++)
                cands[v] = g->values[v].name;
            pass_suggest(names[i], cands, g->n_values, sug, sizeof sug);
            free(cands);
        }
        return err_set(e, "strip: the %s tensor '%s' is not in the model; closest tensor names: %s", what, names[i], sug);
    }
    return 0;
}

int pass_strip(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "strip");
    int ns = o && o->n_start ? o->n_start : g->n_inputs, ne = o && o->n_end ? o->n_end : g->n_outputs;
    int *sv = malloc(((size_t)ns + 1) * sizeof *sv), *ev = malloc(((size_t)ne + 1) * sizeof *ev);
    bool *fwd = calloc((size_t)g->n_values + 1, sizeof *fwd), *bwd = calloc((size_t)g->n_values + 1, sizeof *bwd);
    bool *nf = calloc((size_t)g->n_nodes + 1, sizeof *nf), *nb = calloc((size_t)g->n_nodes + 1, sizeof *nb);
    int rc = -1;
    if (!sv || !ev || !fwd || !bwd || !nf || !nb) {
        err_set(e, "strip: out of memory");
        goto out;
    }
    if (o && o->n_start) {
        if (resolve(g, "start", o->start, ns, sv, e))
            goto out;
    } else {
        memcpy(sv, g->inputs, (size_t)ns * sizeof *sv);
    }
    if (o && o->n_end) {
        if (resolve(g, "end", o->end, ne, ev, e))
            goto out;
    } else {
        memcpy(ev, g->outputs, (size_t)ne * sizeof *ev);
    }
    for (int i = 0; i < ns; i++)
        fwd[sv[i]] = true;
    for (int i = 0; i < ne; i++)
        bwd[ev[i]] = true;
    /* Forward from the start tensors. */
    for (int k = 0; k < g->n_nodes; k++) {
        int n = g->order[k];
        const graph_node *nd = &g->nodes[n];
        for (int i = 0; i < nd->n_in && !nf[n]; i++)
            nf[n] = nd->in[i] >= 0 && fwd[nd->in[i]];
        for (int i = 0; i < nd->n_out && nf[n]; i++)
            if (nd->out[i] >= 0)
                fwd[nd->out[i]] = true;
    }
    /* Backward from the end tensors; nothing flows past a start tensor. */
    for (int k = g->n_nodes - 1; k >= 0; k--) {
        int n = g->order[k];
        const graph_node *nd = &g->nodes[n];
        for (int i = 0; i < nd->n_out && !nb[n]; i++)
            nb[n] = nd->out[i] >= 0 && bwd[nd->out[i]];
        if (!nb[n])
            continue;
        for (int i = 0; i < nd->n_in; i++) {
            int v = nd->in[i];
            bool is_start = false;
            for (int s = 0; s < ns; s++)
                is_start |= sv[s] == v;
            if (v >= 0 && !is_start)
                bwd[v] = true;
        }
    }
    int region = 0, outside = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        int n = g->order[k];
        if (nf[n] && nb[n]) {
            region++;
            continue;
        }
        outside++;
        pass_report_node(r, g->nodes[n].name)->outside_region = true;
        pass_note_add(r, PASS_INFO, PASS, "float_region", g->nodes[n].name, "'%s' (%s) is %s the quantized region: stays float",
                      g->nodes[n].name, g->nodes[n].op_type, nf[n] ? "after" : "before");
    }
    if (region == 0) {
        err_set(e, "strip: no node lies on a path from the start tensors to the end tensors; check the "
                   "'quantize from ... to ...' tensor names");
        goto out;
    }
    r->changes += outside;
    rc = 0;
out:
    free(sv);
    free(ev);
    free(fwd);
    free(bwd);
    free(nf);
    free(nb);
    return rc;
}
