/* pass_list.h — every pass a plan can hold, listed once.
 *
 * Each row is X(name, kind, summary). The plan's pass names (compiler/plan), the prepare registry
 * (passes/registry.c), the build's stage table (driver/cmd_build.c) and `qrc plan`'s text all expand
 * this list, so adding a pass is one row here plus its function. Kinds:
 *
 *   PREPARE   a graph rewrite of pass.h (pass_<name>); the prepare method decides whether it runs.
 *   REWRITE   the same, and an eager recipe may ask for it by name (`rewrite fold, fuse;`).
 *   BUILD     a stage of `qrc build` after (or between) the rewrites: quantizers, calibration, PTQ,
 *             export; the driver runs it (st_<name>).
 *
 * The rows are in the order of a full build; the order a plan runs them in is the plan's.
 *
 * Ownership: names and summaries are static strings. */
#ifndef QRC_PASS_LIST_H
#define QRC_PASS_LIST_H

#define PASS_LIST(X)                                                                                          \
    X(bind, PREPARE, "replace inputs by concrete values, pin symbolic dims, fold what became constant")       \
    X(fold, REWRITE, "constant folding, Identity and inference Dropout removal, dead nodes")                  \
    X(require_static, PREPARE, "refuse control flow that still depends on data after binding and folding")   \
    X(trace, PREPARE, "decide data-dependent If nodes by running the example inputs")                         \
    X(name, PREPARE, "a module identity for every op; functional ops get stable names")                       \
    X(unshare, REWRITE, "reused modules and shared weights become independent instances")                    \
    X(strip, PREPARE, "pre- and post-processing outside [start -> end] stays in float")                       \
    X(fold_bn, REWRITE, "fold BatchNormalization into the neighbouring Conv / Gemm / MatMul")                 \
    X(fuse, REWRITE, "decomposed units (HardSwish, GELU, LayerNorm, ...) and supergroups (Conv+Relu, ...)")  \
    X(exclude, PREPARE, "resolve excluded modules and op classes")                                           \
    X(cle, BUILD, "cross-layer equalization of consecutive weight layers, high-bias absorption")              \
    X(place_quantizers, BUILD, "a quantizer for every input, activation, weight and bias the qconfig decides") \
    X(seq_mse, BUILD, "weight ranges chosen by the layer output's error on calibration data")                 \
    X(adaround, BUILD, "learned rounding of every weight")                                                    \
    X(calibrate, BUILD, "run the calibration data, collect statistics per quantizer")                         \
    X(compute_encodings, BUILD, "scale and offset of every quantizer from its statistics")                    \
    X(load_encodings, BUILD, "take the encodings from a file instead of calibrating")                          \
    X(bias_correction, BUILD, "correct each layer's bias for the mean shift its quantized weights cause")      \
    X(evaluate, BUILD, "float against quantized on the evaluation data")                                      \
    X(convert_opset, BUILD, "raise the model to the opset the quantizers need")                               \
    X(export, BUILD, "write the QDQ model, the encodings, the prepared model and the report")

typedef enum pass_id {
#define PASS_ID_ROW_(n, k, s) PASS_ID_##n,
    PASS_LIST(PASS_ID_ROW_)
#undef PASS_ID_ROW_
    PASS_ID_COUNT_
} pass_id;

typedef enum pass_kind { PASS_KIND_PREPARE, PASS_KIND_REWRITE, PASS_KIND_BUILD } pass_kind;

/* The pass's name ("?" out of range). */
const char *pass_id_name(pass_id id);
/* The id called name, or -1. */
int pass_id_parse(const char *name);
pass_kind pass_id_kind(pass_id id);
/* True for the graph rewrites (PREPARE and REWRITE). */
int pass_id_is_prepare(pass_id id);
const char *pass_id_summary(pass_id id);

#endif
