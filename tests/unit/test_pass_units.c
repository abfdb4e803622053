/* Decomposed units (units.c): every form the matcher knows is recognised on a small graph, near misses
 * (a wrong constant, an intermediate read elsewhere, epsilon in the wrong place) are not; a unit gets one
 * module and one supergroup, so the placement puts quantizers only on its input and output; and the
 * single op qrc run substitutes computes what the decomposed form does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "exec.h"
#include "nn_harness.h"
#include "ops/nn_ops.h"
#include "pass_fixtures.h"
#include "quant.h"

/* Why an executor run failed (the tests assert they do not). */
static qrc_err run_err;

/* A graph x [2, 8] -> nodes -> y at opset `opset`, from lines "Op name in1,in2 out" separated by ';'.
 * "Clip@lo:hi" is a Clip with its bounds as attributes (before opset 11), "HardSigmoid@a:b" one with
 * alpha and beta. The last node's output is the graph output y; names in `extra_out` are graph
 * outputs too. Scalar constants: zero one two three five six sixth half eps sqrt2 isqrt2 kappa beta_t
 * (sqrt(2/pi)) swb (Swish beta 1.7); gamma and beta hold 8 values. */
static graph *unit_graph(const char *spec, int opset, const char *extra_out)
{
    graph *g = graph_new();
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = opset;
    g->n_opsets = 1;
    const struct {
        const char *name;
        float v;
    } k[] = {{"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"five", 5}, {"six", 6}, {"sixth", 1.0f / 6},
             {"half", 0.5f}, {"eps", 1e-5f}, {"sqrt2", 1.41421356f}, {"isqrt2", 0.70710678f},
             {"kappa", 0.044715f}, {"beta_t", 0.79788456f}, {"swb", 1.7f}};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++)
        fx_scalar(g, k[i].name, k[i].v);
    int64_t c = 8;
    fx_const(g, "gamma", 1, &c, NULL, 1);
    fx_const(g, "beta", 1, &c, NULL, 2);
    char buf[2048], last[64] = "";
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *line = strtok_r(buf, ";", &save); line; line = strtok_r(NULL, ";", &save)) {
        char op[64], name[64], ins[256], out[64];
        if (sscanf(line, " %63s %63s %255s %63s", op, name, ins, out) != 4)
            fail_msg("bad spec line '%s'", line);
        char *at = strchr(op, '@');
        float lo = 0, hi = 0;
        if (at) {
            sscanf(at + 1, "%f:%f", &lo, &hi);
            *at = 0;
        }
        int n = fx_node(g, op, name, ins, out);
        if (at) {
            bool clip = !strcmp(op, "Clip");
            graph_attr_set(g, n, clip ? "min" : "alpha", ATTR_FLOAT)->f = lo;
            graph_attr_set(g, n, clip ? "max" : "beta", ATTR_FLOAT)->f = hi;
        }
        if (!strcmp(op, "ReduceMean")) {
            graph_attr *a = graph_attr_set(g, n, "axes", ATTR_INTS);
            a->n = 1;
            a->ints = graph_alloc(g, sizeof(int64_t));
            a->ints[0] = -1;
        }
        snprintf(last, sizeof last, "%s", out);
    }
    char outs[256];
    snprintf(outs, sizeof outs, "%s%s%s", last, extra_out ? "," : "", extra_out ? extra_out : "");
    fx_io(g, "x", outs);
    int x = graph_find_value(g, "x");
    g->values[x].rank = 2;
    g->values[x].dims[0] = 2;
    g->values[x].dims[1] = 8;
    qrc_err e;
    if (graph_reindex(g, &e))
        fail_msg("%s", e.msg);
    return g;
}

typedef struct unit_case {
    const char *what;
    const char *kind;       /* NULL: must not match */
    int nodes;              /* nodes in the unit */
    int opset;
    const char *spec;
    const char *extra_out;  /* intermediate tensors also read as graph outputs */
    bool single;            /* qrc run replaces it by one op */
} unit_case;

#define LN_CORE "ReduceMean m1 x m;Sub sub x,m d;Pow pw d,two p;ReduceMean m2 p v;"
#define GELU_TANH_IN "Pow cube x,three c3;Mul mk c3,kappa ck;Add inner x,ck i;Mul sc i,beta_t is;Tanh th is t;"

static const unit_case cases[] = {
    /* HardSwish */
    {"hardswish div 6 (paddle2onnx, Clip attributes)", "HardSwish", 4, 9,
     "Add a x,three t1;Clip@0:6 c t1 t2;Mul m x,t2 t3;Div d t3,six y", NULL, false},
    {"hardswish mul 1/6 (Clip inputs)", "HardSwish", 4, 14,
     "Add a three,x t1;Clip c t1,zero,six t2;Mul m t2,x t3;Mul d sixth,t3 y", NULL, true},
    {"hardswish x * hardsigmoid written out", "HardSwish", 4, 14,
     "Add a x,three t1;Clip c t1,zero,six t2;Div d t2,six t3;Mul m x,t3 y", NULL, true},
    {"hardswish x * clip(x/6 + 1/2, 0, 1)", "HardSwish", 4, 14,
     "Mul s x,sixth t1;Add a t1,half t2;Clip c t2,zero,one t3;Mul m t3,x y", NULL, true},
    {"hardswish x * HardSigmoid(x)", "HardSwish", 2, 9, "HardSigmoid@0.1666667:0.5 h x t1;Mul m x,t1 y", NULL,
     false},
    {"near miss: Clip(0, 5)", NULL, 0, 9, "Add a x,three t1;Clip@0:5 c t1 t2;Mul m x,t2 t3;Div d t3,six y", NULL,
     false},
    {"near miss: Add 2", NULL, 0, 13, "Add a x,two t1;Clip c t1,zero,six t2;Mul m x,t2 t3;Div d t3,six y", NULL,
     false},
    {"near miss: Div 5", NULL, 0, 13, "Add a x,three t1;Clip c t1,zero,six t2;Mul m x,t2 t3;Div d t3,five y", NULL,
     false},
    {"near miss: HardSigmoid alpha 0.2 times x", NULL, 0, 9, "HardSigmoid h x t1;Mul m x,t1 y", NULL, false},
    {"near miss: HardSwish's Clip output also read by a Relu", NULL, 0, 13,
     "Add a x,three t1;Clip c t1,zero,six t2;Relu r t2 u;Mul m x,t2 t3;Div d t3,six y", "u", false},
    {"near miss: HardSwish gate on another tensor", NULL, 0, 13,
     "Relu r x u;Add a x,three t1;Clip c t1,zero,six t2;Mul m u,t2 t3;Div d t3,six y", NULL, false},
    /* HardSigmoid */
    {"hardsigmoid relu6(x + 3) / 6", "HardSigmoid", 3, 13, "Add a x,three t1;Clip c t1,zero,six t2;Div d t2,six y",
     NULL, true},
    {"hardsigmoid clip(alpha x + beta, 0, 1)", "HardSigmoid", 3, 9, "Mul s x,swb t1;Add a t1,half t2;Clip@0:1 c t2 y",
     NULL, true},
    {"near miss: clip(alpha x + beta, 0, 2)", NULL, 0, 9, "Mul s x,swb t1;Add a t1,half t2;Clip@0:2 c t2 y", NULL,
     false},
    /* SiLU, Swish */
    {"silu", "SiLU", 2, 13, "Sigmoid s x t1;Mul m x,t1 y", NULL, true},
    {"swish with beta", "Swish", 3, 9, "Mul b x,swb t1;Sigmoid s t1 t2;Mul m x,t2 y", NULL, true},
    {"near miss: x * sigmoid(other)", NULL, 0, 13, "Relu r x u;Sigmoid s u t1;Mul m x,t1 y", NULL, false},
    /* GELU */
    {"gelu erf", "GELU", 5, 13, "Div d x,sqrt2 t1;Erf e t1 t2;Add a t2,one t3;Mul m x,t3 t4;Mul h t4,half y", NULL,
     true},
    {"gelu erf without the 0.5 (twice GELU): a unit no single op computes", "GELU", 4, 13,
     "Div d x,sqrt2 t1;Erf e t1 t2;Add a t2,one t3;Mul m x,t3 y", NULL, false},
    {"gelu erf, 0.5 before x", "GELU", 5, 13,
     "Div d x,sqrt2 t1;Erf e t1 t2;Add a t2,one t3;Mul h t3,half t4;Mul m t4,x y", NULL, true},
    {"gelu erf, x * 1/sqrt2 and 0.5 first", "GELU", 5, 13,
     "Mul hx x,half xh;Mul d x,isqrt2 t1;Erf e t1 t2;Add a t2,one t3;Mul m xh,t3 y", NULL, true},
    {"gelu tanh", "GELU", 8, 13, GELU_TANH_IN "Add a t,one u;Mul m x,u w;Mul h w,half y", NULL, true},
    {"gelu tanh, cube as x * (x * x), 0.5 x first", "GELU", 9, 13,
     "Mul hx x,half xh;Mul sq x,x x2;Mul cube x,x2 c3;Mul mk c3,kappa ck;Add inner x,ck i;Mul sc i,beta_t is;"
     "Tanh th is t;Add a t,one u;Mul m xh,u y",
     NULL, true},
    {"near miss: gelu tanh with kappa 0.5", NULL, 0, 13,
     "Pow cube x,three c3;Mul mk c3,half ck;Add inner x,ck i;Mul sc i,beta_t is;Tanh th is t;Add a t,one u;"
     "Mul m x,u w;Mul h w,half y",
     NULL, false},
    /* Mish */
    {"mish softplus", "Mish", 3, 13, "Softplus sp x t1;Tanh th t1 t2;Mul m x,t2 y", NULL, false},
    {"mish exp log", "Mish", 5, 13, "Exp ex x t1;Add a t1,one t2;Log lg t2 t3;Tanh th t3 t4;Mul m t4,x y", NULL,
     false},
    /* LayerNorm */
    {"layernorm affine", "LayerNorm", 9, 13,
     LN_CORE "Add ae v,eps ve;Sqrt sq ve sd;Div dv d,sd n;Mul g n,gamma nm;Add b nm,beta y", NULL, true},
    {"layernorm no affine", "LayerNorm", 7, 13, LN_CORE "Add ae v,eps ve;Sqrt sq ve sd;Div dv d,sd y", NULL, true},
    {"layernorm reciprocal, d * d", "LayerNorm", 10, 13,
     "ReduceMean m1 x m;Sub sub x,m d;Mul pw d,d p;ReduceMean m2 p v;Add ae v,eps ve;Sqrt sq ve sd;"
     "Reciprocal rc sd r;Mul dv d,r n;Mul g n,gamma nm;Add b nm,beta y",
     NULL, true},
    {"layernorm eps outside the sqrt", "LayerNorm", 9, 13,
     LN_CORE "Sqrt sq v sd;Add ae sd,eps se;Div dv d,se n;Mul g n,gamma nm;Add b nm,beta y", NULL, false},
    {"near miss: eps added to the centred value", NULL, 0, 13,
     LN_CORE "Sqrt sq v sd;Add ae d,eps de;Div dv de,sd y", NULL, false},
    {"near miss: layernorm variance read elsewhere", NULL, 0, 13,
     LN_CORE "Add ae v,eps ve;Sqrt sq ve sd;Div dv d,sd y", "v", false},
    {"near miss: Pow 3 instead of 2", NULL, 0, 13,
     "ReduceMean m1 x m;Sub sub x,m d;Pow pw d,three p;ReduceMean m2 p v;Add ae v,eps ve;Sqrt sq ve sd;"
     "Div dv d,sd y",
     NULL, false},
    /* RMSNorm */
    {"rmsnorm", "RMSNorm", 6, 13,
     "Pow pw x,two p;ReduceMean m p v;Add ae v,eps ve;Sqrt sq ve r;Div dv x,r n;Mul g n,gamma y", NULL, false},
    {"rmsnorm x * x, reciprocal", "RMSNorm", 6, 13,
     "Mul pw x,x p;ReduceMean m p v;Add ae v,eps ve;Sqrt sq ve r;Reciprocal rc r ir;Mul dv x,ir y", NULL, false},
    {"near miss: rmsnorm dividing another tensor", NULL, 0, 13,
     "Relu u x xr;Pow pw x,two p;ReduceMean m p v;Add ae v,eps ve;Sqrt sq ve r;Div dv xr,r y", NULL, false},
};
enum { N_CASES = sizeof cases / sizeof *cases };

/* Calls fn on the graph of every case that holds a unit. */
static void each_unit_case(void (*fn)(const unit_case *c, int i, graph *g))
{
    for (int i = 0; i < N_CASES; i++)
        if (cases[i].kind) {
            graph *g = unit_graph(cases[i].spec, cases[i].opset, NULL);
            fn(&cases[i], i, g);
            graph_free(g);
        }
}

/* The unit matched anywhere in g (0 when none). */
static int match_any(const graph *g, pass_unit *u)
{
    for (int k = 0; k < g->n_nodes; k++)
        if (pass_unit_match(g, g->order[k], NULL, u))
            return u->n;
    return 0;
}

static void every_form_and_near_miss(void **state)
{
    (void)state;
    for (int i = 0; i < N_CASES; i++) {
        const unit_case *c = &cases[i];
        graph *g = unit_graph(c->spec, c->opset, c->extra_out);
        pass_unit u;
        int n = match_any(g, &u);
        if (!c->kind && n)
            fail_msg("%s: matched %s (%d nodes)", c->what, u.kind, n);
        if (c->kind && (!n || strcmp(u.kind, c->kind) || n != c->nodes))
            fail_msg("%s: wanted %s of %d nodes, got %s of %d", c->what, c->kind, c->nodes, n ? u.kind : "none", n);
        if (n) {
            assert_int_equal(u.x, graph_find_value(g, "x"));
            assert_int_equal(u.out, graph_find_value(g, "y"));
        }
        graph_free(g);
    }
}

/* After name and fuse, a unit is one module and one group: the placement quantizes x and y and no
 * tensor in between. */
static void check_unit_module(const unit_case *c, int i, graph *g)
{
    (void)i;
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    assert_int_equal(pass_fuse(g, NULL, &r, &e), 0);
    int y = graph_find_value(g, "y");
    const graph_node *last = &g->nodes[pass_producer(g, y)];
    char want[64];
    pass_lower(c->kind, want, sizeof want);
    if (r.n_groups != 1 || strcmp(r.groups[0].kind, c->kind) || strcmp(last->module, want))
        fail_msg("%s: %d groups, module '%s'", c->what, r.n_groups, last->module);
    for (int n = 0; n < g->n_nodes; n++)
        if (!g->nodes[n].dead && strcmp(g->nodes[n].module, last->module))
            fail_msg("%s: node %s in module '%s'", c->what, g->nodes[n].name, g->nodes[n].module);
    assert_int_equal(pass_report_count(&r, "functional", PASS_INFO), 1);
    bool excluded[64] = {false}, fused[64] = {false};
    assert_true(g->n_nodes < 64);
    assert_int_equal(quant_annotations_from_report(g, &r, excluded, fused, &e), 0);
    quant_options o = {.excluded = excluded, .fused_with_next = fused};
    quant_sim *s = quant_sim_create(g, NULL, 0, NULL, &o, &e);
    assert_non_null(s);
    int acts = 0;
    for (int q = 0; q < quant_sim_count(s); q++) {
        const quant_quantizer *qq = quant_sim_get(s, q);
        if (qq->role == QUANT_ROLE_WEIGHT || qq->role == QUANT_ROLE_BIAS)
            continue;
        if (strcmp(qq->tensor, "x") && strcmp(qq->tensor, "y"))
            fail_msg("%s: quantizer inside the unit on '%s'", c->what, qq->tensor);
        acts++;
    }
    if (acts != 2)
        fail_msg("%s: %d activation quantizers, wanted x and y", c->what, acts);
    quant_sim_free(s);
    pass_report_free(&r);
}

static void one_module_one_group_no_inner_quantizer(void **state)
{
    (void)state;
    each_unit_case(check_unit_module);
}

/* qrc run's single op computes the decomposed form within 1e-4; units it cannot express stay. */
static void check_single_op(const unit_case *c, int i, graph *g)
{
    uint64_t seed = 17 + (uint64_t)i;
    int64_t xd[2] = {2, 8};
    tensor *x = nnh_tensor(2, xd, &seed, -5, 5);
    tensor *want = nnh_run_graph(g, x, &run_err);
    assert_non_null(want);
    int fused = -1;
    qrc_err e;
    assert_int_equal(kern_fuse_units(g, &fused, &e), 0);
    if (fused != (c->single ? 1 : 0))
        fail_msg("%s: fused %d", c->what, fused);
    if (c->single && g->n_nodes != 1)
        fail_msg("%s: %d nodes left", c->what, g->n_nodes);
    tensor *got = nnh_run_graph(g, x, &run_err);
    assert_non_null(got);
    double worst = 0;
    for (int64_t k = 0; k < tensor_numel(want); k++)
        worst = fmax(worst, fabs(((float *)got->data)[k] - ((float *)want->data)[k]));
    if (worst > 1e-4)
        fail_msg("%s: max abs difference %g", c->what, worst);
    tensor_free(got);
    tensor_free(want);
    tensor_free(x);
}

static void single_op_matches_decomposed(void **state)
{
    (void)state;
    each_unit_case(check_single_op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_form_and_near_miss),
        cmocka_unit_test(one_module_one_group_no_inner_quantizer),
        cmocka_unit_test(single_op_matches_decomposed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
