/* quant.h — quantization simulation: encodings, fake quantization, statistics, quantizer placement,
 * calibration and evaluation.
 *
 * Arithmetic (the AIMET convention, which QNN/SNPE consume): an integer encoding of `bitwidth` bits has a
 * float `scale` and an integer `offset` (offset = -zero_point, so offset <= 0). A value x is quantized as
 *     q = clamp(round(x / scale) , offset, offset + 2^bw - 1)       (round half to even)
 *     x^ = scale * q
 * which is exactly what ONNX Runtime's QuantizeLinear (x / scale, round half to even, + zero_point,
 * saturate) followed by DequantizeLinear ((q - zero_point) * scale) computes in float32, so the
 * simulation agrees bit for bit with the exported QDQ model. `min` = scale * offset and
 * `max` = scale * (offset + 2^bw - 1) are the representable range (0 is always exact).
 *
 * Ownership: quant_encoding and quant_format are plain values. Objects made by a quant_*_new or
 * quant_*_create function are released by the matching quant_*_free; they own everything inside. */
#ifndef QRC_QUANT_H
#define QRC_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/select.h"
#include "graph.h"

enum {
    QUANT_MIN_BITWIDTH = 4,
    QUANT_MAX_BITWIDTH = 16,
};
/* Smallest range an encoding covers (AIMET's rule): keeps dead channels and constant tensors from
 * producing a zero or denormal scale. */
#define QUANT_MIN_RANGE 0.01

typedef enum quant_kind {
    QUANT_INT = 0,   /* integer grid (scale/offset) */
    QUANT_FLOAT = 1, /* floating point simulation: bitwidth 16 = IEEE half */
} quant_kind;

/* How to quantize a tensor: the requested format, before any statistics are known. */
typedef struct quant_format {
    quant_kind kind;
    int bitwidth;      /* 4..16 for QUANT_INT; 16 for QUANT_FLOAT */
    bool symmetric;    /* grid mirrored about 0: offset = -2^(bw-1) */
    bool strict;       /* symmetric with one step fewer: offset = -(2^(bw-1) - 1) */
    bool unsigned_sym; /* symmetric, but [0, max] with offset 0 when the data is never negative */
} quant_format;

/* The encoding of one tensor or one channel. */
typedef struct quant_encoding {
    quant_kind kind;
    int bitwidth;
    bool symmetric; /* as written to encodings files (true also for strict / unsigned symmetric) */
    bool strict;    /* strict symmetric: codes stop one step short, at offset + 2^bw - 2 */
    float min, max; /* representable range: scale * offset, scale * (offset + steps) */
    float scale;
    int32_t offset; /* -zero_point, in [-(2^bw - 1), 0] */
} quant_encoding;

/* Name of a symmetry mode for listings: "asymmetric", "symmetric" or "strict_symmetric" (whether a
 * symmetric grid turned out unsigned depends on the data: see the encoding's offset). */
const char *quant_format_symmetry_name(const quant_format *f);

/* Checks a format (bitwidth in range for its kind). */
int quant_format_check(const quant_format *f, qrc_err *e);

/* The encoding covering [min, max] under format f, by AIMET's rules: the range is widened to include 0
 * and to at least QUANT_MIN_RANGE, then the grid is placed so that 0 is exactly representable (the
 * range is nudged onto it). Fails on NaN/infinite bounds, min > max or a bad format. For QUANT_FLOAT
 * fills only kind and bitwidth. */
int quant_encoding_from_range(const quant_format *f, double min, double max, quant_encoding *out, qrc_err *e);

/* The encoding with the given scale (> 0, finite) and offset (clamped into the grid's valid range);
 * min and max follow from them. Used by searches that pick (scale, offset) directly. */
int quant_encoding_from_scale_offset(const quant_format *f, double scale, int32_t offset, quant_encoding *out,
                                     qrc_err *e);

/* Number of steps of the grid: 2^bw - 1 (one fewer for strict symmetric). */
int32_t quant_format_steps(const quant_format *f);

/* Fake quantize-dequantize n values of x into y (x == y allowed) with round half to even. NaN stays NaN.
 * For a QUANT_FLOAT encoding rounds to IEEE half (overflow gives infinity, as a float16 cast does). */
void quant_fake_quant(const quant_encoding *enc, const float *x, float *y, size_t n);

/* The same with stochastic rounding: round up with probability equal to the fractional part. The
 * random stream is a pure function of (seed, stream, element index), so results do not depend on
 * batching into calls as long as callers number their streams (e.g. stream = call counter). */
void quant_fake_quant_stochastic(const quant_encoding *enc, const float *x, float *y, size_t n, uint64_t seed,
                                 uint64_t stream);

/* Per-channel fake quantization of a dense row-major tensor of the given shape along `axis`:
 * encs has dims[axis] entries. Fails on a bad axis. */
int quant_fake_quant_axis(const quant_encoding *encs, int n_encs, const float *x, float *y, int rank,
                          const int64_t *dims, int axis, qrc_err *e);

/* Integer codes of n values in AIMET's unsigned convention: q - offset in [0, 2^bw - 1] (what an ONNX
 * uint zero-point representation stores; subtract 2^(bw-1) for a signed one). Integer encodings only. */
void quant_quantize_codes(const quant_encoding *enc, const float *x, int32_t *q, size_t n);

/* ---- Statistics (observers) -------------------------------------------------------------------------
 *
 * An observer folds batches of a tensor into fixed-size statistics (memory never depends on the number
 * of batches or samples) and turns them into encodings:
 *   tf           running min/max.
 *   tf_enhanced  a 512-bin histogram whose range is set by the first batch that is not all zeros, widened
 *                3x about its centre; every batch's normalised histogram is averaged in (values outside the
 *                range are dropped); the encoding is the candidate grid with the lowest cost
 *                quantization noise inside + 3 x saturation noise outside, over bin midpoints
 *                (asymmetric: 17 scales x 21 offsets plus the observed range; symmetric: 101 scales).
 *   percentile   a 512-bin histogram that widens (redistributing counts) to the running min/max; the range
 *                is clipped at the (100-P)th and Pth percentiles.
 *   mse          the same histogram; the range [a*min(lo, 0), b*max(hi, 0)], a, b in {0.01 .. 1} (one
 *                factor when symmetric), minimising the expected squared quantize-dequantize error over bin
 *                midpoints; the full range wins ties, and min <= 0 <= max always holds.
 * Per-channel observers keep one statistic per channel along an axis. NaNs are ignored. */

enum { QUANT_HIST_BINS = 512 };

/* The calibration schemes, listed once: the enum, the names the recipe language and the reports use
 * (quant_scheme_name), and the plan's wire enum (compiler/plan/plan.h checks it against this list). */
#define QUANT_SCHEMES(X) X(TF, tf) X(TF_ENHANCED, tf_enhanced) X(PERCENTILE, percentile) X(MSE, mse)

typedef enum quant_scheme {
#define QUANT_SCHEME_ROW_(up, low) QUANT_SCHEME_##up,
    QUANT_SCHEMES(QUANT_SCHEME_ROW_)
#undef QUANT_SCHEME_ROW_
    QUANT_SCHEME_COUNT_
} quant_scheme;

/* "tf", "tf_enhanced", "percentile", "mse". */
const char *quant_scheme_name(quant_scheme s);
/* Parses a scheme name; -1 (and e filled) when unknown. */
int quant_scheme_parse(const char *name, quant_scheme *out, qrc_err *e);

/* A scheme with its parameter, as a rule or the options choose it for one role. */
typedef struct quant_method {
    bool set;                  /* false: says nothing, the next in line decides */
    quant_scheme scheme;
    double percentile;         /* P for QUANT_SCHEME_PERCENTILE; 0 means 99.99 */
} quant_method;

typedef struct quant_observer quant_observer;

/* An observer with n_channels statistics (1 for per-tensor). percentile is P in (50, 100] for
 * QUANT_SCHEME_PERCENTILE, ignored otherwise. NULL (e filled) on bad arguments. */
quant_observer *quant_observer_new(quant_scheme s, int n_channels, double percentile, qrc_err *e);
void quant_observer_free(quant_observer *o);
/* Lets updates scan a large per-tensor batch on up to `threads` threads (default 1); the statistics are
 * the same for any thread count. */
void quant_observer_set_threads(quant_observer *o, int threads);

/* Folds one batch, a dense row-major tensor of the given shape. A per-tensor observer ignores axis;
 * a per-channel one reads channels along axis (dims[axis] must equal its channel count). */
int quant_observer_update(quant_observer *o, const float *x, int rank, const int64_t *dims, int axis, qrc_err *e);

/* Number of batches folded so far. */
int64_t quant_observer_batches(const quant_observer *o);
/* Running min and max of channel c (0, 0 before any finite value was seen). */
void quant_observer_range(const quant_observer *o, int c, double *min, double *max);

/* One encoding per channel under format f (out has n_channels entries). A channel that saw no data or
 * only zeros gets the valid minimum-range encoding. Deterministic: the same batches give the same bits. */
int quant_observer_encodings(const quant_observer *o, const quant_format *f, quant_encoding *out, qrc_err *e);

/* ---- Mergeable statistics ----------------------------------------------------------------------------
 *
 * Calibration data cut into consecutive shards (by sample index) can be observed shard by shard, in other
 * processes, and the observers merged in shard order: the merged statistics, and so the encodings, are
 * bit for bit those of one observer fed the whole stream.
 *   tf           min/max merge as they are.
 *   tf_enhanced  the histogram range comes from the stream's first batch that is not all zeros, so every
 *                shard bins on the range of the earliest shard that has one: observe each shard once (a
 *                probe, which may stop as soon as every channel has a range), seed each shard's observer
 *                with the probes of the shards before it, in order (quant_observer_seed), observe, merge.
 *   percentile, mse  do not merge: their histogram widens to the running range batch by batch,
 *                redistributing counts in floating point, so its bins depend on where the stream is cut.
 * An observer packs into a flat array of 64-bit words (doubles as their bits) that a reduction, a message
 * or a file can carry; unpacking checks the words. */

/* Number of words quant_observer_pack writes for o. */
size_t quant_observer_packed_words(const quant_observer *o);
void quant_observer_pack(const quant_observer *o, uint64_t *words);
/* A new observer from n packed words; NULL (e filled) when they are not a packed observer. */
quant_observer *quant_observer_unpack(const uint64_t *words, size_t n, qrc_err *e);
/* Folds the statistics of the shard right after into's into into; -1 (e filled, into unchanged) when the
 * observers differ, the scheme does not merge, or the shards binned on different ranges. */
int quant_observer_merge(quant_observer *into, const quant_observer *later, qrc_err *e);
/* Gives o, before it observes anything, the histogram range of an earlier shard's observer for each
 * channel that has none yet; call once per earlier shard, earliest first. No-op for tf. */
int quant_observer_seed(quant_observer *o, const quant_observer *earlier, qrc_err *e);

/* ---- Quantsim config (AIMET's JSON) ------------------------------------------------------------------
 *
 * Sections, applied in this order, each overriding the last: defaults, params, op_type, supergroups,
 * model_input, model_output. Booleans are "True"/"False" strings (JSON true/false also accepted).
 * A setting absent from the file is QUANT_UNSET, so later layers (and recipe rules) can tell "said no"
 * from "said nothing". */

typedef enum quant_tri { QUANT_UNSET = 0, QUANT_NO = 1, QUANT_YES = 2 } quant_tri;

/* Settings for activations or for one parameter kind. */
typedef struct quant_config_side {
    quant_tri quantized;      /* is_output_quantized (ops) / is_quantized (params) */
    quant_tri symmetric;      /* is_symmetric */
} quant_config_side;

typedef struct quant_config_op {
    char *op_type;
    quant_config_side act;    /* is_output_quantized, is_symmetric */
    quant_tri input_quantized;
    quant_tri per_channel;
    quant_config_side weight, bias;
    bool has_constraint;      /* encoding_constraints: fixed output range */
    double constraint_min, constraint_max;
} quant_config_op;

typedef struct quant_config {
    quant_config_side act, param;   /* defaults.ops, defaults.params */
    quant_tri strict_symmetric, unsigned_symmetric, per_channel;
    quant_config_side weight, bias; /* top-level params.weight / params.bias */
    quant_config_op *ops;
    int n_ops;
    char ***supergroups;            /* each a NULL-terminated op type list */
    int n_supergroups;
    quant_tri input_quantized;      /* model_input.is_input_quantized */
    quant_tri output_quantized;     /* model_output.is_output_quantized */
} quant_config;

/* Parses a quantsim config from JSON text; `source` names it in errors. NULL (e filled) on malformed JSON,
 * a boolean that is neither "True" nor "False", a non-numeric constraint or a bad supergroup. */
quant_config *quant_config_parse(const char *json_text, const char *source, qrc_err *e);
/* Reads and parses a config file. */
quant_config *quant_config_load(const char *path, qrc_err *e);
void quant_config_free(quant_config *c);
/* The op_type section for op_type, or NULL. */
const quant_config_op *quant_config_op_find(const quant_config *c, const char *op_type);

/* ---- qconfig rules -----------------------------------------------------------------------------------
 *
 * An ordered list; for each op the first rule that matches decides its qconfig. A rule says only what it
 * names (bits 0 / QUANT_UNSET = says nothing); what it leaves open comes from the last QUANT_SEL_DEFAULT
 * rule, then from the quantsim config (op_type, params, defaults), then from built-in defaults
 * (8-bit asymmetric activations, 8-bit symmetric per-tensor weights, biases in float). Module names are
 * the node's module path (or its node name when it has none), matched whole by base/select.h's
 * select_name: exact, glob, regex, or prefix (the module itself and everything below it: "layer1"
 * matches "layer1" and "layer1.0.conv1", not "layer10"). */

typedef enum quant_selector {
    QUANT_SEL_DEFAULT = 0,     /* matches every op */
    QUANT_SEL_MODULE = 1,      /* module name against patterns */
    QUANT_SEL_OP = 2,          /* op type equal to one of the patterns' texts */
    QUANT_SEL_SENSITIVITY = 3, /* among the top_fraction most sensitive quantizable ops */
} quant_selector;

/* Bits: 4..16 integer; with kind QUANT_FLOAT, 16 simulates float16 and 32 leaves the tensor in float. */
typedef struct quant_side_rule {
    quant_kind kind;
    int bits;                  /* 0: the rule says nothing about this side */
    quant_tri symmetric;
    quant_tri strict;          /* strict symmetric; UNSET: as the quantsim config says */
    quant_tri unsigned_sym;    /* unsigned symmetric on non-negative data; UNSET: as the config says */
    quant_method method;       /* calibration scheme of the quantizers this side decides; unset: the default
                                  rule's, then the options' for the role */
} quant_side_rule;

typedef struct quant_rule {
    const char *label;         /* how listings name the rule, e.g. "resnet.q:14: module \"layer1.*\"" */
    quant_selector select;
    const select_spec *patterns;  /* module selectors (select_name on the whole module), or op types (exact) */
    int n_patterns;
    double top_fraction;       /* QUANT_SEL_SENSITIVITY: in (0, 1] */
    quant_side_rule act, weight;
    quant_tri per_channel;     /* weights per channel */
    quant_tri quantize_bias;
} quant_rule;

/* ---- Quantization simulation ------------------------------------------------------------------------ */

typedef enum quant_role {
    QUANT_ROLE_INPUT = 0,      /* a graph input, or a value entering the quantized region from float ops */
    QUANT_ROLE_ACT = 1,        /* an op's output */
    QUANT_ROLE_WEIGHT = 2,
    QUANT_ROLE_BIAS = 3,
    QUANT_ROLE_COUNT_
} quant_role;

/* "input", "activation", "weight", "bias". */
const char *quant_role_name(quant_role r);

typedef struct quant_quantizer {
    const char *tensor;        /* value name (owned by the graph) */
    int value;                 /* graph value index */
    int node;                  /* the op whose qconfig decided it (producer, or first consumer) */
    quant_role role;
    quant_format format;
    int axis;                  /* channel axis of a per-channel quantizer, -1 per tensor */
    int n_channels;            /* 1 per tensor */
    const char *decided_by;    /* label of the deciding rule, "config ..." or "built-in default" */
    quant_scheme scheme;       /* how calibration turns statistics into its encodings */
    double percentile;         /* P when scheme is QUANT_SCHEME_PERCENTILE */
    bool has_constraint;       /* fixed range from the config's encoding_constraints */
    double constraint_min, constraint_max;
    bool frozen;               /* encodings set from outside (constraint, loaded file): not calibrated */
    quant_encoding *enc;       /* n_channels entries once computed, else NULL; owned by the sim */
} quant_quantizer;

typedef struct quant_options {
    quant_scheme scheme;       /* activations' (graph inputs, op outputs) scheme, and the parameters' unless
                                  weight_method is set; rules override both per op */
    double percentile;         /* P for QUANT_SCHEME_PERCENTILE; 0 means 99.99 */
    quant_method weight_method; /* weights' and biases' scheme; unset: scheme */
    bool stochastic;           /* stochastic rounding of activations in simulation */
    uint64_t seed;
    const bool *excluded;      /* per node index: left in float; NULL for none */
    const bool *fused_with_next; /* per node index: output internal to a fused unit; NULL for none */
    int threads;               /* executor threads; 0 means 2 */
    FILE *progress;            /* progress lines go here when it is a terminal; NULL for quiet */
    int sensitivity_batches;   /* calibration batches used to rank sensitivity; 0 means 4 */
    bool sensitivity_exhaustive; /* rank by the model's output with each op quantized alone (one simulated
                                  pass per op) instead of each op's own output noise (two passes in all) */
    bool int32_bias;           /* simulate Conv/Gemm biases without a quantizer of their own as int32 with
                                  scale = input scale x weight scale, as export's bias_int32 stores them */
} quant_options;

/* True for ops whose output holds a subset or rearrangement of their first input's values (MaxPool,
 * Reshape, Transpose, ...): their output carries the input's encoding instead of a quantizer. */
bool quant_op_shares_input(const char *op_type);

/* True for a Softmax over an axis other than its input's last: ONNX Runtime fuses an 8-bit
 * DequantizeLinear-Softmax-QuantizeLinear into QLinearSoftmax, which computes that case wrongly, so such
 * an output is given a 16-bit quantizer (quant_place) and `qrc check` warns about it. */
bool quant_softmax_off_last_axis(const graph *g, int node);

typedef struct quant_sim quant_sim;
struct pass_report;

/* Fills per-node arrays (g->n_nodes entries each) for quant_options from the prepare report: excluded
 * (excluded modules and op classes, and the float pre/post region) and fused_with_next (every node of a
 * supergroup or fused unit but its last). With a report given this way, prepare's supergroups replace
 * the config's and the built-in ones. */
int quant_annotations_from_report(const graph *g, const struct pass_report *r, bool *excluded,
                                  bool *fused_with_next, qrc_err *e);

/* Places quantizers on a prepared, reindexed graph (borrowed: it must outlive the sim and keep its
 * value indices): activation quantizers on graph inputs and op outputs, parameter quantizers on weights
 * (per-channel axes: Conv 0, ConvTranspose 1, Gemm 0 with transB else 1, MatMul last) and on biases when
 * configured. No quantizer goes inside a supergroup (the config's, or [Conv|ConvTranspose|Gemm|MatMul|Add,
 * Relu|Clip] without a config, plus opts->fused_with_next), on excluded ops, or on the output of an op
 * that only moves data (Reshape, Transpose, MaxPool, ...): that output shares its input's encoding.
 * rules are copied; cfg (may be NULL) is borrowed and must outlive the sim. NULL (e filled) on a bad
 * rule, regex or format. */
quant_sim *quant_sim_create(graph *g, const quant_rule *rules, int n_rules, const quant_config *cfg,
                            const quant_options *opts, qrc_err *e);
void quant_sim_free(quant_sim *s);

int quant_sim_count(const quant_sim *s);
const quant_quantizer *quant_sim_get(const quant_sim *s, int i);
/* Index of the quantizer whose encoding the tensor called name carries (its own, or the one a data-movement op passes
 * through), or -1 when the tensor stays in float. */
int quant_sim_find(const quant_sim *s, const char *name);
/* Tells the sim that the graph's initializers changed (a bias corrected): the next run reloads them. */
void quant_sim_params_changed(quant_sim *s);
/* The float model (calibration statistics, evaluation's reference) reads t (taken over) for parameter
 * `value` instead of the graph's, which the quantized model keeps: the original weights when the graph
 * holds learned rounded ones. */
int quant_sim_set_float_param(quant_sim *s, int value, tensor *t, qrc_err *e);
/* Number of ops rule i decided (0 flags a rule that matches nothing, e.g. after a rename). */
int quant_sim_rule_matches(const quant_sim *s, int rule);

/* ---- Calibration, simulation, evaluation -------------------------------------------------------------
 *
 * Data comes as a stream of rows per graph input, read batch by batch from .npy files (several files per
 * input are read one after the other as one stream), so memory never depends on how many samples there
 * are. Inputs must be float32 with the graph's per-sample shape; a batch is `batch` rows (the last may be
 * shorter). */

typedef struct quant_feed {
    const char *input;         /* graph input name */
    const char *const *files;  /* .npy files, or image files when image is set (one row each) */
    int n_files;
    const struct image_prep *image; /* images made into rows by this preprocessing (image/image.h) */
} quant_feed;

typedef struct quant_data {
    const quant_feed *feeds;
    int n_feeds;
    int64_t batch;             /* rows per run; 0 means 32 */
    int64_t max_samples;       /* 0: every row */
    const int64_t *labels;     /* evaluation labels held in memory, one per row (image folders, text
                                  files), used when no labels file is given; NULL: none */
    const char *labels_what;   /* where those labels came from, for messages */
} quant_data;

/* Weights against activations on the first max_batches batches of d: the output SQNR (dB, against float)
 * with only the weight and bias quantizers applied, and with only the activation and input quantizers.
 * Needs encodings; leaves the simulation as it was. */
int quant_weight_act_analysis(quant_sim *s, const quant_data *d, int max_batches, double *weights_db, double *acts_db,
                              qrc_err *e);

/* The first batch of d (one new tensor per feed into batch[], names into names[], both d->n_feeds long),
 * as calibration and evaluation read it; *rows = 0 when d has no rows. */
int quant_data_first_batch(const quant_data *d, const graph *g, tensor **batch, const char **names, int64_t *rows,
                           qrc_err *e);

/* Streams the data once through the float model, folding every activation quantizer's statistics, and
 * observes every weight. When a rule selects by sensitivity and no ranking exists yet, first calibrates,
 * ranks (quant_rank_sensitivity) and re-places the quantizers, then calibrates again. Encodings already
 * computed are dropped (frozen ones kept). */
int quant_calibrate(quant_sim *s, const quant_data *d, qrc_err *e);

/* Turns the statistics into encodings (fixed ranges for constrained outputs); frees the statistics.
 * Fails when a quantizer was never observed and is not frozen. */
int quant_compute_encodings(quant_sim *s, qrc_err *e);

/* Sets quantizer i's encodings (n must equal its channel count) and freezes them: calibration leaves
 * them alone (used when encodings are loaded from a file). */
int quant_set_encodings(quant_sim *s, int i, const quant_encoding *enc, int n, qrc_err *e);

/* Runs the quantized simulation (weights fake-quantized once, every activation quantizer applied in
 * place as values are produced) or the float model on one batch. Inputs are bound by graph input name;
 * outs receives the graph's outputs (the caller's to free). Encodings must have been computed. */
int quant_simulate(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                   qrc_err *e);
int quant_run_float(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                    qrc_err *e);

/* quant_simulate, calling tap with every value the model produces (graph inputs included), as the
 * quantized model sees it: after its fake quantization. The tensor is only borrowed for the call. */
typedef int (*quant_tap_fn)(const char *name, const tensor *t, void *user, qrc_err *e);
int quant_simulate_tapped(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                          quant_tap_fn tap, void *user, qrc_err *e);

/* One ranked op. The local ranking measures the op's own output with its inputs exact: weight_sqnr_db
 * with only its parameters quantized, act_sqnr_db with only its output quantizer, whose range and clipped
 * fraction of float values it also gives. The exhaustive ranking fills sqnr_db only (the model's first
 * output with the op quantized alone); the other figures are then NAN. */
typedef struct quant_sens_info {
    int node;
    double sqnr_db;            /* what the ranking sorts by, lowest (most sensitive) first */
    double weight_sqnr_db, act_sqnr_db; /* INFINITY for a quantizer the op does not have */
    double act_min, act_max;   /* the output quantizer's range (0, 0 without one) */
    double clipped;            /* fraction of float outputs outside that range */
} quant_sens_info;

/* Ranks quantizable ops (ops owning an activation or weight quantizer), most sensitive first, over the
 * first sensitivity_batches batches: by each op's own output noise (default) or, with
 * sensitivity_exhaustive, by how much quantizing that op alone lowers the first output's SQNR against
 * float. Then re-places the quantizers so sensitivity rules take effect (encodings are then dropped:
 * calibrate again). Needs computed encodings. */
int quant_rank_sensitivity(quant_sim *s, const quant_data *d, qrc_err *e);
/* Number of ranked ops; node index and SQNR (dB) of the op at rank r (0 = most sensitive). */
int quant_sensitivity_count(const quant_sim *s);
int quant_sensitivity_at(const quant_sim *s, int r, double *sqnr_db);
/* The local measurement of quant_rank_sensitivity for a finished simulation (encodings computed): fills
 * the ranking with every op's figures, worst first, without placing anything again. For listings. */
int quant_analyze(quant_sim *s, const quant_data *d, qrc_err *e);
/* Seconds the last measured ranking took (0 when none was measured). */
double quant_sensitivity_seconds(const quant_sim *s);
/* The whole entry at rank r, or NULL. */
const quant_sens_info *quant_sensitivity_info(const quant_sim *s, int r);
/* Takes a ranking from outside (a previous build's report) instead of measuring one: names[k] is the
 * node at rank k. A name the graph does not have is an error naming it; quantizable ops the list does
 * not name rank after it, in graph order. Re-places the quantizers as quant_rank_sensitivity does. */
int quant_set_ranking(quant_sim *s, const char *const *names, int n, qrc_err *e);

typedef struct quant_layer_sqnr {
    const char *tensor;        /* owned by the graph */
    double sqnr_db;            /* of the simulated tensor against the float model's; INFINITY when equal */
} quant_layer_sqnr;

typedef struct quant_eval {
    int64_t samples;
    bool has_labels;
    double float_top1, quant_top1; /* accuracy in [0, 1] against the labels, when given */
    double top1_agreement;     /* fraction of predictions (positions along the first output's last
                                * axis: one per sample for [N,C], N*T for [N,T,C]) where quantized and
                                * float top-1 agree */
    double output_sqnr_db;     /* first output, quantized against float */
    quant_layer_sqnr *layers;  /* every activation quantizer, worst SQNR first (owned) */
    int n_layers;
    double seconds;
    double float_images_per_s, quant_images_per_s;
} quant_eval;

/* Runs float and quantized models side by side over the data (labels: an int64 .npy of one class per
 * row, or NULL; they need an output of one prediction per sample), comparing the first output (top-1 at
 * every position along its last axis) and every quantized activation.
 * Memory: one batch of quantized activations at a time. */
int quant_evaluate(quant_sim *s, const quant_data *d, const char *labels, quant_eval *out, qrc_err *e);
void quant_eval_release(quant_eval *r);

/* Writes the quantizer table (tensor, role, format, symmetry, granularity, deciding rule, encoding when
 * computed), the tensors sharing an encoding, and the rules that matched nothing, to out. */
int quant_sim_list(const quant_sim *s, FILE *out, qrc_err *e);

#endif
