/* sensitivity_local.c — the ranking that scales: one float pass over a few batches measures, for every op
 * owning quantizers, the noise its own quantizers add to its output while its inputs stay exact. Weights:
 * the op is run once more on its float inputs with fake-quantized parameters (inputs are copied only until
 * that op has read them, so memory stays near the float run's). Activations: the output quantizer's
 * noise on the float output, its range and the fraction it clips. Costs about two float passes over the
 * ranking batches instead of one pass per op. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "passes/util.h"
#include "sim_internal.h"

enum { CHUNK = 4096 };

typedef struct local_state {
    quant_sim *s;
    tensor **param;            /* per value: fake-quantized parameter, or NULL */
    bool *weighted;            /* per node: reads a fake-quantized parameter */
    int *readers, *pending;    /* per value: weighted nodes reading it (per input slot), still to run */
    tensor **held;             /* per value: float copy kept for the weighted readers */
    double *w_sig, *w_noise;   /* per node: output 0 with fake-quantized parameters vs float */
    double *a_sig, *a_noise;   /* per quantizer: fake-quantized activation vs float */
    int64_t *a_clip, *a_n;
    float scratch[CHUNK];
} local_state;

static void add_noise(const float *f, const float *q, size_t n, double *sig, double *noise)
{
    for (size_t i = 0; i < n; i++) {
        double d = (double)f[i] - q[i];
        *sig += (double)f[i] * f[i];
        *noise += d * d;
    }
}

/* Output 0 of weighted node n again, on the float inputs with fake-quantized parameters. */
static int weight_noise(local_state *L, int n, const tensor *f, qrc_err *e)
{
    const graph *g = L->s->g;
    const graph_node *nd = &g->nodes[n];
    const tensor *in[nd->n_in + 1];
    tensor *out[nd->n_out + 1];
    for (int i = 0; i < nd->n_in; i++) {
        int v = nd->in[i];
        in[i] = v < 0 ? NULL : L->param[v] ? L->param[v] : g->values[v].init ? g->values[v].init : L->held[v];
        if (v >= 0 && !in[i])
            return err_set(e, "ranking '%s': input '%s' was not kept", nd->name, g->values[v].name);
    }
    if (pass_run_node(g, n, in, out, e))
        return err_wrap(e, "ranking");
    if (out[0] && out[0]->dtype == DT_FLOAT && tensor_numel(out[0]) == tensor_numel(f))
        add_noise(f->data, out[0]->data, (size_t)tensor_numel(f), &L->w_sig[n], &L->w_noise[n]);
    for (int i = 0; i < nd->n_out; i++)
        tensor_free(out[i]);
    for (int i = 0; i < nd->n_in; i++) {
        int v = nd->in[i];
        if (v >= 0 && L->held[v] && --L->pending[v] == 0) {
            tensor_free(L->held[v]);
            L->held[v] = NULL;
        }
    }
    return 0;
}

static void act_noise(local_state *L, int qi, const tensor *t)
{
    const quant_quantizer *q = &L->s->q[qi];
    const quant_encoding *enc = q->enc;
    const float *x = t->data;
    size_t n = (size_t)tensor_numel(t);
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t m = n - at < CHUNK ? n - at : CHUNK;
        quant_fake_quant(enc, x + at, L->scratch, m);
        add_noise(x + at, L->scratch, m, &L->a_sig[qi], &L->a_noise[qi]);
        if (enc->kind == QUANT_INT)
            for (size_t i = 0; i < m; i++)
                L->a_clip[qi] += x[at + i] < enc->min || x[at + i] > enc->max;
    }
    L->a_n[qi] += (int64_t)n;
}

static int on_value(int v, tensor *t, void *user, qrc_err *e)
{
    local_state *L = user;
    quant_sim *s = L->s;
    if (t->dtype != DT_FLOAT)
        return 0;
    int n = s->g->values[v].producer;
    if (n >= 0 && L->weighted[n] && s->g->nodes[n].out[0] == v && weight_noise(L, n, t, e))
        return -1;
    int qi = s->carrier[v];
    if (qi >= 0 && s->q[qi].value == v && s->q[qi].axis < 0 && s->q[qi].enc &&
        (s->q[qi].role == QUANT_ROLE_ACT || s->q[qi].role == QUANT_ROLE_INPUT))
        act_noise(L, qi, t);
    if (L->readers[v] > 0) {
        if (!(L->held[v] = tensor_clone(t, e)))
            return -1;
        L->pending[v] = L->readers[v];
    }
    return 0;
}

static void local_free(local_state *L)
{
    const graph *g = L->s->g;
    for (int v = 0; v < g->n_values; v++) {
        if (L->param)
            tensor_free(L->param[v]);
        if (L->held)
            tensor_free(L->held[v]);
    }
    free(L->param);
    free(L->held);
    free(L->weighted);
    free(L->readers);
    free(L->pending);
    free(L->w_sig);
    free(L->w_noise);
    free(L->a_sig);
    free(L->a_noise);
    free(L->a_clip);
    free(L->a_n);
    free(L);
}

/* Fake-quantized parameters read directly by a node; the nodes reading them and their other inputs. */
static int local_setup(local_state *L, qrc_err *e)
{
    quant_sim *s = L->s;
    const graph *g = s->g;
    for (int i = 0; i < s->n_q; i++) {
        const quant_quantizer *q = &s->q[i];
        if ((q->role == QUANT_ROLE_WEIGHT || q->role == QUANT_ROLE_BIAS) && !L->param[q->value] &&
            quant_param_fake(s, q, &L->param[q->value], e))
            return err_wrap(e, "quantizing '%s'", q->tensor);
    }
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        for (int i = 0; i < nd->n_in; i++)
            L->weighted[n] |= nd->in[i] >= 0 && L->param[nd->in[i]] != NULL;
        for (int i = 0; L->weighted[n] && i < nd->n_in; i++)
            if (nd->in[i] >= 0 && !g->values[nd->in[i]].init)
                L->readers[nd->in[i]]++;
    }
    return 0;
}

static double nsr(double sig, double noise)
{
    return noise > 0 ? (sig > 0 ? noise / sig : INFINITY) : 0.0;
}

static double db(double ratio)
{
    return ratio > 0 ? -10.0 * log10(ratio) : INFINITY;
}

/* Relative weight noise measured straight on the parameter, for a weight no node reads directly. */
static double param_nsr(const local_state *L, const quant_quantizer *q)
{
    const tensor *w = L->s->g->values[q->value].init, *f = L->param[q->value];
    double sig = 0, noise = 0;
    if (w && f)
        add_noise(w->data, f->data, (size_t)tensor_numel(w), &sig, &noise);
    return nsr(sig, noise);
}

static void fill(const local_state *L, int node, quant_sens_info *out)
{
    const quant_sim *s = L->s;
    double w = 0, a = 0;
    bool own_w = false;
    out->act_min = out->act_max = out->clipped = 0;
    for (int i = 0; i < s->n_q; i++) {
        const quant_quantizer *q = &s->q[i];
        if (q->node != node)
            continue;
        if (q->role == QUANT_ROLE_ACT && q->value >= 0 && s->carrier[q->value] == i) {
            a += nsr(L->a_sig[i], L->a_noise[i]);
            if (q->enc) {
                out->act_min = q->enc[0].min;
                out->act_max = q->enc[0].max;
            }
            out->clipped = L->a_n[i] ? (double)L->a_clip[i] / (double)L->a_n[i] : 0;
        } else if (q->role == QUANT_ROLE_WEIGHT && !L->weighted[node]) {
            w += param_nsr(L, q);
        }
        own_w |= q->role == QUANT_ROLE_WEIGHT || q->role == QUANT_ROLE_BIAS;
    }
    if (own_w && L->weighted[node])
        w += nsr(L->w_sig[node], L->w_noise[node]);
    out->weight_sqnr_db = db(w);
    out->act_sqnr_db = db(a);
    out->sqnr_db = db(w + a);
}

/* The float model over the first ranking batches, the observer measuring. */
static int observe_batches(local_state *L, exec *x, const quant_data *d, qrc_err *e)
{
    const graph *g = L->s->g;
    int max_batches = L->s->opts.sensitivity_batches > 0 ? L->s->opts.sensitivity_batches : 4;
    quant_stream st;
    if (quant_stream_open(&st, d, g, e)) {
        quant_stream_close(&st);
        return -1;
    }
    const char *names[d->n_feeds + 1];
    tensor *batch[d->n_feeds + 1], *outs[g->n_outputs + 1];
    quant_stream_names(&st, names);
    exec_set_observer(x, on_value, L);
    int failed = 0;
    for (int b = 0; b < max_batches && !failed; b++) {
        int64_t rows;
        if ((failed = quant_stream_next(&st, batch, &rows, e)) || rows == 0)
            break;
        failed = exec_run(x, d->n_feeds, names, (const tensor *const *)batch, outs, e);
        for (int f = 0; f < d->n_feeds; f++)
            tensor_free(batch[f]);
        for (int o = 0; !failed && o < g->n_outputs; o++)
            tensor_free(outs[o]);
        for (int v = 0; v < g->n_values; v++) {   /* readers that never ran (a dead branch) */
            tensor_free(L->held[v]);
            L->held[v] = NULL;
        }
    }
    exec_set_observer(x, NULL, NULL);
    quant_stream_close(&st);
    return failed ? -1 : 0;
}

int quant_rank_local(quant_sim *s, const quant_data *d, const int *nodes, int n_ops, quant_sens_info *out,
                     qrc_err *e)
{
    const graph *g = s->g;
    size_t nv = (size_t)g->n_values + 1, nn = (size_t)g->n_nodes + 1, nq = (size_t)s->n_q + 1;
    local_state *L = mem_zalloc(1, sizeof *L);
    L->s = s;
    L->param = mem_zalloc(nv, sizeof *L->param);
    L->held = mem_zalloc(nv, sizeof *L->held);
    L->readers = mem_zalloc(nv, sizeof *L->readers);
    L->pending = mem_zalloc(nv, sizeof *L->pending);
    L->weighted = mem_zalloc(nn, sizeof *L->weighted);
    L->w_sig = mem_zalloc(nn, sizeof *L->w_sig);
    L->w_noise = mem_zalloc(nn, sizeof *L->w_noise);
    L->a_sig = mem_zalloc(nq, sizeof *L->a_sig);
    L->a_noise = mem_zalloc(nq, sizeof *L->a_noise);
    L->a_clip = mem_zalloc(nq, sizeof *L->a_clip);
    L->a_n = mem_zalloc(nq, sizeof *L->a_n);
    int rc = -1;
    exec *x = NULL;
    if (local_setup(L, e) || quant_float_exec(s, &x, e))
        goto done;
    if (observe_batches(L, x, d, e))
        goto done;
    for (int k = 0; k < n_ops; k++) {
        out[k].node = nodes[k];
        fill(L, nodes[k], &out[k]);
    }
    rc = 0;
done:
    local_free(L);
    return rc;
}
