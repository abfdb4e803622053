/* fold.c — constant folding, Identity and inference-mode Dropout removal, dead node removal.
 *
 * A node whose inputs are all constant is run once through its kernel (op_find) and replaced by its
 * outputs as initializers. A layout op (Transpose, Reshape, Cast, ...) applied to a parameter nobody
 * else reads rewrites that parameter in place, so it keeps its name ("layers.0.qkv.weight") and the
 * module it belongs to stays visible to the name pass and in the encodings. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "util.h"

#define PASS "fold"

/* Ops never folded: random, stateful, or kept for their meaning (quantization nodes). */
static const char *const no_fold[] = {
    "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
    "QuantizeLinear", "DequantizeLinear", "If", "Loop", "Scan",
};

/* Ops whose folding of a sole-use parameter may rewrite that parameter in place. */
static const char *const layout_ops[] = {
    "Transpose", "Reshape", "Cast", "Unsqueeze", "Squeeze", "Flatten",
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* A parameter-like name: dotted and not an exporter's intermediate ("/x/y_output_0", "onnx::Mul_5"). */
static bool param_like(const char *name)
{
    return strchr(name, '.') && !strchr(name, '/') && !strchr(name, ':');
}

static bool has_subgraph(const graph_node *nd)
{
    for (int a = 0; a < nd->n_attrs; a++)
        if (nd->attrs[a].kind == ATTR_GRAPH)
            return true;
    return false;
}

/* The tensor a Constant node holds, as a new tensor; NULL when it holds something we do not fold. */
static tensor *constant_value(const graph_node *nd, qrc_err *e)
{
    const graph_attr *a;
    if ((a = graph_attr_find(nd, "value")) && a->kind == ATTR_TENSOR && a->t)
        return tensor_clone(a->t, e);
    if ((a = graph_attr_find(nd, "value_float")) && a->kind == ATTR_FLOAT) {
        tensor *t = tensor_new(DT_FLOAT, 0, NULL, e);
        if (t)
            *(float *)t->data = a->f;
        return t;
    }
    if ((a = graph_attr_find(nd, "value_int")) && a->kind == ATTR_INT) {
        tensor *t = tensor_new(DT_INT64, 0, NULL, e);
        if (t)
            *(int64_t *)t->data = a->i;
        return t;
    }
    if ((a = graph_attr_find(nd, "value_floats")) && a->kind == ATTR_FLOATS) {
        int64_t n = a->n;
        tensor *t = tensor_new(DT_FLOAT, 1, &n, e);
        if (t && n)
            memcpy(t->data, a->floats, (size_t)n * sizeof(float));
        return t;
    }
    if ((a = graph_attr_find(nd, "value_ints")) && a->kind == ATTR_INTS) {
        int64_t n = a->n;
        tensor *t = tensor_new(DT_INT64, 1, &n, e);
        if (t && n)
            memcpy(t->data, a->ints, (size_t)n * sizeof(int64_t));
        return t;
    }
    return NULL;
}

/* True when every present input of node n is constant (and there is at least one, or it is Constant). */
static bool all_const(const graph *g, const graph_node *nd)
{
    int present = 0;
    for (int i = 0; i < nd->n_in; i++) {
        if (nd->in[i] < 0)
            continue;
        if (!pass_const(g, nd->in[i]))
            return false;
        present++;
    }
    return present > 0;
}

/* How many inputs of live nodes read each value (calloc'd, n_values + 1 entries), or NULL. */
static int *reader_counts(const graph *g)
{
    int *uses = mem_zalloc((size_t)g->n_values + 1, sizeof *uses);
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] >= 0)
                uses[nd->in[i]]++;
    }
    return uses;
}

/* What one sweep knows: readers of a bypassed output are redirected when the sweep reaches them (it
 * visits nodes in topological order, so every reader comes after the bypass), which keeps a chain of n
 * pass-through nodes linear instead of rescanning the graph per node. */
typedef struct sweep_state {
    int *alias;          /* value -> the value that replaces it, or -1 */
    int n_alias;
    bool subgraphs;      /* some node owns a subgraph: outer values may be captured by name */
    int *readers;        /* readers of each value when the sweep began (NULL: count them each time) */
} sweep_state;

/* pass_pinned, without its scan of every node for subgraph reads when the graph has no subgraph. */
static bool pinned(const graph *g, bool subgraphs, int v)
{
    return subgraphs ? pass_pinned(g, v) : pass_is_output(g, v);
}

/* Dropout in inference mode: no training_mode input, or a constant false one, and a mask nobody reads.
 * The mask's readers all come after it in the sweep, so the counts taken when it began still hold. */
static bool inference_dropout(const graph *g, const graph_node *nd, const sweep_state *s)
{
    if (nd->n_in >= 3 && nd->in[2] >= 0) {
        const tensor *t = pass_const(g, nd->in[2]);
        if (!t || tensor_numel(t) != 1 || *(const uint8_t *)t->data)
            return false;
    }
    int mask = nd->n_out < 2 ? -1 : nd->out[1];
    if (mask < 0)
        return true;
    int readers = s->readers ? s->readers[mask] : pass_consumer_count(g, mask);
    return readers == 0 && !pinned(g, s->subgraphs, mask);
}

static int resolve(const sweep_state *s, int v)
{
    while (v >= 0 && v < s->n_alias && s->alias[v] >= 0)
        v = s->alias[v];
    return v;
}

/* Redirects every reader now (before counting readers of a value). */
static void flush(graph *g, const sweep_state *s)
{
    for (int n = 0; n < g->n_nodes; n++)
        for (int i = 0; !g->nodes[n].dead && i < g->nodes[n].n_in; i++)
            g->nodes[n].in[i] = resolve(s, g->nodes[n].in[i]);
}

static bool any_subgraph(const graph *g)
{
    for (int n = 0; n < g->n_nodes; n++)
        if (!g->nodes[n].dead && has_subgraph(&g->nodes[n]))
            return true;
    return false;
}

/* Removes a pass-through node (output = input 0). Returns true when it could. */
static bool bypass(graph *g, int n, sweep_state *s)
{
    graph_node *nd = &g->nodes[n];
    int in = nd->in[0], out = nd->out[0];
    if (in < 0 || out < 0)
        return false;
    if (!pinned(g, s->subgraphs, out)) {
        nd->dead = true;
        if (out < s->n_alias)
            s->alias[out] = in;
        else
            pass_replace_uses(g, out, in);
        return true;
    }
    flush(g, s);   /* the consumer count below must see every redirected reader */
    /* The output name must survive: let the input's producer write it instead, when it is ours alone. */
    int p = pass_producer(g, in);
    if (p < 0 || pass_pinned(g, in) || pass_consumer_count(g, in) != 1)
        return false;
    graph_node *pn = &g->nodes[p];
    for (int i = 0; i < pn->n_out; i++)
        if (pn->out[i] == in)
            pn->out[i] = out;
    nd->dead = true;
    return true;
}

/* Folds node n (all inputs constant). Returns 1 when folded, 0 when left alone, -1 on a kernel error
 * that is not worth failing for (reported as a note). */
static int fold_node(graph *g, int n, pass_report *r)
{
    graph_node *nd = &g->nodes[n];
    qrc_err e = {0};
    tensor *outs[16] = {0};
    if (nd->n_out > 16)
        return 0;
    if (!strcmp(nd->op_type, "Constant") && !nd->domain[0]) {
        outs[0] = constant_value(nd, &e);
        if (!outs[0])
            return 0;
    } else if (!strcmp(nd->op_type, "Identity") && !nd->domain[0]) {
        outs[0] = tensor_clone(pass_const(g, nd->in[0]), &e);
        if (!outs[0])
            return 0;
    } else {
        const tensor *ins[64] = {0};
        if (nd->n_in > 64)
            return 0;
        for (int i = 0; i < nd->n_in; i++)
            ins[i] = nd->in[i] >= 0 ? pass_const(g, nd->in[i]) : NULL;
        if (pass_run_node(g, n, ins, outs, &e) != 0) {
            pass_note_add(r, PASS_INFO, PASS, "not_folded", nd->name, "constant inputs but not folded: %s", e.msg);
            return 0;
        }
    }
    /* A layout op on a parameter only it reads: rewrite the parameter in place, keep its name. */
    int p = nd->in ? nd->in[0] : -1;
    if (nd->n_out == 1 && nd->n_in >= 1 && p >= 0 && in_list(nd->op_type, layout_ops, sizeof layout_ops / sizeof *layout_ops) &&
        param_like(g->values[p].name) && !param_like(g->values[nd->out[0]].name) && pass_consumer_count(g, p) == 1 && !pass_pinned(g, p) &&
        !pass_pinned(g, nd->out[0])) {
        pass_set_const(g, p, outs[0]);
        pass_replace_uses(g, nd->out[0], p);
        nd->dead = true;
        return 1;
    }
    for (int i = 0; i < nd->n_out; i++)
        if (nd->out[i] >= 0)
            pass_set_const(g, nd->out[i], outs[i]);
        else
            tensor_free(outs[i]);
    nd->dead = true;
    return 1;
}

/* Marks nodes whose outputs nobody reads as dead, from the outputs backwards; returns how many. */
static int remove_dead(graph *g)
{
    int *uses = reader_counts(g);
    bool subgraphs = any_subgraph(g);
    for (int v = 0; v < g->n_values; v++)
        if (pinned(g, subgraphs, v))
            uses[v]++;
    int removed = 0;
    for (int k = g->n_nodes - 1; k >= 0; k--) {
        int n = g->order ? g->order[k] : k;
        graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        bool used = false;
        for (int i = 0; i < nd->n_out; i++)
            used |= nd->out[i] >= 0 && uses[nd->out[i]] > 0;
        if (used)
            continue;
        nd->dead = true;
        removed++;
        for (int i = 0; i < nd->n_in; i++)
            if (nd->in[i] >= 0)
                uses[nd->in[i]]--;
    }
    free(uses);
    return removed;
}

/* Shape of a value whose dims are all known is a constant (start / end as in opset 15). */
static int fold_shape(graph *g, int n)
{
    graph_node *nd = &g->nodes[n];
    if (nd->n_in < 1 || nd->in[0] < 0 || nd->n_out < 1 || nd->out[0] < 0)
        return 0;
    const graph_value *x = &g->values[nd->in[0]];
    if (x->rank < 0)
        return 0;
    int64_t r = x->rank, start = graph_attr_int(nd, "start", 0), end = graph_attr_int(nd, "end", r);
    if (start < 0)
        start += r;
    if (end < 0)
        end += r;
    start = start < 0 ? 0 : start > r ? r : start;
    end = end < 0 ? 0 : end > r ? r : end;
    int64_t len = end > start ? end - start : 0;
    for (int64_t i = start; i < end; i++)
        if (x->dims[i] < 0)
            return 0;
    qrc_err e;
    tensor *t = tensor_new(DT_INT64, 1, &len, &e);
    if (!t)
        return 0;
    for (int64_t i = 0; i < len; i++)
        ((int64_t *)t->data)[i] = x->dims[start + i];
    pass_set_const(g, nd->out[0], t);
    nd->dead = true;
    return 1;
}

/* One sweep in topological order; returns the number of rewrites. */
static int sweep(graph *g, pass_report *r)
{
    sweep_state s = {.alias = mem_grow(NULL, (size_t)g->n_values + 1, sizeof *s.alias), .n_alias = g->n_values};
    for (int v = 0; v < s.n_alias; v++)
        s.alias[v] = -1;
    s.subgraphs = any_subgraph(g);
    s.readers = reader_counts(g);
    int changed = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        int n = g->order ? g->order[k] : k;
        graph_node *nd = &g->nodes[n];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->n_in; i++)
            nd->in[i] = resolve(&s, nd->in[i]);
        if (has_subgraph(nd))
            continue;
        bool std = !nd->domain[0];
        if (std && in_list(nd->op_type, no_fold, sizeof no_fold / sizeof *no_fold))
            continue;
        bool is_const = std && !strcmp(nd->op_type, "Constant");
        if (is_const || all_const(g, nd)) {
            changed += fold_node(g, n, r) > 0;
            continue;
        }
        if (std && !strcmp(nd->op_type, "Shape") && fold_shape(g, n)) {
            changed++;
        } else if (std && !strcmp(nd->op_type, "Identity") && bypass(g, n, &s)) {
            changed++;
        } else if (std && !strcmp(nd->op_type, "Dropout") && inference_dropout(g, nd, &s) && bypass(g, n, &s)) {
            changed++;
        }
    }
    free(s.alias);
    free(s.readers);
    return changed;
}

/* Inlines every If whose condition is constant; returns how many, or -1. */
static int fold_ifs(graph *g, pass_report *r, qrc_err *e)
{
    int done = 0;
    for (int n = 0; n < g->n_nodes; n++) {
        graph_node *nd = &g->nodes[n];
        if (nd->dead || strcmp(nd->op_type, "If") || nd->domain[0] || nd->n_in < 1)
            continue;
        const tensor *c = pass_const(g, nd->in[0]);
        if (!c || tensor_numel(c) != 1 || (c->dtype != DT_BOOL && c->dtype != DT_UINT8))
            continue;
        bool take = *(const uint8_t *)c->data != 0;
        char *name = g->nodes[n].name;
        if (pass_inline_if(g, n, take, e) != 0)
            return -1;
        pass_note_add(r, PASS_INFO, PASS, "branch_inlined", name, "If '%s': condition is constant %s, %s inlined",
                      name, take ? "true" : "false", take ? "then_branch" : "else_branch");
        done++;
    }
    return done;
}

int pass_fold(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fold");
    if (!o || o->inline_if) {
        int ifs = fold_ifs(g, r, e);
        if (ifs < 0)
            return -1;
        r->changes += ifs;
        if (ifs && graph_reindex(g, e) != 0)
            return err_wrap(e, "fold");
    }
    int before = 0;
    for (int n = 0; n < g->n_nodes; n++)
        before += !g->nodes[n].dead;
    int changed = sweep(g, r);
    int dead = remove_dead(g);
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fold");
    int folded = before - g->n_nodes;
    if (changed || dead)
        pass_note_add(r, PASS_INFO, PASS, "folded", NULL, "%d nodes removed (%d folded or bypassed, %d dead)",
                      folded, changed, dead);
    r->changes += changed + dead;
    return 0;
}
