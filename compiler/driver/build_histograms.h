/* build_histograms.h — value histograms of a build's quantized tensors against their ranges, for the
 * HTML report.
 *
 * Ownership: the histograms and their counts are allocated from the build's arena. */
#ifndef QRC_BUILD_HISTOGRAMS_H
#define QRC_BUILD_HISTOGRAMS_H

#include "driver/build.h"

/* Histograms of every integer quantizer's tensor once encodings exist: activations and inputs from one
 * float run of the first evaluation (else calibration) batch, described in *source; weights and biases
 * from the model. */
int build_histograms(build *b, export_hist **out, int *n, const char **source, qrc_err *e);

#endif
