/* sema_qconfig.c — qconfig rules: `SELECTOR : act SETTING, weight SETTING;`, first match wins. A SETTING is
 * a dtype, a symmetry, a granularity (weights) and `scheme X` (the calibration scheme), each optional. */
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "front/sema_int.h"
#include "util.h"

static const char *const selector_names[] = {"module", "op", "most_sensitive", "default"};
static const Qrc__RuleKind selector_kinds[] = {
    QRC__RULE_KIND__BY_MODULE, QRC__RULE_KIND__BY_OP, QRC__RULE_KIND__BY_SENSITIVITY,
    QRC__RULE_KIND__BY_DEFAULT,
};

static const char *const symmetry_names[] = {"asymmetric", "symmetric", "strict_symmetric", "unsigned_symmetric"};
static const Qrc__Symmetry symmetry_values[] = {
    QRC__SYMMETRY__ASYMMETRIC, QRC__SYMMETRY__SYMMETRIC, QRC__SYMMETRY__STRICT_SYMMETRIC,
    QRC__SYMMETRY__UNSIGNED_SYMMETRIC,
};
static const char *const granularity_names[] = {"per_tensor", "per_channel"};

/* Every word a setting may contain, for spelling suggestions. */
static const char *const setting_words[] = {
    "int4", "int8", "int16", "uint4", "uint8", "uint16", "float16", "float", "asymmetric", "symmetric",
    "strict_symmetric", "unsigned_symmetric", "per_tensor", "per_channel", "scheme",
};

enum { MIN_BITS = 4, MAX_BITS = 16 };

/* intN / uintN / float16 / float; returns 1 if a is a dtype, 0 if not, -1 if a dtype with a bad bitwidth. */
static int parse_dtype(sema *s, const ast_atom *a, qsetting *q)
{
    if (a->kind != ATOM_NAME)
        return 0;
    const char *t = a->text;
    if (!strcmp(t, "float") || !strcmp(t, "float32")) {
        q->kind = QRC__NUM_KIND__FLOAT;
        q->bits = 32;
        q->dtype = "float";
        return 1;
    }
    if (!strcmp(t, "float16")) {
        q->kind = QRC__NUM_KIND__FLOAT;
        q->bits = 16;
        q->dtype = "float16";
        return 1;
    }
    bool is_unsigned = t[0] == 'u';
    const char *digits = is_unsigned ? t + 4 : t + 3;
    if (strncmp(t, is_unsigned ? "uint" : "int", is_unsigned ? 4 : 3) || !*digits ||
        strspn(digits, "0123456789") != strlen(digits))
        return 0;
    long bits = strlen(digits) > 4 ? 99999 : strtol(digits, NULL, 10);
    if (bits < MIN_BITS || bits > MAX_BITS) {
        diag *d = diag_error(s->d, a->loc, "bitwidth %ld is out of range", bits);
        diag_hint(s->d, d, "integer types are %sint%d to %sint%d", is_unsigned ? "u" : "", MIN_BITS,
                  is_unsigned ? "u" : "", MAX_BITS);
        return -1;
    }
    q->kind = is_unsigned ? QRC__NUM_KIND__UINT : QRC__NUM_KIND__INT;
    q->bits = (unsigned)bits;
    q->dtype = a->text;
    return 1;
}

static int index_of(const char *w, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(w, names[i]))
            return (int)i;
    return -1;
}

/* `scheme X` inside a setting: a points at the keyword; returns the atom after the scheme (or NULL). */
static const ast_atom *parse_setting_scheme(sema *s, const ast_atom *a, const char *role, qsetting *q, bool *ok)
{
    const ast_atom *v = a->next;
    if (!v) {
        diag *d = diag_error(s->d, a->loc, "'scheme' needs a scheme such as tf_enhanced");
        diag_hint(s->d, d, "for example: op Softmax: act uint16 scheme tf;");
        *ok = false;
        return NULL;
    }
    if (q->scheme.at.src) {
        diag *d = diag_error(s->d, a->loc, "conflicting schemes for '%s'", role);
        diag_note(s->d, d, q->scheme.at, "set here");
        *ok = false;
    } else if (!sema_scheme(s, v, &q->scheme)) {
        *ok = false;
    }
    return v->next;
}

/* `act uint8 asymmetric` / `weight int8 symmetric per_channel scheme tf` */
static bool parse_setting(sema *s, const ast_atom *first, bool is_weight, qsetting *q)
{
    const char *role = is_weight ? "weight" : "act";
    if (!first->next) {
        diag_error(s->d, first->loc, "'%s' needs a dtype such as int8", role);
        return false;
    }
    bool ok = true;
    for (const ast_atom *a = first->next, *next; a; a = next) {
        next = a->next;
        if (a->kind == ATOM_NAME && !strcmp(a->text, "scheme")) {
            next = parse_setting_scheme(s, a, role, q, &ok);
            continue;
        }
        qsetting tmp = {0};
        int dt = parse_dtype(s, a, &tmp);
        if (dt < 0) {
            ok = false;
            continue;
        }
        if (dt > 0) {
            if (q->dtype_at.src) {
                diag *d = diag_error(s->d, a->loc, "conflicting dtypes for '%s'", role);
                diag_note(s->d, d, q->dtype_at, "'%s' set here", q->dtype);
                ok = false;
                continue;
            }
            q->kind = tmp.kind;
            q->bits = tmp.bits;
            q->dtype = tmp.dtype;
            q->dtype_at = a->loc;
            continue;
        }
        int sym = a->kind == ATOM_NAME ? index_of(a->text, symmetry_names, 4) : -1;
        int gran = a->kind == ATOM_NAME ? index_of(a->text, granularity_names, 2) : -1;
        if (sym >= 0) {
            if (q->sym_at.src) {
                diag *d = diag_error(s->d, a->loc, "conflicting symmetry for '%s'", role);
                diag_note(s->d, d, q->sym_at, "set here");
                ok = false;
                continue;
            }
            q->symmetry = symmetry_values[sym];
            q->sym_at = a->loc;
        } else if (gran >= 0) {
            if (!is_weight && gran == 1) {
                diag *d = diag_error(s->d, a->loc, "per_channel applies to weights only");
                diag_hint(s->d, d, "activations are quantized per tensor");
                ok = false;
                continue;
            }
            if (q->gran_at.src) {
                diag *d = diag_error(s->d, a->loc, "conflicting granularity for '%s'", role);
                diag_note(s->d, d, q->gran_at, "set here");
                ok = false;
                continue;
            }
            q->granularity = gran ? QRC__GRANULARITY__PER_CHANNEL : QRC__GRANULARITY__PER_TENSOR;
            q->gran_at = a->loc;
        } else {
            diag *d = a->kind == ATOM_NAME ? diag_error(s->d, a->loc, "unknown setting '%s'", a->text)
                                           : diag_error(s->d, a->loc, "expected a dtype, symmetry, granularity or "
                                                                      "scheme, not %s", sema_describe(s, a));
            const char *guess = a->kind == ATOM_NAME
                                    ? suggest_closest(a->text, setting_words, sizeof setting_words / sizeof *setting_words)
                                    : NULL;
            if (guess)
                diag_hint(s->d, d, "did you mean '%s'?", guess);
            ok = false;
        }
    }
    if (!ok)
        return false;
    if (!q->dtype_at.src && (q->sym_at.src || q->gran_at.src)) {
        diag_error(s->d, first->loc, "'%s' needs a dtype such as int8", role);
        return false;
    }
    if (q->kind == QRC__NUM_KIND__FLOAT && q->dtype_at.src && (q->sym_at.src || q->gran_at.src || q->scheme.at.src)) {
        ast_loc at = q->sym_at.src ? q->sym_at : q->gran_at.src ? q->gran_at : q->scheme.at;
        diag *d = diag_error(s->d, at, "'%s' is not quantized: %s takes no symmetry, granularity or scheme", role,
                             q->dtype);
        diag_note(s->d, d, q->dtype_at, "%s set here", q->dtype);
        return false;
    }
    if (q->kind == QRC__NUM_KIND__UINT && q->sym_at.src && q->symmetry == QRC__SYMMETRY__STRICT_SYMMETRIC) {
        diag *d = diag_error(s->d, q->sym_at, "strict_symmetric needs a signed type");
        diag_note(s->d, d, q->dtype_at, "%s is unsigned", q->dtype);
        return false;
    }
    return true;
}

static bool parse_settings(sema *s, const ast_stmt *st, qrule *rule)
{
    bool ok = true;
    ast_loc act_at = {0}, weight_at = {0};
    for (const ast_group *g = st->rhs->groups; g; g = g->next) {
        static const char *const roles[] = {"act", "weight"};
        int k = sema_choice(s, g->atoms, "quantizer (act or weight)", roles, 2);
        if (k < 0) {
            ok = false;
            continue;
        }
        ast_loc *at = k ? &weight_at : &act_at;
        if (at->src) {
            diag *d = diag_error(s->d, g->atoms->loc, "'%s' set twice in one rule", roles[k]);
            diag_note(s->d, d, *at, "first set here");
            ok = false;
            continue;
        }
        *at = g->atoms->loc;
        ok &= parse_setting(s, g->atoms, k == 1, k ? &rule->weight : &rule->act);
    }
    return ok;
}

static bool parse_selector(sema *s, const ast_stmt *st, qrule *rule)
{
    const ast_group *g = st->head->groups;
    const ast_atom *kw = g->atoms;
    int k = sema_choice(s, kw, "rule selector", selector_names, 4);
    if (k < 0)
        return false;
    rule->kind = selector_kinds[k];
    rule->loc = kw->loc;
    bool ok = true;
    switch (rule->kind) {
    case QRC__RULE_KIND__BY_DEFAULT:
        if (kw->next || g->next) {
            diag_error(s->d, kw->next ? kw->next->loc : g->next->loc, "'default' takes no names");
            return false;
        }
        return true;
    case QRC__RULE_KIND__BY_SENSITIVITY: {
        const ast_atom *p = kw->next;
        if (p && p->next && p->next->kind == ATOM_NAME && !strcmp(p->next->text, "from")) {
            const ast_atom *file = p->next->next;
            if (!file || file->kind != ATOM_STRING || file->next) {
                diag *d = diag_error(s->d, file ? file->loc : p->next->loc, "expected a file name after 'from'");
                diag_hint(s->d, d, "for example: most_sensitive 10%% from \"out/model.report.json\": act int16;");
                return false;
            }
            rule->ranking = file->text;
            rule->ranking_resolved = util_path_resolve(s->a, s->src->path, file->text);
        } else if (p && p->next) {
            diag *d = diag_error(s->d, p->next->loc, "expected ':' or 'from \"file\"' after the percentage");
            diag_hint(s->d, d, "for example: most_sensitive 10%% from \"out/model.report.json\": act int16;");
            return false;
        }
        if (!p || p->kind != ATOM_PERCENT || g->next) {
            diag *d = diag_error(s->d, p ? p->loc : kw->loc, "expected a percentage after 'most_sensitive'");
            diag_hint(s->d, d, "for example: most_sensitive 20%%: act int16;");
            return false;
        }
        if (!(p->num > 0 && p->num <= 100)) {
            diag_error(s->d, p->loc, "percentage must be above 0%% and at most 100%%, not %s", p->raw);
            return false;
        }
        rule->fraction = p->num / 100.0;
        return true;
    }
    default:
        break;
    }
    if (!kw->next) {
        diag_error(s->d, kw->loc, "'%s' needs at least one %s", kw->text, k == 0 ? "module name" : "op type");
        return false;
    }
    for (const ast_group *it = g; it; it = it->next) {
        const ast_atom *first = it == g ? kw->next : it->atoms;
        int n = it == g ? it->n - 1 : it->n;
        if (rule->kind == QRC__RULE_KIND__BY_MODULE) {
            Qrc__Selector *sel = sema_selector(s, first, n);
            if (sel)
                util_push(s->a, &rule->modules, &rule->n_modules, sel);
            ok &= sel != NULL;
            continue;
        }
        if (n > 1) {
            diag_error(s->d, first->next->loc, "expected ',' between op types");
            ok = false;
            continue;
        }
        Qrc__OpTypeRef *op = sema_op_type(s, first, false);
        if (op)
            util_push(s->a, &rule->ops, &rule->n_ops, op);
        ok &= op != NULL;
    }
    return ok;
}

static void apply_rule(sema *s, const ast_stmt *st)
{
    if (ast_stmt_broken(st))
        return;
    const ast_atom *kw = ast_first_atom(st->head);
    if (st->has_block) {
        diag_error(s->d, kw->loc, "a qconfig rule does not take a block");
        return;
    }
    if (st->sep != ':') {
        diag *d = diag_error(s->d, st->sep ? st->sep_loc : st->head->loc, "expected 'SELECTOR: SETTINGS' in qconfig");
        diag_hint(s->d, d, "for example: op Softmax: act int16;");
        return;
    }
    qrule *rule = arena_alloc(s->a, sizeof *rule);
    bool ok = parse_selector(s, st, rule);
    ok &= parse_settings(s, st, rule);
    if (!ok)
        return;
    if (rule->kind == QRC__RULE_KIND__BY_DEFAULT) {
        if (!sema_first_time(s, "qconfig default", "'default' rule", kw->loc))
            return;
        s->r->default_rule = rule;
        return;
    }
    const sema_seen *p = sema_seen_get(s, "qconfig default");
    if (p) {
        diag *d = diag_error(s->d, kw->loc, "rule after 'default' never matches");
        diag_note(s->d, d, p->loc, "'default' is here; put it last");
        return;
    }
    util_push(s->a, &s->file_rules, &s->n_file_rules, rule);
}

void sema_qconfig(sema *s, const ast_stmt *st)
{
    for (const ast_stmt *rule = st->body; rule; rule = rule->next)
        apply_rule(s, rule);
}
