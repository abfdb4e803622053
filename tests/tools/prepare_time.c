/* prepare_time — times prepare on a model: prepare_time model.onnx [method] [repeat].
 * Prints "load X ms, prepare best Y ms median Z ms (N -> M nodes, R rewrites)". The load is timed
 * once; prepare runs `repeat` times on fresh copies (the copy is not timed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onnx.h"
#include "prepare.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: prepare_time model.onnx [method] [repeat]\n");
        return 2;
    }
    int method = argc > 2 ? prepare_method_parse(argv[2]) : PREPARE_SYMBOLIC;
    int repeat = argc > 3 ? atoi(argv[3]) : 5;
    if (method < 0 || repeat < 1 || repeat > 1000) {
        fprintf(stderr, "prepare_time: bad method or repeat\n");
        return 2;
    }
    qrc_err e = {0};
    graph *g = NULL;
    double t0 = now_ms();
    if (onnx_load(argv[1], &g, &e) != 0) {
        fprintf(stderr, "prepare_time: %s\n", e.msg);
        return 1;
    }
    double load = now_ms() - t0;
    double *ms = calloc((size_t)repeat, sizeof *ms);
    int nodes = 0, rewrites = 0;
    for (int i = 0; i < repeat; i++) {
        graph *c = graph_clone(g, &e);
        if (!c) {
            fprintf(stderr, "prepare_time: %s\n", e.msg);
            return 1;
        }
        prepare_opts po = {.method = (prepare_method)method, .pass = pass_opts_default()};
        pass_report r;
        pass_report_init(&r);
        t0 = now_ms();
        int rc = prepare_run(c, &po, &r, &e);
        ms[i] = now_ms() - t0;
        if (rc != 0) {
            fprintf(stderr, "prepare_time: %s\n", e.msg);
            return 1;
        }
        nodes = c->n_nodes;
        rewrites = r.changes;
        pass_report_free(&r);
        graph_free(c);
    }
    qsort(ms, (size_t)repeat, sizeof *ms, cmp);
    printf("load %.1f ms, prepare best %.1f ms median %.1f ms (%d -> %d nodes, %d rewrites)\n", load, ms[0],
           ms[repeat / 2], g->n_nodes, nodes, rewrites);
    free(ms);
    graph_free(g);
    return 0;
}
