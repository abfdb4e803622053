/* sema.c — loading a recipe and its imports, and dispatching top-level sections. */
#include "front/sema.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/suggest.h"
#include "front/parse.h"
#include "front/sema_int.h"
#include "util.h"

enum { MAX_IMPORT_DEPTH = 32, MAX_RECIPE_BYTES = 16 << 20 };

ast_source *sema_read_source(arena *a, const char *path, ast_loc import_loc, const char **why)
{
    void *buf;
    size_t len;
    file_fault ff = file_load(path, MAX_RECIPE_BYTES, &buf, &len, why);
    if (ff == FILE_TOO_LARGE)
        *why = "larger than 16 MiB";
    else if (ff == FILE_NO_MEMORY)
        *why = strerror(ENOMEM);
    if (ff != FILE_OK)
        return NULL;
    ast_source *src = arena_alloc(a, sizeof *src);
    src->path = arena_strdup(a, path);
    char *text = arena_alloc(a, len + 1);
    memcpy(text, buf, len);
    free(buf);
    src->text = text;
    src->len = len;
    src->import_loc = import_loc;
    return src;
}

static void apply_file(sema *s, const ast_source *src);

/* `import "path";` — applies the imported file right away, so its settings come first. */
static void apply_import(sema *s, const ast_stmt *st)
{
    const ast_atom *arg = sema_single(s, st, "import");
    const char *rel = arg ? sema_string(s, arg, "the imported path") : NULL;
    if (!rel)
        return;
    const char *path = util_path_resolve(s->a, s->src->path, rel);
    char canon[PATH_MAX];
    if (!realpath(path, canon)) {
        diag_error(s->d, arg->loc, "cannot open imported file '%s': %s", path, strerror(errno));
        return;
    }
    for (size_t i = 0; i < s->depth; i++)
        if (!strcmp(s->stack[i], canon)) {
            char *chain = arena_strdup(s->a, "");
            for (size_t j = i; j < s->depth; j++)
                chain = arena_printf(s->a, "%s%s -> ", chain, s->stack_src[j]->path);
            diag_error(s->d, arg->loc, "import cycle: %s%s", chain, path);
            return;
        }
    for (size_t i = 0; i < s->n_done; i++)
        if (!strcmp(s->done[i], canon))
            return;   /* imported twice along different paths: applied once */
    if (s->depth >= MAX_IMPORT_DEPTH) {
        diag_error(s->d, arg->loc, "imports nested more than %d deep", MAX_IMPORT_DEPTH);
        return;
    }
    ast_loc from = st->loc;
    from.col = arg->loc.col;
    from.line = arg->loc.line;
    const char *why;
    ast_source *src = sema_read_source(s->a, path, from, &why);
    if (!src) {
        diag_error(s->d, arg->loc, "cannot read imported file '%s': %s", path, why);
        return;
    }
    /* The imported file gets its own per-file state; the importer's is restored after. */
    const ast_source *saved_src = s->src;
    util_map *saved_seen = s->seen;
    qrule **saved_rules = s->file_rules;
    size_t saved_n = s->n_file_rules;
    s->stack[s->depth] = arena_strdup(s->a, canon);
    s->stack_src[s->depth] = src;
    s->depth++;
    apply_file(s, src);
    s->depth--;
    s->src = saved_src;
    s->seen = saved_seen;
    s->file_rules = saved_rules;
    s->n_file_rules = saved_n;
}

typedef struct section {
    const char *name;
    sema_apply_fn apply;
    bool needs_block;
} section;

static const section sections[] = {
    {"import", apply_import, false},
    {"model", sema_model, false},
    {"prepare", sema_prepare, true},
    {"qconfig", sema_qconfig, true},
    {"quantsim", sema_quantsim, true},
    {"calibrate", sema_calibrate, true},
    {"evaluate", sema_evaluate, true},
    {"preprocess", sema_preprocess, false},  /* one per input: checks its own name and block */
    {"passes", sema_passes, true},
    {"export", sema_export, true},
};
enum { N_SECTIONS = sizeof sections / sizeof *sections };

const char *sema_block_key(const char *block, size_t i)
{
    if (!block)
        return i < N_SECTIONS ? sections[i].name : NULL;
    const sema_block *blocks[] = {&sema_model_block, &sema_prepare_block, &sema_quantsim_block,
                                  &sema_calibrate_block, &sema_evaluate_block, &sema_export_block};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++)
        if (!strcmp(blocks[b]->name, block))
            return i < blocks[b]->n ? blocks[b]->keys[i].name : NULL;
    return sema_pass_key(block, i);
}

static void apply_stmt(sema *s, const ast_stmt *st, bool *past_imports)
{
    const ast_atom *kw = ast_first_atom(st->head);
    if (ast_stmt_broken(st))
        return;
    const char *names[N_SECTIONS];
    for (size_t i = 0; i < N_SECTIONS; i++)
        names[i] = sections[i].name;
    if (kw->kind != ATOM_NAME) {
        s->unknown_sections = true;
        diag_error(s->d, kw->loc, "expected a section name, not %s", sema_describe(s, kw));
        return;
    }
    size_t i = 0;
    while (i < N_SECTIONS && strcmp(sections[i].name, kw->text))
        i++;
    if (i == N_SECTIONS) {
        s->unknown_sections = true;
        diag *d = diag_error(s->d, kw->loc, "unknown section '%s'", kw->text);
        const char *guess = suggest_closest(kw->text, names, N_SECTIONS);
        if (guess)
            diag_hint(s->d, d, "did you mean '%s'?", guess);
        else
            diag_hint(s->d, d, "sections are: import, model, prepare, qconfig, quantsim, calibrate, "
                               "evaluate, preprocess, passes, export");
        return;
    }
    const section *sec = &sections[i];
    if (s->n_mentioned < 16)
        s->mentioned[s->n_mentioned++] = sec->name;
    if (sec->apply == apply_import) {
        if (*past_imports) {
            diag_error(s->d, kw->loc, "'import' must come before the sections of a recipe");
            return;
        }
    } else {
        *past_imports = true;
        if (sec->apply != sema_preprocess && !sema_first_time(s, arena_printf(s->a, "section %s", sec->name),
                             arena_printf(s->a, "section '%s'", sec->name), kw->loc))
            return;
    }
    if (sec->needs_block) {
        if (!st->has_block) {
            diag_error(s->d, kw->loc, "section '%s' needs a block: %s { ... }", sec->name, sec->name);
            return;
        }
        if (st->head->n > 1 || st->head->groups->n > 1 || st->sep) {
            const ast_loc l = st->sep ? st->sep_loc
                              : st->head->groups->n > 1 ? st->head->groups->atoms->next->loc
                                                        : st->head->groups->next->loc;
            diag_error(s->d, l, "section '%s' takes no arguments before its block", sec->name);
            return;
        }
    }
    sec->apply(s, st);
}

static void apply_file(sema *s, const ast_source *src)
{
    ast_file *parsed = arena_alloc(s->a, sizeof *parsed);
    if (parse_source(s->a, s->d, src, parsed))
        s->syntax_errors = true;
    const ast_file file = *parsed;
    if (src == s->r->root)
        s->r->root_file = parsed;
    s->src = src;
    s->seen = arena_alloc(s->a, sizeof *s->seen);
    s->seen->a = s->a;
    s->file_rules = NULL;
    s->n_file_rules = 0;
    bool past_imports = false;
    for (const ast_stmt *st = file.stmts; st; st = st->next) {
        apply_stmt(s, st, &past_imports);
        s->src = src;   /* an import switches files; come back */
    }
    /* This file's rules take priority over those of the files it imported. */
    if (s->n_file_rules) {
        recipe *r = s->r;
        qrule **merged = NULL;
        size_t n = 0;
        for (size_t i = 0; i < s->n_file_rules; i++)
            util_push(s->a, &merged, &n, s->file_rules[i]);
        for (size_t i = 0; i < r->n_rules; i++)
            util_push(s->a, &merged, &n, r->rules[i]);
        r->rules = merged;
        r->n_rules = n;
    }
    util_push(s->a, &s->r->sources, &s->r->n_sources, (void *)src);
    char canon[PATH_MAX];
    if (realpath(src->path, canon))
        util_push(s->a, &s->done, &s->n_done, arena_strdup(s->a, canon));
}

/* Checks the already read root source and everything it imports. */
static int load_root(arena *a, diag_list *d, ast_source *root, recipe *r)
{
    memset(r, 0, sizeof *r);
    sema s = {.a = a, .d = d, .r = r};
    s.stack = arena_alloc(a, MAX_IMPORT_DEPTH * sizeof *s.stack);
    s.stack_src = arena_alloc(a, MAX_IMPORT_DEPTH * sizeof *s.stack_src);
    r->root = root;
    char canon[PATH_MAX];
    if (realpath(root->path, canon)) {
        s.stack[0] = arena_strdup(a, canon);
        s.stack_src[0] = root;
        s.depth = 1;
    }
    apply_file(&s, root);
    if (!s.syntax_errors)
        sema_finish(&s);
    return d->errors ? -1 : 0;
}

int sema_load(arena *a, diag_list *d, const char *root_path, recipe *r)
{
    const char *why;
    ast_source *root = sema_read_source(a, root_path, (ast_loc){0}, &why);
    if (!root) {
        memset(r, 0, sizeof *r);
        diag_error(d, (ast_loc){0}, "cannot read recipe '%s': %s", root_path, why);
        return -1;
    }
    return load_root(a, d, root, r);
}

int sema_load_text(arena *a, diag_list *d, const char *path, const char *text, size_t len, recipe *r)
{
    ast_source *root = arena_alloc(a, sizeof *root);
    root->path = arena_strdup(a, path);
    char *copy = arena_alloc(a, len + 1);
    memcpy(copy, text, len);
    root->text = copy;
    root->len = len;
    return load_root(a, d, root, r);
}
