/* cmd_compile.c — `qrc compile RECIPE.q [-o PLAN.qp]`: check a recipe and write its pass plan. */
#include <stdio.h>
#include <string.h>

#include "driver/commands.h"
#include "compile.h"
#include "util.h"

static int usage(void)
{
    fprintf(stderr, "usage: qrc compile RECIPE.q [-o PLAN.qp]\n"
                    "  writes the pass plan (default: RECIPE.qp next to the recipe)\n");
    return QRC_EXIT_USAGE;
}

int cmd_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return usage(), QRC_EXIT_OK;
        else if (argv[i][0] == '-' || in)
            return usage();
        else
            in = argv[i];
    }
    if (!in)
        return usage();
    compile_result res;
    int rc = compile_recipe_scoped(in, &res);
    diag_render(&res.diags, stderr);
    if (rc) {
        compile_result_free(&res);
        return QRC_EXIT_RECIPE;
    }
    char outbuf[4096];
    if (!out) {
        size_t n = strlen(in);
        if (n > 2 && !strcmp(in + n - 2, ".q"))
            n -= 2;
        snprintf(outbuf, sizeof outbuf, "%.*s.qp", (int)n, in);
        out = outbuf;
    }
    qrc_err e;
    int status = QRC_EXIT_OK;
    if (plan_write_file(res.plan, out, &e)) {
        fprintf(stderr, "qrc: error: %s\n", e.msg);
        status = QRC_EXIT_RUNTIME;
    }
    compile_result_free(&res);
    return status;
}
