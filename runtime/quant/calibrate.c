/* calibrate.c — streaming calibration: every activation quantizer's observer sees each batch through the
 * executor's observer hook, weights are observed once; encodings follow from the statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sim_internal.h"

static int record(quant_sim *s, int qi, const tensor *t, qrc_err *e)
{
    size_t n = (size_t)tensor_numel(t);
    if (s->rec_cap[qi] < n) {
        float *p = realloc(s->rec[qi], n * sizeof *p);
        if (!p)
            return err_set(e, "out of memory recording '%s' (%zu bytes)", s->q[qi].tensor, n * sizeof *p);
        s->rec[qi] = p;
        s->rec_cap[qi] = n;
    }
    memcpy(s->rec[qi], t->data, n * sizeof(float));
    s->rec_n[qi] = n;
    return 0;
}

static void compare(quant_sim *s, int qi, const float *x, size_t n)
{
    if (s->rec_n[qi] != n)
        return;
    const float *r = s->rec[qi];
    double sig = 0, noise = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)r[i] - x[i];
        sig += (double)r[i] * r[i];
        noise += d * d;
    }
    s->sig[qi] += sig;
    s->noise[qi] += noise;
}

int quant_on_value(int value, tensor *t, void *user, qrc_err *e)
{
    quant_sim *s = user;
    int qi = s->carrier[value];
    if (qi < 0 || t->dtype != DT_FLOAT)
        return 0;
    quant_quantizer *q = &s->q[qi];
    /* Values passing a shared encoding through are already on their source's grid. */
    if (q->value != value || q->role == QUANT_ROLE_WEIGHT || q->role == QUANT_ROLE_BIAS)
        return 0;
    size_t n = (size_t)tensor_numel(t);
    switch (s->mode) {
    case SIM_CALIBRATE:
        if (!s->obs || !s->obs[qi])
            return 0;
        if (quant_observer_update(s->obs[qi], t->data, t->rank, t->dims, 0, e))
            return err_wrap(e, "observing '%s'", q->tensor);
        return 0;
    case SIM_RECORD:
        return record(s, qi, t, e);
    case SIM_SIMULATE:
        if (s->active && !s->active[qi])
            return 0;
        if (!q->enc)
            return err_set(e, "'%s' has no encoding: compute encodings before simulating", q->tensor);
        if (s->opts.stochastic)
            quant_fake_quant_stochastic(q->enc, t->data, t->data, n, s->opts.seed, s->stream++);
        else
            quant_fake_quant(q->enc, t->data, t->data, n);
        if (s->compare)
            compare(s, qi, t->data, n);
        return 0;
    default:
        return 0;
    }
}

void quant_reset_encodings(quant_sim *s)
{
    if (s->obs) {
        for (int i = 0; i < s->n_q; i++)
            quant_observer_free(s->obs[i]);
        free(s->obs);
        s->obs = NULL;
    }
    for (int i = 0; i < s->n_q; i++)
        if (!s->q[i].frozen) {
            free(s->q[i].enc);
            s->q[i].enc = NULL;
        }
    s->weights_applied = false;
}

/* Observers for every quantizer that needs statistics; weights are folded at once. */
static int make_observers(quant_sim *s, qrc_err *e)
{
    s->obs = mem_zalloc(s->n_q > 0 ? (size_t)s->n_q : 1, sizeof *s->obs);
    for (int i = 0; i < s->n_q; i++) {
        quant_quantizer *q = &s->q[i];
        if (q->frozen || q->has_constraint)
            continue;
        s->obs[i] = quant_observer_new(q->scheme, q->n_channels, q->percentile, e);
        if (!s->obs[i])
            return err_wrap(e, "'%s'", q->tensor);
        quant_observer_set_threads(s->obs[i], s->opts.threads);
        if (q->role == QUANT_ROLE_WEIGHT || q->role == QUANT_ROLE_BIAS) {
            const tensor *w = s->g->values[q->value].init;
            if (quant_observer_update(s->obs[i], w->data, w->rank, w->dims, q->axis, e))
                return err_wrap(e, "'%s'", q->tensor);
        }
    }
    return 0;
}

static int calibrate_once(quant_sim *s, const quant_data *d, qrc_err *e)
{
    quant_reset_encodings(s);
    if (make_observers(s, e))
        return -1;
    exec *x;
    if (quant_float_exec(s, &x, e))
        return -1;
    quant_stream st;
    if (quant_stream_open(&st, d, s->g, e)) {
        quant_stream_close(&st);
        return -1;
    }
    const char *names[d->n_feeds];
    tensor *batch[d->n_feeds];
    quant_stream_names(&st, names);
    tensor **outs = mem_zalloc((size_t)s->g->n_outputs + 1, sizeof *outs);
    quant_progress p;
    quant_progress_begin(&p, s, "calibrate", st.limit);
    exec_set_observer(x, quant_on_value, s);
    s->mode = SIM_CALIBRATE;
    int rc = 0;
    int64_t rows, done = 0;
    while ((rc = quant_stream_next(&st, batch, &rows, e)) == 0 && rows > 0) {
        rc = exec_run(x, d->n_feeds, names, (const tensor *const *)batch, outs, e);
        for (int f = 0; f < d->n_feeds; f++)
            tensor_free(batch[f]);
        if (rc)
            break;
        for (int o = 0; o < s->g->n_outputs; o++)
            tensor_free(outs[o]);
        done += rows;
        quant_progress_step(&p, done);
    }
    quant_progress_end(&p);
    s->mode = SIM_FLOAT;
    exec_set_observer(x, NULL, NULL);
    free(outs);
    quant_stream_close(&st);
    if (rc)
        return err_wrap(e, "calibration");
    if (done == 0)
        return err_set(e, "calibration: the data has no rows");
    return 0;
}

static bool has_sensitivity_rules(const quant_sim *s)
{
    for (int i = 0; i < s->n_rules; i++)
        if (s->rules[i].r.select == QUANT_SEL_SENSITIVITY)
            return true;
    return false;
}

int quant_calibrate(quant_sim *s, const quant_data *d, qrc_err *e)
{
    if (has_sensitivity_rules(s) && s->n_sens == 0) {
        if (calibrate_once(s, d, e) || quant_compute_encodings(s, e) || quant_rank_sensitivity(s, d, e))
            return -1;
    }
    return calibrate_once(s, d, e);
}

int quant_compute_encodings(quant_sim *s, qrc_err *e)
{
    for (int i = 0; i < s->n_q; i++) {
        quant_quantizer *q = &s->q[i];
        if (q->frozen)
            continue;
        if (!q->has_constraint && (!s->obs || !s->obs[i]))
            return err_set(e, "'%s' has no statistics: calibrate first", q->tensor);
        if (!q->has_constraint && quant_observer_batches(s->obs[i]) == 0)
            return err_set(e, "'%s' was never computed during calibration", q->tensor);
        free(q->enc);
        q->enc = mem_zalloc((size_t)q->n_channels, sizeof *q->enc);
        int rc = 0;
        if (q->has_constraint)
            for (int c = 0; c < q->n_channels && !rc; c++)
                rc = quant_encoding_from_range(&q->format, q->constraint_min, q->constraint_max, &q->enc[c], e);
        else
            rc = quant_observer_encodings(s->obs[i], &q->format, q->enc, e);
        if (rc)
            return err_wrap(e, "encoding of '%s'", q->tensor);
    }
    if (s->obs) {
        for (int i = 0; i < s->n_q; i++)
            quant_observer_free(s->obs[i]);
        free(s->obs);
        s->obs = NULL;
    }
    s->weights_applied = false;
    return 0;
}

int quant_set_encodings(quant_sim *s, int i, const quant_encoding *enc, int n, qrc_err *e)
{
    if (i < 0 || i >= s->n_q)
        return err_set(e, "no quantizer %d", i);
    quant_quantizer *q = &s->q[i];
    if (n != q->n_channels)
        return err_set(e, "'%s' has %d channels, %d encodings given", q->tensor, q->n_channels, n);
    for (int c = 0; c < n; c++)
        if (enc[c].kind == QUANT_INT && (!(enc[c].scale > 0) || !isfinite(enc[c].scale) ||
                                         enc[c].bitwidth < QUANT_MIN_BITWIDTH || enc[c].bitwidth > QUANT_MAX_BITWIDTH))
            return err_set(e, "'%s' channel %d: invalid encoding (scale %g, bitwidth %d)", q->tensor, c,
                           enc[c].scale, enc[c].bitwidth);
    quant_encoding *copy = mem_grow(NULL, (size_t)n, sizeof *copy);
    memcpy(copy, enc, sizeof *copy * (size_t)n);
    free(q->enc);
    q->enc = copy;
    q->frozen = true;
    s->weights_applied = false;
    return 0;
}
