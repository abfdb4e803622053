/* opset.h — carries a graph from its default-domain (ai.onnx) opset to a newer one, op by op.
 *
 * Every op whose signature or meaning changed between OPSET_MIN and OPSET_MAX has adapters, one per
 * version at which it changed (attributes that became inputs, ops replaced by others, modes whose
 * defaults moved); they run in ascending version order, so a node passes through every change between
 * the model's opset and the target. Ops that kept their meaning are carried as they are. An op the
 * converter does not know, or a node using a form with no equivalent at the target (a training
 * output, a mode that was dropped), is a blocker: the conversion fails naming it and changes nothing.
 * Nodes of other domains (com.microsoft and the like) are left untouched. Downgrades are not done.
 *
 * Ownership: the converter rewrites the caller's graph in place. New constant inputs become
 * initializers owned by that graph, named uniquely from the node they feed; new helper nodes take
 * their names from the node they replace. Nothing is kept between calls. */
#ifndef QRC_OPSET_H
#define QRC_OPSET_H

#include <stdint.h>

#include "base/err.h"
#include "graph.h"

/* Lowest and highest default-domain opsets the converter reads and writes. */
#define OPSET_MIN 7
#define OPSET_MAX 21

/* Rewrites g (and its subgraphs) from its default-domain opset up to `target` (current < target <= 21;
 * equal is a no-op), op by op through every version in between, raising ir_version as the target needs
 * (opset 21 -> IR 10, etc). Returns the number of nodes rewritten, or -1 with e naming the node, the op and
 * the two opsets when a node cannot be carried across; g is then unchanged. g must be reindexed; it is
 * reindexed again on success. */
int opset_upgrade(graph *g, int64_t target, qrc_err *e);

/* Calls fn for every node that cannot be carried to target (node, op, reason); returns their count.
 * Changes nothing. Returns -1 when the graph's own opset is outside OPSET_MIN..target or cannot be
 * examined (fn is then called once with nd NULL and the reason). */
int opset_blockers(const graph *g, int64_t target, void (*fn)(void *ctx, const graph_node *nd, const char *why),
                   void *ctx);

/* The lowest IR version a model importing default-domain opset `opset` must declare. */
int64_t opset_ir_version(int64_t opset);

#endif
