/* adapt_resize.c — Upsample's scales become an input (9), Upsample becomes Resize (10), Resize gains roi
 * and explicit coordinate modes (11), and loses tf_half_pixel_for_nn (13).
 *
 * Upsample and opset-10 Resize map output to input coordinates asymmetrically (x_in = x_out / scale).
 * Upsample picks the nearest pixel by flooring; opset-10 Resize floors along axes it enlarges and rounds
 * up along axes it shrinks. From 11 on, Resize defaults to half_pixel and round_prefer_floor and has one
 * nearest_mode for all axes, so the converted node spells the old behaviour out. */
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "ops/kern.h"

/* Rewrites an X, scales Resize into the opset-11 form, asymmetric, nearest sampling by `nearest`. */
static int to_resize_11(const opset_step *s, const char *nearest)
{
    int scales = s->g->nodes[s->node].in[1];
    float none = 0;
    int roi = opset_const_f(s->g, s->node, "roi", DT_FLOAT, 0, &none, s->e);
    if (roi < 0)
        return -1;
    int in[2] = {roi, scales};
    opset_inputs_put(s->g, s->node, 1, 2, in);
    opset_attr_str(s->g, s->node, "coordinate_transformation_mode", "asymmetric");
    if (!strcmp(graph_attr_string(&s->g->nodes[s->node], "mode", "nearest"), "nearest"))
        opset_attr_str(s->g, s->node, "nearest_mode", nearest);
    return 1;
}

int opset_upsample_9(const opset_step *s)
{
    return s->g->nodes[s->node].n_in > 1 ? 0 : opset_attr_to_input(s, "scales", DT_FLOAT, 1);
}

int opset_upsample_10(const opset_step *s)
{
    graph_node *nd = &s->g->nodes[s->node];
    if (nd->n_in < 2)
        return err_set(s->e, "needs its scales");
    const char *mode = graph_attr_string(nd, "mode", "nearest");
    if (strcmp(mode, "nearest") && strcmp(mode, "linear") && strcmp(mode, "bilinear"))
        return err_set(s->e, "mode '%s' has no Resize equivalent", mode);
    nd->op_type = graph_strdup(s->g, "Resize");
    opset_attr_str(s->g, s->node, "mode", strcmp(mode, "nearest") ? "linear" : "nearest");
    /* Upsample only enlarges, so it floors: going past 10 it becomes the opset-11 form at once, where
     * nothing has to be known about its scales */
    return s->to >= 11 ? to_resize_11(s, "floor") : 1;
}

/* The one nearest_mode that rounds each axis as opset 10 did: floor when no axis shrinks, ceil when
 * none grows (an axis kept at scale 1 maps to whole pixels either way); NULL when that is not known. */
static const char *nearest_of_scales(const opset_step *s, int scales)
{
    const tensor *t = opset_const_of(s->g, scales);
    if (!t || !kern_convertible(t->dtype))
        return NULL;
    int64_t n = tensor_numel(t);
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    kern_convert(t->data, t->dtype, v, DT_DOUBLE, n);
    bool grows = false, shrinks = false;
    for (int64_t i = 0; i < n; i++) {
        grows |= v[i] > 1;
        shrinks |= v[i] < 1;
    }
    free(v);
    return grows && shrinks ? NULL : shrinks ? "ceil" : "floor";
}

int opset_resize_11(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if (nd->n_in > 2 && graph_attr_find(nd, "coordinate_transformation_mode"))
        return 0; /* an Upsample converted straight to this form */
    if (nd->n_in != 2)
        return err_set(s->e, "an opset-10 Resize takes exactly X and scales");
    const char *nearest = "floor";
    if (!strcmp(graph_attr_string(nd, "mode", "nearest"), "nearest") &&
        !(nearest = nearest_of_scales(s, nd->in[1])))
        return err_set(s->e, "nearest sampling at opset 10 rounds down along enlarged axes and up along shrunk "
                             "ones; from opset 11 one rounding serves all axes, so the scales must be constant "
                             "and either all at least 1 or all at most 1");
    return to_resize_11(s, nearest);
}

/* tf_half_pixel_for_nn maps x to (x + 0.5) / scale, half_pixel to half a pixel less; for nearest
 * sampling that half pixel moves into the rounding instead: floor(v + 0.5) is round_prefer_ceil(v), and
 * round_prefer_floor(v + 0.5) is ceil(v). */
int opset_resize_13(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    const char *ctm = graph_attr_string(nd, "coordinate_transformation_mode", "half_pixel");
    if (strcmp(ctm, "tf_half_pixel_for_nn"))
        return 0;
    const char *nearest = graph_attr_string(nd, "nearest_mode", "round_prefer_floor");
    const char *to = !strcmp(nearest, "floor")                ? "round_prefer_ceil"
                     : !strcmp(nearest, "round_prefer_floor") ? "ceil"
                                                              : NULL;
    if (strcmp(graph_attr_string(nd, "mode", "nearest"), "nearest") || !to)
        return err_set(s->e, "coordinate_transformation_mode tf_half_pixel_for_nn was dropped at opset 13 and has "
                             "an equivalent only for nearest sampling with nearest_mode floor or round_prefer_floor");
    opset_attr_str(s->g, s->node, "coordinate_transformation_mode", "half_pixel");
    opset_attr_str(s->g, s->node, "nearest_mode", to);
    return 1;
}
