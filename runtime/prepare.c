/* prepare.c — the prepare methods: which passes run, and how control flow is resolved. */
#include "prepare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/util.h"

static const char *const method_names[PREPARE_METHOD_COUNT_] = {"eager", "symbolic", "jit", "jit_strip"};

const char *prepare_method_name(prepare_method m)
{
    return m >= 0 && m < PREPARE_METHOD_COUNT_ ? method_names[m] : "?";
}

int prepare_method_parse(const char *name)
{
    for (int i = 0; i < PREPARE_METHOD_COUNT_; i++)
        if (!strcmp(name, method_names[i]))
            return i;
    return -1;
}

static int run_pass(const char *name, graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    const pass_def *d = pass_find(name);
    return d->run(g, o, r, e);
}

/* Control-flow nodes left in g (If, Loop, Scan); the first one's index in *first. */
static int control_flow(const graph *g, int *first)
{
    int c = 0;
    *first = -1;
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *nd = &g->nodes[g->order[k]];
        if (nd->domain[0] || (strcmp(nd->op_type, "If") && strcmp(nd->op_type, "Loop") && strcmp(nd->op_type, "Scan")))
            continue;
        if (*first < 0)
            *first = g->order[k];
        c++;
    }
    return c;
}

/* symbolic: control flow that survived binding and folding depends on data; refuse it. */
static int refuse_control_flow(graph *g, pass_report *r, qrc_err *e)
{
    int first;
    if (graph_reindex(g, e) != 0 || !control_flow(g, &first))
        return graph_reindex(g, e);
    const graph_node *nd = &g->nodes[first];
    const char *cond = nd->n_in > 0 && nd->in[0] >= 0 ? g->values[nd->in[0]].name : "?";
    pass_note_add(r, PASS_ERROR, "prepare", "control_flow", nd->name,
                  "%s '%s' depends on data ('%s' is not constant after binding and folding)", nd->op_type, nd->name, cond);
    return err_set(e, "symbolic prepare: %s '%s' depends on data ('%s' is not constant after binding and folding); "
                      "bind the input that decides it with `concrete`, or use method jit with example inputs",
                   nd->op_type, nd->name, cond);
}

/* jit: decide every If from the examples and inline the branch they take. */
static int resolve_with_examples(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
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
        if (!o->n_examples)
            return err_set(e, "jit prepare: If '%s' depends on data and there are no example inputs to run; give "
                              "calibration data or bind the deciding input with `concrete`", name);
        int takes[2] = {0, 0}, first[2] = {-1, -1};
        for (int x = 0; x < o->n_examples; x++) {
            tensor *c = NULL;
            if (pass_eval(g, g->nodes[n].in[0], &o->examples[x], &c, e) != 0)
                return err_wrap(e, "jit prepare: If '%s': example %d", name, x);
            int t = tensor_numel(c) == 1 && *(const uint8_t *)c->data ? 1 : 0;
            tensor_free(c);
            if (first[t] < 0)
                first[t] = x;
            takes[t]++;
        }
        if (takes[0] && takes[1])
            return err_set(e, "jit prepare: If '%s' takes then_branch for example %d and else_branch for example %d: "
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

int prepare_run(graph *g, const prepare_opts *o, pass_report *r, qrc_err *e)
{
    const pass_opts *po = &o->pass;
    switch (o->method) {
    case PREPARE_EAGER:
        for (int i = 0; i < o->n_passes; i++)
            if (!pass_find(o->passes[i])) {
                char names[512] = "";
                for (int k = 0; k < pass_table_count; k++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                             pass_table[k].name);
                return err_set(e, "eager prepare: no pass called '%s'; passes: %s", o->passes[i], names);
            }
        for (int k = 0; k < pass_table_count; k++)
            for (int i = 0; i < o->n_passes; i++)
                if (!strcmp(o->passes[i], pass_table[k].name)) {
                    if (pass_table[k].run(g, po, r, e) != 0)
                        return -1;
                    break;
                }
        return 0;
    case PREPARE_SYMBOLIC:
    case PREPARE_JIT:
    case PREPARE_JIT_STRIP:
        break;
    default:
        return err_set(e, "prepare: unknown method %d", (int)o->method);
    }
    if (run_pass("bind", g, po, r, e) || run_pass("fold", g, po, r, e))
        return -1;
    if (o->method == PREPARE_SYMBOLIC) {
        if (refuse_control_flow(g, r, e))
            return -1;
    } else {
        if (resolve_with_examples(g, po, r, e) || run_pass("fold", g, po, r, e))
            return -1;
    }
    static const char *const rest[] = {"name", "unshare", "strip", "fold_bn", "fuse", "exclude"};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) {
        if (!strcmp(rest[i], "strip") && o->method != PREPARE_JIT_STRIP)
            continue;
        if (run_pass(rest[i], g, po, r, e))
            return -1;
    }
    return 0;
}
