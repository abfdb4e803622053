/* diag.c — collecting and rendering diagnostics. */
#include "front/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void diag_init(diag_list *d, arena *a)
{
    memset(d, 0, sizeof *d);
    d->a = a;
}

static char *vformat(arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static diag *add(diag_list *d, diag_severity sev, ast_loc loc, const char *fmt, va_list ap)
{
    diag *dg = arena_alloc(d->a, sizeof *dg);
    dg->severity = sev;
    dg->loc = loc;
    dg->msg = vformat(d->a, fmt, ap);
    if (d->tail)
        d->tail->next = dg;
    else
        d->head = dg;
    d->tail = dg;
    if (sev == DIAG_ERROR)
        d->errors++;
    else if (sev == DIAG_WARNING)
        d->warnings++;
    return dg;
}

diag *diag_error(diag_list *d, ast_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag *dg = add(d, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
    return dg;
}

diag *diag_warning(diag_list *d, ast_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag *dg = add(d, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
    return dg;
}

void diag_note(diag_list *d, diag *dg, ast_loc loc, const char *fmt, ...)
{
    if (!dg)
        return;
    diag *n = arena_alloc(d->a, sizeof *n);
    n->severity = DIAG_NOTE;
    n->loc = loc;
    va_list ap;
    va_start(ap, fmt);
    n->msg = vformat(d->a, fmt, ap);
    va_end(ap);
    diag **p = &dg->notes;
    while (*p)
        p = &(*p)->next;
    *p = n;
}

void diag_hint(diag_list *d, diag *dg, const char *fmt, ...)
{
    if (!dg)
        return;
    va_list ap;
    va_start(ap, fmt);
    dg->hint = vformat(d->a, fmt, ap);
    va_end(ap);
}

char *diag_loc_string(arena *a, ast_loc loc)
{
    if (!loc.src)
        return arena_strdup(a, "");
    return arena_printf(a, "%s:%d:%d", loc.src->path, loc.line, loc.col);
}

static const char *severity_name[] = {
    [DIAG_ERROR] = "error",
    [DIAG_WARNING] = "warning",
    [DIAG_NOTE] = "note",
};

/* Where each line of a source starts, built once per source a rendering needs. */
typedef struct line_index {
    const char **starts;
    size_t n;
} line_index;

static const line_index *lines_of(util_map *cache, const ast_source *src)
{
    line_index *ix = util_map_get(cache, src);
    if (ix)
        return ix;
    ix = arena_alloc(cache->a, sizeof *ix);
    size_t n = 1;
    for (const char *p = src->text; (p = memchr(p, '\n', (size_t)(src->text + src->len - p))); p++)
        n++;
    ix->starts = arena_alloc(cache->a, n * sizeof *ix->starts);
    ix->starts[ix->n++] = src->text;
    for (const char *p = src->text; (p = memchr(p, '\n', (size_t)(src->text + src->len - p))); p++)
        ix->starts[ix->n++] = p + 1;
    util_map_put(cache, src, ix);
    return ix;
}

/* Finds the start and length of 1-based line `line` in src. */
static const char *line_text(util_map *cache, const ast_source *src, int line, size_t *len)
{
    const line_index *ix = lines_of(cache, src);
    if (line < 1 || (size_t)line > ix->n)
        return NULL;
    const char *p = ix->starts[line - 1], *end = src->text + src->len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (*len && p[*len - 1] == '\r')
        (*len)--;
    return p;
}

/* Source line plus a caret line under [col, end_col] (clipped to the first line of the span). */
static void render_excerpt(util_map *cache, const ast_loc *loc, FILE *f)
{
    size_t len;
    const char *text = line_text(cache, loc->src, loc->line, &len);
    if (!text)
        return;
    int col = loc->col < 1 ? 1 : loc->col;
    int end = loc->end_line == loc->line ? loc->end_col : (int)len;
    /* A very long line is shown as a window around the column, so one diagnostic stays a few lines. */
    enum { WINDOW = 160, BEFORE = 60 };
    size_t first = len > WINDOW && (size_t)col > BEFORE ? (size_t)col - BEFORE : 0;
    size_t shown = len - first > WINDOW ? WINDOW : len - first;
    const char *dots = first ? "..." : "";
    fprintf(f, "%5d | %s%.*s%s\n", loc->line, dots, (int)shown, text + first, first + shown < len ? "..." : "");
    fprintf(f, "      | %s", first ? "   " : "");
    if (end > (int)(first + shown))
        end = (int)(first + shown);
    if (end < col)
        end = col;
    for (int c = (int)first + 1; c < col; c++)
        fputc((size_t)(c - 1) < len && text[c - 1] == '\t' ? '\t' : ' ', f);
    fputc('^', f);
    for (int c = col + 1; c <= end; c++)
        fputc('~', f);
    fputc('\n', f);
}

static void render_import_chain(const ast_source *src, FILE *f)
{
    for (const ast_source *s = src; s && s->import_loc.src; s = s->import_loc.src)
        fprintf(f, "in file imported from %s:%d:%d:\n", s->import_loc.src->path, s->import_loc.line,
                s->import_loc.col);
}

static void render_one(util_map *cache, const diag *dg, FILE *f)
{
    if (dg->loc.src) {
        if (dg->severity != DIAG_NOTE)
            render_import_chain(dg->loc.src, f);
        fprintf(f, "%s:%d:%d: %s: %s\n", dg->loc.src->path, dg->loc.line, dg->loc.col,
                severity_name[dg->severity], dg->msg);
        render_excerpt(cache, &dg->loc, f);
    } else {
        fprintf(f, "qrc: %s: %s\n", severity_name[dg->severity], dg->msg);
    }
}

void diag_render(const diag_list *d, FILE *out)
{
    /* stderr is unbuffered: rendering into memory first writes thousands of diagnostics in one call. */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    FILE *f = mem ? mem : out;
    util_map cache = {.a = d->a, .by_pointer = true};
    for (const diag *dg = d->head; dg; dg = dg->next) {
        render_one(&cache, dg, f);
        for (const diag *n = dg->notes; n; n = n->next)
            render_one(&cache, n, f);
        if (dg->hint)
            fprintf(f, "hint: %s\n", dg->hint);
    }
    if (mem) {
        fclose(mem);
        fwrite(buf, 1, len, out);
        free(buf);
    }
}
