/* Calibrates and evaluates one model under one scheme, for tests and benchmarks.
 *
 *   quant_eval MODEL --input NAME --calib X.npy --test X.npy [--labels Y.npy] [--scheme tf|tf_enhanced|...]
 *              [--weight-scheme S] [--act-bits N] [--weight-bits N] [--per-tensor] [--calib-samples N]
 *              [--test-samples N] [--batch N] [--threads N] [--list] [--layers N] [--encodings FILE] [--calib-only]
 *              [--prepare METHOD] [--throughput]
 *
 * --weight-scheme sets the weights' scheme (default: --scheme's). --throughput times float inference over
 * the calibration data (after one warm-up batch), then calibration over the same data, and prints both rates; --calib-only also prints the peak RSS.
 *
 * Prints "float_top1 quant_top1 agreement sqnr" lines; --encodings writes every quantizer's encodings in
 * a plain text form (for determinism checks); --calib-only times calibration alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "npy.h"
#include "onnx.h"
#include "prepare.h"
#include "quant.h"

static void die(const char *what, const qrc_err *e)
{
    fprintf(stderr, "quant_eval: %s: %s\n", what, e ? e->msg : "");
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void write_encodings(const quant_sim *s, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die(path, NULL);
    for (int i = 0; i < quant_sim_count(s); i++) {
        const quant_quantizer *q = quant_sim_get(s, i);
        fprintf(f, "%s %s", q->tensor, quant_role_name(q->role));
        for (int c = 0; q->enc && c < q->n_channels; c++)
            fprintf(f, " [%d %a %d %a %a]", q->enc[c].bitwidth, q->enc[c].scale, q->enc[c].offset, q->enc[c].min,
                    q->enc[c].max);
        fprintf(f, "\n");
    }
    fclose(f);
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static int64_t rows_of(const char *path, int64_t limit)
{
    npy_reader *r;
    qrc_err e;
    if (npy_open(path, &r, &e))
        die(path, &e);
    int64_t n = r->dims[0];
    npy_close(r);
    return limit > 0 && limit < n ? limit : n;
}

/* One float run of the next `rows` rows; returns its seconds. */
static double float_batch(quant_sim *s, npy_reader *r, const char *input, int64_t rows, int64_t *got)
{
    qrc_err e;
    tensor *x = NULL, *outs[16] = {0};
    if (npy_read_rows(r, rows, &x, &e) || !x)
        die("float batch", &e);
    const char *names[1] = {input};
    double t0 = now();
    if (quant_run_float(s, 1, names, (const tensor *const *)&x, outs, &e))
        die("float run", &e);
    double t = now() - t0;
    *got = x->dims[0];
    for (int i = 0; i < 16; i++)
        tensor_free(outs[i]);
    tensor_free(x);
    return t;
}

/* Float inference over the data in batches, after one warm-up batch. */
static void time_float(quant_sim *s, const char *path, const char *input, int64_t batch, int64_t limit)
{
    npy_reader *r;
    qrc_err e;
    if (npy_open(path, &r, &e))
        die(path, &e);
    int64_t total = rows_of(path, limit), done = 0, got;
    float_batch(s, r, input, batch, &got);
    if (npy_seek(r, 0, &e))
        die(path, &e);
    double t = 0;
    while (done < total) {
        t += float_batch(s, r, input, batch < total - done ? batch : total - done, &got);
        done += got;
    }
    npy_close(r);
    printf("float %.1f img/s\n", (double)total / t);
}

int main(int argc, char **argv)
{
    const char *model = NULL, *input = "image", *calib = NULL, *test = NULL, *labels = NULL, *enc_out = NULL;
    const char *scheme_name = "tf_enhanced", *weight_scheme = NULL, *prepare = NULL;
    int act_bits = 8, weight_bits = 8, threads = 2, layers = 0;
    bool per_channel = true, list = false, calib_only = false, throughput = false;
    int64_t calib_samples = 0, test_samples = 0, batch = 32;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && ++i)
        if (ARG("--input")) input = v;
        else if (ARG("--calib")) calib = v;
        else if (ARG("--test")) test = v;
        else if (ARG("--labels")) labels = v;
        else if (ARG("--scheme")) scheme_name = v;
        else if (ARG("--weight-scheme")) weight_scheme = v;
        else if (ARG("--act-bits")) act_bits = atoi(v);
        else if (ARG("--weight-bits")) weight_bits = atoi(v);
        else if (ARG("--calib-samples")) calib_samples = atoll(v);
        else if (ARG("--test-samples")) test_samples = atoll(v);
        else if (ARG("--batch")) batch = atoll(v);
        else if (ARG("--threads")) threads = atoi(v);
        else if (ARG("--layers")) layers = atoi(v);
        else if (ARG("--encodings")) enc_out = v;
        else if (ARG("--prepare")) prepare = v;
        else if (strcmp(a, "--per-tensor") == 0) per_channel = false;
        else if (strcmp(a, "--list") == 0) list = true;
        else if (strcmp(a, "--calib-only") == 0) calib_only = true;
        else if (strcmp(a, "--throughput") == 0) throughput = calib_only = true;
        else if (a[0] != '-' && !model) model = a;
        else {
            fprintf(stderr, "quant_eval: bad argument '%s'\n", a);
            return 2;
        }
#undef ARG
    }
    if (!model || !calib || (!test && !calib_only)) {
        fprintf(stderr, "usage: quant_eval MODEL --calib X.npy --test X.npy [options]\n");
        return 2;
    }
    qrc_err e;
    graph *g;
    if (onnx_load(model, &g, &e))
        die(model, &e);
    quant_scheme scheme;
    if (quant_scheme_parse(scheme_name, &scheme, &e))
        die("scheme", &e);
    quant_rule rule = {
        .label = "default",
        .select = QUANT_SEL_DEFAULT,
        .act = {QUANT_INT, act_bits, QUANT_NO},
        .weight = {QUANT_INT, weight_bits, QUANT_YES},
        .per_channel = per_channel ? QUANT_YES : QUANT_NO,
    };
    quant_options o = {.scheme = scheme, .threads = threads, .progress = stderr};
    if (weight_scheme) {
        o.weight_method.set = true;
        if (quant_scheme_parse(weight_scheme, &o.weight_method.scheme, &e))
            die("weight scheme", &e);
    }
    pass_report report;
    pass_report_init(&report);
    bool *excluded = calloc((size_t)g->n_nodes + 1, sizeof *excluded);
    bool *fused = calloc((size_t)g->n_nodes + 1, sizeof *fused);
    if (prepare) {
        prepare_opts po = {.method = (prepare_method)prepare_method_parse(prepare), .pass = pass_opts_default()};
        if ((int)po.method < 0 || prepare_run(g, &po, &report, &e))
            die("prepare", &e);
        free(excluded);
        free(fused);
        excluded = calloc((size_t)g->n_nodes + 1, sizeof *excluded);
        fused = calloc((size_t)g->n_nodes + 1, sizeof *fused);
        if (quant_annotations_from_report(g, &report, excluded, fused, &e))
            die("annotations", &e);
        o.excluded = excluded;
        o.fused_with_next = fused;
    }
    quant_sim *s = quant_sim_create(g, &rule, 1, NULL, &o, &e);
    if (!s)
        die("placement", &e);
    const char *calib_files[1] = {calib}, *test_files[1] = {test};
    quant_feed cf = {input, calib_files, 1, NULL}, tf = {input, test_files, 1, NULL};
    quant_data cd = {&cf, 1, batch, calib_samples, NULL, NULL}, td = {&tf, 1, batch, test_samples, NULL, NULL};
    if (throughput)
        time_float(s, calib, input, batch, calib_samples);
    double t0 = now();
    if (quant_calibrate(s, &cd, &e))
        die("calibrate", &e);
    double t1 = now();
    if (quant_compute_encodings(s, &e))
        die("encodings", &e);
    double t2 = now();
    printf("calibration %.3f s, encodings %.3f s\n", t1 - t0, t2 - t1);
    if (throughput)
        printf("calibration %.1f img/s\n", (double)rows_of(calib, calib_samples) / (t1 - t0));
    if (calib_only)
        printf("peak_rss_kb %ld\n", peak_rss_kb());
    if (list && quant_sim_list(s, stdout, &e))
        die("list", &e);
    if (enc_out)
        write_encodings(s, enc_out);
    if (!calib_only) {
        quant_eval r;
        if (quant_evaluate(s, &td, labels, &r, &e))
            die("evaluate", &e);
        printf("samples %lld float_top1 %.4f quant_top1 %.4f agreement %.4f output_sqnr %.2f dB "
               "float %.0f img/s quant %.0f img/s\n",
               (long long)r.samples, r.float_top1, r.quant_top1, r.top1_agreement, r.output_sqnr_db,
               r.float_images_per_s, r.quant_images_per_s);
        for (int i = 0; i < layers && i < r.n_layers; i++)
            printf("  %-50s %7.2f dB\n", r.layers[i].tensor, r.layers[i].sqnr_db);
        quant_eval_release(&r);
    }
    quant_sim_free(s);
    pass_report_free(&report);
    free(excluded);
    free(fused);
    graph_free(g);
    return 0;
}
