/* trace.c — data-dependent control flow decided by running example inputs (the jit methods).
 *
 * For each If left after binding and folding, only the nodes its condition depends on run, once per
 * example (pass_eval). When every example takes the same branch it is inlined, and the other branch is
 * reported as never taken: a warning, since other inputs could take it. Examples that disagree are an
 * error: no single graph serves them. */
#include <string.h>

#include "util.h"

int pass_trace(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    int n_examples = o ? o->n_examples : 0;
    for (int round = 0; round < 64; round++) {
        if (graph_reindex(g, e) != 0)
            return -1;
        int n = -1;
        for (int k = 0; k < g->n_nodes && n < 0; k++) {
            const graph_node *nd = &g->nodes[g->order[k]];
            if (!nd->domain[0] && !strcmp(nd->op_type, "If"))
                n = g->order[k];
        }
        if (n < 0)
            break;
        const char *name = g->nodes[n].name;
        if (!n_examples)
            return err_set(e, "trace: If '%s' depends on data and there are no example inputs to run; give "
                              "calibration data or bind the deciding input with `concrete`", name);
        int takes[2] = {0, 0}, first[2] = {-1, -1};
        for (int x = 0; x < o->n_examples; x++) {
            tensor *c = NULL;
            if (pass_eval(g, g->nodes[n].in[0], &o->examples[x], &c, e) != 0)
                return err_wrap(e, "trace: If '%s': example %d", name, x);
            int t = tensor_numel(c) == 1 && *(const uint8_t *)c->data ? 1 : 0;
            tensor_free(c);
            if (first[t] < 0)
                first[t] = x;
            takes[t]++;
        }
        if (takes[0] && takes[1])
            return err_set(e, "trace: If '%s' takes then_branch for example %d and else_branch for example %d: "
                              "its control flow depends on the data and cannot be specialised",
                           name, first[1], first[0]);
        bool take = takes[1] > 0;
        char *keep = arena_strdup(&r->a, name);
        if (pass_inline_if(g, n, take, e) != 0)
            return -1;
        pass_note_add(r, PASS_INFO, "jit", "branch_inlined", keep, "If '%s': all %d examples take %s, inlined", keep,
                      o->n_examples, take ? "then_branch" : "else_branch");
        pass_note_add(r, PASS_WARN, "jit", "branch_never_taken", keep,
                      "If '%s': %s is never taken by the examples and was dropped; if other inputs can take it, "
                      "prepare with method symbolic and a `concrete` binding instead", keep,
                      take ? "else_branch" : "then_branch");
        r->changes++;
    }
    return graph_reindex(g, e);
}

