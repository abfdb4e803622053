/* compile.h — the compiler's entry point for the driver and the runtime.
 *
 *     compile_result res;
 *     if (compile_recipe("r.q", &res) == 0)
 *         use(res.plan);                      // a Qrc__Plan (plan.pb-c.h), see plan.proto
 *     else
 *         diag_render(&res.diags, stderr);    // every error, with source lines and carets
 *     compile_result_free(&res);              // frees the plan too, unless it was taken (set to NULL)
 *
 * A caller that keeps the plan beyond the result sets res.plan = NULL and frees it later with plan_free.
 * Plans from files: plan_read_file / plan_write_file in plan.h. */
#ifndef QRC_COMPILE_H
#define QRC_COMPILE_H

#include <stdbool.h>

#include "base/arena.h"
#include "front/diag.h"
#include "plan/plan.h"

/* Exit statuses of the qrc command (documented in the README). */
enum {
    QRC_EXIT_OK = 0,
    QRC_EXIT_RECIPE = 1,      /* the recipe has errors (diagnostics printed) */
    QRC_EXIT_USAGE = 2,       /* bad command line */
    QRC_EXIT_RUNTIME = 3,     /* model, data, file system or runtime error */
    QRC_EXIT_UNFORMATTED = 4, /* fmt --check: a file is not in canonical form */
};

typedef struct compile_result {
    arena arena;          /* owns the diagnostics and the recipe sources they point into */
    diag_list diags;
    Qrc__Plan *plan;      /* NULL when there were errors; owned by protobuf-c (plan_free), or by the
                             arena when plan_in_arena */
    bool plan_in_arena;   /* compile_recipe_scoped: the plan dies with the result and cannot be taken */
} compile_result;

/* Compiles the recipe at path (and its imports) into res->plan. Returns 0 on success, -1 when there were
 * errors (all in res->diags). res must always be released with compile_result_free. */
int compile_recipe(const char *path, compile_result *res);
/* compile_recipe for a caller done with the plan before compile_result_free (qrc compile, qrc plan): the
 * plan stays in res->arena, which saves copying it (a tenth of the time of a 100,000-line recipe). */
int compile_recipe_scoped(const char *path, compile_result *res);
/* Frees the diagnostics, the sources and the plan (if still owned). */
void compile_result_free(compile_result *res);

#endif
