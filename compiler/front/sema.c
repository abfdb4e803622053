/* sema.c — loading a recipe and its imports, and dispatching top-level sections. */
#include "front/sema.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "front/parse.h"
#include "front/sema_int.h"
#include "util.h"

enum { MAX_IMPORT_DEPTH = 32, MAX_RECIPE_BYTES = 16 << 20 };

/* What kind of file st is, for refusing anything but a regular file. */
static const char *not_regular(const struct stat *st)
{
    return S_ISDIR(st->st_mode) ? "it is a directory" : S_ISFIFO(st->st_mode) ? "it is a FIFO, not a regular file"
         : S_ISSOCK(st->st_mode) ? "it is a socket, not a regular file" : "it is a device, not a regular file";
}

ast_source *sema_read_source(arena *a, const char *path, ast_loc import_loc, const char **why)
{
    /* Non-blocking, so that opening a FIFO nobody writes to returns at once; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        *why = strerror(errno);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = not_regular(&st);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *why = strerror(errno);
        close(fd);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0 || len > MAX_RECIPE_BYTES)
            break;
    }
    int failed = ferror(f) || !buf || len > MAX_RECIPE_BYTES;
    fclose(f);
    if (failed) {
        free(buf);
        *why = len > MAX_RECIPE_BYTES ? "larger than 16 MiB" : strerror(EIO);
        return NULL;
    }
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
        const char *guess = util_suggest(kw->text, names, N_SECTIONS);
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
    ast_file file;
    if (parse_source(s->a, s->d, src, &file))
        s->syntax_errors = true;
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

int sema_load(arena *a, diag_list *d, const char *root_path, recipe *r)
{
    memset(r, 0, sizeof *r);
    sema s = {.a = a, .d = d, .r = r};
    s.stack = arena_alloc(a, MAX_IMPORT_DEPTH * sizeof *s.stack);
    s.stack_src = arena_alloc(a, MAX_IMPORT_DEPTH * sizeof *s.stack_src);
    const char *why;
    ast_source *root = sema_read_source(a, root_path, (ast_loc){0}, &why);
    if (!root) {
        diag_error(d, (ast_loc){0}, "cannot read recipe '%s': %s", root_path, why);
        return -1;
    }
    r->root = root;
    char canon[PATH_MAX];
    if (realpath(root_path, canon)) {
        s.stack[0] = arena_strdup(a, canon);
        s.stack_src[0] = root;
        s.depth = 1;
    }
    apply_file(&s, root);
    if (!s.syntax_errors)
        sema_finish(&s);
    return d->errors ? -1 : 0;
}
