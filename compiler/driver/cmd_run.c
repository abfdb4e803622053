/* cmd_run.c — `qrc run`: runs an ONNX model on .npy inputs and writes .npy outputs.
 *
 *   qrc run model.onnx --input name=file.npy ... [--output out.npy ...] [--output-dir D]
 *           [--threads N] [--repeat N] [--time]
 *
 * Exit status: 0 success, 2 usage, 3 model or data error, 1 when an output cannot be written. */
#include "driver/cmd_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/mem.h"
#include "exec.h"
#include "ops/nn_ops.h"
#include "npy.h"
#include "onnx.h"

enum { RUN_OK = 0, RUN_IO = 1, RUN_USAGE = 2, RUN_DATA = 3, RUN_MAX_ARGS = 64 };

typedef struct run_args {
    const char *model;
    const char *in_names[RUN_MAX_ARGS], *in_files[RUN_MAX_ARGS];
    int n_in;
    const char *out_files[RUN_MAX_ARGS];
    int n_out;
    const char *out_dir;
    int threads, repeat;
    int time;
} run_args;

static void run_usage(FILE *f)
{
    fprintf(f, "usage: qrc run model.onnx --input [name=]file.npy ... [--output out.npy ...] [--output-dir D]\n"
               "               [--threads N] [--repeat N] [--time]\n"
               "  --output     one file per model output, in the model's output order\n"
               "  --output-dir writes <output name>.npy for every output\n"
               "  --repeat N   runs N times after a warm-up run; with --time prints best and median ms on stderr\n");
}

static int positive(const char *flag, const char *v, int *out)
{
    char *end;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || errno || *end || n < 1 || n > 1000000) {
        fprintf(stderr, "qrc run: %s needs a positive integer, got '%s'\n", flag, v ? v : "");
        return -1;
    }
    *out = (int)n;
    return 0;
}

static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    a->threads = 2;
    a->repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            run_usage(stdout);
            exit(0);
        } else if (!strcmp(k, "--input")) {
            if (!v || a->n_in == RUN_MAX_ARGS)
                return fprintf(stderr, "qrc run: --input needs name=file.npy\n"), -1;
            const char *eq = strchr(v, '=');
            a->in_names[a->n_in] = eq ? mem_strndup(v, (size_t)(eq - v)) : NULL;
            a->in_files[a->n_in++] = eq ? eq + 1 : v;
            i++;
        } else if (!strcmp(k, "--output")) {
            if (!v || a->n_out == RUN_MAX_ARGS)
                return fprintf(stderr, "qrc run: --output needs a file name\n"), -1;
            a->out_files[a->n_out++] = v;
            i++;
        } else if (!strcmp(k, "--output-dir")) {
            if (!v)
                return fprintf(stderr, "qrc run: --output-dir needs a directory\n"), -1;
            a->out_dir = v;
            i++;
        } else if (!strcmp(k, "--threads")) {
            if (positive(k, v, &a->threads))
                return -1;
            i++;
        } else if (!strcmp(k, "--repeat")) {
            if (positive(k, v, &a->repeat))
                return -1;
            i++;
        } else if (!strcmp(k, "--time")) {
            a->time = 1;
        } else if (k[0] == '-') {
            return fprintf(stderr, "qrc run: unknown option '%s'\n", k), -1;
        } else if (!a->model) {
            a->model = k;
        } else {
            return fprintf(stderr, "qrc run: unexpected argument '%s'\n", k), -1;
        }
    }
    if (!a->model)
        return fprintf(stderr, "qrc run: no model given\n"), -1;
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* File name for output `name` inside dir: path separators and other awkward bytes become '_'. */
static char *output_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 6;
    char *p = mem_alloc(n);
    int k = snprintf(p, n, "%s/", dir);
    for (const char *s = name; *s; s++)
        p[k++] = (*s == '/' || *s == '\\' || *s == ':' || (unsigned char)*s < 32) ? '_' : *s;
    strcpy(p + k, ".npy");
    return p;
}

static int write_outputs(const run_args *a, const graph *g, tensor **outs)
{
    qrc_err e;
    for (int i = 0; i < a->n_out; i++)
        if (npy_write(a->out_files[i], outs[i], &e)) {
            fprintf(stderr, "qrc run: %s\n", e.msg);
            return RUN_IO;
        }
    if (a->out_dir) {
        if (mkdir(a->out_dir, 0777) && errno != EEXIST) {
            fprintf(stderr, "qrc run: cannot create %s: %s\n", a->out_dir, strerror(errno));
            return RUN_IO;
        }
        for (int i = 0; i < g->n_outputs; i++) {
            char *p = output_path(a->out_dir, g->values[g->outputs[i]].name);
            int rc = npy_write(p, outs[i], &e);
            free(p);
            if (rc) {
                fprintf(stderr, "qrc run: %s\n", e.msg);
                return RUN_IO;
            }
        }
    }
    if (!a->n_out && !a->out_dir)
        for (int i = 0; i < g->n_outputs; i++) {
            char d[128];
            printf("%s: %s\n", g->values[g->outputs[i]].name, tensor_describe(outs[i], d, sizeof d));
        }
    return RUN_OK;
}

static int run_model(run_args *a)
{
    qrc_err e;
    graph *g = NULL;
    exec *x = NULL;
    tensor *ins[RUN_MAX_ARGS] = {0};
    tensor **outs = NULL;
    double *times = NULL;
    int rc = RUN_DATA;
    /* the model is checked as given; then, as a plain run observes no intermediate tensor, BatchNorm is
       folded, Conv + activation fused and decomposed units (LayerNorm, GELU, ...) made whole before the run plan
       is made */
    if (onnx_load(a->model, &g, &e) || exec_new(g, a->threads, &x, &e) || (exec_free(x), x = NULL) ||
        kern_fuse_conv(g, NULL, &e) || kern_fuse_units(g, NULL, &e) || exec_new(g, a->threads, &x, &e)) {
        fprintf(stderr, "qrc run: %s%s%s\n", g ? a->model : "", g ? ": " : "", e.msg);
        goto done;
    }
    if (a->n_out && a->n_out != g->n_outputs) {
        fprintf(stderr, "qrc run: %s has %d output(s) but %d --output file(s) were given\n", a->model, g->n_outputs,
                a->n_out);
        rc = RUN_USAGE;
        goto done;
    }
    for (int i = 0; i < a->n_in; i++) {
        if (!a->in_names[i]) {
            if (a->n_in != 1 || g->n_inputs != 1) {
                fprintf(stderr, "qrc run: --input %s: name the input (name=file.npy); the model has %d inputs\n",
                        a->in_files[i], g->n_inputs);
                rc = RUN_USAGE;
                goto done;
            }
            a->in_names[i] = mem_strdup(g->values[g->inputs[0]].name);
        }
        if (npy_read(a->in_files[i], &ins[i], &e)) {
            fprintf(stderr, "qrc run: input '%s': %s\n", a->in_names[i], e.msg);
            goto done;
        }
    }
    outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
    times = calloc((size_t)a->repeat + 1, sizeof *times);
    if (!outs || !times) {
        fprintf(stderr, "qrc run: out of memory\n");
        goto done;
    }
    int runs = a->repeat > 1 || a->time ? a->repeat + 1 : 1; /* the first run warms up when timing */
    for (int r = 0; r < runs; r++) {
        for (int i = 0; i < g->n_outputs; i++) {
            tensor_free(outs[i]);
            outs[i] = NULL;
        }
        double t0 = now_ms();
        if (exec_run_batched(x, a->n_in, a->in_names, (const tensor *const *)ins, outs, &e)) {
            fprintf(stderr, "qrc run: %s: %s\n", a->model, e.msg);
            goto done;
        }
        if (runs > 1 && r > 0)
            times[r - 1] = now_ms() - t0;
    }
    if (a->time && runs > 1) {
        int n = runs - 1;
        qsort(times, (size_t)n, sizeof *times, cmp_double);
        double median = n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
        fprintf(stderr, "qrc run: %d runs, %d threads: best %.3f ms, median %.3f ms\n", n, a->threads, times[0],
                median);
    }
    rc = write_outputs(a, g, outs);
done:
    for (int i = 0; outs && g && i < g->n_outputs; i++)
        tensor_free(outs[i]);
    for (int i = 0; i < a->n_in; i++) {
        tensor_free(ins[i]);
        free((char *)a->in_names[i]);
    }
    free(outs);
    free(times);
    exec_free(x);
    graph_free(g);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    if (parse_args(argc, argv, &a)) {
        run_usage(stderr);
        for (int i = 0; i < a.n_in; i++)
            free((char *)a.in_names[i]);
        return RUN_USAGE;
    }
    return run_model(&a);
}
