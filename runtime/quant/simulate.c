/* simulate.c — the two executors (float, and fake-quantized weights) and single-batch runs of each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
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
    if (!s->float_params)
        s->float_params = mem_zalloc((size_t)s->g->n_values, sizeof *s->float_params);
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

int quant_param_fake(const quant_sim *s, const quant_quantizer *q, tensor **out, qrc_err *e)
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

/* The active quantizer with an integer encoding a value carries, or NULL. */
static const quant_quantizer *active_int(const quant_sim *s, int v)
{
    int qi = v >= 0 ? s->carrier[v] : -1;
    if (qi < 0 || (s->active && !s->active[qi]) || !s->q[qi].enc || s->q[qi].enc[0].kind != QUANT_INT)
        return NULL;
    return &s->q[qi];
}

/* A float bias initializer of a Conv or Gemm without a quantizer of its own: what int32_bias rounds. */
static const tensor *float_bias(const quant_sim *s, const graph_node *n)
{
    if ((strcmp(n->op_type, "Conv") && strcmp(n->op_type, "Gemm")) || n->n_in < 3 || n->in[2] < 0 ||
        s->carrier[n->in[2]] >= 0)
        return NULL;
    const tensor *b = s->g->values[n->in[2]].init;
    return b && b->dtype == DT_FLOAT && b->rank == 1 ? b : NULL;
}

/* Under int32_bias, the bias of node n rounded to the grid of input scale x weight scale (per output
 * channel with a per-channel weight), as the QDQ export stores it; *out stays NULL when the bias keeps
 * its float value (no active per-tensor input encoding or matching weight encoding). */
static int int32_bias(const quant_sim *s, const graph_node *n, tensor **out, qrc_err *e)
{
    *out = NULL;
    const tensor *b = float_bias(s, n);
    const quant_quantizer *x = b ? active_int(s, n->in[0]) : NULL, *w = b ? active_int(s, n->in[1]) : NULL;
    if (!x || !w || x->axis >= 0 || (w->axis >= 0 && w->n_channels != b->dims[0]))
        return 0;
    if (!(*out = tensor_clone(b, e)))
        return -1;
    float *d = (*out)->data;
    for (int64_t j = 0; j < b->dims[0]; j++) {
        const float sc = x->enc[0].scale * w->enc[w->axis >= 0 ? j : 0].scale;
        d[j] = (float)(fmax(-2147483648.0, fmin(2147483647.0, nearbyint((double)d[j] / sc))) * sc);
    }
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
            if (quant_param_fake(s, q, &w, e))
                return err_wrap(e, "quantizing '%s'", q->tensor);
        }
        if (exec_set_initializer(x, q->value, w, e))
            return err_wrap(e, "'%s'", q->tensor);
    }
    for (int n = 0; s->opts.int32_bias && n < s->g->n_nodes; n++) {
        tensor *b = NULL;   /* NULL restores the float bias (its input or weight inactive while ranking) */
        if (float_bias(s, &s->g->nodes[n]) &&
            (int32_bias(s, &s->g->nodes[n], &b, e) || exec_set_initializer(x, s->g->nodes[n].in[2], b, e)))
            return err_wrap(e, "bias of '%s'", s->g->nodes[n].name);
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
