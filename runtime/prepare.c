/* prepare.c — the prepare methods: which passes run, in which order, with which options. */
#include "prepare.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char *const method_names[] = {
#define NAME_ROW(up, low) [PREPARE_##up] = #low,
    PREPARE_METHODS(NAME_ROW)
#undef NAME_ROW
};
static_assert(sizeof method_names / sizeof *method_names == PREPARE_METHOD_COUNT_, "one name per method");

const char *prepare_method_name(prepare_method m)
{
    return (unsigned)m < PREPARE_METHOD_COUNT_ ? method_names[m] : "?";
}

int prepare_method_parse(const char *name)
{
    for (int i = 0; i < PREPARE_METHOD_COUNT_; i++)
        if (!strcmp(name, method_names[i]))
            return i;
    return -1;
}

/* The passes eager runs whatever it is asked for. */
static bool eager_always(int id)
{
    return id == PASS_ID_bind || id == PASS_ID_name || id == PASS_ID_exclude;
}

/* eager: which of the rewrites were asked for (naming a pass it always runs is fine); fails on a name
 * that is not a rewrite. */
static int eager_wanted(const char *const *rewrites, int n, bool *want, qrc_err *e)
{
    for (int i = 0; i < n; i++) {
        int id = pass_id_parse(rewrites[i]);
        if (id >= 0 && eager_always(id))
            continue;
        if (id < 0 || pass_id_kind((pass_id)id) != PASS_KIND_REWRITE) {
            char names[256] = "";
            for (int k = 0; k < PASS_ID_COUNT_; k++)
                if (pass_id_kind((pass_id)k) == PASS_KIND_REWRITE)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "",
                             pass_id_name((pass_id)k));
            return err_set(e, "eager prepare: no rewrite called '%s'; rewrites: %s", rewrites[i], names);
        }
        want[id] = true;
    }
    return 0;
}

int prepare_schedule(prepare_method m, const char *const *rewrites, int n_rewrites, pass_id *ids, qrc_err *e)
{
    bool want[PASS_ID_COUNT_] = {false};
    if ((unsigned)m >= PREPARE_METHOD_COUNT_)
        return err_set(e, "prepare: unknown method %d", (int)m);
    if (m == PREPARE_EAGER) {
        if (eager_wanted(rewrites, n_rewrites, want, e))
            return -1;
    } else {
        for (int k = 0; k < PASS_ID_COUNT_; k++)
            want[k] = pass_id_kind((pass_id)k) == PASS_KIND_REWRITE;
    }
    int n = 0;
#define ADD(p) (ids[n++] = PASS_ID_##p)
#define ADD_IF_WANTED(p) (want[PASS_ID_##p] ? ADD(p) : 0)
    ADD(bind);
    ADD_IF_WANTED(fold);
    if (m == PREPARE_SYMBOLIC)
        ADD(require_static);
    if (m == PREPARE_JIT || m == PREPARE_JIT_STRIP) {
        ADD(trace);
        ADD(fold);
    }
    ADD(name);
    ADD_IF_WANTED(unshare);
    if (m == PREPARE_JIT_STRIP)
        ADD(strip);
    ADD_IF_WANTED(fold_bn);
    ADD_IF_WANTED(fuse);
    ADD(exclude);
#undef ADD_IF_WANTED
#undef ADD
    return n;
}

pass_opts prepare_pass_opts(prepare_method m, pass_id id, const pass_opts *o)
{
    pass_opts p = *o;
    if (id == PASS_ID_fold)
        p.inline_if = m != PREPARE_EAGER;
    return p;
}

int prepare_run(graph *g, const prepare_opts *o, pass_report *r, qrc_err *e)
{
    pass_id ids[PREPARE_MAX_PASSES];
    int n = prepare_schedule(o->method, o->passes, o->n_passes, ids, e);
    for (int i = 0; i < n; i++) {
        pass_opts po = prepare_pass_opts(o->method, ids[i], &o->pass);
        if (pass_table[ids[i]].run(g, &po, r, e) != 0)
            return -1;
    }
    return n < 0 ? -1 : 0;
}
