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
#include "onnx.h"
#include "onnx.pb-c.h"

static const char *models[] = {"recipes/models/fmnist_cnn.onnx", "recipes/models/fmnist_resnet.onnx",
                               "recipes/models/fmnist_vit.onnx"};

static int find_node(const graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return i;
    return -1;
}

static void module_paths_from_scopes(void **state)
{
    (void)state;
    graph *g = graph_new();
    assert_string_equal(onnx_module_from_name(g, "/layer1/layer1.0/conv1/Conv"), "layer1.0.conv1");
    assert_string_equal(onnx_module_from_name(g, "/layer1/layer1.0/Add"), "layer1.0");
    assert_string_equal(onnx_module_from_name(g, "/pool_1/MaxPool"), "pool_1");
    assert_string_equal(onnx_module_from_name(g, "/enc/layers/layers.0/attn/MatMul"), "enc.layers.0.attn");
    assert_null(onnx_module_from_name(g, "/Relu_3"));
    assert_null(onnx_module_from_name(g, "Conv_12"));
    assert_null(onnx_module_from_name(g, ""));
    assert_null(onnx_module_from_name(g, NULL));
    graph_free(g);
}

static void loads_the_models(void **state)
{
    (void)state;
    qrc_err e;
    graph *g;
    assert_int_equal(onnx_load("recipes/models/fmnist_resnet.onnx", &g, &e), 0);
    assert_true(g->n_nodes > 20);
    assert_int_equal(g->n_inputs, 1);
    const graph_value *in = &g->values[g->inputs[0]];
    assert_string_equal(in->name, "image");
    assert_int_equal(in->dtype, DT_FLOAT);
    assert_int_equal(in->rank, 4);
    assert_string_equal(in->dim_param[0], "N");
    assert_int_equal(in->dims[0], -1);
    assert_int_equal(in->dims[2], 28);
    assert_string_equal(g->values[g->outputs[0]].name, "logits");
    int c = find_node(g, "/layer1/layer1.0/conv1/Conv");
    assert_true(c >= 0);
    assert_string_equal(g->nodes[c].module, "layer1.0.conv1");
    int w = g->nodes[c].in[1];
    assert_non_null(g->values[w].init);
    assert_string_equal(g->values[w].name, "layer1.0.conv1.weight");
    assert_int_equal(g->values[w].init->rank, 4);
    int r = find_node(g, "/Relu");
    assert_true(r >= 0);
    assert_null(g->nodes[r].module);
    assert_int_equal(graph_opset_version(g, ""), 13);
    assert_non_null(g->model_proto);
    /* order is topological */
    int *pos = calloc((size_t)g->n_nodes, sizeof *pos);
    for (int i = 0; i < g->n_nodes; i++)
        pos[g->order[i]] = i;
    for (int n = 0; n < g->n_nodes; n++)
        for (int k = 0; k < g->nodes[n].n_in; k++) {
            int v = g->nodes[n].in[k];
            if (v >= 0 && g->values[v].producer >= 0)
                assert_true(pos[g->values[v].producer] < pos[n]);
        }
    free(pos);
    graph_free(g);
}

static void same_graph(const graph *a, const graph *b)
{
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_inputs, b->n_inputs);
    assert_int_equal(a->n_outputs, b->n_outputs);
    assert_int_equal(a->n_opsets, b->n_opsets);
    assert_int_equal(a->ir_version, b->ir_version);
    for (int i = 0; i < a->n_nodes; i++) {
        const graph_node *x = &a->nodes[a->order[i]], *y = &b->nodes[b->order[i]];
        assert_string_equal(x->op_type, y->op_type);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->n_in, y->n_in);
        assert_int_equal(x->n_attrs, y->n_attrs);
        for (int k = 0; k < x->n_in; k++) {
            if (x->in[k] < 0) {
                assert_int_equal(y->in[k], -1);
                continue;
            }
            const graph_value *u = &a->values[x->in[k]], *v = &b->values[y->in[k]];
            assert_string_equal(u->name, v->name);
            assert_int_equal(!!u->init, !!v->init);
            if (u->init) {
                assert_int_equal(tensor_nbytes(u->init), tensor_nbytes(v->init));
                assert_memory_equal(u->init->data, v->init->data, tensor_nbytes(u->init));
            }
        }
    }
}

static void round_trip_keeps_everything(void **state)
{
    (void)state;
    qrc_err e;
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        graph *g, *h;
        assert_int_equal(onnx_load(models[m], &g, &e), 0);
        void *buf, *buf2;
        size_t n, n2;
        assert_int_equal(onnx_save_mem(g, &buf, &n, &e), 0);
        assert_int_equal(onnx_load_mem(buf, n, ".", &h, &e), 0);
        same_graph(g, h);
        assert_int_equal(onnx_save_mem(h, &buf2, &n2, &e), 0);
        assert_int_equal(n, n2);
        assert_memory_equal(buf, buf2, n); /* saving is deterministic and stable */
        /* producer and opset imports survive */
        Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, buf);
        assert_non_null(mp);
        assert_string_equal(mp->producer_name, "pytorch");
        assert_true(mp->n_opset_import >= 1);
        assert_int_equal(mp->graph->n_input, 1);
        onnx__model_proto__free_unpacked(mp, NULL);
        free(buf);
        free(buf2);
        graph_free(g);
        graph_free(h);
    }
}

/* A one-node model built in memory with initializers in every typed-array form. */
static Onnx__TensorProto *typed(const char *name, int dt, int64_t n)
{
    Onnx__TensorProto *t = calloc(1, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = strdup(name);
    t->has_data_type = 1;
    t->data_type = dt;
    t->n_dims = 1;
    t->dims = malloc(sizeof(int64_t));
    t->dims[0] = n;
    return t;
}

static Onnx__ValueInfoProto *vinfo(const char *name, int dt, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = calloc(1, sizeof *vi);
    onnx__value_info_proto__init(vi);
    vi->name = strdup(name);
    Onnx__TypeProto *tp = calloc(1, sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = calloc(1, sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = dt;
    Onnx__TensorShapeProto *sh = calloc(1, sizeof *sh);
    onnx__tensor_shape_proto__init(sh);
    sh->n_dim = (size_t)rank;
    sh->dim = calloc((size_t)rank + 1, sizeof *sh->dim);
    for (int i = 0; i < rank; i++) {
        sh->dim[i] = calloc(1, sizeof **sh->dim);
        onnx__tensor_shape_proto__dimension__init(sh->dim[i]);
        sh->dim[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        sh->dim[i]->dim_value = dims[i];
    }
    tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

static Onnx__ModelProto *typed_model(void)
{
    Onnx__ModelProto *mp = calloc(1, sizeof *mp);
    onnx__model_proto__init(mp);
    mp->has_ir_version = 1;
    mp->ir_version = 7;
    mp->producer_name = strdup("handmade");
    mp->doc_string = strdup("model doc");
    mp->n_metadata_props = 1;
    mp->metadata_props = calloc(1, sizeof *mp->metadata_props);
    mp->metadata_props[0] = calloc(1, sizeof **mp->metadata_props);
    onnx__string_string_entry_proto__init(mp->metadata_props[0]);
    mp->metadata_props[0]->key = strdup("author");
    mp->metadata_props[0]->value = strdup("someone");
    mp->n_opset_import = 1;
    mp->opset_import = calloc(1, sizeof *mp->opset_import);
    mp->opset_import[0] = calloc(1, sizeof **mp->opset_import);
    onnx__operator_set_id_proto__init(mp->opset_import[0]);
    mp->opset_import[0]->has_version = 1;
    mp->opset_import[0]->version = 13;
    Onnx__GraphProto *gp = calloc(1, sizeof *gp);
    onnx__graph_proto__init(gp);
    gp->name = strdup("g");
    gp->doc_string = strdup("graph doc");
    mp->graph = gp;
    gp->n_initializer = 5;
    gp->initializer = calloc(5, sizeof *gp->initializer);
    Onnx__TensorProto *f = typed("f", DT_FLOAT, 3);
    f->n_float_data = 3;
    f->float_data = malloc(3 * sizeof(float));
    f->float_data[0] = 1.5f, f->float_data[1] = -2, f->float_data[2] = 3;
    Onnx__TensorProto *i8 = typed("i8", DT_INT8, 2);
    i8->n_int32_data = 2;
    i8->int32_data = malloc(2 * sizeof(int32_t));
    i8->int32_data[0] = -7, i8->int32_data[1] = 100;
    Onnx__TensorProto *i64 = typed("i64", DT_INT64, 2);
    i64->n_int64_data = 2;
    i64->int64_data = malloc(2 * sizeof(int64_t));
    i64->int64_data[0] = -1, i64->int64_data[1] = (int64_t)1 << 40;
    Onnx__TensorProto *h = typed("h", DT_FLOAT16, 1);
    h->n_int32_data = 1;
    h->int32_data = malloc(sizeof(int32_t));
    h->int32_data[0] = 0x3c00;
    Onnx__TensorProto *d = typed("d", DT_DOUBLE, 1);
    d->n_double_data = 1;
    d->double_data = malloc(sizeof(double));
    d->double_data[0] = 0.25;
    gp->initializer[0] = f, gp->initializer[1] = i8, gp->initializer[2] = i64, gp->initializer[3] = h;
    gp->initializer[4] = d;
    int64_t three = 3;
    gp->n_input = 1;
    gp->input = calloc(1, sizeof *gp->input);
    gp->input[0] = vinfo("x", DT_FLOAT, 1, &three);
    gp->n_output = 1;
    gp->output = calloc(1, sizeof *gp->output);
    gp->output[0] = vinfo("y", DT_FLOAT, 1, &three);
    gp->n_node = 1;
    gp->node = calloc(1, sizeof *gp->node);
    Onnx__NodeProto *np = calloc(1, sizeof *np);
    onnx__node_proto__init(np);
    np->op_type = strdup("Add");
    np->name = strdup("add0");
    np->doc_string = strdup("node doc");
    np->n_input = 2;
    np->input = calloc(2, sizeof(char *));
    np->input[0] = strdup("x"), np->input[1] = strdup("f");
    np->n_output = 1;
    np->output = calloc(1, sizeof(char *));
    np->output[0] = strdup("y");
    gp->node[0] = np;
    return mp;
}

static void *pack_model(Onnx__ModelProto *mp, size_t *n)
{
    *n = onnx__model_proto__get_packed_size(mp);
    void *buf = malloc(*n);
    onnx__model_proto__pack(mp, buf);
    return buf;
}

static const tensor *init_of(const graph *g, const char *name)
{
    int v = graph_find_value(g, name);
    assert_true(v >= 0);
    assert_non_null(g->values[v].init);
    return g->values[v].init;
}

static void typed_arrays_and_metadata(void **state)
{
    (void)state;
    Onnx__ModelProto *mp = typed_model();
    size_t n;
    void *buf = pack_model(mp, &n);
    onnx__model_proto__free_unpacked(mp, NULL);
    qrc_err e;
    graph *g;
    assert_int_equal(onnx_load_mem(buf, n, NULL, &g, &e), 0);
    free(buf);
    assert_true(((float *)init_of(g, "f")->data)[0] == 1.5f);
    assert_true(((float *)init_of(g, "f")->data)[1] == -2.0f);
    assert_int_equal(((int8_t *)init_of(g, "i8")->data)[0], -7);
    assert_int_equal(((int8_t *)init_of(g, "i8")->data)[1], 100);
    assert_true(((int64_t *)init_of(g, "i64")->data)[1] == (int64_t)1 << 40);
    assert_int_equal(((uint16_t *)init_of(g, "h")->data)[0], 0x3c00);
    assert_true(((double *)init_of(g, "d")->data)[0] == 0.25);
    assert_string_equal(g->nodes[0].doc_string, "node doc");

    void *out;
    assert_int_equal(onnx_save_mem(g, &out, &n, &e), 0);
    Onnx__ModelProto *back = onnx__model_proto__unpack(NULL, n, out);
    assert_non_null(back);
    assert_string_equal(back->doc_string, "model doc");
    assert_string_equal(back->producer_name, "handmade");
    assert_int_equal(back->n_metadata_props, 1);
    assert_string_equal(back->metadata_props[0]->value, "someone");
    assert_string_equal(back->graph->doc_string, "graph doc");
    assert_string_equal(back->graph->node[0]->doc_string, "node doc");
    assert_int_equal(back->ir_version, 7);
    /* only the used initializer is written, as raw_data */
    assert_int_equal(back->graph->n_initializer, 1);
    assert_true(back->graph->initializer[0]->has_raw_data);
    assert_int_equal(back->graph->initializer[0]->raw_data.len, 12);
    onnx__model_proto__free_unpacked(back, NULL);
    free(out);
    graph_free(g);
}

static void external_data_is_read_and_checked(void **state)
{
    (void)state;
    char dir[] = "/tmp/qrc_ext_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/w.bin", dir);
    FILE *f = fopen(path, "wb");
    float junk[2] = {9, 9}, vals[3] = {4, 5, 6};
    fwrite(junk, sizeof junk, 1, f);
    fwrite(vals, sizeof vals, 1, f);
    fclose(f);

    const char *cases[][3] = {
        {"w.bin", "8", NULL},      /* good */
        {"w.bin", "16", NULL},     /* runs past the end */
        {"../w.bin", "0", NULL},   /* escapes the directory */
        {"nope.bin", "0", NULL},   /* missing */
        {"w.bin", "8", "8"},       /* wrong length */
    };
    const char *expect[] = {NULL, "needs 12 at offset 16", "outside the model's directory", "nope.bin", "length 8"};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        Onnx__ModelProto *mp = typed_model();
        Onnx__TensorProto *t = mp->graph->initializer[0];
        free(t->float_data);
        t->float_data = NULL;
        t->n_float_data = 0;
        t->has_data_location = 1;
        t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
        int nkv = cases[c][2] ? 3 : 2;
        t->n_external_data = (size_t)nkv;
        t->external_data = calloc(3, sizeof *t->external_data);
        const char *keys[] = {"location", "offset", "length"};
        for (int k = 0; k < nkv; k++) {
            t->external_data[k] = calloc(1, sizeof **t->external_data);
            onnx__string_string_entry_proto__init(t->external_data[k]);
            t->external_data[k]->key = strdup(keys[k]);
            t->external_data[k]->value = strdup(cases[c][k]);
        }
        size_t n;
        void *buf = pack_model(mp, &n);
        onnx__model_proto__free_unpacked(mp, NULL);
        char mpath[300];
        snprintf(mpath, sizeof mpath, "%s/m.onnx", dir);
        qrc_err e;
        assert_int_equal(file_write_atomic(mpath, buf, n, &e), 0);
        free(buf);
        graph *g = NULL;
        int rc = onnx_load(mpath, &g, &e);
        if (!expect[c]) {
            assert_int_equal(rc, 0);
            const float *w = init_of(g, "f")->data;
            assert_true(w[0] == 4 && w[2] == 6);
            graph_free(g);
        } else {
            assert_int_equal(rc, -1);
            assert_null(g);
            if (!strstr(e.msg, expect[c]))
                fail_msg("case %zu: '%s' lacks '%s'", c, e.msg, expect[c]);
            assert_non_null(strstr(e.msg, "'f'"));
        }
        unlink(mpath);
    }
    unlink(path);
    rmdir(dir);
}

static void if_branches_become_subgraphs(void **state)
{
    (void)state;
    qrc_err e;
    graph *g;
    assert_int_equal(onnx_load("/usr/share/libonnx-testdata/data/node/test_if/model.onnx", &g, &e), 0);
    int n = -1;
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].op_type, "If"))
            n = i;
    assert_true(n >= 0);
    const graph_attr *then = graph_attr_find(&g->nodes[n], "then_branch");
    assert_non_null(then);
    assert_int_equal(then->kind, ATTR_GRAPH);
    assert_ptr_equal(then->g->parent, g);
    assert_true(then->g->n_outputs >= 1);
    void *buf;
    size_t sz;
    assert_int_equal(onnx_save_mem(g, &buf, &sz, &e), 0);
    graph *h;
    assert_int_equal(onnx_load_mem(buf, sz, NULL, &h, &e), 0);
    assert_int_equal(graph_attr_find(&h->nodes[n], "else_branch")->g->n_nodes,
                     graph_attr_find(&g->nodes[n], "else_branch")->g->n_nodes);
    free(buf);
    graph_free(h);
    graph_free(g);
}

static void tensor_pb_files_decode(void **state)
{
    (void)state;
    qrc_err e;
    tensor *t;
    char *name;
    assert_int_equal(
        onnx_tensor_read("/usr/share/libonnx-testdata/data/node/test_relu/test_data_set_0/input_0.pb", &t, &name, &e),
        0);
    assert_int_equal(t->dtype, DT_FLOAT);
    assert_int_equal(t->rank, 3);
    assert_string_equal(name, "x");
    tensor_free(t);
    free(name);
    assert_int_equal(onnx_tensor_read("/nonexistent.pb", &t, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent.pb"));
}

static void atomic_save_leaves_no_partial_file(void **state)
{
    (void)state;
    qrc_err e;
    graph *g;
    assert_int_equal(onnx_load(models[0], &g, &e), 0);
    char path[] = "/tmp/qrc_save_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(onnx_save(g, path, &e), 0);
    graph *h;
    assert_int_equal(onnx_load(path, &h, &e), 0);
    same_graph(g, h);
    graph_free(h);
    unlink(path);
    /* a stale order is refused rather than written wrongly */
    int v = graph_value_new(g, "extra");
    graph_node_add(g, "Relu", "late", 1, &g->outputs[0], 1, &v);
    assert_int_equal(onnx_save(g, "/tmp/qrc_never_written.onnx", &e), -1);
    assert_non_null(strstr(e.msg, "reindex"));
    assert_int_equal(access("/tmp/qrc_never_written.onnx", F_OK), -1);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(module_paths_from_scopes),
        cmocka_unit_test(loads_the_models),
        cmocka_unit_test(round_trip_keeps_everything),
        cmocka_unit_test(typed_arrays_and_metadata),
        cmocka_unit_test(external_data_is_read_and_checked),
        cmocka_unit_test(if_branches_become_subgraphs),
        cmocka_unit_test(tensor_pb_files_decode),
        cmocka_unit_test(atomic_save_leaves_no_partial_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
