/* sema_passes.c — the passes section: post-training passes and their parameters, in the recipe's order. */
#include <string.h>

#include "front/sema_int.h"
#include "util.h"

static void hba(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "high_bias_absorption");
    static const char *const names[] = {"false", "true"};
    int k = a ? sema_choice(s, a, "boolean", names, 2) : -1;
    if (k >= 0)
        s->pass->cle->high_bias_absorption = k;
}

static void bc_samples(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "samples");
    if (a)
        sema_uint(s, a, "'samples'", 1, 0x7fffffff, &s->pass->bias_correction->samples);
}

static void ada_iterations(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "iterations");
    if (a)
        sema_uint(s, a, "'iterations'", 1, 0x7fffffff, &s->pass->adaround->iterations);
}

static void ada_number(sema *s, const ast_stmt *st, const char *what, double min, double max, double *out)
{
    const ast_atom *a = sema_single(s, st, what);
    double v;
    if (!a || !sema_number(s, a, arena_printf(s->a, "'%s'", what), &v))
        return;
    if (v < min || v > max) {
        diag_error(s->d, a->loc, "'%s' must be between %g and %g, not %s", what, min, max, a->raw);
        return;
    }
    *out = v;
}

static void ada_reg(sema *s, const ast_stmt *st)
{
    ada_number(s, st, "reg", 0, 1e6, &s->pass->adaround->reg);
}

static void ada_beta_start(sema *s, const ast_stmt *st)
{
    ada_number(s, st, "beta_start", 0.1, 1000, &s->pass->adaround->beta_start);
}

static void ada_beta_end(sema *s, const ast_stmt *st)
{
    ada_number(s, st, "beta_end", 0.1, 1000, &s->pass->adaround->beta_end);
}

static void ada_warm_start(sema *s, const ast_stmt *st)
{
    ada_number(s, st, "warm_start", 0, 1, &s->pass->adaround->warm_start);
}

static void seq_candidates(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "candidates");
    if (a)
        sema_uint(s, a, "'candidates'", 1, 1000, &s->pass->seq_mse->candidates);
}

static const sema_key cle_keys[] = {{"high_bias_absorption", hba, false}};
static const sema_key seq_keys[] = {{"candidates", seq_candidates, false}};
static const sema_key bc_keys[] = {{"samples", bc_samples, false}};
static const sema_key ada_keys[] = {
    {"iterations", ada_iterations, false}, {"reg", ada_reg, false},
    {"beta_start", ada_beta_start, false}, {"beta_end", ada_beta_end, false},
    {"warm_start", ada_warm_start, false},
};

/* One row per post-training pass: its name, a constructor filling default parameters, and its keys. */
typedef struct pass_def {
    const char *name;
    void (*init)(sema *s, Qrc__Pass *p);
    const sema_key *keys;
    size_t n_keys;
} pass_def;

static void init_cle(sema *s, Qrc__Pass *p)
{
    p->params_case = QRC__PASS__PARAMS_CLE;
    p->cle = arena_alloc(s->a, sizeof *p->cle);
    qrc__cle_params__init(p->cle);
    p->cle->high_bias_absorption = true;
}

static void init_bc(sema *s, Qrc__Pass *p)
{
    p->params_case = QRC__PASS__PARAMS_BIAS_CORRECTION;
    p->bias_correction = arena_alloc(s->a, sizeof *p->bias_correction);
    qrc__bias_correction_params__init(p->bias_correction);
    p->bias_correction->samples = 256;
}

static void init_adaround(sema *s, Qrc__Pass *p)
{
    p->params_case = QRC__PASS__PARAMS_ADAROUND;
    p->adaround = arena_alloc(s->a, sizeof *p->adaround);
    qrc__adaround_params__init(p->adaround);
    p->adaround->iterations = 10000;
    p->adaround->reg = 0.01;
    p->adaround->beta_start = 20;
    p->adaround->beta_end = 2;
    p->adaround->warm_start = 0.2;
}

static void init_seq_mse(sema *s, Qrc__Pass *p)
{
    p->params_case = QRC__PASS__PARAMS_SEQ_MSE;
    p->seq_mse = arena_alloc(s->a, sizeof *p->seq_mse);
    qrc__seq_mse_params__init(p->seq_mse);
    p->seq_mse->candidates = 20;
}

static const pass_def pass_defs[] = {
    {"cle", init_cle, cle_keys, 1},
    {"bias_correction", init_bc, bc_keys, 1},
    {"adaround", init_adaround, ada_keys, 5},
    {"seq_mse", init_seq_mse, seq_keys, 1},
};
enum { N_PASS_DEFS = sizeof pass_defs / sizeof *pass_defs };

const char *sema_pass_key(const char *block, size_t i)
{
    if (!strcmp(block, "passes"))
        return i < N_PASS_DEFS ? pass_defs[i].name : NULL;
    for (size_t k = 0; k < N_PASS_DEFS; k++)
        if (!strcmp(pass_defs[k].name, block))
            return i < pass_defs[k].n_keys ? pass_defs[k].keys[i].name : NULL;
    return NULL;
}

void sema_passes(sema *s, const ast_stmt *st)
{
    recipe *r = s->r;
    r->passes = NULL;   /* a passes section replaces the list of an imported file */
    r->n_passes = 0;
    r->passes_at = ast_first_atom(st->head)->loc;
    static const char *const names[] = {"cle", "bias_correction", "adaround", "seq_mse"};
    for (const ast_stmt *ps = st->body; ps; ps = ps->next) {
        if (ast_stmt_broken(ps))
            continue;
        const ast_atom *kw = ast_first_atom(ps->head);
        int k = sema_choice(s, kw, "pass", names, N_PASS_DEFS);
        if (k < 0)
            continue;
        if (ps->head->n > 1 || ps->head->groups->n > 1 || ps->sep) {
            diag *d = diag_error(s->d, ps->sep ? ps->sep_loc : ps->head->groups->n > 1 ? kw->next->loc
                                                                                      : ps->head->groups->next->loc,
                                 "pass parameters go in a block");
            diag_hint(s->d, d, "for example: adaround { iterations 10000; reg 0.01; }");
            continue;
        }
        if (!sema_first_time(s, arena_printf(s->a, "pass %s", kw->text), arena_printf(s->a, "pass '%s'", kw->text),
                             kw->loc))
            continue;
        Qrc__Pass *p = arena_alloc(s->a, sizeof *p);
        qrc__pass__init(p);
        p->name = (char *)pass_defs[k].name;
        p->loc = (char *)sema_loc(s, kw->loc);
        pass_defs[k].init(s, p);
        if (ps->has_block) {
            s->pass = p;
            sema_apply_keys(s, pass_defs[k].name, ps->body, pass_defs[k].keys, pass_defs[k].n_keys);
            s->pass = NULL;
        }
        util_push(s->a, &r->passes, &r->n_passes, p);
    }
}
