/* infer.h — graph-level shape and type inference.
 *
 * Walks the graph in topological order and calls each op's op_def.infer, which fills the node's
 * output values (dtype, rank, dims, symbolic dim names). Subgraphs are inferred first, with the outer
 * values they read copied in. What the file declared (value_info) is kept where inference knows less,
 * and a known inferred dim or dtype that contradicts the declaration is an error. Ops without an infer
 * (or not in the registry) leave their outputs as declared. */
#ifndef QRC_INFER_H
#define QRC_INFER_H

#include "base/err.h"
#include "graph.h"

/* Infers g in place (g must be reindexed). Fails naming the node, the op and the tensor when a shape
 * is impossible (an op's infer rejects its inputs, or the result contradicts the declared shape). */
int graph_infer_shapes(graph *g, qrc_err *e);

#endif
