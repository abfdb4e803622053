/* nn_util.c — errors, graph helpers, window geometry, threads and the oneDNN engine for the nn ops. */
#include "ops/kern.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/checked.h"

int kern_infer_needs(const graph_node *n, int count, qrc_err *e)
{
    for (int i = 0; i < count; i++)
        if (!kern_has_input(n, i))
            return kern_node_err(e, n, "input %d is required", i);
    return 0;
}

bool kern_has_output(const graph *g, const graph_node *n, int i)
{
    graph_value *v = kern_out_value(g, n, i);
    return v && v->name && v->name[0];
}

int kern_check_node(const graph *g, const graph_node *n, int min_in, int max_in, int max_out,
                       const char *const *known, unsigned float_inputs, qrc_err *e)
{
    if (n->n_in < min_in || n->n_in > max_in)
        return kern_node_err(e, n, "takes %d to %d inputs, has %d", min_in, max_in, n->n_in);
    for (int i = 0; i < min_in; i++)
        if (!kern_has_input(n, i))
            return kern_node_err(e, n, "input %d is required", i);
    if (n->n_out < 1 || n->n_out > max_out)
        return kern_node_err(e, n, "takes 1 to %d outputs, has %d", max_out, n->n_out);
    for (int a = 0; a < n->n_attrs; a++) {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(*k, n->attrs[a].name);
        if (!ok)
            return kern_node_err(e, n, "attribute '%s' is not supported", n->attrs[a].name);
        if (kern_check_attr_kind(n, &n->attrs[a], e))
            return -1;
    }
    for (int i = 0; i < n->n_in && i < 32; i++) {
        graph_value *v = kern_in_value(g, n, i);
        if (v && (float_inputs >> i & 1u) && v->dtype != DT_UNDEFINED && v->dtype != DT_FLOAT)
            return kern_node_err(e, n, "input %d '%s' has dtype %s; only float is supported", i, v->name,
                               tensor_dtype_name(v->dtype));
    }
    return 0;
}

int kern_want_float(op_ctx *ctx, const tensor *t, const char *what, int min_rank, int max_rank)
{
    if (!t)
        return kern_fail(ctx, "input %s is missing", what);
    if (t->dtype != DT_FLOAT)
        return kern_fail(ctx, "input %s has dtype %s; only float is supported", what, tensor_dtype_name(t->dtype));
    if (t->rank < min_rank || t->rank > max_rank)
        return kern_fail(ctx, "input %s has rank %d; expected %d to %d", what, t->rank, min_rank, max_rank);
    return 0;
}

static int read_list(const graph_node *n, const char *name, int len, int64_t dflt, int64_t *v, qrc_err *e)
{
    const int64_t *a;
    int c = graph_attr_ints(n, name, &a);
    if (!c) {
        for (int i = 0; i < len; i++)
            v[i] = dflt;
        return 0;
    }
    if (c != len)
        return kern_node_err(e, n, "attribute %s has %d values; expected %d", name, c, len);
    memcpy(v, a, (size_t)len * sizeof *v);
    return 0;
}

int kern_window_read(const graph_node *n, int nsp, const int64_t *kernel, const int64_t *in, bool ceil_mode,
                   kern_window *w, qrc_err *e)
{
    memset(w, 0, sizeof *w);
    if (nsp < 1 || nsp > KERN_MAX_SPATIAL)
        return kern_node_err(e, n, "%d spatial dims are not supported (1 to %d)", nsp, KERN_MAX_SPATIAL);
    w->nsp = nsp;
    int64_t pads[2 * KERN_MAX_SPATIAL];
    if (read_list(n, "strides", nsp, 1, w->s, e) || read_list(n, "dilations", nsp, 1, w->d, e) ||
        read_list(n, "pads", 2 * nsp, 0, pads, e))
        return -1;
    const char *ap = graph_attr_string(n, "auto_pad", "NOTSET");
    bool same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER");
    if (!same && strcmp(ap, "NOTSET") && strcmp(ap, "VALID") && strcmp(ap, ""))
        return kern_node_err(e, n, "auto_pad '%s' is not supported", ap);
    for (int i = 0; i < nsp; i++) {
        w->k[i] = kernel[i];
        w->in[i] = in[i];
        if (w->k[i] < 1 || w->s[i] < 1 || w->d[i] < 1)
            return kern_node_err(e, n, "kernel, strides and dilations must be positive (dim %d: %lld, %lld, %lld)", i,
                               (long long)w->k[i], (long long)w->s[i], (long long)w->d[i]);
        w->pb[i] = !strcmp(ap, "VALID") || same ? 0 : pads[i];
        w->pe[i] = !strcmp(ap, "VALID") || same ? 0 : pads[i + nsp];
        if (w->pb[i] < 0 || w->pe[i] < 0)
            return kern_node_err(e, n, "negative pads are not supported");
        /* Kernel sizes, dilations and pads come from the file: the window arithmetic is checked. */
        int64_t eff, padded, num, total, last;
        if (!checked_mul(w->k[i] - 1, w->d[i], &eff) || !checked_add(eff, 1, &eff))
            return kern_node_err(e, n, "kernel %lld with dilation %lld is too large in spatial dim %d",
                               (long long)w->k[i], (long long)w->d[i], i);
        if (in[i] < 0) {
            w->out[i] = -1;
            continue;
        }
        if (same) {
            w->out[i] = in[i] / w->s[i] + (in[i] % w->s[i] != 0);
            if (!checked_mul(w->out[i] - 1, w->s[i], &total) || !checked_add(total, eff, &total))
                return kern_node_err(e, n, "window arithmetic overflows in spatial dim %d", i);
            total -= in[i];
            if (total < 0)
                total = 0;
            w->pb[i] = !strcmp(ap, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pe[i] = total - w->pb[i];
            continue;
        }
        if (!checked_add(in[i], w->pb[i], &padded) || !checked_add(padded, w->pe[i], &padded))
            return kern_node_err(e, n, "pads %lld and %lld are too large in spatial dim %d", (long long)w->pb[i],
                               (long long)w->pe[i], i);
        num = padded - eff;
        if (num < 0)
            return kern_node_err(e, n, "window of %lld (dilated) exceeds the padded input %lld in spatial dim %d",
                               (long long)eff, (long long)padded, i);
        w->out[i] = (ceil_mode ? num / w->s[i] + (num % w->s[i] != 0) : num / w->s[i]) + 1;
        /* a last window starting inside the end padding is dropped */
        if (ceil_mode && w->out[i] > 1 && checked_mul(w->out[i] - 1, w->s[i], &last) && last >= in[i] + w->pb[i])
            w->out[i]--;
    }
    return 0;
}

int kern_work_threads(const op_ctx *ctx, double macs)
{
    return ctx->threads > 1 && macs >= (double)(1 << 20) ? ctx->threads : 1;
}

void kern_set_threads(int n)
{
    omp_set_num_threads(n < 1 ? 1 : n);
}

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static _Thread_local dnnl_stream_t stream;

static void engine_init(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success)
        engine = NULL;
}

void *kern_dnnl_engine(void)
{
    pthread_once(&engine_once, engine_init);
    return engine;
}

void *kern_dnnl_stream(void)
{
    if (!stream && kern_dnnl_engine() && dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success)
        stream = NULL;
    return stream;
}

int64_t kern_opset(const op_ctx *ctx)
{
    return ctx->graph ? graph_opset_version(ctx->graph, "") : 0;
}

void kern_short_spin(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT") || setenv("GOMP_SPINCOUNT", "1000", 1))
        return;
    execv("/proc/self/exe", argv);
}
