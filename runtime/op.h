/* op.h — the operator registry: one table row per ONNX op the runtime can execute.
 *
 * A row gives the op's domain and type, the opset it is valid from, a `check` run once at load time
 * (rejects unsupported attributes or input kinds, naming the node), an `infer` for static shape and
 * type inference, and `run`, the kernel. Kernels allocate their outputs through op_output so the
 * executor can hand out buffers reused by liveness. Kernels never print; they fail through ctx->err. */
#ifndef QRC_OP_H
#define QRC_OP_H

#include "base/err.h"
#include "graph.h"
#include "tensor.h"

typedef struct op_ctx op_ctx;
typedef tensor *(*op_alloc_fn)(op_ctx *ctx, int i, tensor_dtype dt, int rank, const int64_t *dims);

struct op_ctx {
    const graph *graph;
    const graph_node *node;
    int n_in;
    const tensor *const *in;   /* in[i] NULL for an omitted optional input */
    int n_out;
    tensor **out;              /* filled by op_output */
    int threads;               /* worker threads the kernel may use */
    void **state;              /* per-node kernel state kept by the executor across runs (a compiled
                                  primitive, packed weights); NULL when there is no executor */
    op_alloc_fn alloc;         /* set by the executor */
    void *exec;                /* executor state, opaque to kernels */
    qrc_err *err;
};

/* Allocates output i with the given shape (reusing a free buffer when the executor has one: its
 * contents are then unspecified, so a kernel writes every element it returns). Without
 * an executor (ctx->alloc NULL, as in kernel unit tests) it stores a fresh tensor in ctx->out[i],
 * freeing what was there. Returns NULL with ctx->err filled on failure. */
tensor *op_output(op_ctx *ctx, int i, tensor_dtype dt, int rank, const int64_t *dims);

/* Static shape/type inference: read ins (graph values with possibly unknown dims), fill outs. */
typedef int (*op_infer_fn)(const graph *g, const graph_node *node, qrc_err *e);
typedef int (*op_check_fn)(const graph *g, const graph_node *node, qrc_err *e);
typedef int (*op_run_fn)(op_ctx *ctx);

typedef struct op_def {
    const char *domain;        /* "" for ai.onnx */
    const char *op_type;
    int since_opset;
    op_check_fn check;         /* may be NULL */
    op_infer_fn infer;         /* may be NULL: outputs stay unknown */
    op_run_fn run;
    void (*release)(void *state); /* frees *ctx->state; may be NULL */
} op_def;

/* The row for (domain, op_type) valid at `opset`, or NULL. */
const op_def *op_find(const char *domain, const char *op_type, int64_t opset);
/* Registers an extra table searched along with the built-in ones (kernels defined by a test or an
 * embedding program); rows must outlive their use. NULL/0 removes it. Not thread-safe. */
void op_set_extra_table(const op_def *rows, int count);
/* Rows by position, 0 .. op_table_size()-1, for listings (README table, `qrc ops`). */
int op_table_size(void);
const op_def *op_table_at(int i);

#endif
