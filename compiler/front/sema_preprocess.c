/* sema_preprocess.c — `preprocess INPUT { ... }`: how image files become rows of a graph input. */
#include <math.h>
#include <string.h>

#include "front/sema_int.h"

enum { MAX_VALUES = 4 };

/* The atoms after a key, across comma groups (`mean 0.485, 0.456, 0.406`); at most MAX_VALUES. */
static int values(sema *s, const ast_stmt *st, const char *what, const ast_atom **out)
{
    if (!sema_no_block(s, st, what) || !sema_no_sep(s, st, what))
        return -1;
    int n = 0;
    for (const ast_group *g = st->head->groups; g; g = g->next)
        for (const ast_atom *a = g == st->head->groups ? g->atoms->next : g->atoms; a; a = a->next) {
            if (n == MAX_VALUES) {
                diag_error(s->d, a->loc, "'%s' takes at most %d values", what, MAX_VALUES);
                return -1;
            }
            out[n++] = a;
        }
    if (!n)
        diag_error(s->d, st->head->groups->atoms->loc, "'%s' needs a value", what);
    return n ? n : -1;
}

static bool side(sema *s, const ast_atom *a, const char *what, unsigned *out)
{
    return sema_uint(s, a, what, 1, 16384, out);
}

static int choice(sema *s, const ast_stmt *st, const char *what, const char *const *names, size_t n)
{
    const ast_atom *a = sema_single(s, st, what);
    return a ? sema_choice(s, a, what, names, n) : -1;
}

static void apply_color(sema *s, const ast_stmt *st)
{
    static const char *const names[] = {"rgb", "bgr", "gray"};
    int k = choice(s, st, "color", names, 3);
    if (k >= 0)
        s->prep->color = (char *)names[k];
}

/* resize shorter N | resize exact W, H | resize height H */
static void apply_resize(sema *s, const ast_stmt *st)
{
    static const char *const modes[] = {"shorter", "exact", "height"};
    const ast_atom *v[MAX_VALUES];
    int n = values(s, st, "resize", v);
    int k = n > 0 ? sema_choice(s, v[0], "resize mode", modes, 3) : -1;
    if (k < 0)
        return;
    int want = k == 1 ? 3 : 2;
    if (n != want) {
        diag *d = diag_error(s->d, v[0]->loc, "'resize %s' takes %d size%s", modes[k], want - 1, want == 3 ? "s" : "");
        diag_hint(s->d, d, "resize shorter 256;  resize exact 224, 224;  resize height 48;");
        return;
    }
    Qrc__Preprocess *p = s->prep;
    unsigned a, b = 0;
    if (!side(s, v[1], "a size", &a) || (want == 3 && !side(s, v[2], "a size", &b)))
        return;
    p->resize = (char *)modes[k];
    p->has_size_w = p->has_size_h = true;
    p->size_w = k == 2 ? 0 : a;
    p->size_h = k == 1 ? b : k == 2 ? a : 0;
}

/* crop N (square) | crop W, H */
static void apply_crop(sema *s, const ast_stmt *st)
{
    const ast_atom *v[MAX_VALUES];
    int n = values(s, st, "crop", v);
    unsigned w, h;
    if (n > 2) {
        diag_error(s->d, v[2]->loc, "'crop' takes a size or a width and a height");
        return;
    }
    if (n < 1 || !side(s, v[0], "a crop size", &w) || !side(s, v[n - 1], "a crop size", &h))
        return;
    s->prep->has_crop_w = s->prep->has_crop_h = true;
    s->prep->crop_w = w;
    s->prep->crop_h = h;
}

static void apply_scale(sema *s, const ast_stmt *st)
{
    static const char *const names[] = {"unit", "raw"};
    int k = choice(s, st, "scale", names, 2);
    if (k >= 0)
        s->prep->unit = k == 0;
}

static void apply_numbers(sema *s, const ast_stmt *st, const char *what, float **list, size_t *n_list)
{
    const ast_atom *v[MAX_VALUES];
    int n = values(s, st, what, v);
    if (n == 2 || n > 3) {
        diag_error(s->d, v[n - 1]->loc, "'%s' takes 1 value or one per channel (3)", what);
        return;
    }
    float *out = arena_alloc(s->a, sizeof *out * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        double x;
        if (!sema_number(s, v[i], what, &x))
            return;
        if (!isfinite(x) || (!strcmp(what, "std") && x == 0)) {
            diag_error(s->d, v[i]->loc, "'%s' %g is not usable", what, x);
            return;
        }
        out[i] = (float)x;
    }
    if (n > 0) {
        *list = out;
        *n_list = (size_t)n;
    }
}

static void apply_mean(sema *s, const ast_stmt *st)
{
    apply_numbers(s, st, "mean", &s->prep->mean, &s->prep->n_mean);
}

static void apply_std(sema *s, const ast_stmt *st)
{
    apply_numbers(s, st, "std", &s->prep->std, &s->prep->n_std);
}

static void apply_layout(sema *s, const ast_stmt *st)
{
    static const char *const names[] = {"nchw", "nhwc"};
    int k = choice(s, st, "layout", names, 2);
    if (k >= 0)
        s->prep->layout = (char *)names[k];
}

static void apply_pad(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "pad_width");
    if (a && side(s, a, "'pad_width'", &s->prep->pad_width))
        s->prep->has_pad_width = true;
}

static const sema_key preprocess_keys[] = {
    {"color", apply_color, false}, {"resize", apply_resize, false}, {"crop", apply_crop, false},
    {"scale", apply_scale, false}, {"mean", apply_mean, false},     {"std", apply_std, false},
    {"layout", apply_layout, false}, {"pad_width", apply_pad, false},
};

/* Cross-key checks once the block is read: mean/std channel counts, padding needs a fixed height. */
static void check_prep(sema *s, const ast_stmt *st, const Qrc__Preprocess *p)
{
    size_t c = !strcmp(p->color, "gray") ? 1 : 3;
    if ((p->n_mean > 1 && p->n_mean != c) || (p->n_std > 1 && p->n_std != c))
        diag_error(s->d, st->head->loc, "mean and std take 1 or %zu values for color %s", c, p->color);
    if (p->has_pad_width && (!p->resize || strcmp(p->resize, "height")) && !p->has_crop_h &&
        !(p->resize && !strcmp(p->resize, "exact"))) {
        diag *d = diag_error(s->d, st->head->loc, "pad_width needs a fixed height");
        diag_hint(s->d, d, "resize height 48; pad_width 320;  (as OCR recognizers take)");
    }
}

/* preprocess INPUT { ... } */
void sema_preprocess(sema *s, const ast_stmt *st)
{
    const ast_group *g = st->head->groups;
    if (g->n != 2 || st->head->n > 1 || st->sep || !st->has_block) {
        diag *d = diag_error(s->d, g->loc, "expected 'preprocess INPUT { ... }'");
        diag_hint(s->d, d, "name the graph input the images feed, for example: preprocess image { color rgb; }");
        return;
    }
    const char *name = sema_name_or_string(s, g->atoms->next, "an input name");
    if (!name || !sema_first_time(s, arena_printf(s->a, "preprocess %s", name),
                                  arena_printf(s->a, "preprocessing for input '%s'", name), g->atoms->next->loc))
        return;
    Qrc__Preprocess *p = arena_alloc(s->a, sizeof *p);
    qrc__preprocess__init(p);
    p->input = (char *)name;
    p->loc = (char *)sema_loc(s, g->atoms->next->loc);
    p->color = "rgb";
    p->layout = "nchw";
    p->unit = true;
    s->prep = p;
    sema_apply_keys(s, "preprocess", st->body, preprocess_keys, sizeof preprocess_keys / sizeof *preprocess_keys);
    s->prep = NULL;
    check_prep(s, st, p);
    sema_put_named(s, &s->r->preprocess, &s->r->n_preprocess, name, p);
}
