/* analysis.c — sema on a buffer, diagnostics as LSP JSON. */
#include "lsp/analysis.h"

#include <stdlib.h>
#include <string.h>

#include "front/sema.h"
#include "lsp/text.h"

lsp_analysis *lsp_analyze(const char *path, const char *text, size_t len)
{
    lsp_analysis *an = calloc(1, sizeof *an);
    if (!an)
        return NULL;
    diag_init(&an->diags, &an->a);
    an->ok = sema_load_text(&an->a, &an->diags, path, text, len, &an->r) == 0;
    an->file = an->r.root_file;
    text_lines_init(&an->lines, an->r.root->text, an->r.root->len);
    return an;
}

void lsp_analysis_free(lsp_analysis *an)
{
    if (!an)
        return;
    text_lines_free(&an->lines);
    arena_free(&an->a);
    free(an);
}

json_t *lsp_loc_range(const lsp_analysis *an, ast_loc loc, bool *elsewhere)
{
    const ast_source *root = an->r.root;
    *elsewhere = loc.src != root;
    while (loc.src && loc.src != root)
        loc = loc.src->import_loc;
    if (!loc.src)
        return text_range(&an->lines, 1, 1, 0, 0);
    return text_range(&an->lines, loc.line, loc.col, loc.end_line, loc.end_col);
}

static int lsp_severity(diag_severity s)
{
    return s == DIAG_ERROR ? 1 : s == DIAG_WARNING ? 2 : 3;
}

/* A note or a located diagnostic in a file of its own, as relatedInformation. */
static json_t *related(const diag *n)
{
    char *uri = text_path_to_uri(n->loc.src->path);
    text_lines t;
    text_lines_init(&t, n->loc.src->text, n->loc.src->len);
    json_t *range = text_range(&t, n->loc.line, n->loc.col, n->loc.end_line, n->loc.end_col);
    text_lines_free(&t);
    json_t *j = json_pack("{s:{s:s, s:o}, s:s}", "location", "uri", uri ? uri : "", "range", range, "message", n->msg);
    free(uri);
    return j;
}

static json_t *one(const lsp_analysis *an, const diag *dg)
{
    bool elsewhere;
    json_t *range = lsp_loc_range(an, dg->loc, &elsewhere);
    char *msg;
    int rc;
    if (elsewhere && dg->loc.src)
        rc = asprintf(&msg, "in imported file %s:%d:%d: %s%s%s", dg->loc.src->path, dg->loc.line, dg->loc.col,
                      dg->msg, dg->hint ? "\nhint: " : "", dg->hint ? dg->hint : "");
    else
        rc = asprintf(&msg, "%s%s%s", dg->msg, dg->hint ? "\nhint: " : "", dg->hint ? dg->hint : "");
    json_t *j = json_pack("{s:o, s:i, s:s, s:s}", "range", range, "severity", lsp_severity(dg->severity), "source",
                          "qrc", "message", rc < 0 ? dg->msg : msg);
    if (rc >= 0)
        free(msg);
    json_t *rel = json_array();
    if (elsewhere && dg->loc.src)
        json_array_append_new(rel, related(dg));
    for (const diag *n = dg->notes; n; n = n->next)
        if (n->loc.src)
            json_array_append_new(rel, related(n));
    if (json_array_size(rel))
        json_object_set_new(j, "relatedInformation", rel);
    else
        json_decref(rel);
    return j;
}

void lsp_diagnostics_append(const lsp_analysis *an, const diag_list *d, json_t *out)
{
    for (const diag *dg = d->head; dg; dg = dg->next)
        json_array_append_new(out, one(an, dg));
}
