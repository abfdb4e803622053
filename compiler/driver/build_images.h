/* build_images.h — a plan's image data bindings (folders, globs of PNG/JPEG) as runtime feeds.
 *
 * Ownership: everything a feed points to (paths, the preprocessing, labels) is allocated from the
 * build_config's arena and released with it. */
#ifndef QRC_BUILD_IMAGES_H
#define QRC_BUILD_IMAGES_H

#include <stdbool.h>

#include "driver/build.h"
#include "driver/build_config.h"
#include "image/image.h"

/* True when a binding names images (a folder, or files/globs ending in .png/.jpg/.jpeg). */
bool build_is_image_binding(const Qrc__InputData *in);
/* The plan's preprocess block as the runtime's image_prep. */
void build_image_prep_from_plan(const Qrc__Preprocess *p, image_prep *out);
/* Fills feed with the sorted images of in and the preprocessing the plan gives in->name; with ev (an
 * evaluation binding) also the labels, from folders or a text file, into c->eval. Fails, naming the
 * recipe location, when there is no preprocess block for the input or no image. */
int build_image_feed(build_config *c, const Qrc__Plan *plan, const Qrc__InputData *in, const Qrc__Evaluate *ev,
                     quant_feed *feed, qrc_err *e);

/* SHA-256 over every image of the feed in order (each file's path and content hash): the provenance of
 * an image folder in one line of the report. */
int build_hash_images(const quant_feed *feed, char hex[65], qrc_err *e);

/* One summary line per image feed of d: how many images, the preprocessing, the labels' source. */
void build_say_images(build *b, const quant_data *d);

#endif
