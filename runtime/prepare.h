/* prepare.h — the four prepare methods, each a policy over the passes of pass.h.
 *
 *   eager      only the passes the caller lists, in registry order.
 *   symbolic   every pass, from static analysis alone; control flow that is still data-dependent after
 *              binding and folding is an error.
 *   jit        every pass; the example inputs are run through the graph to decide each data-dependent
 *              If, the branch taken is inlined and the one never taken is reported as a warning.
 *   jit_strip  jit, then strip: nodes outside [start -> end] are marked to stay in float.
 *
 * Ownership as in pass.h: the caller owns g, the options and the report. */
#ifndef QRC_PREPARE_H
#define QRC_PREPARE_H

#include "pass.h"

typedef enum prepare_method {
    PREPARE_EAGER = 0,
    PREPARE_SYMBOLIC,
    PREPARE_JIT,
    PREPARE_JIT_STRIP,
    PREPARE_METHOD_COUNT_
} prepare_method;

typedef struct prepare_opts {
    prepare_method method;
    const char *const *passes; /* eager: the passes to run (registry names); ignored by other methods */
    int n_passes;
    pass_opts pass;
} prepare_opts;

/* "eager", "symbolic", "jit", "jit_strip". */
const char *prepare_method_name(prepare_method m);
/* Parses a method name; returns -1 when unknown. */
int prepare_method_parse(const char *name);

/* Runs the method's passes on g in place. Returns 0, or -1 with e filled by the first pass that
 * failed (the report keeps the notes of the passes that ran). */
int prepare_run(graph *g, const prepare_opts *o, pass_report *r, qrc_err *e);

#endif
