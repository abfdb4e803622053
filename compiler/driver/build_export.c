/* build_export.c — the stages of `qrc build` that read or write artifacts: encodings loaded from a
 * file or a checkpoint instead of calibrating, checkpoints, and the export directory with its report. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "driver/build.h"
#include "driver/build_histograms.h"
#include "driver/build_images.h"
#include "opset.h"

export_quantizer *build_quantizers(const build *b, int *n, qrc_err *e)
{
    *n = quant_sim_count(b->sim);
    export_quantizer *q = mem_zalloc((size_t)*n + 1, sizeof *q);
    for (int i = 0; i < *n; i++) {
        const quant_quantizer *s = quant_sim_get(b->sim, i);
        q[i] = (export_quantizer){s->tensor, s->role == QUANT_ROLE_WEIGHT || s->role == QUANT_ROLE_BIAS, s->axis,
                                  s->n_channels, s->enc};
    }
    return q;
}

/* Freezes every encoding of set on the sim. The set must cover exactly the recipe's quantizers:
 * an entry for a tensor left in float, or a quantizer without an entry, is an error naming it. */
static int apply_encodings(build *b, const export_quant_set *set, const char *what, qrc_err *e)
{
    for (int k = 0; k < set->n; k++) {
        const export_quantizer *f = &set->q[k];
        int i = quant_sim_find(b->sim, f->tensor);
        if (i < 0)
            return err_set(e, "%s: '%s' has an encoding, but this recipe leaves it in float", what, f->tensor);
        const quant_quantizer *q = quant_sim_get(b->sim, i);
        if (strcmp(q->tensor, f->tensor))
            return err_set(e, "%s: '%s' takes the encoding of '%s' in this recipe; only '%s' may have one", what,
                           f->tensor, q->tensor, q->tensor);
        if (quant_set_encodings(b->sim, i, f->encs, f->n_encs, e))
            return err_wrap(e, "%s", what);
    }
    for (int i = 0; i < quant_sim_count(b->sim); i++) {
        const quant_quantizer *q = quant_sim_get(b->sim, i);
        if (!q->frozen)
            return err_set(e, "%s: no encoding for '%s' (%s), which this recipe quantizes", what, q->tensor,
                           quant_role_name(q->role));
    }
    if (quant_compute_encodings(b->sim, e))
        return -1;
    b->encoded = true;
    build_warn_unmatched_rules(b);
    return 0;
}

int build_load_encodings(build *b, const char *path, qrc_err *e)
{
    if (b->args->resume)
        return build_resume(b, e);
    export_quant_set *set = NULL;
    int rc = export_encodings_read(path, b->g, &set, e);
    if (!rc)
        rc = apply_encodings(b, set, path, e);
    export_quant_set_free(set);
    if (!rc)
        build_say(b, "encodings", "%d loaded from %s, frozen", quant_sim_count(b->sim), path);
    return rc;
}

/* The checkpoint's graph must be the one this recipe prepares: same nodes, in the same order. */
static int same_prepared_graph(const graph *ours, const graph *theirs, const char *what, qrc_err *e)
{
    if (ours->n_nodes != theirs->n_nodes)
        return err_set(e, "%s: holds a model of %d nodes, this recipe prepares %d: was the model changed?", what,
                       theirs->n_nodes, ours->n_nodes);
    for (int i = 0; i < ours->n_nodes; i++) {
        const graph_node *a = &ours->nodes[i], *c = &theirs->nodes[i];
        if (strcmp(a->name, c->name) || strcmp(a->op_type, c->op_type))
            return err_set(e, "%s: node %d is %s '%s', this recipe prepares %s '%s': was the model changed?", what, i,
                           c->op_type, c->name, a->op_type, a->name);
    }
    return 0;
}

int build_resume(build *b, qrc_err *e)
{
    const char *path = b->args->resume;
    graph *cg = NULL;
    export_quant_set *set = NULL;
    int rc = export_checkpoint_load(path, b->plan->recipe_sha256, &cg, &set, e);
    if (!rc)
        rc = same_prepared_graph(b->g, cg, path, e);
    if (!rc)
        rc = apply_encodings(b, set, path, e);
    export_quant_set_free(set);
    graph_free(cg);
    if (!rc)
        build_say(b, "resume", "%d encodings from %s, no calibration", quant_sim_count(b->sim), path);
    return rc;
}

int build_save_checkpoint(build *b, qrc_err *e)
{
    int n;
    export_quantizer *q = build_quantizers(b, &n, e);
    if (!q)
        return -1;
    int rc = export_checkpoint_save(b->args->checkpoint, b->g, q, n, b->plan->recipe_sha256, e);
    free(q);
    if (!rc)
        build_print("checkpoint", "%s", b->args->checkpoint);
    return rc;
}

/* mkdir -p: the recipe names the export directory, the build makes it. */
static int make_dirs(const char *dir, qrc_err *e)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return err_set(e, "export directory name too long");
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(path, 0777) && errno != EEXIST)
                return err_set(e, "export directory '%s': cannot create '%s': %s", dir, path, strerror(errno));
            if (end)
                return 0;
            *p = '/';
        }
    }
}

enum { MAX_HASHES = 64 };

/* Data files hashed for the report: calibration and evaluation inputs, labels, loaded encodings. */
typedef struct hashes {
    export_text t[MAX_HASHES];
    int n;
} hashes;

static int hash_file(build *b, hashes *h, const char *path, qrc_err *e)
{
    for (int i = 0; i < h->n; i++)
        if (!strcmp(h->t[i].name, path))
            return 0;
    if (h->n == MAX_HASHES)
        return 0;
    char hex[65];
    if (export_sha256_file(path, hex, e))
        return -1;
    h->t[h->n++] = (export_text){path, arena_strdup(&b->a, hex)};
    return 0;
}

static int hash_data(build *b, hashes *h, qrc_err *e)
{
    const quant_data *sets[] = {&b->cfg.calib, &b->cfg.eval};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sets[s]->n_feeds; i++) {
            const quant_feed *feed = &sets[s]->feeds[i];
            if (feed->image) { /* one digest for the whole list: every image counts, however many */
                char hex[65];
                if (build_hash_images(feed, hex, e))
                    return -1;
                if (h->n < MAX_HASHES)
                    h->t[h->n++] = (export_text){arena_printf(&b->a, "%s: %d images from %s", s ? "evaluate" : "calibrate",
                                                              feed->n_files, feed->files[0]),
                                                 arena_strdup(&b->a, hex)};
                continue;
            }
            for (int f = 0; f < sets[s]->feeds[i].n_files; f++)
                if (hash_file(b, h, sets[s]->feeds[i].files[f], e))
                    return -1;
        }
    if (b->cfg.labels && hash_file(b, h, b->cfg.labels, e))
        return -1;
    const Qrc__Calibrate *cal = b->plan->calibrate;
    if (cal && cal->encodings_resolved && hash_file(b, h, cal->encodings_resolved, e))
        return -1;
    return 0;
}

int build_convert_opset(build *b, unsigned target, qrc_err *e)
{
    int n;
    export_quantizer *q = build_quantizers(b, &n, e);
    if (!q)
        return -1;
    export_qdq_options o = {.bias_int32 = b->plan->export->bias_int32, .opset = target};
    int64_t from = graph_opset_version(b->g, ""), to = export_qdq_opset(b->g, q, n, &o);
    int rc = export_qdq_check_opset(b->g, q, n, &o, to, e);
    free(q);
    if (rc)
        return -1;
    /* the sim keeps pointers into b->g, so the export gets a converted copy */
    graph *c = graph_clone(b->g, e);
    int changed = c ? opset_upgrade(c, to, e) : -1;
    if (changed < 0) {
        graph_free(c);
        return -1;
    }
    b->converted = c;
    b->opset = to;
    if (to == from)
        build_say(b, "opset", "%lld, the model's own", (long long)from);
    else
        build_say(b, "opset", "%lld -> %lld: %d nodes rewritten", (long long)from, (long long)to, changed);
    return 0;
}

int build_export(build *b, qrc_err *e)
{
    const Qrc__Export *x = b->plan->export;
    export_options o = {.dir = x->dir_resolved, .prefix = x->prefix,
                        .qdq = {.bias_int32 = x->bias_int32, .opset = b->opset}};
    if (export_enc_version_parse(x->encodings_version, &o.enc_version, e))
        return -1;
    static const unsigned bits[] = {
        [QRC__ARTIFACT__QDQ_MODEL] = EXPORT_ART_QDQ,
        [QRC__ARTIFACT__ENCODINGS] = EXPORT_ART_ENCODINGS,
        [QRC__ARTIFACT__PREPARED_MODEL] = EXPORT_ART_FLOAT,
        [QRC__ARTIFACT__REPORT] = EXPORT_ART_REPORT,
    };
    for (size_t i = 0; i < x->n_artifacts; i++)
        o.artifacts |= bits[x->artifacts[i]];
    o.quant_scheme = arena_printf(&b->a, "post_training_%s", quant_scheme_name(b->cfg.quant.scheme));

    char model_hash[65];
    hashes data = {0};
    if (export_sha256_file(b->plan->model->resolved_path, model_hash, e) || hash_data(b, &data, e))
        return -1;
    export_metric metrics[8];
    int n_metrics = 0;
    export_metric *layers = mem_zalloc((size_t)b->ev.n_layers + 1, sizeof *layers);
    if (b->evaluated) {
        const quant_eval *ev = &b->ev;
        metrics[n_metrics++] = (export_metric){"samples", (double)ev->samples};
        if (ev->has_labels) {
            metrics[n_metrics++] = (export_metric){"float_top1", ev->float_top1};
            metrics[n_metrics++] = (export_metric){"quant_top1", ev->quant_top1};
        }
        metrics[n_metrics++] = (export_metric){"top1_agreement", ev->top1_agreement};
        metrics[n_metrics++] = (export_metric){"output_sqnr_db", ev->output_sqnr_db};
        for (int i = 0; i < ev->n_layers; i++)
            layers[i] = (export_metric){ev->layers[i].tensor, ev->layers[i].sqnr_db};
    }
    export_hist *hists = NULL;
    int n_hists = 0;
    const char *hist_source = NULL;
    if ((o.artifacts & EXPORT_ART_REPORT) && b->encoded && build_histograms(b, &hists, &n_hists, &hist_source, e)) {
        free(layers);
        return -1;
    }
    export_metric split[2];
    int n_split = 0;
    if ((o.artifacts & EXPORT_ART_REPORT) && b->evaluated) {
        if (quant_weight_act_analysis(b->sim, &b->cfg.eval, 4, &split[0].value, &split[1].value, e)) {
            free(layers);
            return err_wrap(e, "weights vs activations");
        }
        split[0].name = "weights only";
        split[1].name = "activations only";
        n_split = 2;
    }
    export_report rep = {
        .recipe_hash = b->plan->recipe_sha256,
        .model_hash = model_hash,
        .data_hashes = data.t,
        .n_data_hashes = data.n,
        .plan = b->lines,
        .n_plan = b->n_lines,
        .metrics = metrics,
        .n_metrics = n_metrics,
        .layers = layers,
        .n_layers = b->evaluated ? b->ev.n_layers : 0,
        .timings = b->timings,
        .n_timings = b->n_timings,
        .hists = hists,
        .n_hists = n_hists,
        .hist_source = hist_source,
        .split = split,
        .n_split = n_split,
    };
    export_ranked *ranking = build_ranking_rows(b, &rep.n_ranking, e);
    if (!ranking) {
        free(layers);
        return -1;
    }
    rep.ranking = ranking;
    o.report = &rep;

    int n, rc = -1;
    export_quantizer *q = build_quantizers(b, &n, e);
    if (q && !make_dirs(o.dir, e) && !export_write_all(b->converted ? b->converted : b->g, q, n, &o, e))
        rc = 0;
    free(q);
    free(layers);
    free(ranking);
    if (!rc)
        build_say(b, "export", "%s/%s: %s%s%s%s", x->dir_resolved, x->prefix,
                  o.artifacts & EXPORT_ART_QDQ ? ".onnx " : "", o.artifacts & EXPORT_ART_ENCODINGS ? ".encodings " : "",
                  o.artifacts & EXPORT_ART_FLOAT ? "_float.onnx " : "",
                  o.artifacts & EXPORT_ART_REPORT ? ".report.json .report.html" : "");
    return rc;
}
