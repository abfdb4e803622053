/* Quantizer placement: supergroups, shared encodings, exclusions, qconfig rules and the quantsim config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph.h"
#include "quant.h"

/* x -> Conv(W, B) [conv1] -> Relu -> MaxPool -> Reshape -> Gemm(W2, B2, transB) [fc] -> Softmax -> out */
enum { N_CONV, N_RELU, N_POOL, N_RESHAPE, N_GEMM, N_SOFTMAX };

static int value_with_init(graph *g, const char *name, tensor_dtype dt, int rank, const int64_t *dims)
{
    qrc_err e;
    int v = graph_value_get(g, name);
    g->values[v].init = tensor_new(dt, rank, dims, &e);
    assert_non_null(g->values[v].init);
    g->values[v].dtype = dt;
    return v;
}

static int node(graph *g, const char *op, const char *name, const char *module, int n_in, const int *in,
                int out)
{
    int n = graph_node_add(g, op, name, n_in, in, 1, &out);
    g->nodes[n].module = module ? graph_strdup(g, module) : NULL;
    return n;
}

static graph *small_net(int trans_b)
{
    graph *g = graph_new();
    int x = graph_value_get(g, "x");
    int64_t wd[4] = {2, 1, 3, 3}, bd[1] = {2}, sd[1] = {2}, w2d[2] = {3, 8}, b2d[1] = {3};
    if (!trans_b) {
        w2d[0] = 8;
        w2d[1] = 3;
    }
    int w = value_with_init(g, "conv1.weight", DT_FLOAT, 4, wd);
    int b = value_with_init(g, "conv1.bias", DT_FLOAT, 1, bd);
    int shape = value_with_init(g, "shape", DT_INT64, 1, sd);
    int w2 = value_with_init(g, "fc.weight", DT_FLOAT, 2, w2d);
    int b2 = value_with_init(g, "fc.bias", DT_FLOAT, 1, b2d);
    int c1 = graph_value_get(g, "c1"), r1 = graph_value_get(g, "r1"), p1 = graph_value_get(g, "p1");
    int f1 = graph_value_get(g, "f1"), g1 = graph_value_get(g, "g1"), out = graph_value_get(g, "out");
    node(g, "Conv", "/conv1/Conv", "conv1", 3, (int[]){x, w, b}, c1);
    node(g, "Relu", "/relu/Relu", "relu", 1, (int[]){c1}, r1);
    node(g, "MaxPool", "/pool/MaxPool", "pool", 1, (int[]){r1}, p1);
    node(g, "Reshape", "/Reshape", NULL, 2, (int[]){p1, shape}, f1);
    int gm = node(g, "Gemm", "/fc/Gemm", "fc", 3, (int[]){f1, w2, b2}, g1);
    graph_attr_set(g, gm, "transB", ATTR_INT)->i = trans_b;
    node(g, "Softmax", "/Softmax", NULL, 1, (int[]){g1}, out);
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &out);
    qrc_err e;
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static const quant_quantizer *find(const quant_sim *s, const char *name)
{
    int i = quant_sim_find(s, name);
    return i < 0 ? NULL : quant_sim_get(s, i);
}

/* The quantizer that is the tensor's own (not one it shares). */
static const quant_quantizer *own(const quant_sim *s, const char *name)
{
    const quant_quantizer *q = find(s, name);
    return q && strcmp(q->tensor, name) == 0 ? q : NULL;
}

static char *listing(const quant_sim *s)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    qrc_err e;
    assert_int_equal(quant_sim_list(s, f, &e), 0);
    fclose(f);
    return buf;
}

static void default_placement(void **state)
{
    (void)state;
    graph *g = small_net(1);
    qrc_err e;
    quant_sim *s = quant_sim_create(g, NULL, 0, NULL, NULL, &e);
    assert_non_null(s);
    /* x, conv1.weight, r1 (Conv+Relu fused: c1 has none), fc.weight, g1, out. */
    assert_int_equal(quant_sim_count(s), 6);
    assert_int_equal(own(s, "x")->role, QUANT_ROLE_INPUT);
    assert_null(find(s, "c1"));
    assert_int_equal(own(s, "r1")->role, QUANT_ROLE_ACT);
    /* MaxPool and Reshape pass r1's encoding through. */
    assert_string_equal(find(s, "p1")->tensor, "r1");
    assert_string_equal(find(s, "f1")->tensor, "r1");
    assert_null(own(s, "p1"));
    const quant_quantizer *w = own(s, "conv1.weight");
    assert_int_equal(w->role, QUANT_ROLE_WEIGHT);
    assert_int_equal(w->axis, -1); /* per tensor unless asked */
    assert_true(w->format.symmetric);
    assert_false(own(s, "r1")->format.symmetric);
    assert_int_equal(own(s, "r1")->format.bitwidth, 8);
    assert_null(find(s, "conv1.bias")); /* biases stay float by default */
    assert_string_equal(own(s, "out")->decided_by, "built-in default");
    char *text = listing(s);
    assert_non_null(strstr(text, "p1 -> r1"));
    assert_non_null(strstr(text, "6 quantizers"));
    free(text);
    quant_sim_free(s);
    graph_free(g);
}

static void rules_first_match_wins(void **state)
{
    (void)state;
    graph *g = small_net(1);
    select_spec fc = {SELECT_GLOB, "f*"}, conv_re = {SELECT_REGEX, "conv[0-9]"};
    select_spec softmax = {SELECT_EXACT, "Softmax"}, nothing = {SELECT_PREFIX, "layer1"};
    quant_rule rules[] = {
        {.label = "r0 module f*", .select = QUANT_SEL_MODULE, .patterns = &fc, .n_patterns = 1,
         .act = {QUANT_INT, 16, QUANT_YES}},
        {.label = "r1 module re conv[0-9]", .select = QUANT_SEL_MODULE, .patterns = &conv_re, .n_patterns = 1,
         .weight = {QUANT_INT, 4, QUANT_UNSET}},
        {.label = "r2 op Softmax", .select = QUANT_SEL_OP, .patterns = &softmax, .n_patterns = 1,
         .act = {QUANT_FLOAT, 16, QUANT_UNSET}},
        {.label = "r3 prefix layer1", .select = QUANT_SEL_MODULE, .patterns = &nothing, .n_patterns = 1,
         .act = {QUANT_INT, 16, QUANT_UNSET}},
        {.label = "r4 default", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 8, QUANT_NO},
         .weight = {QUANT_INT, 8, QUANT_YES}, .per_channel = QUANT_YES},
    };
    qrc_err e;
    quant_sim *s = quant_sim_create(g, rules, 5, NULL, NULL, &e);
    assert_non_null(s);
    const quant_quantizer *g1 = own(s, "g1");
    assert_int_equal(g1->format.bitwidth, 16);
    assert_true(g1->format.symmetric);
    assert_string_equal(g1->decided_by, "r0 module f*");
    /* fc's weight: the fc rule says nothing about weights, so the default's int8 per-channel applies;
     * transB = 1 puts output channels on axis 0. */
    const quant_quantizer *w2 = own(s, "fc.weight");
    assert_int_equal(w2->format.bitwidth, 8);
    assert_int_equal(w2->axis, 0);
    assert_int_equal(w2->n_channels, 3);
    /* conv1 matched by the whole-name regex: 4-bit weights per channel along axis 0. */
    const quant_quantizer *w = own(s, "conv1.weight");
    assert_int_equal(w->format.bitwidth, 4);
    assert_int_equal(w->axis, 0);
    assert_int_equal(w->n_channels, 2);
    assert_int_equal(own(s, "out")->format.kind, QUANT_FLOAT);
    assert_int_equal(quant_sim_rule_matches(s, 0), 1);
    assert_int_equal(quant_sim_rule_matches(s, 1), 1);
    assert_int_equal(quant_sim_rule_matches(s, 3), 0);
    char *text = listing(s);
    assert_non_null(strstr(text, "r3 prefix layer1"));
    assert_non_null(strstr(text, "matches nothing"));
    assert_non_null(strstr(text, "per_channel(axis 0, 3)"));
    free(text);
    quant_sim_free(s);
    graph_free(g);

    /* Without transB the Gemm weight is [K, N]: channels on axis 1. */
    g = small_net(0);
    s = quant_sim_create(g, &rules[4], 1, NULL, NULL, &e);
    assert_int_equal(own(s, "fc.weight")->axis, 1);
    assert_int_equal(own(s, "fc.weight")->n_channels, 3);
    quant_sim_free(s);
    graph_free(g);
}

/* A rule's scheme reaches the quantizers it decides, per role; what no rule names comes from the default
 * rule, then from the options (weights: weight_method, else the activations' scheme). */
static void rules_choose_the_scheme(void **state)
{
    (void)state;
    graph *g = small_net(1);
    select_spec softmax = {SELECT_EXACT, "Softmax"}, conv = {SELECT_EXACT, "conv1"};
    quant_rule rules[] = {
        {.label = "op Softmax", .select = QUANT_SEL_OP, .patterns = &softmax, .n_patterns = 1,
         .act = {QUANT_INT, 16, .method = {true, QUANT_SCHEME_TF, 0}}},
        {.label = "module conv1", .select = QUANT_SEL_MODULE, .patterns = &conv, .n_patterns = 1,
         .weight = {.method = {true, QUANT_SCHEME_MSE, 0}}},
        {.label = "default", .select = QUANT_SEL_DEFAULT,
         .act = {QUANT_INT, 8, QUANT_NO, .method = {true, QUANT_SCHEME_PERCENTILE, 99.9}},
         .weight = {QUANT_INT, 8, QUANT_YES}, .per_channel = QUANT_YES},
    };
    quant_options o = {.scheme = QUANT_SCHEME_TF_ENHANCED, .weight_method = {true, QUANT_SCHEME_TF, 0}};
    qrc_err e;
    quant_sim *s = quant_sim_create(g, rules, 3, NULL, &o, &e);
    assert_non_null(s);
    assert_int_equal(own(s, "out")->scheme, QUANT_SCHEME_TF);
    assert_int_equal(own(s, "out")->format.bitwidth, 16);
    /* conv1's rule names only the weights' scheme: their format is the default rule's. */
    const quant_quantizer *w = own(s, "conv1.weight");
    assert_int_equal(w->scheme, QUANT_SCHEME_MSE);
    assert_int_equal(w->format.bitwidth, 8);
    assert_int_equal(w->n_channels, 2);
    /* The graph input (decided by conv1's rule, which says nothing about activations) and fc's output
     * take the default rule's percentile; fc's weight the options' weight scheme. */
    assert_int_equal(own(s, "x")->scheme, QUANT_SCHEME_PERCENTILE);
    assert_true(own(s, "x")->percentile == 99.9);
    assert_int_equal(own(s, "g1")->scheme, QUANT_SCHEME_PERCENTILE);
    assert_int_equal(own(s, "fc.weight")->scheme, QUANT_SCHEME_TF);
    char *text = listing(s);
    assert_non_null(strstr(text, "percentile(99.9)"));
    assert_non_null(strstr(text, " mse "));
    free(text);
    quant_sim_free(s);

    /* Without rules' schemes or a weight method, every quantizer takes the options' scheme. */
    o = (quant_options){.scheme = QUANT_SCHEME_MSE};
    s = quant_sim_create(g, &rules[2], 1, NULL, &o, &e);
    assert_non_null(s);
    assert_int_equal(own(s, "fc.weight")->scheme, QUANT_SCHEME_MSE);
    quant_sim_free(s);
    rules[2].act.method = (quant_method){0};
    s = quant_sim_create(g, &rules[2], 1, NULL, &o, &e);
    assert_int_equal(own(s, "g1")->scheme, QUANT_SCHEME_MSE);
    quant_sim_free(s);
    /* A bad percentile in a rule is an error naming it. */
    rules[0].act.method = (quant_method){true, QUANT_SCHEME_PERCENTILE, 20};
    assert_null(quant_sim_create(g, rules, 3, NULL, &o, &e));
    assert_non_null(strstr(e.msg, "op Softmax"));
    graph_free(g);
}

/* A rule's strict or unsigned symmetry reaches the format; without one the config's (or AIMET's default,
 * unsigned symmetric allowed) applies. */
static void rules_choose_the_symmetric_grid(void **state)
{
    (void)state;
    graph *g = small_net(1);
    select_spec conv = {SELECT_EXACT, "conv1"};
    quant_rule rules[] = {
        {.label = "strict", .select = QUANT_SEL_MODULE, .patterns = &conv, .n_patterns = 1,
         .weight = {QUANT_INT, 4, QUANT_YES, QUANT_YES, QUANT_NO}},
        {.label = "default", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 8, QUANT_YES, QUANT_NO, QUANT_NO},
         .weight = {QUANT_INT, 8, QUANT_YES}},
    };
    qrc_err e;
    quant_sim *s = quant_sim_create(g, rules, 2, NULL, NULL, &e);
    assert_non_null(s);
    const quant_format *w = &own(s, "conv1.weight")->format, *w2 = &own(s, "fc.weight")->format;
    assert_true(w->symmetric && w->strict && !w->unsigned_sym);
    assert_true(w2->symmetric && !w2->strict && w2->unsigned_sym);
    const quant_format *a = &own(s, "g1")->format;
    assert_true(a->symmetric && !a->strict && !a->unsigned_sym);
    quant_sim_free(s);
    graph_free(g);
}

static void regex_is_whole_name_and_prefix_stops_at_dots(void **state)
{
    (void)state;
    graph *g = small_net(1);
    g->nodes[N_CONV].module = graph_strdup(g, "layer10.conv1");
    select_spec partial = {SELECT_REGEX, "conv1"}, prefix = {SELECT_PREFIX, "layer1"};
    select_spec prefix10 = {SELECT_PREFIX, "layer10"};
    quant_rule rules[] = {
        {.label = "partial", .select = QUANT_SEL_MODULE, .patterns = &partial, .n_patterns = 1,
         .act = {QUANT_INT, 16, QUANT_UNSET}},
        {.label = "prefix layer1", .select = QUANT_SEL_MODULE, .patterns = &prefix, .n_patterns = 1,
         .act = {QUANT_INT, 16, QUANT_UNSET}},
        {.label = "prefix layer10", .select = QUANT_SEL_MODULE, .patterns = &prefix10, .n_patterns = 1,
         .weight = {QUANT_INT, 6, QUANT_UNSET}},
    };
    qrc_err e;
    quant_sim *s = quant_sim_create(g, rules, 3, NULL, NULL, &e);
    assert_non_null(s);
    assert_int_equal(quant_sim_rule_matches(s, 0), 0);
    assert_int_equal(quant_sim_rule_matches(s, 1), 0);
    assert_int_equal(quant_sim_rule_matches(s, 2), 1);
    assert_int_equal(own(s, "conv1.weight")->format.bitwidth, 6);
    quant_sim_free(s);
    /* A bad regex is an error naming the rule. */
    select_spec bad = {SELECT_REGEX, "conv("};
    quant_rule r = {.label = "bad rule", .select = QUANT_SEL_MODULE, .patterns = &bad, .n_patterns = 1};
    assert_null(quant_sim_create(g, &r, 1, NULL, NULL, &e));
    assert_non_null(strstr(e.msg, "bad rule"));
    /* So is a bitwidth out of range. */
    quant_rule r17 = {.label = "wide", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 17, QUANT_UNSET}};
    assert_null(quant_sim_create(g, &r17, 1, NULL, NULL, &e));
    assert_non_null(strstr(e.msg, "17"));
    graph_free(g);
}

static void excluded_ops_stay_float(void **state)
{
    (void)state;
    graph *g = small_net(1);
    bool excluded[6] = {false};
    excluded[N_GEMM] = true;
    quant_options o = {.excluded = excluded};
    qrc_err e;
    quant_sim *s = quant_sim_create(g, NULL, 0, NULL, &o, &e);
    assert_non_null(s);
    assert_null(find(s, "fc.weight"));
    /* g1 comes from a float op into the quantized Softmax: quantized where it enters. */
    const quant_quantizer *g1 = own(s, "g1");
    assert_non_null(g1);
    assert_int_equal(g1->role, QUANT_ROLE_INPUT);
    quant_sim_free(s);
    graph_free(g);
}

static const char *CONFIG = "{"
    "\"defaults\": {\"ops\": {\"is_output_quantized\": \"True\", \"is_symmetric\": \"False\"},"
    "              \"params\": {\"is_quantized\": \"True\", \"is_symmetric\": \"True\"},"
    "              \"strict_symmetric\": \"False\", \"unsigned_symmetric\": \"False\","
    "              \"per_channel_quantization\": \"True\"},"
    "\"params\": {\"bias\": {\"is_quantized\": \"True\"}},"
    "\"op_type\": {\"Softmax\": {\"encoding_constraints\": {\"min\": 0.0, \"max\": 1.0}},"
    "              \"Relu\": {\"is_output_quantized\": \"False\"}},"
    "\"supergroups\": [{\"op_list\": [\"Gemm\", \"Softmax\"]}],"
    "\"model_input\": {\"is_input_quantized\": \"False\"},"
    "\"model_output\": {}"
    "}";

static void quantsim_config_is_honoured(void **state)
{
    (void)state;
    qrc_err e;
    quant_config *c = quant_config_parse(CONFIG, "htp.json", &e);
    assert_non_null(c);
    assert_int_equal(c->n_ops, 2);
    assert_int_equal(c->n_supergroups, 1);
    graph *g = small_net(1);
    quant_sim *s = quant_sim_create(g, NULL, 0, c, NULL, &e);
    assert_non_null(s);
    assert_null(find(s, "x"));                   /* model_input off */
    assert_non_null(own(s, "c1"));               /* no Conv+Relu group in this config */
    assert_null(own(s, "r1"));                   /* Relu output off */
    assert_null(own(s, "g1"));                   /* inside the Gemm+Softmax group */
    assert_int_equal(own(s, "conv1.weight")->axis, 0); /* per-channel from defaults */
    assert_non_null(own(s, "conv1.bias"));       /* params.bias on */
    const quant_quantizer *out = own(s, "out");
    assert_true(out->has_constraint);
    assert_true(out->constraint_min == 0.0 && out->constraint_max == 1.0);
    quant_sim_free(s);

    /* A recipe rule naming Relu's activation overrides the config's "off". */
    select_spec relu = {SELECT_EXACT, "Relu"};
    quant_rule r = {.label = "op Relu", .select = QUANT_SEL_OP, .patterns = &relu, .n_patterns = 1,
                    .act = {QUANT_INT, 16, QUANT_UNSET}};
    s = quant_sim_create(g, &r, 1, c, NULL, &e);
    assert_non_null(own(s, "r1"));
    assert_int_equal(own(s, "r1")->format.bitwidth, 16);
    quant_sim_free(s);
    graph_free(g);
    quant_config_free(c);

    /* Bad configs are errors that say where. */
    assert_null(quant_config_parse("{\"defaults\": {\"ops\": {\"is_symmetric\": \"yes\"}}}", "c.json", &e));
    assert_non_null(strstr(e.msg, "defaults.ops.is_symmetric"));
    assert_null(quant_config_parse("{\"supergroups\": [{\"op_list\": [\"Conv\"]}]}", "c.json", &e));
    assert_non_null(strstr(e.msg, "supergroups[0]"));
    assert_null(quant_config_parse("{\"op_type\": {\"Softmax\": {\"encoding_constraints\": {\"min\": \"a\"}}}}",
                                   "c.json", &e));
    assert_non_null(strstr(e.msg, "op_type.Softmax"));
    assert_null(quant_config_parse("{nope", "c.json", &e));
    assert_non_null(strstr(e.msg, "c.json:1:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_placement),
        cmocka_unit_test(rules_first_match_wins),
        cmocka_unit_test(rules_choose_the_symmetric_grid),
        cmocka_unit_test(rules_choose_the_scheme),
        cmocka_unit_test(regex_is_whole_name_and_prefix_stops_at_dots),
        cmocka_unit_test(excluded_ops_stay_float),
        cmocka_unit_test(quantsim_config_is_honoured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
