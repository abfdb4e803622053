/* export_fixture.h — a small Conv -> Relu -> Flatten -> Gemm graph with made-up encodings, shared by the
 * export tests. Header-only: each test binary includes it once. */
#ifndef QRC_TEST_EXPORT_FIXTURE_H
#define QRC_TEST_EXPORT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "graph.h"

/* A value with a known float32 shape. */
static int fx_value(graph *g, const char *name, int rank, const int64_t *dims)
{
    int v = graph_value_get(g, name);
    g->values[v].dtype = DT_FLOAT;
    g->values[v].rank = rank;
    for (int i = 0; i < rank; i++)
        g->values[v].dims[i] = dims[i];
    return v;
}

/* An initializer filled with a deterministic pattern in [-amp, amp]. */
static int fx_init(graph *g, const char *name, int rank, const int64_t *dims, float amp, unsigned seed)
{
    int v = fx_value(g, name, rank, dims);
    tensor *t = tensor_new(DT_FLOAT, rank, dims, NULL);
    float *p = t->data;
    unsigned s = seed;
    for (int64_t i = 0; i < tensor_numel(t); i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = amp * ((float)(s >> 8) / 8388608.0f - 1.0f);
    }
    g->values[v].init = t;
    return v;
}

/* x[1,2,5,5] -> Conv(conv.weight[3,2,3,3], conv.bias, pad 1) -> conv_out -> Relu -> relu_out -> Flatten
 * -> flat[1,75] -> Gemm(fc.weight[4,75], fc.bias, transB=1) -> logits[1,4]. Opset 13, IR 8. */
static graph *fx_graph(void)
{
    graph *g = graph_new();
    g->ir_version = 8;
    g->n_opsets = 1;
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = 13;
    g->name = graph_strdup(g, "fixture");
    int x = fx_value(g, "x", 4, (int64_t[]){1, 2, 5, 5});
    int w = fx_init(g, "conv.weight", 4, (int64_t[]){3, 2, 3, 3}, 0.5f, 1);
    int b = fx_init(g, "conv.bias", 1, (int64_t[]){3}, 0.1f, 2);
    int co = fx_value(g, "conv_out", 4, (int64_t[]){1, 3, 5, 5});
    int ro = fx_value(g, "relu_out", 4, (int64_t[]){1, 3, 5, 5});
    int fl = fx_value(g, "flat", 2, (int64_t[]){1, 75});
    int fw = fx_init(g, "fc.weight", 2, (int64_t[]){4, 75}, 0.2f, 3);
    int fb = fx_init(g, "fc.bias", 1, (int64_t[]){4}, 0.05f, 4);
    int lo = fx_value(g, "logits", 2, (int64_t[]){1, 4});
    int n = graph_node_add(g, "Conv", "/conv/Conv", 3, (int[]){x, w, b}, 1, &co);
    graph_attr *a = graph_attr_set(g, n, "pads", ATTR_INTS);
    a->n = 4;
    a->ints = graph_alloc(g, 4 * sizeof(int64_t));
    for (int i = 0; i < 4; i++)
        a->ints[i] = 1;
    graph_node_add(g, "Relu", "/relu/Relu", 1, &co, 1, &ro);
    graph_node_add(g, "Flatten", "/Flatten", 1, &ro, 1, &fl);
    n = graph_node_add(g, "Gemm", "/fc/Gemm", 3, (int[]){fl, fw, fb}, 1, &lo);
    graph_attr_set(g, n, "transB", ATTR_INT)->i = 1;
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &lo);
    qrc_err e;
    if (graph_reindex(g, &e))
        abort();
    return g;
}

static const quant_format FX_U8 = {.kind = QUANT_INT, .bitwidth = 8};
static const quant_format FX_S8 = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true};

/* Encodings made up from each tensor's plausible range. */
typedef struct fx_quant {
    quant_encoding x, relu, logits, conv_w[3], fc_w;
    export_quantizer q[5];
} fx_quant;

static void fx_quantizers(fx_quant *f)
{
    qrc_err e;
    quant_encoding_from_range(&FX_U8, -1.0, 1.0, &f->x, &e);
    quant_encoding_from_range(&FX_U8, 0.0, 2.5, &f->relu, &e);
    quant_encoding_from_range(&FX_U8, -3.0, 2.0, &f->logits, &e);
    for (int c = 0; c < 3; c++)
        quant_encoding_from_range(&FX_S8, -0.5 + 0.1 * c, 0.45, &f->conv_w[c], &e);
    quant_encoding_from_range(&FX_S8, -0.2, 0.2, &f->fc_w, &e);
    f->q[0] = (export_quantizer){"x", false, -1, 1, &f->x};
    f->q[1] = (export_quantizer){"conv.weight", true, 0, 3, f->conv_w};
    f->q[2] = (export_quantizer){"relu_out", false, -1, 1, &f->relu};
    f->q[3] = (export_quantizer){"fc.weight", true, -1, 1, &f->fc_w};
    f->q[4] = (export_quantizer){"logits", false, -1, 1, &f->logits};
}

#endif
