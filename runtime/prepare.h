/* prepare.h — the four prepare methods, each a schedule of the passes of pass_list.h.
 *
 *   eager      bind, name and exclude, plus the rewrites the caller lists (fold, unshare, fold_bn, fuse).
 *   symbolic   every rewrite, from static analysis alone: bind, fold, require_static (control flow still
 *              data-dependent after binding and folding is an error), name, unshare, fold_bn, fuse, exclude.
 *   jit        bind, fold, trace (the example inputs decide each data-dependent If; the branch taken is
 *              inlined, the one never taken is a warning), fold again, then as symbolic.
 *   jit_strip  jit with strip after unshare: nodes outside [start -> end] stay in float.
 *
 * prepare_schedule is the one place these orders are written: the compiler puts its result in the plan
 * (`qrc plan` shows it, `qrc build` runs it pass by pass) and prepare_run applies it directly for the
 * commands and tools that prepare a bare model without a recipe (`qrc check`).
 *
 * Ownership as in pass.h: the caller owns g, the options and the report. */
#ifndef QRC_PREPARE_H
#define QRC_PREPARE_H

#include "pass.h"

#define PREPARE_METHODS(X) X(EAGER, eager) X(SYMBOLIC, symbolic) X(JIT, jit) X(JIT_STRIP, jit_strip)

typedef enum prepare_method {
#define PREPARE_METHOD_ROW_(up, low) PREPARE_##up,
    PREPARE_METHODS(PREPARE_METHOD_ROW_)
#undef PREPARE_METHOD_ROW_
    PREPARE_METHOD_COUNT_
} prepare_method;

/* Longest schedule prepare_schedule writes. */
enum { PREPARE_MAX_PASSES = 16 };

typedef struct prepare_opts {
    prepare_method method;
    const char *const *passes; /* eager: the rewrites to run (pass names); ignored by other methods */
    int n_passes;
    pass_opts pass;
} prepare_opts;

/* "eager", "symbolic", "jit", "jit_strip" ("?" out of range). */
const char *prepare_method_name(prepare_method m);
/* Parses a method name; returns -1 when unknown. */
int prepare_method_parse(const char *name);

/* The passes method m runs, in order, into ids (room for PREPARE_MAX_PASSES); rewrites (eager only) names
 * the rewrites asked for. Returns the number of passes, or -1 with e filled for a method out of range or a
 * rewrite that is not one (the message lists the rewrites). */
int prepare_schedule(prepare_method m, const char *const *rewrites, int n_rewrites, pass_id *ids, qrc_err *e);

/* The options pass `id` runs with under method m: o with fold's inline_if set as the method wants
 * (eager folds without inlining If; the others inline). */
pass_opts prepare_pass_opts(prepare_method m, pass_id id, const pass_opts *o);

/* Runs the method's schedule on g in place. Returns 0, or -1 with e filled by the first pass that
 * failed (the report keeps the notes of the passes that ran). */
int prepare_run(graph *g, const prepare_opts *o, pass_report *r, qrc_err *e);

#endif
