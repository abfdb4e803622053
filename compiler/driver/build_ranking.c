/* build_ranking.c — the sensitivity ranking in and out of a build: rows for the report, and a saved
 * ranking (the "sensitivity" list of an earlier build's report) taken instead of measuring again. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "driver/build.h"

enum { LIST_WORST = 10 };   /* ops `qrc build --list` analyses */

export_ranked *build_ranking_rows(const build *b, int *n, qrc_err *e)
{
    int count = b->sim && !b->listing_analysis ? quant_sensitivity_count(b->sim) : 0;
    export_ranked *rows = mem_zalloc((size_t)count + 1, sizeof *rows);
    for (int r = 0; r < count; r++) {
        const quant_sens_info *k = quant_sensitivity_info(b->sim, r);
        rows[r] = (export_ranked){b->g->nodes[k->node].name, k->sqnr_db, k->weight_sqnr_db, k->act_sqnr_db,
                                  k->act_min, k->act_max, k->clipped};
    }
    *n = count;
    return rows;
}

/* The op names of a report's "sensitivity" list, in order (pointers into root). */
static const char **ranked_names(json_t *root, const char *path, int *n, qrc_err *e)
{
    json_t *list = json_is_object(root) ? json_object_get(root, "sensitivity") : NULL;
    if (!json_is_array(list)) {
        err_set(e, "%s has no \"sensitivity\" list (write one with a build whose recipe has a most_sensitive rule)",
                path);
        return NULL;
    }
    size_t count = json_array_size(list);
    const char **names = calloc(count + 1, sizeof *names);
    if (!names) {
        err_set(e, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *op = json_object_get(json_array_get(list, i), "op");
        if (!json_is_string(op)) {
            err_set(e, "%s: sensitivity entry %zu has no \"op\" name", path, i);
            free(names);
            return NULL;
        }
        names[i] = json_string_value(op);
    }
    *n = (int)count;
    return names;
}

/* The first rule reading a saved ranking, or NULL. */
static const Qrc__QConfigRule *ranking_rule(const build *b)
{
    for (size_t i = 0; i < b->plan->n_qconfig; i++)
        if (b->plan->qconfig[i]->ranking)
            return b->plan->qconfig[i];
    return NULL;
}

void build_say_ranking(build *b)
{
    int n = quant_sensitivity_count(b->sim);
    if (n == 0 || ranking_rule(b))
        return;
    const quant_sens_info *k = quant_sensitivity_info(b->sim, 0);
    build_say(b, "sensitivity", "%s, %d ops ranked, most sensitive '%s' at %.1f dB",
              b->cfg.quant.sensitivity_exhaustive ? "exhaustive" : "local", n, b->g->nodes[k->node].name, k->sqnr_db);
    if (b->n_timings < BUILD_MAX_LINES)   /* the report's timings: inside calibrate's, which follows */
        b->timings[b->n_timings++] = (export_metric){"sensitivity", quant_sensitivity_seconds(b->sim)};
}

/* Which quantizer costs more, when one is clearly (3 dB) worse. */
static const char *culprit(const quant_sens_info *k)
{
    if (isnan(k->weight_sqnr_db) || isnan(k->act_sqnr_db))
        return "-";
    if (k->weight_sqnr_db < k->act_sqnr_db - 3)
        return "weight";
    if (k->act_sqnr_db < k->weight_sqnr_db - 3)
        return "activation";
    return "both";
}

int build_list_analysis(build *b, qrc_err *e)
{
    if (quant_sensitivity_count(b->sim) == 0) {
        if (quant_analyze(b->sim, &b->cfg.calib, e))
            return err_wrap(e, "analysis");
        b->listing_analysis = true;   /* the artifacts must not depend on --list */
    }
    int n = quant_sensitivity_count(b->sim), shown = n < LIST_WORST ? n : LIST_WORST;
    printf("worst ops, each quantized alone on exact inputs (SQNR of its output; weight or activation quantizer "
           "alone; output range and fraction clipped)\n");
    printf("  %-40s %9s %9s %9s  %-10s %-25s %s\n", "op", "SQNR", "weight", "act", "loss from", "range", "clipped");
    for (int r = 0; r < shown; r++) {
        const quant_sens_info *k = quant_sensitivity_info(b->sim, r);
        char range[64] = "-";
        if (isfinite(k->act_sqnr_db))
            snprintf(range, sizeof range, "[%.4g, %.4g]", k->act_min, k->act_max);
        printf("  %-40s %6.1f dB %6.1f dB %6.1f dB  %-10s %-25s %.3f %%\n", b->g->nodes[k->node].name, k->sqnr_db,
               k->weight_sqnr_db, k->act_sqnr_db, culprit(k), range, 100 * k->clipped);
    }
    return 0;
}

int build_load_ranking(build *b, qrc_err *e)
{
    const Qrc__QConfigRule *rule = ranking_rule(b);
    if (!rule)
        return 0;
    json_error_t je;
    json_t *root = json_load_file(rule->ranking_resolved, 0, &je);
    if (!root)
        return err_set(e, "cannot read the ranking \"%s\": %s", rule->ranking, je.text), err_origin(e, rule->loc);
    int n = 0, rc = -1;
    const char **names = ranked_names(root, rule->ranking, &n, e);
    if (names && !quant_set_ranking(b->sim, names, n, e))
        rc = 0;
    if (rc)
        err_origin(e, rule->loc);
    else
        build_say(b, "sensitivity", "%d ops ranked as \"%s\" lists them", quant_sensitivity_count(b->sim),
                  rule->ranking);
    free(names);
    json_decref(root);
    return rc;
}
