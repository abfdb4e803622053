/* The prepare methods as schedules of pass_list.h's passes, the registry derived from that list, the
 * options each pass runs with, and the origin a failing pass gives its error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pass_fixtures.h"
#include "prepare.h"

/* The schedule of method m as "a b c". */
static const char *schedule(prepare_method m, const char *const *rewrites, int n)
{
    static char out[1024];
    pass_id ids[PREPARE_MAX_PASSES];
    static qrc_err e;
    int k = prepare_schedule(m, rewrites, n, ids, &e);
    if (k < 0)
        return e.msg;
    out[0] = 0;
    for (int i = 0; i < k; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", pass_id_name(ids[i]));
    return out;
}

static void every_method_has_its_order(void **state)
{
    (void)state;
    assert_string_equal(schedule(PREPARE_SYMBOLIC, NULL, 0),
                        "bind fold require_static name unshare fold_bn fuse exclude");
    assert_string_equal(schedule(PREPARE_JIT, NULL, 0), "bind fold trace fold name unshare fold_bn fuse exclude");
    assert_string_equal(schedule(PREPARE_JIT_STRIP, NULL, 0),
                        "bind fold trace fold name unshare strip fold_bn fuse exclude");
    const char *const asked[] = {"fuse", "fold"};
    assert_string_equal(schedule(PREPARE_EAGER, asked, 2), "bind fold name fuse exclude");
    assert_string_equal(schedule(PREPARE_EAGER, NULL, 0), "bind name exclude");
    const char *const always[] = {"name", "bind"}; /* passes eager runs anyway may be named */
    assert_string_equal(schedule(PREPARE_EAGER, always, 2), "bind name exclude");
}

static void eager_refuses_what_is_not_a_rewrite(void **state)
{
    (void)state;
    const char *const asked[] = {"fold", "trace"};
    assert_string_equal(schedule(PREPARE_EAGER, asked, 2),
                        "eager prepare: no rewrite called 'trace'; rewrites: fold, unshare, fold_bn, fuse");
    pass_id ids[PREPARE_MAX_PASSES];
    qrc_err e;
    assert_int_equal(prepare_schedule(PREPARE_METHOD_COUNT_, NULL, 0, ids, &e), -1);
}

static void registry_rows_follow_the_list(void **state)
{
    (void)state;
    for (int i = 0; i < PASS_ID_COUNT_; i++) {
        assert_int_equal(pass_id_parse(pass_id_name((pass_id)i)), i);
        assert_ptr_equal(pass_find(pass_id_name((pass_id)i)), &pass_table[i]);
        /* rewrites run in the runtime; build stages in the driver */
        assert_int_equal(pass_table[i].run != NULL, pass_id_is_prepare((pass_id)i));
        assert_true(strlen(pass_id_summary((pass_id)i)) > 10);
    }
    assert_int_equal(pass_id_parse("cle"), PASS_ID_cle);
    assert_int_equal(pass_id_kind(PASS_ID_cle), PASS_KIND_BUILD);
    assert_int_equal(pass_id_parse("nope"), -1);
    assert_null(pass_find("nope"));
    assert_string_equal(pass_id_name(PASS_ID_COUNT_), "?");
    for (int m = 0; m < PREPARE_METHOD_COUNT_; m++)
        assert_int_equal(prepare_method_parse(prepare_method_name((prepare_method)m)), m);
}

static void fold_inlines_if_except_under_eager(void **state)
{
    (void)state;
    pass_opts o = pass_opts_default();
    assert_false(prepare_pass_opts(PREPARE_EAGER, PASS_ID_fold, &o).inline_if);
    assert_true(prepare_pass_opts(PREPARE_JIT, PASS_ID_fold, &o).inline_if);
    o.inline_if = false;
    assert_false(prepare_pass_opts(PREPARE_SYMBOLIC, PASS_ID_bind, &o).inline_if); /* other passes: as given */
}

static void errors_carry_the_origin_of_what_failed(void **state)
{
    (void)state;
    graph *g = graph_new();
    int64_t d[1] = {2};
    fx_const(g, "w", 1, d, NULL, 1);
    fx_node(g, "Mul", "/m/Mul", "x,w", "y");
    fx_io(g, "x", "y");
    pass_report r;
    pass_report_init(&r);
    qrc_err e;
    /* a concrete arg naming no input: the error's origin is where the arg was written */
    pass_concrete c = {"batch", NULL, 4, "r.q:7:12"};
    pass_opts o = pass_opts_default();
    o.concrete = &c;
    o.n_concrete = 1;
    assert_int_equal(pass_bind(g, &o, &r, &e), -1);
    assert_string_equal(e.origin, "r.q:7:12");
    assert_null(strstr(e.msg, "r.q:7:12")); /* data, not text */
    /* an unmatched selector: the first one that matched nothing */
    assert_int_equal(pass_name(g, NULL, &r, &e), 0);
    select_spec sel[2] = {{SELECT_EXACT, "m"}, {SELECT_EXACT, "nothere"}};
    const char *sel_at[2] = {"r.q:3:1", "r.q:3:20"};
    o = pass_opts_default();
    o.exclude = sel;
    o.exclude_origins = sel_at;
    o.n_exclude = 2;
    assert_int_equal(pass_exclude(g, &o, &r, &e), -1);
    assert_string_equal(e.origin, "r.q:3:20");
    /* err_set starts afresh; a NULL origin keeps the one there is */
    err_origin(&e, NULL);
    assert_string_equal(e.origin, "r.q:3:20");
    err_set(&e, "other");
    assert_string_equal(e.origin, "");
    pass_report_free(&r);
    graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_method_has_its_order),
        cmocka_unit_test(eager_refuses_what_is_not_a_rewrite),
        cmocka_unit_test(registry_rows_follow_the_list),
        cmocka_unit_test(fold_inlines_if_except_under_eager),
        cmocka_unit_test(errors_carry_the_origin_of_what_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
