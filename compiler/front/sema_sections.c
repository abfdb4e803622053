/* sema_sections.c — quantsim, calibrate, evaluate, export and passes sections. */
#include <string.h>

#include "front/sema_int.h"
#include "plan/plan.h"
#include "util.h"
#include "version.h"

/* ---- quantsim ---- */

bool sema_scheme(sema *s, const ast_atom *a, qscheme *out)
{
    static const char *const names[] = {
#define SCHEME_NAME(up, low) #low,
        QUANT_SCHEMES(SCHEME_NAME)
#undef SCHEME_NAME
    };
    ast_atom head = *a;
    if (a->kind == ATOM_CALL)
        head.kind = ATOM_NAME;
    int k = sema_choice(s, &head, "quantization scheme", names, QUANT_SCHEME_COUNT_);
    if (k < 0)
        return false;
    double p = 0;
    if (k == QUANT_SCHEME_PERCENTILE) {
        if (a->kind != ATOM_CALL || a->args->n != 1 || a->args->groups->n != 1) {
            diag *d = diag_error(s->d, a->loc, "'percentile' needs one value");
            diag_hint(s->d, d, "for example: scheme percentile(99.9);");
            return false;
        }
        const ast_atom *v = a->args->groups->atoms;
        if (!sema_number(s, v, "the percentile", &p))
            return false;
        if (p < 50 || p > 100) {
            diag_error(s->d, v->loc, "percentile must be between 50 and 100, not %s", v->raw);
            return false;
        }
    } else if (a->kind == ATOM_CALL) {
        diag_error(s->d, a->loc, "scheme '%s' takes no value", names[k]);
        return false;
    }
    *out = (qscheme){.at = a->loc, .scheme = (Qrc__Scheme)(k + 1), .percentile = p}; /* plan.h: wire = runtime + 1 */
    return true;
}

/* `scheme X;` sets both roles, except a role its own key set in the same file (so the order of the two
 * statements in a file does not matter); `act_scheme X;` / `weight_scheme X;` set one. */
static void apply_scheme_key(sema *s, const ast_stmt *st, const char *key, qscheme *act, qscheme *weight)
{
    const ast_atom *a = sema_single(s, st, key);
    qscheme q;
    if (!a || !sema_scheme(s, a, &q))
        return;
    q.by_role = !act || !weight;
    qscheme *roles[] = {act, weight};
    for (int i = 0; i < 2; i++)
        if (roles[i] && (q.by_role || !roles[i]->by_role || roles[i]->at.src != s->src))
            *roles[i] = q;
}

static void apply_scheme(sema *s, const ast_stmt *st)
{
    apply_scheme_key(s, st, "scheme", &s->r->act_scheme, &s->r->weight_scheme);
}

static void apply_act_scheme(sema *s, const ast_stmt *st)
{
    apply_scheme_key(s, st, "act_scheme", &s->r->act_scheme, NULL);
}

static void apply_weight_scheme(sema *s, const ast_stmt *st)
{
    apply_scheme_key(s, st, "weight_scheme", NULL, &s->r->weight_scheme);
}

/* A key taking one of two names: its index (0 or 1, *at set), or -1 after a diagnostic. */
static int two_way(sema *s, const ast_stmt *st, const char *key, const char *what, const char *a0, const char *a1,
                   ast_loc *at)
{
    const ast_atom *a = sema_single(s, st, key);
    const char *const names[] = {a0, a1};
    int k = a ? sema_choice(s, a, what, names, 2) : -1;
    if (k >= 0)
        *at = a->loc;
    return k;
}

static void apply_rounding(sema *s, const ast_stmt *st)
{
    int k = two_way(s, st, "rounding", "rounding mode", "nearest", "stochastic", &s->r->rounding_at);
    if (k >= 0)
        s->r->rounding = k ? QRC__ROUNDING__STOCHASTIC : QRC__ROUNDING__NEAREST;
}

static void apply_bitwidth(sema *s, const ast_stmt *st, const char *what, unsigned *out, ast_loc *at)
{
    const ast_atom *a = sema_single(s, st, what);
    if (a && sema_uint(s, a, arena_printf(s->a, "'%s'", what), 4, 16, out))
        *at = a->loc;
}

static void apply_act_bw(sema *s, const ast_stmt *st)
{
    apply_bitwidth(s, st, "act_bitwidth", &s->r->act_bw, &s->r->act_bw_at);
}

static void apply_param_bw(sema *s, const ast_stmt *st)
{
    apply_bitwidth(s, st, "param_bitwidth", &s->r->param_bw, &s->r->param_bw_at);
}

static void apply_config(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "config");
    const char *p = a ? sema_string(s, a, "the quantsim config path") : NULL;
    if (!p)
        return;
    s->r->config = p;
    s->r->config_resolved = util_path_resolve(s->a, s->src->path, p);
    s->r->config_at = a->loc;
}

static void apply_simdtype(sema *s, const ast_stmt *st)
{
    int k = two_way(s, st, "dtype", "quantsim dtype", "int", "float", &s->r->simdtype_at);
    if (k >= 0)
        s->r->simdtype = k ? QRC__SIM_DTYPE__SIM_FLOAT : QRC__SIM_DTYPE__SIM_INT;
}

static void apply_sensitivity(sema *s, const ast_stmt *st)
{
    int k = two_way(s, st, "sensitivity", "sensitivity ranking", "local", "exhaustive", &s->r->sensitivity_at);
    if (k >= 0)
        s->r->sensitivity = k ? QRC__SENSITIVITY__EXHAUSTIVE : QRC__SENSITIVITY__LOCAL;
}

static const sema_key quantsim_keys[] = {
    {"scheme", apply_scheme, false},
    {"act_scheme", apply_act_scheme, false},
    {"weight_scheme", apply_weight_scheme, false},
    {"rounding", apply_rounding, false},
    {"act_bitwidth", apply_act_bw, false},
    {"param_bitwidth", apply_param_bw, false},
    {"config", apply_config, false},
    {"dtype", apply_simdtype, false},
    {"sensitivity", apply_sensitivity, false},
};
const sema_block sema_quantsim_block = {"quantsim", quantsim_keys, sizeof quantsim_keys / sizeof *quantsim_keys};

void sema_quantsim(sema *s, const ast_stmt *st)
{
    sema_apply_keys(s, "quantsim", st->body, quantsim_keys, sizeof quantsim_keys / sizeof *quantsim_keys);
}

/* ---- calibrate / evaluate ---- */

void sema_data(sema *s, const ast_stmt *st, Qrc__InputData ***list, size_t *n)
{
    if (!sema_no_block(s, st, "data"))
        return;
    const ast_group *g = st->head->groups;
    if (st->head->n > 1 || g->n != 2 || st->sep != '=') {
        diag *d = diag_error(s->d, st->sep == ':' ? st->sep_loc : g->loc, "expected 'data INPUT = \"file.npy\"'");
        diag_hint(s->d, d, "name the graph input the files feed, for example: data image = \"calib_*.npy\";");
        return;
    }
    const char *name = sema_name_or_string(s, g->atoms->next, "an input name");
    if (!name)
        return;
    Qrc__InputData *in = arena_alloc(s->a, sizeof *in);
    qrc__input_data__init(in);
    in->name = (char *)name;
    in->loc = (char *)sema_loc(s, g->atoms->next->loc);
    sema_set_loc(s, in, g->atoms->next->loc);
    for (const ast_group *f = st->rhs->groups; f; f = f->next) {
        if (f->n > 1) {
            diag_error(s->d, f->atoms->next->loc, "expected ',' between files");
            return;
        }
        const char *file = sema_string(s, f->atoms, "a data file");
        if (!file)
            return;
        util_push(s->a, &in->files, &in->n_files, (void *)file);
        util_push(s->a, &in->resolved, &in->n_resolved, util_path_resolve(s->a, s->src->path, file));
    }
    if (!sema_first_time(s, arena_printf(s->a, "data %p %s", (void *)list, name),
                         arena_printf(s->a, "data for input '%s'", name), g->atoms->next->loc))
        return;
    sema_put_named(s, list, n, name, in);
}

static void apply_cal_data(sema *s, const ast_stmt *st)
{
    if (s->r->encodings_at.src && s->r->encodings_at.src != s->src) {
        s->r->encodings = s->r->encodings_resolved = NULL;   /* data here overrides an imported encodings file */
        s->r->encodings_at = (ast_loc){0};
    }
    sema_data(s, st, &s->r->cal_data, &s->r->n_cal_data);
}

static void apply_samples(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "samples");
    if (a && sema_uint(s, a, "'samples'", 1, 0x7fffffff, &s->r->samples))
        s->r->samples_at = a->loc;
}

static void apply_batch(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "batch");
    if (a && sema_uint(s, a, "'batch'", 1, 0x7fffffff, &s->r->batch))
        s->r->batch_at = a->loc;
}

static void apply_seed(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "seed");
    if (a && sema_u64(s, a, "'seed'", &s->r->seed))
        s->r->seed_at = a->loc;
}

static void apply_encodings_file(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "encodings");
    const char *p = a ? sema_string(s, a, "the encodings file") : NULL;
    if (!p)
        return;
    recipe *r = s->r;
    size_t kept = 0;   /* an encodings file here overrides imported calibration data */
    for (size_t i = 0; i < r->n_cal_data; i++) {
        bool keep = sema_get_loc(s, r->cal_data[i]).src == s->src;
        sema_slot_set(s, &r->cal_data, r->cal_data[i]->name, keep ? (long)kept : -1);
        if (keep)
            r->cal_data[kept++] = r->cal_data[i];
    }
    r->n_cal_data = kept;
    s->r->encodings = p;
    s->r->encodings_resolved = util_path_resolve(s->a, s->src->path, p);
    s->r->encodings_at = a->loc;
}

static const sema_key calibrate_keys[] = {
    {"data", apply_cal_data, true},
    {"samples", apply_samples, false},
    {"batch", apply_batch, false},
    {"seed", apply_seed, false},
    {"encodings", apply_encodings_file, false},
};
const sema_block sema_calibrate_block = {"calibrate", calibrate_keys, sizeof calibrate_keys / sizeof *calibrate_keys};

void sema_calibrate(sema *s, const ast_stmt *st)
{
    s->r->calibrate_at = ast_first_atom(st->head)->loc;
    sema_apply_keys(s, "calibrate", st->body, calibrate_keys, sizeof calibrate_keys / sizeof *calibrate_keys);
}

static void apply_eval_data(sema *s, const ast_stmt *st)
{
    sema_data(s, st, &s->r->eval_data, &s->r->n_eval_data);
}

static void apply_labels(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "labels");
    if (a && a->kind == ATOM_NAME && !strcmp(a->text, "folders")) {   /* class = image subfolder */
        s->r->labels = s->r->labels_resolved = NULL;
        s->r->labels_from_folders = true;
        s->r->labels_at = a->loc;
        return;
    }
    const char *p = a ? sema_string(s, a, "the labels file") : NULL;
    if (!p)
        return;
    s->r->labels_from_folders = false;
    s->r->labels = p;
    s->r->labels_resolved = util_path_resolve(s->a, s->src->path, p);
    s->r->labels_at = a->loc;
}

static void apply_eval_batch(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "batch");
    if (a && sema_uint(s, a, "'batch'", 1, 0x7fffffff, &s->r->eval_batch))
        s->r->eval_batch_at = a->loc;
}

static void apply_eval_samples(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "samples");
    if (a && sema_uint(s, a, "'samples'", 1, 0x7fffffff, &s->r->eval_samples))
        s->r->eval_samples_at = a->loc;
}

static const sema_key evaluate_keys[] = {
    {"data", apply_eval_data, true},
    {"labels", apply_labels, false},
    {"batch", apply_eval_batch, false},
    {"samples", apply_eval_samples, false},
};
const sema_block sema_evaluate_block = {"evaluate", evaluate_keys, sizeof evaluate_keys / sizeof *evaluate_keys};

void sema_evaluate(sema *s, const ast_stmt *st)
{
    s->r->evaluate_at = ast_first_atom(st->head)->loc;
    sema_apply_keys(s, "evaluate", st->body, evaluate_keys, sizeof evaluate_keys / sizeof *evaluate_keys);
}

/* ---- export ---- */

static void apply_dir(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "dir");
    const char *p = a ? sema_string(s, a, "the export directory") : NULL;
    if (!p)
        return;
    s->r->dir = p;
    s->r->dir_resolved = util_path_resolve(s->a, s->src->path, p);
    s->r->dir_at = a->loc;
}

static void apply_prefix(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "prefix");
    const char *p = a ? sema_string(s, a, "the export prefix") : NULL;
    if (!p)
        return;
    if (strchr(p, '/')) {
        diag *d = diag_error(s->d, a->loc, "the export prefix is a file name, not a path");
        diag_hint(s->d, d, "set the directory with 'dir'");
        return;
    }
    s->r->prefix = p;
    s->r->prefix_at = a->loc;
}

/* The AIMET encodings formats the exporter writes. */
static const char *const ENCODINGS_VERSIONS[] = {"0.6.1", "1.0.0", "2.0.0"};

static bool known_version(const char *v)
{
    for (size_t i = 0; i < sizeof ENCODINGS_VERSIONS / sizeof *ENCODINGS_VERSIONS; i++)
        if (!strcmp(v, ENCODINGS_VERSIONS[i]))
            return true;
    return false;
}

static void apply_version(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "encodings");
    if (!a)
        return;
    if (a->kind != ATOM_STRING || !known_version(a->text)) {
        diag *d = diag_error(s->d, a->loc, "unknown encodings version %s", a->raw);
        diag_hint(s->d, d, "expected \"0.6.1\", \"1.0.0\" or \"2.0.0\"");
        return;
    }
    s->r->version = a->text;
    s->r->version_at = a->loc;
}

static void apply_artifacts(sema *s, const ast_stmt *st)
{
    if (!sema_no_block(s, st, "artifacts") || !sema_no_sep(s, st, "artifacts"))
        return;
    const ast_group *g = st->head->groups;
    if (g->n < 2) {
        diag_error(s->d, g->atoms->loc, "'artifacts' needs at least one of: model, encodings, prepared, report");
        return;
    }
    static const char *const names[] = {"model", "encodings", "prepared", "report"};
    static const Qrc__Artifact values[] = {QRC__ARTIFACT__QDQ_MODEL, QRC__ARTIFACT__ENCODINGS,
                                           QRC__ARTIFACT__PREPARED_MODEL, QRC__ARTIFACT__REPORT};
    recipe *r = s->r;
    r->n_artifacts = 0;
    r->artifacts = arena_alloc(s->a, 4 * sizeof *r->artifacts);
    for (const ast_group *it = g; it; it = it->next)
        for (const ast_atom *a = it == g ? it->atoms->next : it->atoms; a; a = a->next) {
            int k = sema_choice(s, a, "artifact", names, 4);
            if (k < 0)
                continue;
            bool dup = false;
            for (size_t i = 0; i < r->n_artifacts; i++)
                dup |= r->artifacts[i] == values[k];
            if (dup)
                diag_error(s->d, a->loc, "artifact '%s' listed twice", names[k]);
            else
                r->artifacts[r->n_artifacts++] = values[k];
        }
    r->artifacts_at = g->atoms->loc;
}

static void apply_bias(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "bias");
    static const char *const names[] = {"float", "int32"};
    int k = a ? sema_choice(s, a, "bias type", names, 2) : -1;
    if (k < 0)
        return;
    s->r->bias_int32 = k == 1;
    s->r->bias_at = a->loc;
}

static void apply_opset(sema *s, const ast_stmt *st)
{
    const ast_atom *a = sema_single(s, st, "opset");
    if (a && sema_uint(s, a, "'opset'", QRC_EXPORT_OPSET_MIN, QRC_EXPORT_OPSET_MAX, &s->r->opset))
        s->r->opset_at = a->loc;
}

static const sema_key export_keys[] = {
    {"dir", apply_dir, false},
    {"prefix", apply_prefix, false},
    {"encodings", apply_version, false},
    {"artifacts", apply_artifacts, false},
    {"bias", apply_bias, false},
    {"opset", apply_opset, false},
};
const sema_block sema_export_block = {"export", export_keys, sizeof export_keys / sizeof *export_keys};

void sema_export(sema *s, const ast_stmt *st)
{
    sema_apply_keys(s, "export", st->body, export_keys, sizeof export_keys / sizeof *export_keys);
}
