/* graph.h — the graph IR every runtime pass reads and rewrites.
 *
 * A graph is a list of values (tensor edges, each with a unique name) and a list of nodes that read and
 * write values by index. Passes edit the lists freely (add values and nodes, rewire inputs, mark nodes
 * dead) and then call graph_reindex, which drops dead nodes, recomputes producers and consumers and
 * the topological order, and fails on a cycle or a value read before it is written.
 *
 * Ownership: a graph owns everything reachable from it: names and strings (its arena), initializer
 * tensors (graph_value.init, freed by graph_free), attribute tensors and subgraphs. Strings stored into
 * a graph must come from graph_strdup (or graph_alloc). Node input/output/attribute arrays live in the
 * arena too: to rewire a node, assign a new array from graph_alloc or use graph_node_set_io. `values`,
 * `nodes`, `inputs`, `outputs`, `order` and `consumers` are malloc'd and owned by the graph; change the
 * graph's inputs and outputs with graph_set_inputs / graph_set_outputs, and rename values only with
 * graph_value_rename (the name index must stay in step). Consumers include nodes whose subgraphs read
 * the value implicitly (see graph_node.captures). Model-level fields the IR does not interpret (metadata, doc
 * strings, unknown fields) are kept in `model_proto` and written back by onnx_save. */
#ifndef QRC_GRAPH_H
#define QRC_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "tensor.h"

typedef struct graph graph;

typedef struct graph_value {
    char *name;
    tensor_dtype dtype;                 /* DT_UNDEFINED when not known */
    int rank;                           /* -1 when not known */
    int64_t dims[TENSOR_MAX_RANK];      /* -1 where not known or symbolic */
    char *dim_param[TENSOR_MAX_RANK];   /* symbolic dim name ("N") or NULL */
    tensor *init;                       /* constant data (initializer) or NULL; owned */
    int producer;                       /* producing node index, -1 for inputs and initializers */
    int *consumers;                     /* node indices reading this value (rebuilt by graph_reindex) */
    int n_consumers;
    bool is_input, is_output;           /* listed in the graph's inputs / outputs */
} graph_value;

typedef enum attr_kind {
    ATTR_UNDEFINED = 0,
    ATTR_FLOAT = 1,
    ATTR_INT = 2,
    ATTR_STRING = 3,
    ATTR_TENSOR = 4,
    ATTR_GRAPH = 5,
    ATTR_FLOATS = 6,
    ATTR_INTS = 7,
    ATTR_STRINGS = 8,
} attr_kind;                            /* values are ONNX's AttributeProto.AttributeType */

typedef struct graph_attr {
    char *name;
    attr_kind kind;
    float f;
    int64_t i;
    char *s;
    tensor *t;
    graph *g;
    int n;                              /* element count of floats / ints / strings */
    float *floats;
    int64_t *ints;
    char **strings;
} graph_attr;

typedef struct graph_node {
    char *name;                         /* ONNX node name (may be empty in the file; never NULL here) */
    char *op_type;
    char *domain;                       /* "" for the default ONNX domain */
    char *module;                       /* module path such as "layer1.0.conv1", or NULL */
    int n_in, n_out;
    int *in, *out;                      /* value indices; -1 marks an omitted optional input */
    int n_attrs;
    graph_attr *attrs;
    bool dead;                          /* removed by a pass; dropped by graph_reindex */
    int n_captures;                     /* values of this graph read implicitly by the node's subgraphs */
    int *captures;                      /* (outer-scope reads of If branches); rebuilt by graph_reindex */
    char *doc_string;                   /* the node's doc string from the file, or NULL */
} graph_node;

typedef struct graph_opset {
    char *domain;
    int64_t version;
} graph_opset;

struct graph {
    arena strings;                      /* names and small arrays */
    graph_value *values;
    int n_values, cap_values;
    graph_node *nodes;
    int n_nodes, cap_nodes;
    int *inputs, n_inputs;              /* value indices, in the model's order (initializers excluded) */
    int *outputs, n_outputs;
    int *order;                         /* topological order of nodes (rebuilt by graph_reindex) */
    int n_order;                        /* n_nodes at the last graph_reindex (order is stale if it differs) */
    char *name;
    int64_t ir_version;
    graph_opset *opsets;
    int n_opsets;
    graph *parent;                      /* enclosing graph of a subgraph, or NULL */
    void *model_proto;                  /* Onnx__ModelProto kept for round trip, or NULL; owned */
    struct graph_index *index;          /* name -> value lookup; private to graph.c */
};

/* An empty graph. */
graph *graph_new(void);
void graph_free(graph *g);

/* Copies s into the graph's arena. */
char *graph_strdup(graph *g, const char *s);

/* Index of the value called name, or -1. Looks only in g, not in enclosing graphs. */
int graph_find_value(const graph *g, const char *name);
/* Index of the first live node called name, or -1 (a linear scan). */
int graph_find_node(const graph *g, const char *name);
/* Index of the value called name, creating it (unknown type and shape) when absent. */
int graph_value_get(graph *g, const char *name);
/* Creates a value whose name is unique in g, derived from hint ("x" -> "x", "x_1", ...). */
int graph_value_new(graph *g, const char *hint);

/* Appends a node; inputs and outputs are copied. Returns its index. */
int graph_node_add(graph *g, const char *op_type, const char *name, int n_in, const int *in, int n_out,
                   const int *out);
/* Adds or replaces an attribute on node n and returns it (zeroed apart from name and kind). */
graph_attr *graph_attr_set(graph *g, int n, const char *name, attr_kind kind);
/* The attribute called name on node, or NULL. */
const graph_attr *graph_attr_find(const graph_node *node, const char *name);
int64_t graph_attr_int(const graph_node *node, const char *name, int64_t dflt);
float graph_attr_float(const graph_node *node, const char *name, float dflt);
const char *graph_attr_string(const graph_node *node, const char *name, const char *dflt);
/* Integer list attribute; returns its length and points *v at it (0 and NULL when absent). */
int graph_attr_ints(const graph_node *node, const char *name, const int64_t **v);

/* Opset version of domain ("" = ai.onnx) imported by the model (searching enclosing graphs), 0 if none. */
int64_t graph_opset_version(const graph *g, const char *domain);

/* Sets the version g imports for domain ("" = ai.onnx), adding the import when absent. */
void graph_opset_set(graph *g, const char *domain, int64_t version);

/* Drops dead nodes (node indices change; value indices never do: unused values stay and are simply
 * not written out), recomputes producers, consumers and the topological order. Fails, naming the node, on a cycle, a value with two producers, or an input
 * that is neither produced, an initializer, a graph input nor visible from an enclosing graph. */
int graph_reindex(graph *g, qrc_err *e);

/* Deep copy (initializers included). */
graph *graph_clone(const graph *g, qrc_err *e);

/* n zeroed bytes owned by g's arena (for node input/output arrays and the like). */
void *graph_alloc(graph *g, size_t n);
/* Writes v's type as messages show it, "float32[N,3,?]" ("[?]" when the rank is unknown), into buf;
 * returns buf (truncated to size). */
const char *graph_value_type_text(const graph_value *v, char *buf, size_t size);
/* Renames value v (the new name must not be in use); returns 0, or -1 with e filled. */
int graph_value_rename(graph *g, int v, const char *name, qrc_err *e);
/* Replaces node n's inputs and/or outputs (pass n_in / n_out < 0 to leave that side unchanged). */
void graph_node_set_io(graph *g, int n, int n_in, const int *in, int n_out, const int *out);
/* Replaces the graph's input / output lists (value indices, copied) and the values' is_input/is_output. */
void graph_set_inputs(graph *g, int n, const int *idx);
void graph_set_outputs(graph *g, int n, const int *idx);
/* Index of the node producing value v, or -1 (valid after graph_reindex). */
static inline int graph_producer(const graph *g, int v)
{
    return v >= 0 && v < g->n_values ? g->values[v].producer : -1;
}
/* True when value v is defined outside g (an enclosing graph's value read by a subgraph). */
bool graph_value_is_outer(const graph *g, int v);

#endif
