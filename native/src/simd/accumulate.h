/* What every SIMD strategy shares, over the vocabulary of vec-avx2.h or vec-avx512.h (included first): a running
   max (with its index and NaN state) or a running sum per lane, and how it ends in an output. Each SIMD kernel
   computes exactly what the scalar kernels define (same values bit for bit, same indices, same NaN and tie
   rules): it visits a window's taps in the same row-major order and divides a sum once by the same divisor.
   Relaxed averages (PK_REDUCE_SUM_RELAXED) are the exception: they may add in any order and multiply by the
   reciprocal, and are held to the relaxed bound instead (poolkit.h, PK_PRECISION_RELAXED).
   Min pooling is max pooling of negated values, negated back: exact, since negation is, and `v < min` is
   `-v > -min`. Indices ride along as int32 lanes, so planes larger than INT32_MAX go to the scalar kernels. */
#ifndef PK_ACCUMULATE_H
#define PK_ACCUMULATE_H
#include <limits.h>
#include <math.h>

#include "../pool-window.h"
#include "../pool/variant.h"
#include "../scalar/pool-scalar.h"

#define PK_INLINE static inline __attribute__((always_inline))

#define PK_UNROLL 4
#define PK_MAX_TAPS 256

typedef struct acc {
    vf value;      /* max so far, or sum */
    vi best_index; /* max with indices */
    vm no_nan;     /* max, NaN propagating: the lanes that have seen no NaN */
    vi nan_index;
} acc;

PK_INLINE void acc_init(acc* a, vi first_index, const pk_kind k) {
    a->value = vf_set1(!pk_reduce_sums(k.reduce) ? -INFINITY : 0.0f);
    a->best_index = first_index;
    a->no_nan = vm_all();
    a->nan_index = first_index;
}

PK_INLINE void acc_update(acc* a, vf v, vi index, const pk_kind k) {
    if (pk_reduce_sums(k.reduce)) {
        a->value = vf_add(a->value, v);
        return;
    }
    if (k.indices) {
        vm greater = vf_gt(v, a->value);
        a->value = vf_select(greater, v, a->value);
        a->best_index = vi_select(greater, index, a->best_index);
    } else {
        a->value = vf_max(v, a->value); /* v > max ? v : max, so a NaN v is skipped here */
    }
    if (k.propagate) {
        if (k.indices) a->nan_index = vi_select(vf_isnan(v), index, a->nan_index);
        a->no_nan = vm_and_ordered(a->no_nan, v, v);
    }
}

/* Two taps in the definition's order, first then second, without indices: one NaN test covers both. */
/* Adds v to a sum; on the multiplier's pipes when `by_multiplier` (vf_add_by_multiplier, the same bits). Kernels bound
   by their additions alternate it between chains: a Zen 4 issues one 512-bit addition per cycle, its two 256-bit
   halves on both adders, and as many multiply-adds beside them (S4 NHWC, AVX-512, kernel alone: 45-46 -> 40.5-41 us). */
PK_INLINE void acc_add(acc* a, vf v, const int by_multiplier) {
    a->value = by_multiplier ? vf_add_by_multiplier(a->value, v) : vf_add(a->value, v);
}

PK_INLINE void acc_update_pair(acc* a, vf first, vf second, const pk_kind k) {
    if (pk_reduce_sums(k.reduce)) {
        a->value = vf_add(vf_add(a->value, first), second);
        return;
    }
    a->value = vf_max(second, vf_max(first, a->value));
    if (k.propagate) a->no_nan = vm_and_ordered(a->no_nan, first, second);
}

/* A max's result, negated back for min pooling; where a NaN was seen (not in no_nan) and NaNs propagate, the
   canonical quiet NaN (0x7fc00000, positive, as every level gives: see pk_extremum_pixel). */
PK_INLINE vf extremum_result(vf max, vm no_nan, const pk_kind k) {
    const vf result = k.reduce == PK_REDUCE_MIN ? vf_neg(max) : max;
    return k.propagate ? vf_select(no_nan, result, vf_set1(NAN)) : result;
}

/* A max's index: the last NaN's where a NaN was seen and NaNs propagate. */
PK_INLINE vi acc_index(const acc* a, const pk_kind k) {
    return k.propagate ? vi_select(a->no_nan, a->best_index, a->nan_index) : a->best_index;
}

/* An average's division: by its window's divisor (0: the average is 0), or, for adaptive averages with some
   output size above 1, by each axis's bin length in turn, as the scalar kernel (and PyTorch) divides. A relaxed
   average multiplies by the reciprocal instead (pk_avg_reciprocal). */
typedef struct divide_by {
    int64_t divisor;
    int per_axis;
    float length[3];
    float reciprocal;
} divide_by;

static inline divide_by window_divide(const pk_plan* p, const pk_window w[3]) {
    divide_by d = {pk_avg_divisor(p, w), pk_adaptive_per_axis(p), {0}, pk_avg_reciprocal(p, w)};
    for (int i = 0; i < 3; i++) d.length[i] = (float)(w[i].last - w[i].first);
    return d;
}

#define PK_NO_DIVISION ((divide_by){0, 0, {0}, 0}) /* a max's */

/* Final values of n lanes into values[0..n) (and indices); `by` is the average's division. */
PK_INLINE void acc_result(const acc* a, divide_by by, float* values, int64_t* indices, int64_t n, const pk_kind k) {
    const vf result = !pk_reduce_sums(k.reduce)           ? extremum_result(a->value, a->no_nan, k)
                      : k.reduce == PK_REDUCE_SUM_RELAXED ? vf_mul(a->value, vf_set1(by.reciprocal))
                      : by.per_axis     ? vf_div(vf_div(vf_div(a->value, vf_set1(by.length[0])), vf_set1(by.length[1])),
                                                 vf_set1(by.length[2]))
                      : by.divisor == 0 ? vf_set1(0.0f)
                                        : vf_div(a->value, vf_set1((float)by.divisor));
    if (n >= PK_VW) vf_storeu(values, result);
    else vf_store_n(values, result, n);
    if (k.indices) vi_store_i64_n(indices, acc_index(a, k), n);
}

/* A loaded value as the accumulator sees it: negated for min pooling. */
PK_INLINE vf load_value(vf v, const pk_kind k) { return k.reduce == PK_REDUCE_MIN ? vf_neg(v) : v; }

/* The identity of a reduction, which leaves every result unchanged bit for bit: -inf never wins a max (min
   pooling works on negated values), and x + -0.0 == x for every x. */
PK_INLINE vf reduce_identity(const pk_kind k) { return vf_set1(!pk_reduce_sums(k.reduce) ? -INFINITY : -0.0f); }

/* n channels `cs` elements apart (contiguous: cs == 1). */
PK_INLINE vf load_channels(const float* p, int64_t n, vi channel_offsets, const int contiguous) {
    if (contiguous) return n >= PK_VW ? vf_loadu(p) : vf_load_n(p, n);
    return vf_gather_n(p, channel_offsets, n);
}

/* Where the results of a run of channels go: values, indices (with them), and the channel stride. */
typedef struct channel_dest {
    float* out;
    int64_t* index;
    int64_t cs;
} channel_dest;

/* n lanes of a into channels of dest; k.param says whether they are contiguous. */
PK_INLINE void store_channels(const acc* a, divide_by divisor, channel_dest dest, int64_t n, const pk_kind k) {
    if (k.param) {
        acc_result(a, divisor, dest.out, dest.index, n, k);
        return;
    }
    float values[PK_VW];
    int64_t indices[PK_VW];
    acc_result(a, divisor, values, indices, n, k);
    for (int64_t i = 0; i < n; i++) {
        dest.out[i * dest.cs] = values[i];
        if (k.indices) dest.index[i * dest.cs] = indices[i];
    }
}

#endif
