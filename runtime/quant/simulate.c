/* simulate.c — the two executors (float, and fake-quantized weights) and single-batch runs of each. */
#include <stdlib.h>

#include "sim_internal.h"

void quant_sim_params_changed(quant_sim *s)
{
    exec_free(s->fexec);
    exec_free(s->qexec);
    s->fexec = s->qexec = NULL;
    s->weights_applied = false;
}

int quant_float_exec(quant_sim *s, exec **out, qrc_err *e)
{
    if (!s->fexec) {
        if (exec_new(s->g, s->opts.threads, &s->fexec, e))
            return -1;
        for (int v = 0; s->float_params && v < s->g->n_values; v++) {
            tensor *t = s->float_params[v] ? tensor_clone(s->float_params[v], e) : NULL;
            if (s->float_params[v] && (!t || exec_set_initializer(s->fexec, v, t, e))) {
                exec_free(s->fexec);
                s->fexec = NULL;
                return -1;
            }
        }
    }
    *out = s->fexec;
    return 0;
}

int quant_sim_set_float_param(quant_sim *s, int value, tensor *t, qrc_err *e)
{
    if (value < 0 || value >= s->g->n_values || !s->g->values[value].init)
        return err_set(e, "value %d is not a parameter", value);
    if (!s->float_params && !(s->float_params = calloc((size_t)s->g->n_values, sizeof *s->float_params)))
        return err_set(e, "out of memory");
    tensor_free(s->float_params[value]);
    s->float_params[value] = t;
    quant_sim_params_changed(s);
    return 0;
}

int quant_sim_exec(quant_sim *s, exec **out, qrc_err *e)
{
    if (!s->qexec && exec_new(s->g, s->opts.threads, &s->qexec, e))
        return -1;
    *out = s->qexec;
    return 0;
}

/* A fake-quantized copy of a parameter (rounded to nearest: weights are quantized once). */
static int quantized_param(const quant_sim *s, const quant_quantizer *q, tensor **out, qrc_err *e)
{
    const tensor *w = s->g->values[q->value].init;
    tensor *c = tensor_clone(w, e);
    if (!c)
        return -1;
    if (q->axis >= 0) {
        if (quant_fake_quant_axis(q->enc, q->n_channels, c->data, c->data, c->rank, c->dims, q->axis, e)) {
            tensor_free(c);
            return -1;
        }
    } else {
        quant_fake_quant(q->enc, c->data, c->data, (size_t)tensor_numel(c));
    }
    *out = c;
    return 0;
}

int quant_apply_weights(quant_sim *s, qrc_err *e)
{
    exec *x;
    if (quant_sim_exec(s, &x, e))
        return -1;
    for (int i = 0; i < s->n_q; i++) {
        const quant_quantizer *q = &s->q[i];
        if (q->role != QUANT_ROLE_WEIGHT && q->role != QUANT_ROLE_BIAS)
            continue;
        tensor *w = NULL;
        if (!s->active || s->active[i]) {
            if (!q->enc)
                return err_set(e, "'%s' has no encoding: compute encodings before simulating", q->tensor);
            if (quantized_param(s, q, &w, e))
                return err_wrap(e, "quantizing '%s'", q->tensor);
        }
        if (exec_set_initializer(x, q->value, w, e))
            return err_wrap(e, "'%s'", q->tensor);
    }
    s->weights_applied = !s->active;
    return 0;
}

static int tapped(int value, tensor *t, void *user, qrc_err *e)
{
    quant_sim *s = user;
    if (quant_on_value(value, t, s, e))
        return -1;
    return s->tap(s->g->values[value].name, t, s->tap_user, e);
}

int quant_simulate_tapped(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                          quant_tap_fn tap, void *user, qrc_err *e)
{
    s->tap = tap;
    s->tap_user = user;
    int rc = quant_simulate(s, n, names, inputs, outs, e);
    s->tap = NULL;
    s->tap_user = NULL;
    return rc;
}

int quant_simulate(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                   qrc_err *e)
{
    exec *x;
    if (quant_sim_exec(s, &x, e))
        return -1;
    if ((!s->weights_applied || s->active) && quant_apply_weights(s, e))
        return -1;
    exec_set_observer(x, s->tap ? tapped : quant_on_value, s);
    s->mode = SIM_SIMULATE;
    int rc = exec_run(x, n, names, inputs, outs, e);
    s->mode = SIM_FLOAT;
    exec_set_observer(x, NULL, NULL);
    return rc;
}

int quant_run_float(quant_sim *s, int n, const char *const *names, const tensor *const *inputs, tensor **outs,
                    qrc_err *e)
{
    exec *x;
    if (quant_float_exec(s, &x, e))
        return -1;
    return exec_run(x, n, names, inputs, outs, e);
}
