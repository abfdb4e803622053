/* sema_checks.c — checks over the merged recipe: required sections, names across sections, conflicts. */
#include <string.h>

#include "base/quote.h"
#include "base/suggest.h"
#include "front/sema_int.h"
#include "util.h"

static ast_loc file_start(const recipe *r)
{
    return (ast_loc){r->root, 1, 1, 1, 1};
}

static bool mentioned(const sema *s, const char *section)
{
    for (size_t i = 0; i < s->n_mentioned; i++)
        if (!strcmp(s->mentioned[i], section))
            return true;
    return false;
}

static bool guessed(const sema *s, const char *name)
{
    for (size_t i = 0; i < s->n_guessed; i++)
        if (!strcmp(s->guessed[i], name))
            return true;
    return false;
}

static const Qrc__Input *find_input(sema *s, const char *name)
{
    long i = sema_slot(s, &s->r->inputs, name);
    return i >= 0 ? s->r->inputs[i] : NULL;
}

static void check_data_names(sema *s, Qrc__InputData ***list, size_t n, ast_loc section, const char *what)
{
    Qrc__InputData **data = *list;
    recipe *r = s->r;
    if (!r->n_inputs)
        return;   /* inputs not declared: the runtime checks the names against the model */
    const char **names = arena_alloc(s->a, r->n_inputs * sizeof *names);
    for (size_t i = 0; i < r->n_inputs; i++)
        names[i] = r->inputs[i]->name;
    for (size_t i = 0; i < n; i++) {
        if (find_input(s, data[i]->name))
            continue;
        diag *d = diag_error(s->d, sema_get_loc(s, data[i]), "%s data for '%s', which is not a declared input",
                             what, data[i]->name);
        const char *guess = suggest_closest(data[i]->name, names, r->n_inputs);
        if (guess) {
            char q[256];
            diag_hint(s->d, d, "did you mean %s?", quote_in_text(q, sizeof q, guess));
            if (s->n_guessed < 16)
                s->guessed[s->n_guessed++] = guess;
        }
    }
    for (size_t i = 0; i < r->n_inputs; i++) {
        const char *name = r->inputs[i]->name;
        bool fed = sema_slot(s, &r->concretes, name) >= 0 || sema_slot(s, list, name) >= 0;
        if (!fed && !guessed(s, name)) {
            diag *d = diag_error(s->d, section, "no %s data for input '%s'", what, name);
            char q[256];
            diag_hint(s->d, d, "add: data %s = \"file.npy\";", quote_name(q, sizeof q, name));
        }
    }
}

static void check_concretes(sema *s)
{
    recipe *r = s->r;
    util_map dims = {.a = s->a};
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t j = 0; j < r->inputs[i]->n_dims; j++)
            if (r->inputs[i]->dims[j]->symbol)
                util_map_put(&dims, r->inputs[i]->dims[j]->symbol, r->inputs[i]);
    for (size_t i = 0; i < r->n_concretes; i++) {
        concrete *c = r->concretes[i];
        c->is_dim = util_map_get(&dims, c->name) != NULL;
        if (c->is_dim) {
            if (c->value->kind != ATOM_INT || c->value->ival < 1 || c->value->ival > ((int64_t)1 << 40)) {
                diag_error(s->d, c->value->loc, "dimension '%s' must be pinned to a positive integer, not %s",
                           c->name, sema_describe(s, c->value));
            }
            continue;
        }
        const Qrc__Input *in = find_input(s, c->name);
        if (in) {
            bool is_bool = c->value->kind == ATOM_NAME;
            bool is_float = in->dtype == QRC__DTYPE__FLOAT32 || in->dtype == QRC__DTYPE__FLOAT16 ||
                            in->dtype == QRC__DTYPE__FLOAT64;
            if ((in->dtype == QRC__DTYPE__BOOL) != is_bool || (!is_float && c->value->kind == ATOM_FLOAT)) {
                diag *d = diag_error(s->d, c->value->loc, "%s does not fit input '%s'", sema_describe(s, c->value),
                                     c->name);
                diag_hint(s->d, d, "'%s' is declared at %s", c->name, in->loc);
            }
        }
        long j = sema_slot(s, &r->cal_data, c->name);
        if (j >= 0) {
            diag *d = diag_error(s->d, c->loc, "input '%s' is bound to a constant and also fed calibration data",
                                 c->name);
            diag_hint(s->d, d, "calibration data for '%s' is at %s", c->name, r->cal_data[j]->loc);
        }
    }
}

static void check_prepare(sema *s)
{
    recipe *r = s->r;
    bool strip = r->method == QRC__PREPARE_METHOD__JIT_STRIP;
    if (r->region_at.src && !strip) {
        diag *d = diag_error(s->d, r->region_at, "'quantize from/to' needs method jit_strip");
        if (r->method_at.src)
            diag_note(s->d, d, r->method_at, "method set here");
    }
    if (strip && !r->region_at.src) {
        diag *d = diag_error(s->d, r->method_at, "method jit_strip needs the quantized region");
        diag_hint(s->d, d, "add: quantize from INPUT_TENSOR to OUTPUT_TENSOR;");
    }
    if (r->rewrites_at.src && r->method != QRC__PREPARE_METHOD__EAGER) {
        diag *d = diag_error(s->d, r->rewrites_at, "'rewrite' applies to method eager only");
        diag_hint(s->d, d, "the other methods apply every rewrite");
    }
}

static void check_quantsim(sema *s)
{
    recipe *r = s->r;
    if (r->simdtype != QRC__SIM_DTYPE__SIM_FLOAT)
        return;
    const ast_loc *bw[] = {&r->act_bw_at, &r->param_bw_at};
    const unsigned val[] = {r->act_bw, r->param_bw};
    for (int i = 0; i < 2; i++)
        if (bw[i]->src && val[i] != 16) {
            diag *d = diag_error(s->d, *bw[i], "float quantsim needs bitwidth 16, not %u", val[i]);
            diag_note(s->d, d, r->simdtype_at, "dtype float set here");
        }
    for (size_t i = 0; i < r->n_passes; i++)
        if (!strcmp(r->passes[i]->name, "adaround") || !strcmp(r->passes[i]->name, "seq_mse")) {
            diag *d = diag_error(s->d, r->passes_at, "%s needs integer quantization", r->passes[i]->name);
            diag_note(s->d, d, r->simdtype_at, "dtype float set here");
        }
}

void sema_finish(sema *s)
{
    recipe *r = s->r;
    bool complete = !s->unknown_sections;   /* a misspelled section already explains what is missing */
    if (!r->model_path && complete && !mentioned(s, "model"))
        diag_hint(s->d, diag_error(s->d, file_start(r), "recipe has no 'model'"),
                  "add: model \"path/to/model.onnx\";");
    if (!r->calibrate_at.src && complete && !mentioned(s, "calibrate"))
        diag_hint(s->d, diag_error(s->d, file_start(r), "recipe has no 'calibrate' section"),
                  "add: calibrate { data INPUT = \"file.npy\"; }");
    check_prepare(s);
    check_concretes(s);
    check_quantsim(s);
    if (r->calibrate_at.src) {
        if (r->encodings_at.src && r->n_cal_data) {
            diag *d = diag_error(s->d, r->encodings_at, "'encodings' loads encodings instead of calibrating: "
                                                       "it conflicts with 'data'");
            diag_hint(s->d, d, "calibration data is at %s", r->cal_data[0]->loc);
        } else if (!r->encodings_at.src && !r->n_cal_data && !r->n_inputs) {
            diag_hint(s->d, diag_error(s->d, r->calibrate_at, "'calibrate' needs data or an encodings file"),
                      "add: data INPUT = \"file.npy\";");
        } else if (!r->encodings_at.src) {
            check_data_names(s, &r->cal_data, r->n_cal_data, r->calibrate_at, "calibration");
        }
        if (r->samples_at.src && r->batch_at.src && r->batch > r->samples) {
            diag *d = diag_error(s->d, r->batch_at, "batch %u is larger than samples %u", r->batch, r->samples);
            diag_note(s->d, d, r->samples_at, "samples set here");
        }
    }
    if (r->evaluate_at.src) {
        if (!r->n_eval_data && !r->n_inputs)
            diag_hint(s->d, diag_error(s->d, r->evaluate_at, "'evaluate' needs data"),
                      "add: data INPUT = \"file.npy\";");
        else
            check_data_names(s, &r->eval_data, r->n_eval_data, r->evaluate_at, "evaluation");
    }
}
