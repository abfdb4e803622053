/* QDQ export on the Conv -> Relu -> Flatten -> Gemm fixture: node structure, stored integer weights,
 * containers and opsets per bitwidth, int32 biases, float16 Cast pairs, deterministic bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "export_fixture.h"
#include "onnx.h"

static int count_op(const graph *g, const char *op, const char *domain)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        n += !g->nodes[i].dead && !strcmp(g->nodes[i].op_type, op) && !strcmp(g->nodes[i].domain, domain);
    return n;
}

static const graph_node *producer_of(const graph *g, const char *name)
{
    int v = graph_find_value(g, name);
    assert_true(v >= 0);
    int p = graph_producer(g, v);
    assert_true(p >= 0);
    return &g->nodes[p];
}

static graph *export_ok(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o)
{
    graph *out;
    qrc_err e;
    if (export_qdq(g, q, n, o, &out, &e))
        fail_msg("%s", e.msg);
    return out;
}

static void structure_w8a8(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    graph *d = export_ok(g, f.q, 5, NULL);
    assert_int_equal(count_op(d, "QuantizeLinear", ""), 3);
    assert_int_equal(count_op(d, "DequantizeLinear", ""), 5);
    assert_int_equal(count_op(d, "Clip", ""), 0);
    assert_int_equal(graph_opset_version(d, ""), 13);
    /* the input keeps its name; the Conv reads the dequantized input */
    assert_string_equal(d->values[d->inputs[0]].name, "x");
    const graph_node *conv = producer_of(d, "conv_out");
    assert_string_equal(d->values[conv->in[0]].name, "x_dequantized");
    /* the weight keeps its name as the output of a per-axis DequantizeLinear over int8 codes, zero point 0 */
    const graph_node *dq = producer_of(d, "conv.weight");
    assert_string_equal(dq->op_type, "DequantizeLinear");
    assert_int_equal(graph_attr_int(dq, "axis", -1), 0);
    const tensor *w = d->values[dq->in[0]].init, *s = d->values[dq->in[1]].init, *z = d->values[dq->in[2]].init;
    assert_int_equal(w->dtype, DT_INT8);
    assert_int_equal(z->dtype, DT_INT8);
    assert_int_equal(s->rank, 1);
    assert_int_equal(s->dims[0], 3);
    /* stored codes x scale = qrc's fake quantization of the float weight */
    const tensor *wf = g->values[graph_find_value(g, "conv.weight")].init;
    float fq[54];
    qrc_err e;
    assert_int_equal(quant_fake_quant_axis(f.conv_w, 3, wf->data, fq, 4, wf->dims, 0, &e), 0);
    for (int i = 0; i < 54; i++) {
        int c = i / 18;
        assert_int_equal(((int8_t *)z->data)[c], 0);
        assert_true((float)((int8_t *)w->data)[i] * ((float *)s->data)[c] == fq[i]);
    }
    /* per-tensor fc.weight: scalar scale */
    dq = producer_of(d, "fc.weight");
    assert_int_equal(d->values[dq->in[1]].init->rank, 0);
    assert_null(graph_attr_find(dq, "axis"));
    /* relu_out is asymmetric with min 0: uint8, zero point -offset = 0 */
    const graph_node *qn = producer_of(d, "relu_out_quantized");
    assert_string_equal(qn->op_type, "QuantizeLinear");
    assert_int_equal(d->values[qn->in[2]].init->dtype, DT_UINT8);
    /* x is asymmetric around 0: uint8 zero point = -offset */
    qn = producer_of(d, "x_quantized");
    assert_int_equal(((uint8_t *)d->values[qn->in[2]].init->data)[0], -f.x.offset);
    /* the graph output keeps its name, now on the DequantizeLinear */
    assert_string_equal(d->values[d->outputs[0]].name, "logits");
    assert_string_equal(producer_of(d, "logits")->op_type, "DequantizeLinear");
    /* biases stay float by default */
    assert_non_null(d->values[graph_find_value(d, "conv.bias")].init);
    /* the source graph is untouched */
    assert_non_null(g->values[graph_find_value(g, "conv.weight")].init);
    assert_int_equal(count_op(g, "QuantizeLinear", ""), 0);
    /* deterministic bytes and a loadable model */
    graph *d2 = export_ok(g, f.q, 5, NULL);
    void *b1, *b2;
    size_t n1, n2;
    assert_int_equal(onnx_save_mem(d, &b1, &n1, &e), 0);
    assert_int_equal(onnx_save_mem(d2, &b2, &n2, &e), 0);
    assert_true(n1 == n2 && !memcmp(b1, b2, n1));
    graph *back;
    if (onnx_load_mem(b1, n1, NULL, &back, &e))
        fail_msg("%s", e.msg);
    graph_free(back);
    free(b1);
    free(b2);
    graph_free(d2);
    graph_free(d);
    graph_free(g);
}

static void sixteen_bit_opsets(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    quant_format a16 = {.kind = QUANT_INT, .bitwidth = 16}, a6 = {.kind = QUANT_INT, .bitwidth = 6};
    qrc_err e;
    assert_int_equal(quant_encoding_from_range(&a16, 0.0, 2.5, &f.relu, &e), 0);
    assert_int_equal(quant_encoding_from_range(&a6, -3.0, 2.0, &f.logits, &e), 0);
    graph *d = export_ok(g, f.q, 5, NULL);
    /* every op of the fixture keeps its meaning at 21: the import is raised, IR 10 */
    assert_int_equal(graph_opset_version(d, ""), 21);
    assert_true(d->ir_version >= 10);
    const graph_node *qn = producer_of(d, "relu_out_quantized");
    assert_int_equal(d->values[qn->in[2]].init->dtype, DT_UINT16);
    /* a 6-bit grid in an 8-bit container is clipped first */
    assert_int_equal(count_op(d, "Clip", ""), 1);
    assert_string_equal(producer_of(d, "logits_clipped")->op_type, "Clip");
    graph_free(d);
    /* an opset-10 model is converted: up to 21, since every node converts there */
    g->opsets[0].version = 10;
    d = export_ok(g, f.q, 5, NULL);
    assert_int_equal(graph_opset_version(d, ""), 21);
    graph_free(d);
    /* asked for 13, 16-bit pairs go through com.microsoft */
    export_qdq_options o13 = {.opset = 13};
    d = export_ok(g, f.q, 5, &o13);
    assert_int_equal(graph_opset_version(d, ""), 13);
    assert_int_equal(graph_opset_version(d, "com.microsoft"), 1);
    assert_int_equal(count_op(d, "QuantizeLinear", "com.microsoft"), 1);
    assert_int_equal(count_op(d, "QuantizeLinear", ""), 2);
    graph_free(d);
    /* asked for 11, per-axis pairs cannot be written: a clear error */
    export_qdq_options o11 = {.opset = 11};
    assert_int_equal(export_qdq(g, f.q, 5, &o11, &d, &e), -1);
    assert_non_null(strstr(e.msg, "need opset 13"));
    /* an op the converter does not know keeps the model at 13: 16-bit pairs go through com.microsoft */
    g->opsets[0].version = 13;
    g->nodes[g->order[1]].op_type = graph_strdup(g, "MadeUpOp");
    d = export_ok(g, f.q, 5, NULL);
    assert_int_equal(graph_opset_version(d, ""), 13);
    assert_int_equal(graph_opset_version(d, "com.microsoft"), 1);
    graph_free(d);
    graph_free(g);
}

static void bias_and_float16(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    f.logits = (quant_encoding){.kind = QUANT_FLOAT, .bitwidth = 16};
    export_qdq_options o = {.bias_int32 = true};
    graph *d = export_ok(g, f.q, 5, &o);
    const graph_node *dq = producer_of(d, "conv.bias");
    assert_string_equal(dq->op_type, "DequantizeLinear");
    const tensor *b = d->values[dq->in[0]].init, *s = d->values[dq->in[1]].init;
    assert_int_equal(b->dtype, DT_INT32);
    for (int c = 0; c < 3; c++)
        assert_true(((float *)s->data)[c] == f.x.scale * f.conv_w[c].scale);
    /* fc's input (flat) carries relu_out's encoding through Flatten: s_in is relu_out's scale */
    dq = producer_of(d, "fc.bias");
    assert_string_equal(dq->op_type, "DequantizeLinear");
    assert_true(((float *)d->values[dq->in[1]].init->data)[0] == f.relu.scale * f.fc_w.scale);
    graph_free(d);
    /* without an encoding to carry (relu_out unquantized), fc's bias stays float */
    export_quantizer no_relu[4] = {f.q[0], f.q[1], f.q[3], f.q[4]};
    d = export_ok(g, no_relu, 4, &o);
    assert_non_null(d->values[graph_find_value(d, "fc.bias")].init);
    assert_string_equal(producer_of(d, "conv.bias")->op_type, "DequantizeLinear");
    /* float16 output: Cast pair, output name kept */
    assert_int_equal(count_op(d, "Cast", ""), 2);
    assert_string_equal(producer_of(d, "logits")->op_type, "Cast");
    graph_free(d);
    o = (export_qdq_options){.drop_float16 = true};
    d = export_ok(g, f.q, 5, &o);
    assert_int_equal(count_op(d, "Cast", ""), 0);
    graph_free(d);
    graph_free(g);
}

static void bad_quantizers(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    f.q[1].n_encs = 2;
    graph *d = (graph *)1;
    qrc_err e;
    assert_int_equal(export_qdq(g, f.q, 5, NULL, &d, &e), -1);
    assert_null(d);
    assert_non_null(strstr(e.msg, "conv.weight"));
    fx_quantizers(&f);
    f.q[0].tensor = "missing";
    assert_int_equal(export_qdq(g, f.q, 5, NULL, &d, &e), -1);
    assert_non_null(strstr(e.msg, "'missing' is not in the model"));
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(structure_w8a8), cmocka_unit_test(sixteen_bit_opsets),
        cmocka_unit_test(bias_and_float16), cmocka_unit_test(bad_quantizers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
