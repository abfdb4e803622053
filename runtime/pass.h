/* pass.h — the prepare passes: graph rewrites that make an exported model quantization-ready.
 *
 * Every pass has the same shape, `int pass_x(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)`:
 * it rewrites g in place (leaving the model's outputs unchanged), appends what it did and what it could
 * not do to r, and returns 0, or -1 with e filled when the input is unusable (a selector that matches
 * nothing, a concrete arg naming a missing input, control flow a method cannot resolve). A pass ends
 * with g reindexed (graph_reindex), so node indices are only stable between passes.
 *
 * Passes know nothing of recipe syntax: the recipe's prepare section is translated into pass_opts.
 * Annotations the quantizer placement needs (supergroups, excluded nodes, the float pre/post region)
 * are keyed by node name in the report, since node indices change when a pass drops nodes.
 *
 * Ownership: pass_opts and everything it points to belong to the caller and are only read.
 * pass_report owns its notes and annotations (its arena); release it with pass_report_free. */
#ifndef QRC_PASS_H
#define QRC_PASS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/select.h"
#include "graph.h"
#include "pass_list.h"
#include "tensor.h"

/* A concrete arg: a graph input replaced by a constant, or a symbolic dim pinned to a size. */
typedef struct pass_concrete {
    const char *name;          /* graph input name or symbolic dim name ("N") */
    const tensor *value;       /* the input's value, or NULL when this pins a dim */
    int64_t dim;               /* the dim's size when value is NULL */
    const char *origin;        /* where it was asked for (a recipe location), or NULL: an error about it
                                  carries this origin (err.h) */
} pass_concrete;

/* A named example input for the jit methods (run through the graph to resolve control flow). */
typedef struct pass_example {
    int n;                     /* number of inputs in this example */
    const char *const *names;  /* graph input names */
    const tensor *const *values;
} pass_example;

typedef struct pass_opts {
    const pass_concrete *concrete;     /* bind */
    int n_concrete;
    const char *const *start;          /* strip: tensors where the quantized region begins (NULL: graph inputs) */
    int n_start;
    const char *const *end;            /* strip: tensors where it ends (NULL: graph outputs) */
    int n_end;
    const select_spec *exclude;        /* exclude: module selectors (each matches a module or its parents) */
    int n_exclude;
    const char *const *exclude_origins; /* exclude: where each selector was written, or NULL */
    const char *const *exclude_ops;    /* exclude: op types, or unit kinds such as "LayerNorm", "GELU" */
    int n_exclude_ops;
    const char *const *exclude_op_origins; /* exclude: where each op class was written, or NULL */
    const char *supergroups_json;      /* fuse: path of an AIMET quantsim config JSON, or NULL for defaults */
    const pass_example *examples;      /* jit: example inputs */
    int n_examples;
    bool fold_forward_bn;              /* fold_bn: also fold a BatchNorm into the following layer (default on
                                          through pass_opts_default) */
    bool inline_if;                    /* fold: replace an If whose condition is constant by the branch it
                                          takes (default on; bind always does) */
} pass_opts;

/* Options with every field empty and the defaults set. */
pass_opts pass_opts_default(void);

typedef enum pass_level { PASS_INFO = 0, PASS_WARN, PASS_ERROR } pass_level;

/* One line of what a pass did or could not do. `kind` is a stable tag the check report groups by:
 * "folded", "bn_folded", "bn_not_folded", "renamed", "reused_module", "shared_weight", "unshared",
 * "supergroup", "excluded", "float_region", "branch_inlined", "branch_never_taken", "control_flow",
 * "dynamic_shape", "unsupported_op", "not_quantizable", "bound". */
typedef struct pass_note {
    pass_level level;
    const char *pass;          /* pass name */
    const char *kind;
    const char *node;          /* node (or tensor / module) the note is about, or NULL */
    const char *msg;
} pass_note;

/* What a node means to the quantizer placement once prepare is done. */
typedef struct pass_node_info {
    const char *node;          /* node name */
    int group;                 /* supergroup id (index into pass_report.groups) or -1 */
    bool group_output;         /* last node of its group: only its outputs get quantizers */
    bool excluded;             /* stays float (excluded module or op class) */
    const char *excluded_by;   /* the selector that excluded it */
    bool outside_region;       /* pre- or post-processing outside [start -> end]: stays float */
} pass_node_info;

typedef struct pass_group {
    const char *kind;          /* "Conv+Relu", "LayerNorm", "GELU", ... */
    int n_nodes;
    const char **nodes;        /* node names in execution order; the last one is the group output */
} pass_group;

typedef struct pass_report {
    arena a;
    pass_note *notes;
    int n_notes, cap_notes;
    pass_node_info *info;      /* annotated nodes (only those with something to say) */
    int n_info, cap_info;
    pass_group *groups;
    int n_groups, cap_groups;
    int changes;               /* rewrites done, summed over passes */
} pass_report;

void pass_report_init(pass_report *r);
void pass_report_free(pass_report *r);
/* Appends a note; strings are copied into the report. */
void pass_note_add(pass_report *r, pass_level level, const char *pass, const char *kind, const char *node,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Number of notes of the given kind (all kinds when kind is NULL) at or above level. */
int pass_report_count(const pass_report *r, const char *kind, pass_level level);
/* The annotation for a node name, created (group -1, nothing set) when absent. */
pass_node_info *pass_report_node(pass_report *r, const char *node);
/* The annotation for a node name, or NULL. */
const pass_node_info *pass_report_find(const pass_report *r, const char *node);
/* Adds a supergroup over the named nodes (in order) and annotates them; returns its id. */
int pass_report_group(pass_report *r, const char *kind, int n, const char *const *nodes);

typedef int (*pass_fn)(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);

/* bind: concrete args, then fold If / Shape subgraphs that became constant (bind.c). */
int pass_bind(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* trace: decides each data-dependent If by running the example inputs, inlines the branch taken and
 * warns about the one never taken; without examples such an If is an error (trace.c). */
int pass_trace(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* fold: constant folding, Identity / inference Dropout removal, dead nodes (fold.c). */
int pass_fold(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* name: a module identity for every node, unique node names (name.c). */
int pass_name(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* unshare: reused modules and shared weights become independent instances (unshare.c). */
int pass_unshare(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* strip: marks nodes outside [start -> end] as float pre/post-processing (strip.c). */
int pass_strip(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* fold_bn: BatchNormalization into the neighbouring Conv / ConvTranspose / Gemm / MatMul (fold_bn.c). */
int pass_fold_bn(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);
/* fuse: decomposed units (pass_unit_match), then supergroup chains (fuse.c). */
int pass_fuse(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);

/* A unit written out op by op (units.c): HardSwish, HardSigmoid, SiLU, Swish, GELU (erf and tanh
 * forms), Mish, LayerNorm, RMSNorm. Node and value indices are into the graph matched. */
enum { PASS_UNIT_MAX = 12 };
enum { PASS_UNIT_EPS = 0, PASS_UNIT_SCALE, PASS_UNIT_SHIFT, PASS_UNIT_CAPS };
typedef struct pass_unit {
    const char *kind;          /* "HardSwish", "LayerNorm", ... (static) */
    const char *onnx_op;       /* the standard op computing it ("LayerNormalization"), or NULL */
    bool exact;                /* that op computes exactly this form (not: epsilon outside the Sqrt, GELU
                                  without its 0.5) */
    int form;                  /* which spelling matched (a row of the form table) */
    int n;
    int nodes[PASS_UNIT_MAX];  /* in execution order; the last one produces the unit's output */
    int x, out;                /* the unit's input and output values */
    int cap[PASS_UNIT_CAPS];   /* constants read: epsilon, scale (gamma, HardSigmoid alpha, Swish beta),
                                  shift (beta); -1 when the form has none */
} pass_unit;

/* Matches a decomposed unit starting at node (its first step: ReduceMean for LayerNorm, Add 3 for
 * HardSwish, ...). Constants are checked (Clip 0..6, Add 3, Pow 2, GELU's 0.044715), every tensor
 * between the unit's nodes must be read only inside the unit, and nodes marked in grouped (may be
 * NULL) or dead are never taken. Returns the number of nodes and fills u, or 0. */
int pass_unit_match(const graph *g, int node, const int *grouped, pass_unit *u);
/* The unit kinds, NULL-terminated. */
const char *const *pass_unit_kinds(void);
/* True when kind (a pass_group kind) is a unit kind. */
bool pass_is_unit_kind(const char *kind);
/* The standard op computing unit kind `kind`, or NULL. */
const char *pass_unit_onnx_op(const char *kind);
/* exclude: resolves excluded module selectors and op classes (exclude.c). */
int pass_exclude(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);

/* require_static: control flow still left after bind and fold depends on data; refuse it (symbolic,
 * require_static.c). */
int pass_require_static(graph *g, const pass_opts *o, pass_report *r, qrc_err *e);

/* The pass registry: a row per pass of pass_list.h, indexed by pass_id; run is NULL for BUILD passes
 * (the driver runs those). */
typedef struct pass_def {
    const char *name;
    pass_kind kind;
    pass_fn run;
    const char *summary;
} pass_def;

extern const pass_def pass_table[PASS_ID_COUNT_];
/* The registry row called name, or NULL. */
const pass_def *pass_find(const char *name);

#endif
