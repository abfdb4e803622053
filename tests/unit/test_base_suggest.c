/* Did-you-mean: edit distances, the single closest word for recipe hints, and the quoted top-3 lists
 * prepare errors print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/suggest.h"

static void distances(void **state)
{
    (void)state;
    assert_int_equal(suggest_distance("kitten", "sitting", false), 3);
    assert_int_equal(suggest_distance("", "abc", false), 3);
    assert_int_equal(suggest_distance("abc", "", false), 3);
    assert_int_equal(suggest_distance("same", "same", false), 0);
    assert_int_equal(suggest_distance("MatMul", "matmul", false), 2);
    assert_int_equal(suggest_distance("MatMul", "matmul", true), 0);
    /* Long names (past the stack row) are measured exactly, not capped. */
    char a[301], b[301];
    memset(a, 'x', 300);
    memset(b, 'x', 300);
    a[300] = b[300] = 0;
    b[0] = 'y';
    b[299] = 'z';
    assert_int_equal(suggest_distance(a, b, false), 2);
    assert_int_equal(suggest_distance(a, "", false), 300);
}

static void closest_needs_a_close_match(void **state)
{
    (void)state;
    static const char *const words[] = {"samples", "batch", "seed", "encodings"};
    assert_string_equal(suggest_closest("sampels", words, 4), "samples");
    assert_string_equal(suggest_closest("Batch", words, 4), "batch");
    assert_null(suggest_closest("zzzzzz", words, 4));
    assert_null(suggest_closest("sed", words, 0));
    /* the limit grows with the word: 1 edit up to 3 letters, 2 up to 6, 3 beyond */
    static const char *const short_words[] = {"ab", "abcdef", "abcdefghij"};
    assert_null(suggest_closest("xy", short_words, 1));
    assert_null(suggest_closest("abcxyz", short_words + 1, 1));
    assert_string_equal(suggest_closest("abcdxf", short_words + 1, 1), "abcdef");
    assert_string_equal(suggest_closest("abcdefgxyz", short_words + 2, 1), "abcdefghij");
}

static void list_ranks_quotes_and_dedups(void **state)
{
    (void)state;
    static const char *const mods[] = {"layer1.0.conv1", "layer1.0.conv1", "layer1.0.conv2", "fc", "layer2.0.conv1"};
    char buf[200];
    suggest_list("layer1.0.cnov1", mods, 5, true, buf, sizeof buf);
    assert_string_equal(buf, "\"layer1.0.conv1\", \"layer1.0.conv2\", \"layer2.0.conv1\"");
    static const char *const ops[] = {"Conv", "Relu", "MaxPool", "Gemm"};
    suggest_list("MaxPol", ops, 4, false, buf, sizeof buf);
    assert_string_equal(buf, "MaxPool, Conv, Relu"); /* Relu and Gemm tie at 6: order decides */
    /* containing the query counts as much closer */
    static const char *const names[] = {"abc", "block_conv_1"};
    suggest_list("conv", names, 2, false, buf, sizeof buf);
    assert_string_equal(buf, "block_conv_1, abc"); /* 8 edits, counted as 2 */
    suggest_list("x", names, 0, false, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* a short buffer truncates, never overflows */
    char tiny[8];
    suggest_list("layer1", mods, 5, true, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distances),
        cmocka_unit_test(closest_needs_a_close_match),
        cmocka_unit_test(list_ranks_quotes_and_dedups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
