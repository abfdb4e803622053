/* server.c — the request loop: framing errors, dispatch, lifecycle and document synchronisation. */
#include "lsp/server.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static void send(lsp_server *s, json_t *msg)
{
    if (msg && rpc_write(s->out, msg))
        s->exit = true;   /* the client is gone */
    json_decref(msg);
}

static void fail(lsp_fail *f, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(lsp_fail *f, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    f->code = code;
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
}

/* ---- documents ---- */

static lsp_doc *find_doc(lsp_server *s, const char *uri)
{
    for (size_t i = 0; i < s->n_docs; i++)
        if (!strcmp(s->docs[i]->uri, uri))
            return s->docs[i];
    return NULL;
}

lsp_doc *lsp_doc_of(lsp_server *s, const json_t *params, lsp_fail *f)
{
    const char *uri = json_string_value(json_object_get(json_object_get(params, "textDocument"), "uri"));
    lsp_doc *d = uri ? find_doc(s, uri) : NULL;
    if (d && !d->an)
        d = NULL;   /* opened, but its text could not be analysed (out of memory) */
    if (!d)
        fail(f, RPC_INVALID_PARAMS, uri ? "document %s is not open" : "params.textDocument.uri is missing", uri);
    return d;
}

lsp_doc *lsp_doc_at(lsp_server *s, const json_t *params, lsp_fail *f, size_t *off)
{
    lsp_doc *d = lsp_doc_of(s, params, f);
    if (!d)
        return NULL;
    const json_t *pos = json_object_get(params, "position");
    const json_t *line = json_object_get(pos, "line"), *ch = json_object_get(pos, "character");
    if (!json_is_integer(line) || !json_is_integer(ch)) {
        fail(f, RPC_INVALID_PARAMS, "params.position needs integer line and character");
        return NULL;
    }
    *off = text_offset(&d->an->lines, (long)json_integer_value(line), (long)json_integer_value(ch));
    return d;
}

static void doc_free(lsp_doc *d)
{
    lsp_analysis_free(d->an);
    free(d->uri);
    free(d->path);
    free(d->text);
    free(d);
}

/* Publishes d's diagnostics; with the model-bound ones unless a message arrived while they ran. */
static void publish(lsp_server *s, lsp_doc *d, bool with_model)
{
    json_t *list = json_array();
    lsp_diagnostics_append(d->an, &d->an->diags, list);
    if (with_model && lsp_model_checks(s, d, list)) {
        d->model_pending = true;
        json_decref(list);
        return;
    }
    send(s, rpc_notification("textDocument/publishDiagnostics",
                             json_pack("{s:s, s:I, s:o}", "uri", d->uri, "version", (json_int_t)d->version,
                                       "diagnostics", list)));
}

/* New text for d: analysed at once and published; the model-bound checks follow when the loop is idle. */
static int set_text(lsp_server *s, lsp_doc *d, const char *text, size_t len, lsp_fail *f)
{
    char *copy = malloc(len + 1);
    lsp_analysis *an = copy ? lsp_analyze(d->path, text, len) : NULL;
    if (!an) {
        free(copy);
        fail(f, RPC_INTERNAL_ERROR, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = 0;
    free(d->text);
    lsp_analysis_free(d->an);
    d->text = copy;
    d->len = len;
    d->an = an;
    d->model_pending = an->r.model_resolved != NULL;
    publish(s, d, false);
    return 0;
}

static json_t *did_open(lsp_server *s, const json_t *params, lsp_fail *f)
{
    const json_t *td = json_object_get(params, "textDocument");
    const char *uri = json_string_value(json_object_get(td, "uri"));
    const json_t *text = json_object_get(td, "text");
    char *path = text_uri_to_path(uri);
    if (!path || !json_is_string(text)) {
        free(path);
        fail(f, RPC_INVALID_PARAMS, "didOpen needs a file:// uri and the text");
        return NULL;
    }
    lsp_doc *d = find_doc(s, uri);
    if (!d) {
        lsp_doc **docs = realloc(s->docs, (s->n_docs + 1) * sizeof *docs);
        if (docs)
            s->docs = docs;
        d = docs ? calloc(1, sizeof *d) : NULL;
        if (!d) {
            free(path);
            fail(f, RPC_INTERNAL_ERROR, "out of memory");
            return NULL;
        }
        s->docs[s->n_docs++] = d;
        d->uri = strdup(uri);
        d->path = path;
    } else {
        free(path);
    }
    d->version = (long)json_integer_value(json_object_get(td, "version"));
    set_text(s, d, json_string_value(text), json_string_length(text), f);
    return NULL;
}

static json_t *did_change(lsp_server *s, const json_t *params, lsp_fail *f)
{
    lsp_doc *d = lsp_doc_of(s, params, f);
    const json_t *changes = json_object_get(params, "contentChanges");
    const json_t *last = json_array_get(changes, json_array_size(changes) - 1);
    const json_t *text = json_object_get(last, "text");
    if (!d)
        return NULL;
    if (!json_is_string(text) || json_object_get(last, "range")) {
        fail(f, RPC_INVALID_PARAMS, "didChange needs the whole text (full synchronisation)");
        return NULL;
    }
    d->version = (long)json_integer_value(json_object_get(json_object_get(params, "textDocument"), "version"));
    set_text(s, d, json_string_value(text), json_string_length(text), f);
    return NULL;
}

static json_t *did_close(lsp_server *s, const json_t *params, lsp_fail *f)
{
    lsp_doc *d = lsp_doc_of(s, params, f);
    if (!d)
        return NULL;
    size_t i = 0;
    while (s->docs[i] != d)
        i++;
    s->docs[i] = s->docs[--s->n_docs];
    send(s, rpc_notification("textDocument/publishDiagnostics",
                             json_pack("{s:s, s:[]}", "uri", d->uri, "diagnostics")));
    doc_free(d);
    return NULL;
}

/* A saved file may be imported by other open documents: check them all again (imports are read from disk). */
static json_t *did_save(lsp_server *s, const json_t *params, lsp_fail *f)
{
    for (size_t i = 0; i < s->n_docs; i++)
        if (s->docs[i]->an)
            set_text(s, s->docs[i], s->docs[i]->text, s->docs[i]->len, f);   /* set_text copies before it frees */
    return NULL;
}

/* ---- lifecycle ---- */

static json_t *initialize(lsp_server *s, const json_t *params, lsp_fail *f)
{
    s->initialized = true;
    return json_pack("{s:{s:{s:b, s:i, s:{s:b}}, s:{s:[s,s,s,s,s]}, s:b, s:b, s:b, s:b}, s:{s:s, s:s}}",
                     "capabilities", "textDocumentSync", "openClose", 1, "change", 1, "save", "includeText", 0,
                     "completionProvider", "triggerCharacters", "\"", " ", ".", "/", ",", "hoverProvider", 1,
                     "definitionProvider", 1, "documentFormattingProvider", 1, "documentSymbolProvider", 1,
                     "serverInfo", "name", "qrc", "version", QRC_VERSION);
}

static json_t *ignore(lsp_server *s, const json_t *params, lsp_fail *f)
{
    return NULL;
}

static json_t *shutdown_(lsp_server *s, const json_t *params, lsp_fail *f)
{
    s->shutdown = true;
    return json_null();
}

static json_t *exit_(lsp_server *s, const json_t *params, lsp_fail *f)
{
    s->exit = true;
    return NULL;
}

/* ---- dispatch ---- */

typedef struct method {
    const char *name;
    json_t *(*run)(lsp_server *s, const json_t *params, lsp_fail *f);
} method;

static const method methods[] = {
    {"initialize", initialize},
    {"initialized", ignore},
    {"shutdown", shutdown_},
    {"exit", exit_},
    {"textDocument/didOpen", did_open},
    {"textDocument/didChange", did_change},
    {"textDocument/didClose", did_close},
    {"textDocument/didSave", did_save},
    {"textDocument/completion", lsp_completion},
    {"textDocument/hover", lsp_hover},
    {"textDocument/definition", lsp_definition},
    {"textDocument/formatting", lsp_formatting},
    {"textDocument/documentSymbol", lsp_symbols},
};

static const method *method_named(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (!strcmp(methods[i].name, name))
            return &methods[i];
    return NULL;
}

/* A request (id set) gets exactly one response; a notification none, even when it fails. */
static void handle(lsp_server *s, const json_t *msg)
{
    const json_t *id = json_object_get(msg, "id");
    const char *name = json_string_value(json_object_get(msg, "method"));
    if (!json_is_object(msg) || (!name && !id)) {
        send(s, rpc_error(NULL, RPC_INVALID_REQUEST, "not a JSON-RPC request or notification"));
        return;
    }
    if (!name)
        return;   /* a response to a request of ours: we send none */
    if (id && !json_is_integer(id) && !json_is_string(id)) {
        send(s, rpc_error(NULL, RPC_INVALID_REQUEST, "a request id is a number or a string"));
        return;
    }
    const method *m = method_named(name);
    lsp_fail f = {0};
    json_t *result = NULL;
    if (!m)
        fail(&f, id || strncmp(name, "$/", 2) ? RPC_METHOD_NOT_FOUND : 0, "unknown method '%s'", name);
    else if (!s->initialized && strcmp(name, "initialize") && strcmp(name, "exit"))
        fail(&f, RPC_NOT_INITIALIZED, "the server is not initialized");
    else if (s->shutdown && id)
        fail(&f, RPC_INVALID_REQUEST, "the server is shutting down");
    else
        result = m->run(s, json_object_get(msg, "params"), &f);
    if (!id) {
        json_decref(result);
        return;
    }
    if (result)
        send(s, rpc_result(id, result));
    else if (f.code)
        send(s, rpc_error(id, f.code, f.msg));
    else
        send(s, rpc_result(id, json_null()));
}

static void read_one(lsp_server *s)
{
    char *body = NULL;
    size_t len = 0;
    rpc_status st = rpc_read(&s->in, &body, &len);
    if (st == RPC_EOF) {
        s->exit = true;
    } else if (st == RPC_BAD_HEADER) {
        send(s, rpc_error(NULL, RPC_PARSE_ERROR, "a message header without a valid Content-Length"));
    } else if (st == RPC_TOO_LARGE) {
        char msg[128];
        snprintf(msg, sizeof msg, "a message of %zu bytes is over the limit of %d bytes", len, RPC_MAX_BODY);
        send(s, rpc_error(NULL, RPC_INVALID_REQUEST, msg));
    } else {
        json_error_t err;
        json_t *msg = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
        if (!msg)
            send(s, rpc_error(NULL, RPC_PARSE_ERROR, err.text));
        else
            handle(s, msg);
        json_decref(msg);
    }
    free(body);
}

/* While no message waits, one document's model-bound checks (the model may take a while to load). */
static void idle_work(lsp_server *s)
{
    for (size_t i = 0; i < s->n_docs && !rpc_pending(&s->in); i++)
        if (s->docs[i]->model_pending) {
            s->docs[i]->model_pending = false;
            publish(s, s->docs[i], true);   /* sets model_pending again when interrupted */
        }
}

int lsp_serve(int in_fd, FILE *out)
{
    lsp_server s = {.out = out};
    rpc_reader_init(&s.in, in_fd);
    while (!s.exit) {
        idle_work(&s);
        if (!s.exit)
            read_one(&s);
    }
    for (size_t i = 0; i < s.n_docs; i++)
        doc_free(s.docs[i]);
    free(s.docs);
    lsp_models_free(&s.models);
    return s.shutdown ? 0 : 1;
}
