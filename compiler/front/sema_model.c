/* sema_model.c — `model "path" { input x: float32[N, 3, 224, 224]; output logits; }` */
#include <string.h>

#include "front/sema_int.h"
#include "util.h"

static const char *const dtype_names[] = {
    "float32", "float16", "float64", "int8", "uint8", "int16", "uint16", "int32", "int64", "uint32", "uint64",
    "bool",
};
static const Qrc__DType dtype_values[] = {
    QRC__DTYPE__FLOAT32, QRC__DTYPE__FLOAT16, QRC__DTYPE__FLOAT64, QRC__DTYPE__INT8, QRC__DTYPE__UINT8,
    QRC__DTYPE__INT16, QRC__DTYPE__UINT16, QRC__DTYPE__INT32, QRC__DTYPE__INT64, QRC__DTYPE__UINT32,
    QRC__DTYPE__UINT64, QRC__DTYPE__BOOL,
};
_Static_assert(sizeof dtype_names / sizeof *dtype_names == sizeof dtype_values / sizeof *dtype_values,
               "dtype tables differ in length");

/* The runtime's limits on a model's declared shapes (rank, and one dim), checked here so that a recipe
 * that cannot describe any loadable model fails at compile time with a location. */
enum { MAX_RANK = 8 };
#define MAX_DIM ((int64_t)1 << 40)

static bool parse_dims(sema *s, const ast_atom *shape, Qrc__Input *in)
{
    bool ok = true;
    int rank = 0;
    for (const ast_group *g = shape->args ? shape->args->groups : NULL; g; g = g->next) {
        const ast_atom *a = g->atoms;
        if (++rank > MAX_RANK) {
            diag_error(s->d, ast_loc_span(a->loc, shape->args->loc), "a shape has at most %d dimensions, this one %d",
                       MAX_RANK, shape->args->n);
            return false;
        }
        if (g->n > 1) {
            diag_error(s->d, a->next->loc, "expected ',' between dimensions");
            ok = false;
            continue;
        }
        Qrc__Dim *d = arena_alloc(s->a, sizeof *d);
        qrc__dim__init(d);
        if (a->kind == ATOM_INT) {
            if (a->ival < 1) {
                diag_error(s->d, a->loc, "dimension must be at least 1, not %lld", (long long)a->ival);
                ok = false;
                continue;
            }
            if (a->ival > MAX_DIM) {
                diag_error(s->d, a->loc, "dimension %lld is implausibly large (at most 2^40)", (long long)a->ival);
                ok = false;
                continue;
            }
            d->has_value = true;
            d->value = a->ival;
        } else if (a->kind == ATOM_NAME) {
            d->symbol = (char *)a->text;
        } else {
            diag_error(s->d, a->loc, "a dimension is a size or a name, not %s", sema_describe(s, a));
            ok = false;
            continue;
        }
        util_push(s->a, &in->dims, &in->n_dims, d);
    }
    if (!shape->args) {
        diag_error(s->d, shape->loc, "a shape needs at least one dimension");
        ok = false;
    }
    return ok;
}

/* input NAME: DTYPE[dims] | input NAME: DTYPE */
static void apply_input(sema *s, const ast_stmt *st)
{
    const ast_group *g = st->head->groups;
    if (!sema_no_block(s, st, "input"))
        return;
    if (g->n != 2 || st->head->n != 1) {
        diag_error(s->d, g->atoms->loc, "expected 'input NAME: DTYPE[dims]'");
        return;
    }
    const char *name = sema_name_or_string(s, g->atoms->next, "an input name");
    if (!name)
        return;
    if (st->sep != ':' || st->rhs->n != 1 || st->rhs->groups->n != 1) {
        ast_loc l = st->sep == ':' ? st->rhs->loc : g->loc;
        diag_error(s->d, l, "expected 'input %s: DTYPE[dims]'", name);
        return;
    }
    const ast_atom *t = st->rhs->groups->atoms;
    if (t->kind != ATOM_NAME && t->kind != ATOM_INDEX) {
        diag_error(s->d, t->loc, "expected a dtype such as float32, not %s", sema_describe(s, t));
        return;
    }
    ast_atom type_name = *t;
    type_name.kind = ATOM_NAME;
    if (t->kind == ATOM_INDEX) {
        type_name.loc.end_line = t->loc.line;
        type_name.loc.end_col = t->loc.col + (int)strlen(t->text) - 1;
    }
    int k = sema_choice(s, &type_name, "input dtype", dtype_names, sizeof dtype_names / sizeof *dtype_names);
    if (k < 0)
        return;
    Qrc__Input *in = arena_alloc(s->a, sizeof *in);
    qrc__input__init(in);
    in->name = (char *)name;
    in->has_dtype = true;
    in->dtype = dtype_values[k];
    in->loc = (char *)sema_loc(s, g->atoms->next->loc);
    in->has_has_shape = true;
    in->has_shape = t->kind == ATOM_INDEX;
    if (in->has_shape && !parse_dims(s, t, in))
        return;
    if (!sema_first_time(s, arena_printf(s->a, "input %s", name), arena_printf(s->a, "input '%s'", name),
                         g->atoms->next->loc))
        return;
    sema_put_named(s, &s->r->inputs, &s->r->n_inputs, name, in);   /* an importing file redeclares it */
}

/* output NAME, NAME; */
static void apply_output(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "output") || !sema_no_sep(s, st, "output"))
        return;
    const ast_group *g = st->head->groups;
    if (g->n < 2) {
        diag_error(s->d, g->atoms->loc, "'output' needs a name");
        return;
    }
    for (; g; g = g->next) {
        const ast_atom *a = g == st->head->groups ? g->atoms->next : g->atoms;
        if (a->next) {
            diag_error(s->d, a->next->loc, "expected ',' between output names");
            return;
        }
        const char *name = sema_name_or_string(s, a, "an output name");
        if (!name)
            return;
        if (!sema_first_time(s, arena_printf(s->a, "output %s", name), arena_printf(s->a, "output '%s'", name),
                             a->loc))
            return;
        sema_put_named(s, &s->r->outputs, &s->r->n_outputs, name, (void *)name);
    }
}

static const sema_key model_keys[] = {
    {"input", apply_input, true},
    {"output", apply_output, true},
};
const sema_block sema_model_block = {"model", model_keys, sizeof model_keys / sizeof *model_keys};

void sema_model(sema *s, const ast_stmt *st)
{
    const ast_atom *kw = ast_first_atom(st->head);
    const ast_group *g = st->head->groups;
    if (st->sep || st->head->n > 1 || g->n != 2) {
        diag_error(s->d, g->n < 2 ? kw->loc : st->head->loc, "expected 'model \"path/to/model.onnx\"'");
        return;
    }
    const char *path = sema_string(s, g->atoms->next, "the model path");
    if (!path)
        return;
    recipe *r = s->r;
    r->model_at = g->atoms->next->loc;
    r->model_path = path;
    r->model_resolved = util_path_resolve(s->a, s->src->path, path);
    if (st->has_block)
        sema_apply_keys(s, "model", st->body, model_keys, sizeof model_keys / sizeof *model_keys);
}
