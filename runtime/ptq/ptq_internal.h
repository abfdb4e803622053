/* ptq_internal.h — shared by the post-training rewrites in runtime/ptq/. */
#ifndef QRC_PTQ_INTERNAL_H
#define QRC_PTQ_INTERNAL_H

#include "exec.h"
#include "ptq.h"

/* Runs the float graph on every batch `next` gives (inputs bound by names), `watch` seeing every value;
 * *rows counts the rows run. 0, or -1 with e filled (by next, the run or the observer). */
int ptq_run_batches(const graph *g, exec_observer_fn watch, void *watch_user, int n_inputs, const char *const *names,
                    ptq_batch_fn next, void *user, int threads, int64_t *rows, qrc_err *e);

#endif
