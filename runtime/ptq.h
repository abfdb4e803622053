/* ptq.h — post-training rewrites of the prepared float graph that make it easier to quantize, and
 * searches of weight encodings against the layers' outputs.
 *
 * Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019): for two weight layers in a
 * row, joined directly or through ops that commute with a positive per-channel scale (Relu, LeakyRelu,
 * MaxPool, AveragePool, GlobalAveragePool), output
 * channel c of the first is divided by s_c and input channel c of the second multiplied by it, with
 * s_c = sqrt(r1_c / r2_c) and r the channel's largest |weight|, so both layers end up with the same
 * per-channel ranges. The model's outputs do not change (up to float rounding). Pairs are swept until
 * the scales settle, so chains (Conv -> depthwise Conv -> Conv) equalize as a whole.
 *
 * High-bias absorption (same paper): where a Relu (and possibly MaxPool) joins the pair and the second
 * layer pads nothing (a zero pad would not see the shift), the part of the first layer's bias that the
 * Relu never cuts, c = max(0, min(mean - 3 std, observed min)) of its output per channel, moves into
 * the second layer's bias (b1 -= c, b2 += W2 c). The statistics come from running the float graph on
 * the batches the caller gives, in place of the BatchNorm parameters folding removed: on those rows the
 * model's outputs stay the same.
 *
 * Layers: Conv with groups 1 or depthwise, Gemm (alpha = beta = 1, either transB). A pair is skipped
 * when a weight or bias is shared with another node, when the tensor between the layers has another
 * reader or is a graph output, or when the channel counts disagree. */
#ifndef QRC_PTQ_H
#define QRC_PTQ_H

#include <stdbool.h>

#include "base/err.h"
#include "graph.h"
#include "quant.h"
#include "tensor.h"

typedef struct ptq_cle_stats {
    int pairs;              /* layer pairs equalized */
    int sweeps;             /* passes over the pairs until the scales settled */
    int absorbed;           /* pairs whose first bias gave something to the second */
    double range_ratio_before, range_ratio_after; /* mean over pairs' channels of max(r1, r2) / min(r1, r2) */
} ptq_cle_stats;

/* Gives the next batch: fills inputs[0..n-1] (bound to the graph inputs called names[i]; the caller of
 * ptq_cle frees them after the run) and returns 1, returns 0 when there is no more data, -1 on error. */
typedef int (*ptq_batch_fn)(void *user, tensor **inputs, qrc_err *e);

/* Equalizes g in place (g must be reindexed; it stays so). With absorb set, runs the float graph on every
 * batch `next` gives for the bias statistics. */
int ptq_cle(graph *g, bool absorb, int n_inputs, const char *const *names, ptq_batch_fn next, void *user, int threads,
            ptq_cle_stats *st, qrc_err *e);

/* ---- Bias correction ---------------------------------------------------------------------------------
 *
 * Quantizing a layer's weights (W~ = W + eps) shifts the mean of its output by eps E[x]; moving
 * -eps E[x] into the bias puts it back (Nagel et al. 2019, with E[x] measured: the per-channel mean of
 * the layer's float input over the batches given). Each layer is corrected for its own weight error,
 * so corrections do not compound. Layers: Conv (any groups), Gemm (alpha = 1, transA = 0); a layer
 * whose bias is missing or shared is skipped. */

typedef struct ptq_weight {
    int node;                    /* the Conv or Gemm */
    const quant_encoding *encs;  /* its weight's encodings: one, or one per channel along axis */
    int n_encs;
    int axis;                    /* -1 per tensor */
} ptq_weight;

typedef struct ptq_bc_stats {
    int corrected, skipped;
    int64_t samples;             /* rows the statistics came from */
    double mean_abs_shift;       /* mean |correction| over the corrected channels */
} ptq_bc_stats;

/* Corrects the biases of the layers in w in place, from the float graph run on every batch `next`
 * gives (inputs bound by names). */
int ptq_bias_correction(graph *g, const ptq_weight *w, int n, int n_inputs, const char *const *names,
                        ptq_batch_fn next, void *user, int threads, ptq_bc_stats *st, qrc_err *e);

/* ---- AdaRound ----------------------------------------------------------------------------------------
 *
 * Learns, per weight, whether to round down or up (Nagel et al., "Up or Down? Adaptive Rounding for
 * Post-Training Quantization", 2020): W~ = s clamp(floor(W/s) + h(V)) with h a rectified sigmoid,
 * minimizing the layer's output error on calibration inputs plus a regularizer that drives h to 0 or 1
 * (its exponent beta annealed from beta_start to beta_end after a warm start without it), by Adam.
 * The output error is tr((W~ - W) C (W~ - W)^T) / n with C = X X^T the inputs' second moments (im2col
 * columns for a Conv), gathered in one pass over the data, so each step costs one [out x K] x [K x K]
 * product whatever the number of samples. The weights are then rounded as h says and written back:
 * they lie on the encodings' grid, which the caller must keep (freeze). Layers: Conv 2-D with groups 1,
 * Gemm (transA = 0); others are skipped. */

typedef struct ptq_adaround_opts {
    int iterations;
    double reg, beta_start, beta_end, warm_start;
} ptq_adaround_opts;

typedef struct ptq_adaround_stats {
    int layers, skipped;
    int64_t samples;
    double error_nearest, error_adaround; /* summed over layers: output error of each rounding */
} ptq_adaround_stats;

int ptq_adaround(graph *g, const ptq_weight *w, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                 void *user, int threads, const ptq_adaround_opts *o, ptq_adaround_stats *st, qrc_err *e);

/* ---- Sequential MSE ----------------------------------------------------------------------------------
 *
 * Chooses weight ranges by the error of the layer's output on calibration inputs, not of the weight
 * itself (what AIMET 2.x calls seq_mse): each output channel (or the whole tensor, per tensor) tries the
 * ranges k/N of its observed [min, max], k = 1..N, and keeps the one with the lowest output error
 * tr(D C D^T), D the quantized minus the float weights and C = X X^T the layer's float inputs' second
 * moments (as for AdaRound, one pass over the data). Candidate N is min/max itself and only a strictly
 * lower error replaces it, so the result is never worse than min/max on those inputs. Output channels
 * are independent (row r of the output depends only on row r of the weight), so per-channel choices
 * are exact. Layers: as AdaRound's (Conv 2-D with groups 1, Gemm with transA = 0); others are left to
 * calibration. */

typedef struct ptq_range {
    int node;                    /* the Conv or Gemm */
    quant_format format;
    int axis;                    /* -1 per tensor */
    quant_encoding *encs;        /* n_encs: 1, or one per output channel; filled when searched */
    int n_encs;
    bool searched;               /* out: false when the layer was skipped (encs untouched) */
} ptq_range;

typedef struct ptq_seq_mse_stats {
    int layers, skipped;
    int64_t samples;
    double error_minmax, error_seq_mse; /* summed over the searched layers: output error per range choice */
} ptq_seq_mse_stats;

int ptq_seq_mse(const graph *g, ptq_range *w, int n, int n_inputs, const char *const *names, ptq_batch_fn next,
                void *user, int threads, int candidates, ptq_seq_mse_stats *st, qrc_err *e);

#endif
