/* Exports a calibrated model as QDQ ONNX next to qrc's own simulated outputs, for the ONNX Runtime
 * interop suite.
 *
 *   export_qdq_model MODEL CALIB.npy TEST.npy OUTDIR [--act-bits N] [--calib-samples N] [--test-samples N]
 *
 * Prepares the model (symbolic), places W8A<N> per-channel quantizers, calibrates with tf_enhanced, and
 * writes OUTDIR/qdq.onnx, OUTDIR/float.onnx, OUTDIR/model.encodings, OUTDIR/x.npy (the test rows) and
 * OUTDIR/sim.npy (qrc's fake-quant simulation of the same encodings on those rows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "npy.h"
#include "onnx.h"
#include "prepare.h"
#include "quant.h"

static void die(const char *what, const qrc_err *e)
{
    fprintf(stderr, "export_qdq_model: %s: %s\n", what, e ? e->msg : "");
    exit(1);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: export_qdq_model MODEL CALIB.npy TEST.npy OUTDIR [--act-bits N] ...\n");
        return 2;
    }
    const char *model = argv[1], *calib = argv[2], *test = argv[3], *dir = argv[4];
    int act_bits = 8;
    int64_t calib_n = 256, test_n = 500;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--act-bits"))
            act_bits = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--calib-samples"))
            calib_n = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--test-samples"))
            test_n = atoll(argv[i + 1]);
        else
            die(argv[i], NULL);
    }
    qrc_err e;
    graph *g;
    if (onnx_load(model, &g, &e))
        die(model, &e);
    pass_report report;
    pass_report_init(&report);
    prepare_opts po = {.method = (prepare_method)prepare_method_parse("symbolic"), .pass = pass_opts_default()};
    if (prepare_run(g, &po, &report, &e))
        die("prepare", &e);
    bool *excluded = calloc((size_t)g->n_nodes + 1, sizeof *excluded);
    bool *fused = calloc((size_t)g->n_nodes + 1, sizeof *fused);
    if (quant_annotations_from_report(g, &report, excluded, fused, &e))
        die("annotations", &e);
    quant_rule rule = {
        .label = "default",
        .select = QUANT_SEL_DEFAULT,
        .act = {QUANT_INT, act_bits, QUANT_NO},
        .weight = {QUANT_INT, 8, QUANT_YES},
        .per_channel = QUANT_YES,
    };
    quant_options o = {.scheme = QUANT_SCHEME_TF_ENHANCED, .excluded = excluded, .fused_with_next = fused};
    quant_sim *s = quant_sim_create(g, &rule, 1, NULL, &o, &e);
    if (!s)
        die("placement", &e);
    const char *input = g->values[g->inputs[0]].name;
    const char *calib_files[1] = {calib};
    quant_feed cf = {input, calib_files, 1, NULL};
    quant_data cd = {&cf, 1, 64, calib_n, NULL, NULL};
    if (quant_calibrate(s, &cd, &e) || quant_compute_encodings(s, &e))
        die("calibrate", &e);

    int n = quant_sim_count(s), k = 0;
    export_quantizer *q = calloc((size_t)n + 1, sizeof *q);
    for (int i = 0; i < n; i++) {
        const quant_quantizer *x = quant_sim_get(s, i);
        if (!x->enc)
            continue;
        q[k++] = (export_quantizer){x->tensor, x->role == QUANT_ROLE_WEIGHT || x->role == QUANT_ROLE_BIAS, x->axis,
                                    x->n_channels, x->enc};
    }
    graph *qg;
    char *p_qdq = join(dir, "qdq.onnx"), *p_float = join(dir, "float.onnx"), *p_enc = join(dir, "model.encodings");
    if (export_qdq(g, q, k, NULL, &qg, &e) || onnx_save(qg, p_qdq, &e))
        die("qdq", &e);
    if (onnx_save(g, p_float, &e) || export_encodings_write(p_enc, q, k, EXPORT_ENC_0_6_1, NULL, &e))
        die("float/encodings", &e);

    npy_reader *r;
    tensor *x = NULL, *outs[16] = {0};
    if (npy_open(test, &r, &e) || npy_read_rows(r, test_n, &x, &e))
        die(test, &e);
    npy_close(r);
    char *p_x = join(dir, "x.npy"), *p_sim = join(dir, "sim.npy");
    const char *names[1] = {input};
    if (npy_write(p_x, x, &e) || quant_simulate(s, 1, names, (const tensor *const *)&x, outs, &e) ||
        npy_write(p_sim, outs[0], &e))
        die("simulate", &e);
    printf("%d quantizers exported, opset %lld\n", k, (long long)graph_opset_version(qg, ""));
    for (int i = 0; i < 16; i++)
        tensor_free(outs[i]);
    tensor_free(x);
    free(p_qdq), free(p_float), free(p_enc), free(p_x), free(p_sim), free(q);
    graph_free(qg);
    quant_sim_free(s);
    pass_report_free(&report);
    free(excluded);
    free(fused);
    graph_free(g);
    return 0;
}
