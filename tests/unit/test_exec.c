/* Executor tests on tiny kernels registered through op_set_extra_table (domain "qrc.test"), so the
 * executor is checked independently of the real kernels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec.h"
#include "op.h"

#define D "qrc.test"

static int run_unary(op_ctx *ctx, float (*f)(float))
{
    const tensor *x = ctx->in[0];
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    for (int64_t i = 0; i < tensor_numel(x); i++)
        ((float *)y->data)[i] = f(((const float *)x->data)[i]);
    return 0;
}

static float relu(float v)
{
    return v > 0 ? v : 0;
}
static float neg(float v)
{
    return -v;
}
static int t_relu(op_ctx *ctx)
{
    return run_unary(ctx, relu);
}
static int t_neg(op_ctx *ctx)
{
    return run_unary(ctx, neg);
}

static int t_add(op_ctx *ctx)
{
    const tensor *a = ctx->in[0], *b = ctx->in[1];
    if (tensor_numel(a) != tensor_numel(b))
        return err_set(ctx->err, "shapes differ");
    tensor *y = op_output(ctx, 0, a->dtype, a->rank, a->dims);
    if (!y)
        return -1;
    for (int64_t i = 0; i < tensor_numel(a); i++)
        ((float *)y->data)[i] = ((const float *)a->data)[i] + ((const float *)b->data)[i];
    return 0;
}

static int t_fail(op_ctx *ctx)
{
    return err_set(ctx->err, "deliberate failure");
}

static int t_check_no_attrs(const graph *g, const graph_node *n, qrc_err *e)
{
    return n->n_attrs ? err_set(e, "attribute '%s' is not supported", n->attrs[0].name) : 0;
}

static int n_released;
static void t_release(void *s)
{
    n_released++;
    free(s);
}

/* y = x * (runs since the state was created): shows state persists and is dropped on demand */
static int t_stateful(op_ctx *ctx)
{
    if (!*ctx->state)
        *ctx->state = calloc(1, sizeof(int));
    int *runs = *ctx->state;
    ++*runs;
    const tensor *x = ctx->in[0];
    tensor *y = op_output(ctx, 0, x->dtype, x->rank, x->dims);
    if (!y)
        return -1;
    for (int64_t i = 0; i < tensor_numel(x); i++)
        ((float *)y->data)[i] = ((const float *)x->data)[i] * (float)*runs;
    return 0;
}

static int t_threads(op_ctx *ctx)
{
    tensor *y = op_output(ctx, 0, DT_FLOAT, 0, NULL);
    if (!y)
        return -1;
    *(float *)y->data = (float)ctx->threads;
    return 0;
}

static const op_def test_ops[] = {
    {D, "Relu", 1, NULL, NULL, t_relu, NULL},        {D, "Neg", 1, t_check_no_attrs, NULL, t_neg, NULL},
    {D, "Add", 1, NULL, NULL, t_add, NULL},          {D, "Fail", 1, NULL, NULL, t_fail, NULL},
    {D, "Stateful", 1, NULL, NULL, t_stateful, t_release}, {D, "Threads", 1, NULL, NULL, t_threads, NULL},
};

static int setup(void **state)
{
    (void)state;
    op_set_extra_table(test_ops, (int)(sizeof test_ops / sizeof *test_ops));
    return 0;
}

static int add_node(graph *g, const char *op, const char *name, int n_in, const int *in, int out)
{
    int n = graph_node_add(g, op, name, n_in, in, 1, &out);
    g->nodes[n].domain = graph_strdup(g, D);
    return n;
}

static void declare_input(graph *g, int v, int rank, const int64_t *dims, const char *sym0)
{
    graph_value *x = &g->values[v];
    x->dtype = DT_FLOAT;
    x->rank = rank;
    for (int i = 0; i < rank; i++)
        x->dims[i] = dims[i];
    if (sym0) {
        x->dims[0] = -1;
        x->dim_param[0] = graph_strdup(g, sym0);
    }
}

/* x[N,4] -> Neg -> a -> Relu -> b ; a + x -> c ; outputs b, c */
static graph *diamond(void)
{
    graph *g = graph_new();
    int x = graph_value_get(g, "x"), a = graph_value_get(g, "a"), b = graph_value_get(g, "b"),
        c = graph_value_get(g, "c");
    int64_t dims[] = {1, 4};
    declare_input(g, x, 2, dims, "N");
    int ax[] = {a, x};
    add_node(g, "Add", "add", 2, ax, c);
    add_node(g, "Relu", "relu", 1, &a, b);
    add_node(g, "Neg", "neg", 1, &x, a);
    graph_set_inputs(g, 1, &x);
    int outs[] = {b, c};
    graph_set_outputs(g, 2, outs);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static tensor *vec(int rows, const float *v, int n)
{
    int64_t dims[] = {rows, n / rows};
    qrc_err e;
    tensor *t = tensor_new(DT_FLOAT, 2, dims, &e);
    memcpy(t->data, v, (size_t)n * sizeof(float));
    return t;
}

static void runs_in_topological_order(void **state)
{
    (void)state;
    graph *g = diamond();
    qrc_err e;
    exec *x;
    assert_int_equal(exec_new(g, 2, &x, &e), 0);
    float in[] = {1, -2, 3, -4, 5, 6, -7, 8};
    tensor *t = vec(2, in, 8);
    const char *names[] = {"x"};
    const tensor *ins[] = {t};
    tensor *outs[2];
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(exec_run(x, 1, names, ins, outs, &e), 0);
        for (int i = 0; i < 8; i++) {
            assert_true(((float *)outs[0]->data)[i] == (in[i] < 0 ? -in[i] : 0));
            assert_true(((float *)outs[1]->data)[i] == 0);
        }
        assert_int_equal(outs[0]->dims[0], 2);
        tensor_free(outs[0]);
        tensor_free(outs[1]);
    }
    tensor_free(t);
    exec_free(x);
    graph_free(g);
}

static void buffers_are_reused_by_liveness(void **state)
{
    (void)state;
    graph *g = graph_new();
    int prev = graph_value_get(g, "x");
    int64_t dims[] = {1, 65536}; /* 256 KiB per activation */
    declare_input(g, prev, 2, dims, NULL);
    graph_set_inputs(g, 1, &prev);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        int v = graph_value_get(g, name);
        add_node(g, i % 2 ? "Relu" : "Neg", name, 1, &prev, v);
        prev = v;
    }
    graph_set_outputs(g, 1, &prev);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    exec *x;
    assert_int_equal(exec_new(g, 1, &x, &e), 0);
    int64_t d[] = {1, 65536};
    tensor *t = tensor_new(DT_FLOAT, 2, d, &e);
    for (int i = 0; i < 65536; i++)
        ((float *)t->data)[i] = (float)(i % 7) - 3;
    const char *names[] = {"x"};
    const tensor *ins[] = {t};
    tensor *out;
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(exec_run(x, 1, names, ins, &out, &e), 0);
        /* 40 nodes, yet at most two activations are alive at once */
        assert_true(exec_peak_bytes(x) <= 2 * 262144 + 4096);
        float v = ((float *)t->data)[5];
        float expect = v;
        for (int i = 0; i < 40; i++)
            expect = i % 2 ? relu(expect) : -expect;
        assert_true(((float *)out->data)[5] == expect);
        tensor_free(out);
    }
    tensor_free(t);
    exec_free(x);
    graph_free(g);
}

typedef struct seen {
    int calls;
    int order[16];
    int live_max;
} seen;

static int zero_a(int v, tensor *t, void *user, qrc_err *e)
{
    seen *s = user;
    if (s->calls < 16)
        s->order[s->calls] = v;
    s->calls++;
    if (v == 1) /* value index 1 is "a" */
        memset(t->data, 0, tensor_nbytes(t));
    return 0;
}

static int stop_at_b(int v, tensor *t, void *user, qrc_err *e)
{
    (void)t;
    (void)user;
    return v == 2 ? err_set(e, "enough") : 0;
}

static void observer_sees_and_may_modify(void **state)
{
    (void)state;
    graph *g = diamond();
    qrc_err e;
    exec *x;
    assert_int_equal(exec_new(g, 2, &x, &e), 0);
    seen s = {0};
    exec_set_observer(x, zero_a, &s);
    float in[] = {1, -2, 3, -4};
    tensor *t = vec(1, in, 4);
    const char *names[] = {"x"};
    const tensor *ins[] = {t};
    tensor *outs[2];
    assert_int_equal(exec_run(x, 1, names, ins, outs, &e), 0);
    assert_int_equal(s.calls, 4); /* x, then a, then b and c in order */
    assert_int_equal(s.order[0], graph_find_value(g, "x"));
    assert_int_equal(s.order[1], graph_find_value(g, "a"));
    /* a was zeroed by the observer, so b = relu(0) = 0 and c = 0 + x */
    for (int i = 0; i < 4; i++) {
        assert_true(((float *)outs[0]->data)[i] == 0);
        assert_true(((float *)outs[1]->data)[i] == in[i]);
    }
    /* the caller's input was not touched even though the observer got it */
    assert_true(((float *)t->data)[1] == -2);
    tensor_free(outs[0]);
    tensor_free(outs[1]);
    exec_set_observer(x, stop_at_b, NULL);
    assert_int_equal(exec_run(x, 1, names, ins, outs, &e), -1);
    assert_non_null(strstr(e.msg, "enough"));
    assert_non_null(strstr(e.msg, "'b'"));
    assert_null(outs[0]);
    tensor_free(t);
    exec_free(x);
    graph_free(g);
}

static void initializers_can_be_substituted(void **state)
{
    (void)state;
    graph *g = graph_new();
    int x = graph_value_get(g, "x"), w = graph_value_get(g, "w"), s = graph_value_get(g, "s"),
        y = graph_value_get(g, "y");
    int64_t dims[] = {1, 2};
    declare_input(g, x, 2, dims, NULL);
    qrc_err e;
    g->values[w].init = tensor_new(DT_FLOAT, 2, dims, &e);
    ((float *)g->values[w].init->data)[0] = 10;
    ((float *)g->values[w].init->data)[1] = 20;
    add_node(g, "Stateful", "st", 1, &w, s);
    int sx[] = {s, x};
    add_node(g, "Add", "add", 2, sx, y);
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    assert_int_equal(graph_reindex(g, &e), 0);
    exec *ex;
    assert_int_equal(exec_new(g, 2, &ex, &e), 0);
    float in[] = {1, 2};
    tensor *t = vec(1, in, 2);
    const char *names[] = {"x"};
    const tensor *ins[] = {t};
    tensor *out;
    n_released = 0;
    assert_int_equal(exec_run(ex, 1, names, ins, &out, &e), 0);
    assert_true(((float *)out->data)[1] == 22); /* 20*1 + 2 */
    tensor_free(out);
    assert_int_equal(exec_run(ex, 1, names, ins, &out, &e), 0);
    assert_true(((float *)out->data)[1] == 42); /* state kept: 20*2 + 2 */
    tensor_free(out);
    tensor *w2 = tensor_clone(g->values[w].init, &e);
    ((float *)w2->data)[1] = 100;
    assert_int_equal(exec_set_initializer(ex, w, w2, &e), 0);
    assert_int_equal(n_released, 1); /* the node reading w dropped its state */
    assert_int_equal(exec_run(ex, 1, names, ins, &out, &e), 0);
    assert_true(((float *)out->data)[1] == 102);
    assert_true(((float *)g->values[w].init->data)[1] == 20); /* graph untouched */
    tensor_free(out);
    int64_t bad[] = {2, 2};
    assert_int_equal(exec_set_initializer(ex, w, tensor_new(DT_FLOAT, 2, bad, &e), &e), -1);
    assert_non_null(strstr(e.msg, "'w'"));
    assert_int_equal(exec_set_initializer(ex, x, NULL, &e), -1);
    tensor_free(t);
    exec_free(ex);
    assert_int_equal(n_released, 2);
    graph_free(g);
}

static void errors_name_node_op_and_tensor(void **state)
{
    (void)state;
    qrc_err e;
    exec *x;
    graph *g = diamond();
    g->nodes[0].op_type = graph_strdup(g, "Frobnicate");
    assert_int_equal(exec_new(g, 1, &x, &e), -1);
    assert_non_null(strstr(e.msg, "'add'"));
    assert_non_null(strstr(e.msg, "Frobnicate"));
    graph_free(g);

    g = diamond();
    graph_attr_set(g, 2, "alpha", ATTR_FLOAT);
    assert_int_equal(exec_new(g, 1, &x, &e), -1);
    assert_non_null(strstr(e.msg, "'neg'"));
    assert_non_null(strstr(e.msg, "alpha"));
    graph_free(g);

    g = diamond();
    g->nodes[1].op_type = graph_strdup(g, "Fail");
    assert_int_equal(exec_new(g, 1, &x, &e), 0);
    float in[] = {1, 2, 3, 4};
    tensor *t = vec(1, in, 4);
    const char *names[] = {"x"};
    const tensor *ins[] = {t};
    tensor *outs[2];
    assert_int_equal(exec_run(x, 1, names, ins, outs, &e), -1);
    assert_non_null(strstr(e.msg, "node 'relu' (Fail): deliberate failure"));
    /* input errors */
    const char *wrong[] = {"y"};
    assert_int_equal(exec_run(x, 1, wrong, ins, outs, &e), -1);
    assert_non_null(strstr(e.msg, "no input called 'y'"));
    assert_int_equal(exec_run(x, 0, NULL, NULL, outs, &e), -1);
    assert_non_null(strstr(e.msg, "'x' was not given"));
    tensor *t3 = vec(2, in, 4);
    const tensor *ins3[] = {t3};
    ((graph_value *)&g->values[0])->dims[1] = 4;
    assert_int_equal(exec_run(x, 1, names, ins3, outs, &e), -1);
    assert_non_null(strstr(e.msg, "dim 1 must be 4"));
    int64_t d1[] = {4};
    tensor *t1 = tensor_new(DT_FLOAT, 1, d1, &e);
    const tensor *ins1[] = {t1};
    assert_int_equal(exec_run(x, 1, names, ins1, outs, &e), -1);
    assert_non_null(strstr(e.msg, "rank 2"));
    tensor *ti = tensor_new(DT_INT64, 2, t->dims, &e);
    const tensor *insi[] = {ti};
    assert_int_equal(exec_run(x, 1, names, insi, outs, &e), -1);
    assert_non_null(strstr(e.msg, "expected float"));
    const char *twice[] = {"x", "x"};
    const tensor *ins2[] = {t, t};
    assert_int_equal(exec_run(x, 2, twice, ins2, outs, &e), -1);
    assert_non_null(strstr(e.msg, "twice"));
    tensor_free(t);
    tensor_free(t1);
    tensor_free(t3);
    tensor_free(ti);
    exec_free(x);
    graph_free(g);

    /* symbolic dims must agree across inputs */
    g = graph_new();
    int a = graph_value_get(g, "a"), b = graph_value_get(g, "b"), c = graph_value_get(g, "c");
    int64_t dims[] = {1, 2};
    declare_input(g, a, 2, dims, "N");
    declare_input(g, b, 2, dims, "N");
    int ab[] = {a, b};
    add_node(g, "Add", "add", 2, ab, c);
    graph_set_inputs(g, 2, ab);
    graph_set_outputs(g, 1, &c);
    assert_int_equal(graph_reindex(g, &e), 0);
    assert_int_equal(exec_new(g, 1, &x, &e), 0);
    float v[] = {1, 2, 3, 4};
    tensor *p = vec(1, v, 2), *q = vec(2, v, 4);
    const char *nm[] = {"a", "b"};
    const tensor *pq[] = {p, q};
    assert_int_equal(exec_run(x, 2, nm, pq, outs, &e), -1);
    assert_non_null(strstr(e.msg, "'N'"));
    tensor_free(p);
    tensor_free(q);
    exec_free(x);
    graph_free(g);
}

static void threads_reach_kernels(void **state)
{
    (void)state;
    graph *g = graph_new();
    int y = graph_value_get(g, "y");
    add_node(g, "Threads", "t", 0, NULL, y);
    graph_set_outputs(g, 1, &y);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    exec *x;
    assert_int_equal(exec_new(g, 3, &x, &e), 0);
    tensor *out;
    assert_int_equal(exec_run(x, 0, NULL, NULL, &out, &e), 0);
    assert_true(*(float *)out->data == 3);
    tensor_free(out);
    exec_set_threads(x, 1);
    assert_int_equal(exec_run(x, 0, NULL, NULL, &out, &e), 0);
    assert_true(*(float *)out->data == 1);
    tensor_free(out);
    exec_free(x);
    graph_free(g);
}

/* cond ? relu(a) : neg(a) where a = x + x is computed outside the branches */
static void if_runs_the_chosen_branch_with_outer_values(void **state)
{
    (void)state;
    graph *g = graph_new();
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0] = (graph_opset){graph_strdup(g, ""), 13};
    g->n_opsets = 1;
    int x = graph_value_get(g, "x"), cond = graph_value_get(g, "cond"), a = graph_value_get(g, "a"),
        y = graph_value_get(g, "y");
    int64_t dims[] = {1, 3};
    declare_input(g, x, 2, dims, NULL);
    g->values[cond].dtype = DT_BOOL;
    g->values[cond].rank = 0;
    int n_if = graph_node_add(g, "If", "if", 1, &cond, 1, &y);
    int xx[] = {x, x};
    add_node(g, "Add", "double", 2, xx, a);
    const char *ops[] = {"Relu", "Neg"}, *attrs[] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; b++) {
        graph *sub = graph_new();
        int sa = graph_value_get(sub, "a"), so = graph_value_get(sub, "out");
        add_node(sub, ops[b], ops[b], 1, &sa, so);
        graph_set_outputs(sub, 1, &so);
        graph_attr_set(g, n_if, attrs[b], ATTR_GRAPH)->g = sub;
    }
    int ins_v[] = {x, cond};
    graph_set_inputs(g, 2, ins_v);
    graph_set_outputs(g, 1, &y);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    exec *ex;
    assert_int_equal(exec_new(g, 2, &ex, &e), 0);
    float in[] = {1, -2, 3};
    tensor *t = vec(1, in, 3);
    tensor *c = tensor_new(DT_BOOL, 0, NULL, &e);
    const char *names[] = {"x", "cond"};
    const tensor *ins[] = {t, c};
    tensor *out;
    for (int rep = 0; rep < 2; rep++)
        for (int k = 0; k < 2; k++) {
            *(uint8_t *)c->data = (uint8_t)k;
            assert_int_equal(exec_run(ex, 2, names, ins, &out, &e), 0);
            for (int i = 0; i < 3; i++) {
                float a2 = 2 * in[i];
                assert_true(((float *)out->data)[i] == (k ? relu(a2) : -a2));
            }
            tensor_free(out);
        }
    tensor_free(t);
    tensor_free(c);
    exec_free(ex);
    graph_free(g);
}

static void stale_graph_is_refused(void **state)
{
    (void)state;
    graph *g = diamond();
    int v = graph_value_new(g, "late");
    add_node(g, "Relu", "late", 1, &g->outputs[0], v);
    qrc_err e;
    exec *x;
    assert_int_equal(exec_new(g, 1, &x, &e), -1);
    assert_non_null(strstr(e.msg, "reindex"));
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_in_topological_order),
        cmocka_unit_test(buffers_are_reused_by_liveness),
        cmocka_unit_test(observer_sees_and_may_modify),
        cmocka_unit_test(initializers_can_be_substituted),
        cmocka_unit_test(errors_name_node_op_and_tensor),
        cmocka_unit_test(threads_reach_kernels),
        cmocka_unit_test(if_runs_the_chosen_branch_with_outer_values),
        cmocka_unit_test(stale_graph_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
