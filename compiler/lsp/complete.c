/* complete.c — textDocument/completion: what may be written at the cursor.
 *
 * Sections at the top level and the keys of the block around the cursor come from the checker's own
 * tables (sema_block_key), values from the README reference, op types from the ONNX table (and the
 * model), and inside selector strings the model's module and tensor names. */
#include <stdlib.h>
#include <string.h>

#include "base/quote.h"
#include "front/onnx_ops.h"
#include "front/sema.h"
#include "lsp/context.h"
#include "lsp/reference.h"
#include "lsp/server.h"
#include "pass.h"
#include "plan/plan.h"

/* LSP CompletionItemKind values. */
enum { KIND_MODULE = 9, KIND_KEYWORD = 14, KIND_VALUE = 12, KIND_CLASS = 7, KIND_FIELD = 5, KIND_FILE = 17 };

typedef struct items {
    json_t *list;
    int kind;
    const char *detail;
    json_t *edit_range;      /* replace this range (inside a string) instead of the word at the cursor */
    bool quote;              /* insert names as a recipe spells them outside strings (quote.h) */
} items;

static void add_n(items *it, const char *label, size_t n)
{
    char buf[512];
    if (n >= sizeof buf)
        return;
    memcpy(buf, label, n);
    buf[n] = 0;
    for (size_t i = 0; i < json_array_size(it->list); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(it->list, i), "label")), buf))
            return;
    json_t *item = json_pack("{s:s, s:i}", "label", buf, "kind", it->kind);
    if (it->detail)
        json_object_set_new(item, "detail", json_string(it->detail));
    if (it->edit_range)
        json_object_set_new(item, "textEdit", json_pack("{s:O, s:s}", "range", it->edit_range, "newText", buf));
    char q[600];
    if (it->quote && !quote_is_plain(buf))
        json_object_set_new(item, "insertText", json_string(quote_name(q, sizeof q, buf)));
    json_array_append_new(it->list, item);
}

static void add(items *it, const char *label)
{
    add_n(it, label, strlen(label));
}

static void add_value(void *ctx, const char *v, size_t n)
{
    add_n(ctx, v, n);
}

static void add_block_keys(items *it, const char *block)
{
    for (size_t i = 0; sema_block_key(block, i); i++)
        add(it, sema_block_key(block, i));
}

/* Keys of the innermost block (qconfig's are its selectors, from the reference). */
static void add_keys(items *it, const lsp_context *c)
{
    it->kind = c->depth ? KIND_FIELD : KIND_KEYWORD;
    const char *block = c->depth ? c->blocks[c->depth - 1] : NULL;
    if (block && !strcmp(block, "qconfig")) {
        for (size_t i = 0; i < lsp_ref_count; i++)
            if (lsp_ref_entries[i].key && !strcmp(lsp_ref_entries[i].section, "qconfig"))
                add(it, lsp_ref_entries[i].key);
        return;
    }
    add_block_keys(it, block);
}

static void add_names(items *it, const char *const *names, size_t n, int kind, const char *detail)
{
    it->kind = kind;
    it->detail = detail;
    for (size_t i = 0; i < n; i++)
        add(it, names[i]);
    it->detail = NULL;
}

static void add_op_types(items *it, const lsp_model *m)
{
    if (m && m->g)
        add_names(it, m->op_types, m->n_op_types, KIND_CLASS, "in the model");
    add_names(it, onnx_op_types, onnx_op_types_count, KIND_CLASS, "ONNX op type");
    size_t n = 0;
    while (pass_unit_kinds()[n])
        n++;
    add_names(it, pass_unit_kinds(), n, KIND_CLASS, "unit kind of the fuse pass");
}

static bool is(const char *a, const char *b)
{
    return !strcmp(a, b);
}

/* Inside a string: module names for selectors, tensor names where a tensor may be named. */
static void add_in_string(items *it, const lsp_context *c, const lsp_model *m)
{
    if (!m || !m->g)
        return;
    const char *key = c->n_words ? c->words[0] : "";
    bool modules = is(key, "exclude") || is(key, "module") || is(c->last_word, "under") || is(key, "quantize");
    bool tensors = is(key, "quantize") || is(key, "output") || is(key, "data") || is(key, "concrete");
    if (modules)
        add_names(it, m->modules, m->n_modules, KIND_MODULE, "module");
    if (tensors)
        add_names(it, m->tensors, m->n_tensors, KIND_VALUE, "tensor");
}

static void add_dtypes(items *it)
{
    for (int d = 0; d < 32; d++) {
        const char *n = plan_dtype_name((Qrc__DType)d);
        if (strcmp(n, "?"))
            add(it, n);
    }
}

/* Values after the statement's key. */
static void add_values(items *it, const lsp_context *c, const lsp_model *m)
{
    const char *section = c->depth ? c->blocks[0] : "", *key = c->words[0];
    const char *second = c->n_words > 1 ? c->words[1] : NULL;
    it->kind = KIND_VALUE;
    bool ops = (is(key, "exclude") && second && is(second, "ops")) || (is(section, "qconfig") && is(key, "op") && !c->sep);
    if (ops) {
        add_op_types(it, m);
    } else if (is(key, "exclude") && c->n_words == 1) {
        add(it, "modules");
        add(it, "ops");
    } else if (is(section, "qconfig") && c->sep == ':') {
        add(it, "act");
        add(it, "weight");
        add(it, "scheme");
        lsp_ref_values(lsp_ref_find("qconfig", NULL, NULL), add_value, it);
    } else if (is(section, "model") && is(key, "input") && c->sep == ':') {
        add_dtypes(it);
    } else if ((is(key, "data") || is(key, "concrete")) && c->sep != '=') {
        it->quote = true;
        if (m && m->g)
            add_names(it, m->inputs, m->n_inputs, KIND_VALUE, "model input");
    } else if (is(key, "quantize") && c->n_words == 1) {
        add(it, "from");
        add(it, "to");
    } else if ((is(key, "quantize") && (is(c->last_word, "from") || is(c->last_word, "to"))) || is(key, "output")) {
        it->quote = true;
        if (m && m->g) {
            add_names(it, m->tensors, m->n_tensors, KIND_VALUE, "tensor");
            if (is(key, "quantize"))
                add_names(it, m->modules, m->n_modules, KIND_MODULE, "module");
        }
    } else if (!(is(section, "passes") && c->depth == 1)) {
        const char *where = c->depth >= 2 && is(section, "passes") ? "passes" : section;
        lsp_ref_values(lsp_ref_find(where, key, second), add_value, it);
    }
}

json_t *lsp_completion(lsp_server *s, const json_t *params, lsp_fail *f)
{
    size_t off;
    lsp_doc *d = lsp_doc_at(s, params, f, &off);
    if (!d)
        return NULL;
    lsp_context c;
    lsp_context_at(&c, d->text, d->len, off);
    const char *model_path = d->an->r.model_resolved;
    const lsp_model *m = model_path ? lsp_model_get(&s->models, model_path) : NULL;
    items it = {.list = json_array()};
    if (c.in_comment)
        return it.list;
    if (c.in_string) {
        size_t open = c.token_start + (d->text[c.token_start] == 'r' ? 3 : 1);
        it.edit_range = json_pack("{s:o, s:o}", "start", text_position(&d->an->lines, open), "end",
                                  text_position(&d->an->lines, off));
        add_in_string(&it, &c, m);
        json_decref(it.edit_range);
    } else if (c.n_tokens == 0) {
        add_keys(&it, &c);
    } else if (c.n_words > 0) {
        add_values(&it, &c, m);
    }
    return json_pack("{s:b, s:o}", "isIncomplete", 0, "items", it.list);
}
