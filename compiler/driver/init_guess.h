/* init_guess.h — what `qrc init` learns from a model and a data folder, and the starter recipe it writes
 * from that.
 *
 * init_guess_data looks at a folder: images (PNG/JPEG, labels from class subfolders) or .npy files
 * (calibration, evaluation and label files told apart by their names). For images it also guesses the
 * preprocessing from the model input's shape and measures the per-channel mean and std of a few images.
 * init_recipe_text turns model + guess into recipe text (not yet in canonical layout).
 *
 * Ownership: every string of an init_model / init_data lives in the arena passed to the function that
 * filled it. */
#ifndef QRC_INIT_GUESS_H
#define QRC_INIT_GUESS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "graph.h"
#include "image/image.h"

/* The model as the recipe names it. */
typedef struct init_model {
    const char *path;              /* relative to the recipe's folder */
    const char *stem;              /* file name without .onnx */
    const graph *g;
} init_model;

typedef enum init_data_kind { INIT_DATA_NONE, INIT_DATA_IMAGES, INIT_DATA_NPY } init_data_kind;

typedef struct init_data {
    init_data_kind kind;
    const char *calib;             /* path or glob for calibration (relative to the recipe's folder) */
    const char *eval;              /* for evaluation, NULL: none */
    const char *labels;            /* .npy labels file, NULL: none */
    bool labels_from_folders;
    int64_t n_calib;               /* images or rows found for calibration */
    image_prep prep;               /* images: the guessed preprocessing */
    int n_measured;                /* images the mean/std were measured on */
    const char *input;             /* the graph input the data feeds */
} init_data;

/* Looks at dir (images or .npy files) for the model's first input; paths come out relative to
 * recipe_dir. Fails, saying why, when dir holds neither or the model's input is not image-shaped. */
int init_guess_data(arena *a, const graph *g, const char *dir, const char *recipe_dir, init_data *out, qrc_err *e);

/* A path to target relative to the folder dir (both made absolute first). */
const char *init_relative_path(arena *a, const char *dir, const char *target);

/* The starter recipe's text. */
char *init_recipe_text(arena *a, const init_model *m, const init_data *d, const char *recipe_name);

#endif
