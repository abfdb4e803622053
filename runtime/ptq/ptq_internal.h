/* ptq_internal.h — shared by the post-training rewrites in runtime/ptq/. */
#ifndef QRC_PTQ_INTERNAL_H
#define QRC_PTQ_INTERNAL_H

#include "exec.h"
#include "ptq.h"

/* Runs the float graph on every batch `next` gives (inputs bound by names), `watch` seeing every value;
 * *rows counts the rows run. 0, or -1 with e filled (by next, the run or the observer). */
int ptq_run_batches(const graph *g, exec_observer_fn watch, void *watch_user, int n_inputs, const char *const *names,
                    ptq_batch_fn next, void *user, int threads, int64_t *rows, qrc_err *e);

/* A Conv (2-D, groups 1) or Gemm (transA = 0) as an [O x K] weight matrix whose input columns are K long,
 * with C = sum of x x^T over its float inputs once gathered. */
typedef struct ptq_layer {
    int node;
    float *w;                 /* the graph's weight data; NULL for a layer that is not set up */
    bool gemm_kn;             /* Gemm weight stored [K, N] (transB = 0): internal rows are its columns */
    int64_t o, k;
    int64_t c, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw; /* Conv geometry */
    float *cov;               /* K x K, owned */
    int64_t cols;             /* input columns accumulated */
} ptq_layer;

/* Sets l up for node's weight quantized along axis (-1 per tensor); false (l untouched) for a layer of
 * another kind, a shared or non-float weight, or an axis other than the output channels'. */
bool ptq_layer_setup(const graph *g, int node, int axis, ptq_layer *l);
/* Index in the weight's data of row r, column c. */
int64_t ptq_layer_at(const ptq_layer *l, int64_t r, int64_t c);
/* Called on each layer that saw data, with its index in the array. */
typedef int (*ptq_layer_fn)(ptq_layer *l, int i, void *user, qrc_err *e);
/* Gathers C for the set-up layers of l[0..n) (errors wrapped with `what`), then calls fn on each that saw
 * data, counting it in *layers (a set-up layer without data counts in *skipped); frees l in any case. */
int ptq_layers_each(const graph *g, ptq_layer *l, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                    void *user, int threads, const char *what, int64_t *rows, int *layers, int *skipped,
                    ptq_layer_fn fn, void *fn_user, qrc_err *e);
/* Output error tr(D C D^T) / (cols * O) of a weight difference D [O x K] (row-major); scratch is O x K. */
double ptq_layer_error(const ptq_layer *l, const float *d, float *scratch);

#endif
