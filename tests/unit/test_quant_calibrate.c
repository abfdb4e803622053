/* Calibration, simulation, sensitivity and evaluation on a small graph run by the executor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph.h"
#include "npy.h"
#include "quant.h"

/* x [N, 4] -> MatMul(W [4, 3]) -> h -> Relu -> y [N, 3]; with steps > 0, x [N, steps, 4] and y
 * [N, steps, 3] (a sequence output), W given (else a fixed pattern). */
static graph *net(int steps, const float *weights)
{
    graph *g = graph_new();
    g->n_opsets = 1;
    g->opsets = graph_alloc(g, sizeof *g->opsets);
    g->opsets[0].domain = graph_strdup(g, "");
    g->opsets[0].version = 13;
    int x = graph_value_get(g, "x"), w = graph_value_get(g, "W"), h = graph_value_get(g, "h");
    int y = graph_value_get(g, "y");
    g->values[x].dtype = DT_FLOAT;
    g->values[x].rank = steps > 0 ? 3 : 2;
    g->values[x].dims[0] = -1;
    g->values[x].dim_param[0] = graph_strdup(g, "N");
    if (steps > 0)
        g->values[x].dims[1] = steps;
    g->values[x].dims[g->values[x].rank - 1] = 4;
    qrc_err e;
    int64_t wd[2] = {4, 3};
    g->values[w].init = tensor_new(DT_FLOAT, 2, wd, &e);
    g->values[w].dtype = DT_FLOAT;
    float *wv = g->values[w].init->data;
    for (int i = 0; i < 12; i++)
        wv[i] = weights ? weights[i] : (float)((i * 7 % 11) - 5) / 4.0f;
    int n0 = graph_node_add(g, "MatMul", "/fc/MatMul", 2, (int[]){x, w}, 1, &h);
    g->nodes[n0].module = graph_strdup(g, "fc");
    graph_node_add(g, "Relu", "/act/Relu", 1, &h, 1, &y);
    graph_set_inputs(g, 1, &x);
    graph_set_outputs(g, 1, &y);
    assert_int_equal(graph_reindex(g, &e), 0);
    return g;
}

static graph *tiny_net(void)
{
    return net(0, NULL);
}

static char dir[64];

static void write_rows(const char *name, int64_t rows, float base)
{
    qrc_err e;
    int64_t dims[2] = {rows, 4};
    tensor *t = tensor_new(DT_FLOAT, 2, dims, &e);
    float *p = t->data;
    for (int64_t i = 0; i < rows * 4; i++)
        p[i] = base + (float)(i % 13) * 0.25f - 1.5f;
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(npy_write(path, t, &e), 0);
    tensor_free(t);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/qrc_quant_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_rows("a.npy", 5, 0.0f);
    write_rows("b.npy", 7, 10.0f); /* larger values: only seen if the stream crosses into b */
    qrc_err e;
    int64_t dims[1] = {12};
    tensor *lab = tensor_new(DT_INT64, 1, dims, &e);
    for (int i = 0; i < 12; i++)
        ((int64_t *)lab->data)[i] = i % 3;
    char path[128];
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    npy_write(path, lab, &e);
    tensor_free(lab);
    int64_t bad_dims[2] = {3, 5};
    tensor *bad = tensor_new(DT_FLOAT, 2, bad_dims, &e);
    snprintf(path, sizeof path, "%s/wide.npy", dir);
    npy_write(path, bad, &e);
    tensor_free(bad);
    /* Two samples of two steps: a clear winner, then a near tie (0.54 vs 0.56) that a 4-bit grid merges. */
    int64_t seq_dims[3] = {2, 2, 4};
    tensor *seq = tensor_new(DT_FLOAT, 3, seq_dims, &e);
    for (int n = 0; n < 2; n++)
        memcpy((float *)seq->data + 8 * n, (const float[8]){1, 0, 0, 0, 0.54f, 0.56f, 0, 0}, 8 * sizeof(float));
    snprintf(path, sizeof path, "%s/seq.npy", dir);
    npy_write(path, seq, &e);
    tensor_free(seq);
    int64_t int_dims[2] = {3, 4};
    tensor *ints = tensor_new(DT_INT64, 2, int_dims, &e);
    snprintf(path, sizeof path, "%s/ints.npy", dir);
    npy_write(path, ints, &e);
    tensor_free(ints);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a.npy", "b.npy", "labels.npy", "wide.npy", "ints.npy", "seq.npy"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

static char paths[4][128];
static const char *file(int k, const char *name)
{
    snprintf(paths[k], sizeof paths[k], "%s/%s", dir, name);
    return paths[k];
}

static quant_sim *sim(graph *g, const quant_rule *rules, int n, quant_scheme scheme)
{
    quant_options o = {.scheme = scheme, .threads = 1};
    qrc_err e;
    quant_sim *s = quant_sim_create(g, rules, n, NULL, &o, &e);
    if (!s)
        fail_msg("%s", e.msg);
    return s;
}

static const quant_quantizer *own(const quant_sim *s, const char *name)
{
    int i = quant_sim_find(s, name);
    return i < 0 ? NULL : quant_sim_get(s, i);
}

static void stream_crosses_files_and_limits_samples(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    const char *files[2] = {file(0, "a.npy"), file(1, "b.npy")};
    quant_feed feed = {"x", files, 2, NULL};
    /* Batches of 4 over 5 + 7 rows: the second batch spans both files; the range of x includes b's
     * values (10 - 1.5 + 12 * 0.25 = 11.5). */
    quant_data d = {&feed, 1, 4, 0, NULL, NULL};
    quant_sim *s = sim(g, NULL, 0, QUANT_SCHEME_TF);
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    const quant_quantizer *qx = own(s, "x");
    assert_non_null(qx->enc);
    assert_true(qx->enc->max > 11.0f && qx->enc->max < 12.0f);
    /* Limited to 5 samples: only a.npy is read, whose largest value is -1.5 + 12 * 0.25 = 1.5. */
    quant_data d5 = {&feed, 1, 4, 5, NULL, NULL};
    assert_int_equal(quant_calibrate(s, &d5, &e), 0);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    qx = own(s, "x");
    assert_true(qx->enc->max > 1.4f && qx->enc->max < 1.6f);
    quant_sim_free(s);
    graph_free(g);
}

static void bad_data_is_reported(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    quant_sim *s = sim(g, NULL, 0, QUANT_SCHEME_TF);
    const char *wide[1] = {file(0, "wide.npy")}, *ints[1] = {file(1, "ints.npy")};
    const char *missing[1] = {file(2, "none.npy")}, *good[1] = {file(3, "a.npy")};
    quant_feed f1 = {"x", wide, 1, NULL}, f2 = {"x", ints, 1, NULL};
    quant_feed f3 = {"x", missing, 1, NULL}, f4 = {"nope", good, 1, NULL};
    quant_data d1 = {&f1, 1, 4, 0, NULL, NULL}, d2 = {&f2, 1, 4, 0, NULL, NULL};
    quant_data d3 = {&f3, 1, 4, 0, NULL, NULL}, d4 = {&f4, 1, 4, 0, NULL, NULL};
    assert_int_equal(quant_calibrate(s, &d1, &e), -1);
    assert_non_null(strstr(e.msg, "wide.npy"));
    assert_int_equal(quant_calibrate(s, &d2, &e), -1);
    assert_non_null(strstr(e.msg, "float32"));
    assert_int_equal(quant_calibrate(s, &d3, &e), -1);
    assert_non_null(strstr(e.msg, "none.npy"));
    assert_int_equal(quant_calibrate(s, &d4, &e), -1);
    assert_non_null(strstr(e.msg, "nope"));
    /* Encodings without statistics, and simulation without encodings, are errors too. */
    assert_int_equal(quant_compute_encodings(s, &e), -1);
    quant_sim_free(s);
    graph_free(g);
}

/* g simulated with 4-bit activations and weights (per channel), calibrated on d with min/max. */
static quant_sim *calibrated_4bit(graph *g, const quant_data *d)
{
    static const quant_rule r4 = {.label = "4-bit", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 4, QUANT_NO},
                                  .weight = {QUANT_INT, 4, QUANT_YES}, .per_channel = QUANT_YES};
    qrc_err e;
    quant_sim *s = sim(g, &r4, 1, QUANT_SCHEME_TF);
    assert_int_equal(quant_calibrate(s, d, &e), 0);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    return s;
}

static void simulation_applies_encodings(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    const char *files[1] = {file(0, "a.npy")};
    quant_feed feed = {"x", files, 1, NULL};
    quant_data d = {&feed, 1, 5, 0, NULL, NULL};
    quant_sim *s = calibrated_4bit(g, &d);
    /* MatMul weight [4, 3] is per channel along its last axis; MatMul+Relu is one unit, so h has none. */
    const quant_quantizer *w = own(s, "W");
    assert_int_equal(w->axis, 1);
    assert_int_equal(w->n_channels, 3);
    assert_true(quant_sim_find(s, "h") < 0);
    /* Every simulated output lies on y's 4-bit grid. */
    npy_reader *r;
    tensor *x;
    assert_int_equal(npy_open(files[0], &r, &e), 0);
    assert_int_equal(npy_read_rows(r, 5, &x, &e), 0);
    npy_close(r);
    const char *names[1] = {"x"};
    tensor *out[1], *ref[1];
    assert_int_equal(quant_simulate(s, 1, names, (const tensor *const *)&x, out, &e), 0);
    assert_int_equal(quant_run_float(s, 1, names, (const tensor *const *)&x, ref, &e), 0);
    const quant_encoding *ey = own(s, "y")->enc;
    bool differs = false;
    for (int64_t i = 0; i < tensor_numel(out[0]); i++) {
        float v = ((float *)out[0]->data)[i];
        float k = v / ey->scale;
        assert_true(fabsf(k - nearbyintf(k)) < 1e-3f);
        differs = differs || v != ((float *)ref[0]->data)[i];
    }
    assert_true(differs); /* 4 bits cannot be lossless here */
    tensor_free(out[0]);
    tensor_free(ref[0]);
    tensor_free(x);
    quant_sim_free(s);
    graph_free(g);
}

/* The most sensitive ops get 16-bit activations; everything else 4-bit activations, 8-bit weights. */
static const quant_rule ranked_rules[] = {
    {.label = "most_sensitive 100%", .select = QUANT_SEL_SENSITIVITY, .top_fraction = 1.0,
     .act = {QUANT_INT, 16, QUANT_UNSET}},
    {.label = "default", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 4, QUANT_NO},
     .weight = {QUANT_INT, 8, QUANT_YES}},
};

static void evaluation_and_sensitivity(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    const char *files[2] = {file(0, "a.npy"), file(1, "b.npy")};
    quant_feed feed = {"x", files, 2, NULL};
    quant_data d = {&feed, 1, 4, 0, NULL, NULL};
    quant_sim *s = sim(g, ranked_rules, 2, QUANT_SCHEME_TF);
    assert_int_equal(quant_sim_rule_matches(s, 0), 0); /* nothing ranked yet */
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_sensitivity_count(s), 2);   /* MatMul (owns W) and Relu (owns y) */
    double sq;
    assert_true(quant_sensitivity_at(s, 0, &sq) >= 0);
    assert_true(sq < 200);
    assert_int_equal(quant_sim_rule_matches(s, 0), 2);
    assert_int_equal(own(s, "y")->format.bitwidth, 16);
    assert_string_equal(own(s, "y")->decided_by, "most_sensitive 100%");
    assert_int_equal(quant_compute_encodings(s, &e), 0);

    quant_eval r;
    assert_int_equal(quant_evaluate(s, &d, file(2, "labels.npy"), &r, &e), 0);
    assert_int_equal(r.samples, 12);
    assert_true(r.has_labels);
    assert_true(r.float_top1 >= 0 && r.float_top1 <= 1);
    assert_true(r.top1_agreement > 0.5);
    assert_true(r.output_sqnr_db > 20);
    assert_int_equal(r.n_layers, 2); /* x and y */
    assert_true(r.layers[0].sqnr_db <= r.layers[1].sqnr_db);
    quant_eval_release(&r);
    /* Too few labels is an error naming the file. */
    assert_int_equal(quant_evaluate(s, &d, file(3, "ints.npy"), &r, &e), -1);
    quant_sim_free(s);
    graph_free(g);
}

/* A [N, T, C] output is compared at each of its N*T positions, not only at the first step of a sample,
 * and labels (one class per sample) do not fit it. */
static void sequence_agreement_counts_every_step(void **state)
{
    (void)state;
    static const float eye[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    graph *g = net(2, eye);
    qrc_err e;
    const char *files[1] = {file(0, "seq.npy")};
    quant_feed feed = {"x", files, 1, NULL};
    quant_data d = {&feed, 1, 2, 0, NULL, NULL};
    quant_sim *s = calibrated_4bit(g, &d);
    quant_eval r;
    assert_int_equal(quant_evaluate(s, &d, NULL, &r, &e), 0);
    assert_int_equal(r.samples, 2);
    assert_true(fabs(r.top1_agreement - 0.5) < 1e-12); /* the first steps agree, the ties do not */
    quant_eval_release(&r);
    assert_int_equal(quant_evaluate(s, &d, file(1, "labels.npy"), &r, &e), -1);
    assert_non_null(strstr(e.msg, "2 predictions per sample"));
    quant_sim_free(s);
    graph_free(g);
}

static void frozen_encodings_survive_calibration(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    quant_sim *s = sim(g, NULL, 0, QUANT_SCHEME_TF);
    int iy = quant_sim_find(s, "y");
    quant_format f = {.kind = QUANT_INT, .bitwidth = 8};
    quant_encoding enc;
    assert_int_equal(quant_encoding_from_scale_offset(&f, 0.5, 0, &enc, &e), 0);
    assert_int_equal(quant_set_encodings(s, iy, &enc, 1, &e), 0);
    assert_int_equal(quant_set_encodings(s, iy, &enc, 2, &e), -1);
    const char *files[1] = {file(0, "a.npy")};
    quant_feed feed = {"x", files, 1, NULL};
    quant_data d = {&feed, 1, 4, 0, NULL, NULL};
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    const quant_quantizer *q = quant_sim_get(s, iy);
    assert_true(q->frozen);
    assert_true(q->enc->scale == 0.5f && q->enc->offset == 0);
    quant_sim_free(s);
    graph_free(g);
}

/* Ranking places the quantizers again: a frozen encoding (AdaRound's, a loaded file's) stays with a
 * quantizer whose format is unchanged (W) and is calibrated anew where a sensitivity rule changed the
 * format (y: 4-bit default, 16-bit once ranked). */
static void frozen_encodings_survive_ranking(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    quant_sim *s = sim(g, ranked_rules, 2, QUANT_SCHEME_TF);
    quant_encoding w_enc, y_enc;
    assert_int_equal(quant_encoding_from_scale_offset(&quant_sim_get(s, quant_sim_find(s, "W"))->format, 0.01, -128,
                                                      &w_enc, &e), 0);
    assert_int_equal(quant_encoding_from_scale_offset(&quant_sim_get(s, quant_sim_find(s, "y"))->format, 0.5, 0,
                                                      &y_enc, &e), 0);
    assert_int_equal(quant_set_encodings(s, quant_sim_find(s, "W"), &w_enc, 1, &e), 0);
    assert_int_equal(quant_set_encodings(s, quant_sim_find(s, "y"), &y_enc, 1, &e), 0);
    const char *files[1] = {file(0, "a.npy")};
    quant_feed feed = {"x", files, 1, NULL};
    quant_data d = {&feed, 1, 4, 0, NULL, NULL};
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    const quant_quantizer *w = quant_sim_get(s, quant_sim_find(s, "W")), *y = quant_sim_get(s, quant_sim_find(s, "y"));
    assert_true(w->frozen);
    assert_true(w->enc->scale == w_enc.scale && w->enc->offset == -128);
    assert_int_equal(y->format.bitwidth, 16);
    assert_false(y->frozen);
    assert_int_equal(y->enc->bitwidth, 16);
    quant_sim_free(s);
    graph_free(g);
}

/* Half the ops get 16-bit activations once ranked; the rest 4-bit activations, 8-bit weights. */
static const quant_rule half_rules[] = {
    {.label = "most_sensitive 50%", .select = QUANT_SEL_SENSITIVITY, .top_fraction = 0.5,
     .act = {QUANT_INT, 16, QUANT_UNSET}},
    {.label = "default", .select = QUANT_SEL_DEFAULT, .act = {QUANT_INT, 4, QUANT_NO},
     .weight = {QUANT_INT, 8, QUANT_YES}},
};

static const quant_sens_info *ranked(const quant_sim *s, const graph *g, const char *op)
{
    for (int r = 0; r < quant_sensitivity_count(s); r++)
        if (!strcmp(g->nodes[quant_sensitivity_info(s, r)->node].name, op))
            return quant_sensitivity_info(s, r);
    fail_msg("'%s' is not ranked", op);
    return NULL;
}

/* The local ranking's weight figure is the SQNR of x.W_q against x.W over every ranking row (12 rows in
 * 3 batches), recomputed here by hand; the Relu's figure is its 4-bit output quantizer's alone. */
static void local_ranking_measures_each_quantizer(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    const char *files[2] = {file(0, "a.npy"), file(1, "b.npy")};
    quant_feed feed = {.input = "x", .files = files, .n_files = 2};
    quant_data d = {.feeds = &feed, .n_feeds = 1, .batch = 4, .max_samples = 0};
    quant_sim *s = sim(g, half_rules, 2, QUANT_SCHEME_TF);
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_sensitivity_count(s), 2);
    assert_int_equal(quant_compute_encodings(s, &e), 0);
    const quant_sens_info *mm = ranked(s, g, "/fc/MatMul"), *relu = ranked(s, g, "/act/Relu");
    const quant_quantizer *w = own(s, "W");
    const tensor *wt = g->values[graph_find_value(g, "W")].init;
    float wq[12];
    if (w->axis >= 0)
        assert_int_equal(quant_fake_quant_axis(w->enc, w->n_channels, wt->data, wq, wt->rank, wt->dims, w->axis, &e), 0);
    else
        quant_fake_quant(w->enc, wt->data, wq, 12);
    double sig = 0, noise = 0;
    for (int f = 0; f < 2; f++) {
        npy_reader *r;
        tensor *x;
        assert_int_equal(npy_open(files[f], &r, &e), 0);
        assert_int_equal(npy_read_rows(r, f ? 7 : 5, &x, &e), 0);
        npy_close(r);
        const float *xv = x->data, *wv = wt->data;
        for (int64_t i = 0; i < x->dims[0]; i++)
            for (int j = 0; j < 3; j++) {
                double h = 0, hq = 0;
                for (int k = 0; k < 4; k++) {
                    h += (double)xv[i * 4 + k] * wv[k * 3 + j];
                    hq += (double)xv[i * 4 + k] * wq[k * 3 + j];
                }
                sig += h * h;
                noise += (h - hq) * (h - hq);
            }
        tensor_free(x);
    }
    assert_true(noise > 0);
    if (fabs(mm->weight_sqnr_db - 10 * log10(sig / noise)) >= 0.01)
        fail_msg("local %g dB, by hand %g dB", mm->weight_sqnr_db, 10 * log10(sig / noise));
    assert_true(isinf(mm->act_sqnr_db));   /* h sits inside the MatMul+Relu supergroup */
    assert_true(fabs(mm->sqnr_db - mm->weight_sqnr_db) < 1e-9);
    assert_true(isinf(relu->weight_sqnr_db));
    assert_true(relu->act_sqnr_db < mm->weight_sqnr_db);   /* 4 bits against 8 */
    assert_true(relu->act_min <= 0 && relu->act_max > 0);
    assert_true(relu->clipped >= 0 && relu->clipped <= 1);
    /* Most sensitive first, and the top half got the 16-bit rule. */
    assert_true(quant_sensitivity_info(s, 0)->sqnr_db <= quant_sensitivity_info(s, 1)->sqnr_db);
    assert_int_equal(quant_sim_rule_matches(s, 0), 1);
    quant_sim_free(s);
    graph_free(g);
}

/* The exhaustive ranking gives one figure per op and no per-quantizer details. */
static void exhaustive_ranking_has_one_figure(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    const char *files[1] = {file(0, "a.npy")};
    quant_feed feed = {.input = "x", .files = files, .n_files = 1};
    quant_data d = {.feeds = &feed, .n_feeds = 1, .batch = 4, .max_samples = 0};
    quant_options o = {.scheme = QUANT_SCHEME_TF, .threads = 1, .sensitivity_exhaustive = true};
    quant_sim *s = quant_sim_create(g, half_rules, 2, NULL, &o, &e);
    assert_non_null(s);
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_int_equal(quant_sensitivity_count(s), 2);
    const quant_sens_info *k = quant_sensitivity_info(s, 0);
    assert_true(isfinite(k->sqnr_db));
    assert_true(isnan(k->weight_sqnr_db) && isnan(k->clipped));
    assert_null(quant_sensitivity_info(s, 2));
    quant_sim_free(s);
    graph_free(g);
}

/* A saved ranking replaces measuring: its order is kept, unnamed ops follow, unknown names fail. */
static void saved_ranking_is_checked_and_used(void **state)
{
    (void)state;
    graph *g = tiny_net();
    qrc_err e;
    quant_sim *s = sim(g, half_rules, 2, QUANT_SCHEME_TF);
    const char *bad[] = {"/act/Relu", "/fc/Gemm"};
    assert_int_equal(quant_set_ranking(s, bad, 2, &e), -1);
    assert_non_null(strstr(e.msg, "'/fc/Gemm'"));
    const char *some[] = {"/act/Relu"};
    assert_int_equal(quant_set_ranking(s, some, 1, &e), 0);
    assert_int_equal(quant_sensitivity_count(s), 2);
    assert_string_equal(g->nodes[quant_sensitivity_at(s, 0, NULL)].name, "/act/Relu");
    assert_string_equal(g->nodes[quant_sensitivity_at(s, 1, NULL)].name, "/fc/MatMul");
    assert_int_equal(own(s, "y")->format.bitwidth, 16);   /* the top half: Relu */
    /* Calibration takes the ranking as it is instead of measuring one. */
    const char *files[1] = {file(0, "a.npy")};
    quant_feed feed = {.input = "x", .files = files, .n_files = 1};
    quant_data d = {.feeds = &feed, .n_feeds = 1, .batch = 4, .max_samples = 0};
    assert_int_equal(quant_calibrate(s, &d, &e), 0);
    assert_string_equal(g->nodes[quant_sensitivity_at(s, 0, NULL)].name, "/act/Relu");
    assert_true(isnan(quant_sensitivity_info(s, 0)->sqnr_db));
    quant_sim_free(s);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stream_crosses_files_and_limits_samples),
        cmocka_unit_test(bad_data_is_reported),
        cmocka_unit_test(simulation_applies_encodings),
        cmocka_unit_test(evaluation_and_sensitivity),
        cmocka_unit_test(sequence_agreement_counts_every_step),
        cmocka_unit_test(frozen_encodings_survive_calibration),
        cmocka_unit_test(frozen_encodings_survive_ranking),
        cmocka_unit_test(local_ranking_measures_each_quantizer),
        cmocka_unit_test(exhaustive_ranking_has_one_figure),
        cmocka_unit_test(saved_ranking_is_checked_and_used),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
