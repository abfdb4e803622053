/* sema_prepare.c — the prepare section: method, quantized region, exclusions, concrete args, rewrites. */
#include <string.h>

#include "front/sema_int.h"
#include "plan/plan.h"
#include "util.h"

/* The methods by name, indexed by prepare_method (the plan's value is one more, plan.h). */
static const char *const method_names[] = {
#define METHOD_NAME(up, low) #low,
    PREPARE_METHODS(METHOD_NAME)
#undef METHOD_NAME
};

/* The rewrites an eager recipe may ask for (REWRITE rows of pass_list.h); the other methods apply them
 * all automatically. */
#define REWRITE_NAME_PREPARE(n)
#define REWRITE_NAME_REWRITE(n) #n,
#define REWRITE_NAME_BUILD(n)
static const char *const rewrite_names[] = {
#define REWRITE_NAME(n, k, s) REWRITE_NAME_##k(n)
    PASS_LIST(REWRITE_NAME)
#undef REWRITE_NAME
};
enum { N_REWRITES = sizeof rewrite_names / sizeof *rewrite_names };

static void apply_method(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "method");
    int k = a ? sema_choice(s, a, "prepare method", method_names, PREPARE_METHOD_COUNT_) : -1;
    if (k < 0)
        return;
    s->r->method = (Qrc__PrepareMethod)(k + 1);
    s->r->method_at = a->loc;
}

/* quantize from X to Y;  (either part may be left out) */
static void apply_quantize(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "quantize") || !sema_no_sep(s, st, "quantize"))
        return;
    const ast_group *g = st->head->groups;
    if (st->head->n > 1) {
        diag_error(s->d, g->next->loc, "expected 'quantize from NAME to NAME'");
        return;
    }
    const char *from = NULL, *to = NULL;
    const ast_atom *a = g->atoms->next;
    if (!a) {
        diag_error(s->d, g->atoms->loc, "expected 'quantize from NAME to NAME'");
        return;
    }
    while (a) {
        static const char *const parts[] = {"from", "to"};
        int k = sema_choice(s, a, "region bound", parts, 2);
        if (k < 0)
            return;
        const char **slot = k == 0 ? &from : &to;
        if (*slot) {
            diag_error(s->d, a->loc, "'%s' given twice", parts[k]);
            return;
        }
        if (!a->next) {
            diag_error(s->d, a->loc, "'%s' needs a tensor or module name", parts[k]);
            return;
        }
        *slot = sema_name_or_string(s, a->next, "a tensor or module name");
        if (!*slot)
            return;
        a = a->next->next;
    }
    s->r->region_at = st->loc;
    s->r->region_start = from;
    s->r->region_end = to;
}

/* exclude modules SEL, ...;  exclude ops TYPE, ...; */
static void apply_exclude(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "exclude") || !sema_no_sep(s, st, "exclude"))
        return;
    const ast_group *g = st->head->groups;
    const ast_atom *what = g->atoms->next;
    if (!what) {
        diag_error(s->d, g->atoms->loc, "expected 'exclude modules ...' or 'exclude ops ...'");
        return;
    }
    static const char *const kinds[] = {"modules", "ops"};
    int k = sema_choice(s, what, "exclusion", kinds, 2);
    if (k < 0)
        return;
    if (!what->next) {
        diag_error(s->d, what->loc, "'exclude %s' needs at least one %s", kinds[k], k ? "op type" : "module");
        return;
    }
    recipe *r = s->r;
    for (const ast_group *it = g; it; it = it->next) {
        const ast_atom *first = it == g ? what->next : it->atoms;
        int n = it == g ? it->n - 2 : it->n;
        if (k == 0) {
            Qrc__Selector *sel = sema_selector(s, first, n);
            if (sel)
                util_push(s->a, &r->excl_modules, &r->n_excl_modules, sel);
            continue;
        }
        for (const ast_atom *a = first; a; a = a->next) {
            if (a != first) {
                diag_error(s->d, a->loc, "expected ',' between op types");
                break;
            }
            Qrc__OpTypeRef *op = sema_op_type(s, a, true);
            if (op)
                util_push(s->a, &r->excl_ops, &r->n_excl_ops, op);
        }
    }
}

static bool constant_ok(sema *s, const ast_atom *v)
{
    switch (v->kind) {
    case ATOM_INT:
    case ATOM_FLOAT:
        return true;
    case ATOM_NAME:
        if (!strcmp(v->text, "true") || !strcmp(v->text, "false"))
            return true;
        diag_error(s->d, v->loc, "a concrete value is true, false, a number or a list, not %s",
                   sema_describe(s, v));
        return false;
    case ATOM_LIST:
        for (const ast_group *g = v->args ? v->args->groups : NULL; g; g = g->next) {
            if (g->n > 1) {
                diag_error(s->d, g->atoms->next->loc, "expected ',' between list items");
                return false;
            }
            if (g->atoms->kind == ATOM_LIST || !constant_ok(s, g->atoms))
                return false;
        }
        return true;
    default:
        diag_error(s->d, v->loc, "a concrete value is true, false, a number or a list, not %s",
                   sema_describe(s, v));
        return false;
    }
}

/* concrete NAME = VALUE; */
static void apply_concrete(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "concrete"))
        return;
    const ast_group *g = st->head->groups;
    if (st->head->n > 1 || g->n != 2 || st->sep != '=') {
        diag_error(s->d, st->sep == ':' ? st->sep_loc : g->loc, "expected 'concrete NAME = VALUE'");
        return;
    }
    const char *name = sema_name_or_string(s, g->atoms->next, "an input or dimension name");
    if (!name)
        return;
    if (st->rhs->n > 1 || st->rhs->groups->n > 1) {
        diag *d = diag_error(s->d, st->rhs->loc, "expected one value after '='");
        diag_hint(s->d, d, "a list is written in brackets: [1, 2, 3]");
        return;
    }
    const ast_atom *v = st->rhs->groups->atoms;
    if (!constant_ok(s, v))
        return;
    if (!sema_first_time(s, arena_printf(s->a, "concrete %s", name), arena_printf(s->a, "concrete '%s'", name),
                         g->atoms->next->loc))
        return;
    concrete *c = arena_alloc(s->a, sizeof *c);
    c->name = name;
    c->value = v;
    c->loc = st->loc;
    sema_put_named(s, &s->r->concretes, &s->r->n_concretes, name, c);
}

/* rewrite fold_bn, fuse;  (eager only) */
static void apply_rewrite(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "rewrite") || !sema_no_sep(s, st, "rewrite"))
        return;
    const ast_group *g = st->head->groups;
    if (g->n < 2) {
        diag_error(s->d, g->atoms->loc, "'rewrite' needs at least one of: fold, unshare, fold_bn, fuse");
        return;
    }
    recipe *r = s->r;
    r->n_rewrites = 0;
    r->rewrites_at = g->atoms->loc;
    for (const ast_group *it = g; it; it = it->next)
        for (const ast_atom *a = it == g ? it->atoms->next : it->atoms; a; a = a->next) {
            int k = sema_choice(s, a, "rewrite", rewrite_names, N_REWRITES);
            if (k < 0)
                continue;
            bool dup = false;
            for (size_t i = 0; i < r->n_rewrites; i++)
                dup |= !strcmp(r->rewrites[i], rewrite_names[k]);
            if (dup)
                diag_error(s->d, a->loc, "rewrite '%s' listed twice", rewrite_names[k]);
            else
                util_push(s->a, &r->rewrites, &r->n_rewrites, (void *)rewrite_names[k]);
        }
}

static const sema_key prepare_keys[] = {
    {"method", apply_method, false},
    {"quantize", apply_quantize, false},
    {"exclude", apply_exclude, true},
    {"concrete", apply_concrete, true},
    {"rewrite", apply_rewrite, false},
};
const sema_block sema_prepare_block = {"prepare", prepare_keys, sizeof prepare_keys / sizeof *prepare_keys};

void sema_prepare(sema *s, const ast_stmt *st)
{
    sema_apply_keys(s, "prepare", st->body, prepare_keys, sizeof prepare_keys / sizeof *prepare_keys);
}
