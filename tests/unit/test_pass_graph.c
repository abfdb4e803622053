/* The prepare passes on small graphs, one pattern each: functional ops, reused modules, shared
 * weights, Identity / Dropout / Constant folding, If on a bool input, decomposed LayerNorm and GELU,
 * supergroups, exclusion selectors, the float region. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "pass_fixtures.h"
#include "prepare.h"

static const char *module_of(const graph *g, const char *node)
{
    int n = fx_node_of(g, node);
    assert_true(n >= 0);
    return g->nodes[n].module;
}

/* A model shaped like a scoped export: modules, functional ops, a module called twice, flat names. */
static graph *scoped_model(void)
{
    graph *g = graph_new();
    int64_t wd[4] = {2, 2, 1, 1};
    fx_const(g, "conv1.weight", 4, wd, NULL, 1);
    fx_const(g, "layer1.0.conv1.weight", 4, wd, NULL, 2);
    fx_const(g, "layers.1.ln1.weight", 1, wd, NULL, 3);
    fx_node(g, "Conv", "/conv1/Conv", "x,conv1.weight", "a");
    fx_node(g, "Relu", "/Relu", "a", "b");
    fx_node(g, "MaxPool", "/pool/MaxPool", "b", "c");
    fx_node(g, "Conv", "/layer1/layer1.0/conv1/Conv", "c,layer1.0.conv1.weight", "d");
    fx_node(g, "Relu", "/layer1/layer1.0/relu/Relu", "d", "d2");
    fx_node(g, "Add", "/layer1/layer1.0/Add", "d2,c", "e");
    fx_node(g, "Relu", "/layer1/layer1.0/relu_1/Relu", "e", "e2");
    fx_node(g, "MaxPool", "/pool_1/MaxPool", "e2", "f");
    fx_node(g, "Relu", "/Relu_1", "f", "h");
    fx_node(g, "Sub", "/ln1_1/Sub", "h,h", "i");
    fx_node(g, "Mul", "/ln1_1/Mul", "i,layers.1.ln1.weight", "j");
    fx_node(g, "Sigmoid", "Sigmoid_7", "j", "k");
    fx_node(g, "Relu", "", "k", "y");
    fx_io(g, "x", "y");
    return g;
}

static void name_gives_every_op_a_module(void **state)
{
    (void)state;
    graph *g = scoped_model();
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    assert_string_equal(module_of(g, "/conv1/Conv"), "conv1");
    assert_string_equal(module_of(g, "/Relu"), "relu");
    assert_string_equal(module_of(g, "/Relu_1"), "relu_1");
    assert_string_equal(module_of(g, "/layer1/layer1.0/conv1/Conv"), "layer1.0.conv1");
    assert_string_equal(module_of(g, "/layer1/layer1.0/Add"), "layer1.0.add");
    assert_string_equal(module_of(g, "/pool/MaxPool"), "pool");
    assert_string_equal(module_of(g, "/pool_1/MaxPool"), "pool");
    assert_string_equal(module_of(g, "/layer1/layer1.0/relu_1/Relu"), "layer1.0.relu");
    /* parameters outrank the scope: "/ln1_1" reads layers.1.ln1.weight */
    assert_string_equal(module_of(g, "/ln1_1/Sub"), "layers.1.ln1");
    assert_string_equal(module_of(g, "/ln1_1/Mul"), "layers.1.ln1");
    assert_string_equal(module_of(g, "Sigmoid_7"), "sigmoid");
    /* the nameless node got a name, "relu" was taken so its module is relu_2 */
    int last = g->order[g->n_nodes - 1];
    assert_string_equal(g->nodes[last].module, "relu_2");
    assert_string_equal(g->nodes[last].name, "relu_2/Relu");
    assert_int_equal(pass_report_count(&r, "reused_module", PASS_WARN), 2);
    /* stable: naming a fresh copy gives the same names */
    graph *h = scoped_model();
    pass_report r2;
    pass_report_init(&r2);
    assert_int_equal(pass_name(h, NULL, &r2, &e), 0);
    for (int n = 0; n < g->n_nodes; n++) {
        assert_string_equal(g->nodes[n].module, h->nodes[n].module);
        assert_string_equal(g->nodes[n].name, h->nodes[n].name);
    }
    pass_report_free(&r2);
    graph_free(h);
    pass_report_free(&r);
    graph_free(g);
}

static void unshare_splits_reused_modules_and_shared_weights(void **state)
{
    (void)state;
    graph *g = scoped_model();
    int64_t wd[4] = {2, 2, 1, 1};
    fx_const(g, "conv.weight", 4, wd, NULL, 9);
    fx_node(g, "Conv", "/conv/Conv", "y,conv.weight", "z1");
    fx_node(g, "Conv", "/conv_1/Conv", "z1,conv.weight", "z2");
    int out = graph_find_value(g, "z2");
    graph_set_outputs(g, 1, &out);
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    assert_string_equal(module_of(g, "/conv_1/Conv"), "conv");
    assert_int_equal(pass_unshare(g, NULL, &r, &e), 0);
    assert_string_equal(module_of(g, "/pool/MaxPool"), "pool");
    assert_string_equal(module_of(g, "/pool_1/MaxPool"), "pool_1");
    assert_string_equal(module_of(g, "/layer1/layer1.0/relu/Relu"), "layer1.0.relu");
    assert_string_equal(module_of(g, "/layer1/layer1.0/relu_1/Relu"), "layer1.0.relu_1");
    assert_string_equal(module_of(g, "/conv/Conv"), "conv");
    assert_string_equal(module_of(g, "/conv_1/Conv"), "conv_1");
    int c0 = fx_node_of(g, "/conv/Conv"), c1 = fx_node_of(g, "/conv_1/Conv");
    int w0 = g->nodes[c0].in[1], w1 = g->nodes[c1].in[1];
    assert_int_not_equal(w0, w1);
    assert_string_equal(g->values[w0].name, "conv.weight");
    assert_string_equal(g->values[w1].name, "conv_1.weight");
    assert_memory_equal(g->values[w0].init->data, g->values[w1].init->data, tensor_nbytes(g->values[w0].init));
    assert_int_equal(pass_report_count(&r, "shared_weight", PASS_WARN), 1);
    pass_report_free(&r);
    graph_free(g);
}

static void fold_removes_identity_dropout_constants_and_dead_nodes(void **state)
{
    (void)state;
    graph *g = graph_new();
    int64_t c = 3;
    fx_const(g, "bn2.bias", 1, &c, NULL, 1);
    fx_node(g, "Identity", "Identity_0", "bn2.bias", "down.bias");       /* deduplicated weight */
    fx_node(g, "Identity", "/Identity", "x", "a");
    fx_node(g, "Dropout", "/drop/Dropout", "a", "b");
    int k = fx_node(g, "Constant", "/Constant", "", "k");
    graph_attr_set(g, k, "value_float", ATTR_FLOAT)->f = 2.0f;
    fx_node(g, "Mul", "/Mul", "b,k", "m");
    fx_node(g, "Add", "/Add", "m,down.bias", "y");
    fx_node(g, "Relu", "/unused/Relu", "a", "dead");
    fx_node(g, "Identity", "/out/Identity", "y", "out");                /* graph output: name kept */
    fx_io(g, "x", "out");
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_fold(g, NULL, &r, &e), 0);
    assert_int_equal(g->n_nodes, 2);
    int mul = fx_node_of(g, "/Mul"), add = fx_node_of(g, "/Add");
    assert_true(mul >= 0 && add >= 0);
    assert_string_equal(g->values[g->nodes[mul].in[0]].name, "x");
    const tensor *kv = pass_const(g, g->nodes[mul].in[1]);
    assert_non_null(kv);
    assert_true(*(const float *)kv->data == 2.0f);
    /* the Identity over a parameter became a parameter of its own, under the reader's name */
    assert_string_equal(g->values[g->nodes[add].in[1]].name, "down.bias");
    assert_non_null(pass_const(g, g->nodes[add].in[1]));
    assert_string_equal(g->values[g->nodes[add].out[0]].name, "out");
    pass_report_free(&r);
    graph_free(g);
}

/* x, flag -> If(flag) { then: Relu(x) ; else: Neg(x) } -> y */
static graph *if_model(void)
{
    graph *g = graph_new();
    fx_io(g, "x,flag", "y");
    g->values[graph_find_value(g, "flag")].dtype = DT_BOOL;
    g->values[graph_find_value(g, "flag")].rank = 0;
    int n = fx_node(g, "If", "/If", "flag", "y");
    const char *ops[2] = {"Relu", "Neg"}, *attr[2] = {"then_branch", "else_branch"};
    for (int b = 0; b < 2; b++) {
        graph *s = graph_new();
        char name[64];
        snprintf(name, sizeof name, "/%s/%s", attr[b], ops[b]);
        fx_node(s, ops[b], name, "x", "r");
        int o = graph_find_value(s, "r");
        graph_set_outputs(s, 1, &o);
        s->parent = g;
        graph_attr_set(g, n, attr[b], ATTR_GRAPH)->g = s;
    }
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static tensor *bool_scalar(bool v)
{
    qrc_err e;
    tensor *t = tensor_new(DT_BOOL, 0, NULL, &e);
    *(uint8_t *)t->data = v;
    return t;
}

static void bind_inlines_the_branch_an_input_selects(void **state)
{
    (void)state;
    graph *g = if_model();
    tensor *f = bool_scalar(false);
    pass_concrete c = {"flag", f, 0, NULL};
    pass_opts o = pass_opts_default();
    o.concrete = &c;
    o.n_concrete = 1;
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_bind(g, &o, &r, &e), 0);
    assert_int_equal(fx_count_op(g, "If"), 0);
    assert_int_equal(fx_count_op(g, "Neg"), 1);
    assert_int_equal(g->n_inputs, 1);
    int neg = fx_node_of(g, "/else_branch/Neg");
    assert_string_equal(g->values[g->nodes[neg].out[0]].name, "y");
    assert_string_equal(g->values[g->nodes[neg].in[0]].name, "x");
    assert_int_equal(pass_report_count(&r, "branch_inlined", PASS_INFO), 1);
    pass_report_free(&r);
    graph_free(g);

    /* naming an input the model does not have lists the real ones */
    g = if_model();
    c.name = "use_aux";
    pass_report_init(&r);
    assert_int_equal(pass_bind(g, &o, &r, &e), -1);
    assert_non_null(strstr(e.msg, "use_aux"));
    assert_non_null(strstr(e.msg, "x: float"));
    assert_non_null(strstr(e.msg, "flag: bool"));
    pass_report_free(&r);
    graph_free(g);
    tensor_free(f);
}

static void symbolic_refuses_and_jit_resolves_data_dependent_if(void **state)
{
    (void)state;
    qrc_err e;
    pass_report r;
    graph *g = if_model();
    prepare_opts po = {.method = PREPARE_SYMBOLIC, .pass = pass_opts_default()};
    pass_report_init(&r);
    assert_int_equal(prepare_run(g, &po, &r, &e), -1);
    assert_non_null(strstr(e.msg, "depends on data"));
    assert_non_null(strstr(e.msg, "concrete"));
    pass_report_free(&r);
    graph_free(g);

    /* jit: every example takes then_branch -> inlined, else_branch reported as never taken */
    tensor *t = bool_scalar(true), *fl = bool_scalar(false);
    int64_t xd[1] = {4};
    tensor *x = fx_input(1, xd, 1);
    const char *names[2] = {"x", "flag"};
    const tensor *v1[2] = {x, t}, *v2[2] = {x, fl};
    pass_example ex[2] = {{2, names, v1}, {2, names, v1}};
    po.method = PREPARE_JIT;
    po.pass.examples = ex;
    po.pass.n_examples = 2;
    g = if_model();
    pass_report_init(&r);
    assert_int_equal(prepare_run(g, &po, &r, &e), 0);
    assert_int_equal(fx_count_op(g, "If"), 0);
    assert_int_equal(fx_count_op(g, "Relu"), 1);
    assert_int_equal(pass_report_count(&r, "branch_never_taken", PASS_WARN), 1);
    pass_report_free(&r);
    graph_free(g);

    /* examples that disagree cannot be specialised */
    ex[1].values = v2;
    g = if_model();
    pass_report_init(&r);
    assert_int_equal(prepare_run(g, &po, &r, &e), -1);
    assert_non_null(strstr(e.msg, "depends on the data"));
    pass_report_free(&r);
    graph_free(g);
    tensor_free(t);
    tensor_free(fl);
    tensor_free(x);
}

static void concrete_dim_pins_symbolic_dims(void **state)
{
    (void)state;
    graph *g = graph_new();
    fx_node(g, "Relu", "/Relu", "x", "y");
    fx_io(g, "x", "y");
    graph_value *x = &g->values[graph_find_value(g, "x")];
    x->rank = 2;
    x->dims[0] = -1;
    x->dim_param[0] = graph_strdup(g, "N");
    x->dims[1] = 8;
    pass_concrete c = {"N", NULL, 4, NULL};
    pass_opts o = pass_opts_default();
    o.concrete = &c;
    o.n_concrete = 1;
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_bind(g, &o, &r, &e), 0);
    x = &g->values[graph_find_value(g, "x")];
    assert_int_equal(x->dims[0], 4);
    assert_null(x->dim_param[0]);
    c.name = "M";
    assert_int_equal(pass_bind(g, &o, &r, &e), -1);
    assert_non_null(strstr(e.msg, "x: float[4,8]"));
    pass_report_free(&r);
    graph_free(g);
}

/* A decomposed LayerNorm, a GELU, then Gemm+Relu, Add+Relu; returns the graph. */
static graph *units_model(void)
{
    graph *g = graph_new();
    int64_t c = 4, wd[2] = {4, 4};
    fx_scalar(g, "two", 2.0f);
    fx_scalar(g, "eps", 1e-5f);
    fx_scalar(g, "sqrt2", 1.4142135f);
    fx_scalar(g, "one", 1.0f);
    fx_scalar(g, "half", 0.5f);
    fx_const(g, "ln.weight", 1, &c, NULL, 1);
    fx_const(g, "ln.bias", 1, &c, NULL, 2);
    fx_const(g, "fc.weight", 2, wd, NULL, 3);
    fx_node(g, "ReduceMean", "/ln/ReduceMean", "x", "m");
    fx_node(g, "Sub", "/ln/Sub", "x,m", "d");
    fx_node(g, "Pow", "/ln/Pow", "d,two", "p");
    fx_node(g, "ReduceMean", "/ln/ReduceMean_1", "p", "v");
    fx_node(g, "Add", "/ln/Add", "v,eps", "ve");
    fx_node(g, "Sqrt", "/ln/Sqrt", "ve", "sd");
    fx_node(g, "Div", "/ln/Div", "d,sd", "n");
    fx_node(g, "Mul", "/ln/Mul", "n,ln.weight", "nm");
    fx_node(g, "Add", "/ln/Add_1", "nm,ln.bias", "l");
    fx_node(g, "Div", "/Div", "l,sqrt2", "g1");
    fx_node(g, "Erf", "/Erf", "g1", "g2");
    fx_node(g, "Add", "/Add", "g2,one", "g3");
    fx_node(g, "Mul", "/Mul", "l,g3", "g4");
    fx_node(g, "Mul", "/Mul_1", "g4,half", "g5");
    fx_node(g, "Gemm", "/fc/Gemm", "g5,fc.weight", "h");
    fx_node(g, "Relu", "/Relu", "h", "h2");
    fx_node(g, "Add", "/Add_1", "h2,x", "s");
    fx_node(g, "Relu", "/Relu_1", "s", "y");
    fx_io(g, "x", "y");
    return g;
}

static void fuse_recognises_layernorm_gelu_and_chains(void **state)
{
    (void)state;
    graph *g = units_model();
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    assert_int_equal(pass_fuse(g, NULL, &r, &e), 0);
    assert_int_equal(r.n_groups, 4);
    assert_string_equal(r.groups[0].kind, "LayerNorm");
    assert_int_equal(r.groups[0].n_nodes, 9);
    assert_string_equal(r.groups[0].nodes[8], "/ln/Add_1");
    assert_string_equal(r.groups[1].kind, "GELU");
    assert_int_equal(r.groups[1].n_nodes, 5);
    assert_string_equal(r.groups[2].kind, "Gemm+Relu");
    assert_string_equal(r.groups[3].kind, "Add+Relu");
    const pass_node_info *in = pass_report_find(&r, "/ln/Sqrt"), *out = pass_report_find(&r, "/ln/Add_1");
    assert_int_equal(in->group, 0);
    assert_false(in->group_output);
    assert_true(out->group_output);
    pass_report_free(&r);

    /* supergroups from a quantsim config: only Add+Relu listed */
    char path[] = "/tmp/qrc_fuse_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"defaults\": {}, \"supergroups\": [{\"op_list\": [\"Add\", \"Relu\"]}]}", f);
    fclose(f);
    pass_opts o = pass_opts_default();
    o.supergroups_json = path;
    pass_report_init(&r);
    assert_int_equal(pass_fuse(g, &o, &r, &e), 0);
    assert_int_equal(r.n_groups, 3);
    assert_string_equal(r.groups[2].kind, "Add+Relu");
    pass_report_free(&r);
    f = fopen(path, "w");
    fputs("{\"supergroups\": [{\"op_list\": \"Conv\"}]}", f);
    fclose(f);
    pass_report_init(&r);
    assert_int_equal(pass_fuse(g, &o, &r, &e), -1);
    assert_non_null(strstr(e.msg, "op_list"));
    pass_report_free(&r);
    remove(path);
    /* a FIFO in place of the config is refused at once, not waited on */
    assert_int_equal(mkfifo(path, 0600), 0);
    pass_report_init(&r);
    assert_int_equal(pass_fuse(g, &o, &r, &e), -1);
    assert_non_null(strstr(e.msg, "not a regular file"));
    assert_non_null(strstr(e.msg, path));
    pass_report_free(&r);
    remove(path);
    graph_free(g);
}

static void exclude_resolves_selectors_and_reports_misses(void **state)
{
    (void)state;
    graph *g = scoped_model();
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    assert_int_equal(pass_unshare(g, NULL, &r, &e), 0);
    select_spec sel[3] = {{SELECT_EXACT, "layer1"}, {SELECT_GLOB, "pool_*"}, {SELECT_REGEX, "relu_[0-9]"}};
    const char *ops[1] = {"Sigmoid"};
    pass_opts o = pass_opts_default();
    o.exclude = sel;
    o.n_exclude = 3;
    o.exclude_ops = ops;
    o.n_exclude_ops = 1;
    assert_int_equal(pass_exclude(g, &o, &r, &e), 0);
    const char *in[] = {"/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/Add", "/pool_1/MaxPool", "/Relu_1", "Sigmoid_7"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        const pass_node_info *inf = pass_report_find(&r, in[i]);
        if (!inf || !inf->excluded)
            fail_msg("'%s' should be excluded", in[i]);
    }
    const char *out[] = {"/conv1/Conv", "/pool/MaxPool", "/Relu", "/ln1_1/Mul"};
    for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
        const pass_node_info *inf = pass_report_find(&r, out[i]);
        if (inf && inf->excluded)
            fail_msg("'%s' should not be excluded", out[i]);
    }
    /* regex must match the whole name: "relu" alone matches no module of its own */
    select_spec miss[2] = {{SELECT_EXACT, "layer1.0.cnov1"}, {SELECT_REGEX, "conv"}};
    const char *badop[1] = {"Sigmod"};
    o.exclude = miss;
    o.n_exclude = 2;
    o.exclude_ops = badop;
    assert_int_equal(pass_exclude(g, &o, &r, &e), -1);
    /* module names are suggested as the recipe's selectors take them, in quotes */
    assert_non_null(strstr(e.msg, "\"layer1.0.cnov1\" matches nothing (closest: \"layer1.0.conv1\""));
    assert_non_null(strstr(e.msg, "re\"conv\" matches nothing"));
    assert_non_null(strstr(e.msg, "Sigmod matches nothing (closest: Sigmoid"));
    pass_report_free(&r);
    graph_free(g);
}

static void strip_marks_pre_and_post_processing(void **state)
{
    (void)state;
    graph *g = graph_new();
    int64_t wd[2] = {4, 4};
    fx_const(g, "fc.weight", 2, wd, NULL, 1);
    fx_scalar(g, "mean", 0.5f);
    fx_node(g, "Sub", "/Sub", "image,mean", "norm");
    fx_node(g, "MatMul", "/fc/MatMul", "norm,fc.weight", "logits");
    fx_node(g, "Softmax", "/Softmax", "logits", "prob");
    fx_io(g, "image", "prob");
    const char *start[1] = {"norm"}, *end[1] = {"logits"};
    pass_opts o = pass_opts_default();
    o.start = start;
    o.n_start = 1;
    o.end = end;
    o.n_end = 1;
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_strip(g, &o, &r, &e), 0);
    assert_true(pass_report_find(&r, "/Sub")->outside_region);
    assert_true(pass_report_find(&r, "/Softmax")->outside_region);
    assert_null(pass_report_find(&r, "/fc/MatMul"));
    const char *typo[1] = {"logit"};
    o.end = typo;
    assert_int_equal(pass_strip(g, &o, &r, &e), -1);
    assert_non_null(strstr(e.msg, "closest names: logits"));
    /* a module name stands for the tensors where it begins / ends */
    const char *mod[1] = {"fc"};
    pass_report r2;
    pass_report_init(&r2);
    o.start = mod;
    o.end = mod;
    assert_int_equal(pass_name(g, NULL, &r2, &e), 0);
    assert_int_equal(pass_strip(g, &o, &r2, &e), 0);
    assert_true(pass_report_find(&r2, "/Sub")->outside_region);
    assert_true(pass_report_find(&r2, "/Softmax")->outside_region);
    assert_null(pass_report_find(&r2, "/fc/MatMul"));
    pass_report_free(&r2);
    pass_report_free(&r);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(name_gives_every_op_a_module),
        cmocka_unit_test(unshare_splits_reused_modules_and_shared_weights),
        cmocka_unit_test(fold_removes_identity_dropout_constants_and_dead_nodes),
        cmocka_unit_test(bind_inlines_the_branch_an_input_selects),
        cmocka_unit_test(symbolic_refuses_and_jit_resolves_data_dependent_if),
        cmocka_unit_test(concrete_dim_pins_symbolic_dims),
        cmocka_unit_test(fuse_recognises_layernorm_gelu_and_chains),
        cmocka_unit_test(exclude_resolves_selectors_and_reports_misses),
        cmocka_unit_test(strip_marks_pre_and_post_processing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
