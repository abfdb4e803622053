/* pattern_models — writes small ONNX models, one per pattern prepare must handle, with inputs for them:
 *   pattern_models DIR
 * DIR/<name>.onnx and DIR/<name>.<input>.npy for: functional ops and reused modules with a shared
 * weight (reused), an If on a bool input (if_bool), BatchNorms that cannot fold backward (bn_forward,
 * bn_stuck), a decomposed LayerNorm and GELU around a MatMul (layernorm), the activations and norms
 * other exporters write out op by op, at opset 9 (units), and symbolic dims whose names have dots
 * (dotted_dims), and a Softmax over the channel axis of a [N, 4, 16] tensor between two scalings
 * (softmax_axis1: ONNX Runtime's 8-bit QLinearSoftmax fusion gets it wrong). tests/suites/prepare_patterns.sh prepares each with qrc and checks that qrc's runtime
 * and ONNX Runtime give the same outputs before and after. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_fixture.h"
#include "npy.h"
#include "onnx.h"

static const char *dir;
static uint32_t rng = 12345u;

static float rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)((rng % 2000) / 1000.0 - 1.0);
}

static void die(const char *what, const qrc_err *e)
{
    fprintf(stderr, "pattern_models: %s: %s\n", what, e ? e->msg : "failed");
    exit(1);
}

static int vals(graph *g, const char *list, int *out)
{
    int n = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        out[n++] = graph_value_get(g, t);
    return n;
}

static int node(graph *g, const char *op, const char *name, const char *ins, const char *outs)
{
    int in[16], out[16];
    int ni = ins[0] ? vals(g, ins, in) : 0, no = vals(g, outs, out);
    return graph_node_add(g, op, name, ni, in, no, out);
}

/* Nodes from "Op name in1,in2 out; ..." (one output each), in order. */
static void nodes(graph *g, const char *spec)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *line = strtok_r(buf, ";", &save); line; line = strtok_r(NULL, ";", &save)) {
        char op[64], name[64], ins[256], out[64];
        if (sscanf(line, " %63s %63s %255s %63s", op, name, ins, out) != 4) {
            fprintf(stderr, "pattern_models: bad node line '%s'\n", line);
            exit(1);
        }
        node(g, op, name, ins, out);
    }
}

/* A float initializer of the given shape: random, or all `fill` when fill is not NaN, or positive. */
static void init(graph *g, const char *name, int rank, const int64_t *dims, float fill, bool positive)
{
    qrc_err e;
    tensor *t = tensor_new(DT_FLOAT, rank, dims, &e);
    if (!t)
        die(name, &e);
    for (int64_t i = 0; i < tensor_numel(t); i++) {
        float v = isnan(fill) ? rnd() : fill;
        ((float *)t->data)[i] = positive ? 0.5f + fabsf(v) : v;
    }
    int v = graph_value_get(g, name);
    g->values[v].init = t;
    g->values[v].dtype = DT_FLOAT;
    g->values[v].rank = rank;
    for (int i = 0; i < rank; i++)
        g->values[v].dims[i] = dims[i];
}

static void bn_params(graph *g, const char *p, int64_t c)
{
    char n[128];
    snprintf(n, sizeof n, "%s.weight", p);
    init(g, n, 1, &c, NAN, false);
    snprintf(n, sizeof n, "%s.bias", p);
    init(g, n, 1, &c, NAN, false);
    snprintf(n, sizeof n, "%s.running_mean", p);
    init(g, n, 1, &c, NAN, false);
    snprintf(n, sizeof n, "%s.running_var", p);
    init(g, n, 1, &c, NAN, true);
}

static void save(graph *g, const char *name, int n_in, const int *in, int n_out, const int *out)
{
    qrc_err e;
    graph_set_inputs(g, n_in, in);
    graph_set_outputs(g, n_out, out);
    if (graph_reindex(g, &e) != 0)
        die(name, &e);
    char path[512];
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    if (onnx_save(g, path, &e) != 0)
        die(path, &e);
    graph_free(g);
}

static void input_npy(const char *model_name, const char *input, tensor_dtype dt, int rank, const int64_t *dims, int fill)
{
    qrc_err e;
    tensor *t = tensor_new(dt, rank, dims, &e);
    if (!t)
        die(input, &e);
    for (int64_t i = 0; i < tensor_numel(t); i++) {
        if (dt == DT_FLOAT)
            ((float *)t->data)[i] = rnd() * 2;
        else
            ((uint8_t *)t->data)[i] = (uint8_t)fill;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%s.npy", dir, model_name, input);
    if (npy_write(path, t, &e) != 0)
        die(path, &e);
    tensor_free(t);
}

/* /pool/MaxPool -> /conv/Conv -> /pool_1/MaxPool -> /conv_1/Conv (same weight) -> /Relu -> /Add. */
static void reused(void)
{
    graph *g = fx_model(13);
    int64_t xd[4] = {2, 3, 12, 12}, wd[4] = {3, 3, 3, 3}, bd = 3, k2[2] = {2, 2}, p1[4] = {1, 1, 1, 1};
    int in = fx_value(g, "x", DT_FLOAT, 4, xd);
    init(g, "conv.weight", 4, wd, NAN, false);
    init(g, "conv.bias", 1, &bd, NAN, false);
    int n = node(g, "MaxPool", "/pool/MaxPool", "x", "a");
    fx_ints_attr(g, n, "kernel_shape", 2, k2);
    fx_ints_attr(g, n, "strides", 2, k2);
    n = node(g, "Conv", "/conv/Conv", "a,conv.weight,conv.bias", "b");
    fx_ints_attr(g, n, "pads", 4, p1);
    node(g, "Relu", "/Relu", "b", "c");
    n = node(g, "MaxPool", "/pool_1/MaxPool", "c", "d");
    fx_ints_attr(g, n, "kernel_shape", 2, k2);
    fx_ints_attr(g, n, "strides", 2, k2);
    n = node(g, "Conv", "/conv_1/Conv", "d,conv.weight,conv.bias", "e");
    fx_ints_attr(g, n, "pads", 4, p1);
    node(g, "Relu", "/Relu_1", "e", "f");
    node(g, "Add", "/Add", "f,d", "y");
    int64_t yd[4] = {2, 3, 3, 3};
    int out = fx_value(g, "y", DT_FLOAT, 4, yd);
    save(g, "reused", 1, &in, 1, &out);
    input_npy("reused", "x", DT_FLOAT, 4, xd, 0);
}

/* If(flag) { Relu(x) * 2 } else { Neg(x) + 1 }. */
static void if_bool(void)
{
    graph *g = fx_model(13);
    int64_t xd[2] = {2, 5};
    int ins[2] = {fx_value(g, "x", DT_FLOAT, 2, xd), fx_value(g, "flag", DT_BOOL, 0, NULL)};
    int n = node(g, "If", "/If", "flag", "y");
    const char *ops[2][2] = {{"Relu", "Mul"}, {"Neg", "Add"}}, *attr[2] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; b++) {
        graph *s = graph_new();
        char nm[64];
        snprintf(nm, sizeof nm, "/%s/%s", attr[b], ops[b][0]);
        node(s, ops[b][0], nm, "x", "t");
        int64_t one = 1;
        init(s, "k", 1, &one, b ? 1.0f : 2.0f, false);
        snprintf(nm, sizeof nm, "/%s/%s", attr[b], ops[b][1]);
        node(s, ops[b][1], nm, "t,k", "r");
        int r = fx_value(s, "r", DT_FLOAT, 2, xd);
        graph_set_outputs(s, 1, &r);
        s->parent = g;
        s->name = graph_strdup(s, attr[b]);
        graph_attr_set(g, n, attr[b], ATTR_GRAPH)->g = s;
    }
    int out = fx_value(g, "y", DT_FLOAT, 2, xd);
    save(g, "if_bool", 2, ins, 1, &out);
    input_npy("if_bool", "x", DT_FLOAT, 2, xd, 0);
    input_npy("if_bool", "flag", DT_BOOL, 0, NULL, 0);
}

/* BN on the input folds forward into an unpadded Conv; a BN after a Relu before a Gemm folds forward. */
static void bn_forward(void)
{
    graph *g = fx_model(13);
    int64_t xd[4] = {2, 3, 6, 6}, wd[4] = {4, 3, 3, 3}, c = 4, fd[2] = {10, 64};
    int in = fx_value(g, "x", DT_FLOAT, 4, xd);
    bn_params(g, "bn0", 3);
    init(g, "conv.weight", 4, wd, NAN, false);
    init(g, "conv.bias", 1, &c, NAN, false);
    bn_params(g, "bn1", 64);
    init(g, "fc.weight", 2, fd, NAN, false);
    node(g, "BatchNormalization", "/bn0/BatchNormalization", "x,bn0.weight,bn0.bias,bn0.running_mean,bn0.running_var", "a");
    node(g, "Conv", "/conv/Conv", "a,conv.weight,conv.bias", "b");
    node(g, "Relu", "/Relu", "b", "r");
    node(g, "Flatten", "/Flatten", "r", "f");
    node(g, "BatchNormalization", "/bn1/BatchNormalization", "f,bn1.weight,bn1.bias,bn1.running_mean,bn1.running_var", "h");
    int n = node(g, "Gemm", "/fc/Gemm", "h,fc.weight", "y");
    graph_attr_set(g, n, "transB", ATTR_INT)->i = 1;
    int64_t yd[2] = {2, 10};
    int out = fx_value(g, "y", DT_FLOAT, 2, yd);
    save(g, "bn_forward", 1, &in, 1, &out);
    input_npy("bn_forward", "x", DT_FLOAT, 4, xd, 0);
}

/* BNs that cannot fold: after a Relu and before a padded Conv; after a Conv whose output is also read. */
static void bn_stuck(void)
{
    graph *g = fx_model(13);
    int64_t xd[4] = {1, 3, 5, 5}, wd[4] = {3, 3, 3, 3}, p1[4] = {1, 1, 1, 1};
    int in = fx_value(g, "x", DT_FLOAT, 4, xd);
    bn_params(g, "bn", 3);
    bn_params(g, "bn2", 3);
    init(g, "conv.weight", 4, wd, NAN, false);
    init(g, "conv2.weight", 4, wd, NAN, false);
    node(g, "Relu", "/Relu", "x", "a");
    node(g, "BatchNormalization", "/bn/BatchNormalization", "a,bn.weight,bn.bias,bn.running_mean,bn.running_var", "b");
    int n = node(g, "Conv", "/conv/Conv", "b,conv.weight", "c");
    fx_ints_attr(g, n, "pads", 4, p1);
    n = node(g, "Conv", "/conv2/Conv", "c,conv2.weight", "d");
    fx_ints_attr(g, n, "pads", 4, p1);
    node(g, "BatchNormalization", "/bn2/BatchNormalization", "d,bn2.weight,bn2.bias,bn2.running_mean,bn2.running_var", "e");
    node(g, "Add", "/Add", "e,d", "y");
    int out = fx_value(g, "y", DT_FLOAT, 4, xd);
    save(g, "bn_stuck", 1, &in, 1, &out);
    input_npy("bn_stuck", "x", DT_FLOAT, 4, xd, 0);
}

/* Decomposed LayerNorm (Pow/Sqrt/Div, Mul/Add affine), MatMul + bias, exact GELU (Erf). */
static void layernorm(void)
{
    graph *g = fx_model(13);
    int64_t xd[3] = {2, 5, 8}, c = 8, wd[2] = {8, 8}, one = 1;
    int in = fx_value(g, "x", DT_FLOAT, 3, xd);
    init(g, "ln.weight", 1, &c, NAN, false);
    init(g, "ln.bias", 1, &c, NAN, false);
    init(g, "fc.weight", 2, wd, NAN, false);
    init(g, "fc.bias", 1, &c, NAN, false);
    init(g, "two", 0, &one, 2.0f, false);
    init(g, "eps", 0, &one, 1e-5f, false);
    init(g, "sqrt2", 0, &one, 1.4142135f, false);
    init(g, "one", 0, &one, 1.0f, false);
    init(g, "half", 0, &one, 0.5f, false);
    int64_t axes[1] = {-1};
    int n = node(g, "ReduceMean", "/ln/ReduceMean", "x", "m");
    fx_ints_attr(g, n, "axes", 1, axes);
    node(g, "Sub", "/ln/Sub", "x,m", "d");
    node(g, "Pow", "/ln/Pow", "d,two", "p");
    n = node(g, "ReduceMean", "/ln/ReduceMean_1", "p", "v");
    fx_ints_attr(g, n, "axes", 1, axes);
    node(g, "Add", "/ln/Add", "v,eps", "ve");
    node(g, "Sqrt", "/ln/Sqrt", "ve", "sd");
    node(g, "Div", "/ln/Div", "d,sd", "nrm");
    node(g, "Mul", "/ln/Mul", "nrm,ln.weight", "nm");
    node(g, "Add", "/ln/Add_1", "nm,ln.bias", "l");
    node(g, "MatMul", "/fc/MatMul", "l,fc.weight", "mm");
    node(g, "Add", "/fc/Add", "fc.bias,mm", "h");
    node(g, "Div", "/Div", "h,sqrt2", "g1");
    node(g, "Erf", "/Erf", "g1", "g2");
    node(g, "Add", "/Add", "g2,one", "g3");
    node(g, "Mul", "/Mul", "h,g3", "g4");
    node(g, "Mul", "/Mul_1", "g4,half", "y");
    int out = fx_value(g, "y", DT_FLOAT, 3, xd);
    save(g, "layernorm", 1, &in, 1, &out);
    input_npy("layernorm", "x", DT_FLOAT, 3, xd, 0);
}

/* Opset 9, paddle2onnx style (helper constants named "p2o.helper.constant.N", Clip bounds as
 * attributes): a Conv, then HardSwish, Swish with beta, x * HardSigmoid(x), GELU (tanh form), Mish
 * (log(exp(x) + 1)) and RMSNorm with gamma over the last axis, each written out op by op. */
static void units(void)
{
    graph *g = fx_model(13);
    g->opsets[0].version = 9;
    int64_t xd[4] = {1, 4, 3, 8}, wd[4] = {4, 4, 1, 1}, c = 4, r = 8, one = 1;
    int in = fx_value(g, "x", DT_FLOAT, 4, xd);
    init(g, "conv.w_0", 4, wd, NAN, false);
    init(g, "conv.b_0", 1, &c, NAN, false);
    init(g, "norm.w_0", 1, &r, NAN, true);
    const struct {
        const char *name;
        float v;
    } k[] = {{"p2o.helper.constant.0", 3}, {"p2o.helper.constant.1", 6}, {"p2o.helper.constant.2", 1.5f},
             {"p2o.helper.constant.3", 3}, {"p2o.helper.constant.4", 0.044715f},
             {"p2o.helper.constant.5", 0.7978846f}, {"p2o.helper.constant.6", 1}, {"p2o.helper.constant.7", 0.5f},
             {"p2o.helper.constant.8", 2}, {"p2o.helper.constant.9", 1e-6f}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        init(g, k[i].name, 0, &one, k[i].v, false);
    nodes(g, "Conv p2o.Conv.0 x,conv.w_0,conv.b_0 c0;"
             "Add p2o.Add.0 c0,p2o.helper.constant.0 a1; Clip p2o.Clip.0 a1 a2; Mul p2o.Mul.0 c0,a2 a3;"
             "Div p2o.Div.0 a3,p2o.helper.constant.1 hs;"
             "Mul p2o.Mul.1 hs,p2o.helper.constant.2 s1; Sigmoid p2o.Sigmoid.0 s1 s2; Mul p2o.Mul.2 hs,s2 sw;"
             "HardSigmoid p2o.HardSigmoid.0 sw h1; Mul p2o.Mul.3 sw,h1 hs2;"
             "Pow p2o.Pow.0 hs2,p2o.helper.constant.3 g1; Mul p2o.Mul.4 g1,p2o.helper.constant.4 g2;"
             "Add p2o.Add.1 hs2,g2 g3; Mul p2o.Mul.5 g3,p2o.helper.constant.5 g4; Tanh p2o.Tanh.0 g4 g5;"
             "Add p2o.Add.2 g5,p2o.helper.constant.6 g6; Mul p2o.Mul.6 hs2,g6 g7;"
             "Mul p2o.Mul.7 g7,p2o.helper.constant.7 ge;"
             "Exp p2o.Exp.0 ge m1; Add p2o.Add.3 m1,p2o.helper.constant.6 m2; Log p2o.Log.0 m2 m3;"
             "Tanh p2o.Tanh.1 m3 m4; Mul p2o.Mul.8 ge,m4 mi;"
             "Pow p2o.Pow.1 mi,p2o.helper.constant.8 r1; ReduceMean p2o.ReduceMean.0 r1 r2;"
             "Add p2o.Add.4 r2,p2o.helper.constant.9 r3; Sqrt p2o.Sqrt.0 r3 r4; Div p2o.Div.1 mi,r4 r5;"
             "Mul p2o.Mul.9 r5,norm.w_0 y");
    for (int n = 0; n < g->n_nodes; n++) {
        const char *op = g->nodes[n].op_type;
        bool clip = !strcmp(op, "Clip");
        if (clip || !strcmp(op, "HardSigmoid")) {
            graph_attr_set(g, n, clip ? "min" : "alpha", ATTR_FLOAT)->f = clip ? 0.0f : 1.0f / 6;
            graph_attr_set(g, n, clip ? "max" : "beta", ATTR_FLOAT)->f = clip ? 6.0f : 0.5f;
        }
        if (!strcmp(op, "ReduceMean"))
            fx_ints_attr(g, n, "axes", 1, (const int64_t[]){-1});
    }
    int out = fx_value(g, "y", DT_FLOAT, 4, xd);
    save(g, "units", 1, &in, 1, &out);
    input_npy("units", "x", DT_FLOAT, 4, xd, 0);
}

/* x [p2o.DynamicDimension.0, 3, p2o.DynamicDimension.1] -> Relu -> y of the same shape: symbolic dims
 * named as paddle2onnx names them, which a recipe must quote. */
static void dotted_dims(void)
{
    graph *g = fx_model(13);
    int64_t d[3] = {-1, 3, -1};
    int in = fx_value(g, "x", DT_FLOAT, 3, d), out = fx_value(g, "y", DT_FLOAT, 3, d);
    for (int i = 0; i < 2; i++) {
        char name[64];
        snprintf(name, sizeof name, "p2o.DynamicDimension.%d", i);
        g->values[in].dim_param[2 * i] = g->values[out].dim_param[2 * i] = graph_strdup(g, name);
    }
    node(g, "Relu", "p2o.Relu.0", "x", "y");
    save(g, "dotted_dims", 1, &in, 1, &out);
}

/* /scale/Mul -> /softmax/Softmax (axis 1 of [N, 4, 16]) -> /out/Mul, with 64 input rows. */
static void softmax_axis1(void)
{
    graph *g = fx_model(13);
    int64_t d[3] = {-1, 4, 16}, one = 1, rows[3] = {64, 4, 16};
    int in = fx_value(g, "x", DT_FLOAT, 3, d), out = fx_value(g, "y", DT_FLOAT, 3, d);
    g->values[in].dim_param[0] = g->values[out].dim_param[0] = graph_strdup(g, "N");
    init(g, "scale", 1, &one, 2.0f, false);
    init(g, "gain", 1, &one, 3.0f, false);
    nodes(g, "Mul /scale/Mul x,scale s; Softmax /softmax/Softmax s p; Mul /out/Mul p,gain y");
    graph_attr_set(g, 1, "axis", ATTR_INT)->i = 1;
    save(g, "softmax_axis1", 1, &in, 1, &out);
    input_npy("softmax_axis1", "x", DT_FLOAT, 3, rows, 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pattern_models DIR\n");
        return 2;
    }
    dir = argv[1];
    reused();
    if_bool();
    bn_forward();
    bn_stuck();
    layernorm();
    units();
    dotted_dims();
    softmax_axis1();
    return 0;
}
