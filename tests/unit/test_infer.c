#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec.h"
#include "infer.h"
#include "npy.h"
#include "onnx.h"

typedef struct shapes {
    int *rank;
    int64_t (*dims)[TENSOR_MAX_RANK];
    tensor_dtype *dtype;
} shapes;

static int record(int v, tensor *t, void *user, qrc_err *e)
{
    shapes *s = user;
    s->rank[v] = t->rank;
    s->dtype[v] = t->dtype;
    memcpy(s->dims[v], t->dims, sizeof t->dims);
    return 0;
}

/* Forgets every shape the file declared (but the inputs'), infers, and compares with a real run at batch 3. */
static void inferred_shapes_match_a_real_run(void **state)
{
    (void)state;
    const char *models[] = {"recipes/models/fmnist_cnn.onnx", "recipes/models/fmnist_resnet.onnx",
                            "recipes/models/fmnist_vit.onnx"};
    qrc_err e;
    npy_reader *r;
    assert_int_equal(npy_open("tests/models/ort_ref/input_64.npy", &r, &e), 0);
    tensor *in;
    assert_int_equal(npy_read_rows(r, 3, &in, &e), 0);
    npy_close(r);
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        graph *g;
        assert_int_equal(onnx_load(models[m], &g, &e), 0);
        for (int v = 0; v < g->n_values; v++) {
            graph_value *x = &g->values[v];
            if (x->is_input || x->init)
                continue;
            x->dtype = DT_UNDEFINED;
            x->rank = -1;
            memset(x->dim_param, 0, sizeof x->dim_param);
        }
        if (graph_infer_shapes(g, &e))
            fail_msg("%s: %s", models[m], e.msg);
        shapes s = {calloc((size_t)g->n_values, sizeof(int)), calloc((size_t)g->n_values, sizeof *s.dims),
                    calloc((size_t)g->n_values, sizeof(tensor_dtype))};
        for (int v = 0; v < g->n_values; v++)
            s.rank[v] = -2;
        exec *x;
        assert_int_equal(exec_new(g, 2, &x, &e), 0);
        exec_set_observer(x, record, &s);
        const char *names[] = {"image"};
        const tensor *ins[] = {in};
        tensor *out;
        assert_int_equal(exec_run(x, 1, names, ins, &out, &e), 0);
        tensor_free(out);
        exec_free(x);
        int known = 0, total = 0;
        for (int v = 0; v < g->n_values; v++) {
            const graph_value *gv = &g->values[v];
            if (s.rank[v] == -2)
                continue;
            total++;
            if (gv->dtype != DT_UNDEFINED && gv->dtype != s.dtype[v])
                fail_msg("%s: '%s' inferred %s, ran %s", models[m], gv->name, tensor_dtype_name(gv->dtype),
                         tensor_dtype_name(s.dtype[v]));
            if (gv->rank < 0)
                continue;
            if (gv->rank != s.rank[v])
                fail_msg("%s: '%s' inferred rank %d, ran rank %d", models[m], gv->name, gv->rank, s.rank[v]);
            bool full = gv->dtype != DT_UNDEFINED;
            for (int d = 0; d < gv->rank; d++) {
                if (gv->dim_param[d] && !strcmp(gv->dim_param[d], "N")) {
                    if (s.dims[v][d] != 3)
                        fail_msg("%s: '%s' dim %d is N but ran %lld", models[m], gv->name, d,
                                 (long long)s.dims[v][d]);
                } else if (gv->dims[d] >= 0) {
                    if (gv->dims[d] != s.dims[v][d])
                        fail_msg("%s: '%s' dim %d inferred %lld, ran %lld", models[m], gv->name, d,
                                 (long long)gv->dims[d], (long long)s.dims[v][d]);
                } else {
                    full = false;
                }
            }
            known += full;
        }
        print_message("%s: %d of %d values fully inferred\n", models[m], known, total);
        const graph_value *logits = &g->values[g->outputs[0]];
        assert_int_equal(logits->rank, 2);
        assert_int_equal(logits->dims[1], 10);
        if (m < 2) { /* the ViT's batch dim passes through Shape/Reshape arithmetic: not tracked */
            assert_non_null(logits->dim_param[0]);
            assert_string_equal(logits->dim_param[0], "N");
        }
        free(s.rank);
        free(s.dims);
        free(s.dtype);
        graph_free(g);
    }
    tensor_free(in);
}

static graph *two_input_add(int64_t w1, int64_t w2)
{
    graph *g = graph_new();
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0] = (graph_opset){graph_strdup(g, ""), 13};
    g->n_opsets = 1;
    int a = graph_value_get(g, "a"), b = graph_value_get(g, "b"), c = graph_value_get(g, "c"),
        d = graph_value_get(g, "d");
    int64_t da[] = {2, w1}, db[] = {2, w2};
    g->values[a].dtype = g->values[b].dtype = DT_FLOAT;
    g->values[a].rank = g->values[b].rank = 2;
    memcpy(g->values[a].dims, da, sizeof da);
    memcpy(g->values[b].dims, db, sizeof db);
    int ab[] = {a, b};
    graph_node_add(g, "Add", "the_add", 2, ab, 1, &c);
    graph_node_add(g, "Relu", "the_relu", 1, &c, 1, &d);
    graph_set_inputs(g, 2, ab);
    graph_set_outputs(g, 1, &d);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static void impossible_shapes_fail_naming_the_node(void **state)
{
    (void)state;
    qrc_err e;
    graph *g = two_input_add(3, 3);
    assert_int_equal(graph_infer_shapes(g, &e), 0);
    const graph_value *d = &g->values[graph_find_value(g, "d")];
    assert_int_equal(d->rank, 2);
    assert_int_equal(d->dims[1], 3);
    graph_free(g);

    g = two_input_add(3, 4);
    assert_int_equal(graph_infer_shapes(g, &e), -1);
    assert_non_null(strstr(e.msg, "the_add"));
    graph_free(g);

    /* the file declared d as [2,5]: inference says [2,3] */
    g = two_input_add(3, 3);
    graph_value *dv = &g->values[graph_find_value(g, "d")];
    dv->dtype = DT_FLOAT;
    dv->rank = 2;
    dv->dims[0] = 2;
    dv->dims[1] = 5;
    assert_int_equal(graph_infer_shapes(g, &e), -1);
    assert_non_null(strstr(e.msg, "the_relu"));
    assert_non_null(strstr(e.msg, "'d'"));
    assert_non_null(strstr(e.msg, "float[2,5]"));
    graph_free(g);

    /* a declared symbolic dim survives where inference cannot say more */
    g = two_input_add(3, 3);
    dv = &g->values[graph_find_value(g, "c")];
    dv->rank = 2;
    dv->dims[0] = -1;
    dv->dims[1] = -1;
    dv->dim_param[0] = graph_strdup(g, "B");
    g->values[graph_find_value(g, "a")].dims[0] = -1;
    g->values[graph_find_value(g, "b")].dims[0] = -1;
    assert_int_equal(graph_infer_shapes(g, &e), 0);
    assert_string_equal(dv->dim_param[0], "B");
    assert_int_equal(dv->dims[1], 3);
    graph_free(g);
}

/* x[N] reshaped to a constant [5]: probing N fails, the plain run decides (and succeeds) */
static void constrained_symbols_fall_back_to_a_plain_run(void **state)
{
    (void)state;
    qrc_err e;
    graph *g = graph_new();
    graph_opset_set(g, "", 13);
    int x = graph_value_get(g, "x"), s = graph_value_get(g, "shape"), y = graph_value_get(g, "y");
    g->values[x].dtype = DT_FLOAT;
    g->values[x].rank = 1;
    g->values[x].dim_param[0] = graph_strdup(g, "N");
    int64_t one = 1;
    g->values[s].init = tensor_new(DT_INT64, 1, &one, &e);
    *(int64_t *)g->values[s].init->data = 5;
    int xs[] = {x, s};
    graph_node_add(g, "Reshape", "r", 2, xs, 1, &y);
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    assert_int_equal(graph_reindex(g, &e), 0);
    if (graph_infer_shapes(g, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(g->values[y].rank, 1);
    assert_int_equal(g->values[y].dims[0], 5);
    graph_free(g);
}

static void if_outputs_are_inferred_from_branches(void **state)
{
    (void)state;
    qrc_err e;
    graph *g;
    assert_int_equal(onnx_load("/usr/share/libonnx-testdata/data/node/test_if/model.onnx", &g, &e), 0);
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].is_output) {
            g->values[v].dtype = DT_UNDEFINED;
            g->values[v].rank = -1;
        }
    assert_int_equal(graph_infer_shapes(g, &e), 0);
    const graph_value *out = &g->values[g->outputs[0]];
    assert_int_equal(out->dtype, DT_FLOAT);
    assert_int_equal(out->rank, 1);
    assert_int_equal(out->dims[0], 5);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inferred_shapes_match_a_real_run),
        cmocka_unit_test(impossible_shapes_fail_naming_the_node),
        cmocka_unit_test(if_outputs_are_inferred_from_branches),
        cmocka_unit_test(constrained_symbols_fall_back_to_a_plain_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
