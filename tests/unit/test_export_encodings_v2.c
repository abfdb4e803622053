/* Encodings JSON 2.0.0: QuantizeLinear-shaped entries, round trip, AIMET's own examples, refusals, bad files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <jansson.h>

#include "export_fixture.h"

static json_t *dump_200(const export_quantizer *q, int n)
{
    qrc_err e = {0};
    char *text = NULL;
    if (export_encodings_dump(q, n, EXPORT_ENC_2_0_0, "post_training_tf", &text, &e))
        fail_msg("%s", e.msg);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    free(text);
    assert_non_null(j);
    return j;
}

static json_t *entry(json_t *root, const char *name)
{
    json_t *list = json_object_get(root, "encodings");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(list, i), "name")), name))
            return json_array_get(list, i);
    fail_msg("no entry for %s", name);
    return NULL;
}

/* Top level is {version, encodings}; asymmetric tensors are uint8 with zero point -offset, symmetric
 * ones int8 with zero point 0; per-channel entries carry lists and the axis. */
static void schema(void **state)
{
    (void)state;
    fx_quant f;
    fx_quantizers(&f);
    json_t *root = dump_200(f.q, 5);
    assert_int_equal(json_object_size(root), 2);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "2.0.0");
    assert_int_equal(json_array_size(json_object_get(root, "encodings")), 5);
    json_t *x = entry(root, "x");
    assert_int_equal(json_object_size(x), 4);
    assert_string_equal(json_string_value(json_object_get(x, "output_dtype")), "uint8");
    assert_true((float)json_real_value(json_object_get(x, "y_scale")) == f.x.scale);
    assert_int_equal(json_integer_value(json_object_get(x, "y_zero_point")), -f.x.offset);
    assert_null(json_object_get(x, "axis"));
    json_t *w = entry(root, "conv.weight");
    assert_string_equal(json_string_value(json_object_get(w, "output_dtype")), "int8");
    assert_int_equal(json_integer_value(json_object_get(w, "axis")), 0);
    json_t *s = json_object_get(w, "y_scale"), *z = json_object_get(w, "y_zero_point");
    assert_int_equal(json_array_size(s), 3);
    for (size_t c = 0; c < 3; c++) {
        assert_true((float)json_real_value(json_array_get(s, c)) == f.conv_w[c].scale);
        assert_int_equal(json_integer_value(json_array_get(z, c)), 0);
    }
    json_decref(root);
}

static void expect_same(const export_quantizer *a, const export_quantizer *b)
{
    assert_int_equal(a->is_param, b->is_param);
    assert_int_equal(a->axis, b->axis);
    assert_int_equal(a->n_encs, b->n_encs);
    for (int c = 0; c < a->n_encs; c++) {
        const quant_encoding *p = &a->encs[c], *q = &b->encs[c];
        assert_true(p->scale == q->scale && p->min == q->min && p->max == q->max);
        assert_int_equal(p->offset, q->offset);
        assert_int_equal(p->bitwidth, q->bitwidth);
        assert_int_equal(p->symmetric, q->symmetric);
    }
}

/* Written, read back against the model: the same encodings, parameters recognised from the model, and
 * writing what was read gives the same bytes. Covers 4-, 8- and 16-bit types. */
static void round_trip(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    quant_format s4 = {.kind = QUANT_INT, .bitwidth = 4, .symmetric = true};
    quant_format u16 = {.kind = QUANT_INT, .bitwidth = 16};
    assert_int_equal(quant_encoding_from_range(&s4, -0.2, 0.2, &f.fc_w, &(qrc_err){0}), 0);
    assert_int_equal(quant_encoding_from_range(&u16, -3.0, 2.0, &f.logits, &(qrc_err){0}), 0);
    qrc_err e = {0};
    char *text, *again;
    assert_int_equal(export_encodings_dump(f.q, 5, EXPORT_ENC_2_0_0, NULL, &text, &e), 0);
    assert_non_null(strstr(text, "\"int4\""));
    assert_non_null(strstr(text, "\"uint16\""));
    export_quant_set *s;
    if (export_encodings_parse(text, strlen(text), "mem", g, &s, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(s->n, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(s->q[i].tensor, f.q[i].tensor);
        expect_same(&s->q[i], &f.q[i]);
    }
    assert_int_equal(export_encodings_dump(s->q, s->n, EXPORT_ENC_2_0_0, NULL, &again, &e), 0);
    assert_string_equal(again, text);
    free(again);
    export_quant_set_free(s);
    free(text);
    graph_free(g);
}

/* An unsigned symmetric grid (data never negative) is uint8 with zero point 0: it reads back as the
 * same grid, marked asymmetric since 2.0.0 has no symmetry flag. */
static void unsigned_symmetric(void **state)
{
    (void)state;
    graph *g = fx_graph();
    quant_format us = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .unsigned_sym = true};
    quant_encoding r;
    qrc_err e = {0};
    assert_int_equal(quant_encoding_from_range(&us, 0.0, 2.5, &r, &e), 0);
    assert_int_equal(r.offset, 0);
    export_quantizer q = {"relu_out", false, -1, 1, &r};
    json_t *root = dump_200(&q, 1);
    json_t *o = entry(root, "relu_out");
    assert_string_equal(json_string_value(json_object_get(o, "output_dtype")), "uint8");
    assert_int_equal(json_integer_value(json_object_get(o, "y_zero_point")), 0);
    json_decref(root);
    char *text;
    assert_int_equal(export_encodings_dump(&q, 1, EXPORT_ENC_2_0_0, NULL, &text, &e), 0);
    export_quant_set *s;
    assert_int_equal(export_encodings_parse(text, strlen(text), "mem", g, &s, &e), 0);
    assert_true(s->q[0].encs[0].scale == r.scale && s->q[0].encs[0].offset == 0 && s->q[0].encs[0].max == r.max);
    assert_false(s->q[0].encs[0].symmetric);
    export_quant_set_free(s);
    free(text);
    graph_free(g);
}

/* The shapes of AIMET's specification examples: per-tensor uint8 with zero point 41, per-channel int8
 * with an explicit axis, a missing zero point (0) and a negative axis. */
static void aimet_examples(void **state)
{
    (void)state;
    graph *g = fx_graph();
    const char *doc = "{\"version\":\"2.0.0\",\"encodings\":["
                      "{\"name\":\"x\",\"y_scale\":0.01,\"y_zero_point\":41,\"output_dtype\":\"uint8\"},"
                      "{\"name\":\"conv.weight\",\"y_scale\":[0.01,0.02,0.03],\"y_zero_point\":[0,0,0],\"axis\":0,"
                      "\"output_dtype\":\"int8\"},"
                      "{\"name\":\"fc.weight\",\"y_scale\":[0.1,0.2,0.3,0.4],\"axis\":-2,\"output_dtype\":\"int8\"}]}";
    qrc_err e = {0};
    export_quant_set *s;
    if (export_encodings_parse(doc, strlen(doc), "spec", g, &s, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(s->n, 3);
    assert_false(s->q[0].is_param);
    assert_int_equal(s->q[0].encs[0].offset, -41);
    assert_false(s->q[0].encs[0].symmetric);
    assert_true(s->q[1].is_param && s->q[1].axis == 0 && s->q[1].n_encs == 3);
    for (int c = 0; c < 3; c++)
        assert_true(s->q[1].encs[c].symmetric && s->q[1].encs[c].offset == -128);
    assert_true(fabsf(s->q[1].encs[2].scale - 0.03f) < 1e-9f);
    assert_true(s->q[2].axis == 0 && s->q[2].n_encs == 4 && s->q[2].encs[3].offset == -128);
    export_quant_set_free(s);
    /* the same entries under the older section names */
    const char *split = "{\"version\":\"2.0.0\",\"activation_encodings\":[{\"name\":\"x\",\"y_scale\":0.01,"
                        "\"y_zero_point\":41,\"output_dtype\":\"uint8\"}],\"param_encodings\":[{\"name\":\"fc.weight\","
                        "\"y_scale\":0.1,\"output_dtype\":\"int8\"}]}";
    if (export_encodings_parse(split, strlen(split), "spec", g, &s, &e))
        fail_msg("%s", e.msg);
    assert_true(s->n == 2 && !s->q[0].is_param && s->q[1].is_param && s->q[0].encs[0].offset == -41);
    export_quant_set_free(s);
    graph_free(g);
}

static void expect_refused(const export_quantizer *q, const char *want)
{
    qrc_err e = {0};
    char *text = (char *)1;
    assert_int_equal(export_encodings_dump(q, 1, EXPORT_ENC_2_0_0, NULL, &text, &e), -1);
    assert_null(text);
    if (!strstr(e.msg, want) || !strstr(e.msg, q->tensor))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
}

/* What QuantizeLinear's types cannot say is refused by name, never written approximately. */
static void refusals(void **state)
{
    (void)state;
    qrc_err e = {0};
    quant_encoding h = {.kind = QUANT_FLOAT, .bitwidth = 16}, six, strict;
    quant_format f6 = {.kind = QUANT_INT, .bitwidth = 6};
    quant_format fs = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .strict = true};
    assert_int_equal(quant_encoding_from_range(&f6, -1, 1, &six, &e), 0);
    assert_int_equal(quant_encoding_from_range(&fs, -1, 1, &strict, &e), 0);
    expect_refused(&(export_quantizer){"logits", false, -1, 1, &h}, "float16");
    expect_refused(&(export_quantizer){"x", false, -1, 1, &six}, "6-bit");
    expect_refused(&(export_quantizer){"fc.weight", true, -1, 1, &strict}, "strict symmetric");
}

static void expect_bad(graph *g, const char *body, const char *want)
{
    char doc[1024];
    snprintf(doc, sizeof doc, "{\"version\":\"2.0.0\",\"encodings\":[%s]}", body);
    qrc_err e = {0};
    export_quant_set *s = (export_quant_set *)1;
    if (!export_encodings_parse(doc, strlen(doc), "bad.encodings", g, &s, &e))
        fail_msg("accepted: %s", doc);
    assert_null(s);
    if (!strstr(e.msg, want) || !strstr(e.msg, "bad.encodings"))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
}

static void bad_files(void **state)
{
    (void)state;
    graph *g = fx_graph();
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":0.1,\"output_dtype\":\"float16\"}", "output_dtype");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":0.1,\"output_dtype\":\"int2\"}", "int2");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":0.1}", "(missing)");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":0.1,\"y_zero_point\":300,\"output_dtype\":\"uint8\"}", "offset -300");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":-0.1,\"output_dtype\":\"uint8\"}", "scale");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":\"a\",\"output_dtype\":\"uint8\"}", "y_scale");
    expect_bad(g, "{\"name\":\"nope\",\"y_scale\":0.1,\"output_dtype\":\"uint8\"}", "'nope' is not in the model");
    expect_bad(g, "{\"name\":\"conv.weight\",\"y_scale\":[0.1,0.1,0.1],\"output_dtype\":\"int8\"}", "\"axis\"");
    expect_bad(g, "{\"name\":\"conv.weight\",\"y_scale\":[0.1,0.1],\"axis\":0,\"output_dtype\":\"int8\"}",
               "2 channel encodings but the tensor has 3 channels");
    expect_bad(g, "{\"name\":\"conv.weight\",\"y_scale\":[0.1,0.1,0.1],\"y_zero_point\":[0],\"axis\":0,"
                  "\"output_dtype\":\"int8\"}", "one length");
    expect_bad(g, "{\"name\":\"fc.weight\",\"y_scale\":[[0.1],[0.1],[0.1],[0.1]],\"axis\":1,\"block_size\":75,"
                  "\"output_dtype\":\"int4\"}", "block_size");
    expect_bad(g, "{\"name\":\"x\",\"y_scale\":0.1,\"output_dtype\":\"uint8\"},"
                  "{\"name\":\"x\",\"y_scale\":0.1,\"output_dtype\":\"uint8\"}", "more than one quantizer");
    expect_bad(g, "3", "no \"name\"");
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema),          cmocka_unit_test(round_trip), cmocka_unit_test(unsigned_symmetric),
        cmocka_unit_test(aimet_examples),  cmocka_unit_test(refusals),   cmocka_unit_test(bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
