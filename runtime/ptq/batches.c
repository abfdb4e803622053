/* batches.c — the float graph run over a caller's batches, watched by an observer (ptq_internal.h). */
#include <stdlib.h>

#include "base/mem.h"
#include "ptq_internal.h"

int ptq_run_batches(const graph *g, exec_observer_fn watch, void *watch_user, int n_inputs, const char *const *names,
                    ptq_batch_fn next, void *user, int threads, int64_t *rows, qrc_err *e)
{
    tensor **in = mem_zalloc((size_t)n_inputs + 1, sizeof *in), **outs = mem_zalloc((size_t)g->n_outputs + 1, sizeof *outs);
    exec *x = NULL;
    int rc = -1;
    *rows = 0;
    if (exec_new(g, threads, &x, e))
        goto done;
    exec_set_observer(x, watch, watch_user);
    for (;;) {
        int got = next(user, in, e);
        if (got <= 0) {
            rc = got;
            break;
        }
        int bad = exec_run(x, n_inputs, names, (const tensor *const *)in, outs, e);
        *rows += n_inputs ? in[0]->dims[0] : 0;
        for (int i = 0; i < n_inputs; i++) {
            tensor_free(in[i]);
            in[i] = NULL;
        }
        for (int i = 0; !bad && i < g->n_outputs; i++) {
            tensor_free(outs[i]);
            outs[i] = NULL;
        }
        if (bad)
            break;
    }
done:
    free(in);
    free(outs);
    exec_free(x);
    return rc;
}
