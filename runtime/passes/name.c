/* name.c — a module identity for every op.
 *
 * An exporter that records scopes names nodes "/layer1/layer1.0/conv1/Conv": the scope segments give
 * the module path (a segment "down.0" under "down" continues it: layer1.0.down.0), and a segment
 * "relu_1" next to a sibling "relu" is a second call of the same module. Parameters are stronger
 * evidence than scopes: a node reading "layers.1.ln1.weight" belongs to module layers.1.ln1 even when
 * its scope says "/ln1_1". Ops called directly in a forward (functional ops: "/Relu_3",
 * "/layer1/layer1.0/Add") get the name "<scope>.<op type>[_k]", numbered per scope and op type in
 * execution order, so names are stable across runs and re-exports and do not depend on the exporter's
 * counters. A unit written out op by op (pass_unit_match: HardSwish as Add, Clip, Mul, Div) is one
 * module: named "<scope>.<unit kind>[_k]" like a functional op when none of its ops has a module, or
 * the module its ops with parameters name (a LayerNorm's gamma and beta). Node names are made unique
 * and non-empty. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include "util.h"

#define PASS "name"

typedef struct node_scope {
    char *key;       /* the scope part of the node name ("/layer1/layer1.0/relu_1"), "" when flat */
    char *canon;     /* the key with reused-module suffixes removed ("/layer1/layer1.0/relu") */
    char *path;      /* module path from canon ("layer1.0.relu") */
    char *param;     /* module path from the parameters it reads, or NULL */
    bool scalar;     /* param comes from scalar constants only (an exporter's helper constant such as
                        "p2o.helper.constant.2" holding the 3 of a HardSwish looks like one) */
} node_scope;

/* The scope part of a node name: everything before the last '/', for names that start with '/'. */
static char *scope_key(arena *a, const char *name)
{
    const char *slash = strrchr(name, '/');
    if (name[0] != '/' || !slash || slash == name)
        return arena_strdup(a, "");
    return arena_strndup(a, name, (size_t)(slash - name));
}

/* True when some key equals prefix or continues it with '/'. */
static bool key_exists(node_scope *s, int n, const char *prefix)
{
    size_t l = strlen(prefix);
    for (int i = 0; i < n; i++)
        if (!strncmp(s[i].key, prefix, l) && (s[i].key[l] == 0 || s[i].key[l] == '/'))
            return true;
    return false;
}

/* Length of seg without a "_<digits>" suffix, or 0 when it has none. */
static size_t base_len(const char *seg, size_t len)
{
    size_t i = len;
    while (i > 0 && isdigit((unsigned char)seg[i - 1]))
        i--;
    if (i == len || i < 2 || seg[i - 1] != '_')
        return 0;
    return i - 1;
}

/* The key with each "x_k" segment replaced by "x" when a sibling scope "x" exists. */
static char *canonical(arena *a, node_scope *s, int n, const char *key)
{
    size_t L = strlen(key);
    char *out = arena_alloc(a, L + 1);
    size_t o = 0;
    const char *p = key;
    while (*p == '/') {
        const char *seg = p + 1;
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        size_t bl = base_len(seg, len);
        size_t use = len;
        if (bl) {
            out[o] = '/';
            memcpy(out + o + 1, seg, bl);
            out[o + 1 + bl] = 0;
            if (key_exists(s, n, out))
                use = bl;
        }
        out[o++] = '/';
        memcpy(out + o, seg, use);
        o += use;
        out[o] = 0;
        p = seg + len;
    }
    out[o] = 0;
    return out;
}

/* Module of the parameters (dotted initializer names) node reads, when they agree; else NULL. *scalar
 * tells whether they are all scalars. */
static char *param_module(arena *a, const graph *g, const graph_node *nd, bool *scalar)
{
    char *found = NULL;
    *scalar = true;
    for (int i = 0; i < nd->n_in; i++) {
        int v = nd->in[i];
        if (v < 0 || !pass_const(g, v))
            continue;
        const char *name = g->values[v].name;
        const char *dot = strrchr(name, '.');
        if (!dot || dot == name || strchr(name, '/') || strchr(name, ':'))
            continue;
        size_t len = (size_t)(dot - name);
        if (found && (strlen(found) != len || strncmp(found, name, len)))
            return NULL;
        *scalar &= tensor_numel(pass_const(g, v)) == 1;
        if (!found)
            found = arena_strndup(a, name, len);
    }
    return found;
}

/* True when module name m is taken by a scoped module or is a parent of one. */
static bool taken(char **mods, int n, const char *m)
{
    size_t l = strlen(m);
    for (int i = 0; i < n; i++)
        if (mods[i] && !strncmp(mods[i], m, l) && (mods[i][l] == 0 || mods[i][l] == '.'))
            return true;
    return false;
}

/* Unique, non-empty node names: an empty or repeated name becomes "<module>/<op type>[_k]". */
static int unique_node_names(graph *g, pass_report *r)
{
    int renamed = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        int n = g->order[k];
        graph_node *nd = &g->nodes[n];
        bool dup = !nd->name[0];
        for (int j = 0; j < k && !dup; j++)
            dup = !strcmp(g->nodes[g->order[j]].name, nd->name);
        if (!dup)
            continue;
        char *base = arena_printf(&g->strings, "%s/%s", nd->module, nd->op_type);
        char *cand = base;
        for (int s = 1;; s++) {
            bool clash = false;
            for (int j = 0; j < g->n_nodes && !clash; j++)
                clash = j != n && !g->nodes[j].dead && !strcmp(g->nodes[j].name, cand);
            if (!clash)
                break;
            cand = arena_printf(&g->strings, "%s_%d", base, s);
        }
        pass_note_add(r, PASS_INFO, PASS, "renamed", cand, "node '%s' (%s) renamed to '%s'", nd->name, nd->op_type, cand);
        nd->name = cand;
        renamed++;
    }
    return renamed;
}

/* unit[n]: the index of the decomposed unit node n is in (units[] filled, in execution order), or -1. */
static int find_units(const graph *g, arena *a, int *unit, pass_unit **units_out)
{
    int N = g->n_nodes, n_units = 0;
    int *grouped = arena_alloc(a, (size_t)(N + 1) * sizeof *grouped);
    pass_unit *units = arena_alloc(a, (size_t)(N + 1) * sizeof *units);
    for (int n = 0; n < N; n++)
        unit[n] = -1;
    for (int k = 0; k < N; k++) {
        pass_unit *u = &units[n_units];
        if (!pass_unit_match(g, g->order[k], grouped, u))
            continue;
        for (int i = 0; i < u->n; i++) {
            grouped[u->nodes[i]] = 1;
            unit[u->nodes[i]] = n_units;
        }
        n_units++;
    }
    *units_out = units;
    return n_units;
}

/* A unit whose ops with a module agree on one: all its ops join that module. A unit whose ops disagree
 * is no unit for naming (unit[] cleared). The units left in unit[] are made all functional. A module
 * known only from scalar constants is no evidence inside a unit: those are the unit's own constants. */
static void join_modules(const pass_unit *units, int n_units, const node_scope *s, int *unit, char **mods,
                         bool *functional)
{
    for (int i = 0; i < n_units; i++) {
        const pass_unit *u = &units[i];
        char *m = NULL;
        bool agree = true;
        for (int k = 0; k < u->n && agree; k++)
            if (!functional[u->nodes[k]] && !(s[u->nodes[k]].param && s[u->nodes[k]].scalar)) {
                agree = !m || !strcmp(m, mods[u->nodes[k]]);
                m = mods[u->nodes[k]];
            }
        for (int k = 0; m && k < u->n; k++) {
            if (agree) {
                mods[u->nodes[k]] = m;
                functional[u->nodes[k]] = false;
            }
            unit[u->nodes[k]] = -1;
        }
        for (int k = 0; !m && k < u->n; k++)
            functional[u->nodes[k]] = true;
    }
}

int pass_name(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    (void)o;
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "name");
    int N = g->n_nodes;
    arena a = {0};
    node_scope *s = arena_alloc(&a, (size_t)(N + 1) * sizeof *s);
    char **mods = arena_alloc(&a, (size_t)(N + 1) * sizeof *mods);
    bool *functional = arena_alloc(&a, (size_t)(N + 1) * sizeof *functional);
    for (int n = 0; n < N; n++) {
        s[n].key = scope_key(&a, g->nodes[n].name);
        s[n].param = param_module(&a, g, &g->nodes[n], &s[n].scalar);
    }
    for (int n = 0; n < N; n++) {
        s[n].canon = canonical(&a, s, N, s[n].key);
        s[n].path = onnx_module_from_scope(&a, s[n].canon, strlen(s[n].canon));
    }
    /* A scope group takes the module its parameters name, when its nodes agree on one. */
    for (int n = 0; n < N; n++) {
        if (s[n].param || !s[n].key[0])
            continue;
        char *p = NULL;
        bool agree = true;
        for (int m = 0; m < N && agree; m++)
            if (s[m].param && !strcmp(s[m].key, s[n].key)) {
                agree = !p || !strcmp(p, s[m].param);
                p = s[m].param;
            }
        if (agree && p)
            s[n].param = p;
    }
    /* Module ops: parameters, or a leaf scope (no scope nested below it). The rest are functional. */
    for (int n = 0; n < N; n++) {
        if (s[n].param) {
            mods[n] = s[n].param;
            continue;
        }
        size_t l = strlen(s[n].key);
        bool leaf = l > 0;
        for (int m = 0; m < N && leaf; m++)
            leaf = !(strlen(s[m].key) > l && !strncmp(s[m].key, s[n].key, l) && s[m].key[l] == '/');
        if (leaf)
            mods[n] = s[n].path;
        else
            functional[n] = true;
    }
    /* A unit's ops with a module agree on it: the unit's functional ops join them. */
    int *unit = arena_alloc(&a, (size_t)(N + 1) * sizeof *unit);
    pass_unit *units = NULL;
    int n_units = find_units(g, &a, unit, &units);
    join_modules(units, n_units, s, unit, mods, functional);
    /* Functional ops in execution order: "<scope>.<op>" then "_1", "_2", ... skipping taken names; the
     * ops of a functional unit share one name, "<scope>.<unit kind>". */
    int n_functional = 0;
    char **fnames = arena_alloc(&a, (size_t)(N + 1) * sizeof *fnames);
    for (int k = 0; k < N; k++) {
        int n = g->order[k];
        if (!functional[n])
            continue;
        int un = unit[n];
        if (un >= 0 && units[un].nodes[0] != n)
            continue;   /* named with the unit's first node */
        char op[64];
        pass_lower(un >= 0 ? units[un].kind : g->nodes[n].op_type, op, sizeof op);
        char *base = s[n].path[0] ? arena_printf(&a, "%s.%s", s[n].path, op) : arena_strdup(&a, op);
        char *cand = base;
        for (int i = 1; taken(mods, N, cand) || taken(fnames, n_functional, cand); i++)
            cand = arena_printf(&a, "%s_%d", base, i);
        fnames[n_functional++] = cand;
        mods[n] = cand;
    }
    for (int n = 0; n < N; n++)
        if (unit[n] >= 0)
            mods[n] = mods[units[unit[n]].nodes[0]];
    /* Reused modules: one module reached from several scopes (instances). */
    int reused = 0;
    for (int n = 0; n < N; n++) {
        bool first = true;
        int inst = 1;
        for (int m = 0; m < N; m++) {
            if (m == n || strcmp(mods[m], mods[n]))
                continue;
            if (m < n) {
                first = false;
                break;
            }
        }
        if (!first || functional[n])
            continue;
        const char *keys[64];
        int nk = 0;
        keys[nk++] = s[n].key;
        for (int m = n + 1; m < N; m++) {
            if (strcmp(mods[m], mods[n]))
                continue;
            bool seen = false;
            for (int i = 0; i < nk; i++)
                seen |= !strcmp(keys[i], s[m].key);
            if (!seen && nk < 64)
                keys[nk++] = s[m].key;
        }
        inst = nk;
        if (inst > 1) {
            reused++;
            pass_note_add(r, PASS_WARN, PASS, "reused_module", mods[n],
                          "module '%s' is called %d times (scopes %s, %s%s); unshare gives each call its own "
                          "instance", mods[n], inst, keys[0][0] ? keys[0] : "/", keys[1], inst > 2 ? ", ..." : "");
        }
    }
    for (int n = 0; n < N; n++) {
        graph_node *nd = &g->nodes[n];
        nd->module = graph_strdup(g, mods[n]);
        const pass_unit *u = unit[n] >= 0 ? &units[unit[n]] : NULL;
        if (functional[n] && !u)
            pass_note_add(r, PASS_INFO, PASS, "functional", nd->name, "functional %s '%s' named module '%s'",
                          nd->op_type, nd->name, mods[n]);
        else if (functional[n] && u->nodes[u->n - 1] == n)
            pass_note_add(r, PASS_INFO, PASS, "functional", nd->name,
                          "functional %s unit ('%s' .. '%s', %d ops) named module '%s'", u->kind,
                          g->nodes[u->nodes[0]].name, nd->name, u->n, mods[n]);
    }
    int renamed = unique_node_names(g, r);
    r->changes += n_functional + renamed;
    arena_free(&a);
    return 0;
}
