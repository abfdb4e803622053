/* exclude.c — excluded modules and op classes resolved against the named graph.
 *
 * A module selector (base/select.h) matches a node when it matches the node's module or one of that
 * module's parents (so "layer1" and re"layer1" both cover layer1.0.conv1). An op class is an ONNX op
 * type or the kind of a unit the fuse pass recognised ("LayerNorm", "HardSwish", "Conv+Relu"; the
 * standard op of a unit, "LayerNormalization" or "Gelu", also names its decomposed form). Every selector that matches
 * nothing is an error naming the closest real names: a rename upstream must not silently re-include
 * a layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/quote.h"
#include "base/suggest.h"
#include "util.h"

#define PASS "exclude"

/* True when op class `op` names the unit kind `kind`, also by the standard op computing the unit
 * ("LayerNormalization" names "LayerNorm"). */
static bool unit_named(const char *kind, const char *op)
{
    const char *std = pass_unit_onnx_op(kind);
    return !strcasecmp(kind, op) || (std && !strcmp(op, std));
}

static const char *sel_text(arena *a, const select_spec *s)
{
    char q[512];
    return s->kind == SELECT_REGEX ? arena_printf(a, "re\"%s\"", s->text)
                                   : arena_strdup(a, quote_string(q, sizeof q, s->text));
}

int pass_exclude(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "exclude");
    if (!o || (!o->n_exclude && !o->n_exclude_ops))
        return 0;
    int N = g->n_nodes;
    const char **mods = mem_grow(NULL, (size_t)N + 1, sizeof *mods);
    const char **ops = mem_grow(NULL, (size_t)N + (size_t)r->n_groups + 1, sizeof *ops);
    int n_ops = 0;
    for (int n = 0; n < N; n++) {
        mods[n] = g->nodes[n].module ? g->nodes[n].module : "";
        ops[n_ops++] = g->nodes[n].op_type;
    }
    for (int i = 0; i < r->n_groups; i++)
        ops[n_ops++] = r->groups[i].kind;
    char errs[900] = "";
    int n_bad = 0;
    const char *origin = NULL; /* of the first selector that matched nothing */
    for (int s = 0; s < o->n_exclude; s++) {
        select_matcher m;
        if (select_compile(&m, o->exclude[s], e) != 0) {
            free(mods);
            free(ops);
            if (o->exclude[s].kind == SELECT_REGEX)
                err_wrap(e, "exclude: regex \"%s\"", o->exclude[s].text);
            else
                err_wrap(e, "exclude");
            return err_origin(e, o->exclude_origins ? o->exclude_origins[s] : NULL);
        }
        const char *label = sel_text(&r->a, &o->exclude[s]);
        int hits = 0;
        for (int n = 0; n < N; n++) {
            if (!select_module(&m, mods[n]))
                continue;
            pass_node_info *inf = pass_report_node(r, g->nodes[n].name);
            if (!inf->excluded) {
                inf->excluded = true;
                inf->excluded_by = label;
            }
            hits++;
        }
        select_free(&m);
        if (hits) {
            pass_note_add(r, PASS_INFO, PASS, "excluded", label, "module selector %s keeps %d ops in float", label, hits);
            continue;
        }
        char sug[400];
        suggest_list(o->exclude[s].text, mods, N, true, sug, sizeof sug);
        pass_note_add(r, PASS_ERROR, PASS, "excluded", label,
                      "module selector %s matches no module; closest module names: %s", label, sug);
        snprintf(errs + strlen(errs), sizeof errs - strlen(errs), "%smodule selector %s matches nothing (closest: %s)",
                 n_bad++ ? "; " : "", label, sug);
        origin = origin || !o->exclude_origins ? origin : o->exclude_origins[s];
    }
    for (int s = 0; s < o->n_exclude_ops; s++) {
        const char *op = o->exclude_ops[s];
        int hits = 0;
        for (int n = 0; n < N; n++) {
            pass_node_info *found = (pass_node_info *)pass_report_find(r, g->nodes[n].name);
            bool unit = found && found->group >= 0 && unit_named(r->groups[found->group].kind, op);
            if (strcmp(g->nodes[n].op_type, op) && !unit)
                continue;
            pass_node_info *inf = pass_report_node(r, g->nodes[n].name);
            if (!inf->excluded) {
                inf->excluded = true;
                inf->excluded_by = arena_printf(&r->a, "op %s", op);
            }
            hits++;
        }
        if (hits) {
            pass_note_add(r, PASS_INFO, PASS, "excluded", op, "op class %s keeps %d ops in float", op, hits);
            continue;
        }
        char sug[400];
        suggest_list(op, ops, n_ops, false, sug, sizeof sug);
        pass_note_add(r, PASS_ERROR, PASS, "excluded", op, "op class %s matches no op in the model; closest op types: %s",
                      op, sug);
        snprintf(errs + strlen(errs), sizeof errs - strlen(errs), "%sop class %s matches nothing (closest: %s)",
                 n_bad++ ? "; " : "", op, sug);
        origin = origin || !o->exclude_op_origins ? origin : o->exclude_op_origins[s];
    }
    free(mods);
    free(ops);
    if (n_bad)
        return err_set(e, "exclude: %s", errs), err_origin(e, origin);
    return 0;
}
