/* unshare.c — every call of a module becomes an instance of its own.
 *
 * Two kinds of sharing: a module called from several scopes ("/pool/MaxPool", "/pool_1/MaxPool", both
 * module "pool" after the name pass), and a float parameter (not a scalar) read by several nodes (a weight-tied
 * layer, or weights the exporter deduplicated). Each later call gets the module name "<module>_k" and
 * its own copy of every shared parameter it reads, so each use gets its own quantizers and can be
 * folded on its own. The first call keeps the original names. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "util.h"

#define PASS "unshare"

/* The scope part of a node name ("/pool_1/MaxPool" -> "/pool_1"), "" when flat. */
static size_t scope_len(const char *name)
{
    const char *slash = strrchr(name, '/');
    return name[0] == '/' && slash ? (size_t)(slash - name) : 0;
}

static bool same_scope(const char *a, const char *b)
{
    size_t la = scope_len(a), lb = scope_len(b);
    return la == lb && !strncmp(a, b, la);
}

static bool module_taken(const graph *g, const char *m)
{
    for (int n = 0; n < g->n_nodes; n++)
        if (!g->nodes[n].dead && g->nodes[n].module && !strcmp(g->nodes[n].module, m))
            return true;
    return false;
}

/* Splits reused modules into instances; returns the number of instances created. */
static int split_modules(graph *g, pass_report *r)
{
    int N = g->n_nodes, made = 0;
    bool *done = calloc((size_t)N + 1, sizeof *done);
    if (!done)
        return 0;
    for (int k = 0; k < N; k++) {
        int n = g->order[k];
        if (done[n] || !g->nodes[n].module)
            continue;
        const char *mod = g->nodes[n].module;
        const char *first_scope = g->nodes[n].name;
        /* Every node of this module with the first call's scope stays; the others form new instances. */
        for (int j = k; j < N; j++) {
            int m = g->order[j];
            if (!done[m] && g->nodes[m].module && !strcmp(g->nodes[m].module, mod) && same_scope(g->nodes[m].name, first_scope))
                done[m] = true;
        }
        for (int j = k + 1; j < N; j++) {
            int m = g->order[j];
            if (done[m] || !g->nodes[m].module || strcmp(g->nodes[m].module, mod))
                continue;
            char *inst = NULL;
            for (int s = 1; !inst || module_taken(g, inst); s++)
                inst = arena_printf(&g->strings, "%s_%d", mod, s);
            const char *scope_of = g->nodes[m].name;
            for (int i = j; i < N; i++) {
                int q = g->order[i];
                if (!done[q] && g->nodes[q].module && !strcmp(g->nodes[q].module, mod) && same_scope(g->nodes[q].name, scope_of)) {
                    g->nodes[q].module = inst;
                    done[q] = true;
                }
            }
            made++;
            pass_note_add(r, PASS_INFO, PASS, "unshared", inst, "call of module '%s' at '%.*s' is now instance '%s'",
                          mod, (int)scope_len(scope_of), scope_of, inst);
        }
    }
    free(done);
    return made;
}

/* The name a copy of parameter `name` gets for a node of module `mod`: "conv.weight" read by
 * instance "conv_1" -> "conv_1.weight"; otherwise "<name>_k" (made unique by graph_value_new). */
static const char *copy_hint(graph *g, const char *name, const char *mod)
{
    const char *dot = strrchr(name, '.');
    if (dot && mod && mod[0])
        return arena_printf(&g->strings, "%s%s", mod, dot);
    return name;
}

/* Gives every node after the first that reads a shared float constant a copy of its own. */
static int split_params(graph *g, pass_report *r, qrc_err *e)
{
    int made = 0, nv = g->n_values;
    int *readers = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *readers);
    for (int v = 0; v < nv; v++) {
        const tensor *t = pass_const(g, v);
        if (!t || t->dtype != DT_FLOAT || tensor_numel(t) < 2 || pass_pinned(g, v))
            continue; /* scalars (an epsilon, a scale) are constants, not weights */
        int nr = 0;
        for (int k = 0; k < g->n_nodes; k++) {
            int n = g->order[k];
            for (int i = 0; i < g->nodes[n].n_in; i++)
                if (g->nodes[n].in[i] == v) {
                    readers[nr++] = n;
                    break;
                }
        }
        if (nr < 2)
            continue;
        char *vname = g->values[v].name;
        pass_note_add(r, PASS_WARN, PASS, "shared_weight", vname, "parameter '%s' is read by %d nodes ('%s', '%s'%s)",
                      vname, nr, g->nodes[readers[0]].name, g->nodes[readers[1]].name, nr > 2 ? ", ..." : "");
        for (int k = 1; k < nr; k++) {
            tensor *c = tensor_clone(g->values[v].init, e);
            if (!c) {
                free(readers);
                return -1;
            }
            graph_node *nd = &g->nodes[readers[k]];
            int nvx = pass_new_const(g, copy_hint(g, vname, nd->module), c);
            nd = &g->nodes[readers[k]];
            for (int i = 0; i < nd->n_in; i++)
                if (nd->in[i] == v)
                    nd->in[i] = nvx;
            pass_note_add(r, PASS_INFO, PASS, "unshared", g->values[nvx].name, "'%s' reads its own copy '%s' of '%s'",
                          nd->name, g->values[nvx].name, vname);
            made++;
        }
    }
    free(readers);
    return made;
}

int pass_unshare(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    (void)o;
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "unshare");
    int a = split_modules(g, r);
    int b = split_params(g, r, e);
    if (b < 0)
        return -1;
    r->changes += a + b;
    return graph_reindex(g, e) ? err_wrap(e, "unshare") : 0;
}
