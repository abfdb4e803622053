/* strip.c — pre- and post-processing outside the quantized region stays in float.
 *
 * The region is every node on a path from a start tensor to an end tensor (default: the graph's
 * inputs and outputs). Nodes before it (input normalisation, say) and after it (a final Softmax or
 * ArgMax, box decoding) are annotated `outside_region`; the quantizer placement leaves them float.
 * Nothing is removed: the prepared model computes exactly what the original did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/suggest.h"
#include "util.h"

#define PASS "strip"

static bool in_module(const graph_node *nd, const char *m)
{
    size_t l = strlen(m);
    return nd->module && !strncmp(nd->module, m, l) && (nd->module[l] == 0 || nd->module[l] == '.');
}

/* The tensors where module m begins (start: non-constant inputs from outside it) or ends (end: outputs
 * read outside it or by the graph), appended to out from *n (capacity cap); returns how many. */
static int module_edges(const graph *g, const char *m, bool start, int *out, int *n, int cap)
{
    int found = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *nd = &g->nodes[g->order[k]];
        if (!in_module(nd, m))
            continue;
        for (int i = 0; i < (start ? nd->n_in : nd->n_out); i++) {
            int v = start ? nd->in[i] : nd->out[i];
            if (v < 0 || (start && pass_const(g, v)))
                continue;
            bool edge = start ? true : g->values[v].is_output;
            if (start) {
                int p = pass_producer(g, v);
                edge = p < 0 || !in_module(&g->nodes[p], m);
            } else {
                for (int c = 0; c < g->values[v].n_consumers && !edge; c++)
                    edge = !in_module(&g->nodes[g->values[v].consumers[c]], m);
            }
            if (edge && *n < cap) {
                out[(*n)++] = v;
                found++;
            }
        }
    }
    return found;
}

/* Resolves tensor (or module) names into value indices; on a missing name fills e with the closest
 * tensor names. Returns the number of values, or -1. */
static int resolve(const graph *g, const char *what, const char *const *names, int n, int **out, qrc_err *e)
{
    int cap = g->n_values + n + 1, k = 0;
    *out = mem_grow(NULL, (size_t)cap, sizeof **out);
    for (int i = 0; i < n; i++) {
        int v = graph_find_value(g, names[i]);
        if (v >= 0) {
            (*out)[k++] = v;
            continue;
        }
        if (module_edges(g, names[i], !strcmp(what, "start"), *out, &k, cap) > 0)
            continue;
        const char **cands = mem_grow(NULL, (size_t)g->n_values + (size_t)g->n_nodes + 1, sizeof *cands);
        char sug[512] = "";
        int nc = 0;
        for (int v2 = 0; v2 < g->n_values; v2++)
            cands[nc++] = g->values[v2].name;
        for (int q = 0; q < g->n_nodes; q++)
            if (g->nodes[q].module)
                cands[nc++] = g->nodes[q].module;
        suggest_list(names[i], cands, nc, false, sug, sizeof sug);
        free(cands);
        return err_set(e, "strip: the %s '%s' is neither a tensor nor a module of the model; closest names: %s", what,
                       names[i], sug);
    }
    return k;
}

int pass_strip(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "strip");
    int ns = g->n_inputs, ne = g->n_outputs;
    int *sv = NULL, *ev = NULL;
    size_t nv = (size_t)g->n_values + 1, nn = (size_t)g->n_nodes + 1;
    bool *fwd = mem_zalloc(nv, sizeof *fwd), *bwd = mem_zalloc(nv, sizeof *bwd);
    bool *nf = mem_zalloc(nn, sizeof *nf), *nb = mem_zalloc(nn, sizeof *nb);
    int rc = -1;
    if (o && o->n_start) {
        if ((ns = resolve(g, "start", o->start, o->n_start, &sv, e)) < 0)
            goto out;
    } else {
        sv = mem_grow(NULL, (size_t)ns + 1, sizeof *sv);
        if (ns)
            memcpy(sv, g->inputs, (size_t)ns * sizeof *sv);
    }
    if (o && o->n_end) {
        if ((ne = resolve(g, "end", o->end, o->n_end, &ev, e)) < 0)
            goto out;
    } else {
        ev = mem_grow(NULL, (size_t)ne + 1, sizeof *ev);
        if (ne)
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
