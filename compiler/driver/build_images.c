/* build_images.c — image folders and globs of a plan's data bindings as runtime feeds: the recipe's
 * preprocess block as an image_prep, the sorted image list, and labels from folders or a text file. */
#include <string.h>

#include "base/sha256.h"

#include "driver/build_images.h"

static const Qrc__Preprocess *find_prep(const Qrc__Plan *plan, const char *input)
{
    for (size_t i = 0; i < plan->n_preprocess; i++)
        if (!strcmp(plan->preprocess[i]->input, input))
            return plan->preprocess[i];
    return NULL;
}

static void fill_values(float *dst, int *n, const float *src, size_t k)
{
    *n = (int)(k < IMAGE_MAX_CHANNELS ? k : IMAGE_MAX_CHANNELS);
    if (*n) /* src is NULL when the recipe gives no values */
        memcpy(dst, src, sizeof *dst * (size_t)*n);
}

void build_image_prep_from_plan(const Qrc__Preprocess *p, image_prep *out)
{
    memset(out, 0, sizeof *out);
    out->color = !strcmp(p->color, "gray") ? IMAGE_GRAY : !strcmp(p->color, "bgr") ? IMAGE_BGR : IMAGE_RGB;
    out->resize = !p->resize                     ? IMAGE_RESIZE_NONE
                  : !strcmp(p->resize, "shorter") ? IMAGE_RESIZE_SHORTER
                  : !strcmp(p->resize, "exact")   ? IMAGE_RESIZE_EXACT
                                                  : IMAGE_RESIZE_HEIGHT;
    out->size_w = (int)p->size_w;
    out->size_h = (int)p->size_h;
    out->crop_w = (int)p->crop_w;
    out->crop_h = (int)p->crop_h;
    out->unit = p->unit;
    fill_values(out->mean, &out->n_mean, p->mean, p->n_mean);
    fill_values(out->std, &out->n_std, p->std, p->n_std);
    out->layout = !strcmp(p->layout, "nhwc") ? IMAGE_NHWC : IMAGE_NCHW;
    out->pad_width = (int)p->pad_width;
}

bool build_is_image_binding(const Qrc__InputData *in)
{
    for (size_t k = 0; k < in->n_resolved; k++)
        if (image_is_image_source(in->resolved[k]))
            return true;
    return false;
}

static bool is_npy(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && !strcmp(path + n - 4, ".npy");
}

/* Labels for the images of an evaluation feed, copied into the config's arena (an .npy labels file is
 * read by the evaluation itself, row by row, as for .npy data). */
static int label_images(build_config *c, const Qrc__Evaluate *ev, image_list *l, qrc_err *e)
{
    int rc = 0;
    if (ev->labels_from_folders)
        rc = image_list_label_folders(l, e);
    else if (ev->labels_resolved && !is_npy(ev->labels_resolved))
        rc = image_list_label_file(l, ev->labels_resolved, e);
    else
        return 0;
    if (rc)
        return -1;
    int64_t *labels = arena_alloc(&c->a, sizeof *labels * (size_t)(l->n ? l->n : 1));
    memcpy(labels, l->labels, sizeof *labels * (size_t)l->n);
    c->eval.labels = labels;
    c->eval.labels_what = ev->labels_from_folders ? "labels from folders" : ev->labels_resolved;
    c->labels = NULL; /* held in memory, not an .npy file */
    return 0;
}

int build_image_feed(build_config *c, const Qrc__Plan *plan, const Qrc__InputData *in, const Qrc__Evaluate *ev,
                     quant_feed *feed, qrc_err *e)
{
    const Qrc__Preprocess *p = find_prep(plan, in->name);
    if (!p)
        return err_set(e, "data for input '%s' are images, but the recipe has no 'preprocess %s { ... }'",
                       in->name, in->name), err_origin(e, in->loc);
    image_prep *prep = arena_alloc(&c->a, sizeof *prep);
    build_image_prep_from_plan(p, prep);
    image_list l;
    if (image_list_expand((const char *const *)in->resolved, (int)in->n_resolved, &l, e)) {
        image_list_free(&l);
        return err_wrap(e, "data for input '%s'", in->name), err_origin(e, in->loc);
    }
    if (l.n > 0x7fffffff) {
        image_list_free(&l);
        return err_set(e, "input '%s': too many images", in->name), err_origin(e, in->loc);
    }
    const char **files = arena_alloc(&c->a, sizeof *files * (size_t)(l.n ? l.n : 1));
    for (int64_t i = 0; i < l.n; i++)
        files[i] = arena_strdup(&c->a, l.paths[i]);
    int rc = ev ? label_images(c, ev, &l, e) : 0;
    if (!rc)
        *feed = (quant_feed){in->name, files, (int)l.n, prep};
    image_list_free(&l);
    return rc;
}

void build_say_images(build *b, const quant_data *d)
{
    for (int i = 0; i < d->n_feeds; i++) {
        const quant_feed *f = &d->feeds[i];
        if (!f->image)
            continue;
        char how[256];
        build_say(b, "images", "%s: %d files, %s%s%s", f->input, f->n_files,
                  image_prep_describe(f->image, how, sizeof how), d->labels ? ", " : "",
                  d->labels ? d->labels_what : "");
    }
}

int build_hash_images(const quant_feed *feed, char hex[65], qrc_err *e)
{
    sha256_ctx c;
    sha256_init(&c);
    for (int i = 0; i < feed->n_files; i++) {
        char file_hex[65];
        if (export_sha256_file(feed->files[i], file_hex, e))
            return -1;
        sha256_update(&c, feed->files[i], strlen(feed->files[i]) + 1);
        sha256_update(&c, file_hex, 64);
    }
    unsigned char digest[32];
    sha256_final(&c, digest);
    sha256_hex(digest, hex);
    return 0;
}
