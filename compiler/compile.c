/* compile.c — recipe file to pass plan: sema (parse + check + merge), plan building, a malloc'd copy. */
#include "compile.h"

#include <string.h>

#include "front/sema.h"

int compile_recipe(const char *path, compile_result *res)
{
    memset(res, 0, sizeof *res);
    diag_init(&res->diags, &res->arena);
    /* The recipe and the plan built from it share a scratch arena; the result keeps only a copy. */
    arena scratch = {0};
    recipe r;
    int rc = sema_load(&res->arena, &res->diags, path, &r);
    if (rc == 0) {
        Qrc__Plan *p = plan_build(&scratch, &r);
        qrc_err e;
        res->plan = plan_copy(p, &e);
        if (!res->plan) {
            diag_error(&res->diags, (ast_loc){0}, "%s", e.msg);
            rc = -1;
        }
    }
    arena_free(&scratch);
    return rc;
}

void compile_result_free(compile_result *res)
{
    plan_free(res->plan);
    res->plan = NULL;
    arena_free(&res->arena);
}
