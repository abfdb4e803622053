/* bind.c — concrete args: graph inputs replaced by constants, symbolic dims pinned, then folded.
 *
 * Binding turns whatever depended only on the bound inputs and on shapes into constants: the fold
 * pass evaluates them, `Shape` of a now fully known tensor becomes a constant, and an `If` whose
 * condition became constant is replaced by the branch it takes. A concrete arg that names neither an
 * input nor a symbolic dim is an error listing the model's real inputs and dims. Without concrete args
 * bind only infers shapes and types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "util.h"

#define PASS "bind"

/* "image: float[N,1,28,28], flag: bool[]" into buf. */
static void describe_inputs(const graph *g, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < g->n_inputs && o < size; i++) {
        const graph_value *x = &g->values[g->inputs[i]];
        char type[256];
        o += (size_t)snprintf(buf + o, size - o, "%s%s: %s", i ? ", " : "", x->name,
                              graph_value_type_text(x, type, sizeof type));
    }
}

static int bind_input(graph *g, int v, const pass_concrete *c, pass_report *r, qrc_err *e)
{
    graph_value *x = &g->values[v];
    const tensor *t = c->value;
    if (x->dtype != DT_UNDEFINED && x->dtype != t->dtype)
        return err_set(e, "concrete %s: the input is %s, the value %s", c->name, tensor_dtype_name(x->dtype),
                       tensor_dtype_name(t->dtype));
    bool scalar_ok = x->rank >= 0 && tensor_numel(t) == 1;
    if (x->rank >= 0 && x->rank != t->rank && !scalar_ok)
        return err_set(e, "concrete %s: the input has rank %d, the value rank %d", c->name, x->rank, t->rank);
    tensor *copy = tensor_clone(t, e);
    if (!copy)
        return -1;
    if (x->rank >= 0 && x->rank != t->rank) { /* a scalar given for a [1] or [1,1] input */
        copy->rank = x->rank;
        for (int d = 0; d < x->rank; d++)
            copy->dims[d] = 1;
    }
    for (int d = 0; d < x->rank && x->rank == copy->rank; d++)
        if (x->dims[d] >= 0 && !x->dim_param[d] && x->dims[d] != copy->dims[d]) {
            tensor_free(copy);
            return err_set(e, "concrete %s: dim %d of the input is %lld, of the value %lld", c->name, d,
                           (long long)x->dims[d], (long long)copy->dims[d]);
        }
    int *keep = mem_grow(NULL, (size_t)g->n_inputs + 1, sizeof *keep), nk = 0;
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] != v)
            keep[nk++] = g->inputs[i];
    graph_set_inputs(g, nk, keep);
    free(keep);
    pass_set_const(g, v, copy);
    char buf[64];
    pass_note_add(r, PASS_INFO, PASS, "bound", c->name, "input '%s' bound to a constant %s", c->name,
                  tensor_describe(copy, buf, sizeof buf));
    return 0;
}

/* Pins symbolic dim c->name to c->dim in every value; returns how many dims it set. */
static int pin_dim(graph *g, const pass_concrete *c)
{
    int hits = 0;
    for (int v = 0; v < g->n_values; v++) {
        graph_value *x = &g->values[v];
        for (int d = 0; d < x->rank && d < TENSOR_MAX_RANK; d++)
            if (x->dim_param[d] && !strcmp(x->dim_param[d], c->name)) {
                x->dims[d] = c->dim;
                x->dim_param[d] = NULL;
                hits++;
            }
    }
    return hits;
}

/* Folds constants, Shapes and constant Ifs until nothing changes. */
static int settle(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    pass_opts fo = o ? *o : pass_opts_default();
    fo.inline_if = true;
    for (int round = 0; round < 16; round++) {
        if (pass_infer_shapes(g, e) != 0)
            return err_wrap(e, "bind: shape inference");
        int before = r->changes;
        if (pass_fold(g, &fo, r, e) != 0)
            return -1;
        if (r->changes == before)
            return 0;
    }
    return 0;
}

int pass_bind(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "bind");
    for (int i = 0; o && i < o->n_concrete; i++) {
        const pass_concrete *c = &o->concrete[i];
        int v = graph_find_value(g, c->name);
        bool is_input = v >= 0 && g->values[v].is_input;
        if (is_input && c->value) {
            if (bind_input(g, v, c, r, e) != 0)
                return err_origin(e, c->origin);
            continue;
        }
        if (!c->value && !is_input) {
            if (c->dim < 0)
                return err_set(e, "concrete %s = %lld: a dim cannot be negative", c->name, (long long)c->dim),
                       err_origin(e, c->origin);
            int hits = pin_dim(g, c);
            if (hits) {
                pass_note_add(r, PASS_INFO, PASS, "bound", c->name, "symbolic dim %s pinned to %lld (%d places)", c->name,
                              (long long)c->dim, hits);
                continue;
            }
        }
        char inputs[600];
        describe_inputs(g, inputs, sizeof inputs);
        if (is_input)
            err_set(e, "concrete %s: '%s' is a graph input and needs a tensor value, not a dim; inputs: %s", c->name,
                    c->name, inputs);
        else
            err_set(e, "concrete %s: the model has no input or symbolic dim called '%s'; its inputs are %s", c->name,
                    c->name, inputs[0] ? inputs : "(none)");
        return err_origin(e, c->origin);
    }
    /* Nothing bound: nothing new can fold here (the fold pass, when asked for, does the rest). Types and
     * shapes are still inferred for the passes after. */
    if (!o || !o->n_concrete)
        return pass_infer_shapes(g, e) ? err_wrap(e, "bind: shape inference") : 0;
    return settle(g, o, r, e);
}
