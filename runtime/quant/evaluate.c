/* evaluate.c — float and quantized models side by side: accuracy against labels, top-1 agreement and
 * output SQNR, and the SQNR of every quantized activation against its float counterpart. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sim_internal.h"

static double sqnr_db(double sig, double noise)
{
    return noise > 0 ? 10.0 * log10(sig / noise) : INFINITY;
}

static int by_sqnr(const void *a, const void *b)
{
    const quant_layer_sqnr *x = a, *y = b;
    if (x->sqnr_db != y->sqnr_db)
        return x->sqnr_db < y->sqnr_db ? -1 : 1;
    return strcmp(x->tensor, y->tensor);
}

static int64_t argmax(const float *row, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (row[i] > row[best])
            best = i;
    return best;
}

/* Per-run scratch, freed in one place. */
typedef struct eval_state {
    quant_stream st;
    npy_reader *labels;
    tensor **fouts, **qouts;
    bool stream_open;
} eval_state;

static void eval_free(quant_sim *s, eval_state *w)
{
    if (w->stream_open)
        quant_stream_close(&w->st);
    npy_close(w->labels);
    free(w->fouts);
    free(w->qouts);
    for (int i = 0; s->rec && i < s->n_q; i++)
        free(s->rec[i]);
    free(s->rec);
    free(s->rec_n);
    free(s->rec_cap);
    free(s->sig);
    free(s->noise);
    s->rec = NULL;
    s->rec_n = s->rec_cap = NULL;
    s->sig = s->noise = NULL;
    s->compare = false;
    s->mode = SIM_FLOAT;
}

static int open_labels(eval_state *w, const char *path, int64_t rows, qrc_err *e)
{
    if (npy_open(path, &w->labels, e))
        return err_wrap(e, "labels");
    npy_reader *r = w->labels;
    if (r->dtype != DT_INT64 && r->dtype != DT_INT32)
        return err_set(e, "%s: labels must be int64 or int32, not %s", path, tensor_dtype_name(r->dtype));
    if (r->rank > 2 || (r->rank == 2 && r->dims[1] != 1))
        return err_set(e, "%s: labels must hold one class per row", path);
    if (r->dims[0] < rows)
        return err_set(e, "%s: %lld labels for %lld samples", path, (long long)r->dims[0], (long long)rows);
    return 0;
}

static int64_t label_at(const tensor *t, int64_t i)
{
    return t->dtype == DT_INT64 ? ((const int64_t *)t->data)[i] : ((const int32_t *)t->data)[i];
}

int quant_evaluate(quant_sim *s, const quant_data *d, const char *labels, quant_eval *out, qrc_err *e)
{
    memset(out, 0, sizeof *out);
    const graph *g = s->g;
    eval_state w = {0};
    int feeds = d->n_feeds;
    const char *names[feeds];
    tensor *batch[feeds];
    exec *fx, *qx;
    int rc = -1;
    size_t nq = (size_t)s->n_q + 1;
    s->rec = mem_zalloc(nq, sizeof *s->rec);
    s->rec_n = mem_zalloc(nq, sizeof *s->rec_n);
    s->rec_cap = mem_zalloc(nq, sizeof *s->rec_cap);
    s->sig = mem_zalloc(nq, sizeof *s->sig);
    s->noise = mem_zalloc(nq, sizeof *s->noise);
    w.fouts = mem_zalloc((size_t)g->n_outputs + 1, sizeof *w.fouts);
    w.qouts = mem_zalloc((size_t)g->n_outputs + 1, sizeof *w.qouts);
    if (quant_float_exec(s, &fx, e) || quant_sim_exec(s, &qx, e))
        goto done;
    if (!s->weights_applied && quant_apply_weights(s, e))
        goto done;
    w.stream_open = true;
    if (quant_stream_open(&w.st, d, g, e))
        goto done;
    quant_stream_names(&w.st, names);
    if (labels && open_labels(&w, labels, w.st.limit, e))
        goto done;
    out->has_labels = labels != NULL || d->labels != NULL;
    double t_float = 0, t_quant = 0, sig = 0, noise = 0;
    int64_t agree = 0, compared = 0, float_ok = 0, quant_ok = 0, done_rows = 0;
    quant_progress p;
    quant_progress_begin(&p, s, "evaluate", w.st.limit);
    double start = quant_now();
    for (;;) {
        int64_t rows;
        if (quant_stream_next(&w.st, batch, &rows, e))
            goto done;
        if (rows == 0)
            break;
        /* Float first, recording every quantized activation; then the simulation compares with them. */
        exec_set_observer(fx, quant_on_value, s);
        s->mode = SIM_RECORD;
        double t0 = quant_now();
        int r1 = exec_run(fx, feeds, names, (const tensor *const *)batch, w.fouts, e);
        double t1 = quant_now();
        exec_set_observer(fx, NULL, NULL);
        s->compare = true;
        int r2 = r1 ? -1 : quant_simulate(s, feeds, names, (const tensor *const *)batch, w.qouts, e);
        double t2 = quant_now();
        s->compare = false;
        for (int f = 0; f < feeds; f++)
            tensor_free(batch[f]);
        if (r1 || r2) {
            if (!r1)
                for (int o = 0; o < g->n_outputs; o++)
                    tensor_free(w.fouts[o]);
            goto done;
        }
        t_float += t1 - t0;
        t_quant += t2 - t1;
        const tensor *fo = w.fouts[0], *qo = w.qouts[0];
        int64_t n = tensor_numel(fo), classes = fo->rank > 0 ? fo->dims[fo->rank - 1] : 1;
        int64_t per_row = n / rows;
        const float *fv = fo->data, *qv = qo->data;
        for (int64_t i = 0; i < n; i++) {
            double dd = (double)fv[i] - qv[i];
            sig += (double)fv[i] * fv[i];
            noise += dd * dd;
        }
        tensor *lab = NULL;
        if (w.labels && npy_read_rows(w.labels, rows, &lab, e))
            goto done_outs;
        if (!w.labels && d->labels)
            if (!(lab = tensor_view(DT_INT64, 1, &rows, (void *)(d->labels + done_rows)))) {
                err_set(e, "out of memory");
                goto done_outs;
            }
        /* Agreement at every position along the last axis (each time step of a [N,T,C] sequence output);
         * accuracy against labels needs one prediction per sample. */
        int64_t positions = classes > 0 ? per_row / classes : 0;
        if (lab && positions != 1) {
            err_set(e, "%s: labels hold one class per sample but the output has %lld predictions per sample",
                    labels ? labels : d->labels_what, (long long)positions);
            tensor_free(lab);
            goto done_outs;
        }
        for (int64_t i = 0; i < rows * positions; i++)
            agree += argmax(fv + i * classes, classes) == argmax(qv + i * classes, classes);
        compared += rows * positions;
        for (int64_t r = 0; r < rows && lab; r++) {
            int64_t want = label_at(lab, r);
            if (want < 0 || want >= classes) {   /* a wrong label would silently lower the accuracy */
                err_set(e, "%s: label %lld of row %lld is outside the model's %lld classes",
                        labels ? labels : d->labels_what,
                        (long long)want, (long long)(done_rows + r), (long long)classes);
                tensor_free(lab);
                goto done_outs;
            }
            float_ok += argmax(fv + r * per_row, classes) == want;
            quant_ok += argmax(qv + r * per_row, classes) == want;
        }
        tensor_free(lab);
        for (int o = 0; o < g->n_outputs; o++) {
            tensor_free(w.fouts[o]);
            tensor_free(w.qouts[o]);
        }
        done_rows += rows;
        quant_progress_step(&p, done_rows);
        continue;
    done_outs:
        for (int o = 0; o < g->n_outputs; o++) {
            tensor_free(w.fouts[o]);
            tensor_free(w.qouts[o]);
        }
        goto done;
    }
    quant_progress_end(&p);
    if (done_rows == 0) {
        err_set(e, "evaluation: the data has no rows");
        goto done;
    }
    out->samples = done_rows;
    out->seconds = quant_now() - start;
    out->float_top1 = (double)float_ok / (double)done_rows;
    out->quant_top1 = (double)quant_ok / (double)done_rows;
    out->top1_agreement = compared > 0 ? (double)agree / (double)compared : 0;
    out->output_sqnr_db = sqnr_db(sig, noise);
    out->float_images_per_s = t_float > 0 ? (double)done_rows / t_float : 0;
    out->quant_images_per_s = t_quant > 0 ? (double)done_rows / t_quant : 0;
    out->layers = mem_zalloc(nq, sizeof *out->layers);
    for (int i = 0; i < s->n_q; i++) {
        if (s->q[i].role != QUANT_ROLE_ACT && s->q[i].role != QUANT_ROLE_INPUT)
            continue;
        out->layers[out->n_layers++] = (quant_layer_sqnr){s->q[i].tensor, sqnr_db(s->sig[i], s->noise[i])};
    }
    qsort(out->layers, (size_t)out->n_layers, sizeof *out->layers, by_sqnr);
    rc = 0;
done:
    eval_free(s, &w);
    if (rc)
        quant_eval_release(out);
    return rc;
}

void quant_eval_release(quant_eval *r)
{
    free(r->layers);
    r->layers = NULL;
    r->n_layers = 0;
}
