/* What the C test programs share: pass and fail counters with CHECK, and a seeded splitmix64 generator. */
#ifndef PK_TEST_CHECK_H
#define PK_TEST_CHECK_H
#include <stdint.h>
#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...) \
    do { \
        if (cond) { \
            passed++; \
        } else { \
            failed++; \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__); \
            fprintf(stderr, "\n"); \
        } \
    } while (0)

static uint64_t rng_state;          /* each program seeds it */
static uint64_t next_random(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static int64_t uniform(int64_t lo, int64_t hi) { return lo + (int64_t)(next_random() % (uint64_t)(hi - lo + 1)); }

#endif
