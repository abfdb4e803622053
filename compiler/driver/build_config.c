#include "driver/build_config.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "driver/build_images.h"
#include "plan/plan.h"

/* A plan scheme as the runtime's method (unset when the plan has none). */
static quant_method method_from_plan(bool has, Qrc__Scheme s, double percentile)
{
    quant_scheme q = plan_quant_scheme(s);
    if (!has || (unsigned)q >= QUANT_SCHEME_COUNT_)
        return (quant_method){0};
    return (quant_method){true, q, q == QUANT_SCHEME_PERCENTILE ? percentile : 0};
}

static void side_from_setting(const Qrc__QuantSetting *s, quant_side_rule *side)
{
    side->method = method_from_plan(s->has_scheme, s->scheme, s->percentile);
    if (!s->quantized) {
        side->kind = QUANT_FLOAT;
        side->bits = 32;
        return;
    }
    side->kind = s->kind == QRC__NUM_KIND__FLOAT ? QUANT_FLOAT : QUANT_INT;
    side->bits = (int)s->bitwidth;
    side->symmetric = s->symmetry == QRC__SYMMETRY__ASYMMETRIC ? QUANT_NO : QUANT_YES;
    side->strict = s->symmetry == QRC__SYMMETRY__STRICT_SYMMETRIC     ? QUANT_YES
                   : s->symmetry == QRC__SYMMETRY__UNSIGNED_SYMMETRIC ? QUANT_NO
                                                                      : QUANT_UNSET;
    side->unsigned_sym = s->symmetry == QRC__SYMMETRY__UNSIGNED_SYMMETRIC ? QUANT_YES
                         : s->symmetry == QRC__SYMMETRY__STRICT_SYMMETRIC ? QUANT_NO
                                                                          : QUANT_UNSET;
}

static int rules_from_plan(const Qrc__Plan *plan, build_config *c)
{
    c->n_rules = (int)plan->n_qconfig;
    c->rules = arena_alloc(&c->a, sizeof *c->rules * (plan->n_qconfig + 1));
    for (size_t i = 0; i < plan->n_qconfig; i++) {
        const Qrc__QConfigRule *q = plan->qconfig[i];
        quant_rule *r = &c->rules[i];
        r->label = arena_printf(&c->a, "%s: %s", q->loc, plan_rule_kind_name(q->kind));
        size_t np = q->n_modules + q->n_ops;
        select_spec *pats = arena_alloc(&c->a, sizeof *pats * (np + 1));
        for (size_t k = 0; k < q->n_modules; k++)
            pats[k] = (select_spec){plan_select_kind(q->modules[k]->kind), q->modules[k]->pattern};
        for (size_t k = 0; k < q->n_ops; k++)
            pats[q->n_modules + k] = (select_spec){SELECT_EXACT, q->ops[k]->op_type};
        r->patterns = pats;
        r->n_patterns = (int)np;
        switch (q->kind) {
        case QRC__RULE_KIND__BY_MODULE: r->select = QUANT_SEL_MODULE; break;
        case QRC__RULE_KIND__BY_OP: r->select = QUANT_SEL_OP; break;
        case QRC__RULE_KIND__BY_SENSITIVITY: r->select = QUANT_SEL_SENSITIVITY; break;
        default: r->select = QUANT_SEL_DEFAULT; break;
        }
        r->top_fraction = q->has_fraction ? q->fraction : 0;
        side_from_setting(q->act, &r->act);
        side_from_setting(q->weight, &r->weight);
        r->per_channel = q->weight->granularity == QRC__GRANULARITY__PER_CHANNEL ? QUANT_YES : QUANT_NO;
    }
    return 0;
}

/* Expands each input's files (globs, sorted) into a feed list; image folders and globs become image
 * feeds (with ev, an evaluation's labels). */
static int data_from_plan(build_config *c, const Qrc__Plan *plan, const Qrc__Evaluate *ev, Qrc__InputData **in,
                          size_t n, quant_data *d, qrc_err *e)
{
    quant_feed *feeds = arena_alloc(&c->a, sizeof *feeds * (n + 1));
    for (size_t i = 0; i < n; i++) {
        if (build_is_image_binding(in[i])) {
            if (build_image_feed(c, plan, in[i], ev, &feeds[i], e))
                return -1;
            continue;
        }
        const char **files = NULL;
        int n_files = 0;
        for (size_t k = 0; k < in[i]->n_resolved; k++) {
            glob_t gl;
            int rc = glob(in[i]->resolved[k], 0, NULL, &gl);
            if (rc || gl.gl_pathc == 0) {
                if (rc == 0)
                    globfree(&gl);
                err_set(e, "data for input '%s': no file matches \"%s\"", in[i]->name, in[i]->resolved[k]);
                return err_origin(e, in[i]->loc);
            }
            const char **grown = arena_alloc(&c->a, sizeof *grown * (size_t)(n_files + (int)gl.gl_pathc));
            if (n_files)
                memcpy(grown, files, sizeof *files * (size_t)n_files);
            for (size_t m = 0; m < gl.gl_pathc; m++)
                grown[n_files++] = arena_strdup(&c->a, gl.gl_pathv[m]);
            files = grown;
            globfree(&gl);
        }
        feeds[i] = (quant_feed){in[i]->name, files, n_files, NULL};
    }
    d->feeds = feeds;
    d->n_feeds = (int)n;
    return 0;
}

int build_config_from_plan(const Qrc__Plan *plan, const graph *g, build_config *c, qrc_err *e)
{
    memset(c, 0, sizeof *c);
    if (prepare_plan_init(&c->prepare, plan, g, e) || rules_from_plan(plan, c))
        return -1;
    const Qrc__QuantSim *qs = plan->quantsim;
    if (qs->config_resolved && !(c->quantsim_config = quant_config_load(qs->config_resolved, e)))
        return -1;
    quant_method act = method_from_plan(true, qs->act_scheme, qs->act_percentile);
    c->quant.scheme = act.scheme;
    c->quant.percentile = act.percentile;
    c->quant.weight_method = method_from_plan(qs->has_weight_scheme, qs->weight_scheme, qs->weight_percentile);
    c->quant.stochastic = qs->rounding == QRC__ROUNDING__STOCHASTIC;
    c->quant.sensitivity_exhaustive = qs->has_sensitivity && qs->sensitivity == QRC__SENSITIVITY__EXHAUSTIVE;
    c->quant.int32_bias = plan->export->bias_int32;
    if (plan->calibrate) {
        const Qrc__Calibrate *cal = plan->calibrate;
        c->quant.seed = cal->seed;
        c->calib.batch = cal->batch;
        c->calib.max_samples = cal->samples;
        if (data_from_plan(c, plan, NULL, cal->data, cal->n_data, &c->calib, e))
            return -1;
    }
    if (plan->evaluate) {
        const Qrc__Evaluate *ev = plan->evaluate;
        c->eval.batch = ev->batch;
        c->eval.max_samples = ev->has_samples ? ev->samples : 0;
        c->labels = ev->labels_resolved;
        if (data_from_plan(c, plan, ev, ev->data, ev->n_data, &c->eval, e))
            return -1;
        if (ev->labels_from_folders && !c->eval.labels)
            return err_set(e, "evaluate: 'labels folders' needs folders of images as evaluation data");
    }
    return 0;
}

void build_config_free(build_config *c)
{
    prepare_plan_free(&c->prepare);
    quant_config_free(c->quantsim_config);
    arena_free(&c->a);
    memset(c, 0, sizeof *c);
}
