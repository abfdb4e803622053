/* navigate.c — go to definition, document symbols and formatting (through fmt). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "front/fmt.h"
#include "lsp/context.h"
#include "lsp/server.h"
#include "util.h"

static json_t *location(const char *path, int line, int col)
{
    char *uri = text_path_to_uri(path);
    json_t *pos = json_pack("{s:i, s:i}", "line", line > 0 ? line - 1 : 0, "character", col > 0 ? col - 1 : 0);
    json_t *j = json_pack("{s:s, s:{s:O, s:O}}", "uri", uri ? uri : "", "range", "start", pos, "end", pos);
    json_decref(pos);
    free(uri);
    return j;
}

/* A path written in a string of an import, model, config, labels or encodings statement. */
static json_t *file_definition(const lsp_doc *d, const lsp_context *c, size_t off)
{
    static const char *const keys[] = {"import", "model", "config", "labels", "encodings"};
    bool file_key = false;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        file_key |= c->n_words && !strcmp(c->words[0], keys[i]);
    if (!file_key || d->text[c->token_start] != '"')
        return NULL;
    size_t end = c->token_start + 1;
    while (end < d->len && d->text[end] != '"' && d->text[end] != '\n')
        end++;
    char *rel = strndup(d->text + c->token_start + 1, end - c->token_start - 1);
    arena a = {0};
    const char *path = rel ? util_path_resolve(&a, d->path, rel) : NULL;
    struct stat st;
    json_t *res = path && !stat(path, &st) ? location(path, 1, 1) : NULL;
    free(rel);
    arena_free(&a);
    return res;
}

/* "path:line:col" to a location. */
static json_t *location_of(const char *where)
{
    size_t n;
    int line, col;
    if (text_parse_where(where, &n, &line, &col))
        return NULL;
    char *path = strndup(where, n);
    json_t *j = path ? location(path, line, col) : NULL;
    free(path);
    return j;
}

/* A graph input declared with `input NAME` (possibly in an imported file). */
static json_t *name_definition(const lsp_doc *d, size_t off)
{
    size_t start, n = lsp_word_at(d->text, d->len, off, &start);
    const recipe *r = &d->an->r;
    for (size_t i = 0; n && i < r->n_inputs; i++)
        if (strlen(r->inputs[i]->name) == n && !strncmp(r->inputs[i]->name, d->text + start, n) && r->inputs[i]->loc)
            return location_of(r->inputs[i]->loc);
    return NULL;
}

json_t *lsp_definition(lsp_server *s, const json_t *params, lsp_fail *f)
{
    size_t off;
    lsp_doc *d = lsp_doc_at(s, params, f, &off);
    if (!d)
        return NULL;
    lsp_context c;
    lsp_context_at(&c, d->text, d->len, off + 1 <= d->len ? off + 1 : d->len);
    json_t *res = c.in_string ? file_definition(d, &c, off) : name_definition(d, off);
    return res ? res : json_null();
}

json_t *lsp_formatting(lsp_server *s, const json_t *params, lsp_fail *f)
{
    lsp_doc *d = lsp_doc_of(s, params, f);
    if (!d)
        return NULL;
    if (!d->an->file->syntax_ok) {
        snprintf(f->msg, sizeof f->msg, "the recipe has syntax errors; fix them before formatting");
        f->code = RPC_REQUEST_FAILED;
        return NULL;
    }
    arena a = {0};
    const char *text = fmt_file(&a, d->an->file);
    json_t *edits = json_array();
    if (strcmp(text, d->text))
        json_array_append_new(edits, json_pack("{s:{s:{s:i, s:i}, s:o}, s:s}", "range", "start", "line", 0, "character",
                                               0, "end", text_position(&d->an->lines, d->len), "newText", text));
    arena_free(&a);
    return edits;
}

/* LSP SymbolKind values. */
enum { SYM_MODULE = 2, SYM_NAMESPACE = 3, SYM_FIELD = 8, SYM_STRUCT = 23 };

static json_t *symbol(const lsp_doc *d, const ast_stmt *st, int depth)
{
    const ast_atom *kw = ast_first_atom(st->head);
    if (!kw)
        return NULL;
    char name[256];
    const ast_atom *arg = kw->next;
    snprintf(name, sizeof name, "%s%s%s", kw->raw ? kw->raw : "?", arg && arg->raw ? " " : "",
             arg && arg->raw ? arg->raw : "");
    const text_lines *t = &d->an->lines;
    int kind = depth ? SYM_FIELD : !strcmp(kw->text ? kw->text : "", "import") ? SYM_MODULE : st->has_block ? SYM_STRUCT
                                                                                                          : SYM_NAMESPACE;
    json_t *j = json_pack("{s:s, s:i, s:o, s:o}", "name", name, "kind", kind, "range",
                          text_range(t, st->loc.line, st->loc.col, st->loc.end_line, st->loc.end_col), "selectionRange",
                          text_range(t, kw->loc.line, kw->loc.col, kw->loc.end_line, kw->loc.end_col));
    if (st->has_block && depth < 3) {
        json_t *children = json_array();
        for (const ast_stmt *c = st->body; c; c = c->next) {
            json_t *child = symbol(d, c, depth + 1);
            if (child)
                json_array_append_new(children, child);
        }
        json_object_set_new(j, "children", children);
    }
    return j;
}

json_t *lsp_symbols(lsp_server *s, const json_t *params, lsp_fail *f)
{
    lsp_doc *d = lsp_doc_of(s, params, f);
    if (!d)
        return NULL;
    json_t *list = json_array();
    for (const ast_stmt *st = d->an->file->stmts; st; st = st->next) {
        json_t *sym = symbol(d, st, 0);
        if (sym)
            json_array_append_new(list, sym);
    }
    return list;
}
