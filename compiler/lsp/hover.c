/* hover.c — textDocument/hover: the README's reference text of a section, key or value; for a module
 * or an op type of the model, what the model holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsp/context.h"
#include "lsp/reference.h"
#include "lsp/server.h"

static json_t *markdown(const char *text, const text_lines *t, size_t start, size_t len)
{
    return json_pack("{s:{s:s, s:s}, s:{s:o, s:o}}", "contents", "kind", "markdown", "value", text, "range", "start",
                     text_position(t, start), "end", text_position(t, start + len));
}

/* The ops a module (and what is under it) holds in the model: "Conv ×2, Relu". */
static char *module_summary(const lsp_model *m, const char *name)
{
    char *out = NULL;
    size_t cap = 0;
    FILE *f = open_memstream(&out, &cap);
    if (!f)
        return NULL;
    size_t n = strlen(name);
    int total = 0;
    fprintf(f, "**module `%s`**", name);
    for (size_t k = 0; k < m->n_op_types; k++) {
        int count = 0;
        for (int i = 0; i < m->g->n_nodes; i++) {
            const char *mod = m->g->nodes[i].module;
            if (mod && !strcmp(m->g->nodes[i].op_type, m->op_types[k]) && !strncmp(mod, name, n) &&
                (!mod[n] || mod[n] == '.'))
                count++;
        }
        if (count)
            fprintf(f, "%s%s", total ? ", " : ": ", m->op_types[k]);
        if (count > 1)
            fprintf(f, " ×%d", count);
        total += count;
    }
    fprintf(f, "\n\n%d op%s in the model", total, total == 1 ? "" : "s");
    fclose(f);
    return out;
}

/* The source line of the qconfig rule that decides module's ops, appended to *text. */
static void append_rule(char **text, const lsp_doc *d, const lsp_model *m, const char *module)
{
    const qrule *rule = lsp_rule_for_module(&d->an->r, m, module);
    if (!rule || !rule->loc.src)
        return;
    const char *p = rule->loc.src->text;
    for (int l = 1; l < rule->loc.line && strchr(p, '\n'); l++)
        p = strchr(p, '\n') + 1;
    while (*p == ' ' || *p == '\t')
        p++;
    int n = (int)strcspn(p, "\n#");
    while (n > 0 && p[n - 1] == ' ')
        n--;
    char *both = NULL;
    if (asprintf(&both, "%s\n\nqconfig rule (%s:%d): `%.*s`", *text, rule->loc.src->path, rule->loc.line, n, p) >= 0) {
        free(*text);
        *text = both;
    }
}

/* The extent of the string around off that starts at start (its content, without the quotes). */
static size_t string_content(const char *text, size_t len, size_t start, size_t *content)
{
    size_t i = start + (text[start] == 'r' ? 3 : 1);
    *content = i;
    while (i < len && text[i] != '"' && text[i] != '\n')
        i += text[i] == '\\' ? 2 : 1;
    return (i > len ? len : i) - *content;
}

static json_t *hover_string(lsp_server *s, const lsp_doc *d, size_t off)
{
    lsp_context c;
    lsp_context_at(&c, d->text, d->len, off + 1);
    if (!c.in_string || !d->an->r.model_resolved)
        return NULL;
    size_t content, n = string_content(d->text, d->len, c.token_start, &content);
    char *name = strndup(d->text + content, n);
    const lsp_model *m = lsp_model_get(&s->models, d->an->r.model_resolved);
    json_t *res = NULL;
    if (name && m && m->g && lsp_model_has(m->modules, m->n_modules, name)) {
        char *text = module_summary(m, name);
        if (text)
            append_rule(&text, d, m, name);
        if (text)
            res = markdown(text, &d->an->lines, content, n);
        free(text);
    } else if (name && m && m->g && lsp_model_has(m->tensors, m->n_tensors, name)) {
        res = markdown("tensor of the model", &d->an->lines, content, n);
    }
    free(name);
    return res;
}

json_t *lsp_hover(lsp_server *s, const json_t *params, lsp_fail *f)
{
    size_t off;
    lsp_doc *d = lsp_doc_at(s, params, f, &off);
    if (!d)
        return NULL;
    json_t *str = hover_string(s, d, off);
    if (str)
        return str;
    size_t start, n = lsp_word_at(d->text, d->len, off, &start);
    if (!n)
        return json_null();
    lsp_context c;
    lsp_context_at(&c, d->text, d->len, start);
    char word[CTX_WORD] = "";
    memcpy(word, d->text + start, n < CTX_WORD ? n : CTX_WORD - 1);
    if (c.in_string || c.in_comment)
        return json_null();
    const lsp_ref_entry *e;
    if (c.depth == 0)
        e = lsp_ref_find(word, NULL, NULL);
    else if (c.n_tokens == 0)
        e = lsp_ref_find(c.depth >= 2 && !strcmp(c.blocks[0], "passes") ? "passes" : c.blocks[0],
                         c.depth >= 2 && !strcmp(c.blocks[0], "passes") ? c.blocks[1] : word, NULL);
    else
        e = lsp_ref_find(c.blocks[0], c.words[0], c.n_words > 1 ? c.words[1] : word);
    if (!e && c.depth)
        e = lsp_ref_find(c.blocks[0], word, NULL);
    if (!e)
        return json_null();
    const lsp_ref_entry *values = lsp_ref_values_entry(e);
    char code[CTX_WORD + 2];
    snprintf(code, sizeof code, "`%s", word);
    if (values == e || !c.n_tokens || strstr(e->text, code) || !strstr(values->text, code))
        return markdown(e->text, &d->an->lines, start, n);
    char *both = NULL;   /* a value the key's entry only names by placeholder: show where it is listed too */
    if (asprintf(&both, "%s\n\n%s", e->text, values->text) < 0)
        return json_null();
    json_t *res = markdown(both, &d->an->lines, start, n);
    free(both);
    return res;
}
