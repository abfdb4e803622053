/* fuse.c — supergroups: chains of ops the target runs as one, so no quantizer lands inside.
 *
 * Chains (Conv+Relu, Conv+Add+Relu, Gemm+Relu, Add+Relu, ...) come from the `supergroups` op_lists of an
 * AIMET quantsim config JSON when one is given, otherwise from the built-in table below. A chain
 * matches when each op's output feeds only the next op of the chain (and is not a graph output).
 * Decomposed units (HardSwish, GELU, LayerNorm, ... : units.c) are recognised first, each a group of
 * its own, so quantizers land only on a unit's input and output. Groups are recorded in the report
 * (pass_report.groups, pass_node_info.group / group_output). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "util.h"

#define PASS "fuse"
enum { MAX_CHAIN = 8, MAX_UNIT = PASS_UNIT_MAX };

typedef struct chain {
    int n;
    const char *ops[MAX_CHAIN];
} chain;

/* Longest first: a longer chain claims its ops before a shorter one can. */
static const chain default_chains[] = {
    {3, {"Conv", "Add", "Relu"}},
    {3, {"MatMul", "Add", "Relu"}},
    {3, {"Gemm", "Add", "Relu"}},
    {2, {"Conv", "Relu"}},
    {2, {"Conv", "Clip"}},
    {2, {"Conv", "LeakyRelu"}},
    {2, {"Conv", "PRelu"}},
    {2, {"Conv", "Sigmoid"}},
    {2, {"Conv", "HardSwish"}},
    {2, {"ConvTranspose", "Relu"}},
    {2, {"ConvTranspose", "Clip"}},
    {2, {"Gemm", "Relu"}},
    {2, {"Gemm", "Clip"}},
    {2, {"MatMul", "Add"}},
    {2, {"MatMul", "Relu"}},
    {2, {"Add", "Relu"}},
    {2, {"Add", "Clip"}},
};

static bool is_op(const graph_node *nd, const char *op)
{
    return !nd->domain[0] && !strcmp(nd->op_type, op);
}

/* The single live node reading v, or -1 when v has other readers or is a graph output. */
static int only_reader(const graph *g, int v)
{
    int c[2];
    if (v < 0 || pass_consumers(g, v, c, 2) != 1 || pass_pinned(g, v))
        return -1;
    return c[0];
}

/* Nodes grouped so far (-1 free). */
typedef struct fuse_state {
    graph *g;
    pass_report *r;
    int *grouped;
} fuse_state;

static void add_group(fuse_state *st, const char *kind, int n, const int *nodes)
{
    const char *names[MAX_UNIT];
    for (int i = 0; i < n; i++) {
        names[i] = st->g->nodes[nodes[i]].name;
        st->grouped[nodes[i]] = 1;
    }
    pass_report_group(st->r, kind, n, names);
    if (pass_is_unit_kind(kind))
        pass_note_add(st->r, PASS_INFO, PASS, "supergroup", names[n - 1],
                      "%s: %s .. %s, %d ops fused into one unit '%s' (quantized at its input and output only)", kind,
                      names[0], names[n - 1], n, st->g->nodes[nodes[n - 1]].module ? st->g->nodes[nodes[n - 1]].module
                                                                                     : names[n - 1]);
    else
        pass_note_add(st->r, PASS_INFO, PASS, "supergroup", names[n - 1], "%s: %s .. %s", kind, names[0],
                      names[n - 1]);
}

/* A decomposed unit starting at node n becomes one supergroup. */
static int match_unit(fuse_state *st, int n)
{
    pass_unit u;
    if (!pass_unit_match(st->g, n, st->grouped, &u))
        return 0;
    add_group(st, u.kind, u.n, u.nodes);
    return 1;
}

/* The chain starting at node a, filled into nodes; returns its length or 0. */
static int match_chain(fuse_state *st, const chain *ch, int a, int *nodes)
{
    graph *g = st->g;
    if (st->grouped[a] || !is_op(&g->nodes[a], ch->ops[0]))
        return 0;
    nodes[0] = a;
    for (int i = 1; i < ch->n; i++) {
        const graph_node *prev = &g->nodes[nodes[i - 1]];
        if (prev->n_out < 1)
            return 0;
        int nx = only_reader(g, prev->out[0]);
        if (nx < 0 || st->grouped[nx] || !is_op(&g->nodes[nx], ch->ops[i]))
            return 0;
        nodes[i] = nx;
    }
    return ch->n;
}

/* Reads the supergroups op_lists of an AIMET quantsim config into chains (malloc'd). */
static int load_chains(const char *path, arena *a, chain **out, int *n_out, qrc_err *e)
{
    json_error_t je;
    void *text;
    size_t len;
    if (file_read(path, FILE_NO_LIMIT, &text, &len, e))
        return err_wrap(e, "fuse");
    json_t *root = json_loadb(text, len, 0, &je);
    free(text);
    if (!root)
        return err_set(e, "fuse: %s:%d: %s", path, je.line, je.text);
    json_t *sg = json_object_get(root, "supergroups");
    if (sg && !json_is_array(sg)) {
        json_decref(root);
        return err_set(e, "fuse: %s: \"supergroups\" is not a list", path);
    }
    size_t n = sg ? json_array_size(sg) : 0;
    chain *cs = mem_zalloc(n + 1, sizeof *cs);
    for (size_t i = 0; i < n; i++) {
        json_t *ol = json_object_get(json_array_get(sg, i), "op_list");
        if (!json_is_array(ol) || json_array_size(ol) < 2 || json_array_size(ol) > MAX_CHAIN) {
            free(cs);
            json_decref(root);
            return err_set(e, "fuse: %s: supergroups[%zu] needs an \"op_list\" of 2..%d op types", path, i, MAX_CHAIN);
        }
        cs[i].n = (int)json_array_size(ol);
        for (int k = 0; k < cs[i].n; k++) {
            const char *s = json_string_value(json_array_get(ol, (size_t)k));
            if (!s) {
                free(cs);
                json_decref(root);
                return err_set(e, "fuse: %s: supergroups[%zu].op_list[%d] is not an op type", path, i, k);
            }
            cs[i].ops[k] = arena_strdup(a, s);
        }
    }
    json_decref(root);
    /* Longest chains first, file order among equals. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cs[j].n > cs[j - 1].n; j--) {
            chain t = cs[j];
            cs[j] = cs[j - 1];
            cs[j - 1] = t;
        }
    *out = cs;
    *n_out = (int)n;
    return 0;
}

int pass_fuse(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fuse");
    chain *loaded = NULL;
    arena names = {0};
    int n_chains = (int)(sizeof default_chains / sizeof *default_chains);
    const chain *chains = default_chains;
    if (o && o->supergroups_json) {
        if (load_chains(o->supergroups_json, &names, &loaded, &n_chains, e) != 0) {
            arena_free(&names);
            return -1;
        }
        chains = loaded;
    }
    fuse_state st = {g, r, mem_zalloc((size_t)g->n_nodes + 1, sizeof(int))};
    int made = 0;
    for (int k = 0; k < g->n_nodes; k++)
        made += match_unit(&st, g->order[k]);
    for (int c = 0; c < n_chains; c++)
        for (int k = 0; k < g->n_nodes; k++) {
            int nodes[MAX_CHAIN];
            int n = match_chain(&st, &chains[c], g->order[k], nodes);
            if (!n)
                continue;
            char kind[256] = "";
            for (int i = 0; i < n; i++)
                snprintf(kind + strlen(kind), sizeof kind - strlen(kind), "%s%s", i ? "+" : "", chains[c].ops[i]);
            add_group(&st, kind, n, nodes);
            made++;
        }
    free(st.grouped);
    free(loaded);
    arena_free(&names);
    r->changes += made;
    return 0;
}
