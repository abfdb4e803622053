/* parse.h — turning one recipe source into an ast_file (flex scanner + bison parser in grammar/).
 *
 * Ownership: the ast_file and every node in it live in the arena given to parse_source. */
#ifndef QRC_PARSE_H
#define QRC_PARSE_H

#include "base/arena.h"
#include "front/ast.h"
#include "front/diag.h"

/* State shared by the scanner and the parser of one source (the scanner's "extra" data). */
typedef struct parse_ctx {
    arena *a;
    diag_list *diags;
    const ast_source *src;
    int line, col;              /* position of the next character */
    ast_loc prev_tok, cur_tok;  /* the last two tokens, to place "expected ';'" after the previous one */
    ast_comment *comments, **comments_tail;
    ast_stmt *stmts;
    int syntax_errors;
    int depth;                  /* brackets and braces open at the scanner's position */
    bool stopped;               /* scanning was cut short (nesting too deep): no more syntax errors */
} parse_ctx;

/* How deep brackets and braces may nest: deeper input is refused before the parser's stack and the
 * recursive walks over the tree grow with it. */
enum { PARSE_MAX_DEPTH = 64 };

/* Parses src into *out. Every lexical and syntax error is added to d; statements that could not be parsed
 * are dropped and parsing resumes after the next ';' or '}'. Returns 0 when there was no error, else -1
 * (out is still filled with what could be parsed). */
int parse_source(arena *a, diag_list *d, const ast_source *src, ast_file *out);

/* Scanner helper: records that the token in yytext[0..len) was read; fills its location. */
void parse_advance(parse_ctx *c, void *lloc, const char *text, int len);
/* Scanner helpers: an opening bracket or brace (returns nonzero, after reporting it, when it nests
 * deeper than PARSE_MAX_DEPTH: the scanner then ends the input) and a closing one. */
int parse_open(parse_ctx *c, const void *lloc);
void parse_close(parse_ctx *c);
/* Scanner helper: adds a comment token to the side list kept for fmt. */
void parse_comment(parse_ctx *c, const char *text, int len, const void *lloc);
/* The ast_loc of a scanner/parser location. */
ast_loc parse_loc(const parse_ctx *c, const void *lloc);
/* Builds an atom for a token; unescapes strings. */
ast_atom *parse_atom(parse_ctx *c, int kind, const char *text, int len, const void *lloc);

#endif
