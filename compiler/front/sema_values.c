/* sema_values.c — checking the values of statements: counts, types, ranges, names, selectors. */
#include <stdint.h>
#include <string.h>

#include "base/suggest.h"
#include "front/onnx_ops.h"
#include "pass.h"
#include "base/quote.h"
#include "base/select.h"
#include "front/sema_int.h"
#include "util.h"

const char *sema_loc(sema *s, ast_loc loc)
{
    return diag_loc_string(s->a, loc);
}

void sema_set_loc(sema *s, const void *key, ast_loc loc)
{
    ast_loc *l = arena_alloc(s->a, sizeof *l);
    *l = loc;
    s->r->locs.a = s->a;
    s->r->locs.by_pointer = true;
    util_map_put(&s->r->locs, key, l);
}

ast_loc sema_get_loc(const sema *s, const void *key)
{
    const ast_loc *l = util_map_get(&s->r->locs, key);
    return l ? *l : (ast_loc){0};
}

const char *sema_describe(sema *s, const ast_atom *a)
{
    switch (a->kind) {
    case ATOM_NAME: return arena_printf(s->a, "name '%s'", a->text);
    case ATOM_STRING: return arena_printf(s->a, "string %s", a->raw);
    case ATOM_REGEX: return arena_printf(s->a, "regex %s", a->raw);
    case ATOM_INT: return arena_printf(s->a, "integer %s", a->raw);
    case ATOM_FLOAT: return arena_printf(s->a, "number %s", a->raw);
    case ATOM_PERCENT: return arena_printf(s->a, "percentage %s", a->raw);
    case ATOM_CALL: return arena_printf(s->a, "'%s(...)'", a->text);
    case ATOM_INDEX: return arena_printf(s->a, "'%s[...]'", a->text);
    case ATOM_LIST: return "a list";
    }
    return "a value";
}

bool sema_first_time(sema *s, const char *key, const char *what, ast_loc loc)
{
    const sema_seen *p = sema_seen_get(s, key);
    if (p) {
        diag *d = diag_error(s->d, loc, "duplicate %s", what);
        diag_note(s->d, d, p->loc, "first set here");
        return false;
    }
    sema_seen *n = arena_alloc(s->a, sizeof *n);
    n->loc = loc;
    util_map_put(s->seen, arena_strdup(s->a, key), n);
    return true;
}

const sema_seen *sema_seen_get(const sema *s, const char *key)
{
    return util_map_get(s->seen, key);
}

static const char *slot_key(sema *s, const void *list_id, const char *name)
{
    return arena_printf(s->a, "%p %s", list_id, name);
}

long sema_slot(sema *s, const void *list_id, const char *name)
{
    s->slots.a = s->a;
    return (long)(uintptr_t)util_map_get(&s->slots, slot_key(s, list_id, name)) - 1;
}

void sema_slot_set(sema *s, const void *list_id, const char *name, long i)
{
    s->slots.a = s->a;
    util_map_put(&s->slots, slot_key(s, list_id, name), (void *)(uintptr_t)(i + 1));
}

void sema_put_named(sema *s, void *list_id, size_t *n, const char *name, void *item)
{
    long i = sema_slot(s, list_id, name);
    if (i >= 0) {
        (*(void ***)list_id)[i] = item;
        return;
    }
    sema_slot_set(s, list_id, name, (long)*n);
    util_push(s->a, list_id, n, item);
}

bool sema_no_block(sema *s, const ast_stmt *st, const char *what)
{
    if (!st->has_block)
        return true;
    diag_error(s->d, ast_first_atom(st->head)->loc, "'%s' does not take a block", what);
    return false;
}

bool sema_no_sep(sema *s, const ast_stmt *st, const char *what)
{
    if (!st->sep)
        return true;
    diag_error(s->d, st->sep_loc, "unexpected '%c' in '%s'", st->sep, what);
    return false;
}

const ast_atom *sema_single(sema *s, const ast_stmt *st, const char *what)
{
    if (!sema_no_block(s, st, what) || !sema_no_sep(s, st, what))
        return NULL;
    const ast_group *g = st->head->groups;
    if (g->n < 2) {
        diag_error(s->d, g->atoms->loc, "'%s' needs a value", what);
        return NULL;
    }
    if (g->n > 2 || st->head->n > 1) {
        const ast_atom *extra = g->n > 2 ? g->atoms->next->next : g->next->atoms;
        ast_loc l = g->n > 2 ? ast_loc_span(extra->loc, g->loc) : g->next->loc;
        diag_error(s->d, l, "'%s' takes one value", what);
        (void)extra;
        return NULL;
    }
    return g->atoms->next;
}

bool sema_uint(sema *s, const ast_atom *a, const char *what, long long min, long long max, unsigned *out)
{
    if (a->kind != ATOM_INT) {
        diag_error(s->d, a->loc, "%s must be an integer, not %s", what, sema_describe(s, a));
        return false;
    }
    if (a->ival < min || a->ival > max) {
        if (max == 0x7fffffff)
            diag_error(s->d, a->loc, "%s must be at least %lld, not %lld", what, min, (long long)a->ival);
        else
            diag_error(s->d, a->loc, "%s must be between %lld and %lld, not %lld", what, min, max,
                       (long long)a->ival);
        return false;
    }
    *out = (unsigned)a->ival;
    return true;
}

bool sema_u64(sema *s, const ast_atom *a, const char *what, uint64_t *out)
{
    if (a->kind != ATOM_INT || a->ival < 0) {
        diag_error(s->d, a->loc, "%s must be a non-negative integer, not %s", what, sema_describe(s, a));
        return false;
    }
    *out = (uint64_t)a->ival;
    return true;
}

bool sema_number(sema *s, const ast_atom *a, const char *what, double *out)
{
    if (a->kind != ATOM_INT && a->kind != ATOM_FLOAT) {
        diag_error(s->d, a->loc, "%s must be a number, not %s", what, sema_describe(s, a));
        return false;
    }
    *out = a->num;
    return true;
}

const char *sema_string(sema *s, const ast_atom *a, const char *what)
{
    if (a->kind != ATOM_STRING) {
        diag *d = diag_error(s->d, a->loc, "%s must be a string, not %s", what, sema_describe(s, a));
        char q[256];
        if (a->kind == ATOM_NAME)
            diag_hint(s->d, d, "write it in quotes: %s", quote_string(q, sizeof q, a->text));
        return NULL;
    }
    if (!a->text[0]) {
        diag_error(s->d, a->loc, "%s must not be empty", what);
        return NULL;
    }
    return a->text;
}

const char *sema_name_or_string(sema *s, const ast_atom *a, const char *what)
{
    if (a->kind == ATOM_NAME)
        return a->text;
    return sema_string(s, a, what);
}

static char *join_names(sema *s, const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 2;
    char *out = arena_alloc(s->a, len), *o = out;
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%s%s", i ? ", " : "", names[i]);
    return out;
}

int sema_choice(sema *s, const ast_atom *a, const char *what, const char *const *names, size_t n)
{
    if (a->kind == ATOM_NAME)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(a->text, names[i]))
                return (int)i;
    diag *d;
    if (a->kind == ATOM_NAME)
        d = diag_error(s->d, a->loc, "unknown %s '%s'", what, a->text);
    else
        d = diag_error(s->d, a->loc, "expected a %s, not %s", what, sema_describe(s, a));
    const char *guess = a->kind == ATOM_NAME || a->kind == ATOM_STRING ? suggest_closest(a->text, names, n) : NULL;
    if (guess)
        diag_hint(s->d, d, "did you mean '%s'?", guess);
    else
        diag_hint(s->d, d, "expected one of: %s", join_names(s, names, n));
    return -1;
}

/* Checks glob syntax: brackets must close. */
static bool glob_ok(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '[') {
            const char *q = p + 1;
            if (*q == '!' || *q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']')
                q++;
            if (!*q)
                return false;
            p = q;
        }
    }
    return true;
}

Qrc__Selector *sema_selector(sema *s, const ast_atom *atoms, int n)
{
    const ast_atom *a = atoms;
    Qrc__Selector *sel = arena_alloc(s->a, sizeof *sel);
    qrc__selector__init(sel);
    sel->loc = (char *)sema_loc(s, a->loc);
    if (a->kind == ATOM_NAME && !strcmp(a->text, "under")) {
        if (n != 2 || a->next->kind != ATOM_STRING) {
            diag_error(s->d, a->loc, "'under' takes one module name in quotes");
            return NULL;
        }
        sel->kind = QRC__SELECTOR_KIND__PREFIX;
        sel->pattern = (char *)a->next->text;
        if (!sel->pattern[0]) {
            diag_error(s->d, a->next->loc, "module prefix must not be empty");
            return NULL;
        }
        return sel;
    }
    if (n > 1) {
        diag_error(s->d, a->next->loc, "expected ',' between module names");
        return NULL;
    }
    if (a->kind == ATOM_REGEX) {
        sel->kind = QRC__SELECTOR_KIND__REGEX;
        sel->pattern = (char *)a->text;
        select_matcher compiled;
        qrc_err e;
        if (select_compile(&compiled, (select_spec){.kind = SELECT_REGEX, .text = a->text}, &e)) {
            diag_error(s->d, a->loc, "invalid regex: %s", e.msg);
            return NULL;
        }
        select_free(&compiled);
        return sel;
    }
    if (a->kind != ATOM_STRING) {
        diag *d = diag_error(s->d, a->loc, "expected a module name in quotes, a re\"regex\" or 'under', not %s",
                             sema_describe(s, a));
        char q[256];
        if (a->kind == ATOM_NAME)
            diag_hint(s->d, d, "write it in quotes: %s", quote_string(q, sizeof q, a->text));
        return NULL;
    }
    if (!a->text[0]) {
        diag_error(s->d, a->loc, "module name must not be empty");
        return NULL;
    }
    sel->pattern = (char *)a->text;
    sel->kind = select_kind_of(a->text) == SELECT_GLOB ? QRC__SELECTOR_KIND__GLOB : QRC__SELECTOR_KIND__EXACT;
    if (sel->kind == QRC__SELECTOR_KIND__GLOB && !glob_ok(a->text)) {
        diag_error(s->d, a->loc, "invalid glob: unterminated '['");
        return NULL;
    }
    return sel;
}

Qrc__OpTypeRef *sema_op_type(sema *s, const ast_atom *a, bool units)
{
    if (a->kind != ATOM_NAME && a->kind != ATOM_STRING) {
        diag_error(s->d, a->loc, "expected an op type, not %s", sema_describe(s, a));
        return NULL;
    }
    if (a->kind == ATOM_NAME && !onnx_op_known(a->text) && !(units && pass_is_unit_kind(a->text))) {
        diag *d = diag_error(s->d, a->loc, "unknown ONNX op type '%s'", a->text);
        const char *guess = suggest_closest(a->text, onnx_op_types, onnx_op_types_count);
        char q[256];
        if (guess)
            diag_hint(s->d, d, "did you mean '%s'?", guess);
        else
            diag_hint(s->d, d, "op types of other domains go in quotes: %s", quote_string(q, sizeof q, a->text));
        return NULL;
    }
    if (a->kind == ATOM_STRING && !a->text[0]) {
        diag_error(s->d, a->loc, "op type must not be empty");
        return NULL;
    }
    Qrc__OpTypeRef *r = arena_alloc(s->a, sizeof *r);
    qrc__op_type_ref__init(r);
    r->op_type = (char *)a->text;
    r->loc = (char *)sema_loc(s, a->loc);
    return r;
}

void sema_apply_keys(sema *s, const char *section, const ast_stmt *body, const sema_key *keys, size_t n)
{
    const char *names[32];
    for (size_t i = 0; i < n && i < 32; i++)
        names[i] = keys[i].name;
    for (const ast_stmt *st = body; st; st = st->next) {
        const ast_atom *kw = ast_first_atom(st->head);
        if (ast_stmt_broken(st))
            continue;
        if (kw->kind != ATOM_NAME) {
            diag_error(s->d, kw->loc, "expected a key of '%s', not %s", section, sema_describe(s, kw));
            continue;
        }
        size_t i = 0;
        while (i < n && strcmp(keys[i].name, kw->text))
            i++;
        if (i == n) {
            diag *d = diag_error(s->d, kw->loc, "unknown key '%s' in '%s'", kw->text, section);
            const char *guess = suggest_closest(kw->text, names, n < 32 ? n : 32);
            if (guess)
                diag_hint(s->d, d, "did you mean '%s'?", guess);
            else
                diag_hint(s->d, d, "'%s' takes: %s", section, join_names(s, names, n < 32 ? n : 32));
            continue;
        }
        if (!keys[i].repeatable &&
            !sema_first_time(s, arena_printf(s->a, "%s.%s", section, kw->text),
                             arena_printf(s->a, "'%s' in '%s'", kw->text, section), kw->loc))
            continue;
        keys[i].apply(s, st);
    }
}
