/* Kernel variants: what a variant fixes at compile time, and the entry of a variant list. The lists
   (variants-avx2.inc, variants-avx512.inc) name every variant once; their rows expand into the kernels' definitions
   (one translation unit per strategy and ISA, see variant-list.h), into the dispatch tables (dispatch/choose.h)
   and into the test that forces each variant (test/variant_test.c). */
#ifndef PK_VARIANT_H
#define PK_VARIANT_H
#include "../pool-plan.h"

/* How a window's taps combine. Min pooling is max pooling of negated values, negated back. An average's sum is
   exact (taps in the definition's order, one division: PyTorch's bits) or relaxed (PK_PRECISION_RELAXED: taps in
   any order, times the divisor's reciprocal; held to the relaxed bound). */
enum pk_reduce { PK_REDUCE_SUM, PK_REDUCE_MAX, PK_REDUCE_MIN, PK_REDUCE_SUM_RELAXED, PK_REDUCES };

/* Whether a reduction is an average's sum, exact or relaxed (the others are extrema). */
static inline int pk_reduce_sums(int reduce) { return reduce == PK_REDUCE_SUM || reduce == PK_REDUCE_SUM_RELAXED; }

/* The SIMD strategies; each has its own header here (across.h ...) with its idea in the opening comment.
   Lower-case names, so that a list row names its strategy as its file does. */
enum pk_strategy {
    PK_STRATEGY_across,  /* across channels, over tap lists */
    PK_STRATEGY_big,     /* across channels, windows too big for tap lists */
    PK_STRATEGY_along,   /* channels first, along the output width */
    PK_STRATEGY_tiles,   /* channels first, through channels-last tiles */
    PK_STRATEGY_whole,   /* channels first, windows over whole planes */
    PK_STRATEGY_planes,  /* channels first, small planes in registers */
    PK_STRATEGY_pairs,   /* channels first, windows two or three wide with stride two along the width */
    PK_STRATEGY_rolling, /* channels first, 3x3 stride-1 windows, each input row read once for its output rows */
    PK_STRATEGY_sweep,   /* channels last, windows over whole planes, read once, running values in the output */
    PK_STRATEGIES
};

/* What a variant fixes at compile time. Strategies take it by value into always-inline functions, so that
   each test of a field folds away in the variant. */
typedef struct pk_kind {
    int reduce;    /* enum pk_reduce */
    int indices;   /* writes the plane index of each max or min */
    int propagate; /* max and min: a NaN wins (PK_NAN_PROPAGATE) */
    int param;     /* the strategy's own: across, channels contiguous (1) or gathered (0); along, the stride
                      (1, 2, or 0: any, gathered); tiles, the kernel width (2, 3, or 0: any); pairs, the kernel
                      width (3, or 0: two); rolling and sweep, 0 */
} pk_kind;

/* One row of a variant list, as the dispatch tables hold it. */
typedef struct pk_variant {
    const char* name;      /* the kernel's name, e.g. "pk_f32_max_tiles_k3_nan__avx512" */
    const char* path_name; /* "<level>:<strategy>", e.g. "avx512:tiles", "avx512:tiles-relaxed" */
    pk_pool_kernel_fn kernel;
    int32_t strategy; /* enum pk_strategy */
    pk_kind kind;
} pk_variant;

/* The dense key of (strategy, kind) the chooser looks variants up by. */
#define PK_VARIANT_KEY(strategy, reduce, indices, propagate, param) \
    ((((((strategy)*PK_REDUCES + (reduce)) * 2 + (indices)) * 2 + (propagate)) * 4) + (param))
#define PK_VARIANT_KEYS (PK_STRATEGIES * PK_REDUCES * 2 * 2 * 4)

/* Per SIMD level (dispatch/choose-<isa>.c): the variant list as a table (path p is entry p - 1; path 0 is the
   op's scalar kernel), the path the level chooses for a plan, and whether a variant computes a plan correctly
   (the chooser picks among the variants that do; the tests force every one of them). */
typedef struct pk_variant_table {
    const pk_variant* variants;
    int32_t count;
} pk_variant_table;

pk_variant_table pk_variants__avx2(void);
int32_t pk_choose__avx2(const pk_plan* plan, int32_t op, int with_indices);
int pk_variant_accepts__avx2(const pk_variant* variant, const pk_plan* plan, int with_indices);
pk_variant_table pk_variants__avx512(void);
int32_t pk_choose__avx512(const pk_plan* plan, int32_t op, int with_indices);
int pk_variant_accepts__avx512(const pk_variant* variant, const pk_plan* plan, int with_indices);

#endif
