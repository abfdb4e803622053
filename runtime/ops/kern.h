/* kern.h — the one helper API of the kernels, basic ops (elementwise, broadcasting, reductions, shape
 * and data movement, casts, quantization) and nn ops (conv, gemm, pooling, normalization, softmax,
 * resize) alike: node-named errors, graph-side helpers for `check` and `infer`, input readers for
 * `run`, window geometry of windowed ops, thread control and the process-wide oneDNN engine.
 *
 * Entry points of the op tables are named kern_check_<op>, kern_infer_<op>, kern_run_<op> and
 * kern_release_<op>. Errors always name the node: "node 'name' (OpType): ...". Graph-side helpers
 * (kern_in_value, kern_set_out, kern_const_ints) serve `check` and `infer`; tensor-side helpers serve
 * `run`. Window geometry (kernel, strides, dilations, pads, auto_pad, ceil_mode) is resolved once by
 * kern_window_read for both inference and execution.
 *
 * Ownership: nothing here allocates except the oneDNN engine and streams, which live for the process. */
#ifndef QRC_OPS_KERN_H
#define QRC_OPS_KERN_H

#include <stdbool.h>
#include <stdint.h>

#include "op.h"

/* Fills e with "node 'name' (op): <message>" and returns -1. */
int kern_node_err(qrc_err *e, const graph_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same for a running kernel; returns -1. */
int kern_fail(op_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Input value i of node (NULL when the input is omitted or out of range). */
graph_value *kern_in_value(const graph *g, const graph_node *n, int i);
/* Output value i of node (NULL when absent). */
graph_value *kern_out_value(const graph *g, const graph_node *n, int i);
/* Sets dtype (unless dt is DT_UNDEFINED) and shape of output i (rank -1: unknown shape; dims entries -1:
 * unknown); a symbolic dim name is kept where an unknown dim becomes known. Nothing when the output is
 * absent. Returns 0. */
int kern_set_out(const graph *g, const graph_node *n, int i, tensor_dtype dt, int rank, const int64_t *dims);
/* Copies input value `in`'s shape (with symbolic names) to output `out` and gives it dtype dt. */
int kern_same_shape(const graph *g, const graph_node *n, int in, int out, tensor_dtype dt);
/* When input i is a constant integer tensor (int32/int64 initializer) of at most max elements,
 * copies it into v and returns its count; returns -1 otherwise. */
int kern_const_ints(const graph *g, const graph_node *n, int i, int64_t *v, int max);
/* True when input i is present (not omitted). */
bool kern_has_input(const graph_node *n, int i);

/* Requires input i's dtype (when known) to be one of the allowed list (terminated by DT_UNDEFINED). */
int kern_check_dtype(const graph *g, const graph_node *n, int i, const tensor_dtype *allowed, qrc_err *e);
/* Requires the node's input and output counts to lie in the given ranges. */
int kern_check_arity(const graph_node *n, int min_in, int max_in, int min_out, int max_out, qrc_err *e);
/* Rejects every attribute not named in the NULL-terminated list. */
int kern_check_attrs(const graph_node *n, const char *const *known, qrc_err *e);
/* Fails (fills e) when attribute a has a well-known ONNX name but the wrong kind (axis given as a float,
 * pads as a string): the typed accessors would otherwise read the default and run something else. */
int kern_check_attr_kind(const graph_node *n, const graph_attr *a, qrc_err *e);

/* Reads a 0-D or 1-D int32/int64 tensor into v (at most max values); returns the count or -1. */
int kern_read_ints(op_ctx *ctx, const tensor *t, int64_t *v, int max, const char *what);
/* Reads the first element of a numeric tensor as double; -1 on an unsupported dtype. */
int kern_read_scalar(op_ctx *ctx, const tensor *t, double *v, const char *what);
/* Normalises axis a into [0, rank) (negative counts from the end); -1 when out of range. */
int kern_axis(op_ctx *ctx, int64_t a, int rank, int64_t *out);

/* numpy broadcasting of two shapes into out (rank *r). Unknown dims (-1) are allowed for inference.
 * Returns -1 when the shapes are incompatible. */
int kern_broadcast_shape(int ra, const int64_t *a, int rb, const int64_t *b, int *r, int64_t *out);
/* Infers the broadcast of inputs [first, first+count) into output 0 with dtype dt (dt UNDEFINED: that
 * of input first). Fails naming the node when shapes cannot broadcast. */
int kern_infer_broadcast(const graph *g, const graph_node *n, int first, int count, tensor_dtype dt, qrc_err *e);

/* Broadcast iteration: an output shape and up to 3 inputs are collapsed to the fewest dims; the
 * innermost dim is walked by a row kernel with per-input element stride 0 or 1. */
enum { KERN_BCAST_MAX_IN = 3 };
typedef struct kern_bcast {
    int n_in;
    int rank;                                   /* collapsed rank, >= 1 */
    int64_t dims[TENSOR_MAX_RANK];
    int64_t strides[KERN_BCAST_MAX_IN][TENSOR_MAX_RANK]; /* element strides, 0 on broadcast dims */
    int64_t rows;                               /* product of all dims but the last */
    int64_t inner;                              /* dims[rank-1] */
} kern_bcast;
/* Prepares iteration of out_dims over ins; fails when an input does not broadcast to out_dims. */
int kern_bcast_init(kern_bcast *b, int out_rank, const int64_t *out_dims, int n_in, const tensor *const *ins);
/* Element offsets of row `row` for each input into off. */
void kern_bcast_row(const kern_bcast *b, int64_t row, int64_t *off);

/* Copies src broadcast into dst (dst's shape); element size from dtype. */
int kern_expand_into(op_ctx *ctx, const tensor *src, tensor *dst);

/* Converts n elements between dtypes (numeric types, bool, float16, bfloat16). -1 if unsupported. */
int kern_convert(const void *src, tensor_dtype st, void *dst, tensor_dtype dt, int64_t n);
/* True when kern_convert handles dt. */
bool kern_convertible(tensor_dtype dt);

/* Threads to split an elementwise job of n elements over: ctx->threads for large jobs, else 1. */
int kern_par_threads(const op_ctx *ctx, int64_t n);

/* Runs fn on a copy of ctx whose float16/bfloat16 inputs are widened to float, then narrows float
 * outputs back to that 16-bit type (other outputs are copied). For kernels that compute in float. */
int kern_run_widened(op_ctx *ctx, op_run_fn fn);
/* True when dt is float16 or bfloat16. */
bool kern_is_half(tensor_dtype dt);

/* Dtype lists for checks (the floating lists include float16 and bfloat16, computed in float). */
extern const tensor_dtype kern_dt_float[];      /* float */
extern const tensor_dtype kern_dt_floats[];     /* float, double, float16, bfloat16 */
extern const tensor_dtype kern_dt_numeric[];    /* float, double and every integer type */
extern const tensor_dtype kern_dt_signed[];     /* float, double, signed integers */
extern const tensor_dtype kern_dt_index[];      /* int32, int64 */
extern const tensor_dtype kern_dt_bool[];       /* bool */
extern const tensor_dtype kern_dt_any[];        /* every dtype with a fixed element size */

enum { KERN_MAX_SPATIAL = 3 };

/* Marks a hot loop function to be compiled for AVX-512, AVX2 and baseline x86-64, picked at load. */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define KERN_VEC __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KERN_VEC
#endif

/* Inference runs before the checks: fails (fills e) unless inputs 0..count-1 are all present. */
int kern_infer_needs(const graph_node *n, int count, qrc_err *e);
/* True when output i is present with a non-empty name. */
bool kern_has_output(const graph *g, const graph_node *n, int i);

/* Common check: input/output counts in range, every attribute named in `known` (NULL-terminated),
 * and every present input in `float_inputs` (bit mask) float32 when its dtype is known. */
int kern_check_node(const graph *g, const graph_node *n, int min_in, int max_in, int max_out,
                    const char *const *known, unsigned float_inputs, qrc_err *e);
/* Requires a run-time input to be float32 with the given rank range. */
int kern_want_float(op_ctx *ctx, const tensor *t, const char *what, int min_rank, int max_rank);

/* Window geometry of a conv or pool over nsp spatial dims. */
typedef struct kern_window {
    int nsp;
    int64_t k[KERN_MAX_SPATIAL], s[KERN_MAX_SPATIAL], d[KERN_MAX_SPATIAL];
    int64_t pb[KERN_MAX_SPATIAL], pe[KERN_MAX_SPATIAL];   /* pads at begin / end */
    int64_t in[KERN_MAX_SPATIAL], out[KERN_MAX_SPATIAL];  /* spatial sizes, -1 unknown */
} kern_window;

/* Reads strides, dilations, pads and auto_pad from node, takes the kernel size from `kernel` and the
 * input sizes from `in` (entries may be -1), and computes output sizes (-1 when unknown). ceil_mode
 * rounds the output size up (pooling). Fails naming the node on bad attribute lengths or values or an
 * empty output. */
int kern_window_read(const graph_node *n, int nsp, const int64_t *kernel, const int64_t *in, bool ceil_mode,
                     kern_window *w, qrc_err *e);

/* The threads for a kernel doing about `macs` multiply-adds: one below about 50 microseconds of work,
 * where starting the other threads costs more than it saves (and, on a busy machine, a parallel region
 * waits for a thread that is not running); ctx->threads (at least 1) otherwise. */
int kern_work_threads(const op_ctx *ctx, double macs);
/* Sets the OpenMP thread count the next oneDNN call and our parallel loops use (n < 1 means 1). */
void kern_set_threads(int n);
/* The process-wide oneDNN CPU engine and a stream for the calling thread (created on first use);
 * returned as void* so that callers not using oneDNN need not include dnnl.h. NULL on failure. */
void *kern_dnnl_engine(void);
void *kern_dnnl_stream(void);

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
void kern_short_spin(char **argv);

/* Opset of the default domain for a running node (0 when unknown). */
int64_t kern_opset(const op_ctx *ctx);

#endif
