/* compile.c — recipe file to pass plan: sema (parse + check + merge), plan building, a malloc'd copy. */
#include "compile.h"

#include <string.h>

#include "front/sema.h"

/* sema into res->arena (the diagnostics point into its sources), plan_build into plan_arena; res->plan is
 * left NULL on errors. */
static int build_in(arena *plan_arena, const char *path, compile_result *res)
{
    memset(res, 0, sizeof *res);
    diag_init(&res->diags, &res->arena);
    recipe r;
    if (sema_load(&res->arena, &res->diags, path, &r))
        return -1;
    res->plan = plan_build(plan_arena, &r);
    if (!protobuf_c_message_check(&res->plan->base)) {
        diag_error(&res->diags, (ast_loc){0}, "internal error: the plan misses a required field");
        res->plan = NULL;
        return -1;
    }
    return 0;
}

int compile_recipe(const char *path, compile_result *res)
{
    /* The plan is built in a scratch arena; the result keeps only a malloc'd copy. */
    arena scratch = {0};
    int rc = build_in(&scratch, path, res);
    if (rc == 0) {
        qrc_err e;
        res->plan = plan_copy(res->plan, &e);
        if (!res->plan) {
            diag_error(&res->diags, (ast_loc){0}, "%s", e.msg);
            rc = -1;
        }
    }
    arena_free(&scratch);
    return rc;
}

int compile_recipe_scoped(const char *path, compile_result *res)
{
    int rc = build_in(&res->arena, path, res);
    res->plan_in_arena = res->plan != NULL;
    return rc;
}

void compile_result_free(compile_result *res)
{
    if (!res->plan_in_arena)
        plan_free(res->plan);
    res->plan = NULL;
    arena_free(&res->arena);
}
