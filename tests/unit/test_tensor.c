#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tensor.h"

static void new_tensor_is_zeroed_and_aligned(void **state)
{
    (void)state;
    qrc_err e;
    int64_t dims[] = {2, 3, 5};
    tensor *t = tensor_new(DT_FLOAT, 3, dims, &e);
    assert_non_null(t);
    assert_int_equal(tensor_numel(t), 30);
    assert_int_equal(tensor_nbytes(t), 120);
    assert_int_equal((uintptr_t)t->data % 64, 0);
    for (int i = 0; i < 30; i++)
        assert_true(((float *)t->data)[i] == 0.0f);
    tensor_free(t);
}

static void bad_shapes_are_errors(void **state)
{
    (void)state;
    qrc_err e;
    int64_t neg[] = {2, -1};
    assert_null(tensor_new(DT_FLOAT, 2, neg, &e));
    assert_non_null(strstr(e.msg, "negative"));
    int64_t huge[] = {1 << 30, 1 << 30};
    assert_null(tensor_new(DT_FLOAT, 2, huge, &e));
    assert_non_null(strstr(e.msg, "16 GiB"));
    assert_null(tensor_new(DT_STRING, 1, neg, &e));
}

static void describe_names_dtype_and_shape(void **state)
{
    (void)state;
    int64_t dims[] = {1, 3, 224, 224};
    tensor *t = tensor_view(DT_INT8, 4, dims, NULL);
    char buf[64];
    assert_string_equal(tensor_describe(t, buf, sizeof buf), "int8[1,3,224,224]");
    tensor_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_tensor_is_zeroed_and_aligned),
        cmocka_unit_test(bad_shapes_are_errors),
        cmocka_unit_test(describe_names_dtype_and_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
