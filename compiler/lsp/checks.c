/* checks.c — the model-bound checks of a recipe, run against the cached model.
 *
 * The same questions a build asks once it has the model, asked early: module selectors are resolved by
 * the exclude pass itself (one selector at a time, so each error lands on its selector), op types and
 * input names are looked up in the model's name lists. Only what is certainly wrong is reported: op
 * classes that name fused units (known only after the fuse pass) are left to the build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "front/onnx_ops.h"
#include "lsp/server.h"
#include "pass.h"
#include "plan/plan.h"

/* The location a plan message recorded ("path:line:col"), spanning the token there. */
static ast_loc loc_of(const recipe *r, const char *where)
{
    ast_loc loc = {0};
    size_t n;
    int line, col;
    if (text_parse_where(where, &n, &line, &col))
        return loc;
    for (size_t i = 0; i < r->n_sources && !loc.src; i++)
        if (strlen(r->sources[i]->path) == n && !strncmp(r->sources[i]->path, where, n))
            loc.src = r->sources[i];
    if (!loc.src)
        return loc;
    loc.line = loc.end_line = line;
    loc.col = col;
    /* the token's end: a quoted string (re"..." too) or a run of name characters */
    const char *p = loc.src->text;
    for (int l = 1; l < loc.line && p; l++)
        p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
    if (!p)
        return loc;
    const char *t = p + loc.col - 1, *e = t;
    if (*e == 'r' && e[1] == 'e' && e[2] == '"')
        e += 2;
    if (*e == '"') {
        for (e++; *e && *e != '"' && *e != '\n'; e++)
            if (*e == '\\' && e[1] && e[1] != '\n')
                e++;
    } else {
        while (*e && (*e == '_' || *e == '.' || (*e >= '0' && *e <= '9') || ((*e | 32) >= 'a' && (*e | 32) <= 'z')))
            e++;
        e--;
    }
    loc.end_col = loc.col + (int)(e - t);
    return loc;
}

/* Resolves sel alone with the exclude pass: rep (initialised here, freed by the caller) marks the nodes it
 * covers; -1 with e filled when it matches nothing. */
static int exclude_one(graph *g, const Qrc__Selector *sel, pass_report *rep, qrc_err *e)
{
    select_spec ps = {plan_select_kind(sel->kind), sel->pattern};
    pass_opts o = pass_opts_default();
    o.exclude = &ps;
    o.n_exclude = 1;
    pass_report_init(rep);
    return pass_exclude(g, &o, rep, e);
}

static void check_selector(diag_list *dl, const recipe *r, graph *g, const Qrc__Selector *sel)
{
    pass_report rep;
    qrc_err e;
    if (exclude_one(g, sel, &rep, &e)) {
        const char *msg = strncmp(e.msg, "exclude: ", 9) ? e.msg : e.msg + 9;
        diag_error(dl, loc_of(r, sel->loc), "%s", msg);
    }
    pass_report_free(&rep);
}

/* True when node n of g belongs to module (or to a module under it). */
static bool in_module(const graph *g, int n, const char *module)
{
    const char *mod = g->nodes[n].module;
    size_t k = strlen(module);
    return mod && !strncmp(mod, module, k) && (!mod[k] || mod[k] == '.');
}

static bool rule_names_module(const qrule *rule, const lsp_model *m, const char *module)
{
    graph *g = m->g;
    for (size_t i = 0; i < rule->n_modules; i++) {
        pass_report rep;
        qrc_err e;
        bool hit = false;
        if (exclude_one(g, rule->modules[i], &rep, &e) == 0)
            for (int n = 0; n < g->n_nodes && !hit; n++) {
                const pass_node_info *inf = in_module(g, n, module) ? pass_report_find(&rep, g->nodes[n].name) : NULL;
                hit = inf && inf->excluded;
            }
        pass_report_free(&rep);
        if (hit)
            return true;
    }
    for (size_t i = 0; i < rule->n_ops; i++)
        for (int n = 0; n < g->n_nodes; n++)
            if (in_module(g, n, module) && !strcmp(g->nodes[n].op_type, rule->ops[i]->op_type))
                return true;
    return false;
}

const qrule *lsp_rule_for_module(const recipe *r, const lsp_model *m, const char *module)
{
    for (size_t i = 0; i < r->n_rules; i++)
        if (rule_names_module(r->rules[i], m, module))
            return r->rules[i];
    return r->default_rule;
}

/* An op class the fuse pass may create (a unit kind or the standard op that names its decomposed form). */
static bool fused_class(const char *op)
{
    if (pass_is_unit_kind(op) || strchr(op, '+'))
        return true;
    for (const char *const *k = pass_unit_kinds(); *k; k++) {
        const char *std = pass_unit_onnx_op(*k);
        if (std && !strcmp(std, op))
            return true;
    }
    return false;
}

static void check_op(diag_list *dl, const recipe *r, const lsp_model *m, const Qrc__OpTypeRef *op)
{
    if (fused_class(op->op_type) || lsp_model_has(m->op_types, m->n_op_types, op->op_type))
        return;
    char sug[400];
    suggest_list(op->op_type, m->op_types, (int)m->n_op_types, false, sug, sizeof sug);
    diag *d = diag_error(dl, loc_of(r, op->loc), "op type %s does not occur in the model", op->op_type);
    diag_hint(dl, d, "op types of the model closest to it: %s", sug);
}

static void check_input(diag_list *dl, const lsp_model *m, const char *name, ast_loc at)
{
    for (size_t i = 0; i < m->n_inputs; i++)
        if (!strcmp(m->inputs[i], name))
            return;
    char sug[400];
    suggest_list(name, m->inputs, (int)m->n_inputs, false, sug, sizeof sug);
    diag *d = diag_error(dl, at, "the model has no input '%s'", name);
    diag_hint(dl, d, "its inputs: %s", sug);
}

/* Checks the recipe against m; returns -1 as soon as a message waits (every 16 selectors). */
static int check_recipe(lsp_server *s, diag_list *dl, const recipe *r, const lsp_model *m)
{
    for (size_t i = 0; i < r->n_excl_modules; i++) {
        if (i % 16 == 15 && rpc_pending(&s->in))
            return -1;
        check_selector(dl, r, m->g, r->excl_modules[i]);
    }
    for (size_t i = 0; i < r->n_excl_ops; i++)
        check_op(dl, r, m, r->excl_ops[i]);
    for (size_t i = 0; i < r->n_rules; i++) {
        if (i % 16 == 15 && rpc_pending(&s->in))
            return -1;
        for (size_t j = 0; j < r->rules[i]->n_modules; j++)
            check_selector(dl, r, m->g, r->rules[i]->modules[j]);
        for (size_t j = 0; j < r->rules[i]->n_ops; j++)
            check_op(dl, r, m, r->rules[i]->ops[j]);
    }
    for (size_t i = 0; i < r->n_inputs; i++)
        check_input(dl, m, r->inputs[i]->name, loc_of(r, r->inputs[i]->loc));
    if (r->n_inputs)
        return 0;   /* names are then checked against the declared inputs already */
    for (size_t i = 0; i < r->n_cal_data; i++)
        check_input(dl, m, r->cal_data[i]->name, loc_of(r, r->cal_data[i]->loc));
    for (size_t i = 0; i < r->n_eval_data; i++)
        check_input(dl, m, r->eval_data[i]->name, loc_of(r, r->eval_data[i]->loc));
    for (size_t i = 0; i < r->n_concretes; i++)
        if (!r->concretes[i]->is_dim)
            check_input(dl, m, r->concretes[i]->name, r->concretes[i]->loc);
    return 0;
}

int lsp_model_checks(lsp_server *s, const lsp_doc *d, json_t *out)
{
    const recipe *r = &d->an->r;
    if (!r->model_resolved)
        return 0;
    arena a = {0};
    diag_list dl;
    diag_init(&dl, &a);
    const lsp_model *m = lsp_model_get(&s->models, r->model_resolved);
    if (!m)
        diag_warning(&dl, r->model_at, "model '%s' is not a readable file; the model-bound checks wait for it",
                     r->model_resolved);
    else if (!m->g)
        diag_error(&dl, r->model_at, "the model does not load: %s", m->error);
    int rc = m && m->g ? check_recipe(s, &dl, r, m) : 0;
    if (rc == 0)
        lsp_diagnostics_append(d->an, &dl, out);
    arena_free(&a);
    return rc;
}
