/* server.h — `qrc lsp`: a single-threaded Language Server Protocol server for recipes.
 *
 * lsp_serve reads framed JSON-RPC messages from in until `exit` or the end of input and answers on out.
 * No message makes it crash or stop: malformed frames and JSON, unknown methods and bad parameters get
 * the protocol's error responses and the loop carries on. Requests are dispatched through one table
 * (server.c); each feature lives in its own file and sees the server through this header.
 *
 * Ownership: the server owns its documents (text, analysis) and the model cache; everything is freed
 * when lsp_serve returns. Handlers return new JSON references and never keep params. */
#ifndef QRC_LSP_SERVER_H
#define QRC_LSP_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "lsp/analysis.h"
#include "lsp/model.h"
#include "lsp/rpc.h"

/* One open editor buffer. */
typedef struct lsp_doc {
    char *uri, *path;
    char *text;
    size_t len;
    long version;
    lsp_analysis *an;        /* of the current text */
    bool model_pending;      /* the model-bound checks of this text have not been published yet */
} lsp_doc;

typedef struct lsp_server {
    rpc_reader in;
    FILE *out;
    lsp_doc **docs;
    size_t n_docs;
    lsp_models models;
    bool initialized, shutdown, exit;
} lsp_server;

/* A handler's failure: an error code (RPC_*) and a message. */
typedef struct lsp_fail {
    int code;
    char msg[256];
} lsp_fail;

/* Serves requests read from in_fd until `exit` or end of input. Returns the process status: 0 after
 * shutdown + exit, else 1. */
int lsp_serve(int in_fd, FILE *out);

/* The open document named by params.textDocument.uri, or NULL with f filled. */
lsp_doc *lsp_doc_of(lsp_server *s, const json_t *params, lsp_fail *f);
/* The open document of params and the byte offset of params.position in it (*off), or NULL with f
 * filled. */
lsp_doc *lsp_doc_at(lsp_server *s, const json_t *params, lsp_fail *f, size_t *off);

/* Appends the model-bound diagnostics of d (selectors matching nothing, unknown inputs, absent op
 * types, a model that does not load) to out (checks.c). They run while the loop is idle: when a message
 * arrives meanwhile they stop and return -1 (to be run again later), else 0. */
int lsp_model_checks(lsp_server *s, const lsp_doc *d, json_t *out);

/* The qconfig rule of r that decides (some of) the ops of module in m: the first naming the module, a
 * module above it or one of its op types, else the default rule (NULL without one). Rules by measured
 * sensitivity are left out: only a build knows what they pick. */
const qrule *lsp_rule_for_module(const recipe *r, const lsp_model *m, const char *module);

/* Request handlers (one file per feature): return the result, or NULL with f filled. */
json_t *lsp_completion(lsp_server *s, const json_t *params, lsp_fail *f);
json_t *lsp_hover(lsp_server *s, const json_t *params, lsp_fail *f);
json_t *lsp_definition(lsp_server *s, const json_t *params, lsp_fail *f);
json_t *lsp_formatting(lsp_server *s, const json_t *params, lsp_fail *f);
json_t *lsp_symbols(lsp_server *s, const json_t *params, lsp_fail *f);

#endif
