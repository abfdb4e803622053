/* nn.h — helpers shared by the neural-network kernels (conv, gemm, pooling, normalization, softmax,
 * resize): node-named errors, attribute reading for windowed ops, graph-side shape helpers for
 * `infer`, thread control and the process-wide oneDNN engine.
 *
 * Errors read "node 'name' (OpType): ...". Window geometry (kernel, strides, dilations, pads,
 * auto_pad, ceil_mode) is resolved once by kern_nn_window for both inference and execution. */
#ifndef QRC_OPS_NN_H
#define QRC_OPS_NN_H

#include <stdbool.h>
#include <stdint.h>

#include "op.h"

enum { NN_MAX_SPATIAL = 3 };

/* Marks a hot loop function to be compiled for AVX-512, AVX2 and baseline x86-64, picked at load. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define NN_VEC __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_VEC
#endif

/* Fills e with "node 'name' (op): <message>"; returns -1. */
int kern_nn_err(qrc_err *e, const graph_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a running kernel (ctx->node, ctx->err); returns -1. */
int kern_nn_fail(op_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Graph value of input / output i, NULL when omitted or absent. */
graph_value *kern_nn_in(const graph *g, const graph_node *n, int i);
graph_value *kern_nn_out(const graph *g, const graph_node *n, int i);
/* True when input i is present; true when output i is present with a non-empty name. */
bool kern_nn_has_in(const graph_node *n, int i);
/* Inference runs before the checks: fails (fills e) unless inputs 0..count-1 are all present. */
int kern_nn_infer_needs(const graph_node *n, int count, qrc_err *e);
bool kern_nn_has_out(const graph *g, const graph_node *n, int i);
/* Sets output i's dtype and shape (rank -1: unknown). Does nothing when the output is absent. */
void kern_nn_set_out(const graph *g, const graph_node *n, int i, tensor_dtype dt, int rank, const int64_t *dims);

/* Common check: input/output counts in range, every attribute named in `known` (NULL-terminated),
 * and every present input in `float_inputs` (bit mask) float32 when its dtype is known. */
int kern_nn_check_node(const graph *g, const graph_node *n, int min_in, int max_in, int max_out,
                       const char *const *known, unsigned float_inputs, qrc_err *e);
/* Requires a run-time input to be float32 with the given rank range. */
int kern_nn_want_float(op_ctx *ctx, const tensor *t, const char *what, int min_rank, int max_rank);

/* Window geometry of a conv or pool over nsp spatial dims. */
typedef struct nn_window {
    int nsp;
    int64_t k[NN_MAX_SPATIAL], s[NN_MAX_SPATIAL], d[NN_MAX_SPATIAL];
    int64_t pb[NN_MAX_SPATIAL], pe[NN_MAX_SPATIAL];   /* pads at begin / end */
    int64_t in[NN_MAX_SPATIAL], out[NN_MAX_SPATIAL];  /* spatial sizes, -1 unknown */
} nn_window;

/* Reads strides, dilations, pads and auto_pad from node, takes the kernel size from `kernel` and the
 * input sizes from `in` (entries may be -1), and computes output sizes (-1 when unknown). ceil_mode
 * rounds the output size up (pooling). Fails naming the node on bad attribute lengths or values or an
 * empty output. */
int kern_nn_window(const graph_node *n, int nsp, const int64_t *kernel, const int64_t *in, bool ceil_mode,
                   nn_window *w, qrc_err *e);

/* The threads for a kernel doing about `macs` multiply-adds: one below about 50 microseconds of work,
 * where starting the other threads costs more than it saves (and, on a busy machine, a parallel region
 * waits for a thread that is not running); ctx->threads (at least 1) otherwise. */
int kern_nn_work_threads(const op_ctx *ctx, double macs);
/* Sets the OpenMP thread count the next oneDNN call and our parallel loops use (n < 1 means 1). */
void kern_nn_threads(int n);
/* The process-wide oneDNN CPU engine and a stream for the calling thread (created on first use);
 * returned as void* so that callers not using oneDNN need not include dnnl.h. NULL on failure. */
void *kern_nn_engine(void);
void *kern_nn_stream(void);

/* How long an idle OpenMP thread spins before it sleeps. libgomp's default (300,000 spins) burns the
 * time slices the other thread of a parallel region needs when the machine is busy; sleeping at once
 * makes every parallel region pay a wake-up (mobilenet_v2 batch 1: 10.5 ms against 6.8 ms). A short
 * spin keeps the threads awake across the back-to-back regions of one inference and yields soon after:
 * 1,000 spins (tens of microseconds, longer than the gaps between regions). 10,000 kept threads spinning
 * long enough to lose their turn on a loaded machine: with about ten runnable processes on the two
 * cores, medians of interleaved runs, mobilenet_v2 batch 1 75 ms against 17.5 ms, batch 8 447 against
 * 266 ms, efficientnet_b0 batch 1 126 against 60 ms.
 * libgomp reads its settings once, when it loads, so a program calls this first thing in main: unless
 * the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT, it re-executes the program with GOMP_SPINCOUNT=1000.
 * Returns when no re-exec happened (a setting was present, or exec failed). */
void kern_nn_short_spin(char **argv);

/* Opset of the default domain for a running node (0 when unknown). */
int64_t kern_nn_opset(const op_ctx *ctx);

#endif
