/* export.h — the artifacts of a build: AIMET encodings JSON (read and write), a QDQ ONNX model that
 * plain ONNX Runtime runs, the prepared float model, a report, and resumable checkpoints.
 *
 * Everything here works from three things the caller owns: the prepared float graph, a list of
 * export_quantizer (one per quantized tensor, with its final encodings), and options. The export side
 * knows nothing of how quantizers were placed or calibrated.
 *
 * Ownership: export_quantizer arrays passed in are borrowed for the duration of the call. An
 * export_quant_set returned by a reader owns its quantizers, names and encodings (export_quant_set_free).
 * Text and byte buffers returned through char ** / void ** are malloc'd and freed by the caller. Graphs
 * returned through graph ** are freed with graph_free. */
#ifndef QRC_EXPORT_H
#define QRC_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "graph.h"
#include "quant.h"

/* One quantized tensor and its final encodings. */
typedef struct export_quantizer {
    const char *tensor;          /* value name in the prepared graph */
    bool is_param;               /* weight or bias (param_encodings), else an activation */
    int axis;                    /* channel axis when per-channel, -1 for per-tensor */
    int n_encs;                  /* 1 for per-tensor, else the tensor's size along axis */
    const quant_encoding *encs;  /* n_encs entries, all of one kind (QUANT_INT or QUANT_FLOAT) */
} export_quantizer;

/* A quantizer list read from a file; owns everything it points to. */
typedef struct export_quant_set {
    export_quantizer *q;
    int n;
    arena mem;                   /* names and encodings */
} export_quant_set;

void export_quant_set_free(export_quant_set *s);

/* Checks a quantizer list against the graph: every tensor exists, appears once, parameters are
 * initializers, the channel count matches the tensor's size along the axis, and every encoding is
 * valid (bitwidth in range, finite positive scale, offset inside the grid, min/max consistent). Errors
 * name the tensor. */
int export_quantizers_check(const graph *g, const export_quantizer *q, int n, qrc_err *e);

/* ---- Encodings JSON ---------------------------------------------------------------------------------- */

typedef enum export_enc_version {
    EXPORT_ENC_0_6_1 = 0, /* sections are objects keyed by tensor name, one entry per channel */
    EXPORT_ENC_1_0_0 = 1, /* sections are lists of {name, enc_type, dtype, bw, is_sym, scale[], offset[]} */
    EXPORT_ENC_2_0_0 = 2, /* one list of QuantizeLinear-shaped {name, output_dtype, y_scale, y_zero_point, axis} */
} export_enc_version;

/* "0.6.1" / "1.0.0" / "2.0.0". */
const char *export_enc_version_name(export_enc_version v);
/* Parses a version string; -1 (e filled) when it is not one of the three. */
int export_enc_version_parse(const char *s, export_enc_version *out, qrc_err *e);

/* Serializes quantizers as an encodings JSON document (*text, NUL-terminated, ending in a newline).
 * Deterministic: object keys sorted, floats printed with 9 significant digits (which reads back to the
 * same float). quant_scheme is written into quantizer_args (NULL: "post_training_tf"; 2.0.0 has none).
 * Fails on duplicate tensor names or invalid encodings, and for 2.0.0 on what its types cannot hold
 * (float16, bitwidths other than 4/8/16, strict symmetric grids), naming the tensor. */
int export_encodings_dump(const export_quantizer *q, int n, export_enc_version v, const char *scheme,
                          char **text, qrc_err *e);
/* export_encodings_dump written atomically to path. */
int export_encodings_write(const char *path, const export_quantizer *q, int n, export_enc_version v,
                           const char *scheme, qrc_err *e);

/* Parses an encodings document of either version (detected from its "version" field) into quantizers
 * and, when g is non-NULL, checks it against the model (export_quantizers_check) and infers each
 * per-channel parameter's axis from the op that reads it (Conv 0, ConvTranspose 1, Gemm 0 or 1 by
 * transB, MatMul last). `what` names the source in errors (a file name). */
int export_encodings_parse(const char *text, size_t len, const char *what, const graph *g, export_quant_set **out,
                           qrc_err *e);
/* Reads and parses the encodings file at path. */
int export_encodings_read(const char *path, const graph *g, export_quant_set **out, qrc_err *e);

/* ---- QDQ ONNX ---------------------------------------------------------------------------------------- */

typedef struct export_qdq_options {
    bool bias_int32;     /* store float Conv/Gemm biases that have no quantizer of their own as int32 with
                            scale = input scale x weight scale (zero point 0) */
    bool int4_native;    /* store 4-bit parameters as int4/uint4 (opset 21) instead of 8-bit containers */
    bool drop_float16;   /* leave float16 quantizers out instead of writing Cast pairs */
    int64_t opset;       /* default-domain opset to write (the model is converted up to it), 0: automatic */
} export_qdq_options;

/* The lowest default-domain opset whose QuantizeLinear/DequantizeLinear express every integer quantizer
 * of q: 10, 13 with per-axis pairs or int32 biases, 0 when q has none. (16-bit and int4 types are
 * standard from 21 but have com.microsoft pairs below it, so they do not raise this.) */
int64_t export_qdq_min_opset(const export_quantizer *q, int n, const export_qdq_options *o);
/* The opset export_qdq writes for g: o->opset when set; otherwise the model's own opset raised to 13
 * when there is any integer quantizer (10 would express per-tensor pairs, but ONNX Runtime's optimizer
 * adds opset-11 ops to what it loads), and to 21 when 16-bit or native int4 types are used and every
 * node of g converts to 21. */
int64_t export_qdq_opset(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o);
/* Fails, saying why, when target cannot be written: below the model's opset (no downgrades), below
 * export_qdq_min_opset, or above 21. */
int export_qdq_check_opset(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o,
                           int64_t target, qrc_err *e);

/* The QDQ model of g: QuantizeLinear/DequantizeLinear pairs after every quantized activation (graph inputs
 * keep their names; a quantized graph output keeps its name on the DequantizeLinear output), parameters
 * stored as integers feeding a DequantizeLinear (per-axis when per-channel). Integer containers: 8-bit for
 * bitwidths up to 8, 16-bit up to 16; symmetric encodings use signed types with zero point 0, others
 * unsigned with zero point -offset. An activation whose grid is narrower than its container gets a Clip
 * in front so ONNX Runtime saturates where the simulation does. The model is converted to
 * export_qdq_opset (opset_upgrade); below 21, 16-bit pairs use the com.microsoft domain (and int4
 * falls back to 8-bit containers).
 * float16 quantizers become Cast(float16)->Cast(float) pairs (weights: stored as float16 + Cast).
 * The result (*out) is reindexed; g is not modified. */
int export_qdq(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o, graph **out,
               qrc_err *e);

/* ---- Hashes ------------------------------------------------------------------------------------------ */

/* SHA-256 of a file's contents as hex (base/sha256.h hashes bytes in memory). */
int export_sha256_file(const char *path, char hex[65], qrc_err *e);


/* ---- Checkpoints (.qck) ------------------------------------------------------------------------------
 * A versioned container of the prepared graph (ONNX bytes), its encodings (JSON 1.0.0) and the recipe
 * hash, sealed by a SHA-256 of its contents; layout in README ("Checkpoints"). */

enum { EXPORT_CHECKPOINT_VERSION = 1 };

/* Packs a checkpoint into a malloc'd buffer (*out, *out_n). recipe_hash may be NULL (stored as ""). */
int export_checkpoint_pack(const graph *g, const export_quantizer *q, int n, const char *recipe_hash, void **out,
                           size_t *out_n, qrc_err *e);
/* export_checkpoint_pack written atomically to path. */
int export_checkpoint_save(const char *path, const graph *g, const export_quantizer *q, int n,
                           const char *recipe_hash, qrc_err *e);
/* Reads a checkpoint back: the prepared graph (*g) and its quantizers (*q, checked against *g). Fails
 * with a message naming `what` on bad magic, an unknown format version, truncation, a hash mismatch, a
 * missing section, or (when expect_recipe_hash is non-NULL) a checkpoint made by another recipe. */
int export_checkpoint_unpack(const void *data, size_t n, const char *what, const char *expect_recipe_hash,
                             graph **g, export_quant_set **q, qrc_err *e);
int export_checkpoint_load(const char *path, const char *expect_recipe_hash, graph **g, export_quant_set **q,
                           qrc_err *e);

/* ---- Report and the whole artifact set ----------------------------------------------------------- */

typedef struct export_metric {
    const char *name;
    double value;
} export_metric;

typedef struct export_text {
    const char *name;
    const char *text;
} export_text;

/* A tensor's values binned against its quantizer's range, for the HTML report. */
typedef struct export_hist {
    const char *tensor;
    const char *role;                  /* "weight", "activation", ... */
    double lo, hi;                     /* the bins span [lo, hi] */
    int n_bins;
    const double *counts;              /* n_bins counts */
    double enc_min, enc_max;           /* the quantizer's representable range (widest channel when per-channel) */
    double clipped;                    /* fraction of the values outside [enc_min, enc_max] */
    int64_t n_values;
} export_hist;

/* What the caller knows about the build; every field may be empty. Borrowed. */
/* One op of a sensitivity ranking (figures in dB; NAN or INFINITY are written as null). */
typedef struct export_ranked {
    const char *op;                    /* node name */
    double sqnr_db, weight_sqnr_db, act_sqnr_db;
    double act_min, act_max, clipped;  /* the output quantizer's range and clipped fraction */
} export_ranked;

typedef struct export_report {
    const char *recipe_hash;
    const char *model_hash;            /* SHA-256 of the model file (export_sha256_file) */
    const export_text *data_hashes;    /* data file -> SHA-256 */
    int n_data_hashes;
    const export_text *plan;           /* pass -> one-line summary, in plan order */
    int n_plan;
    const export_metric *metrics;      /* evaluation numbers (float_top1, quant_top1, output_sqnr_db, ...) */
    int n_metrics;
    const export_metric *layers;       /* per-layer SQNR in dB, worst first */
    int n_layers;
    const export_metric *timings;      /* seconds per phase: the only non-deterministic part */
    int n_timings;
    const export_ranked *ranking;      /* sensitivity ranking, most sensitive first ("sensitivity", only when
                                          n_ranking > 0); a later build reads it back by op name */
    int n_ranking;
    const export_hist *hists;          /* HTML report only: value histograms against quantizer ranges */
    int n_hists;
    const char *hist_source;           /* what the activation histograms were measured on */
    const export_metric *split;        /* output SQNR with only weights / only activations quantized, or NULL */
    int n_split;
} export_report;

/* The report JSON: fields above, every quantizer with its encodings, and the SHA-256 of each artifact
 * (artifacts: name -> bytes hashed, may be NULL). Keys sorted, 9-digit floats. */
int export_report_dump(const export_report *r, const export_quantizer *q, int n, const export_text *artifact_hashes,
                       int n_artifacts, char **text, qrc_err *e);

/* The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched) with the
 * summary, float vs quantized metrics, a per-layer SQNR bar chart (worst first), each histogram against
 * its quantizer's range (clipped tails in red), the sensitivity ranking when given, every quantizer's
 * encoding and the provenance hashes. Deterministic: timings are left out. */
int export_report_html(const export_report *r, const export_quantizer *q, int n, const export_text *artifact_hashes,
                       int n_artifacts, char **text, qrc_err *e);

/* Which files export_write_all writes (bits; 0 means all of them). */
enum {
    EXPORT_ART_QDQ = 1,                /* <prefix>.onnx */
    EXPORT_ART_ENCODINGS = 2,          /* <prefix>.encodings */
    EXPORT_ART_FLOAT = 4,              /* <prefix>_float.onnx */
    EXPORT_ART_REPORT = 8,             /* <prefix>.report.json and <prefix>.report.html (needs report) */
    EXPORT_ART_ALL = 15,
};

typedef struct export_options {
    const char *dir;                   /* must exist and be writable */
    const char *prefix;
    export_enc_version enc_version;
    const char *quant_scheme;          /* written into quantizer_args; NULL: "post_training_tf" */
    export_qdq_options qdq;
    const export_report *report;       /* NULL: no report file */
    unsigned artifacts;                /* EXPORT_ART_* bits; 0 means all */
} export_options;

/* Writes <prefix>.onnx (QDQ), <prefix>.encodings, <prefix>_float.onnx (g as given, no simulation ops)
 * and, when o->report is set, <prefix>.report.json and <prefix>.report.html into o->dir, or the subset o->artifacts names. Everything is built in memory and written
 * to temporary files first; the files are renamed into place only when all were written, so a failure
 * leaves no partial artifact. An unwritable or missing directory is an error naming it. */
int export_write_all(const graph *g, const export_quantizer *q, int n, const export_options *o, qrc_err *e);

#endif
