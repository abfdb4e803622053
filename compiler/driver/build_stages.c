/* build_stages.c — the model-side stages of `qrc build`: prepare, place quantizers, calibrate,
 * evaluate, and the simulated outputs a user (or the interop test) can compare with another runtime. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver/build.h"
#include "driver/build_images.h"
#include "npy.h"
#include "ptq.h"

/* Where the human summary goes: stdout, or stderr when stdout carries `--json`. */
static FILE *summary_stream;

FILE *build_summary_stream(void)
{
    return summary_stream ? summary_stream : stdout;
}

void build_set_summary_stream(FILE *f)
{
    summary_stream = f;
}

void build_print(const char *name, const char *fmt, ...)
{
    FILE *out = build_summary_stream();
    va_list ap;
    va_start(ap, fmt);
    fprintf(out, "  %-11s ", name);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
    fflush(out);
}

void build_say(build *b, const char *name, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(build_summary_stream(), "  %-11s %s\n", name, text);
    fflush(build_summary_stream());
    if (b->n_lines < BUILD_MAX_LINES)
        b->lines[b->n_lines++] = (export_text){name, arena_strdup(&b->a, text)};
}

int build_prepare_pass(build *b, const Qrc__Pass *p, qrc_err *e)
{
    const pass_def *d = pass_find(p->name);
    if (b->sim)
        return err_set(e, "the plan runs the prepare pass %s after place_quantizers; prepare passes come first",
                       p->name);
    pass_opts o = prepare_plan_pass_opts(&b->cfg.prepare, p);
    if (d->run(b->g, &o, &b->rep, e) == 0)
        return 0;
    /* the pass's own origin (a selector, a concrete arg) is more precise than where the pass was asked for */
    if (!e->origin[0] && p->loc)
        err_origin(e, p->loc);
    return -1;
}

void build_prepared(build *b)
{
    fflush(stdout);
    /* once unshare ran, a reused module or shared weight is resolved: counted, not warned about */
    const bool unshared = pass_report_count(&b->rep, "unshared", PASS_INFO) > 0;
    int warnings = 0, resolved = 0;
    for (int i = b->notes_shown; i < b->rep.n_notes; i++) {
        const pass_note *n = &b->rep.notes[i];
        if (n->level < PASS_WARN)
            continue;
        if (unshared && (!strcmp(n->kind, "reused_module") || !strcmp(n->kind, "shared_weight"))) {
            resolved++;
            continue;
        }
        warnings++;
        fprintf(stderr, "qrc build: warning: %s%s%s\n", n->node ? n->node : "", n->node ? ": " : "", n->msg);
    }
    int units = 0;
    for (int i = 0; i < b->rep.n_groups; i++)
        units += pass_is_unit_kind(b->rep.groups[i].kind);
    build_say(b, "prepare", "%s: %d nodes, %d supergroups (%d decomposed units), %d rewrites%s, %d warnings",
              prepare_method_name(b->cfg.prepare.opts.method), b->g->n_nodes, b->rep.n_groups, units, b->rep.changes,
              !resolved       ? ""
              : resolved == 1 ? " (1 reused module or weight unshared)"
                              : arena_printf(&b->a, " (%d reused modules or weights unshared)", resolved),
              warnings);
    b->notes_shown = b->rep.n_notes;
}

int build_place(build *b, qrc_err *e)
{
    size_t n = (size_t)b->g->n_nodes + 1;
    if (!(b->excluded = calloc(n, sizeof *b->excluded)) || !(b->fused = calloc(n, sizeof *b->fused)))
        return err_set(e, "out of memory");
    if (quant_annotations_from_report(b->g, &b->rep, b->excluded, b->fused, e))
        return -1;
    quant_options *o = &b->cfg.quant;
    o->excluded = b->excluded;
    o->fused_with_next = b->fused;
    o->threads = b->args->threads;
    o->progress = b->args->quiet ? NULL : stderr;
    if (!(b->sim = quant_sim_create(b->g, b->cfg.rules, b->cfg.n_rules, b->cfg.quantsim_config, o, e)))
        return -1;
    if (build_load_ranking(b, e))
        return -1;
    for (int k = 0; k < b->g->n_nodes; k++)
        if (quant_softmax_off_last_axis(b->g, k))
            fprintf(stderr, "%s: warning: '%s' is a Softmax over a non-last axis: its output gets a 16-bit quantizer, "
                            "as ONNX Runtime's 8-bit QLinearSoftmax computes it wrongly\n",
                    b->plan->model->path, b->g->nodes[k].name);
    int roles[QUANT_ROLE_COUNT_] = {0};
    for (int i = 0; i < quant_sim_count(b->sim); i++)
        roles[quant_sim_get(b->sim, i)->role]++;
    build_say(b, "quantizers", "%d: %d inputs, %d activations, %d weights, %d biases", quant_sim_count(b->sim),
              roles[QUANT_ROLE_INPUT], roles[QUANT_ROLE_ACT], roles[QUANT_ROLE_WEIGHT], roles[QUANT_ROLE_BIAS]);
    return 0;
}

/* A qconfig rule of the recipe itself that decided nothing usually means a renamed module: worth a
 * warning at its line. Rules imported from a shared base often do not apply to every model: those stay
 * quiet (`qrc build --list` names every rule that matches nothing). */
void build_warn_unmatched_rules(const build *b)
{
    fflush(stdout);
    const size_t root = strlen(b->plan->recipe);
    for (size_t i = 0; i < b->plan->n_qconfig; i++) {
        const Qrc__QConfigRule *r = b->plan->qconfig[i];
        if (r->kind == QRC__RULE_KIND__BY_DEFAULT || quant_sim_rule_matches(b->sim, (int)i) > 0)
            continue;
        if (strncmp(r->loc, b->plan->recipe, root) || r->loc[root] != ':')
            continue;
        if (r->kind == QRC__RULE_KIND__BY_SENSITIVITY && quant_sensitivity_count(b->sim) == 0)
            fprintf(stderr, "%s: warning: nothing was ranked (encodings loaded, not calibrated): this rule applies "
                            "to no op and the file's encodings decide\n", r->loc);
        else
            fprintf(stderr, "%s: warning: this qconfig rule matches no op of the model\n", r->loc);
    }
}

int build_calibrate(build *b, qrc_err *e)
{
    if (b->args->resume)
        return build_resume(b, e);
    if (b->cfg.calib.n_feeds == 0)
        return err_set(e, "the recipe gives no calibration data (calibrate { data ... })");
    build_say_images(b, &b->cfg.calib);
    if (quant_calibrate(b->sim, &b->cfg.calib, e))
        return -1;
    build_say_ranking(b);
    int64_t rows = b->cfg.calib.max_samples;
    const quant_method *w = &b->cfg.quant.weight_method;
    const char *schemes = !w->set || w->scheme == b->cfg.quant.scheme
                              ? quant_scheme_name(b->cfg.quant.scheme)
                              : arena_printf(&b->a, "activations %s, weights %s", quant_scheme_name(b->cfg.quant.scheme),
                                             quant_scheme_name(w->scheme));
    build_say(b, "calibrate", "%s, %s samples in batches of %lld, seed %llu", schemes,
              rows ? arena_printf(&b->a, "up to %lld", (long long)rows) : "all",
              (long long)(b->cfg.calib.batch ? b->cfg.calib.batch : 32), (unsigned long long)b->cfg.quant.seed);
    return 0;
}

int build_compute_encodings(build *b, qrc_err *e)
{
    if (b->encoded)
        return 0;
    if (quant_compute_encodings(b->sim, e))
        return -1;
    b->encoded = true;
    build_warn_unmatched_rules(b);
    int frozen = 0;
    for (int i = 0; i < quant_sim_count(b->sim); i++)
        frozen += quant_sim_get(b->sim, i)->frozen;
    if (frozen)
        build_say(b, "encodings", "%d computed, %d kept (frozen)", quant_sim_count(b->sim) - frozen, frozen);
    else
        build_say(b, "encodings", "%d computed", quant_sim_count(b->sim));
    return 0;
}

int build_evaluate(build *b, qrc_err *e)
{
    if (b->cfg.eval.n_feeds == 0)
        return 0;
    build_say_images(b, &b->cfg.eval);
    if (quant_evaluate(b->sim, &b->cfg.eval, b->cfg.labels, &b->ev, e))
        return -1;
    b->evaluated = true;
    const quant_eval *ev = &b->ev;
    if (ev->has_labels)
        build_say(b, "accuracy", "float top-1 %.2f %%, quantized top-1 %.2f %% (%+.2f points)", 100 * ev->float_top1,
                  100 * ev->quant_top1, 100 * (ev->quant_top1 - ev->float_top1));
    build_say(b, "agreement", "top-1 %.2f %%, output SQNR %.1f dB over %lld samples", 100 * ev->top1_agreement,
              ev->output_sqnr_db, (long long)ev->samples);
    char worst[400] = "";
    size_t used = 0;
    for (int i = 0; i < ev->n_layers && i < 3 && used < sizeof worst; i++)
        used += (size_t)snprintf(worst + used, sizeof worst - used, "%s%s %.1f dB", i ? ", " : "",
                                 ev->layers[i].tensor, ev->layers[i].sqnr_db);
    if (ev->n_layers)
        build_say(b, "worst", "%s", worst);
    if (b->args->list) {
        printf("per-layer SQNR of the quantized model against float, worst first\n");
        for (int i = 0; i < ev->n_layers; i++)
            printf("  %8.2f dB  %s\n", ev->layers[i].sqnr_db, ev->layers[i].tensor);
        return build_list_analysis(b, e);
    }
    return 0;
}

/* ---- Simulated outputs ------------------------------------------------------------------------------ */

/* One evaluation input read row by row across its files. */
typedef struct feed_reader {
    const quant_feed *feed;
    int file;
    npy_reader *r;
} feed_reader;

static int feed_next(feed_reader *f, int64_t rows, tensor **out, qrc_err *e)
{
    *out = NULL;
    while (f->file < f->feed->n_files) {
        if (!f->r && npy_open(f->feed->files[f->file], &f->r, e))
            return -1;
        if (npy_read_rows(f->r, rows, out, e))
            return -1;
        if (*out)
            return 0;
        npy_close(f->r);
        f->r = NULL;
        f->file++;
    }
    return 0;
}

/* Rows of one output, grown batch by batch. */
typedef struct rows {
    tensor *t;
    int64_t n;
} rows;

static int rows_append(rows *acc, const tensor *batch, qrc_err *e)
{
    if (batch->dtype != DT_FLOAT || batch->rank < 1)
        return err_set(e, "only float outputs with a batch axis can be saved");
    size_t row_bytes = tensor_nbytes(batch) / (size_t)(batch->dims[0] ? batch->dims[0] : 1);
    int64_t cap = acc->t ? acc->t->dims[0] : 0;
    if (acc->n + batch->dims[0] > cap) {
        int64_t dims[TENSOR_MAX_RANK];
        memcpy(dims, batch->dims, sizeof(int64_t) * (size_t)batch->rank);
        dims[0] = 2 * cap + batch->dims[0];
        tensor *grown = tensor_new(DT_FLOAT, batch->rank, dims, e);
        if (!grown)
            return -1;
        if (acc->t)
            memcpy(grown->data, acc->t->data, row_bytes * (size_t)acc->n);
        tensor_free(acc->t);
        acc->t = grown;
    }
    memcpy((char *)acc->t->data + row_bytes * (size_t)acc->n, batch->data, row_bytes * (size_t)batch->dims[0]);
    acc->n += batch->dims[0];
    return 0;
}

/* The first batch's tensors as the simulation sees them: <dir>/first_batch/NNNN.npy, and order.txt
 * mapping each file to its tensor name in execution order. */
typedef struct dump {
    char dir[4096];
    FILE *order;
    int n;
} dump;

static int dump_tensor(const char *name, const tensor *t, void *user, qrc_err *e)
{
    dump *d = user;
    if (t->dtype != DT_FLOAT)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%04d.npy", d->dir, d->n);
    if (npy_write(path, t, e))
        return -1;
    fprintf(d->order, "%04d.npy\t%s\n", d->n++, name);
    return 0;
}

static int simulate_first_batch(build *b, int n, const char **names, tensor **in, tensor **out, qrc_err *e)
{
    dump d = {0};
    snprintf(d.dir, sizeof d.dir, "%s/first_batch", b->args->save_outputs);
    if (mkdir(d.dir, 0777) && errno != EEXIST)
        return err_set(e, "%s: cannot create directory: %s", d.dir, strerror(errno));
    char path[4200];
    snprintf(path, sizeof path, "%s/order.txt", d.dir);
    if (!(d.order = fopen(path, "w")))
        return err_set(e, "%s: cannot write: %s", path, strerror(errno));
    int rc = quant_simulate_tapped(b->sim, n, names, (const tensor *const *)in, out, dump_tensor, &d, e);
    if (fclose(d.order) && !rc)
        rc = err_set(e, "%s: write failed", path);
    return rc;
}

/* Runs the quantized simulation over the evaluation data and writes every graph output as
 * <dir>/<output>.npy (rows in data order), plus every tensor of the first batch (simulate_first_batch)
 * so a disagreement with another runtime can be traced to the tensor where it starts. Outputs are held
 * in memory: they are meant for logits. */
int build_save_outputs(build *b, qrc_err *e)
{
    const quant_data *d = &b->cfg.eval;
    const char *dir = b->args->save_outputs;
    if (d->n_feeds == 0)
        return err_set(e, "--save-outputs needs an evaluate section with data");
    if (mkdir(dir, 0777) && errno != EEXIST)
        return err_set(e, "%s: cannot create directory: %s", dir, strerror(errno));
    int n_in = d->n_feeds, n_out = b->g->n_outputs, rc = -1;
    feed_reader *fr = calloc((size_t)n_in, sizeof *fr);
    const char **names = calloc((size_t)n_in, sizeof *names);
    tensor **in = calloc((size_t)n_in, sizeof *in), **out = calloc((size_t)n_out, sizeof *out);
    rows *acc = calloc((size_t)n_out, sizeof *acc);
    if (!fr || !names || !in || !out || !acc) {
        err_set(e, "out of memory");
        goto done;
    }
    /* The rows the evaluation used (a model with a pinned batch size drops a short last batch). */
    int64_t batch = d->batch ? d->batch : 32, all = b->evaluated ? b->ev.samples : INT64_MAX, left = all;
    for (int i = 0; i < n_in; i++)
        fr[i] = (feed_reader){.feed = &d->feeds[i]}, names[i] = d->feeds[i].input;
    while (left > 0) {
        int64_t want = batch < left ? batch : left;
        for (int i = 0; i < n_in; i++) {
            tensor_free(in[i]);
            if (feed_next(&fr[i], want, &in[i], e))
                goto done;
            if (!in[i])
                goto finished;
            if (in[i]->dims[0] < want)
                want = in[i]->dims[0];
        }
        bool first = left == all;
        if (first ? simulate_first_batch(b, n_in, names, in, out, e)
                  : quant_simulate(b->sim, n_in, names, (const tensor *const *)in, out, e))
            goto done;
        for (int k = 0; k < n_out; k++) {
            int bad = rows_append(&acc[k], out[k], e);
            tensor_free(out[k]);
            out[k] = NULL;
            if (bad)
                goto done;
        }
        left -= want;
    }
finished:
    for (int k = 0; k < n_out; k++) {
        if (!acc[k].t)
            continue;
        acc[k].t->dims[0] = acc[k].n;
        const char *name = b->g->values[b->g->outputs[k]].name;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.npy", dir, name);
        if (strchr(name, '/'))
            err_set(e, "output '%s' cannot name a file", name);
        if (strchr(name, '/') || npy_write(path, acc[k].t, e))
            goto done;
    }
    build_print("outputs", "simulated outputs of %lld samples written to %s/",
              (long long)(n_out && acc[0].t ? acc[0].n : 0), dir);
    rc = 0;
done:
    for (int i = 0; fr && i < n_in; i++)
        npy_close(fr[i].r);
    for (int i = 0; in && i < n_in; i++)
        tensor_free(in[i]);
    for (int k = 0; acc && k < n_out; k++)
        tensor_free(acc[k].t);
    free(fr);
    free(names);
    free(in);
    free(out);
    free(acc);
    return rc;
}

/* ---- Cross-layer equalization ------------------------------------------------------------------------ */

/* Calibration batches for the bias statistics, up to the recipe's sample count. */
typedef struct calib_batches {
    const quant_data *d;
    feed_reader *fr;
    int64_t left;
} calib_batches;

static int next_calib_batch(void *user, tensor **in, qrc_err *e)
{
    calib_batches *c = user;
    int64_t want = c->d->batch ? c->d->batch : 32;
    if (c->left < want)
        want = c->left;
    for (int i = 0; want > 0 && i < c->d->n_feeds; i++) {
        if (feed_next(&c->fr[i], want, &in[i], e))
            return -1;
        if (!in[i] || in[i]->dims[0] < want)
            want = in[i] ? in[i]->dims[0] : 0;
    }
    c->left -= want;
    return want > 0 && in[c->d->n_feeds - 1];
}

/* What a search over the layers' weights needs: the calibration stream (up to the recipe's sample count),
 * its input names, and per searched layer the quantizer it came from. search_close releases what
 * search_open made, also after a failed open. */
typedef struct weight_search {
    const char **names;
    calib_batches cb;
    int *owner;
    int n;
} weight_search;

static int search_open(build *b, const char *pass, weight_search *ws, qrc_err *e)
{
    const quant_data *d = &b->cfg.calib;
    int n = d->n_feeds;
    *ws = (weight_search){calloc((size_t)n + 1, sizeof *ws->names),
                          {d, calloc((size_t)n + 1, sizeof *ws->cb.fr), d->max_samples ? d->max_samples : INT64_MAX},
                          calloc((size_t)quant_sim_count(b->sim) + 1, sizeof *ws->owner), 0};
    if (n == 0)
        return err_set(e, "%s needs calibration data", pass);
    if (!ws->names || !ws->cb.fr || !ws->owner)
        return err_set(e, "out of memory");
    for (int i = 0; i < n; i++) {
        ws->cb.fr[i] = (feed_reader){.feed = &d->feeds[i]};
        ws->names[i] = d->feeds[i].input;
    }
    return 0;
}

static void search_close(weight_search *ws)
{
    for (int i = 0; ws->cb.fr && i < ws->cb.d->n_feeds; i++)
        npy_close(ws->cb.fr[i].r);
    free(ws->cb.fr);
    free(ws->names);
    free(ws->owner);
}

int build_cle(build *b, bool absorb, qrc_err *e)
{
    const quant_data *d = &b->cfg.calib;
    if (absorb && d->n_feeds == 0)
        return err_set(e, "cle: high-bias absorption needs calibration data (or high_bias_absorption false)");
    int n = absorb ? d->n_feeds : 0, rc = -1;
    const char **names = calloc((size_t)n + 1, sizeof *names);
    calib_batches cb = {d, calloc((size_t)n + 1, sizeof *cb.fr), d->max_samples ? d->max_samples : INT64_MAX};
    if (!names || !cb.fr) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        cb.fr[i] = (feed_reader){.feed = &d->feeds[i]};
        names[i] = d->feeds[i].input;
    }
    ptq_cle_stats st;
    if (ptq_cle(b->g, absorb, n, names, next_calib_batch, &cb, b->args->threads, &st, e))
        goto done;
    build_say(b, "cle", "%d layer pairs, channel range ratio %.2f -> %.2f in %d sweeps%s", st.pairs,
              st.range_ratio_before, st.range_ratio_after, st.sweeps,
              absorb ? arena_printf(&b->a, ", high bias absorbed in %d", st.absorbed) : "");
    rc = 0;
done:
    for (int i = 0; i < n && cb.fr; i++)
        npy_close(cb.fr[i].r);
    free(names);
    free(cb.fr);
    return rc;
}

/* ---- Bias correction --------------------------------------------------------------------------------- */

int build_bias_correction(build *b, uint32_t samples, qrc_err *e)
{
    const quant_data *d = &b->cfg.calib;
    if (d->n_feeds == 0)
        return err_set(e, "bias_correction needs calibration data");
    if (!b->encoded)
        return err_set(e, "bias_correction needs computed encodings");
    int nq = quant_sim_count(b->sim), n = 0, n_in = d->n_feeds, rc = -1;
    ptq_weight *w = calloc((size_t)nq + 1, sizeof *w);
    const char **names = calloc((size_t)n_in + 1, sizeof *names);
    calib_batches cb = {d, calloc((size_t)n_in + 1, sizeof *cb.fr), samples};
    if (!w || !names || !cb.fr) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < nq; i++) {
        const quant_quantizer *q = quant_sim_get(b->sim, i);
        const graph_node *nd = &b->g->nodes[q->node];
        if (q->role == QUANT_ROLE_WEIGHT && q->enc && q->format.kind == QUANT_INT && nd->n_in > 1 &&
            nd->in[1] == q->value)
            w[n++] = (ptq_weight){q->node, q->enc, q->n_channels, q->axis};
    }
    for (int i = 0; i < n_in; i++) {
        cb.fr[i] = (feed_reader){.feed = &d->feeds[i]};
        names[i] = d->feeds[i].input;
    }
    ptq_bc_stats st;
    if (ptq_bias_correction(b->g, w, n, n_in, names, next_calib_batch, &cb, b->args->threads, &st, e))
        goto done;
    quant_sim_params_changed(b->sim);
    build_say(b, "bias corr.", "%d layers corrected on %lld samples (mean |shift| %.3g), %d skipped", st.corrected,
              (long long)st.samples, st.mean_abs_shift, st.skipped);
    rc = 0;
done:
    for (int i = 0; i < n_in && cb.fr; i++)
        npy_close(cb.fr[i].r);
    free(w);
    free(names);
    free(cb.fr);
    return rc;
}

/* ---- Weight searches: Sequential MSE, AdaRound ------------------------------------------------------- */

/* Weight encodings from the weights alone, as calibration would compute them. */
static quant_encoding *weight_encodings(const build *b, const quant_quantizer *q, qrc_err *e)
{
    quant_observer *o = quant_observer_new(q->scheme, q->n_channels, q->percentile, e);
    quant_encoding *enc = calloc((size_t)q->n_channels, sizeof *enc);
    const tensor *w = b->g->values[q->value].init;
    if (!o || !enc || quant_observer_update(o, w->data, w->rank, w->dims, q->axis, e) ||
        quant_observer_encodings(o, &q->format, enc, e)) {
        if (!enc)
            err_set(e, "out of memory");
        free(enc);
        enc = NULL;
    }
    quant_observer_free(o);
    return enc;
}

/* The weight quantizer i reads through input 1 of a Conv/Gemm-like node, or NULL. */
static const quant_quantizer *layer_weight(const build *b, int i)
{
    const quant_quantizer *q = quant_sim_get(b->sim, i);
    const graph_node *nd = &b->g->nodes[q->node];
    bool ok = q->role == QUANT_ROLE_WEIGHT && q->format.kind == QUANT_INT && nd->n_in > 1 && nd->in[1] == q->value;
    return ok ? q : NULL;
}

int build_seq_mse(build *b, uint32_t candidates, qrc_err *e)
{
    weight_search ws;
    ptq_range *w = calloc((size_t)quant_sim_count(b->sim) + 1, sizeof *w);
    int rc = -1;
    if (search_open(b, "seq_mse", &ws, e) || !w) {
        if (!w)
            err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < quant_sim_count(b->sim); i++) {
        const quant_quantizer *q = layer_weight(b, i);
        if (!q || q->frozen)
            continue;
        ws.owner[ws.n] = i;
        w[ws.n] = (ptq_range){q->node, q->format, q->axis, calloc((size_t)q->n_channels, sizeof(quant_encoding)),
                              q->n_channels, false};
        if (!w[ws.n++].encs) {
            err_set(e, "out of memory");
            goto done;
        }
    }
    ptq_seq_mse_stats st;
    if (ptq_seq_mse(b->g, w, ws.n, ws.cb.d->n_feeds, ws.names, next_calib_batch, &ws.cb, b->args->threads,
                    (int)candidates, &st, e))
        goto done;
    /* Searched ranges are final: calibration keeps them; skipped layers are calibrated as usual. */
    for (int k = 0; k < ws.n; k++)
        if (w[k].searched && quant_set_encodings(b->sim, ws.owner[k], w[k].encs, w[k].n_encs, e))
            goto done;
    build_say(b, "seq_mse", "%d layers on %lld samples, %u candidates: output error %.3g (min/max) -> %.3g, %d skipped",
              st.layers, (long long)st.samples, candidates, st.error_minmax, st.error_seq_mse, st.skipped);
    rc = 0;
done:
    for (int k = 0; w && k < ws.n; k++)
        free(w[k].encs);
    free(w);
    search_close(&ws);
    return rc;
}

int build_adaround(build *b, const Qrc__AdaroundParams *p, qrc_err *e)
{
    weight_search ws;
    ptq_weight *w = calloc((size_t)quant_sim_count(b->sim) + 1, sizeof *w);
    int rc = -1;
    if (search_open(b, "adaround", &ws, e) || !w) {
        if (!w)
            err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < quant_sim_count(b->sim); i++) {
        const quant_quantizer *q = layer_weight(b, i);
        if (!q)
            continue;
        /* Ranges seq_mse chose (frozen) are kept; otherwise the scheme's, from the weights alone. */
        bool chosen = q->frozen && q->enc;
        quant_encoding *enc = chosen ? malloc(sizeof *enc * (size_t)q->n_channels) : weight_encodings(b, q, e);
        if (!enc) {
            if (chosen)
                err_set(e, "out of memory");
            goto done;
        }
        if (chosen)
            memcpy(enc, q->enc, sizeof *enc * (size_t)q->n_channels);
        ws.owner[ws.n] = i;
        w[ws.n++] = (ptq_weight){q->node, enc, q->n_channels, q->axis};
    }
    /* The float model keeps the original weights: evaluation compares against it. */
    for (int k = 0; k < ws.n; k++) {
        int v = b->g->nodes[w[k].node].in[1];
        tensor *orig = tensor_clone(b->g->values[v].init, e);
        if (!orig || quant_sim_set_float_param(b->sim, v, orig, e))
            goto done;
    }
    ptq_adaround_opts o = {(int)p->iterations, p->reg, p->beta_start, p->beta_end, p->warm_start};
    ptq_adaround_stats st;
    if (ptq_adaround(b->g, w, ws.n, ws.cb.d->n_feeds, ws.names, next_calib_batch, &ws.cb, b->args->threads, &o, &st,
                     e))
        goto done;
    /* The rounded weights sit on these grids: calibration must keep them. */
    for (int k = 0; k < ws.n; k++)
        if (quant_set_encodings(b->sim, ws.owner[k], w[k].encs, w[k].n_encs, e))
            goto done;
    quant_sim_params_changed(b->sim);
    build_say(b, "adaround", "%d layers on %lld samples, %d iterations each: output error %.3g -> %.3g, %d skipped",
              st.layers, (long long)st.samples, o.iterations, st.error_nearest, st.error_adaround, st.skipped);
    rc = 0;
done:
    for (int k = 0; w && k < ws.n; k++)
        free((void *)w[k].encs);
    free(w);
    search_close(&ws);
    return rc;
}

