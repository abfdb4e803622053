/* exec_split.c — runs a batch as a sequence of smaller batches when every op treats the images of a
 * batch independently. A network whose early activations are tens of megabytes per batch streams
 * them through main memory between ops; a sub-batch small enough to stay in cache runs the same
 * kernels on the same numbers, so the outputs equal a whole-batch run's. */
#include "exec.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "graph.h"

/* Ops whose output image i depends only on input image i (given the per-node conditions below). */
static const char *const per_image_ops[] = {"Conv", "FusedConv", "Relu", "Clip", "LeakyRelu", "Sigmoid",
                                            "QuickGelu", "Add", "Mul", "Sub", "MaxPool", "AveragePool",
                                            "GlobalAveragePool", "BatchNormalization", "Flatten", "Gemm",
                                            "Identity", NULL};

/* Split a batch whose input exceeds SPLIT_MIN_BYTES into sub-batches of at most SPLIT_SUB_BYTES of input:
 * two 3x224x224 float images (588 KiB each), whose largest MobileNet-style activations (about 10 MB)
 * still fit in the last-level cache, and one image per core for the kernels that split images. */
enum { SPLIT_MIN_BYTES = 2 << 20, SPLIT_SUB_BYTES = 5 << 18 };

static bool is_init(const graph *g, int v)
{
    return v >= 0 && g->values[v].init != NULL;
}

/* True when node n keeps images apart: its op is listed, its constant operands carry no batch, and
 * Flatten / Gemm keep dim 0 as the image index. */
static bool node_per_image(const graph *g, const graph_node *n)
{
    int k = 0;
    while (per_image_ops[k] && strcmp(per_image_ops[k], n->op_type))
        k++;
    if (!per_image_ops[k] || (n->domain[0] && strcmp(n->domain, "com.microsoft")) ||
        (n->domain[0] && strcmp(n->op_type, "FusedConv") && strcmp(n->op_type, "QuickGelu")))
        return false;
    if (!strcmp(n->op_type, "BatchNormalization") && graph_attr_int(n, "training_mode", 0))
        return false;
    if (!strcmp(n->op_type, "Flatten"))
        return graph_attr_int(n, "axis", 1) == 1;
    if (!strcmp(n->op_type, "Gemm"))
        return graph_attr_int(n, "transA", 0) == 0 && n->n_in >= 2 && !is_init(g, n->in[0]) && is_init(g, n->in[1]) &&
               (n->n_in < 3 || n->in[2] < 0 || is_init(g, n->in[2]));
    if (!strcmp(n->op_type, "Add") || !strcmp(n->op_type, "Mul") || !strcmp(n->op_type, "Sub")) {
        /* a constant operand broadcasts over the batch only when it has no batch dim of its own */
        int out_rank = n->out[0] >= 0 ? g->values[n->out[0]].rank : -1;
        for (int i = 0; i < n->n_in; i++)
            if (is_init(g, n->in[i])) {
                const tensor *t = g->values[n->in[i]].init;
                if (out_rank < 0 || (t->rank == out_rank && t->dims[0] != 1))
                    return false;
            } else if (n->in[i] < 0 || g->values[n->in[i]].rank != out_rank) {
                return false;
            }
        return true;
    }
    /* Conv, pooling, BatchNormalization, activations: only the first input is per image */
    for (int i = 1; i < n->n_in; i++)
        if (n->in[i] >= 0 && !is_init(g, n->in[i]))
            return false;
    return n->n_in >= 1 && !is_init(g, n->in[0]);
}

/* A 2-D convolution with one filter per input channel (memory-bound, so the one that gains most). */
static bool is_depthwise(const graph *g, const graph_node *n)
{
    if (strcmp(n->op_type, "Conv") && strcmp(n->op_type, "FusedConv"))
        return false;
    int64_t group = graph_attr_int(n, "group", 1);
    const tensor *w = n->n_in > 1 && n->in[1] >= 0 ? g->values[n->in[1]].init : NULL;
    return group > 1 && w && w->rank == 4 && w->dims[1] == 1;
}

int64_t exec_split_size(const graph *g, int64_t batch, size_t image_bytes)
{
    if (batch < 2 || g->n_outputs < 1 || !image_bytes || image_bytes * (size_t)batch <= SPLIT_MIN_BYTES)
        return batch;
    bool depthwise = false;
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *n = &g->nodes[k];
        if (n->dead)
            continue;
        if (n->n_captures || !node_per_image(g, n))
            return batch;
        depthwise = depthwise || is_depthwise(g, n);
    }
    if (!depthwise)
        return batch;
    int64_t sub = (int64_t)(SPLIT_SUB_BYTES / image_bytes);
    if (sub < 1)
        sub = 1;
    while (batch % sub)   /* equal sub-batches: the kernels' cached plans see one shape */
        sub--;
    return sub;
}

int exec_run_batched(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, tensor **outs,
                     qrc_err *e)
{
    int64_t batch = n_inputs > 0 && inputs[0]->rank > 0 ? inputs[0]->dims[0] : 0;
    for (int i = 0; i < n_inputs; i++)
        if (inputs[i]->rank < 1 || inputs[i]->dims[0] != batch)
            batch = 0;
    if (batch < 2)
        return exec_run(x, n_inputs, names, inputs, outs, e);
    int64_t sub = exec_split_size(exec_graph(x), batch, tensor_nbytes(inputs[0]) / (size_t)batch);
    return exec_run_split(x, n_inputs, names, inputs, sub, outs, e);
}

int exec_run_split(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, int64_t sub,
                   tensor **outs, qrc_err *e)
{
    const graph *g = exec_graph(x);
    int64_t batch = n_inputs > 0 && inputs[0]->rank > 0 ? inputs[0]->dims[0] : 0;
    for (int i = 0; i < n_inputs; i++)
        if (inputs[i]->rank < 1 || inputs[i]->dims[0] != batch)
            return err_set(e, "input '%s' does not share dim 0 (%lld) with the first input", names[i],
                           (long long)batch);
    if (sub < 1 || sub >= batch)
        return exec_run(x, n_inputs, names, inputs, outs, e);
    int no = g->n_outputs, rc = -1;
    const tensor **views = mem_zalloc((size_t)n_inputs, sizeof *views);
    tensor **part = mem_zalloc((size_t)no, sizeof *part);
    for (int i = 0; i < no; i++)
        outs[i] = NULL;
    for (int64_t b0 = 0; b0 < batch; b0 += sub) {
        int64_t nb = batch - b0 < sub ? batch - b0 : sub;
        for (int i = 0; i < n_inputs; i++) {
            int64_t dims[TENSOR_MAX_RANK];
            memcpy(dims, inputs[i]->dims, (size_t)inputs[i]->rank * sizeof *dims);
            size_t img = tensor_nbytes(inputs[i]) / (size_t)batch;
            dims[0] = nb;
            views[i] = tensor_view(inputs[i]->dtype, inputs[i]->rank, dims,
                                   (char *)inputs[i]->data + (size_t)b0 * img);
        }
        int run = exec_run(x, n_inputs, names, views, part, e);
        for (int i = 0; i < n_inputs; i++) {
            tensor_free((tensor *)views[i]);
            views[i] = NULL;
        }
        if (run)
            goto fail;
        for (int o = 0; o < no; o++) {
            tensor *p = part[o];
            if (p->rank < 1 || p->dims[0] != nb) {
                err_set(e, "output '%s' does not keep the batch as dim 0", g->values[g->outputs[o]].name);
                goto fail;
            }
            if (!outs[o]) {
                int64_t dims[TENSOR_MAX_RANK];
                memcpy(dims, p->dims, (size_t)p->rank * sizeof *dims);
                dims[0] = batch;
                if (!(outs[o] = tensor_new(p->dtype, p->rank, dims, e)))
                    goto fail;
            }
            size_t img = tensor_nbytes(p) / (size_t)nb;
            if (outs[o]->dtype != p->dtype || outs[o]->rank != p->rank ||
                memcmp(outs[o]->dims + 1, p->dims + 1, (size_t)(p->rank - 1) * sizeof *p->dims)) {
                err_set(e, "output '%s' changes shape between sub-batches", g->values[g->outputs[o]].name);
                goto fail;
            }
            memcpy((char *)outs[o]->data + (size_t)b0 * img, p->data, tensor_nbytes(p));
            tensor_free(p);
            part[o] = NULL;
        }
    }
    rc = 0;
fail:
    for (int o = 0; o < no; o++) {
        tensor_free(part[o]);
        if (rc) {
            tensor_free(outs[o]);
            outs[o] = NULL;
        }
    }
    free(part);
    free(views);
    return rc;
}
