/* hostile_models — writes small ONNX models whose shapes, attributes or constants ask for the absurd:
 *   hostile_models DIR [CHAIN_LENGTH]
 * DIR/<name>.onnx plus DIR/<name>.x.npy (the input "x") for each case below. tests/suites/hostile.sh runs
 * every one through `qrc run` and `qrc check`, which must refuse it with a message naming the node, without
 * crashing, hanging or allocating what was asked for. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_fixture.h"
#include "npy.h"
#include "onnx.h"

static const char *dir;
#define BIG ((int64_t)1 << 62)

static void die(const char *what, const qrc_err *e)
{
    fprintf(stderr, "hostile_models: %s: %s\n", what, e ? e->msg : "failed");
    exit(1);
}

static void constant(graph *g, const char *name, tensor_dtype dt, int n, const void *data)
{
    qrc_err e;
    int64_t d = n;
    tensor *t = tensor_new(dt, 1, &d, &e);
    if (!t)
        die(name, &e);
    memcpy(t->data, data, (size_t)n * tensor_dtype_size(dt));
    int v = fx_value(g, name, dt, 1, &d);
    g->values[v].init = t;
}

static void ints(graph *g, const char *name, int n, const int64_t *v)
{
    constant(g, name, DT_INT64, n, v);
}

static void floats(graph *g, const char *name, int n, const float *v)
{
    constant(g, name, DT_FLOAT, n, v);
}

/* A node reading the comma-separated inputs (an empty name is an omitted input) and writing `outs`. */
static int node(graph *g, const char *op, const char *ins, const char *outs)
{
    int in[16], out[16], ni = 0, no = 0;
    char buf[256];
    const char *lists[2] = {ins, outs};
    int *idx[2] = {in, out}, *cnt[2] = {&ni, &no};
    for (int k = 0; k < 2; k++) {
        if (!lists[k])
            continue;
        snprintf(buf, sizeof buf, "%s", lists[k]);
        for (char *p = buf, *c; p; p = c ? c + 1 : NULL) {
            c = strchr(p, ',');
            if (c)
                *c = 0;
            idx[k][(*cnt[k])++] = *p ? graph_value_get(g, p) : -1;
        }
    }
    char name[64];
    snprintf(name, sizeof name, "/%s_0", op);
    return graph_node_add(g, op, name, ni, in, no, out);
}

static void attr_float(graph *g, int n, const char *name, float f)
{
    graph_attr_set(g, n, name, ATTR_FLOAT)->f = f;
}

/* Saves g with input x (float, dims) and output y, and writes a matching x. */
static void save(graph *g, const char *name, int rank, const int64_t *dims)
{
    qrc_err e;
    int x = fx_value(g, "x", DT_FLOAT, rank, dims);
    int y = graph_value_get(g, "y");
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    if (graph_reindex(g, &e))
        die(name, &e);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    if (onnx_save(g, path, &e))
        die(path, &e);
    graph_free(g);
    int64_t real[TENSOR_MAX_RANK];
    for (int i = 0; i < rank; i++)
        real[i] = dims[i] > 64 || dims[i] < 0 ? 2 : dims[i];
    tensor *t = tensor_new(DT_FLOAT, rank, real, &e);
    if (!t)
        die(name, &e);
    for (int64_t i = 0; i < tensor_numel(t); i++)
        ((float *)t->data)[i] = (float)(i % 7) - 3.0f;
    snprintf(path, sizeof path, "%s/%s.x.npy", dir, name);
    if (npy_write(path, t, &e))
        die(path, &e);
    tensor_free(t);
}

/* A one-op model: x -> op(x, constants...) -> y. */
static graph *unary(const char *op, const char *extra_inputs, int opset, int *n)
{
    graph *g = fx_model(opset);
    char ins[128];
    snprintf(ins, sizeof ins, "x%s%s", extra_inputs ? "," : "", extra_inputs ? extra_inputs : "");
    *n = node(g, op, ins, "y");
    return g;
}

static void conv(const char *name, const char *attr, int k, const int64_t *v, const char *ins)
{
    graph *g = fx_model(13);
    float w[9] = {0};
    int64_t wd[4] = {1, 1, 3, 3};
    int wv = fx_value(g, "w", DT_FLOAT, 4, wd);
    qrc_err e;
    g->values[wv].init = tensor_new(DT_FLOAT, 4, wd, &e);
    memcpy(g->values[wv].init->data, w, sizeof w);
    int n = node(g, "Conv", ins, "y");
    if (attr)
        fx_ints_attr(g, n, attr, k, v);
    save(g, name, 4, (int64_t[]){1, 1, 4, 4});
}

/* Huge counts: chains of n Identity nodes and of n inference-mode Dropout nodes whose masks nobody reads
 * must load, check, prepare and run in time linear in n. */
static void chains(int n)
{
    const int64_t d2[2] = {2, 3};
    graph *g = fx_model(13);
    for (int i = 0; i < n; i++) {
        char ins[40], outs[40];
        snprintf(ins, sizeof ins, i ? "t%d" : "x", i - 1);
        snprintf(outs, sizeof outs, i == n - 1 ? "y" : "t%d", i);
        node(g, "Identity", ins, outs);
    }
    save(g, "identity_chain", 2, d2);
    g = fx_model(13);
    for (int i = 0; i < n; i++) {
        char ins[40], out[40], outs[80];
        snprintf(ins, sizeof ins, i ? "d%d" : "x", i - 1);
        snprintf(out, sizeof out, "d%d", i);
        snprintf(outs, sizeof outs, "%s,mask%d", i == n - 1 ? "y" : out, i);
        node(g, "Dropout", ins, outs);
    }
    save(g, "dropout_chain", 2, d2);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: hostile_models DIR [CHAIN_LENGTH]\n");
        return 2;
    }
    dir = argv[1];
    if (argc == 3) {   /* only the two chains, of the given length (the linear_time suite) */
        chains(atoi(argv[2]));
        return 0;
    }
    int n;
    graph *g;
    const int64_t d2[2] = {2, 3}, d1[1] = {4};

    /* overflow: shapes whose arithmetic does not fit in 64 bits */
    ints(g = unary("Reshape", "s", 13, &n), "s", 2, (int64_t[]){BIG, 4});
    save(g, "reshape_overflow", 2, d2);
    ints(g = unary("Reshape", "s", 13, &n), "s", 3, (int64_t[]){-1, BIG, 2});
    save(g, "reshape_infer_overflow", 2, d2);
    ints(g = unary("Reshape", "s", 13, &n), "s", 2, (int64_t[]){-5, 6});
    save(g, "reshape_negative", 2, d2);
    conv("conv_huge_pads", "pads", 4, (int64_t[]){BIG, BIG, BIG, BIG}, "x,w");
    conv("conv_huge_dilation", "dilations", 2, (int64_t[]){BIG, 1}, "x,w");
    conv("conv_negative_pads", "pads", 4, (int64_t[]){-3, 0, 0, 0}, "x,w");
    conv("conv_no_inputs", NULL, 0, NULL, NULL);
    conv("conv_omitted_inputs", NULL, 0, NULL, ",");
    conv("conv_weight_only", NULL, 0, NULL, ",w");
    ints(g = unary("Tile", "r", 13, &n), "r", 1, (int64_t[]){BIG});
    save(g, "tile_overflow", 1, d1);
    ints(g = unary("Tile", "r", 13, &n), "r", 1, (int64_t[]){-2});
    save(g, "tile_negative", 1, d1);
    ints(g = unary("Pad", "p", 13, &n), "p", 2, (int64_t[]){INT64_MAX, INT64_MAX});
    save(g, "pad_overflow", 1, d1);
    ints(g = unary("Pad", "p", 13, &n), "p", 2, (int64_t[]){-9, 0});
    save(g, "pad_negative", 1, d1);
    g = unary("Flatten", NULL, 13, &n);
    save(g, "flatten_overflow", 4, (int64_t[]){(int64_t)1 << 40, (int64_t)1 << 40, 1 << 20, 1 << 20});

    /* absurd sizes: each must fail with a size error before allocating */
    ints(g = unary("Expand", "s", 13, &n), "s", 3, (int64_t[]){1 << 20, 1 << 20, 1 << 20});
    save(g, "expand_huge", 1, (int64_t[]){1});
    ints(g = unary("Tile", "r", 13, &n), "r", 1, (int64_t[]){(int64_t)1 << 40});
    save(g, "tile_huge", 1, d1);
    ints(g = unary("Pad", "p", 13, &n), "p", 2, (int64_t[]){(int64_t)1 << 40, 0});
    save(g, "pad_huge", 1, d1);
    g = fx_model(13);
    ints(g, "k", 1, (int64_t[]){(int64_t)1 << 40});
    node(g, "TopK", "x,k", "y,yi");
    save(g, "topk_huge", 1, d1);
    g = fx_model(13);
    ints(g, "k", 1, (int64_t[]){-3});
    node(g, "TopK", "x,k", "y,yi");
    save(g, "topk_negative", 1, d1);
    g = fx_model(13);
    floats(g, "lim", 1, (float[]){1e30f});
    floats(g, "one", 1, (float[]){1.0f});
    node(g, "Range", "x,lim,one", "y");
    save(g, "range_huge", 0, NULL);
    g = fx_model(13);
    floats(g, "lim", 1, (float[]){NAN});
    floats(g, "one", 1, (float[]){1.0f});
    node(g, "Range", "x,lim,one", "y");
    save(g, "range_nan", 0, NULL);
    g = fx_model(13);
    floats(g, "depth", 1, (float[]){1e30f});
    floats(g, "vals", 2, (float[]){0, 1});
    node(g, "OneHot", "x,depth,vals", "y");
    save(g, "onehot_huge", 1, d1);
    g = fx_model(13);
    floats(g, "depth", 1, (float[]){NAN});
    floats(g, "vals", 2, (float[]){0, 1});
    node(g, "OneHot", "x,depth,vals", "y");
    save(g, "onehot_nan", 1, d1);
    g = fx_model(13);
    ints(g, "s", 2, (int64_t[]){(int64_t)1 << 40, (int64_t)1 << 40});
    node(g, "ConstantOfShape", "s", "y");
    node(g, "Identity", "x", "unused");
    save(g, "constant_of_shape_huge", 1, d1);

    /* lying values: indices and attributes that do not fit the data */
    ints(g = unary("Gather", "i", 13, &n), "i", 1, (int64_t[]){7});
    save(g, "gather_index_high", 1, d1);
    ints(g = unary("Gather", "i", 13, &n), "i", 1, (int64_t[]){-9});
    save(g, "gather_index_low", 1, d1);
    g = unary("Flatten", NULL, 13, &n);
    attr_float(g, n, "axis", 1.5f);
    save(g, "flatten_axis_float", 2, d2);
    g = unary("Flatten", NULL, 13, &n);
    graph_attr_set(g, n, "axis", ATTR_STRING)->s = "";   /* an empty bytes field: no data pointer at all */
    save(g, "flatten_axis_empty_string", 2, d2);
    g = unary("Transpose", NULL, 13, &n);
    fx_ints_attr(g, n, "perm", 2, (int64_t[]){0, 7});
    save(g, "transpose_perm_range", 2, d2);
    g = unary("Softmax", NULL, 13, &n);
    fx_ints_attr(g, n, "axis", 2, (int64_t[]){0, 1});
    save(g, "softmax_axis_ints", 2, d2);

    chains(100000);
    return 0;
}
