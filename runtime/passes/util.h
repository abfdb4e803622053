/* util.h — graph queries and edits shared by the prepare passes (not part of the public pass API).
 *
 * Consumer lists in the graph are only valid right after graph_reindex; these helpers scan the live
 * nodes instead, so a pass may call them between its own edits. */
#ifndef QRC_PASSES_UTIL_H
#define QRC_PASSES_UTIL_H

#include <stdbool.h>

#include "graph.h"
#include "pass.h"

/* The constant data of value v (an initializer that is not also an overridable graph input), or NULL. */
const tensor *pass_const(const graph *g, int v);
/* True when a subgraph of some live node of g reads the value called name from g. */
bool pass_captured(const graph *g, const char *name);
/* Number of live nodes reading v (a node reading it twice counts twice). */
int pass_consumer_count(const graph *g, int v);
/* Fills out (capacity max) with the live nodes reading v, each once; returns how many there are. */
int pass_consumers(const graph *g, int v, int *out, int max);
/* True when v is read by something other than live nodes of g: a graph output or a subgraph. */
bool pass_pinned(const graph *g, int v);
/* True when v is a graph output (pass_pinned without the scan for subgraph reads). */
bool pass_is_output(const graph *g, int v);
/* Points every live node input reading `from` at `to`. */
void pass_replace_uses(graph *g, int from, int to);
/* Gives value v the constant t (owned by g from now on): frees an old initializer, copies the type. */
void pass_set_const(graph *g, int v, tensor *t);
/* A new initializer value holding t (owned by g), its name derived from hint; returns its index. */
int pass_new_const(graph *g, const char *hint, tensor *t);
/* The live node producing v, or -1. */
int pass_producer(const graph *g, int v);
/* True for float32 (the dtype the quantizer works on). */
bool pass_is_float(tensor_dtype dt);
/* Runs node n's kernel (op_find) on constant inputs; out[] receives n_out new tensors owned by the
 * caller. Fails when the op has no kernel or the kernel fails. */
int pass_run_node(const graph *g, int n, const tensor *const *in, tensor **out, qrc_err *e);
/* Replaces If node n by the nodes of its then (take_then) or else branch, wired to the If's inputs and
 * outputs; the branch's values keep their names where they are free in g. */
int pass_inline_if(graph *g, int n, bool take_then, qrc_err *e);
/* Reindexes g and runs the graph's shape and type inference (graph_infer_shapes, infer.h). */
int pass_infer_shapes(graph *g, qrc_err *e);
/* Computes value v of g for one example (graph inputs by name) by running, through their kernels, only
 * the nodes v depends on. *out is a new tensor owned by the caller. Fails when an input the value
 * needs is missing from the example or a node on the way has no kernel. */
int pass_eval(const graph *g, int v, const pass_example *ex, tensor **out, qrc_err *e);
/* Lower-case copy of an op type into buf ("MatMul" -> "matmul"). */
void pass_lower(const char *s, char *buf, size_t size);

#endif
