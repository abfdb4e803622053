/* conv_fuse.c — rewrites a graph for fast inference: constants folded (pass_fold, which also drops
 * Identity nodes), BatchNormalization folded into the producing Conv (pass_fold_bn, backward only, so the
 * result is exact up to rounding), then each Conv whose only reader is a Relu, LeakyRelu, Clip (with
 * constant bounds), Sigmoid, HardSigmoid or HardSwish merged with it into one com.microsoft FusedConv,
 * which runs the activation inside the convolution; so is each Conv read only by the two halves of a
 * SiLU, Mul(x, Sigmoid(x)) (activation QuickGelu with alpha 1). Intermediate tensors disappear, so this
 * is for running a model, not for observing every tensor (calibration). */
#include "ops/nn_ops.h"

#include <string.h>

#include "ops/kern.h"
#include "pass.h"

/* A float scalar from constant input i of node, or dflt when the input is omitted; -1 when it is not
 * a constant float scalar. */
static int const_scalar(const graph *g, const graph_node *n, int i, float dflt, float *v)
{
    if (!kern_has_input(n, i)) {
        *v = dflt;
        return 0;
    }
    const tensor *t = g->values[n->in[i]].init;
    if (!t || t->dtype != DT_FLOAT || tensor_numel(t) != 1)
        return -1;
    *v = *(const float *)t->data;
    return 0;
}

/* Activation name and parameters for node n, or -1 when it cannot be fused. */
static int activation_of(const graph *g, const graph_node *n, const char **name, float *p, int *np)
{
    if (n->domain[0] || n->n_in < 1 || n->n_out != 1)
        return -1;
    *np = 0;
    if (!strcmp(n->op_type, "Relu") || !strcmp(n->op_type, "Sigmoid") || !strcmp(n->op_type, "HardSwish")) {
        *name = n->op_type;
        return 0;
    }
    if (!strcmp(n->op_type, "LeakyRelu")) {
        *name = "LeakyRelu";
        p[0] = graph_attr_float(n, "alpha", 0.01f);
        *np = 1;
        return 0;
    }
    if (!strcmp(n->op_type, "HardSigmoid")) {
        *name = "HardSigmoid";
        p[0] = graph_attr_float(n, "alpha", 0.2f);
        p[1] = graph_attr_float(n, "beta", 0.5f);
        *np = 2;
        return 0;
    }
    if (!strcmp(n->op_type, "Clip")) {
        *name = "Clip";
        *np = 2;
        if (graph_opset_version(g, "") < 11) {
            p[0] = graph_attr_float(n, "min", -3.402823466e38f);
            p[1] = graph_attr_float(n, "max", 3.402823466e38f);
            return 0;
        }
        return const_scalar(g, n, 1, -3.402823466e38f, &p[0]) || const_scalar(g, n, 2, 3.402823466e38f, &p[1]) ? -1
                                                                                                                   : 0;
    }
    return -1;
}

int kern_silu_mul(const graph *g, int s)
{
    const graph_node *sn = &g->nodes[s];
    if (sn->dead || sn->domain[0] || strcmp(sn->op_type, "Sigmoid") || sn->n_in != 1 || sn->n_out != 1 ||
        sn->in[0] < 0 || sn->out[0] < 0)
        return -1;
    const graph_value *sv = &g->values[sn->out[0]];
    if (sv->is_output || sv->n_consumers != 1)
        return -1;
    const int m = sv->consumers[0], x = sn->in[0], y = sn->out[0];
    const graph_node *mn = &g->nodes[m];
    if (mn->dead || mn->domain[0] || strcmp(mn->op_type, "Mul") || mn->n_in != 2 || mn->n_out != 1)
        return -1;
    return (mn->in[0] == x && mn->in[1] == y) || (mn->in[0] == y && mn->in[1] == x) ? m : -1;
}

/* The Mul ending a SiLU of Conv output v read by exactly that Sigmoid and that Mul; -1 when none. On
 * success *sig is the Sigmoid. */
static int silu_of(const graph *g, const graph_value *v, int *sig)
{
    if (v->n_consumers != 2)
        return -1;
    for (int i = 0; i < 2; i++) {
        const int m = kern_silu_mul(g, v->consumers[i]);
        if (m >= 0 && m == v->consumers[1 - i]) {
            *sig = v->consumers[i];
            return m;
        }
    }
    return -1;
}

int kern_fuse_conv(graph *g, int *fused, qrc_err *e)
{
    pass_opts o = pass_opts_default();
    o.fold_forward_bn = false;
    pass_report r;
    pass_report_init(&r);
    int rc = pass_fold(g, &o, &r, e) || pass_fold_bn(g, &o, &r, e) ? -1 : 0;
    pass_report_free(&r);
    if (rc || graph_reindex(g, e))
        return -1;
    int count = 0;
    for (int k = 0; k < g->n_nodes; k++) {
        graph_node *c = &g->nodes[k];
        if (c->dead || c->domain[0] || strcmp(c->op_type, "Conv") || c->n_out != 1 || c->out[0] < 0)
            continue;
        graph_value *v = &g->values[c->out[0]];
        const char *name = "QuickGelu";
        float p[2] = {1.0f};
        int np = 1, sig, m = v->is_output ? -1 : silu_of(g, v, &sig);
        if (m >= 0)
            g->nodes[sig].dead = true;
        else if (!v->is_output && v->n_consumers == 1 && !g->nodes[v->consumers[0]].dead &&
                 !activation_of(g, &g->nodes[v->consumers[0]], &name, p, &np) &&
                 g->nodes[v->consumers[0]].in[0] == c->out[0])
            m = v->consumers[0];
        else
            continue;
        graph_node *a = &g->nodes[m];
        int out = a->out[0];
        a->dead = true;
        c->op_type = graph_strdup(g, "FusedConv");
        c->domain = graph_strdup(g, "com.microsoft");
        graph_node_set_io(g, k, c->n_in, c->in, 1, &out);
        graph_attr_set(g, k, "activation", ATTR_STRING)->s = graph_strdup(g, name);
        if (np) {
            graph_attr *pa = graph_attr_set(g, k, "activation_params", ATTR_FLOATS);
            pa->n = np;
            pa->floats = graph_alloc(g, sizeof p);
            memcpy(pa->floats, p, (size_t)np * sizeof *p);
        }
        count++;
    }
    if (fused)
        *fused = count;
    return count ? graph_reindex(g, e) : 0;
}
