/* adapt.h — what the opset adapters share: the step they are called with and the small graph edits
 * they are made of. Private to runtime/opset/.
 *
 * An adapter rewrites one node (and may add helper nodes and initializers) so that it means the same at
 * the version its table row names as it did just before. It returns 1 when it changed the graph, 0
 * when the node needed nothing, -1 with e filled (the reason only; the driver adds node and opsets)
 * when the node has no equivalent there. Adapters never reindex: node indices of the original
 * nodes stay valid while a graph is converted, but graph_node pointers do not survive a node
 * being added, so adapters re-read g->nodes[n] after graph_node_add. */
#ifndef QRC_OPSET_ADAPT_H
#define QRC_OPSET_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "graph.h"

typedef struct opset_step {
    graph *g;
    int node;
    int64_t at;            /* the version the change happens at */
    int64_t to;            /* the conversion's target */
    const graph *types;    /* same values as g, with inferred dtypes and ranks (may know nothing) */
    qrc_err *e;
} opset_step;

typedef int (*opset_adapt_fn)(const opset_step *s);

/* Upsample and Resize (adapt_resize.c). */
int opset_upsample_9(const opset_step *s);
int opset_upsample_10(const opset_step *s);
int opset_resize_11(const opset_step *s);
int opset_resize_13(const opset_step *s);

/* Attributes that became inputs (adapt_inputs.c). */
int opset_slice_10(const opset_step *s);
int opset_topk_10(const opset_step *s);
int opset_clip_11(const opset_step *s);
int opset_pad_11(const opset_step *s);
int opset_dropout_12(const opset_step *s);
int opset_axes_input(const opset_step *s);
int opset_split_13(const opset_step *s);
int opset_split_18(const opset_step *s);

/* Everything else whose meaning moved (adapt_nn.c). */
int opset_softmax_13(const opset_step *s);
int opset_batchnorm_9(const opset_step *s);
int opset_batchnorm_14(const opset_step *s);
int opset_dropout_10(const opset_step *s);
int opset_scatter_11(const opset_step *s);

/* ---- edits (edit.c) ---- */

/* A new initializer holding n int64 values (a 1-D tensor, or a scalar when scalar is true); its name
 * derives from the node's and hint. Returns the value index. */
int opset_const_i64(graph *g, int node, const char *hint, int n, const int64_t *v, bool scalar, qrc_err *e);
/* A new initializer of dtype dt, rank 0 (or 1-D of n elements when n >= 0), from float values. */
int opset_const_f(graph *g, int node, const char *hint, tensor_dtype dt, int n, const float *v, qrc_err *e);
/* Moves attribute `name` of the step's node into an initializer fed at input position pos (earlier
 * missing inputs become omitted ones): integers become a 1-D int64 tensor, a float a scalar of dtype dt,
 * a float list a 1-D tensor of dt. 0 when the attribute is absent, 1 moved, -1 on error. */
int opset_attr_to_input(const opset_step *s, const char *name, tensor_dtype dt, int pos);
/* Removes attribute name from node n (nothing when absent). */
void opset_attr_drop(graph *g, int n, const char *name);
/* Sets a string / int attribute on node n. */
void opset_attr_str(graph *g, int n, const char *name, const char *v);
void opset_attr_int(graph *g, int n, const char *name, int64_t v);
/* Appends inputs to node n after its current ones, padding with omitted inputs up to position `at`. */
void opset_inputs_put(graph *g, int n, int at, int count, const int *v);
/* Keeps only the first n_out outputs of node n. */
void opset_outputs_trim(graph *g, int n, int n_out);
/* True when value v is read by a node or is a graph output. */
bool opset_value_used(const graph *g, int v);
/* Adds a default-domain helper node named after node `like` and the op; returns its index. */
int opset_node_add(graph *g, int like, const char *op, int n_in, const int *in, int n_out, const int *out);
/* The dtype of value v as far as it is known (declared, initializer, or inferred), else DT_UNDEFINED. */
tensor_dtype opset_dtype(const opset_step *s, int v);
/* The constant data of value v (an initializer or a Constant node's value), or NULL. */
const tensor *opset_const_of(const graph *g, int v);
/* The rank of value v as far as it is known, else -1. */
int opset_rank(const opset_step *s, int v);

#endif
