/* report.c — the notes and node annotations passes leave behind. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "pass.h"

void pass_report_init(pass_report *r)
{
    memset(r, 0, sizeof *r);
}

void pass_report_free(pass_report *r)
{
    free(r->notes);
    free(r->info);
    free(r->groups);
    arena_free(&r->a);
    memset(r, 0, sizeof *r);
}

/* Grows an array of `size`-byte elements to hold at least need (bookkeeping: mem.h's OOM policy). */
static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    *cap = n;
    return mem_grow(p, (size_t)n, size);
}

void pass_note_add(pass_report *r, pass_level level, const char *pass, const char *kind, const char *node,
                   const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    r->notes = grow(r->notes, &r->cap_notes, r->n_notes + 1, sizeof *r->notes);
    pass_note *n = &r->notes[r->n_notes++];
    n->level = level;
    n->pass = arena_strdup(&r->a, pass);
    n->kind = arena_strdup(&r->a, kind);
    n->node = arena_strdup(&r->a, node);
    n->msg = arena_strdup(&r->a, buf);
}

int pass_report_count(const pass_report *r, const char *kind, pass_level level)
{
    int c = 0;
    for (int i = 0; i < r->n_notes; i++)
        if (r->notes[i].level >= level && (!kind || !strcmp(r->notes[i].kind, kind)))
            c++;
    return c;
}

const pass_node_info *pass_report_find(const pass_report *r, const char *node)
{
    for (int i = 0; i < r->n_info; i++)
        if (!strcmp(r->info[i].node, node))
            return &r->info[i];
    return NULL;
}

pass_node_info *pass_report_node(pass_report *r, const char *node)
{
    pass_node_info *f = (pass_node_info *)pass_report_find(r, node);
    if (f)
        return f;
    r->info = grow(r->info, &r->cap_info, r->n_info + 1, sizeof *r->info);
    f = &r->info[r->n_info++];
    memset(f, 0, sizeof *f);
    f->node = arena_strdup(&r->a, node);
    f->group = -1;
    return f;
}

int pass_report_group(pass_report *r, const char *kind, int n, const char *const *nodes)
{
    r->groups = grow(r->groups, &r->cap_groups, r->n_groups + 1, sizeof *r->groups);
    int id = r->n_groups++;
    pass_group *gr = &r->groups[id];
    gr->kind = arena_strdup(&r->a, kind);
    gr->n_nodes = n;
    gr->nodes = arena_alloc(&r->a, (size_t)n * sizeof *gr->nodes);
    for (int i = 0; i < n; i++) {
        gr->nodes[i] = arena_strdup(&r->a, nodes[i]);
        pass_node_info *inf = pass_report_node(r, nodes[i]);
        inf->group = id;
        inf->group_output = i == n - 1;
    }
    return id;
}
