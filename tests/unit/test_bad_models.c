/* Bad models: each case damages a good model (the Fashion-MNIST CNN) by editing its protobuf or its
 * bytes, then loads, infers, compiles and runs it. Every case must fail with a message naming what is
 * wrong and where; none may crash (the suite also runs under ASan/UBSan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/file.h"
#include "exec.h"
#include "infer.h"
#include "onnx.h"
#include "onnx.pb-c.h"

static void *good;
static size_t good_n;
static char dir[64];

static int setup(void **state)
{
    (void)state;
    qrc_err e;
    strcpy(dir, "/tmp/qrc_bad_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return file_read("recipes/models/fmnist_cnn.onnx", FILE_NO_LIMIT, &good, &good_n, &e);
}

static int teardown(void **state)
{
    (void)state;
    free(good);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* ---- editing helpers ---------------------------------------------------------------------------- */

static Onnx__TensorProto *init_named(Onnx__ModelProto *mp, const char *name)
{
    for (size_t i = 0; i < mp->graph->n_initializer; i++)
        if (!strcmp(mp->graph->initializer[i]->name, name))
            return mp->graph->initializer[i];
    fail_msg("no initializer %s", name);
    return NULL;
}

static Onnx__NodeProto *node_named(Onnx__ModelProto *mp, const char *name)
{
    for (size_t i = 0; i < mp->graph->n_node; i++)
        if (!strcmp(mp->graph->node[i]->name, name))
            return mp->graph->node[i];
    fail_msg("no node %s", name);
    return NULL;
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = v ? strdup(v) : NULL;
}

static void write_file(const char *name, const void *buf, size_t n)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (n)
        assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

/* Moves an initializer's bytes to an external file written with `file_bytes` bytes of it. */
static void to_external(Onnx__TensorProto *t, const char *location, const char *offset, size_t file_bytes)
{
    if (file_bytes != (size_t)-1)
        write_file("weights.bin", t->raw_data.data, file_bytes < t->raw_data.len ? file_bytes : t->raw_data.len);
    free(t->raw_data.data);
    t->raw_data.data = NULL;
    t->raw_data.len = 0;
    t->has_raw_data = 0;
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    t->n_external_data = 2;
    t->external_data = calloc(2, sizeof *t->external_data);
    const char *kv[2][2] = {{"location", location}, {"offset", offset}};
    for (int i = 0; i < 2; i++) {
        t->external_data[i] = malloc(sizeof **t->external_data);
        onnx__string_string_entry_proto__init(t->external_data[i]);
        t->external_data[i]->key = strdup(kv[i][0]);
        t->external_data[i]->value = strdup(kv[i][1]);
    }
}

static void add_int_attr(Onnx__NodeProto *n, const char *name, int type)
{
    n->attribute = realloc(n->attribute, (n->n_attribute + 1) * sizeof *n->attribute);
    Onnx__AttributeProto *a = malloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = strdup(name);
    a->has_type = 1;
    a->type = type;
    a->has_i = 1;
    a->i = 1;
    n->attribute[n->n_attribute++] = a;
}

/* ---- the cases ---------------------------------------------------------------------------------- */

static void m_no_graph(Onnx__ModelProto *mp)
{
    onnx__graph_proto__free_unpacked(mp->graph, NULL);
    mp->graph = NULL;
}
static void m_no_ir(Onnx__ModelProto *mp) { mp->has_ir_version = 0; }
static void m_ir_old(Onnx__ModelProto *mp) { mp->ir_version = 2; }
static void m_ir_new(Onnx__ModelProto *mp) { mp->ir_version = 99; }
static void m_opset_new(Onnx__ModelProto *mp) { mp->opset_import[0]->version = 99; }
static void m_opset_none(Onnx__ModelProto *mp) { set_str(&mp->opset_import[0]->domain, "com.example"); }
static void m_neg_dim(Onnx__ModelProto *mp) { init_named(mp, "conv2.weight")->dims[1] = -16; }
static void m_huge_dims(Onnx__ModelProto *mp)
{
    Onnx__TensorProto *t = init_named(mp, "fc1.weight");
    t->dims[0] = (int64_t)1 << 40;
    t->dims[1] = (int64_t)1 << 40;
}
static void m_raw_short(Onnx__ModelProto *mp) { init_named(mp, "conv1.weight")->raw_data.len -= 4; }
static void m_raw_long(Onnx__ModelProto *mp) { init_named(mp, "bn2.bias")->dims[0] -= 1; }
static void m_typed_short(Onnx__ModelProto *mp)
{
    Onnx__TensorProto *t = init_named(mp, "fc2.bias");
    t->has_raw_data = 0;
    t->n_float_data = 3;
    t->float_data = calloc(3, sizeof(float));
}
static void m_string_init(Onnx__ModelProto *mp) { init_named(mp, "fc2.bias")->data_type = DT_STRING; }
static void m_bad_dtype(Onnx__ModelProto *mp) { init_named(mp, "fc2.bias")->data_type = 77; }
static void m_unnamed_init(Onnx__ModelProto *mp) { set_str(&init_named(mp, "fc2.bias")->name, ""); }
static void m_dup_init(Onnx__ModelProto *mp) { set_str(&init_named(mp, "fc2.bias")->name, "fc1.bias"); }
static void m_ghost_input(Onnx__ModelProto *mp) { set_str(&node_named(mp, "/Relu_1")->input[0], "ghost"); }
static void m_cycle(Onnx__ModelProto *mp) { set_str(&node_named(mp, "/conv2/Conv")->input[0], "/Relu_2_output_0"); }
static void m_two_writers(Onnx__ModelProto *mp)
{
    set_str(&node_named(mp, "/Relu_1")->output[0], "/Relu_output_0");
}
static void m_output_unproduced(Onnx__ModelProto *mp) { set_str(&mp->graph->output[0]->name, "nowhere"); }
static void m_output_twice(Onnx__ModelProto *mp)
{
    Onnx__GraphProto *g = mp->graph;
    g->output = realloc(g->output, 2 * sizeof *g->output);
    g->output[1] = malloc(sizeof **g->output);
    onnx__value_info_proto__init(g->output[1]);
    g->output[1]->name = strdup(g->output[0]->name);
    g->n_output = 2;
}
static void m_input_twice(Onnx__ModelProto *mp)
{
    Onnx__GraphProto *g = mp->graph;
    g->input = realloc(g->input, 2 * sizeof *g->input);
    g->input[1] = malloc(sizeof **g->input);
    onnx__value_info_proto__init(g->input[1]);
    g->input[1]->name = strdup(g->input[0]->name);
    g->n_input = 2;
}
static void m_missing_input(Onnx__ModelProto *mp)
{
    Onnx__GraphProto *g = mp->graph;
    onnx__value_info_proto__free_unpacked(g->input[0], NULL);
    g->n_input = 0;
}
static void m_unknown_op(Onnx__ModelProto *mp) { set_str(&node_named(mp, "/Relu_2")->op_type, "Frobnicate"); }
static void m_unknown_domain(Onnx__ModelProto *mp) { set_str(&node_named(mp, "/Relu_2")->domain, "com.example"); }
static void m_no_op_type(Onnx__ModelProto *mp) { set_str(&node_named(mp, "/Relu_2")->op_type, NULL); }
static void m_ext_escape(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "../weights.bin", "0", 0); }
static void m_ext_absolute(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "/etc/passwd", "0", 0); }
static void m_ext_missing(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "absent.bin", "0", (size_t)-1); }
static void m_ext_short(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "weights.bin", "0", 1000); }
static void m_ext_offset(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "weights.bin", "64", (size_t)1 << 30); }
static void m_ext_bad_offset(Onnx__ModelProto *mp) { to_external(init_named(mp, "fc1.weight"), "weights.bin", "-5", 0); }
static void m_vi_neg_dim(Onnx__ModelProto *mp)
{
    Onnx__TensorShapeProto *s = mp->graph->input[0]->type->tensor_type->shape;
    s->dim[2]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    s->dim[2]->dim_value = -28;
}
static void m_vi_huge_dim(Onnx__ModelProto *mp)
{
    Onnx__TensorShapeProto *s = mp->graph->input[0]->type->tensor_type->shape;
    s->dim[3]->dim_value = (int64_t)1 << 50;
}
static void m_vi_rank(Onnx__ModelProto *mp)
{
    Onnx__TensorShapeProto *s = mp->graph->input[0]->type->tensor_type->shape;
    s->dim = realloc(s->dim, 12 * sizeof *s->dim);
    for (size_t i = s->n_dim; i < 12; i++) {
        s->dim[i] = malloc(sizeof **s->dim);
        onnx__tensor_shape_proto__dimension__init(s->dim[i]);
    }
    s->n_dim = 12;
}
static void m_vi_bad_type(Onnx__ModelProto *mp) { mp->graph->input[0]->type->tensor_type->elem_type = 1234; }
static void m_sparse_attr(Onnx__ModelProto *mp) { add_int_attr(node_named(mp, "/fc1/Gemm"), "odd", 11); }
static void m_unknown_attr(Onnx__ModelProto *mp) { add_int_attr(node_named(mp, "/Relu_3"), "frobnication", 2); }
static void m_wrong_weight_shape(Onnx__ModelProto *mp)
{
    Onnx__TensorProto *t = init_named(mp, "fc2.weight"); /* [10,128] -> [128,10]: same bytes, wrong shape */
    int64_t d = t->dims[0];
    t->dims[0] = t->dims[1];
    t->dims[1] = d;
}
static void m_conv_channels(Onnx__ModelProto *mp)
{
    Onnx__TensorProto *t = init_named(mp, "conv2.weight"); /* in-channels 16 -> 8, kernel 3x3 -> 3x6 */
    t->dims[1] /= 2;
    t->dims[3] *= 2;
}
static void m_attr_tensor_short(Onnx__ModelProto *mp)
{
    Onnx__NodeProto *n = node_named(mp, "/Relu_3");
    n->attribute = realloc(n->attribute, (n->n_attribute + 1) * sizeof *n->attribute);
    Onnx__AttributeProto *a = malloc(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = strdup("value");
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    a->t = malloc(sizeof *a->t);
    onnx__tensor_proto__init(a->t);
    a->t->has_data_type = 1;
    a->t->data_type = DT_FLOAT;
    a->t->n_dims = 1;
    a->t->dims = malloc(sizeof(int64_t));
    a->t->dims[0] = 4;
    a->t->has_raw_data = 1;
    a->t->raw_data.len = 3;
    a->t->raw_data.data = calloc(1, 3);
    n->attribute[n->n_attribute++] = a;
}

/* byte-level damage */
static size_t b_half(unsigned char *b, size_t n) { (void)b; return n / 2; }
static size_t b_tiny(unsigned char *b, size_t n) { (void)b; return n < 7 ? n : 7; }
static size_t b_empty(unsigned char *b, size_t n) { (void)b; (void)n; return 0; }
static size_t b_npy(unsigned char *b, size_t n)
{
    static const char h[] = "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
    memcpy(b, h, sizeof h - 1);
    return n < 128 ? n : 128;
}
static size_t b_noise(unsigned char *b, size_t n)
{
    uint32_t s = 12345;
    for (size_t i = 0; i < 4096 && i < n; i++) {
        s = s * 1664525u + 1013904223u;
        b[i] = (unsigned char)(s >> 24);
    }
    return n < 4096 ? n : 4096;
}
static size_t b_text(unsigned char *b, size_t n)
{
    const char *t = "this is a plain text file, not a model\n";
    memcpy(b, t, strlen(t));
    return strlen(t);
}
static size_t b_flip_tail(unsigned char *b, size_t n) { b[n - 3] ^= 0xff; b[n - 2] ^= 0xff; return n; }

typedef struct bad_case {
    const char *label;
    void (*mutate)(Onnx__ModelProto *mp);
    size_t (*damage)(unsigned char *b, size_t n);
    const char *what, *where; /* both must appear in the error */
} bad_case;

static const bad_case cases[] = {
    {"truncated to half", NULL, b_half, "not an ONNX model", "truncated"},
    {"truncated to 7 bytes", NULL, b_tiny, "not an ONNX model", "bytes"},
    {"empty file", NULL, b_empty, "empty file", "ONNX"},
    {"a .npy file", NULL, b_npy, "not an ONNX model", ""},
    {"random bytes", NULL, b_noise, "not an ONNX model", ""},
    {"plain text", NULL, b_text, "not an ONNX model", ""},
    {"damaged tail", NULL, b_flip_tail, "", ""},
    {"no graph", m_no_graph, NULL, "no graph", ""},
    {"no ir_version", m_no_ir, NULL, "no ir_version", ""},
    {"IR too old", m_ir_old, NULL, "IR version 2", "3..10"},
    {"IR too new", m_ir_new, NULL, "IR version 99", "3..10"},
    {"opset too new", m_opset_new, NULL, "opset 99", "7..21"},
    {"no default opset", m_opset_none, NULL, "no default-domain", "opset"},
    {"negative initializer dim", m_neg_dim, NULL, "conv2.weight", "negative"},
    {"enormous initializer", m_huge_dims, NULL, "fc1.weight", "16 GiB"},
    {"raw_data too short", m_raw_short, NULL, "conv1.weight", "raw_data has 1148 bytes"},
    {"raw_data too long", m_raw_long, NULL, "bn2.bias", "raw_data"},
    {"typed array too short", m_typed_short, NULL, "fc2.bias", "float_data holds 3 values"},
    {"string initializer", m_string_init, NULL, "fc2.bias", "unsupported element type 8"},
    {"unknown element type", m_bad_dtype, NULL, "fc2.bias", "unsupported element type 77"},
    {"unnamed initializer", m_unnamed_init, NULL, "initializer", "no name"},
    {"duplicate initializer", m_dup_init, NULL, "fc1.bias", "twice"},
    {"input referencing nothing", m_ghost_input, NULL, "/Relu_1", "ghost"},
    {"cycle", m_cycle, NULL, "cycle", "/conv2/Conv"},
    {"two producers", m_two_writers, NULL, "/Relu_output_0", "already written"},
    {"output not produced", m_output_unproduced, NULL, "nowhere", "not produced"},
    {"output listed twice", m_output_twice, NULL, "logits", "twice"},
    {"input listed twice", m_input_twice, NULL, "image", "twice"},
    {"graph input missing", m_missing_input, NULL, "/conv1/Conv", "'image'"},
    {"unknown op", m_unknown_op, NULL, "/Relu_2", "Frobnicate"},
    {"unknown domain", m_unknown_domain, NULL, "/Relu_2", "com.example"},
    {"node without op_type", m_no_op_type, NULL, "/Relu_2", "no op_type"},
    {"external data escapes", m_ext_escape, NULL, "fc1.weight", "outside the model's directory"},
    {"external data absolute", m_ext_absolute, NULL, "fc1.weight", "outside the model's directory"},
    {"external data missing", m_ext_missing, NULL, "fc1.weight", "absent.bin"},
    {"external data short", m_ext_short, NULL, "fc1.weight", "has 1000 bytes"},
    {"external data offset", m_ext_offset, NULL, "fc1.weight", "at offset 64"},
    {"external data bad offset", m_ext_bad_offset, NULL, "fc1.weight", "offset '-5'"},
    {"negative declared dim", m_vi_neg_dim, NULL, "image", "negative"},
    {"huge declared dim", m_vi_huge_dim, NULL, "image", "implausibly large"},
    {"declared rank 12", m_vi_rank, NULL, "image", "rank 12"},
    {"declared unknown type", m_vi_bad_type, NULL, "image", "element type 1234"},
    {"sparse tensor attribute", m_sparse_attr, NULL, "/fc1/Gemm", "odd"},
    {"unknown attribute", m_unknown_attr, NULL, "/Relu_3", "frobnication"},
    {"attribute tensor too short", m_attr_tensor_short, NULL, "/Relu_3", "raw_data has 3 bytes"},
    {"Gemm weight transposed", m_wrong_weight_shape, NULL, "/fc2/Gemm", ""},
    {"Conv weight channels", m_conv_channels, NULL, "/conv2/Conv", ""},
};

/* Loads, infers, compiles and runs; returns the first failure (0 if everything worked). */
static int pipeline(const void *buf, size_t n, qrc_err *e)
{
    graph *g;
    if (onnx_load_mem(buf, n, dir, &g, e))
        return -1;
    exec *x = NULL;
    int rc = graph_infer_shapes(g, e);
    if (!rc)
        rc = exec_new(g, 1, &x, e);
    if (!rc) {
        int64_t dims[] = {2, 1, 28, 28};
        tensor *in = tensor_new(DT_FLOAT, 4, dims, e);
        const char *names[] = {"image"};
        const tensor *ins[] = {in};
        tensor *out[4] = {NULL};
        rc = exec_run(x, 1, names, ins, out, e);
        for (int i = 0; i < 4; i++)
            tensor_free(out[i]);
        tensor_free(in);
    }
    exec_free(x);
    graph_free(g);
    return rc;
}

static void good_model_passes(void **state)
{
    (void)state;
    qrc_err e;
    if (pipeline(good, good_n, &e))
        fail_msg("the undamaged model fails: %s", e.msg);
}

static void every_bad_model_fails_clearly(void **state)
{
    (void)state;
    int n_cases = (int)(sizeof cases / sizeof *cases), failed = 0;
    assert_true(n_cases >= 30);
    for (int c = 0; c < n_cases; c++) {
        const bad_case *bc = &cases[c];
        unsigned char *buf;
        size_t n;
        if (bc->mutate) {
            Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, good_n, good);
            assert_non_null(mp);
            bc->mutate(mp);
            n = onnx__model_proto__get_packed_size(mp);
            buf = malloc(n);
            onnx__model_proto__pack(mp, buf);
            onnx__model_proto__free_unpacked(mp, NULL);
        } else {
            buf = malloc(good_n);
            memcpy(buf, good, good_n);
            n = bc->damage(buf, good_n);
        }
        qrc_err e = {0};
        int rc = pipeline(buf, n, &e);
        free(buf);
        if (rc != -1 || !*e.msg || !strstr(e.msg, bc->what) || !strstr(e.msg, bc->where)) {
            print_error("case '%s': rc %d, message '%s' (wanted '%s' and '%s')\n", bc->label, rc, e.msg, bc->what,
                        bc->where);
            failed++;
        } else {
            print_message("%-28s %s\n", bc->label, e.msg);
        }
    }
    assert_int_equal(failed, 0);
}

/* Seeded random damage (byte overwrites in the first 64 KiB, where the graph structure lives, and
 * truncations): each variant either works or fails with a message; nothing crashes. */
static void random_damage_never_crashes(void **state)
{
    (void)state;
    uint32_t s = 2024;
    int failed = 0, worked = 0;
    size_t span = good_n < 65536 ? good_n : 65536;
    for (int it = 0; it < 120; it++) {
        unsigned char *buf = malloc(good_n);
        memcpy(buf, good, good_n);
        size_t n = good_n;
        s = s * 1664525u + 1013904223u;
        if (it % 4 == 3) {
            n = (s >> 8) % good_n;
        } else {
            for (int k = 0; k < 1 + it % 3; k++) {
                s = s * 1664525u + 1013904223u;
                buf[(s >> 8) % span] = (unsigned char)(s >> 3);
            }
        }
        qrc_err e = {0};
        if (pipeline(buf, n, &e)) {
            failed++;
            if (!*e.msg)
                fail_msg("variant %d failed without a message", it);
        } else {
            worked++;
        }
        free(buf);
    }
    print_message("random damage: %d variants failed cleanly, %d still ran\n", failed, worked);
    assert_true(failed > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_model_passes),
        cmocka_unit_test(every_bad_model_fails_clearly),
        cmocka_unit_test(random_damage_never_crashes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
