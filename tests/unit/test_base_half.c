/* float16 and bfloat16 conversions: every half round-trips, ties round to even, overflow gives infinity,
 * NaN stays NaN, and narrowing agrees with the compiler's own _Float16 conversion on a sweep of floats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "base/half.h"

static float from_bits(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

static void known_values(void **state)
{
    (void)state;
    assert_int_equal(half_from_float(1.0f), 0x3c00);
    assert_int_equal(half_from_float(-2.0f), 0xc000);
    assert_int_equal(half_from_float(65504.0f), 0x7bff);          /* largest half */
    assert_int_equal(half_from_float(1.0f / 3.0f), 0x3555);       /* 0.333251953125 */
    assert_int_equal(half_from_float(ldexpf(1.0f, -24)), 0x0001); /* smallest subnormal */
    assert_int_equal(half_from_float(ldexpf(1.0f, -26)), 0x0000); /* below half the smallest: zero */
    assert_int_equal(half_from_float(-0.0f), 0x8000);
    assert_true(half_to_float(0x3555) == 0.333251953125f);
    assert_true(half_to_float(0x0001) == ldexpf(1.0f, -24));
    assert_true(half_to_float(0x0300) == ldexpf(3.0f, -16));      /* subnormal 768 * 2^-24 */
    assert_true(half_to_float(0x7c00) == INFINITY);
    assert_true(half_to_float(0xfc00) == -INFINITY);
}

static void ties_round_to_even(void **state)
{
    (void)state;
    assert_int_equal(half_from_float(1.0f + 1.0f / 2048), 0x3c00);      /* between 0x3c00 and 0x3c01 */
    assert_int_equal(half_from_float(1.0f + 3.0f / 2048), 0x3c02);      /* between 0x3c01 and 0x3c02 */
    assert_int_equal(half_from_float(ldexpf(1.0f, -25)), 0x0000);       /* between 0 and 2^-24 */
    assert_int_equal(half_from_float(ldexpf(3.0f, -25)), 0x0002);       /* between 1 and 2 ulp */
    assert_int_equal(half_from_float(nextafterf(1.0f + 1.0f / 2048, 2.0f)), 0x3c01); /* just above a tie */
    /* Every midpoint between two adjacent finite halves goes to the even one. */
    for (uint32_t h = 0; h < 0x7bff; h++) {
        float mid = (half_to_float((uint16_t)h) + half_to_float((uint16_t)(h + 1))) / 2;
        assert_int_equal(half_from_float(mid), (h & 1u) ? h + 1 : h);
        assert_int_equal(half_from_float(-mid), 0x8000u | ((h & 1u) ? h + 1 : h));
    }
}

static void overflow_and_nan(void **state)
{
    (void)state;
    assert_int_equal(half_from_float(65520.0f), 0x7c00);   /* the tie above the largest half: infinity */
    assert_int_equal(half_from_float(65519.0f), 0x7bff);
    assert_int_equal(half_from_float(-1e30f), 0xfc00);
    assert_int_equal(half_from_float(INFINITY), 0x7c00);
    uint16_t n = half_from_float(NAN);
    assert_true((n & 0x7c00u) == 0x7c00u && (n & 0x3ffu));
    assert_true(isnan(half_to_float(n)));
    /* A NaN whose payload sits only in bits a half drops stays a NaN, not an infinity. */
    assert_true(isnan(half_to_float(half_from_float(from_bits(0x7f800001u)))));
    assert_true(isnan(half_bf16_to_float(half_bf16_from_float(from_bits(0x7f800001u)))));
}

static void every_half_round_trips(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = half_to_float((uint16_t)h);
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu)) {
            assert_true(isnan(f));
            assert_true(isnan(half_to_float(half_from_float(f))));
            continue;
        }
        assert_int_equal(half_from_float(f), h);
    }
}

static void agrees_with_compiler_float16(void **state)
{
    (void)state;
    /* A sweep through every exponent with varied low bits, both signs. */
    for (uint64_t x = 0; x <= 0xffffffffu; x += 65521) {
        float f = from_bits((uint32_t)x);
        if (isnan(f))
            continue;
        _Float16 ref = (_Float16)f;
        uint16_t want;
        memcpy(&want, &ref, sizeof want);
        assert_int_equal(half_from_float(f), want);
        assert_true(half_to_float(want) == (float)ref);
    }
}

static void bfloat16(void **state)
{
    (void)state;
    assert_int_equal(half_bf16_from_float(1.0f), 0x3f80);
    assert_true(half_bf16_to_float(0x3f80) == 1.0f);
    assert_int_equal(half_bf16_from_float(from_bits(0x3f808000u)), 0x3f80); /* tie: even */
    assert_int_equal(half_bf16_from_float(from_bits(0x3f818000u)), 0x3f82); /* tie: even */
    assert_int_equal(half_bf16_from_float(from_bits(0x3f808001u)), 0x3f81);
    assert_int_equal(half_bf16_from_float(from_bits(0x7f7fffffu)), 0x7f80); /* overflow: infinity */
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = half_bf16_to_float((uint16_t)h);
        if (!isnan(f))
            assert_int_equal(half_bf16_from_float(f), h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_values),
        cmocka_unit_test(ties_round_to_even),
        cmocka_unit_test(overflow_and_nan),
        cmocka_unit_test(every_half_round_trips),
        cmocka_unit_test(agrees_with_compiler_float16),
        cmocka_unit_test(bfloat16),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
