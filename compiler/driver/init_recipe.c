/* init_recipe.c — the starter recipe `qrc init` writes: every section a first guess with a comment
 * saying what it means and what to try next. The text is laid out canonically by the caller (fmt). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "driver/init_guess.h"

static bool is_identifier(const char *s)
{
    if (!s[0] || !(s[0] == '_' || isalpha((unsigned char)s[0])))
        return false;
    for (const char *p = s; *p; p++)
        if (!(*p == '_' || isalnum((unsigned char)*p)))
            return false;
    return true;
}

/* A name as the recipe writes it: bare when it is an identifier, else quoted. */
static const char *name(arena *a, const char *s)
{
    return is_identifier(s) ? s : arena_printf(a, "\"%s\"", s);
}

static const char *dtype(tensor_dtype dt)
{
    const char *n = tensor_dtype_name(dt);
    return !strcmp(n, "float") ? "float32" : !strcmp(n, "double") ? "float64" : n;
}

/* input x: float32[N, 3, 224, 224]; with a made-up name for dims the model leaves open. */
static char *input_decl(arena *a, const graph_value *v)
{
    char *s = arena_printf(a, "  input %s: %s", name(a, v->name), dtype(v->dtype));
    if (v->rank < 0)
        return arena_printf(a, "%s;\n", s);
    s = arena_printf(a, "%s[", s);
    for (int i = 0; i < v->rank; i++) {
        const char *d = v->dim_param[i] && is_identifier(v->dim_param[i]) ? v->dim_param[i]
                        : v->dims[i] > 0                                 ? arena_printf(a, "%lld", (long long)v->dims[i])
                                                                         : arena_printf(a, "d%d", i);
        s = arena_printf(a, "%s%s%s", s, i ? ", " : "", d);
    }
    return arena_printf(a, "%s];\n", s);
}

static char *model_section(arena *a, const init_model *m)
{
    const graph *g = m->g;
    char *s = arena_printf(a, "model \"%s\" {  # relative to this file\n", m->path);
    for (int i = 0; i < g->n_inputs; i++)
        s = arena_printf(a, "%s%s", s, input_decl(a, &g->values[g->inputs[i]]));
    for (int i = 0; i < g->n_outputs; i++)
        s = arena_printf(a, "%s  output %s;\n", s, name(a, g->values[g->outputs[i]].name));
    return arena_printf(a, "%s}\n\n", s);
}

static const char *fixed_sections =
    "prepare {\n"
    "  method symbolic;  # fold constants, name modules, fold BatchNorm, fuse Conv+Relu; jit for control flow\n"
    "}\n\n"
    "# First matching rule wins. W8A8 (8-bit activations, 8-bit per-channel weights) is what most integer\n"
    "# runtimes execute. Next: keep a sensitive layer wider (module \"fc\": act int16;), rank layers\n"
    "# (most_sensitive 10%: act int16;) or exclude ops (prepare { exclude ops Softmax; }).\n"
    "qconfig {\n"
    "  default: act uint8 asymmetric, weight int8 symmetric per_channel;\n"
    "}\n\n"
    "quantsim {\n"
    "  scheme tf_enhanced;  # searches ranges that clip rare outliers; tf is plain min/max\n"
    "  rounding nearest;\n"
    "}\n\n";

static const char *floats(arena *a, const float *v, int n)
{
    char *s = arena_strdup(a, "");
    for (int i = 0; i < n; i++)
        s = arena_printf(a, "%s%s%g", s, i ? ", " : "", (double)v[i]);
    return s;
}

static char *preprocess_section(arena *a, const init_data *d)
{
    const image_prep *p = &d->prep;
    static const char *const colors[] = {"rgb", "bgr", "gray"};
    char *s = arena_printf(a, "# How an image becomes a row of '%s', guessed from its shape. Use the normalization the\n"
                              "# model was trained with when you know it: mean and std here were measured on %d images.\n"
                              "preprocess %s {\n  color %s;\n",
                           d->input, d->n_measured, name(a, d->input), colors[p->color]);
    if (p->resize == IMAGE_RESIZE_EXACT)
        s = arena_printf(a, "%s  resize exact %d, %d;  # or: resize shorter N; crop W, H; to keep the aspect ratio\n",
                         s, p->size_w, p->size_h);
    else
        s = arena_printf(a, "%s  resize shorter %d;\n  crop %d, %d;\n", s, p->size_w, p->crop_w, p->crop_h);
    return arena_printf(a, "%s  scale unit;  # pixel / 255\n  mean %s;\n  std %s;\n  layout %s;\n}\n\n", s,
                        floats(a, p->mean, p->n_mean), floats(a, p->std, p->n_std),
                        p->layout == IMAGE_NCHW ? "nchw" : "nhwc");
}

static char *data_sections(arena *a, const init_data *d)
{
    if (d->kind == INIT_DATA_NONE)
        return arena_printf(a, "calibrate {\n  data %s = \"data/calib_*.npy\";  # point this at 500-1000 typical inputs "
                               "(.npy, or a folder of images with a preprocess block)\n  samples 512;\n  batch 32;\n"
                               "}\n\nevaluate {  # float and quantized outputs compared row by row\n"
                               "  data %s = \"data/test_*.npy\";  # add labels \"labels.npy\"; for accuracy\n}\n\n",
                            name(a, d->input), name(a, d->input));
    const char *in = name(a, d->input);
    int64_t samples = d->n_calib > 0 && d->n_calib < 512 ? d->n_calib : 512;
    char *s = arena_printf(a, "calibrate {\n  data %s = \"%s\";\n  samples %lld;  # 500-1000 typical inputs are usually "
                              "enough\n  batch 32;\n}\n\n",
                           in, d->calib, (long long)samples);
    const char *eval = d->eval ? d->eval : d->calib;
    s = arena_printf(a, "%sevaluate {  # float and quantized outputs compared row by row\n  data %s = \"%s\";\n", s, in,
                     eval);
    if (d->labels_from_folders)
        s = arena_printf(a, "%s  labels folders;  # class = the image's subfolder, in sorted order\n", s);
    else if (d->labels)
        s = arena_printf(a, "%s  labels \"%s\";\n", s, d->labels);
    return arena_printf(a, "%s}\n\n", s);
}

char *init_recipe_text(arena *a, const init_model *m, const init_data *d, const char *recipe_name)
{
    char *s = arena_printf(a,
                           "# %s — starter recipe for %s, written by `qrc init`.\n"
                           "#\n"
                           "# Every choice below is a first guess. Run `qrc build %s`, read the accuracy and the worst\n"
                           "# layers it prints, and change what they point at.\n\n",
                           recipe_name, m->path, recipe_name);
    s = arena_printf(a, "%s%s%s", s, model_section(a, m), fixed_sections);
    if (d->kind == INIT_DATA_IMAGES)
        s = arena_printf(a, "%s%s", s, preprocess_section(a, d));
    s = arena_printf(a, "%s%s", s, data_sections(a, d));
    return arena_printf(a,
                        "%s# When 8-bit weights lose accuracy, try: passes { cle; bias_correction; } or adaround.\n\n"
                        "export {\n  dir \"out\";\n  prefix \"%s_w8a8\";\n  encodings \"1.0.0\";\n}\n",
                        s, m->stem);
}
