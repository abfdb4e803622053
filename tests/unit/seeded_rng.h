/* seeded_rng.h — a small deterministic generator (xorshift64*) for tests that need reproducible
 * random data: uniform in [0, 1) and standard normal. One state per test binary, reseeded by assigning rng.
 *
 * Ownership: no allocation; the state is a static of the including file. */
#ifndef QRC_TEST_SEEDED_RNG_H
#define QRC_TEST_SEEDED_RNG_H

#include <math.h>
#include <stdint.h>

static uint64_t rng = 88172645463325252ull;

static inline double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static inline double gaussian(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

#endif
