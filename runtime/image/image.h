/* image.h — PNG and JPEG files as model input rows: decoding (libpng, libjpeg-turbo), the preprocessing a
 * recipe writes (color order, bilinear resize, center crop, scaling, per-channel mean/std, layout,
 * right-padding), and the list of images a folder or glob names, with labels from class subfolders or a
 * text/CSV file.
 *
 * Images are decoded one at a time into a caller-sized row, so a feed of N images holds one batch of
 * rows, never the N images.
 *
 * Ownership: image_prep is a plain value (its strings are borrowed). An image_list owns its paths and
 * labels (image_list_free). Pixel buffers returned by image_decode are malloc'd; the caller frees them. */
#ifndef QRC_IMAGE_H
#define QRC_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

typedef enum image_color { IMAGE_RGB, IMAGE_BGR, IMAGE_GRAY } image_color;
typedef enum image_resize { IMAGE_RESIZE_NONE, IMAGE_RESIZE_SHORTER, IMAGE_RESIZE_EXACT, IMAGE_RESIZE_HEIGHT }
    image_resize;
typedef enum image_layout { IMAGE_NCHW, IMAGE_NHWC } image_layout;

enum { IMAGE_MAX_CHANNELS = 3, IMAGE_MAX_SIDE = 16384, IMAGE_MAX_PIXELS = 1 << 26 };

/* How a decoded image becomes one input row, step by step in this order. */
typedef struct image_prep {
    image_color color;
    image_resize resize;       /* SHORTER: shorter side to size_w; EXACT: size_w x size_h; HEIGHT: height
                                  size_h, width by aspect ratio (capped at pad_width when set) */
    int size_w, size_h;
    int crop_w, crop_h;        /* center crop, 0: none */
    bool unit;                 /* scale pixels to [0, 1] (x / 255), else keep 0..255 */
    int n_mean, n_std;         /* 0, 1 (all channels) or one per channel */
    float mean[IMAGE_MAX_CHANNELS], std[IMAGE_MAX_CHANNELS];
    image_layout layout;
    int pad_width;             /* right-pad with zeros (after normalization) to this width, 0: none */
} image_prep;

/* Channels of the rows prep makes (3, or 1 for gray). */
int image_prep_channels(const image_prep *p);
/* Fixed [C, H, W] (or [H, W, C] for NHWC) of the rows prep makes; fails when the size would depend on
 * each image (no crop, exact resize or padding to fix it). */
int image_prep_row_dims(const image_prep *p, int64_t dims[3], qrc_err *e);
/* A one-line description for the build summary and the report, e.g.
 * "gray, resize exact 28x28, unit, mean 0.286 std 0.353, NCHW". */
const char *image_prep_describe(const image_prep *p, char *buf, size_t n);
/* Checks a prep's values (sizes, channel counts of mean/std, std != 0). */
int image_prep_check(const image_prep *p, qrc_err *e);

/* Decodes the PNG or JPEG file at path (the format is told by its first bytes) to 8-bit RGB, *w x *h
 * pixels. Truncated, corrupt, empty or non-image files fail with a message naming the file. */
int image_decode(const char *path, uint8_t **rgb, int *w, int *h, qrc_err *e);

/* Makes one row (image_prep_row_dims floats) from an RGB image. */
int image_preprocess(const image_prep *p, const uint8_t *rgb, int w, int h, float *row, qrc_err *e);
/* image_decode + image_preprocess; errors name the file. */
int image_load_row(const image_prep *p, const char *path, float *row, qrc_err *e);

/* The images a recipe names, in a fixed order, with a class per image when labels are asked for. */
typedef struct image_list {
    const char **paths;
    int64_t *labels;           /* NULL until labelled */
    int64_t n;
    const char **classes;      /* class subfolder names (sorted), when labelled from folders */
    int n_classes;
    arena mem;
} image_list;

/* True when path names images rather than .npy data: a directory, or a file or glob ending in .png,
 * .jpg or .jpeg (any case). */
bool image_is_image_source(const char *path);
/* Expands folders (their .png/.jpg/.jpeg files and those of their subfolders, sorted by path) and globs
 * (sorted) into one list, in the order given. Fails when a source names no image. */
int image_list_expand(const char *const *sources, int n, image_list *out, qrc_err *e);
/* Labels from class subfolders: an image's class is the index of its parent folder's name among the
 * sorted names of all parent folders of the list. */
int image_list_label_folders(image_list *l, qrc_err *e);
/* Labels from a text file: one integer label per line in image order, or CSV lines "file,label" matched
 * by the image's file name (a header line that does not end in an integer is skipped). */
int image_list_label_file(image_list *l, const char *path, qrc_err *e);
void image_list_free(image_list *l);

#endif
