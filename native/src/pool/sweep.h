/* Sweeps: channels last, dense, windows that each cover a whole plane (global pooling, or an adaptive output of
   size 1), without indices. A pixel's window is then its plane, positions in memory order one after another, so the
   plane is read once as one stream: PK_SWEEP_POSITIONS positions at a time, their channels are reduced into the
   output, which holds the running sums or maxima between positions (a float stored and read back is the same float, so
   each channel's chain is the definition's, from the same start and in the window's order). A max that propagates
   NaN keeps a NaN once one arrives, which marks the lanes that saw one. Across channels keeps the running values in
   registers instead and reads every position of the window for each run of channels, one stream per position: 2048
   channels of 7x7, kernel alone on a Zen 5, AVX-512: averages 3.6 -> 2.0 us. Channels go in blocks whose running
   values stay in L1. */
#ifndef PK_POOL_SWEEP_H
#define PK_POOL_SWEEP_H
#include "../simd/accumulate.h"

#define PK_SWEEP_BLOCK 2048 /* channels whose running values the output holds at a time: 8 KiB, in L1 */
#define PK_SWEEP_UNROLL 4
/* Fewer channels fit across's registers in one run, which reads each position once too (64 channels of 14x14: 0.42
   us across, 0.73 swept; 128 channels: even; 256 channels of 7x7: 0.53 -> 0.43) */
#define PK_SWEEP_CHANNELS 256

/* Whether every output is one window over its whole plane, channels last and dense. */
static inline int sweep_fits(const pk_plan* p) {
    return p->dense && p->layout == PK_LAYOUT_NHWC && pk_windows_whole(p);
}

/* Positions a pass adds into registers before it stores the running values, which keeps each chain the definition's
   and halves the stores and reloads of the running values. 2048 channels of 7x7, kernel alone on a Zen 4, medians
   of batches: AVX-512 4.40 -> 3.7-4.0 us, AVX2 3.85 -> 3.6-3.7 (the range: the output's offset in its page against
   the input's). Three or more positions measured slower (4.25 at 3, 4.40 at 4, 4.85 at 8): their rows, a plane's
   row of channels apart, compete for the same sets of the L1. */
#define PK_SWEEP_POSITIONS 2

/* Channels [0, n) (n <= PK_VW) of `positions` positions, `step` elements apart from `at`: into the running values at
   `run` (from the accumulator's start when `first`), and after the last position into the output's results when
   `last`. */
PK_INLINE void sweep_vector(const float* at, int64_t step, const int positions, float* run, int64_t n, const int first,
                            const int last, divide_by divisor, const pk_kind k) {
    acc a;
    acc_init(&a, vi_set1(0), k);
    if (!first) a.value = n == PK_VW ? vf_loadu(run) : vf_load_n(run, n);
    for (int j = 0; j < positions; j++) {
        const vf v = load_value(n == PK_VW ? vf_loadu(at + j * step) : vf_load_n(at + j * step, n), k);
        if (pk_reduce_sums(k.reduce)) a.value = vf_add(a.value, v);
        else if (k.propagate) a.value = vf_select(vf_isnan(v), v, vf_max(v, a.value)); /* a NaN stays: v > NaN fails */
        else a.value = vf_max(v, a.value);
    }
    if (last) {
        if (k.propagate) a.no_nan = vm_and_ordered(a.no_nan, a.value, a.value);
        acc_result(&a, divisor, run, 0, n, k);
    } else if (n == PK_VW) vf_storeu(run, a.value);
    else vf_store_n(run, a.value, n);
}

/* `block` channels of `positions` positions into the running values at `run`. */
PK_INLINE void sweep_positions(const float* at, int64_t step, const int positions, float* run, int64_t block,
                               const int first, const int last, divide_by divisor, const pk_kind k) {
    int64_t c = 0;
    for (; c + PK_SWEEP_UNROLL * PK_VW <= block; c += PK_SWEEP_UNROLL * PK_VW)
#pragma GCC unroll 4
        for (int u = 0; u < PK_SWEEP_UNROLL; u++)
            sweep_vector(at + c + u * PK_VW, step, positions, run + c + u * PK_VW, PK_VW, first, last, divisor, k);
    for (; c < block; c += PK_VW)
        sweep_vector(at + c, step, positions, run + c, block - c < PK_VW ? block - c : PK_VW, first, last, divisor, k);
}

/* Rows [row_begin, row_end) of a plan sweep_fits accepts: row r is image r, its output pixel the r-th. */
PK_INLINE void rows_sweep(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                          const pk_kind k) {
    const int64_t channels = p->channels, positions = p->plane_size;
    pk_window whole[3];
    for (int i = 0; i < 3; i++) whole[i] = pk_window_of(&p->axis[i], 0);
    const divide_by divisor = pk_reduce_sums(k.reduce) ? window_divide(p, whole) : PK_NO_DIVISION;
    for (int64_t r = row_begin; r < row_end; r++)
        for (int64_t c = 0; c < channels; c += PK_SWEEP_BLOCK) {
            const int64_t block = channels - c < PK_SWEEP_BLOCK ? channels - c : PK_SWEEP_BLOCK;
            const float* in = input + r * p->in_stride[PK_N] + c;
            float* run = output + r * p->out_stride[PK_N] + c;
            int64_t x = 0;
            for (; x + PK_SWEEP_POSITIONS < positions; x += PK_SWEEP_POSITIONS)
                sweep_positions(in + x * channels, channels, PK_SWEEP_POSITIONS, run, block, x == 0, 0, divisor, k);
            if (positions - x == 1) sweep_positions(in + x * channels, channels, 1, run, block, x == 0, 1, divisor, k);
            else sweep_positions(in + x * channels, channels, PK_SWEEP_POSITIONS, run, block, x == 0, 1, divisor, k);
        }
}

#endif
