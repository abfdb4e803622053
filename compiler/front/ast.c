/* ast.c — syntax tree constructors. */
#include "front/ast.h"

ast_atom *ast_atom_new(arena *a, ast_atom_kind kind, const char *text, ast_loc loc)
{
    ast_atom *at = arena_alloc(a, sizeof *at);
    at->kind = kind;
    at->text = text;
    at->raw = text;
    at->loc = loc;
    return at;
}

ast_group *ast_group_new(arena *a, ast_atom *first)
{
    ast_group *g = arena_alloc(a, sizeof *g);
    g->atoms = first;
    g->last = first;
    g->n = 1;
    g->loc = first->loc;
    return g;
}

void ast_group_add(ast_group *g, ast_atom *atom)
{
    g->last->next = atom;
    g->last = atom;
    g->n++;
    g->loc = ast_loc_span(g->loc, atom->loc);
}

ast_terms *ast_terms_new(arena *a, ast_group *first)
{
    ast_terms *t = arena_alloc(a, sizeof *t);
    t->groups = first;
    t->last = first;
    t->n = 1;
    t->loc = first->loc;
    return t;
}

void ast_terms_add(ast_terms *t, ast_group *g)
{
    t->last->next = g;
    t->last = g;
    t->n++;
    t->loc = ast_loc_span(t->loc, g->loc);
}

ast_stmt *ast_stmt_new(arena *a, ast_terms *head, char sep, ast_terms *rhs, ast_loc loc)
{
    ast_stmt *s = arena_alloc(a, sizeof *s);
    s->head = head;
    s->sep = sep;
    s->rhs = rhs;
    s->loc = loc;
    return s;
}

void ast_stmt_append(ast_stmt **head, ast_stmt *s)
{
    if (*head)
        (*head)->tail->next = s;
    else
        *head = s;
    (*head)->tail = s;
}

ast_loc ast_loc_span(ast_loc a, ast_loc b)
{
    ast_loc l = a;
    l.end_line = b.end_line;
    l.end_col = b.end_col;
    return l;
}

const ast_atom *ast_first_atom(const ast_terms *t)
{
    return t && t->groups ? t->groups->atoms : NULL;
}

const char *ast_stmt_keyword(const ast_stmt *s)
{
    const ast_atom *a = ast_first_atom(s->head);
    return a && a->kind == ATOM_NAME ? a->text : NULL;
}

static bool terms_broken(const ast_terms *t)
{
    for (const ast_group *g = t ? t->groups : NULL; g; g = g->next)
        if (g->broken)
            return true;
    return false;
}

bool ast_stmt_broken(const ast_stmt *s)
{
    return terms_broken(s->head) || terms_broken(s->rhs);
}
