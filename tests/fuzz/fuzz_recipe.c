/* fuzz_recipe — libFuzzer target for the recipe front end: scan, parse and format the input as a recipe,
 * then check it, build its plan and render the plan as text and JSON (sema reads files, so the input goes
 * through a private in-memory file).
 * Built and run by `make fuzz`; an input that crashes, leaks or trips a sanitizer is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compile.h"
#include "front/fmt.h"
#include "front/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

/* The canonical form parses and is its own canonical form; anything else is a formatter bug. */
static void check_fmt_idempotent(arena *a, const char *once)
{
    diag_list d;
    diag_init(&d, a);
    ast_source src = {.path = "fmt.q", .text = once, .len = strlen(once)};
    ast_file file;
    if (parse_source(a, &d, &src, &file) != 0) {
        fprintf(stderr, "fmt output does not parse:\n%s\n", once);
        abort();
    }
    if (strcmp(fmt_file(a, &file), once)) {
        fprintf(stderr, "fmt is not idempotent on:\n%s\n", once);
        abort();
    }
}

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
        check_fmt_idempotent(&a, fmt_file(&a, &file));
    FILE *sink = fopen("/dev/null", "w");
    if (sink) {
        diag_render(&d, sink);
        fclose(sink);
    }
    arena_free(&a);

    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.q", 0);
        if (fd < 0)
            return 0;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, n, 0) != (ssize_t)n)
        return 0;
    compile_result res;
    if (compile_recipe(path, &res) == 0) {
        sink = fopen("/dev/null", "w");
        if (sink) {
            plan_print_text(res.plan, sink);
            fclose(sink);
        }
        free(plan_to_json(res.plan));
    }
    compile_result_free(&res);
    return 0;
}
