/* ast.h — the recipe syntax tree.
 *
 * The grammar is deliberately uniform: a recipe is a list of statements, and every statement is a clause
 * (comma-separated groups of atoms, optionally split by ':' or '=') ended by ';' or followed by a block of
 * statements. What each statement means is decided by sema against its tables, which keeps the grammar
 * small and lets the checker say precisely what is wrong with a statement it does not accept.
 *
 * Ownership: every node, string and list of an ast_file lives in the arena passed to the parser and is
 * freed with it. Nodes are never freed one by one. */
#ifndef QRC_AST_H
#define QRC_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"

typedef struct ast_source ast_source;

/* A byte range in one source: 1-based line and column of the first and the last character. */
typedef struct ast_loc {
    const ast_source *src;
    int line, col, end_line, end_col;
} ast_loc;

typedef enum ast_atom_kind {
    ATOM_NAME,      /* identifier: sections, keys, values, names */
    ATOM_STRING,    /* "text" (value already unescaped) */
    ATOM_REGEX,     /* re"text" (backslashes kept as written) */
    ATOM_INT,       /* 42, -3 */
    ATOM_FLOAT,     /* 0.01, 1e-3 */
    ATOM_PERCENT,   /* 20% (value in num) */
    ATOM_CALL,      /* name(args), e.g. percentile(99.9) */
    ATOM_INDEX,     /* name[args], e.g. float32[N, 3, 224, 224] */
    ATOM_LIST,      /* [args], e.g. a list constant */
} ast_atom_kind;

typedef struct ast_terms ast_terms;

typedef struct ast_atom {
    ast_atom_kind kind;
    const char *text;       /* name, unescaped string, or the function/indexed name */
    const char *raw;        /* the lexeme exactly as written (for fmt) */
    int64_t ival;           /* ATOM_INT */
    double num;             /* ATOM_FLOAT, ATOM_PERCENT, and ATOM_INT as a double */
    ast_terms *args;        /* ATOM_CALL, ATOM_INDEX, ATOM_LIST */
    bool bad;               /* the scanner already reported it (e.g. an unterminated string) */
    ast_loc loc;
    struct ast_atom *next;
} ast_atom;

/* Atoms side by side: `weight int8 per_channel`. */
typedef struct ast_group {
    ast_atom *atoms;
    ast_atom *last;         /* the last atom, so appending stays O(1) */
    int n;
    ast_loc loc;
    bool broken;            /* a syntax error was reported inside it */
    struct ast_group *next;
} ast_group;

/* Groups separated by commas: `act int16, weight int8`. */
struct ast_terms {
    ast_group *groups;
    ast_group *last;        /* the last group, so appending stays O(1) */
    int n;
    ast_loc loc;
};

typedef struct ast_stmt {
    ast_terms *head;        /* what comes before ':' or '=' (or the whole clause) */
    char sep;               /* 0, ':' or '=' */
    ast_terms *rhs;         /* after the separator, NULL when sep is 0 */
    bool has_block;
    struct ast_stmt *body;  /* statements of the block */
    ast_loc loc;            /* whole statement including ';' or the closing '}' */
    ast_loc sep_loc;
    ast_loc open_loc, close_loc;   /* the braces of the block */
    struct ast_stmt *next;
    struct ast_stmt *tail;  /* on the first statement of a list: its last one (O(1) appends) */
} ast_stmt;

typedef struct ast_comment {
    const char *text;       /* including the '#' or the slash-star delimiters */
    ast_loc loc;
    struct ast_comment *next;
} ast_comment;

/* One loaded recipe file. `import_loc` is where it was imported from (src NULL for the root). */
struct ast_source {
    const char *path;       /* as given or as resolved against the importing file */
    const char *text;       /* whole file, NUL-terminated */
    size_t len;
    ast_loc import_loc;
};

typedef struct ast_file {
    const ast_source *src;
    ast_stmt *stmts;
    ast_comment *comments;  /* in source order */
    bool syntax_ok;         /* false when the parser reported errors */
} ast_file;

/* Constructors used by the parser; all allocate from a. */
ast_atom *ast_atom_new(arena *a, ast_atom_kind kind, const char *text, ast_loc loc);
ast_group *ast_group_new(arena *a, ast_atom *first);
void ast_group_add(ast_group *g, ast_atom *atom);
ast_terms *ast_terms_new(arena *a, ast_group *first);
void ast_terms_add(ast_terms *t, ast_group *g);
ast_stmt *ast_stmt_new(arena *a, ast_terms *head, char sep, ast_terms *rhs, ast_loc loc);
/* Appends the single statement s to the list starting at *head, in constant time (the list's first
 * statement keeps the tail; lists must be built with this function only). */
void ast_stmt_append(ast_stmt **head, ast_stmt *s);

/* Spans from a's start to b's end. */
ast_loc ast_loc_span(ast_loc a, ast_loc b);
/* The first atom of the first group, or NULL. */
const ast_atom *ast_first_atom(const ast_terms *t);
/* The keyword that starts a statement (first atom's name), or NULL if it does not start with a name. */
const char *ast_stmt_keyword(const ast_stmt *s);
/* True if a syntax error was reported inside the statement's clause (sema then skips it). */
bool ast_stmt_broken(const ast_stmt *s);

#endif
