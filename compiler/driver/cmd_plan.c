/* cmd_plan.c — `qrc plan [--json] RECIPE.q|PLAN.qp`: print the pass plan of a recipe or of a plan file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "driver/commands.h"
#include "compile.h"

static int usage(void)
{
    fprintf(stderr, "usage: qrc plan [--json] RECIPE.q|PLAN.qp\n");
    return QRC_EXIT_USAGE;
}

static int print(const Qrc__Plan *p, bool json)
{
    if (!json) {
        plan_print_text(p, stdout);
        return QRC_EXIT_OK;
    }
    char *s = plan_to_json(p);
    if (!s) {
        fprintf(stderr, "qrc: error: out of memory rendering the plan\n");
        return QRC_EXIT_RUNTIME;
    }
    puts(s);
    free(s);
    return QRC_EXIT_OK;
}

/* A plan file starts with PLAN_FILE_MAGIC; anything else is read as a recipe. */
static bool is_plan_file(const char *path)
{
    char head[8];
    FILE *f;
    const char *why;
    if (file_open(path, &f, &why) != FILE_OK)
        return false; /* read as a recipe, which reports why it cannot be read */
    bool yes = fread(head, 1, 8, f) == 8 && !memcmp(head, PLAN_FILE_MAGIC, 8);
    fclose(f);
    return yes;
}

int cmd_plan(int argc, char **argv)
{
    const char *in = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-' || in)
            return usage();
        else
            in = argv[i];
    }
    if (!in)
        return usage();
    if (is_plan_file(in)) {
        qrc_err e;
        Qrc__Plan *p = plan_read_file(in, &e);
        if (!p) {
            fprintf(stderr, "qrc: error: %s\n", e.msg);
            return QRC_EXIT_RUNTIME;
        }
        int rc = print(p, json);
        plan_free(p);
        return rc;
    }
    compile_result res;
    int rc = compile_recipe_scoped(in, &res);
    diag_render(&res.diags, stderr);
    int status = rc ? QRC_EXIT_RECIPE : print(res.plan, json);
    compile_result_free(&res);
    return status;
}
