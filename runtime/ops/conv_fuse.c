/* conv_fuse.c — rewrites a graph for fast inference: constants folded (pass_fold, which also drops
 * Identity nodes), BatchNormalization folded into the producing
 * Conv (pass_fold_bn, backward only, so the result is exact up to rounding), then each Conv whose only
 * reader is a Relu, LeakyRelu or Clip (with constant bounds) merged with it into one com.microsoft
 * FusedConv, which runs the activation inside the convolution. Intermediate tensors disappear, so this
 * is for running a model, not for observing every tensor (calibration). */
#include "ops/nn_ops.h"

#include <string.h>

#include "ops/nn.h"
#include "pass.h"

/* A float scalar from constant input i of node, or dflt when the input is omitted; -1 when it is not
 * a constant float scalar. */
static int const_scalar(const graph *g, const graph_node *n, int i, float dflt, float *v)
{
    if (!kern_nn_has_in(n, i)) {
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
    if (!strcmp(n->op_type, "Relu")) {
        *name = "Relu";
        return 0;
    }
    if (!strcmp(n->op_type, "LeakyRelu")) {
        *name = "LeakyRelu";
        p[0] = graph_attr_float(n, "alpha", 0.01f);
        *np = 1;
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

int kern_nn_fuse_conv(graph *g, int *fused, qrc_err *e)
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
        if (v->is_output || v->n_consumers != 1)
            continue;
        graph_node *a = &g->nodes[v->consumers[0]];
        const char *name;
        float p[2];
        int np;
        if (a->dead || activation_of(g, a, &name, p, &np) || a->in[0] != c->out[0])
            continue;
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
