/* exec.h — the executor: a graph compiled into a run plan, run on input tensors.
 *
 * exec_new checks every node against the op registry (unknown op or a failing op_def.check is an
 * error naming the node), fixes the topological order and computes each value's last use. exec_run
 * binds the inputs, runs the nodes in order and returns the graph outputs. Activation buffers come
 * from a pool reused by liveness: a value's buffer returns to the pool right after its last reader
 * (or right after its producer when nothing reads it), so no more tensors are alive at a time than
 * the order requires. Initializers are read in place, never copied.
 *
 * Observer: an optional callback called for every graph input (on a private copy) at the start of a
 * run and then for every output of every node, right after the node ran, with the value index in the
 * graph, the tensor and the user pointer. It may modify the tensor's contents in place (not its shape
 * or dtype); the executor keeps no tensor alive for it, so an observer wanting data later copies it.
 * It returns 0 to continue or -1 (filling e) to stop the run.
 *
 * Ownership: the exec borrows the graph, which must outlive it and must not change while it exists
 * (recompile after a pass). Tensors given to exec_set_initializer become the exec's. Input tensors
 * are borrowed for the duration of a run; output tensors returned by exec_run are the caller's
 * (tensor_free). Per-node kernel state (op_ctx.state) lives until exec_free. Not thread-safe: one run
 * at a time per exec. */
#ifndef QRC_EXEC_H
#define QRC_EXEC_H

#include "base/err.h"
#include "graph.h"
#include "tensor.h"

typedef struct exec exec;

typedef int (*exec_observer_fn)(int value, tensor *t, void *user, qrc_err *e);

/* Compiles g (which must be reindexed). threads <= 0 means 2. */
int exec_new(const graph *g, int threads, exec **out, qrc_err *e);
void exec_free(exec *x);

void exec_set_threads(exec *x, int threads);
/* Installs (fn non-NULL) or removes the observer. */
void exec_set_observer(exec *x, exec_observer_fn fn, void *user);
/* Runs with tensor t (taken over by the exec) in place of initializer value v's data; t NULL restores
 * the graph's own initializer. Kernel state of the nodes reading v is dropped so it is rebuilt. */
int exec_set_initializer(exec *x, int value, tensor *t, qrc_err *e);

/* Runs the graph. inputs[i] is bound to the graph input called names[i]; every graph input must be
 * given exactly once, with the declared dtype, rank and fixed dims (symbolic dims must agree across
 * inputs). outs receives g->n_outputs new tensors, in the graph's output order. On failure nothing is
 * returned in outs and e names the node, op and tensor. */
int exec_run(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, tensor **outs,
             qrc_err *e);

/* Peak bytes of pooled activation buffers held at once so far (for reports and tests). */
size_t exec_peak_bytes(const exec *x);
/* The graph the exec runs. */
const graph *exec_graph(const exec *x);

/* exec_split.c: running a batch as equal sub-batches along dim 0 of every input, for graphs whose ops
 * keep the images of a batch apart, so that activations stay in cache between ops.
 *
 * The sub-batch size for a batch of `batch` images of image_bytes (first input) each: batch itself
 * unless every node is per-image (Conv, pooling, activations, Add/Mul/Sub with batch-free constants,
 * Flatten at axis 1, Gemm on constant weights...), the graph has a depthwise convolution (memory-bound;
 * compute-bound convolutions prefer whole batches) and the input is larger than 2 MiB; then the largest
 * divisor of batch whose input is at most 1.25 MiB (at least 1). */
int64_t exec_split_size(const graph *g, int64_t batch, size_t image_bytes);
/* exec_run in sub-batches of sub images along dim 0, which every input must share (the last sub-batch
 * takes what is left; sub < 1 or >= the batch runs whole); the outputs, which must keep the batch as
 * dim 0, are joined along it. Same contract as exec_run. */
int exec_run_split(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, int64_t sub,
                   tensor **outs, qrc_err *e);
/* exec_run_split with exec_split_size's choice. */
int exec_run_batched(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, tensor **outs,
                     qrc_err *e);

/* For ops that run subgraphs (If): compiles sub, a subgraph of the graph `parent` runs, whose reads
 * of outer values resolve to parent's current tensors; and runs it (no inputs) into outs
 * (sub->n_outputs new tensors, the caller's). */
int exec_new_sub(const graph *sub, exec *parent, exec **out, qrc_err *e);
int exec_run_sub(exec *x, tensor **outs, qrc_err *e);

#endif
