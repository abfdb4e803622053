#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"

/* x -> A -> a -> B -> b ; a,x -> C -> c  (nodes added out of order to exercise sorting) */
static graph *small_graph(void)
{
    graph *g = graph_new();
    int x = graph_value_get(g, "x"), a = graph_value_get(g, "a"), b = graph_value_get(g, "b"),
        c = graph_value_get(g, "c");
    int in_c[] = {a, x};
    graph_node_add(g, "Add", "C", 2, in_c, 1, &c);
    graph_node_add(g, "Relu", "B", 1, &a, 1, &b);
    graph_node_add(g, "Neg", "A", 1, &x, 1, &a);
    graph_set_inputs(g, 1, &x);
    int outs[] = {b, c};
    graph_set_outputs(g, 2, outs);
    return g;
}

static void names_are_indexed_and_unique(void **state)
{
    (void)state;
    graph *g = graph_new();
    int a = graph_value_get(g, "x");
    assert_int_equal(graph_value_get(g, "x"), a);
    assert_int_equal(graph_find_value(g, "x"), a);
    assert_int_equal(graph_find_value(g, "nope"), -1);
    int b = graph_value_new(g, "x");
    int c = graph_value_new(g, "x");
    assert_string_equal(g->values[b].name, "x_1");
    assert_string_equal(g->values[c].name, "x_2");
    for (int i = 0; i < 5000; i++) {
        char n[32];
        snprintf(n, sizeof n, "v%d", i);
        int v = graph_value_get(g, n);
        assert_int_equal(graph_find_value(g, n), v);
    }
    assert_int_equal(graph_find_value(g, "v1234"), graph_find_value(g, "v1234"));
    assert_string_equal(g->values[graph_find_value(g, "v4999")].name, "v4999");
    assert_int_equal(g->values[a].rank, -1);
    assert_int_equal(g->values[a].producer, -1);
    qrc_err e;
    assert_int_equal(graph_value_rename(g, a, "v7", &e), -1);
    assert_non_null(strstr(e.msg, "v7"));
    assert_int_equal(graph_value_rename(g, a, "renamed", &e), 0);
    assert_int_equal(graph_find_value(g, "renamed"), a);
    assert_int_equal(graph_find_value(g, "x"), -1);
    graph_free(g);
}

static void reindex_sorts_and_links(void **state)
{
    (void)state;
    graph *g = small_graph();
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    /* A must come before B and C */
    const char *order[3];
    for (int i = 0; i < 3; i++)
        order[i] = g->nodes[g->order[i]].name;
    assert_string_equal(order[0], "A");
    assert_string_equal(order[1], "C");
    assert_string_equal(order[2], "B");
    int a = graph_find_value(g, "a");
    assert_string_equal(g->nodes[g->values[a].producer].name, "A");
    assert_int_equal(g->values[a].n_consumers, 2);
    assert_true(g->values[graph_find_value(g, "x")].is_input);
    assert_true(g->values[graph_find_value(g, "c")].is_output);
    graph_free(g);
}

static void dead_nodes_are_dropped_value_indices_stay(void **state)
{
    (void)state;
    graph *g = small_graph();
    qrc_err e;
    int b = graph_find_value(g, "b"), c = graph_find_value(g, "c");
    g->nodes[1].dead = true; /* B */
    graph_set_outputs(g, 1, &c);
    assert_int_equal(graph_reindex(g, &e), 0);
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(graph_find_value(g, "b"), b);
    assert_int_equal(g->values[b].producer, -1);
    assert_int_equal(g->values[graph_find_value(g, "a")].n_consumers, 1);
    graph_free(g);
}

static void cycles_and_dangling_inputs_fail(void **state)
{
    (void)state;
    qrc_err e;
    graph *g = small_graph();
    int b = graph_find_value(g, "b");
    g->nodes[2].in[0] = b; /* A reads B's output: A -> B -> A */
    assert_int_equal(graph_reindex(g, &e), -1);
    assert_non_null(strstr(e.msg, "cycle"));
    graph_free(g);

    g = small_graph();
    int ghost = graph_value_get(g, "ghost");
    g->nodes[0].in[1] = ghost;
    assert_int_equal(graph_reindex(g, &e), -1);
    assert_non_null(strstr(e.msg, "'C'"));
    assert_non_null(strstr(e.msg, "ghost"));
    graph_free(g);

    g = small_graph();
    g->nodes[0].in[1] = 999;
    assert_int_equal(graph_reindex(g, &e), -1);
    assert_non_null(strstr(e.msg, "out of range"));
    graph_free(g);

    g = small_graph();
    g->nodes[1].out[0] = graph_find_value(g, "c"); /* B and C both write c */
    assert_int_equal(graph_reindex(g, &e), -1);
    assert_non_null(strstr(e.msg, "already written"));
    graph_free(g);
}

static void attributes_set_replace_and_read(void **state)
{
    (void)state;
    graph *g = small_graph();
    graph_attr *a = graph_attr_set(g, 0, "axis", ATTR_INT);
    a->i = 3;
    graph_attr *p = graph_attr_set(g, 0, "pads", ATTR_INTS);
    p->n = 2;
    p->ints = graph_alloc(g, 2 * sizeof(int64_t));
    p->ints[0] = 1;
    p->ints[1] = 2;
    graph_attr *s = graph_attr_set(g, 0, "mode", ATTR_STRING);
    s->s = graph_strdup(g, "linear");
    assert_int_equal(graph_attr_int(&g->nodes[0], "axis", 0), 3);
    assert_int_equal(graph_attr_int(&g->nodes[0], "missing", 7), 7);
    const int64_t *v;
    assert_int_equal(graph_attr_ints(&g->nodes[0], "pads", &v), 2);
    assert_int_equal(v[1], 2);
    assert_string_equal(graph_attr_string(&g->nodes[0], "mode", "x"), "linear");
    graph_attr *t = graph_attr_set(g, 0, "axis", ATTR_TENSOR);
    int64_t d = 3;
    qrc_err e;
    t->t = tensor_new(DT_FLOAT, 1, &d, &e);
    assert_int_equal(g->nodes[0].n_attrs, 3);
    assert_int_equal(graph_attr_int(&g->nodes[0], "axis", -5), -5);
    graph_free(g);
}

static void subgraph_captures_outer_values(void **state)
{
    (void)state;
    qrc_err e;
    graph *g = small_graph();
    int cond = graph_value_get(g, "cond"), r = graph_value_get(g, "r");
    int x = graph_find_value(g, "x");
    int ins[] = {x, cond};
    graph_set_inputs(g, 2, ins);
    int n = graph_node_add(g, "If", "if0", 1, &cond, 1, &r);
    graph *then = graph_new();
    int a = graph_value_get(then, "a"), y = graph_value_get(then, "y");
    graph_node_add(then, "Relu", "inner", 1, &a, 1, &y);
    graph_set_outputs(then, 1, &y);
    graph_attr *at = graph_attr_set(g, n, "then_branch", ATTR_GRAPH);
    at->g = then;
    int outs[] = {r};
    graph_set_outputs(g, 1, outs);
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = 13;
    g->n_opsets = 1;
    assert_int_equal(graph_reindex(g, &e), 0);
    assert_ptr_equal(then->parent, g);
    assert_int_equal(graph_opset_version(then, ""), 13);
    assert_int_equal(graph_opset_version(then, "ai.onnx"), 13);
    assert_int_equal(graph_opset_version(then, "com.microsoft"), 0);
    graph_opset_set(g, "com.microsoft", 1);
    graph_opset_set(g, "ai.onnx", 17);
    assert_int_equal(g->n_opsets, 2);
    assert_int_equal(graph_opset_version(then, "com.microsoft"), 1);
    assert_int_equal(graph_opset_version(g, ""), 17);
    graph_opset_set(g, "", 13);
    const graph_node *ifn = &g->nodes[n];
    assert_int_equal(ifn->n_captures, 1);
    assert_int_equal(ifn->captures[0], graph_find_value(g, "a"));
    /* If must run after A, which produces the captured value, although it is listed first */
    int pos_if = -1, pos_a = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->order[i] == n)
            pos_if = i;
        if (!strcmp(g->nodes[g->order[i]].name, "A"))
            pos_a = i;
    }
    assert_true(pos_a < pos_if);
    assert_true(graph_value_is_outer(then, graph_find_value(then, "a")));

    graph *c = graph_clone(g, &e);
    assert_non_null(c);
    assert_int_equal(c->n_nodes, g->n_nodes);
    const graph_attr *ca = graph_attr_find(&c->nodes[n], "then_branch");
    assert_non_null(ca);
    assert_ptr_equal(ca->g->parent, c);
    assert_int_equal(graph_reindex(c, &e), 0);
    graph_free(c);

    /* a subgraph reading a name nobody defines */
    then->nodes[0].in[0] = graph_value_get(then, "nowhere");
    assert_int_equal(graph_reindex(g, &e), -1);
    assert_non_null(strstr(e.msg, "nowhere"));
    assert_non_null(strstr(e.msg, "if0"));
    graph_free(g);
}

static void clone_is_deep(void **state)
{
    (void)state;
    qrc_err e;
    graph *g = small_graph();
    int w = graph_value_get(g, "w");
    int64_t d[] = {2};
    g->values[w].init = tensor_new(DT_FLOAT, 1, d, &e);
    ((float *)g->values[w].init->data)[1] = 5;
    g->nodes[0].in[1] = w;
    assert_int_equal(graph_reindex(g, &e), 0);
    graph *c = graph_clone(g, &e);
    ((float *)g->values[w].init->data)[1] = 6;
    assert_true(((float *)c->values[w].init->data)[1] == 5);
    assert_string_equal(c->values[w].name, "w");
    assert_int_equal(graph_find_value(c, "w"), w);
    graph_free(g);
    assert_int_equal(graph_reindex(c, &e), 0);
    graph_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_are_indexed_and_unique),
        cmocka_unit_test(reindex_sorts_and_links),
        cmocka_unit_test(dead_nodes_are_dropped_value_indices_stay),
        cmocka_unit_test(cycles_and_dangling_inputs_fail),
        cmocka_unit_test(attributes_set_replace_and_read),
        cmocka_unit_test(subgraph_captures_outer_values),
        cmocka_unit_test(clone_is_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
