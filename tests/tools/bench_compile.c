/* bench_compile.c — times compile_recipe in-process: `bench_compile RECIPE.q [RUNS]` prints the best
 * wall time of RUNS compilations (read, parse, check, plan, serialize round trip) in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "compile.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_compile RECIPE.q [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 10;
    long best = -1;
    for (int i = 0; i < runs; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        compile_result r;
        int rc = compile_recipe(argv[1], &r);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (rc) {
            diag_render(&r.diags, stderr);
            compile_result_free(&r);
            return 1;
        }
        compile_result_free(&r);
        long us = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
        if (best < 0 || us < best)
            best = us;
    }
    printf("%ld\n", best);
    return 0;
}
