/* parse.c — glue between the generated scanner/parser and the AST. */
#include "front/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "lexer.h"

ast_loc parse_loc(const parse_ctx *c, const void *lloc)
{
    const YYLTYPE *l = lloc;
    return (ast_loc){c->src, l->first_line, l->first_column, l->last_line, l->last_column};
}

void parse_advance(parse_ctx *c, void *lloc, const char *text, int len)
{
    YYLTYPE *l = lloc;
    l->first_line = c->line;
    l->first_column = c->col;
    int last_line = c->line, last_col = c->col;
    for (int i = 0; i < len; i++) {
        last_line = c->line;
        last_col = c->col;
        if (text[i] == '\n') {
            c->line++;
            c->col = 1;
        } else {
            c->col++;
        }
    }
    l->last_line = last_line;
    l->last_column = last_col;
    bool blank = text[0] == ' ' || text[0] == '\t' || text[0] == '\r' || text[0] == '\n';
    bool comment = text[0] == '#' || (len > 1 && text[0] == '/' && text[1] == '*');
    if (!blank && !comment) {
        c->prev_tok = c->cur_tok;
        c->cur_tok = parse_loc(c, l);
    }
}

int parse_open(parse_ctx *c, const void *lloc)
{
    if (++c->depth <= PARSE_MAX_DEPTH)
        return 0;
    diag_error(c->diags, parse_loc(c, lloc), "brackets and braces nest deeper than %d levels", PARSE_MAX_DEPTH);
    c->syntax_errors++;
    c->stopped = true;
    return 1;
}

void parse_close(parse_ctx *c)
{
    if (c->depth > 0)
        c->depth--;
}

/* Offset of the first NUL byte or invalid UTF-8 sequence in s[0..n), or n when there is none. */
static size_t bad_text_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (c == 0 || len == 0 || i + len > n)
            return i;
        unsigned cp = len == 1 ? c : c & (0x7fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (u[i + k] & 0x3f);
        }
        static const unsigned min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;   /* overlong, beyond Unicode, or a surrogate */
        i += len;
    }
    return n;
}

/* Reports the first NUL byte or invalid UTF-8 sequence of text[0..n), which starts at loc, in a `what` (a
 * string, a regex, a comment). Returns true when there was one. */
static bool bad_text(parse_ctx *c, ast_loc loc, const char *text, size_t n, const char *what)
{
    size_t bad = bad_text_at(text, n);
    if (bad == n)
        return false;
    ast_loc at = loc;
    for (size_t i = 0; i < bad; i++) {   /* a block comment may span lines */
        at.col = text[i] == '\n' ? 1 : at.col + 1;
        at.line += text[i] == '\n';
    }
    at.end_line = at.line;
    at.end_col = at.col;
    if (text[bad])
        diag_error(c->diags, at, "invalid UTF-8 (byte 0x%02x) in a %s", (unsigned char)text[bad], what);
    else
        diag_error(c->diags, at, "NUL byte in a %s", what);
    c->syntax_errors++;
    return true;
}

void parse_comment(parse_ctx *c, const char *text, int len, const void *lloc)
{
    ast_comment *cm = arena_alloc(c->a, sizeof *cm);
    cm->text = arena_strndup(c->a, text, (size_t)len);
    cm->loc = parse_loc(c, lloc);
    bad_text(c, cm->loc, text, (size_t)len, "comment");   /* fmt could not print it back */
    *c->comments_tail = cm;
    c->comments_tail = &cm->next;
}

/* Unescapes the body of "..." (\" \\ \n \t; any other escaped character stands for itself). */
static char *unescape(arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char e = s[++i];
            *o++ = e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else if (s[i] != '\\') {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

/* A regex keeps its backslashes except the one protecting a quote. */
static char *regex_body(arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '"')
            continue;
        *o++ = s[i];
    }
    *o = 0;
    return out;
}

ast_atom *parse_atom(parse_ctx *c, int kind, const char *text, int len, const void *lloc)
{
    ast_loc loc = parse_loc(c, lloc);
    const char *raw = arena_strndup(c->a, text, (size_t)len);
    ast_atom *a = ast_atom_new(c->a, (ast_atom_kind)kind, raw, loc);
    size_t n = (size_t)len;
    if ((a->kind == ATOM_STRING || a->kind == ATOM_REGEX) &&
        bad_text(c, loc, raw, n, a->kind == ATOM_STRING ? "string" : "regex"))
        a->bad = true;
    switch (a->kind) {
    case ATOM_STRING: {
        size_t body = n - 1 - (n >= 2 && raw[n - 1] == '"' ? 1 : 0);
        a->text = unescape(c->a, raw + 1, body);
        break;
    }
    case ATOM_REGEX: {
        size_t body = n - 3 - (n >= 4 && raw[n - 1] == '"' ? 1 : 0);
        a->text = regex_body(c->a, raw + 3, body);
        break;
    }
    case ATOM_INT: {
        errno = 0;
        a->ival = strtoll(raw, NULL, 10);
        a->num = (double)a->ival;
        if (errno == ERANGE) {
            diag_error(c->diags, loc, "integer out of range");
            c->syntax_errors++;
            a->bad = true;   /* reported: the statement is not checked again with a clamped value */
        }
        break;
    }
    case ATOM_FLOAT:
    case ATOM_PERCENT:
        a->num = strtod(raw, NULL);
        if (!isfinite(a->num)) {
            diag_error(c->diags, loc, "number out of range");
            c->syntax_errors++;
            a->num = 0;
            a->bad = true;
        }
        break;
    default:
        break;
    }
    return a;
}

int parse_source(arena *a, diag_list *d, const ast_source *src, ast_file *out)
{
    parse_ctx c = {.a = a, .diags = d, .src = src, .line = 1, .col = 1};
    c.comments_tail = &c.comments;
    yyscan_t scanner;
    if (recipe_yylex_init_extra(&c, &scanner)) {
        diag_error(d, (ast_loc){0}, "cannot start the scanner");
        return -1;
    }
    YY_BUFFER_STATE buf = recipe_yy_scan_bytes(src->text, (int)src->len, scanner);
    int rc = recipe_yyparse(scanner);
    recipe_yy_delete_buffer(buf, scanner);
    recipe_yylex_destroy(scanner);
    out->src = src;
    out->stmts = c.stmts;
    out->comments = c.comments;
    out->syntax_ok = rc == 0 && c.syntax_errors == 0;
    return out->syntax_ok ? 0 : -1;
}
