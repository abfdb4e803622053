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
        if (run_pass("trace", g, po, r, e) || run_pass("fold", g, po, r, e))
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
