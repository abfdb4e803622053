/* Encodings JSON: structure of both versions, every quantizer present, round trip, determinism, bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/file.h"
#include "export_fixture.h"
#include "onnx.h"

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    assert_non_null(j);
    return j;
}

static void assert_key_set(json_t *o, const char *const *keys, size_t n)
{
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), n);
    for (size_t i = 0; i < n; i++)
        assert_non_null(json_object_get(o, keys[i]));
}

/* Schema of quantizer_args, common to both versions. */
static void check_quantizer_args(json_t *qa)
{
    static const char *const keys[] = {"activation_bitwidth", "dtype", "is_symmetric", "param_bitwidth",
                                       "per_channel_quantization", "quant_scheme"};
    assert_key_set(qa, keys, 6);
    assert_true(json_is_integer(json_object_get(qa, "activation_bitwidth")));
    assert_true(json_is_integer(json_object_get(qa, "param_bitwidth")));
    assert_true(json_is_boolean(json_object_get(qa, "is_symmetric")));
    assert_true(json_is_true(json_object_get(qa, "per_channel_quantization")));
    assert_string_equal(json_string_value(json_object_get(qa, "quant_scheme")), "post_training_tf_enhanced");
}

/* 0.6.1 schema: sections keyed by tensor name, lists of per-channel entries with fixed keys and types. */
static void check_061(json_t *root, const fx_quant *f)
{
    static const char *const top[] = {"version", "activation_encodings", "param_encodings", "quantizer_args"};
    static const char *const ent[] = {"bitwidth", "dtype", "is_symmetric", "max", "min", "offset", "scale"};
    assert_key_set(root, top, 4);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "0.6.1");
    check_quantizer_args(json_object_get(root, "quantizer_args"));
    size_t n_act = 0, n_param = 0;
    for (int i = 0; i < 5; i++) {
        const export_quantizer *x = &f->q[i];
        json_t *sec = json_object_get(root, x->is_param ? "param_encodings" : "activation_encodings");
        *(x->is_param ? &n_param : &n_act) += 1;
        json_t *list = json_object_get(sec, x->tensor);
        assert_true(json_is_array(list));
        assert_int_equal(json_array_size(list), x->n_encs);
        for (int c = 0; c < x->n_encs; c++) {
            json_t *o = json_array_get(list, (size_t)c);
            assert_key_set(o, ent, 7);
            assert_int_equal(json_integer_value(json_object_get(o, "bitwidth")), 8);
            assert_string_equal(json_string_value(json_object_get(o, "dtype")), "int");
            const char *sym = json_string_value(json_object_get(o, "is_symmetric"));
            assert_string_equal(sym, x->encs[c].symmetric ? "True" : "False");
            assert_true(json_is_real(json_object_get(o, "scale")));
            assert_true(json_is_real(json_object_get(o, "min")));
            assert_true(json_is_real(json_object_get(o, "max")));
            assert_true(json_is_integer(json_object_get(o, "offset")));
            assert_true((float)json_real_value(json_object_get(o, "scale")) == x->encs[c].scale);
            assert_int_equal(json_integer_value(json_object_get(o, "offset")), x->encs[c].offset);
        }
    }
    /* every quantizer appears, and nothing else does */
    assert_int_equal(json_object_size(json_object_get(root, "activation_encodings")), n_act);
    assert_int_equal(json_object_size(json_object_get(root, "param_encodings")), n_param);
}

/* 1.0.0 schema: sections are lists of named entries. */
static void check_100(json_t *root, const fx_quant *f)
{
    static const char *const top[] = {"version", "activation_encodings", "param_encodings", "quantizer_args"};
    static const char *const ent[] = {"name", "enc_type", "dtype", "bw", "is_sym", "scale", "offset"};
    assert_key_set(root, top, 4);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "1.0.0");
    check_quantizer_args(json_object_get(root, "quantizer_args"));
    json_t *act = json_object_get(root, "activation_encodings"), *par = json_object_get(root, "param_encodings");
    assert_true(json_is_array(act) && json_is_array(par));
    assert_int_equal(json_array_size(act) + json_array_size(par), 5);
    for (int i = 0; i < 5; i++) {
        const export_quantizer *x = &f->q[i];
        json_t *sec = x->is_param ? par : act, *o = NULL;
        for (size_t k = 0; k < json_array_size(sec); k++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(sec, k), "name")), x->tensor))
                o = json_array_get(sec, k);
        assert_non_null(o);
        assert_key_set(o, ent, 7);
        assert_string_equal(json_string_value(json_object_get(o, "enc_type")),
                            x->axis >= 0 ? "PER_CHANNEL" : "PER_TENSOR");
        assert_string_equal(json_string_value(json_object_get(o, "dtype")), "INT");
        assert_int_equal(json_integer_value(json_object_get(o, "bw")), 8);
        assert_true(json_is_boolean(json_object_get(o, "is_sym")));
        json_t *s = json_object_get(o, "scale"), *off = json_object_get(o, "offset");
        assert_int_equal(json_array_size(s), x->n_encs);
        assert_int_equal(json_array_size(off), x->n_encs);
        for (int c = 0; c < x->n_encs; c++) {
            assert_true((float)json_real_value(json_array_get(s, (size_t)c)) == x->encs[c].scale);
            assert_int_equal(json_integer_value(json_array_get(off, (size_t)c)), x->encs[c].offset);
        }
    }
}

static void schema_both_versions(void **state)
{
    (void)state;
    fx_quant f;
    fx_quantizers(&f);
    qrc_err e;
    char *text;
    assert_int_equal(export_encodings_dump(f.q, 5, EXPORT_ENC_0_6_1, "post_training_tf_enhanced", &text, &e), 0);
    json_t *j = load(text);
    check_061(j, &f);
    json_decref(j);
    free(text);
    assert_int_equal(export_encodings_dump(f.q, 5, EXPORT_ENC_1_0_0, "post_training_tf_enhanced", &text, &e), 0);
    j = load(text);
    check_100(j, &f);
    json_decref(j);
    free(text);
}

static const export_quantizer *find_q(const export_quant_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->q[i].tensor, name))
            return &s->q[i];
    return NULL;
}

/* Writes, reads back against the model, and expects the very same encodings and axes. */
static void round_trip(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    qrc_err e;
    for (int v = 0; v < 2; v++) {
        char *text;
        assert_int_equal(export_encodings_dump(f.q, 5, (export_enc_version)v, NULL, &text, &e), 0);
        export_quant_set *s;
        int rc = export_encodings_parse(text, strlen(text), "mem", g, &s, &e);
        if (rc)
            fail_msg("%s", e.msg);
        assert_int_equal(s->n, 5);
        for (int i = 0; i < 5; i++) {
            const export_quantizer *r = find_q(s, f.q[i].tensor);
            assert_non_null(r);
            assert_int_equal(r->is_param, f.q[i].is_param);
            assert_int_equal(r->axis, f.q[i].axis);
            assert_int_equal(r->n_encs, f.q[i].n_encs);
            for (int c = 0; c < r->n_encs; c++) {
                const quant_encoding *a = &r->encs[c], *b = &f.q[i].encs[c];
                assert_true(a->scale == b->scale && a->min == b->min && a->max == b->max);
                assert_int_equal(a->offset, b->offset);
                assert_int_equal(a->bitwidth, b->bitwidth);
                assert_int_equal(a->symmetric, b->symmetric);
                assert_int_equal(a->strict, b->strict);
            }
        }
        /* and writing what was read gives the same bytes */
        char *again;
        assert_int_equal(export_encodings_dump(s->q, s->n, (export_enc_version)v, NULL, &again, &e), 0);
        if (v == EXPORT_ENC_0_6_1)
            assert_string_equal(again, text);
        free(again);
        export_quant_set_free(s);
        free(text);
    }
    graph_free(g);
}

static void strict_float_and_16bit(void **state)
{
    (void)state;
    graph *g = fx_graph();
    qrc_err e;
    quant_format strict = {.kind = QUANT_INT, .bitwidth = 8, .symmetric = true, .strict = true};
    quant_format a16 = {.kind = QUANT_INT, .bitwidth = 16};
    quant_encoding w, x, h = {.kind = QUANT_FLOAT, .bitwidth = 16};
    assert_int_equal(quant_encoding_from_range(&strict, -0.3, 0.2, &w, &e), 0);
    assert_int_equal(quant_encoding_from_range(&a16, -1.7, 3.1, &x, &e), 0);
    export_quantizer q[3] = {{"fc.weight", true, -1, 1, &w}, {"x", false, -1, 1, &x}, {"logits", false, -1, 1, &h}};
    for (int v = 0; v < 2; v++) {
        char *text;
        assert_int_equal(export_encodings_dump(q, 3, (export_enc_version)v, NULL, &text, &e), 0);
        export_quant_set *s;
        assert_int_equal(export_encodings_parse(text, strlen(text), "mem", g, &s, &e), 0);
        const export_quantizer *r = find_q(s, "fc.weight");
        assert_true(r->encs[0].strict && r->encs[0].offset == -127 && r->encs[0].scale == w.scale);
        r = find_q(s, "x");
        assert_true(r->encs[0].bitwidth == 16 && r->encs[0].offset == x.offset && r->encs[0].scale == x.scale);
        r = find_q(s, "logits");
        assert_int_equal(r->encs[0].kind, QUANT_FLOAT);
        export_quant_set_free(s);
        free(text);
    }
    graph_free(g);
}

static void deterministic(void **state)
{
    (void)state;
    fx_quant f;
    fx_quantizers(&f);
    qrc_err e;
    char dir[] = "/tmp/qrc_enc_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/a.encodings", dir);
    snprintf(p2, sizeof p2, "%s/b.encodings", dir);
    for (int v = 0; v < 2; v++) {
        assert_int_equal(export_encodings_write(p1, f.q, 5, (export_enc_version)v, NULL, &e), 0);
        assert_int_equal(export_encodings_write(p2, f.q, 5, (export_enc_version)v, NULL, &e), 0);
        void *a, *b;
        size_t na, nb;
        assert_int_equal(file_read(p1, FILE_NO_LIMIT, &a, &na, &e), 0);
        assert_int_equal(file_read(p2, FILE_NO_LIMIT, &b, &nb, &e), 0);
        assert_true(na == nb && na > 100 && !memcmp(a, b, na));
        free(a);
        free(b);
    }
    /* 0.6.1 keys are sorted: input order does not matter */
    char *t1, *t2;
    export_quantizer rev[5];
    for (int i = 0; i < 5; i++)
        rev[i] = f.q[4 - i];
    assert_int_equal(export_encodings_dump(f.q, 5, EXPORT_ENC_0_6_1, NULL, &t1, &e), 0);
    assert_int_equal(export_encodings_dump(rev, 5, EXPORT_ENC_0_6_1, NULL, &t2, &e), 0);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

/* Parses text against the fixture model and expects an error containing want. */
static void expect_bad(graph *g, const char *text, const char *want)
{
    qrc_err e = {0};
    export_quant_set *s = (export_quant_set *)1;
    int rc = export_encodings_parse(text, strlen(text), "bad.encodings", g, &s, &e);
    if (rc == 0)
        fail_msg("accepted: %s", text);
    assert_null(s);
    if (!strstr(e.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
    assert_non_null(strstr(e.msg, "bad.encodings"));
}

#define ENT(sym, off, sc) "{\"bitwidth\":8,\"dtype\":\"int\",\"is_symmetric\":\"" sym "\",\"offset\":" off ",\"scale\":" sc "}"

static void bad_files(void **state)
{
    (void)state;
    graph *g = fx_graph();
    expect_bad(g, "{\"activation_encodings\":{\"nope\":[" ENT("False", "-10", "0.1") "]}}", "'nope' is not in the model");
    expect_bad(g, "{\"param_encodings\":{\"conv.weight\":[" ENT("True", "-128", "0.1") "," ENT("True", "-128", "0.1") "]}}",
               "2 channel encodings but the tensor has 3 channels");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("False", "-10", "-0.1") "]}}", "'x'");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("False", "-10", "0") "]}}", "scale");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("False", "-300", "0.1") "]}}", "offset -300");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("False", "5", "0.1") "]}}", "offset 5");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("True", "-100", "0.1") "]}}", "symmetric 8-bit encoding with offset -100");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("Maybe", "-10", "0.1") "]}}", "is_symmetric");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[{\"bitwidth\":8,\"dtype\":\"int\",\"is_symmetric\":\"False\","
                  "\"offset\":-10,\"scale\":0.1,\"min\":-5.0,\"max\":2.4}]}}", "min -5");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[{\"bitwidth\":40,\"dtype\":\"int\",\"is_symmetric\":\"False\","
                  "\"offset\":-10,\"scale\":0.1}]}}", "bitwidth 40");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[]}}", "non-empty list");
    expect_bad(g, "{\"activation_encodings\":{\"x\":[" ENT("False", "-10", "0.1") "]", "invalid JSON");
    expect_bad(g, "[1,2]", "top level");
    expect_bad(g, "{\"version\":\"2.0\",\"activation_encodings\":{}}", "unknown encodings version");
    expect_bad(g, "{\"version\":\"1.0.0\",\"activation_encodings\":[{\"name\":\"x\",\"enc_type\":\"PER_TENSOR\",\"dtype\":\"FLOAT\",\"bw\":16},"
                  "{\"name\":\"x\",\"enc_type\":\"PER_TENSOR\",\"dtype\":\"FLOAT\",\"bw\":16}]}", "more than one quantizer");
    /* activations are not parameters and vice versa */
    expect_bad(g, "{\"param_encodings\":{\"relu_out\":[" ENT("False", "0", "0.1") "]}}", "not an initializer");
    /* 1.0.0 */
    expect_bad(g, "{\"version\":\"1.0.0\",\"activation_encodings\":{\"x\":1}}", "is not a list");
    expect_bad(g, "{\"version\":\"1.0.0\",\"param_encodings\":[{\"name\":\"fc.weight\",\"enc_type\":\"PER_BLOCK\","
                  "\"dtype\":\"INT\",\"bw\":8,\"is_sym\":true,\"scale\":[0.1],\"offset\":[-128]}]}", "PER_BLOCK");
    expect_bad(g, "{\"version\":\"1.0.0\",\"param_encodings\":[{\"name\":\"fc.weight\",\"enc_type\":\"PER_CHANNEL\","
                  "\"dtype\":\"INT\",\"bw\":8,\"is_sym\":true,\"scale\":[0.1,0.1],\"offset\":[-128,-128]}]}",
               "2 channel encodings but the tensor has 4 channels");
    expect_bad(g, "{\"version\":\"1.0.0\",\"param_encodings\":[{\"name\":\"fc.weight\",\"enc_type\":\"PER_TENSOR\","
                  "\"dtype\":\"INT\",\"bw\":8,\"is_sym\":true,\"scale\":[0.1],\"offset\":[-128,0]}]}", "1 scales but 2 offsets");
    graph_free(g);
}

static void unwritable(void **state)
{
    (void)state;
    fx_quant f;
    fx_quantizers(&f);
    qrc_err e = {0};
    assert_int_equal(export_encodings_write("/nonexistent_dir_qrc/m.encodings", f.q, 5, EXPORT_ENC_0_6_1, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent_dir_qrc/m.encodings"));
    /* invalid encodings are refused before anything is written */
    quant_encoding badenc = f.x;
    badenc.scale = -1.0f;
    export_quantizer bad = {"x", false, -1, 1, &badenc};
    char *text = NULL;
    assert_int_equal(export_encodings_dump(&bad, 1, EXPORT_ENC_1_0_0, NULL, &text, &e), -1);
    assert_null(text);
    assert_non_null(strstr(e.msg, "'x'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_both_versions), cmocka_unit_test(round_trip),
        cmocka_unit_test(strict_float_and_16bit), cmocka_unit_test(deterministic),
        cmocka_unit_test(bad_files), cmocka_unit_test(unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
