/* fold_bn.c — BatchNormalization folded into a neighbouring linear layer.
 *
 * In inference BN(y) = s·y + t per channel c, with s = γ/√(var + ε) and t = β − μ·s. Backward into the
 * producing Conv / ConvTranspose / Gemm / MatMul (scaling its output channels): W' = W·s, b' = s·b + t.
 * Forward into the consuming layer when there is no such producer (scaling its input channels):
 * W'[., c] = W[., c]·s[c], b' = b + Σ_c W[., c]·t[c]; only exact when the layer pads nothing, since
 * padding would see t where it used to see zeros. A BatchNorm that folds neither way stays, with a
 * note saying why. Parameters other nodes also read are copied before they are scaled. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "util.h"

#define PASS "fold_bn"

typedef struct bn_affine {
    int c;
    double *s, *t;
} bn_affine;

static bool is_op(const graph_node *nd, const char *op)
{
    return !nd->domain[0] && !strcmp(nd->op_type, op);
}

static const tensor *float_const(const graph *g, int v)
{
    const tensor *t = pass_const(g, v);
    return t && t->dtype == DT_FLOAT ? t : NULL;
}

/* s and t of BN node n; fills why and returns -1 when they are not constant float vectors. */
static int bn_params(const graph *g, const graph_node *bn, bn_affine *a, char *why, size_t wn)
{
    if (bn->n_in < 5) {
        snprintf(why, wn, "it has %d inputs, not 5", bn->n_in);
        return -1;
    }
    const tensor *p[4];
    for (int i = 0; i < 4; i++)
        if (!(p[i] = float_const(g, bn->in[i + 1]))) {
            snprintf(why, wn, "its parameter '%s' is not a float constant",
                     bn->in[i + 1] >= 0 ? g->values[bn->in[i + 1]].name : "(none)");
            return -1;
        }
    if (graph_attr_int(bn, "training_mode", 0)) {
        snprintf(why, wn, "it runs in training mode (training_mode=1)");
        return -1;
    }
    for (int i = 1; i < bn->n_out; i++)
        if (bn->out[i] >= 0 && (pass_consumer_count(g, bn->out[i]) || pass_pinned(g, bn->out[i]))) {
            snprintf(why, wn, "its running statistics output '%s' is used", g->values[bn->out[i]].name);
            return -1;
        }
    int64_t c = tensor_numel(p[0]);
    for (int i = 1; i < 4; i++)
        if (tensor_numel(p[i]) != c) {
            snprintf(why, wn, "its parameters have different lengths");
            return -1;
        }
    double eps = graph_attr_float(bn, "epsilon", 1e-5f);
    a->c = (int)c;
    a->s = mem_grow(NULL, (size_t)c + 1, sizeof *a->s);
    a->t = mem_grow(NULL, (size_t)c + 1, sizeof *a->t);
    const float *gm = p[0]->data, *bt = p[1]->data, *mu = p[2]->data, *var = p[3]->data;
    for (int64_t i = 0; i < c; i++) {
        a->s[i] = gm[i] / sqrt((double)var[i] + eps);
        a->t[i] = bt[i] - mu[i] * a->s[i];
    }
    return 0;
}

/* A writable copy of value v's constant: v itself when node `user` is its only reader, else a new
 * initializer. Returns the value index or -1. */
static int own_const(graph *g, int v, qrc_err *e)
{
    if (pass_consumer_count(g, v) == 1 && !pass_pinned(g, v) && !g->values[v].is_input)
        return v;
    tensor *t = tensor_clone(g->values[v].init, e);
    if (!t)
        return -1;
    return pass_new_const(g, g->values[v].name, t);
}

/* A bias name next to the weight's: "conv1.weight" -> "conv1.bias". */
static const char *bias_hint(graph *g, int w)
{
    const char *name = g->values[w].name;
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".weight"))
        return arena_printf(&g->strings, "%.*s.bias", (int)(dot - name), name);
    return arena_printf(&g->strings, "%s_bias", name);
}

/* Output-channel count and the channel of weight element group (i = outer index, j = inner). */
typedef struct wlayout {
    int64_t outer, inner, rest;  /* W viewed as [outer][inner][rest] */
    int64_t channels;            /* channels the BN must have */
} wlayout;

/* Backward fold into producer p (Conv/ConvTranspose/Gemm/MatMul) of BN node bn. */
static int fold_backward(graph *g, int p, int bn, const bn_affine *a, char *why, size_t wn, qrc_err *e)
{
    graph_node *pn = &g->nodes[p];
    int wv = pn->n_in > 1 ? pn->in[1] : -1;
    const tensor *W = wv >= 0 ? float_const(g, wv) : NULL;
    if (!W) {
        snprintf(why, wn, "the weight of '%s' (%s) is not a float constant", pn->name, pn->op_type);
        return 1;
    }
    bool conv = is_op(pn, "Conv"), convt = is_op(pn, "ConvTranspose"), gemm = is_op(pn, "Gemm"),
         matmul = is_op(pn, "MatMul");
    int64_t C = a->c, groups = graph_attr_int(pn, "group", 1);
    int64_t transB = graph_attr_int(pn, "transB", 0);
    if (gemm && graph_attr_int(pn, "transA", 0) < 0)
        return 1;
    int64_t nch;
    if (conv)
        nch = W->rank >= 3 ? W->dims[0] : -1;
    else if (convt)
        nch = W->rank >= 3 ? W->dims[1] * groups : -1;
    else
        nch = W->rank == 2 ? (gemm && transB ? W->dims[0] : W->dims[1]) : -1;
    if (nch != C) {
        snprintf(why, wn, "'%s' (%s) has %lld output channels, the BatchNorm %lld", pn->name, pn->op_type,
                 (long long)nch, (long long)C);
        return 1;
    }
    if (matmul) {
        int x = pn->out[0];
        int a_rank = pn->in[0] >= 0 ? g->values[pn->in[0]].rank : -1;
        if (g->values[x].rank != 2 && a_rank != 2) {
            snprintf(why, wn, "'%s' (MatMul) output is not known to be rank 2, so its last axis is not the "
                     "BatchNorm's channel axis", pn->name);
            return 1;
        }
    }
    /* Bias: existing constant (Conv/ConvTranspose input 2, Gemm C) or zero. */
    int bv = (conv || convt || gemm) && pn->n_in > 2 ? pn->in[2] : -1;
    const tensor *B = bv >= 0 ? float_const(g, bv) : NULL;
    if (bv >= 0 && (!B || (tensor_numel(B) != C && tensor_numel(B) != 1))) {
        snprintf(why, wn, "the bias of '%s' is not a constant vector of %lld", pn->name, (long long)C);
        return 1;
    }
    double beta = gemm ? graph_attr_float(pn, "beta", 1.0f) : 1.0;
    /* Scale the weight's output channels. */
    int w2 = own_const(g, wv, e);
    if (w2 < 0)
        return -1;
    tensor *Wt = g->values[w2].init;
    float *w = Wt->data;
    int64_t n = tensor_numel(Wt);
    if (conv) {
        int64_t per = n / C;
        for (int64_t i = 0; i < n; i++)
            w[i] = (float)(w[i] * a->s[i / per]);
    } else if (convt) {
        int64_t cin = Wt->dims[0], cog = Wt->dims[1], rest = n / (cin * cog), cin_g = cin / groups;
        for (int64_t i = 0; i < cin; i++)
            for (int64_t j = 0; j < cog; j++) {
                int64_t c = (i / cin_g) * cog + j;
                float *q = w + (i * cog + j) * rest;
                for (int64_t k = 0; k < rest; k++)
                    q[k] = (float)(q[k] * a->s[c]);
            }
    } else if (gemm && transB) {
        int64_t K = Wt->dims[1];
        for (int64_t i = 0; i < n; i++)
            w[i] = (float)(w[i] * a->s[i / K]);
    } else {
        for (int64_t i = 0; i < n; i++)
            w[i] = (float)(w[i] * a->s[i % C]);
    }
    pn = &g->nodes[p];
    pn->in[1] = w2;
    /* New bias b' = s·(beta·b) + t. */
    int64_t dims[1] = {C};
    tensor *nb = tensor_new(DT_FLOAT, 1, dims, e);
    if (!nb)
        return -1;
    float *b = nb->data;
    for (int64_t c = 0; c < C; c++) {
        double old = B ? ((const float *)B->data)[tensor_numel(B) == 1 ? 0 : c] * beta : 0.0;
        b[c] = (float)(a->s[c] * old + a->t[c]);
    }
    int y = g->nodes[bn].out[0];
    if (matmul) {
        int bias = pass_new_const(g, arena_printf(&g->strings, "%s_bias", g->values[w2].name), nb);
        char *name = arena_printf(&g->strings, "%s_bias", g->nodes[p].name);
        int ins[2] = {g->nodes[p].out[0], bias};
        int an = graph_node_add(g, "Add", name, 2, ins, 1, &y);
        g->nodes[an].module = g->nodes[p].module;
        g->nodes[bn].dead = true;
        return 0;
    }
    int b2 = bv >= 0 && pass_consumer_count(g, bv) == 1 && !pass_pinned(g, bv) && tensor_numel(B) == C && B->rank == 1
                 ? bv : -1;
    if (b2 >= 0)
        pass_set_const(g, b2, nb);
    else
        b2 = pass_new_const(g, bias_hint(g, w2), nb);
    pn = &g->nodes[p];
    if (pn->n_in < 3) {
        int ins[3] = {pn->in[0], pn->in[1], b2};
        graph_node_set_io(g, p, 3, ins, -1, NULL);
    } else {
        pn->in[2] = b2;
    }
    if (gemm)
        graph_attr_set(g, p, "beta", ATTR_FLOAT)->f = 1.0f;
    /* The layer now writes the BatchNorm's output directly. */
    pn = &g->nodes[p];
    for (int i = 0; i < pn->n_out; i++)
        if (pn->out[i] == g->nodes[bn].in[0])
            pn->out[i] = y;
    g->nodes[bn].dead = true;
    return 0;
}

/* True when a Conv pads nothing (explicit zero pads, or auto_pad VALID / NOTSET without pads). */
static bool pads_nothing(const graph_node *nd)
{
    const char *ap = graph_attr_string(nd, "auto_pad", "NOTSET");
    if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
        return false;
    const int64_t *pads;
    int np = graph_attr_ints(nd, "pads", &pads);
    for (int i = 0; i < np; i++)
        if (pads[i])
            return false;
    return true;
}

/* Forward fold into the single consumer q (Conv / Gemm / MatMul reading the BN output as data). */
static int fold_forward(graph *g, int q, int bn, const bn_affine *a, char *why, size_t wn, qrc_err *e)
{
    graph_node *qn = &g->nodes[q];
    int y = g->nodes[bn].out[0], x = g->nodes[bn].in[0];
    bool conv = is_op(qn, "Conv"), gemm = is_op(qn, "Gemm"), matmul = is_op(qn, "MatMul");
    if (!conv && !gemm && !matmul) {
        snprintf(why, wn, "its input comes from %s and its output goes to '%s' (%s), neither a Conv, Gemm or MatMul",
                 pass_producer(g, x) >= 0 ? "a node that cannot absorb it" : "a graph input", qn->name, qn->op_type);
        return 1;
    }
    if (qn->in[0] != y || (qn->n_in > 1 && qn->in[1] == y)) {
        snprintf(why, wn, "'%s' reads it as a weight, not as data", qn->name);
        return 1;
    }
    if (conv && !pads_nothing(qn)) {
        snprintf(why, wn, "the following '%s' (Conv) pads its input, and padding would see the BatchNorm's shift "
                 "where it now sees zeros", qn->name);
        return 1;
    }
    if (gemm && graph_attr_int(qn, "transA", 0)) {
        snprintf(why, wn, "the following '%s' (Gemm) transposes its input", qn->name);
        return 1;
    }
    if (matmul && g->values[y].rank != 2 && g->values[x].rank != 2) {
        snprintf(why, wn, "the following '%s' (MatMul) input is not known to be rank 2", qn->name);
        return 1;
    }
    int wv = qn->n_in > 1 ? qn->in[1] : -1;
    const tensor *W = wv >= 0 ? float_const(g, wv) : NULL;
    if (!W) {
        snprintf(why, wn, "the weight of the following '%s' is not a float constant", qn->name);
        return 1;
    }
    int64_t C = a->c, groups = conv ? graph_attr_int(qn, "group", 1) : 1;
    int64_t transB = gemm ? graph_attr_int(qn, "transB", 0) : 0;
    int64_t cin = conv ? (W->rank >= 3 ? W->dims[1] * groups : -1)
                       : (W->rank == 2 ? (transB ? W->dims[1] : W->dims[0]) : -1);
    if (cin != C) {
        snprintf(why, wn, "the following '%s' has %lld input channels, the BatchNorm %lld", qn->name,
                 (long long)cin, (long long)C);
        return 1;
    }
    int64_t nout = conv ? W->dims[0] : (transB ? W->dims[0] : W->dims[1]);
    int bv = (conv || gemm) && qn->n_in > 2 ? qn->in[2] : -1;
    const tensor *B = bv >= 0 ? float_const(g, bv) : NULL;
    if (bv >= 0 && (!B || (tensor_numel(B) != nout && tensor_numel(B) != 1))) {
        snprintf(why, wn, "the bias of the following '%s' is not a constant vector", qn->name);
        return 1;
    }
    double alpha = gemm ? graph_attr_float(qn, "alpha", 1.0f) : 1.0;
    double beta = gemm ? graph_attr_float(qn, "beta", 1.0f) : 1.0;
    /* Shift term Σ_c W[o, c]·t[c] from the original weight, then scale the input channels. */
    double *shift = mem_zalloc((size_t)nout + 1, sizeof *shift);
    int w2 = own_const(g, wv, e);
    if (w2 < 0) {
        free(shift);
        return -1;
    }
    float *w = g->values[w2].init->data;
    int64_t n = tensor_numel(g->values[w2].init);
    if (conv) {
        int64_t cg = W->dims[1], rest = n / (nout * cg), og = nout / groups;
        for (int64_t o = 0; o < nout; o++)
            for (int64_t ci = 0; ci < cg; ci++) {
                int64_t c = (o / og) * cg + ci;
                float *p = w + (o * cg + ci) * rest;
                for (int64_t k = 0; k < rest; k++) {
                    shift[o] += p[k] * a->t[c];
                    p[k] = (float)(p[k] * a->s[c]);
                }
            }
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t k = transB ? i % C : i / nout, o = transB ? i / C : i % nout;
            shift[o] += alpha * w[i] * a->t[k];
            w[i] = (float)(w[i] * a->s[k]);
        }
    }
    int64_t dims[1] = {nout};
    tensor *nb = tensor_new(DT_FLOAT, 1, dims, e);
    if (!nb) {
        free(shift);
        return -1;
    }
    for (int64_t o = 0; o < nout; o++) {
        double old = B ? ((const float *)B->data)[tensor_numel(B) == 1 ? 0 : o] * beta : 0.0;
        ((float *)nb->data)[o] = (float)(old + shift[o]);
    }
    free(shift);
    qn = &g->nodes[q];
    qn->in[1] = w2;
    qn->in[0] = x;
    if (matmul) {
        /* MatMul has no bias input: it now writes a fresh value and an Add restores its output. */
        int z = qn->out[0];
        int z2 = graph_value_new(g, g->values[z].name);
        g->nodes[q].out[0] = z2;
        int bias = pass_new_const(g, arena_printf(&g->strings, "%s_bias", g->values[w2].name), nb);
        int ins[2] = {z2, bias};
        char *name = arena_printf(&g->strings, "%s_bias", g->nodes[q].name);
        int an = graph_node_add(g, "Add", name, 2, ins, 1, &z);
        g->nodes[an].module = g->nodes[q].module;
    } else {
        int b2 = bv >= 0 && pass_consumer_count(g, bv) == 1 && !pass_pinned(g, bv) && B->rank == 1 &&
                         tensor_numel(B) == nout ? bv : -1;
        if (b2 >= 0)
            pass_set_const(g, b2, nb);
        else
            b2 = pass_new_const(g, bias_hint(g, w2), nb);
        qn = &g->nodes[q];
        if (qn->n_in < 3) {
            int ins[3] = {qn->in[0], qn->in[1], b2};
            graph_node_set_io(g, q, 3, ins, -1, NULL);
        } else {
            qn->in[2] = b2;
        }
        if (gemm)
            graph_attr_set(g, q, "beta", ATTR_FLOAT)->f = 1.0f;
    }
    g->nodes[bn].dead = true;
    return 0;
}

static const char *const backward_ops[] = {"Conv", "ConvTranspose", "Gemm", "MatMul"};

int pass_fold_bn(graph *g, const pass_opts *o, pass_report *r, qrc_err *e)
{
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fold_bn");
    int folded = 0, n_nodes = g->n_nodes;
    for (int k = 0; k < n_nodes; k++) {
        int bn = g->order[k];
        if (g->nodes[bn].dead || !is_op(&g->nodes[bn], "BatchNormalization") || g->nodes[bn].n_out < 1 ||
            g->nodes[bn].out[0] < 0 || g->nodes[bn].n_in < 1 || g->nodes[bn].in[0] < 0)
            continue;
        char why[512] = "", why2[512] = "";
        bn_affine a = {0};
        const char *bname = g->nodes[bn].name;
        if (bn_params(g, &g->nodes[bn], &a, why, sizeof why) != 0) {
            pass_note_add(r, PASS_WARN, PASS, "bn_not_folded", bname, "BatchNorm '%s' stays: %s", bname, why);
            free(a.s);
            free(a.t);
            continue;
        }
        int x = g->nodes[bn].in[0], y = g->nodes[bn].out[0];
        int p = pass_producer(g, x);
        int rc = 1;
        bool back_ok = false;
        if (p >= 0) {
            bool op_ok = false;
            for (size_t i = 0; i < sizeof backward_ops / sizeof *backward_ops; i++)
                op_ok |= is_op(&g->nodes[p], backward_ops[i]);
            if (!op_ok)
                snprintf(why, sizeof why, "it follows '%s' (%s), which has no weight to fold into", g->nodes[p].name,
                         g->nodes[p].op_type);
            else if (pass_consumer_count(g, x) != 1 || pass_pinned(g, x))
                snprintf(why, sizeof why, "the output of '%s' is also read elsewhere", g->nodes[p].name);
            else
                back_ok = true;
        } else {
            snprintf(why, sizeof why, "its input '%s' is a graph input", g->values[x].name);
        }
        const char *into = NULL;
        if (back_ok) {
            into = g->nodes[p].name;
            rc = fold_backward(g, p, bn, &a, why, sizeof why, e);
        }
        if (rc == 1 && o && o->fold_forward_bn) {
            int q[2];
            int nq = pass_consumers(g, y, q, 2);
            if (nq == 1 && !pass_pinned(g, y)) {
                into = g->nodes[q[0]].name;
                rc = fold_forward(g, q[0], bn, &a, why2, sizeof why2, e);
            } else {
                snprintf(why2, sizeof why2, "its output is read by %d nodes%s", nq, pass_pinned(g, y) ? " and the graph" : "");
            }
        }
        free(a.s);
        free(a.t);
        if (rc < 0)
            return err_wrap(e, "fold_bn: node '%s'", bname);
        if (rc == 0) {
            folded++;
            pass_note_add(r, PASS_INFO, PASS, "bn_folded", bname, "BatchNorm '%s' folded into '%s'", bname, into);
        } else {
            pass_note_add(r, PASS_WARN, PASS, "bn_not_folded", bname,
                          "BatchNorm '%s' stays: backward: %s; forward: %s. It runs as its own op and gets its own "
                          "quantizer; to fold it, export with the BatchNorm directly after a Conv/Gemm whose output "
                          "nothing else reads", bname, why, why2[0] ? why2 : "not tried");
        }
    }
    if (graph_reindex(g, e) != 0)
        return err_wrap(e, "fold_bn");
    r->changes += folded;
    return 0;
}
