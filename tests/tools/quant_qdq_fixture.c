/* Writes QuantizeLinear -> DequantizeLinear models (and Cast float16 round trips) together with inputs and
 * the output qrc's fake quantization computes for them, so a suite can check bit for bit that ONNX
 * Runtime computes the same thing.
 *
 *   quant_qdq_fixture DIR     writes DIR/<case>.onnx, DIR/<case>_x.npy, DIR/<case>_want.npy */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "npy.h"
#include "onnx.h"
#include "quant.h"

enum { ROWS = 3, COLS = 2000 };

typedef struct qcase {
    const char *name;
    int bitwidth;
    bool is_signed;    /* export with a signed zero-point type */
    int opset;
    float scale[ROWS]; /* per channel when per_axis */
    int32_t offset;
    bool per_axis;
    bool half;         /* float16 cast round trip instead of QDQ */
    float lo, hi;      /* input range */
    bool ties;         /* first values are exact ties (k + 0.5) * scale */
} qcase;

static const qcase CASES[] = {
    {"uint8_asym", 8, false, 13, {0.0123f}, -37, false, false, -1.0f, 3.5f, false},
    {"int8_sym", 8, true, 13, {0.05f}, -128, false, false, -8.0f, 8.0f, false},
    {"uint8_ties", 8, false, 13, {0.25f}, -128, false, false, -40.0f, 40.0f, true},
    {"int8_per_axis", 8, true, 13, {0.01f, 0.02f, 0.5f}, -128, true, false, -3.0f, 3.0f, false},
    {"int16_sym", 16, true, 21, {1e-4f}, -32768, false, false, -4.0f, 4.0f, false},
    {"uint16_asym", 16, false, 21, {3e-4f}, -20000, false, false, -7.0f, 14.0f, false},
    {"float16", 16, false, 13, {0}, 0, false, true, -70000.0f, 70000.0f, false},
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static float uniform(float lo, float hi)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    double u = (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
    return (float)(lo + (hi - lo) * u);
}

static void die(const qrc_err *e)
{
    fprintf(stderr, "quant_qdq_fixture: %s\n", e->msg);
    exit(1);
}

static int init_value(graph *g, const char *name, tensor_dtype dt, int rank, int64_t n, qrc_err *e)
{
    int v = graph_value_get(g, name);
    int64_t dims[1] = {n};
    g->values[v].init = tensor_new(dt, rank, dims, e);
    if (!g->values[v].init)
        die(e);
    g->values[v].dtype = dt;
    g->values[v].rank = rank;
    if (rank)
        g->values[v].dims[0] = n;
    return v;
}

static graph *build(const qcase *c, qrc_err *e)
{
    graph *g = graph_new();
    g->ir_version = c->opset >= 21 ? 10 : 8;
    g->n_opsets = 1;
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = c->opset;
    int x = graph_value_get(g, "x"), y = graph_value_get(g, "y");
    g->values[x].dtype = g->values[y].dtype = DT_FLOAT;
    g->values[x].rank = g->values[y].rank = 2;
    g->values[x].dims[0] = g->values[y].dims[0] = ROWS;
    g->values[x].dims[1] = g->values[y].dims[1] = COLS;
    if (c->half) {
        int h = graph_value_get(g, "h");
        int n1 = graph_node_add(g, "Cast", "to_half", 1, &x, 1, &h);
        graph_attr_set(g, n1, "to", ATTR_INT)->i = DT_FLOAT16;
        int n2 = graph_node_add(g, "Cast", "to_float", 1, &h, 1, &y);
        graph_attr_set(g, n2, "to", ATTR_INT)->i = DT_FLOAT;
    } else {
        int channels = c->per_axis ? ROWS : 1;
        int rank = c->per_axis ? 1 : 0;
        tensor_dtype zdt = c->bitwidth == 8 ? (c->is_signed ? DT_INT8 : DT_UINT8)
                                            : (c->is_signed ? DT_INT16 : DT_UINT16);
        int s = init_value(g, "scale", DT_FLOAT, rank, channels, e);
        int z = init_value(g, "zero_point", zdt, rank, channels, e);
        int32_t zp = -c->offset - (c->is_signed ? 1 << (c->bitwidth - 1) : 0);
        for (int i = 0; i < channels; i++) {
            ((float *)g->values[s].init->data)[i] = c->scale[i];
            switch (zdt) {
            case DT_INT8: ((int8_t *)g->values[z].init->data)[i] = (int8_t)zp; break;
            case DT_UINT8: ((uint8_t *)g->values[z].init->data)[i] = (uint8_t)zp; break;
            case DT_INT16: ((int16_t *)g->values[z].init->data)[i] = (int16_t)zp; break;
            default: ((uint16_t *)g->values[z].init->data)[i] = (uint16_t)zp; break;
            }
        }
        int q = graph_value_get(g, "q");
        int n1 = graph_node_add(g, "QuantizeLinear", "quantize", 3, (int[]){x, s, z}, 1, &q);
        int n2 = graph_node_add(g, "DequantizeLinear", "dequantize", 3, (int[]){q, s, z}, 1, &y);
        if (c->per_axis) {
            graph_attr_set(g, n1, "axis", ATTR_INT)->i = 0;
            graph_attr_set(g, n2, "axis", ATTR_INT)->i = 0;
        }
    }
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    if (graph_reindex(g, e))
        die(e);
    return g;
}

static void fill(const qcase *c, float *x)
{
    for (int i = 0; i < ROWS * COLS; i++)
        x[i] = uniform(c->lo, c->hi);
    if (c->ties)
        for (int k = 0; k < 400; k++)
            x[k] = ((float)(k - 200) + 0.5f) * c->scale[0];
    if (c->half) {
        /* Subnormals, the overflow edge and exact ties of float16 rounding. */
        x[0] = 65504.0f, x[1] = 65520.0f, x[2] = 65519.99f, x[3] = ldexpf(1.0f, -25), x[4] = ldexpf(3.0f, -25);
        x[5] = 1e-6f, x[6] = -3e-7f, x[7] = 1.0f + ldexpf(1.0f, -11), x[8] = 1.0f + ldexpf(3.0f, -11);
    }
}

static void simulate(const qcase *c, const float *x, float *y, qrc_err *e)
{
    quant_format f = {.kind = c->half ? QUANT_FLOAT : QUANT_INT, .bitwidth = c->bitwidth};
    quant_encoding enc[ROWS];
    int channels = c->per_axis ? ROWS : 1;
    for (int i = 0; i < channels; i++)
        if (quant_encoding_from_scale_offset(&f, c->scale[i], c->offset, &enc[i], e))
            die(e);
    if (c->per_axis) {
        int64_t dims[2] = {ROWS, COLS};
        if (quant_fake_quant_axis(enc, ROWS, x, y, 2, dims, 0, e))
            die(e);
    } else {
        quant_fake_quant(&enc[0], x, y, (size_t)ROWS * COLS);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: quant_qdq_fixture DIR\n");
        return 2;
    }
    qrc_err e;
    int64_t dims[2] = {ROWS, COLS};
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        const qcase *c = &CASES[i];
        graph *g = build(c, &e);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.onnx", argv[1], c->name);
        if (onnx_save(g, path, &e))
            die(&e);
        graph_free(g);
        tensor *x = tensor_new(DT_FLOAT, 2, dims, &e), *y = tensor_new(DT_FLOAT, 2, dims, &e);
        if (!x || !y)
            die(&e);
        fill(c, x->data);
        simulate(c, x->data, y->data, &e);
        snprintf(path, sizeof path, "%s/%s_x.npy", argv[1], c->name);
        if (npy_write(path, x, &e))
            die(&e);
        snprintf(path, sizeof path, "%s/%s_want.npy", argv[1], c->name);
        if (npy_write(path, y, &e))
            die(&e);
        tensor_free(x);
        tensor_free(y);
    }
    return 0;
}
