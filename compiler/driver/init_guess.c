/* init_guess.c — `qrc init`'s reading of a data folder: images or .npy files, labels, and for images a
 * preprocessing guessed from the input shape with the mean and std measured on a few images. */
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver/init_guess.h"

enum { MEASURE_IMAGES = 64, CALIB_SAMPLES = 512 };

/* Length of the leading path components a and b share (at a '/' boundary or the end of one). */
static size_t common_prefix(const char *a, const char *b)
{
    size_t common = 0, i = 0;
    for (; a[i] && a[i] == b[i]; i++)
        if (a[i] == '/')
            common = i;
    if ((!a[i] && (b[i] == '/' || !b[i])) || (!b[i] && a[i] == '/'))
        common = i;
    return common;
}

const char *init_relative_path(arena *a, const char *dir, const char *target)
{
    char from[PATH_MAX], to[PATH_MAX];
    if (!realpath(dir, from) || !realpath(target, to))
        return arena_strdup(a, target);
    size_t k = common_prefix(from, to);
    char *out = arena_strdup(a, "");
    for (const char *p = from + k; *p; p++)
        if (*p == '/')
            out = arena_printf(a, "%s../", out);
    out = arena_printf(a, "%s%s", out, to[k] == '/' ? to + k + 1 : to + k);
    size_t n = strlen(out);
    if (n && out[n - 1] == '/')
        out[n - 1] = 0;
    return *out ? out : ".";
}

/* The first graph input's dims, if it looks like a batch of images: [N, C, H, W] or [N, H, W, C] with
 * C 1 or 3. */
static int image_shape(const graph *g, image_prep *p, qrc_err *e)
{
    const graph_value *v = &g->values[g->inputs[0]];
    const int64_t *d = v->dims;
    bool known[4];
    for (int i = 0; i < 4 && i < v->rank; i++)
        known[i] = d[i] > 0 && !v->dim_param[i];
    if (v->rank != 4 || !((known[1] && (d[1] == 1 || d[1] == 3)) || (known[3] && (d[3] == 1 || d[3] == 3))))
        return err_set(e, "input '%s' does not look like images ([N, C, H, W] or [N, H, W, C] with C 1 or 3)", v->name);
    bool nchw = known[1] && (d[1] == 1 || d[1] == 3);
    int64_t c = nchw ? d[1] : d[3], h = nchw ? d[2] : d[1], w = nchw ? d[3] : d[2];
    bool hk = nchw ? known[2] : known[1], wk = nchw ? known[3] : known[2];
    *p = (image_prep){.color = c == 1 ? IMAGE_GRAY : IMAGE_RGB, .layout = nchw ? IMAGE_NCHW : IMAGE_NHWC, .unit = true};
    if (hk && wk) {
        p->resize = IMAGE_RESIZE_EXACT;
        p->size_w = (int)w, p->size_h = (int)h;
    } else { /* a free size: the usual shorter-side resize and center crop */
        p->resize = IMAGE_RESIZE_SHORTER;
        p->size_w = 256;
        p->crop_w = p->crop_h = 224;
    }
    return 0;
}

/* Per-channel mean and std after scaling, over the first few images. */
static int measure(image_prep *p, const image_list *l, int *n_measured, qrc_err *e)
{
    int64_t dims[3];
    if (image_prep_row_dims(p, dims, e))
        return -1;
    int c = image_prep_channels(p);
    int64_t per = dims[0] * dims[1] * dims[2], plane = per / c;
    float *row = malloc(sizeof *row * (size_t)per);
    double sum[IMAGE_MAX_CHANNELS] = {0}, sq[IMAGE_MAX_CHANNELS] = {0};
    int n = 0;
    for (int64_t i = 0; row && i < l->n && n < MEASURE_IMAGES; i++, n++) {
        if (image_load_row(p, l->paths[i], row, e)) {
            free(row);
            return -1;
        }
        for (int64_t k = 0; k < per; k++) {
            int ch = p->layout == IMAGE_NCHW ? (int)(k / plane) : (int)(k % c);
            sum[ch] += row[k];
            sq[ch] += (double)row[k] * row[k];
        }
    }
    free(row);
    if (!n)
        return err_set(e, "out of memory");
    p->n_mean = p->n_std = c;
    for (int ch = 0; ch < c; ch++) {
        double count = (double)n * plane, m = sum[ch] / count;
        double sd = sqrt(fmax(sq[ch] / count - m * m, 0));
        p->mean[ch] = (float)(round(m * 1000) / 1000);
        p->std[ch] = (float)(sd > 1e-3 ? round(sd * 1000) / 1000 : 1.0);
    }
    *n_measured = n;
    return 0;
}

static int guess_images(arena *a, const graph *g, const char *dir, const char *rdir, image_list *l, init_data *out,
                        qrc_err *e)
{
    if (image_shape(g, &out->prep, e) || measure(&out->prep, l, &out->n_measured, e))
        return -1;
    out->kind = INIT_DATA_IMAGES;
    out->calib = out->eval = init_relative_path(a, rdir, dir);
    out->n_calib = l->n;
    qrc_err ignored;
    out->labels_from_folders = !image_list_label_folders(l, &ignored);
    return 0;
}

static bool name_has(const char *path, const char *const *words, size_t n)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (size_t i = 0; i < n; i++)
        if (strstr(base, words[i]))
            return true;
    return false;
}

/* .npy files: "label" names labels, "calib"/"train" calibration, "test"/"val"/"eval" evaluation; with no
 * calibration-named file, every non-label file calibrates. */
static int guess_npy(arena *a, const char *dir, const char *rdir, init_data *out, qrc_err *e)
{
    static const char *const label_w[] = {"label"}, *const calib_w[] = {"calib", "train"},
                             *const eval_w[] = {"test", "val", "eval"};
    glob_t gl;
    if (glob(arena_printf(a, "%s/*.npy", dir), 0, NULL, &gl) || !gl.gl_pathc)
        return err_set(e, "%s: no .png, .jpg or .npy files", dir);
    const char *calib = NULL, *eval = NULL, *labels = NULL, *any = NULL;
    int n_labels = 0;
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        const char *p = gl.gl_pathv[i];
        if (name_has(p, label_w, 1))
            labels = p, n_labels++;
        else if (name_has(p, calib_w, 2))
            calib = calib ? calib : p;
        else if (name_has(p, eval_w, 3))
            eval = eval ? eval : p;
        else
            any = any ? any : p;
    }
    out->kind = INIT_DATA_NPY;
    out->calib = calib ? init_relative_path(a, rdir, calib) : any ? init_relative_path(a, rdir, arena_printf(a, "%s", any)) : NULL;
    out->eval = eval ? init_relative_path(a, rdir, eval) : NULL;
    out->labels = eval && n_labels == 1 ? init_relative_path(a, rdir, labels) : NULL;
    globfree(&gl);
    if (!out->calib)
        return err_set(e, "%s: only label files among the .npy files", dir);
    return 0;
}

int init_guess_data(arena *a, const graph *g, const char *dir, const char *recipe_dir, init_data *out, qrc_err *e)
{
    memset(out, 0, sizeof *out);
    if (g->n_inputs < 1)
        return err_set(e, "the model has no inputs to feed");
    out->input = g->values[g->inputs[0]].name;
    image_list l = {0};
    const char *src[] = {dir};
    glob_t gl;
    bool npy = !glob(arena_printf(a, "%s/*.npy", dir), 0, NULL, &gl); /* .npy files at the top win */
    if (npy)
        globfree(&gl);
    int rc;
    if (!npy && !image_list_expand(src, 1, &l, e))
        rc = guess_images(a, g, dir, recipe_dir, &l, out, e);
    else
        rc = guess_npy(a, dir, recipe_dir, out, e);
    image_list_free(&l);
    return rc ? err_wrap(e, "--data %s", dir) : 0;
}
