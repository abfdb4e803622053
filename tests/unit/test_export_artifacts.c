/* Checkpoints (round trip, bad magic, version, truncation, corruption, recipe mismatch) and the
 * all-or-nothing artifact set (files, determinism, report contents, unwritable directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/file.h"
#include "base/sha256.h"
#include "export_fixture.h"
#include "onnx.h"

static const char *HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void expect_unpack_fail(const void *p, size_t n, const char *want_hash, const char *want)
{
    graph *g = (graph *)1;
    export_quant_set *s = (export_quant_set *)1;
    qrc_err e = {0};
    assert_int_equal(export_checkpoint_unpack(p, n, "t.qck", want_hash, &g, &s, &e), -1);
    assert_null(g);
    assert_null(s);
    if (!strstr(e.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, want);
}

static void checkpoint_round_trip_and_damage(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    qrc_err e;
    void *p;
    size_t n;
    assert_int_equal(export_checkpoint_pack(g, f.q, 5, HASH, &p, &n, &e), 0);
    graph *g2;
    export_quant_set *s;
    if (export_checkpoint_unpack(p, n, "t.qck", HASH, &g2, &s, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(s->n, 5);
    assert_int_equal(g2->n_nodes, g->n_nodes);
    for (int i = 0; i < 5; i++) {
        const export_quantizer *r = NULL;
        for (int k = 0; k < s->n; k++)
            if (!strcmp(s->q[k].tensor, f.q[i].tensor))
                r = &s->q[k];
        assert_non_null(r);
        assert_int_equal(r->axis, f.q[i].axis);
        for (int c = 0; c < r->n_encs; c++)
            assert_true(r->encs[c].scale == f.q[i].encs[c].scale && r->encs[c].offset == f.q[i].encs[c].offset);
    }
    /* the same state packs to the same bytes */
    void *p2;
    size_t n2;
    assert_int_equal(export_checkpoint_pack(g2, s->q, s->n, HASH, &p2, &n2, &e), 0);
    assert_true(n2 == n && !memcmp(p, p2, n));
    free(p2);
    export_quant_set_free(s);
    graph_free(g2);

    unsigned char *b = malloc(n);
    memcpy(b, p, n);
    b[0] = 'X';
    expect_unpack_fail(b, n, NULL, "bad magic");
    memcpy(b, p, n);
    b[8] = 9;
    expect_unpack_fail(b, n, NULL, "format version 9");
    expect_unpack_fail(p, n - 40, NULL, "truncated");
    expect_unpack_fail(p, 20, NULL, "truncated");
    memcpy(b, p, n);
    b[n / 2] ^= 1;
    expect_unpack_fail(b, n, NULL, "hash mismatch");
    expect_unpack_fail(p, n, "ffff", "not by this recipe");
    free(b);
    free(p);

    /* file round trip and a missing file */
    char path[] = "/tmp/qrc_ck_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(export_checkpoint_save(path, g, f.q, 5, HASH, &e), 0);
    assert_int_equal(export_checkpoint_load(path, HASH, &g2, &s, &e), 0);
    export_quant_set_free(s);
    graph_free(g2);
    unlink(path);
    assert_int_equal(export_checkpoint_load(path, NULL, &g2, &s, &e), -1);
    graph_free(g);
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *slurp(const char *dir, const char *name, size_t *n)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    void *b;
    qrc_err e;
    if (file_read(p, FILE_NO_LIMIT, &b, n, &e))
        fail_msg("%s", e.msg);
    return b;
}

static void artifact_set(void **state)
{
    (void)state;
    graph *g = fx_graph();
    fx_quant f;
    fx_quantizers(&f);
    char d1[] = "/tmp/qrc_art_XXXXXX", d2[] = "/tmp/qrc_art_XXXXXX";
    assert_non_null(mkdtemp(d1));
    assert_non_null(mkdtemp(d2));
    export_metric ev[2] = {{"float_top1", 0.875}, {"quant_top1", 0.8625}};
    export_metric t1[1] = {{"calibrate", 1.5}}, t2[1] = {{"calibrate", 2.25}};
    export_text data[1] = {{"calib.npy", HASH}}, plan[1] = {{"calibrate", "tf_enhanced, 512 samples"}};
    export_metric layers[1] = {{"relu_out", 31.5}};
    export_ranked ranking[1] = {{"/relu/Relu", 30.25, INFINITY, 30.25, 0, 6, 0.001}};
    export_report r = {HASH, HASH, data, 1, plan, 1, ev, 2, layers, 1, t1, 1, ranking, 1, NULL, 0, NULL, NULL, 0};
    export_options o = {d1, "m", EXPORT_ENC_0_6_1, "post_training_tf_enhanced", {0}, &r, 0};
    qrc_err e;
    if (export_write_all(g, f.q, 5, &o, &e))
        fail_msg("%s", e.msg);
    r.timings = t2;
    o.dir = d2;
    assert_int_equal(export_write_all(g, f.q, 5, &o, &e), 0);
    assert_int_equal(count_files(d1), 5);
    /* the HTML report leaves the timings out: identical bytes */
    static const char *const names[] = {"m.onnx", "m.encodings", "m_float.onnx", "m.report.html"};
    for (int i = 0; i < 4; i++) {
        size_t n1, n2;
        char *a = slurp(d1, names[i], &n1), *b = slurp(d2, names[i], &n2);
        assert_true(n1 == n2 && !memcmp(a, b, n1));
        free(a);
        free(b);
    }
    /* the report differs only in timings */
    size_t n1, n2;
    char *a = slurp(d1, "m.report.json", &n1), *b = slurp(d2, "m.report.json", &n2);
    json_t *ja = json_loadb(a, n1, 0, NULL), *jb = json_loadb(b, n2, 0, NULL);
    assert_non_null(ja);
    assert_true(json_real_value(json_object_get(json_object_get(ja, "timings"), "calibrate")) == 1.5);
    json_object_del(ja, "timings");
    json_object_del(jb, "timings");
    assert_true(json_equal(ja, jb));
    assert_int_equal(json_array_size(json_object_get(json_object_get(ja, "quantizers"), "activations")), 3);
    assert_int_equal(json_array_size(json_object_get(json_object_get(ja, "quantizers"), "params")), 2);
    json_t *ranked = json_array_get(json_object_get(ja, "sensitivity"), 0);
    assert_string_equal(json_string_value(json_object_get(ranked, "op")), "/relu/Relu");
    assert_true(json_real_value(json_object_get(ranked, "sqnr_db")) == 30.25);
    assert_true(json_is_null(json_object_get(ranked, "weight_sqnr_db")));   /* no weight: +inf */
    char hex[65];
    size_t nm;
    char *model = slurp(d1, "m.onnx", &nm);
    sha256_hex_of(model, nm, hex);
    assert_string_equal(json_string_value(json_object_get(json_object_get(ja, "artifacts"), "m.onnx")), hex);
    free(model);
    json_decref(ja);
    json_decref(jb);
    free(a);
    free(b);
    /* the written encodings read back against the float model written beside them */
    graph *fg;
    char p[256];
    snprintf(p, sizeof p, "%s/m_float.onnx", d1);
    assert_int_equal(onnx_load(p, &fg, &e), 0);
    export_quant_set *s;
    snprintf(p, sizeof p, "%s/m.encodings", d1);
    if (export_encodings_read(p, fg, &s, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(s->n, 5);
    export_quant_set_free(s);
    graph_free(fg);

    /* a failure (quantizers that do not match the model) leaves nothing behind */
    char d3[] = "/tmp/qrc_art_XXXXXX";
    assert_non_null(mkdtemp(d3));
    o.dir = d3;
    f.q[1].n_encs = 2;
    assert_int_equal(export_write_all(g, f.q, 5, &o, &e), -1);
    assert_non_null(strstr(e.msg, "conv.weight"));
    assert_int_equal(count_files(d3), 0);
    /* a subset of the artifacts: only those files appear */
    fx_quantizers(&f);
    o.artifacts = EXPORT_ART_ENCODINGS | EXPORT_ART_REPORT;
    assert_int_equal(export_write_all(g, f.q, 5, &o, &e), 0);
    assert_int_equal(count_files(d3), 3); /* encodings, report.json, report.html */
    snprintf(p, sizeof p, "%s/m.encodings", d3);
    assert_int_equal(access(p, F_OK), 0);
    o.artifacts = 0;
    /* a missing directory is named */
    o.dir = "/nonexistent_qrc_dir";
    assert_int_equal(export_write_all(g, f.q, 5, &o, &e), -1);
    assert_non_null(strstr(e.msg, "'/nonexistent_qrc_dir'"));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", d1, d2, d3);
    assert_int_equal(system(cmd), 0);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checkpoint_round_trip_and_damage),
        cmocka_unit_test(artifact_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
