/* model.h — the names a recipe may refer to in its model, for completion and the model-bound checks.
 *
 * A model is loaded with the runtime's loader and named by the `name` prepare pass (so module names are
 * those a build resolves selectors against), then kept in a cache keyed by path and checked against
 * the file's modification time and size on every use: an edited model is loaded again, an unchanged one
 * never is.
 *
 * Ownership: the cache owns its models (graph, name arrays); pointers stay valid until the same path is
 * loaded again or the cache is freed with lsp_models_free. */
#ifndef QRC_LSP_MODEL_H
#define QRC_LSP_MODEL_H

#include <stddef.h>
#include <time.h>

#include "graph.h"

typedef struct lsp_model {
    char *path;
    struct timespec mtime;
    long long size;
    graph *g;                  /* NULL when loading failed */
    char *error;               /* why loading failed, or NULL */
    const char **modules;      /* every module name and its parents, sorted, unique */
    size_t n_modules;
    const char **op_types;     /* op types present, sorted, unique */
    size_t n_op_types;
    const char **tensors;      /* every value name (inputs, activations, initializers), sorted */
    size_t n_tensors;
    const char **inputs;       /* graph inputs that are not initializers, in the model's order */
    size_t n_inputs;
} lsp_model;

typedef struct lsp_models {
    lsp_model **items;
    size_t n;
    int loads;                 /* how many times a model was read from disk (for tests of the cache) */
} lsp_models;

/* The model at path, loaded now or taken from the cache when the file has not changed. Returns NULL
 * when path cannot be stat'ed; a model that fails to load is returned with g NULL and error set. */
const lsp_model *lsp_model_get(lsp_models *m, const char *path);
/* True if names (sorted) holds name. */
bool lsp_model_has(const char *const *names, size_t n, const char *name);
void lsp_models_free(lsp_models *m);

#endif
