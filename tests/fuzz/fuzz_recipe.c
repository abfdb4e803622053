/* fuzz_recipe — libFuzzer target for the recipe front end: scan, parse and format the input as a recipe,
 * then check it and build its plan (sema reads files, so the input goes through a private temp file).
 * Built and run by `make fuzz`; an input that crashes, leaks or trips a sanitizer is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "front/fmt.h"
#include "front/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    arena a = {0};
    diag_list d;
    diag_init(&d, &a);
    char *text = arena_alloc(&a, n + 1);
    memcpy(text, data, n);
    ast_source src = {.path = "fuzz.q", .text = text, .len = n};
    ast_file file;
    if (parse_source(&a, &d, &src, &file) == 0)
        fmt_file(&a, &file);
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        diag_render(&d, sink);
        fclose(sink);
    }
    arena_free(&a);

    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz_recipe_%ld.q", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, n, f);
    fclose(f);
    compile_result res;
    compile_recipe(path, &res);
    compile_result_free(&res);
    return 0;
}
