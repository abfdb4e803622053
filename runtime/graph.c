/* graph.c — the graph IR: values, nodes, the name index and graph_reindex. */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "onnx.pb-c.h"

/* Open-addressing hash from value name to index. `slots` hold index + 1 (0 = empty). The index is
 * extended lazily when values were appended and rebuilt when marked stale. */
struct graph_index {
    int *slots;
    int cap;           /* power of two */
    int n_indexed;     /* values 0 .. n_indexed-1 are in the table */
    bool stale;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void index_insert(struct graph_index *ix, const graph *g, int v)
{
    unsigned mask = (unsigned)ix->cap - 1;
    for (unsigned h = (unsigned)hash_name(g->values[v].name) & mask;; h = (h + 1) & mask)
        if (!ix->slots[h]) {
            ix->slots[h] = v + 1;
            return;
        }
}

/* Brings the index up to date with g->values. */
static struct graph_index *index_sync(const graph *g)
{
    struct graph_index *ix = g->index;
    if (!ix->stale && ix->cap && ix->n_indexed == g->n_values)
        return ix;
    int need = 16;
    while (need < 2 * g->n_values + 2)
        need *= 2;
    if (ix->stale || need > ix->cap) {
        free(ix->slots);
        ix->cap = need;
        ix->slots = mem_zalloc((size_t)need, sizeof *ix->slots);
        ix->n_indexed = 0;
        ix->stale = false;
    }
    for (; ix->n_indexed < g->n_values; ix->n_indexed++)
        index_insert(ix, g, ix->n_indexed);
    return ix;
}

graph *graph_new(void)
{
    graph *g = mem_zalloc(1, sizeof *g);
    g->index = mem_zalloc(1, sizeof *g->index);
    g->name = graph_strdup(g, "");
    return g;
}

static void attr_release(graph_attr *a)
{
    tensor_free(a->t);
    a->t = NULL;
    graph_free(a->g);
    a->g = NULL;
}

static void node_release(graph_node *n)
{
    for (int i = 0; i < n->n_attrs; i++)
        attr_release(&n->attrs[i]);
    free(n->captures);
    n->captures = NULL;
    n->n_captures = 0;
}

void graph_free(graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_values; i++) {
        tensor_free(g->values[i].init);
        free(g->values[i].consumers);
    }
    for (int i = 0; i < g->n_nodes; i++)
        node_release(&g->nodes[i]);
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->order);
    if (g->model_proto)
        onnx__model_proto__free_unpacked(g->model_proto, NULL);
    if (g->index)
        free(g->index->slots);
    free(g->index);
    arena_free(&g->strings);
    free(g);
}

char *graph_strdup(graph *g, const char *s)
{
    return arena_strdup(&g->strings, s);
}

void *graph_alloc(graph *g, size_t n)
{
    return arena_alloc(&g->strings, n);
}

int graph_find_value(const graph *g, const char *name)
{
    if (!name)
        return -1;
    struct graph_index *ix = index_sync(g);
    unsigned mask = (unsigned)ix->cap - 1;
    for (unsigned h = (unsigned)hash_name(name) & mask; ix->slots[h]; h = (h + 1) & mask) {
        int v = ix->slots[h] - 1;
        if (!strcmp(g->values[v].name, name))
            return v;
    }
    return -1;
}

int graph_find_node(const graph *g, const char *name)
{
    for (int n = 0; name && n < g->n_nodes; n++)
        if (!g->nodes[n].dead && g->nodes[n].name && !strcmp(g->nodes[n].name, name))
            return n;
    return -1;
}

static int value_append(graph *g, const char *name)
{
    if (g->n_values == g->cap_values) {
        g->cap_values = g->cap_values ? 2 * g->cap_values : 16;
        g->values = mem_grow(g->values, (size_t)g->cap_values, sizeof *g->values);
    }
    graph_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = graph_strdup(g, name);
    v->rank = -1;
    for (int i = 0; i < TENSOR_MAX_RANK; i++)
        v->dims[i] = -1;
    v->producer = -1;
    g->n_values++;
    return g->n_values - 1;
}

int graph_value_get(graph *g, const char *name)
{
    int v = graph_find_value(g, name);
    return v >= 0 ? v : value_append(g, name);
}

int graph_value_new(graph *g, const char *hint)
{
    if (!hint || !*hint)
        hint = "v";
    if (graph_find_value(g, hint) < 0)
        return value_append(g, hint);
    for (unsigned k = 1;; k++) {
        char *cand = arena_printf(&g->strings, "%s_%u", hint, k);
        if (graph_find_value(g, cand) < 0)
            return value_append(g, cand);
    }
}

const char *graph_value_type_text(const graph_value *v, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "%s[", tensor_dtype_name(v->dtype));
    for (int d = 0; d < v->rank && o < size; d++) {
        if (v->dim_param[d])
            o += (size_t)snprintf(buf + o, size - o, "%s%s", d ? "," : "", v->dim_param[d]);
        else if (v->dims[d] >= 0)
            o += (size_t)snprintf(buf + o, size - o, "%s%lld", d ? "," : "", (long long)v->dims[d]);
        else
            o += (size_t)snprintf(buf + o, size - o, "%s?", d ? "," : "");
    }
    if (v->rank < 0 && o < size)
        o += (size_t)snprintf(buf + o, size - o, "?");
    if (o < size)
        snprintf(buf + o, size - o, "]");
    return buf;
}

int graph_value_rename(graph *g, int v, const char *name, qrc_err *e)
{
    if (v < 0 || v >= g->n_values)
        return err_set(e, "rename: value index %d out of range", v);
    int other = graph_find_value(g, name);
    if (other == v)
        return 0;
    if (other >= 0)
        return err_set(e, "rename: value name '%s' is already in use", name);
    g->values[v].name = graph_strdup(g, name);
    g->index->stale = true;
    return 0;
}

bool graph_value_is_outer(const graph *g, int v)
{
    if (v < 0 || v >= g->n_values || !g->parent)
        return false;
    const graph_value *x = &g->values[v];
    return x->producer < 0 && !x->init && !x->is_input;
}

static int *copy_ints(graph *g, int n, const int *src)
{
    if (n <= 0)
        return NULL;
    int *d = graph_alloc(g, (size_t)n * sizeof *d);
    if (src)
        memcpy(d, src, (size_t)n * sizeof *d);
    return d;
}

int graph_node_add(graph *g, const char *op_type, const char *name, int n_in, const int *in, int n_out,
                   const int *out)
{
    if (g->n_nodes == g->cap_nodes) {
        g->cap_nodes = g->cap_nodes ? 2 * g->cap_nodes : 16;
        g->nodes = mem_grow(g->nodes, (size_t)g->cap_nodes, sizeof *g->nodes);
    }
    graph_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    n->op_type = graph_strdup(g, op_type ? op_type : "");
    n->name = graph_strdup(g, name ? name : "");
    n->domain = graph_strdup(g, "");
    n->n_in = n_in;
    n->in = copy_ints(g, n_in, in);
    n->n_out = n_out;
    n->out = copy_ints(g, n_out, out);
    return g->n_nodes++;
}

void graph_node_set_io(graph *g, int n, int n_in, const int *in, int n_out, const int *out)
{
    graph_node *node = &g->nodes[n];
    if (n_in >= 0) {
        node->in = copy_ints(g, n_in, in);
        node->n_in = n_in;
    }
    if (n_out >= 0) {
        node->out = copy_ints(g, n_out, out);
        node->n_out = n_out;
    }
}

static void set_list(int **dst, int *n_dst, int n, const int *idx)
{
    free(*dst);
    *dst = n > 0 ? mem_grow(NULL, (size_t)n, sizeof **dst) : NULL;
    if (n > 0)
        memcpy(*dst, idx, (size_t)n * sizeof **dst);
    *n_dst = n > 0 ? n : 0;
}

void graph_set_inputs(graph *g, int n, const int *idx)
{
    for (int i = 0; i < g->n_values; i++)
        g->values[i].is_input = false;
    set_list(&g->inputs, &g->n_inputs, n, idx);
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] >= 0 && g->inputs[i] < g->n_values)
            g->values[g->inputs[i]].is_input = true;
}

void graph_set_outputs(graph *g, int n, const int *idx)
{
    for (int i = 0; i < g->n_values; i++)
        g->values[i].is_output = false;
    set_list(&g->outputs, &g->n_outputs, n, idx);
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] >= 0 && g->outputs[i] < g->n_values)
            g->values[g->outputs[i]].is_output = true;
}

graph_attr *graph_attr_set(graph *g, int n, const char *name, attr_kind kind)
{
    graph_node *node = &g->nodes[n];
    for (int i = 0; i < node->n_attrs; i++)
        if (!strcmp(node->attrs[i].name, name)) {
            graph_attr *a = &node->attrs[i];
            attr_release(a);
            char *keep = a->name;
            memset(a, 0, sizeof *a);
            a->name = keep;
            a->kind = kind;
            return a;
        }
    graph_attr *grown = graph_alloc(g, (size_t)(node->n_attrs + 1) * sizeof *grown);
    if (node->n_attrs)
        memcpy(grown, node->attrs, (size_t)node->n_attrs * sizeof *grown);
    node->attrs = grown;
    graph_attr *a = &node->attrs[node->n_attrs++];
    a->name = graph_strdup(g, name);
    a->kind = kind;
    return a;
}

const graph_attr *graph_attr_find(const graph_node *node, const char *name)
{
    for (int i = 0; i < node->n_attrs; i++)
        if (!strcmp(node->attrs[i].name, name))
            return &node->attrs[i];
    return NULL;
}

int64_t graph_attr_int(const graph_node *node, const char *name, int64_t dflt)
{
    const graph_attr *a = graph_attr_find(node, name);
    return a && a->kind == ATTR_INT ? a->i : dflt;
}

float graph_attr_float(const graph_node *node, const char *name, float dflt)
{
    const graph_attr *a = graph_attr_find(node, name);
    return a && a->kind == ATTR_FLOAT ? a->f : dflt;
}

const char *graph_attr_string(const graph_node *node, const char *name, const char *dflt)
{
    const graph_attr *a = graph_attr_find(node, name);
    return a && a->kind == ATTR_STRING && a->s ? a->s : dflt;
}

int graph_attr_ints(const graph_node *node, const char *name, const int64_t **v)
{
    const graph_attr *a = graph_attr_find(node, name);
    if (!a || a->kind != ATTR_INTS) {
        *v = NULL;
        return 0;
    }
    *v = a->ints;
    return a->n;
}

int64_t graph_opset_version(const graph *g, const char *domain)
{
    const char *d = domain ? domain : "";
    if (!strcmp(d, "ai.onnx"))
        d = "";
    for (; g; g = g->parent)
        for (int i = 0; i < g->n_opsets; i++) {
            const char *od = g->opsets[i].domain ? g->opsets[i].domain : "";
            if (!strcmp(od, "ai.onnx"))
                od = "";
            if (!strcmp(od, d))
                return g->opsets[i].version;
        }
    return 0;
}

void graph_opset_set(graph *g, const char *domain, int64_t version)
{
    const char *d = domain && strcmp(domain, "ai.onnx") ? domain : "";
    for (int i = 0; i < g->n_opsets; i++) {
        const char *od = g->opsets[i].domain ? g->opsets[i].domain : "";
        if (!strcmp(od, "ai.onnx"))
            od = "";
        if (!strcmp(od, d)) {
            g->opsets[i].version = version;
            return;
        }
    }
    graph_opset *grown = graph_alloc(g, (size_t)(g->n_opsets + 1) * sizeof *grown);
    if (g->n_opsets)
        memcpy(grown, g->opsets, (size_t)g->n_opsets * sizeof *grown);
    grown[g->n_opsets].domain = graph_strdup(g, d);
    grown[g->n_opsets].version = version;
    g->opsets = grown;
    g->n_opsets++;
}

/* ---- graph_reindex ---------------------------------------------------------------------------- */

static bool visible_outside(const graph *g, const char *name)
{
    for (const graph *p = g->parent; p; p = p->parent)
        if (graph_find_value(p, name) >= 0)
            return true;
    return false;
}

/* Min-heap of node indices: ties in the topological order go to the lower (earlier) node. */
typedef struct heap {
    int *a, n;
} heap;

static void heap_push(heap *h, int x)
{
    int i = h->n++;
    h->a[i] = x;
    while (i && h->a[(i - 1) / 2] > h->a[i]) {
        int p = (i - 1) / 2, t = h->a[p];
        h->a[p] = h->a[i];
        h->a[i] = t;
        i = p;
    }
}

static int heap_pop(heap *h)
{
    int top = h->a[0];
    h->a[0] = h->a[--h->n];
    for (int i = 0;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->a[l] < h->a[m])
            m = l;
        if (r < h->n && h->a[r] < h->a[m])
            m = r;
        if (m == i)
            break;
        int t = h->a[m];
        h->a[m] = h->a[i];
        h->a[i] = t;
        i = m;
    }
    return top;
}

static void drop_dead_nodes(graph *g)
{
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].dead) {
            node_release(&g->nodes[i]);
            continue;
        }
        if (k != i)
            g->nodes[k] = g->nodes[i];
        k++;
    }
    g->n_nodes = k;
}

/* Reindexes the node's subgraphs and records which values of g they read (node->captures). */
static int reindex_subgraphs(graph *g, int ni, qrc_err *e)
{
    graph_node *node = &g->nodes[ni];
    free(node->captures);
    node->captures = NULL;
    node->n_captures = 0;
    for (int a = 0; a < node->n_attrs; a++) {
        graph *sg = node->attrs[a].g;
        if (node->attrs[a].kind != ATTR_GRAPH || !sg)
            continue;
        sg->parent = g;
        if (graph_reindex(sg, e))
            return err_wrap(e, "node '%s' (%s), subgraph '%s'", node->name, node->op_type, node->attrs[a].name);
        for (int v = 0; v < sg->n_values; v++) {
            if (!graph_value_is_outer(sg, v) || (!sg->values[v].n_consumers && !sg->values[v].is_output))
                continue;
            int ov = graph_find_value(g, sg->values[v].name);
            if (ov < 0) {
                if (!visible_outside(g, sg->values[v].name))
                    return err_set(e, "node '%s' (%s): subgraph '%s' reads '%s', which is not defined in any enclosing graph",
                                   node->name, node->op_type, node->attrs[a].name, sg->values[v].name);
                ov = value_append(g, sg->values[v].name);
                node = &g->nodes[ni];
            }
            bool seen = false;
            for (int c = 0; c < node->n_captures; c++)
                seen |= node->captures[c] == ov;
            if (!seen) {
                node->captures = mem_grow(node->captures, (size_t)(node->n_captures + 1), sizeof *node->captures);
                node->captures[node->n_captures++] = ov;
            }
        }
    }
    return 0;
}

static const char *value_name(const graph *g, int v)
{
    return g->values[v].name;
}

int graph_reindex(graph *g, qrc_err *e)
{
    drop_dead_nodes(g);
    for (int n = 0; n < g->n_nodes; n++)
        if (reindex_subgraphs(g, n, e))
            return -1;
    for (int v = 0; v < g->n_values; v++) {
        g->values[v].producer = -1;
        g->values[v].n_consumers = 0;
        g->values[v].is_input = g->values[v].is_output = false;
    }
    for (int i = 0; i < g->n_inputs; i++) {
        if (g->inputs[i] < 0 || g->inputs[i] >= g->n_values)
            return err_set(e, "graph '%s': input %d refers to value index %d, out of range", g->name, i, g->inputs[i]);
        g->values[g->inputs[i]].is_input = true;
    }
    for (int i = 0; i < g->n_outputs; i++) {
        if (g->outputs[i] < 0 || g->outputs[i] >= g->n_values)
            return err_set(e, "graph '%s': output %d refers to value index %d, out of range", g->name, i, g->outputs[i]);
        g->values[g->outputs[i]].is_output = true;
    }
    /* producers */
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *node = &g->nodes[n];
        for (int o = 0; o < node->n_out; o++) {
            int v = node->out[o];
            if (v == -1)
                continue;
            if (v < 0 || v >= g->n_values)
                return err_set(e, "node '%s' (%s): output %d refers to value index %d, out of range", node->name,
                               node->op_type, o, v);
            graph_value *x = &g->values[v];
            if (x->producer >= 0)
                return err_set(e, "node '%s' (%s): output '%s' is already written by node '%s' (%s)", node->name,
                               node->op_type, x->name, g->nodes[x->producer].name, g->nodes[x->producer].op_type);
            if (x->init)
                return err_set(e, "node '%s' (%s): output '%s' is also an initializer", node->name, node->op_type,
                               x->name);
            if (x->is_input)
                return err_set(e, "node '%s' (%s): output '%s' is also a graph input", node->name, node->op_type,
                               x->name);
            x->producer = n;
        }
    }
    /* inputs resolve, consumer counts, in-degrees */
    int *indeg = mem_zalloc((size_t)g->n_nodes + 1, sizeof *indeg);
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *node = &g->nodes[n];
        for (int k = 0; k < node->n_in + node->n_captures; k++) {
            bool captured = k >= node->n_in;
            int v = captured ? node->captures[k - node->n_in] : node->in[k];
            if (v == -1)
                continue;
            if (v < 0 || v >= g->n_values) {
                free(indeg);
                return err_set(e, "node '%s' (%s): input %d refers to value index %d, out of range", node->name,
                               node->op_type, k, v);
            }
            graph_value *x = &g->values[v];
            if (x->producer < 0 && !x->init && !x->is_input && !visible_outside(g, x->name)) {
                free(indeg);
                return err_set(e, "node '%s' (%s): input '%s' is not produced by any node, not an initializer and "
                                  "not a graph input", node->name, node->op_type, x->name);
            }
            x->n_consumers++;
            if (x->producer >= 0)
                indeg[n]++;
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const graph_value *x = &g->values[g->outputs[i]];
        if (x->producer < 0 && !x->init && !x->is_input && !visible_outside(g, x->name)) {
            free(indeg);
            return err_set(e, "graph '%s': output '%s' is not produced by any node", g->name, x->name);
        }
    }
    /* consumer lists (a node reading a value twice is listed once per read) */
    for (int v = 0; v < g->n_values; v++) {
        graph_value *x = &g->values[v];
        free(x->consumers);
        x->consumers = x->n_consumers ? mem_grow(NULL, (size_t)x->n_consumers, sizeof *x->consumers) : NULL;
        x->n_consumers = 0;
    }
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *node = &g->nodes[n];
        for (int k = 0; k < node->n_in + node->n_captures; k++) {
            int v = k < node->n_in ? node->in[k] : node->captures[k - node->n_in];
            if (v >= 0)
                g->values[v].consumers[g->values[v].n_consumers++] = n;
        }
    }
    /* Kahn's algorithm, earliest node first among the ready ones */
    free(g->order);
    g->order = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *g->order);
    heap h = {mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof(int)), 0};
    for (int n = 0; n < g->n_nodes; n++)
        if (!indeg[n])
            heap_push(&h, n);
    int placed = 0;
    while (h.n) {
        int n = heap_pop(&h);
        g->order[placed++] = n;
        const graph_node *node = &g->nodes[n];
        for (int o = 0; o < node->n_out; o++) {
            int v = node->out[o];
            if (v < 0)
                continue;
            const graph_value *x = &g->values[v];
            for (int c = 0; c < x->n_consumers; c++)
                if (--indeg[x->consumers[c]] == 0)
                    heap_push(&h, x->consumers[c]);
        }
    }
    free(h.a);
    if (placed < g->n_nodes) {
        int stuck = -1;
        for (int n = 0; n < g->n_nodes && stuck < 0; n++)
            if (indeg[n] > 0)
                stuck = n;
        free(indeg);
        const graph_node *node = &g->nodes[stuck];
        const char *via = "";
        for (int k = 0; k < node->n_in && !*via; k++)
            if (node->in[k] >= 0 && g->values[node->in[k]].producer >= 0)
                via = value_name(g, node->in[k]);
        return err_set(e, "graph '%s': cycle through node '%s' (%s) (input '%s')", g->name, node->name,
                       node->op_type, via);
    }
    free(indeg);
    g->n_order = g->n_nodes;
    return 0;
}

/* ---- graph_clone ------------------------------------------------------------------------------ */

static char **clone_strings(graph *d, int n, char *const *src)
{
    if (!src || n <= 0)
        return NULL;
    char **s = graph_alloc(d, (size_t)n * sizeof *s);
    for (int i = 0; i < n; i++)
        s[i] = graph_strdup(d, src[i]);
    return s;
}

static void *clone_bytes(graph *d, const void *src, size_t n)
{
    if (!src || !n)
        return NULL;
    void *p = graph_alloc(d, n);
    memcpy(p, src, n);
    return p;
}

static graph *clone_into(const graph *g, graph *parent, qrc_err *e);

static int clone_attr(graph *d, graph_attr *da, const graph_attr *sa, qrc_err *e)
{
    *da = *sa;
    da->name = graph_strdup(d, sa->name);
    da->s = graph_strdup(d, sa->s);
    da->floats = clone_bytes(d, sa->floats, (size_t)sa->n * sizeof(float));
    da->ints = clone_bytes(d, sa->ints, (size_t)sa->n * sizeof(int64_t));
    da->strings = clone_strings(d, sa->n, sa->strings);
    da->t = NULL;
    da->g = NULL;
    if (sa->t && !(da->t = tensor_clone(sa->t, e)))
        return -1;
    if (sa->g && !(da->g = clone_into(sa->g, d, e)))
        return -1;
    return 0;
}

static graph *clone_into(const graph *g, graph *parent, qrc_err *e)
{
    graph *d = graph_new();
    d->parent = parent;
    d->name = graph_strdup(d, g->name);
    d->ir_version = g->ir_version;
    for (int v = 0; v < g->n_values; v++) {
        const graph_value *s = &g->values[v];
        int k = value_append(d, s->name);
        graph_value *x = &d->values[k];
        char *name = x->name;
        *x = *s;
        x->name = name;
        x->consumers = NULL;
        x->n_consumers = 0;
        x->init = NULL;
        for (int i = 0; i < TENSOR_MAX_RANK; i++)
            x->dim_param[i] = graph_strdup(d, s->dim_param[i]);
        if (s->init && !(x->init = tensor_clone(s->init, e)))
            goto fail;
        if (s->n_consumers) {
            x->consumers = mem_grow(NULL, (size_t)s->n_consumers, sizeof *x->consumers);
            memcpy(x->consumers, s->consumers, (size_t)s->n_consumers * sizeof *x->consumers);
            x->n_consumers = s->n_consumers;
        }
    }
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *s = &g->nodes[n];
        int k = graph_node_add(d, s->op_type, s->name, s->n_in, s->in, s->n_out, s->out);
        graph_node *x = &d->nodes[k];
        x->domain = graph_strdup(d, s->domain);
        x->module = graph_strdup(d, s->module);
        x->doc_string = graph_strdup(d, s->doc_string);
        x->dead = s->dead;
        if (s->n_captures) {
            x->captures = mem_grow(NULL, (size_t)s->n_captures, sizeof *x->captures);
            memcpy(x->captures, s->captures, (size_t)s->n_captures * sizeof *x->captures);
            x->n_captures = s->n_captures;
        }
        if (s->n_attrs) {
            x->attrs = graph_alloc(d, (size_t)s->n_attrs * sizeof *x->attrs);
            for (int a = 0; a < s->n_attrs; a++) {
                x->n_attrs = a + 1;
                if (clone_attr(d, &x->attrs[a], &s->attrs[a], e))
                    goto fail;
            }
        }
    }
    set_list(&d->inputs, &d->n_inputs, g->n_inputs, g->inputs);
    set_list(&d->outputs, &d->n_outputs, g->n_outputs, g->outputs);
    if (g->order) {
        d->order = mem_grow(NULL, (size_t)g->n_nodes + 1, sizeof *d->order);
        memcpy(d->order, g->order, (size_t)g->n_order * sizeof *d->order);
        d->n_order = g->n_order;
    }
    if (g->n_opsets) {
        d->opsets = graph_alloc(d, (size_t)g->n_opsets * sizeof *d->opsets);
        d->n_opsets = g->n_opsets;
        for (int i = 0; i < g->n_opsets; i++) {
            d->opsets[i].domain = graph_strdup(d, g->opsets[i].domain);
            d->opsets[i].version = g->opsets[i].version;
        }
    }
    if (g->model_proto) {
        size_t n = onnx__model_proto__get_packed_size(g->model_proto);
        uint8_t *buf = malloc(n ? n : 1);
        if (!buf) {
            err_set(e, "graph clone: out of memory copying the model's metadata (%zu bytes)", n);
            goto fail;
        }
        onnx__model_proto__pack(g->model_proto, buf);
        d->model_proto = onnx__model_proto__unpack(NULL, n, buf);
        free(buf);
        if (!d->model_proto) {
            err_set(e, "graph clone: could not copy the model's metadata");
            goto fail;
        }
    }
    return d;
fail:
    graph_free(d);
    return NULL;
}

graph *graph_clone(const graph *g, qrc_err *e)
{
    return clone_into(g, g->parent, e);
}
