/* build_json.c — `qrc build --json`: the outcome of a build as one JSON object on stdout, for scripts
 * and CI. The same facts as the text summary, with numbers as numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "driver/build.h"

enum { WORST_LAYERS = 10 };

static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *evaluation(const build *b)
{
    if (!b->evaluated)
        return json_null();
    const quant_eval *ev = &b->ev;
    json_t *o = json_object();
    json_object_set_new(o, "samples", json_integer(ev->samples));
    if (ev->has_labels) {
        json_object_set_new(o, "float_top1", number(ev->float_top1));
        json_object_set_new(o, "quant_top1", number(ev->quant_top1));
    }
    json_object_set_new(o, "top1_agreement", number(ev->top1_agreement));
    json_object_set_new(o, "output_sqnr_db", number(ev->output_sqnr_db));
    json_t *worst = json_array();
    for (int i = 0; i < ev->n_layers && i < WORST_LAYERS; i++)
        json_array_append_new(worst, json_pack("{s:s, s:o}", "tensor", ev->layers[i].tensor, "sqnr_db",
                                               number(ev->layers[i].sqnr_db)));
    json_object_set_new(o, "worst_layers", worst);
    return o;
}

void build_print_json(const build *b, int status, const char *error)
{
    json_t *root = json_object();
    json_object_set_new(root, "ok", json_boolean(status == 0));
    json_object_set_new(root, "exit_status", json_integer(status));
    json_object_set_new(root, "error", error ? json_string(error) : json_null());
    if (b) {
        const Qrc__Plan *p = b->plan;
        json_object_set_new(root, "recipe", json_string(p->recipe));
        json_object_set_new(root, "recipe_sha256", json_string(p->recipe_sha256));
        json_t *lines = json_array();
        for (int i = 0; i < b->n_lines; i++)
            json_array_append_new(lines, json_pack("{s:s, s:s}", "stage", b->lines[i].name, "text", b->lines[i].text));
        json_object_set_new(root, "summary", lines);
        json_object_set_new(root, "evaluation", evaluation(b));
        json_object_set_new(root, "export", status ? json_null()
                                                   : json_pack("{s:s, s:s}", "dir", p->export->dir_resolved, "prefix",
                                                               p->export->prefix));
        json_t *t = json_object();
        for (int i = 0; i < b->n_timings; i++)
            json_object_set_new(t, b->timings[i].name, number(b->timings[i].value));
        json_object_set_new(root, "timings", t);
    }
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (s)
        puts(s);
    free(s);
    fflush(stdout);
}
