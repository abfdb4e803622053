/* parser.y — the recipe grammar.
 *
 *   recipe  := stmt*
 *   stmt    := clause ';' | clause '{' stmt* '}' [';']
 *   clause  := terms | terms ':' terms | terms '=' terms
 *   terms   := group (',' group)*
 *   group   := first atom*
 *   first   := atom | '[' terms? ']'
 *   atom    := NAME | STRING | REGEX | INT | FLOAT | PERCENT | NAME '(' terms ')' | NAME '[' terms ']'
 *
 * Meaning (which statements exist where, what values they take) is checked by sema against its tables.
 * A syntax error drops the statement it occurs in; parsing resumes after the next ';' or at the '}'. */
%define api.pure full
%define api.prefix {recipe_yy}
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%code requires {
#include "front/ast.h"
typedef void *yyscan_t;
#define YYSTYPE RECIPE_YYSTYPE
#define YYLTYPE RECIPE_YYLTYPE
}
%param { yyscan_t scanner }

%code {
#include <string.h>
#include "front/parse.h"
int recipe_yylex(YYSTYPE *lval, YYLTYPE *lloc, yyscan_t scanner);
struct parse_ctx *recipe_yyget_extra(yyscan_t scanner);
static void yyerror(YYLTYPE *l, yyscan_t scanner, const char *m);
#define CTX (recipe_yyget_extra(scanner))
#define LOC(l) parse_loc(CTX, &(l))
static ast_group *group_add(parse_ctx *c, ast_group *g, ast_atom *a);
static ast_atom *compound(parse_ctx *c, ast_atom_kind kind, ast_atom *name, ast_terms *args, YYLTYPE l);
static ast_stmt *block(parse_ctx *c, ast_stmt *s, ast_stmt *body, YYLTYPE all, YYLTYPE open, YYLTYPE close);
}

%union {
    ast_atom *atom;
    ast_group *group;
    ast_terms *terms;
    ast_stmt *stmt;
}

%token END 0 "end of file"
%token <atom> NAME "name" STRING "string" REGEX "regex" INT "integer" FLOAT "number" PERCENT "percentage"
%token ';' "';'" '{' "'{'" '}' "'}'" ':' "':'" '=' "'='" ',' "','" '(' "'('" ')' "')'" '[' "'['" ']' "']'"
%type <atom> atom first
%type <group> group
%type <terms> terms
%type <stmt> stmts stmt clause

%%

recipe
    : stmts                     { CTX->stmts = $1; }
    ;

stmts
    : %empty                    { $$ = NULL; }
    | stmts stmt                { $$ = $1; ast_stmt_append(&$$, $2); }
    | stmts error ';'           { $$ = $1; }
    ;

stmt
    : clause ';'                { $$ = $1; $$->loc = LOC(@$); }
    | clause '{' stmts '}'      { $$ = block(CTX, $1, $3, @$, @2, @4); }
    | clause '{' stmts '}' ';'  { $$ = block(CTX, $1, $3, @$, @2, @4); }
    | clause '{' stmts error '}'
                                { $$ = block(CTX, $1, $3, @$, @2, @5); }
    ;

clause
    : terms                     { $$ = ast_stmt_new(CTX->a, $1, 0, NULL, LOC(@$)); }
    | terms ':' terms           { $$ = ast_stmt_new(CTX->a, $1, ':', $3, LOC(@$)); $$->sep_loc = LOC(@2); }
    | terms '=' terms           { $$ = ast_stmt_new(CTX->a, $1, '=', $3, LOC(@$)); $$->sep_loc = LOC(@2); }
    ;

terms
    : group                     { $$ = ast_terms_new(CTX->a, $1); }
    | terms ',' group           { $$ = $1; ast_terms_add($$, $3); }
    ;

group
    : first                     { $$ = ast_group_new(CTX->a, $1); $$->broken = $1->bad; }
    | group atom                { $$ = group_add(CTX, $1, $2); }
    ;

first
    : atom
    | '[' terms ']'             { $$ = compound(CTX, ATOM_LIST, NULL, $2, @$); }
    | '[' ']'                   { $$ = compound(CTX, ATOM_LIST, NULL, NULL, @$); }
    ;

atom
    : NAME
    | STRING
    | REGEX
    | INT
    | FLOAT
    | PERCENT
    | NAME '(' terms ')'        { $$ = compound(CTX, ATOM_CALL, $1, $3, @$); }
    | NAME '[' terms ']'        { $$ = compound(CTX, ATOM_INDEX, $1, $3, @$); }
    ;

%%

static void yyerror(YYLTYPE *l, yyscan_t scanner, const char *m)
{
    parse_ctx *c = CTX;
    c->syntax_errors++;
    if (c->stopped)
        return;
    diag_error(c->diags, parse_loc(c, l), "%s", m);
}

/* A newline between two atoms of one group almost always means a ';' was forgotten. */
static ast_group *group_add(parse_ctx *c, ast_group *g, ast_atom *a)
{
    const ast_atom *last = g->last;
    if (last->bad || a->bad)
        g->broken = true;
    if (a->loc.line > g->loc.end_line && !g->broken) {
        ast_loc at = g->loc;
        at.line = at.end_line;
        at.col = at.end_col;
        diag *d = diag_error(c->diags, at, "expected ';' after this");
        diag_hint(c->diags, d, "the values of one setting must stay on one line");
        g->broken = true;
        c->syntax_errors++;
    }
    ast_group_add(g, a);
    return g;
}

/* A statement with a block; its span ends at the closing brace (an optional ';' after it is dropped). */
static ast_stmt *block(parse_ctx *c, ast_stmt *s, ast_stmt *body, YYLTYPE all, YYLTYPE open, YYLTYPE close)
{
    s->has_block = true;
    s->body = body;
    s->loc = parse_loc(c, &all);
    s->open_loc = parse_loc(c, &open);
    s->close_loc = parse_loc(c, &close);
    s->loc.end_line = s->close_loc.end_line;
    s->loc.end_col = s->close_loc.end_col;
    return s;
}

static ast_atom *compound(parse_ctx *c, ast_atom_kind kind, ast_atom *name, ast_terms *args, YYLTYPE l)
{
    ast_atom *a = ast_atom_new(c->a, kind, name ? name->text : NULL, parse_loc(c, &l));
    a->args = args;
    return a;
}

static const char *token_name(yysymbol_kind_t k, char *buf, size_t n)
{
    const char *s = yysymbol_name(k);
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
        snprintf(buf, n, "%.*s", (int)(len - 2), s + 1);
        return buf;
    }
    return s;
}

static int yyreport_syntax_error(const yypcontext_t *pc, yyscan_t scanner)
{
    parse_ctx *c = CTX;
    c->syntax_errors++;
    if (c->stopped)
        return 0;   /* the input was cut short on purpose; its error is already reported */
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(pc, expected, YYNTOKENS);
    yysymbol_kind_t tok = yypcontext_token(pc);
    ast_loc at = parse_loc(c, yypcontext_location(pc));
    char b1[64], b2[64];
    bool wants_semi = false;
    for (int i = 0; i < n; i++)
        wants_semi |= !strcmp(yysymbol_name(expected[i]), "';'");
    if (wants_semi && c->prev_tok.src && at.line > c->prev_tok.end_line) {
        ast_loc after = c->prev_tok;
        after.line = after.end_line;
        after.col = after.end_col;
        diag_error(c->diags, after, "expected ';' after this");
        return 0;
    }
    if (wants_semi && (tok == YYSYMBOL_YYEOF || !strcmp(yysymbol_name(tok), "'}'"))) {
        diag_error(c->diags, at, "expected ';' before %s", token_name(tok, b1, sizeof b1));
        return 0;
    }
    char msg[512];
    int len = snprintf(msg, sizeof msg, "unexpected %s", token_name(tok, b1, sizeof b1));
    if (n > 0 && n <= 5) {
        len += snprintf(msg + len, sizeof msg - (size_t)len, ", expected ");
        for (int i = 0; i < n && len < (int)sizeof msg; i++)
            len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s",
                            i == 0 ? "" : i == n - 1 ? " or " : ", ", token_name(expected[i], b2, sizeof b2));
    }
    diag_error(c->diags, at, "%s", msg);
    return 0;
}
