/* model.c — the model cache: load, name modules, collect sorted name lists. */
#include "lsp/model.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx.h"
#include "pass.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts names and drops duplicates; returns the new count. */
static size_t sort_unique(const char **names, size_t n)
{
    if (!n)
        return 0;
    qsort(names, n, sizeof *names, cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], names[k - 1]))
            names[k++] = names[i];
    return k;
}

bool lsp_model_has(const char *const *names, size_t n, const char *name)
{
    return n && bsearch(&name, names, n, sizeof *names, cmp_str) != NULL;
}

static const char **alloc_names(graph *g, size_t n)
{
    return graph_alloc(g, (n ? n : 1) * sizeof(const char *));
}

/* Every module name and its parents ("a.b.c" gives "a", "a.b", "a.b.c"). */
static void collect_modules(lsp_model *m)
{
    graph *g = m->g;
    size_t cap = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].module)
            cap += 9;   /* the module and at most 8 parents */
    const char **out = alloc_names(g, cap);
    size_t n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const char *mod = g->nodes[i].module;
        if (!mod || !mod[0])
            continue;
        int parents = 0;
        for (const char *p = strchr(mod, '.'); p && parents < 8; p = strchr(p + 1, '.'), parents++) {
            char *prefix = graph_alloc(g, (size_t)(p - mod) + 1);
            memcpy(prefix, mod, (size_t)(p - mod));
            out[n++] = prefix;
        }
        out[n++] = mod;
    }
    m->modules = out;
    m->n_modules = sort_unique(out, n);
}

static void collect_names(lsp_model *m)
{
    graph *g = m->g;
    m->op_types = alloc_names(g, (size_t)g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++)
        m->op_types[i] = g->nodes[i].op_type;
    m->n_op_types = sort_unique(m->op_types, (size_t)g->n_nodes);
    m->tensors = alloc_names(g, (size_t)g->n_values);
    size_t n = 0;
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].name && g->values[i].name[0])
            m->tensors[n++] = g->values[i].name;
    m->n_tensors = sort_unique(m->tensors, n);
    m->inputs = alloc_names(g, (size_t)g->n_inputs);
    for (int i = 0; i < g->n_inputs; i++)
        m->inputs[m->n_inputs++] = g->values[g->inputs[i]].name;
    collect_modules(m);
}

static void load(lsp_model *m)
{
    qrc_err e;
    pass_report r;
    pass_report_init(&r);
    pass_opts o = pass_opts_default();
    if (onnx_load(m->path, &m->g, &e) || pass_name(m->g, &o, &r, &e)) {
        m->error = strdup(e.msg);
        graph_free(m->g);
        m->g = NULL;
    } else {
        collect_names(m);
    }
    pass_report_free(&r);
}

static void model_clear(lsp_model *m)
{
    graph_free(m->g);
    free(m->error);
    char *path = m->path;
    memset(m, 0, sizeof *m);
    m->path = path;
}

const lsp_model *lsp_model_get(lsp_models *ms, const char *path)
{
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode))
        return NULL;
    lsp_model *m = NULL;
    for (size_t i = 0; i < ms->n && !m; i++)
        if (!strcmp(ms->items[i]->path, path))
            m = ms->items[i];
    if (m && m->mtime.tv_sec == st.st_mtim.tv_sec && m->mtime.tv_nsec == st.st_mtim.tv_nsec &&
        m->size == (long long)st.st_size)
        return m;
    if (!m) {
        lsp_model **items = realloc(ms->items, (ms->n + 1) * sizeof *items);
        m = calloc(1, sizeof *m);
        if (!items || !m) {
            free(m);
            if (items)
                ms->items = items;
            return NULL;
        }
        ms->items = items;
        ms->items[ms->n++] = m;
        m->path = strdup(path);
    }
    model_clear(m);
    m->mtime = st.st_mtim;
    m->size = (long long)st.st_size;
    ms->loads++;
    load(m);
    return m;
}

void lsp_models_free(lsp_models *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        model_clear(ms->items[i]);
        free(ms->items[i]->path);
        free(ms->items[i]);
    }
    free(ms->items);
    memset(ms, 0, sizeof *ms);
}
