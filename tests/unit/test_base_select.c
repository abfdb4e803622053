/* Selectors: each kind on whole names, parent matching for modules, regex anchoring, invalid regexes
 * and unknown kinds as errors, and the kind a bare user-written name means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/select.h"

/* Compiles (kind, text) into *m, failing the test when it does not compile. */
static select_matcher *make(select_matcher *m, select_kind kind, const char *text)
{
    qrc_err e;
    assert_int_equal(select_compile(m, (select_spec){.kind = kind, .text = text}, &e), 0);
    return m;
}

static void exact(void **state)
{
    (void)state;
    select_matcher m;
    make(&m, SELECT_EXACT, "layer1.0");
    assert_true(select_name(&m, "layer1.0"));
    assert_false(select_name(&m, "layer1.0.conv1"));
    assert_false(select_name(&m, "layer1"));
    assert_true(select_module(&m, "layer1.0.conv1"));  /* a parent matches */
    assert_true(select_module(&m, "layer1.0"));
    assert_false(select_module(&m, "layer1.00.conv1")); /* parents split at dots only */
    assert_false(select_module(&m, "layer1"));
    assert_false(select_module(&m, ""));
    assert_false(select_module(&m, NULL));
    select_free(&m);
}

static void glob(void **state)
{
    (void)state;
    select_matcher m;
    make(&m, SELECT_GLOB, "layer1.*");
    assert_true(select_name(&m, "layer1.0.conv1")); /* '*' crosses dots */
    assert_false(select_name(&m, "layer1"));
    assert_false(select_name(&m, "xlayer1.0"));     /* whole name */
    select_free(&m);
    make(&m, SELECT_GLOB, "pool_?");
    assert_true(select_name(&m, "pool_1"));
    assert_false(select_name(&m, "pool_12"));
    assert_true(select_module(&m, "pool_1.inner"));
    select_free(&m);
}

static void regex_is_anchored(void **state)
{
    (void)state;
    select_matcher m;
    make(&m, SELECT_REGEX, "conv[0-9]");
    assert_true(select_name(&m, "conv1"));
    assert_false(select_name(&m, "conv10"));  /* must match the whole name */
    assert_false(select_name(&m, "xconv1"));
    assert_true(select_module(&m, "conv1.bn"));
    select_free(&m);
    /* alternatives stay inside the anchors: ^(a|b)$, not ^a|b$ */
    make(&m, SELECT_REGEX, "fc|head");
    assert_true(select_name(&m, "fc"));
    assert_true(select_name(&m, "head"));
    assert_false(select_name(&m, "fc2"));
    assert_false(select_name(&m, "the_head"));
    select_free(&m);
    make(&m, SELECT_REGEX, "layer3\\.1\\..*");
    assert_true(select_name(&m, "layer3.1.conv2"));
    assert_false(select_name(&m, "layer3x1.conv2"));
    select_free(&m);
}

static void prefix(void **state)
{
    (void)state;
    select_matcher m;
    make(&m, SELECT_PREFIX, "layer1");
    assert_true(select_name(&m, "layer1"));
    assert_true(select_name(&m, "layer1.0.conv1"));
    assert_false(select_name(&m, "layer10"));
    assert_false(select_name(&m, "layer"));
    assert_true(select_module(&m, "layer1.0"));
    assert_false(select_module(&m, "layer10.0"));
    select_free(&m);
}

static void long_module_names(void **state)
{
    (void)state;
    char name[1200];
    memset(name, 'a', sizeof name);
    memcpy(name, "top.", 4);
    name[sizeof name - 1] = 0;
    select_matcher m;
    make(&m, SELECT_EXACT, "top");
    assert_true(select_module(&m, name));
    select_free(&m);
}

static void errors(void **state)
{
    (void)state;
    select_matcher m;
    qrc_err e;
    assert_int_equal(select_compile(&m, (select_spec){.kind = SELECT_REGEX, .text = "conv("}, &e), -1);
    assert_true(strlen(e.msg) > 0);
    assert_null(strstr(e.msg, "conv(")); /* the reason alone: callers name the selector */
    select_free(&m);                      /* harmless after a failure */
    assert_int_equal(select_compile(&m, (select_spec){.kind = SELECT_REGEX, .text = "[a-"}, &e), -1);
    assert_int_equal(select_compile(&m, (select_spec){.kind = (select_kind)7, .text = "x"}, &e), -1);
    assert_non_null(strstr(e.msg, "unknown selector kind 7"));
    assert_false(select_name(&m, "x"));
}

static void kinds(void **state)
{
    (void)state;
    assert_int_equal(select_kind_of("fc"), SELECT_EXACT);
    assert_int_equal(select_kind_of("layer1.0.conv1"), SELECT_EXACT);
    assert_int_equal(select_kind_of("pool_*"), SELECT_GLOB);
    assert_int_equal(select_kind_of("a?"), SELECT_GLOB);
    assert_int_equal(select_kind_of("[ab]"), SELECT_GLOB);
    assert_string_equal(select_kind_name(SELECT_EXACT), "exact");
    assert_string_equal(select_kind_name(SELECT_GLOB), "glob");
    assert_string_equal(select_kind_name(SELECT_REGEX), "regex");
    assert_string_equal(select_kind_name(SELECT_PREFIX), "prefix");
    assert_null(select_kind_name(SELECT_KIND_COUNT_));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact),
        cmocka_unit_test(glob),
        cmocka_unit_test(regex_is_anchored),
        cmocka_unit_test(prefix),
        cmocka_unit_test(long_module_names),
        cmocka_unit_test(errors),
        cmocka_unit_test(kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
