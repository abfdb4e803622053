/* fmt.c — printing an AST back in canonical form, with its comments. */
#include "front/fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/parse.h"
#include "front/sema.h"

/* A growing output buffer in the arena. */
typedef struct out {
    arena *a;
    char *buf;
    size_t len, cap;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *nb = arena_alloc(o->a, cap);
        if (o->len)
            memcpy(nb, o->buf, o->len);
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void indent(out *o, int depth)
{
    for (int i = 0; i < depth; i++)
        put(o, "  ", 2);
}

static void terms(out *o, const ast_terms *t);

static void atom(out *o, const ast_atom *a)
{
    switch (a->kind) {
    case ATOM_CALL:
    case ATOM_INDEX:
        puts_(o, a->text);
        put(o, a->kind == ATOM_CALL ? "(" : "[", 1);
        terms(o, a->args);
        put(o, a->kind == ATOM_CALL ? ")" : "]", 1);
        break;
    case ATOM_LIST:
        put(o, "[", 1);
        terms(o, a->args);
        put(o, "]", 1);
        break;
    default:
        puts_(o, a->raw);
        break;
    }
}

static void terms(out *o, const ast_terms *t)
{
    for (const ast_group *g = t ? t->groups : NULL; g; g = g->next) {
        if (g != t->groups)
            put(o, ", ", 2);
        for (const ast_atom *a = g->atoms; a; a = a->next) {
            if (a != g->atoms)
                put(o, " ", 1);
            atom(o, a);
        }
    }
}

static int before(ast_loc a, int line, int col)
{
    return a.line < line || (a.line == line && a.col < col);
}

typedef struct fmt {
    out o;
    out head;                  /* scratch for head_text */
    const ast_comment *next;   /* first comment not yet printed */
    int last_line;             /* source line of the last thing printed */
} fmt;

static void blank_line_if_gap(fmt *f, int line, bool first)
{
    if (!first && f->last_line && line > f->last_line + 1)
        put(&f->o, "\n", 1);
}

/* Own-line comments that come before (line, col); a blank line before one is kept only if the comment
 * is not inside the statement starting at stmt_line. */
static void comments_before(fmt *f, int depth, int line, int col, int stmt_line, bool *first)
{
    while (f->next && before(f->next->loc, line, col)) {
        if (f->next->loc.line <= stmt_line)
            blank_line_if_gap(f, f->next->loc.line, *first);
        indent(&f->o, depth);
        puts_(&f->o, f->next->text);
        put(&f->o, "\n", 1);
        f->last_line = f->next->loc.end_line;
        f->next = f->next->next;
        *first = false;
    }
}

/* A comment starting on `line` after what was just printed stays on that line. */
static void trailing_comment(fmt *f, int line)
{
    if (f->next && f->next->loc.line == line) {
        put(&f->o, "  ", 2);
        puts_(&f->o, f->next->text);
        f->last_line = f->next->loc.end_line;
        f->next = f->next->next;
    }
}

/* Prints the statement's head into the scratch buffer h and returns its length. h is reused from one
 * statement to the next, so formatting allocates in proportion to the output, not to the statement count. */
static size_t head_text(out *h, const ast_stmt *s)
{
    h->len = 0;
    terms(h, s->head);
    if (s->sep == ':')
        put(h, ":", 1);
    return h->len;
}

/* A run of consecutive ':' statements (no blank line or comment line between) aligns its values: returns
 * the run's last statement and its widest head. The comment cursor only moves forward, so a run costs
 * time linear in its statements and the comments inside it. */
static const ast_stmt *colon_run(out *h, const ast_stmt *s, const ast_comment *c, size_t *width)
{
    size_t w = 0;
    const ast_stmt *p = s;
    for (;;) {
        size_t len = head_text(h, p);
        if (len > w)
            w = len;
        const ast_stmt *q = p->next;
        if (!q || q->sep != ':' || q->has_block || q->loc.line > p->loc.end_line + 1)
            break;
        bool own_line = false;
        for (; c && before(c->loc, q->loc.line, q->loc.col); c = c->next)
            own_line |= c->loc.line > p->loc.end_line;
        if (own_line)
            break;
        p = q;
    }
    *width = w;
    return p;
}

static void block(fmt *f, const ast_stmt *first, int depth, ast_loc close);

static void stmt(fmt *f, const ast_stmt *s, int depth, size_t align)
{
    indent(&f->o, depth);
    size_t head = head_text(&f->head, s);
    if (head)
        put(&f->o, f->head.buf, head);
    if (s->sep == ':') {
        size_t pad = align > head ? align - head : 0;
        for (size_t i = 0; i <= pad; i++)
            put(&f->o, " ", 1);
        terms(&f->o, s->rhs);
    } else if (s->sep == '=') {
        put(&f->o, " = ", 3);
        terms(&f->o, s->rhs);
    }
    if (!s->has_block) {
        put(&f->o, ";", 1);
        f->last_line = s->loc.end_line;
        trailing_comment(f, s->loc.end_line);
        put(&f->o, "\n", 1);
        return;
    }
    bool empty = !s->body && !(f->next && before(f->next->loc, s->close_loc.line, s->close_loc.col));
    if (empty) {
        put(&f->o, " {}", 3);
    } else {
        put(&f->o, " {", 2);
        f->last_line = s->open_loc.line;
        if (!s->body || s->body->loc.line != s->open_loc.line)
            trailing_comment(f, s->open_loc.line);
        put(&f->o, "\n", 1);
        block(f, s->body, depth + 1, s->close_loc);
        indent(&f->o, depth);
        put(&f->o, "}", 1);
    }
    f->last_line = s->close_loc.line;
    trailing_comment(f, s->close_loc.line);
    put(&f->o, "\n", 1);
}

static void block(fmt *f, const ast_stmt *first, int depth, ast_loc close)
{
    bool is_first = true;
    size_t align = 0;
    const ast_stmt *run_end = NULL;
    for (const ast_stmt *s = first; s; s = s->next) {
        /* Comments inside a statement's clause have nowhere else to go: they move above it. */
        ast_loc head_end = s->has_block ? s->open_loc : s->loc;
        int line = s->has_block ? head_end.line : s->loc.end_line;
        int col = s->has_block ? head_end.col : s->loc.end_col;
        bool had_comment = f->next && before(f->next->loc, line, col);
        comments_before(f, depth, line, col, s->loc.line, &is_first);
        blank_line_if_gap(f, s->loc.line, is_first);
        is_first = false;
        if (s->sep == ':' && !s->has_block) {
            if (!run_end || had_comment)
                run_end = colon_run(&f->head, s, f->next, &align);
        } else {
            align = 0;
        }
        stmt(f, s, depth, align);
        if (s == run_end)
            run_end = NULL;
    }
    if (close.src)
        comments_before(f, depth, close.line, close.col, close.line, &is_first);
}

char *fmt_file(arena *a, const ast_file *file)
{
    fmt f = {.o = {.a = a}, .head = {.a = a}, .next = file->comments};
    block(&f, file->stmts, 0, (ast_loc){0});
    bool first = f.o.len == 0;
    comments_before(&f, 0, 1 << 30, 0, 1 << 30, &first);
    if (!f.o.buf)
        put(&f.o, "", 0);
    return f.o.buf;
}

char *fmt_path(arena *a, diag_list *d, const char *path, const char **original)
{
    const char *why;
    ast_source *src = sema_read_source(a, path, (ast_loc){0}, &why);
    if (!src) {
        diag_error(d, (ast_loc){0}, "cannot read recipe '%s': %s", path, why);
        return NULL;
    }
    *original = src->text;
    ast_file file;
    if (parse_source(a, d, src, &file))
        return NULL;
    return fmt_file(a, &file);
}
