/* Whole planes: channels first, dense, each window over a whole plane (global pooling, or an adaptive output of
   size 1), without indices. Such a window visits its plane's elements in memory order, and dense planes lie back
   to back. PK_VW planes at a time are read PK_VW elements each and transposed, so that each vector holds one
   position of PK_VW planes, and accumulated position by position: each lane's chain is its plane's, in the
   definition's order. Two groups are in flight, so that their chains overlap. Measured faster than gathering one
   element of PK_VW planes per tap (across channels) from 3x3 planes up (2048 planes of 7x7: 16 -> 11 us); planes
   too large for the tap lists took the scalar kernel before (64 planes of 112x112: 490 -> 124 us for averages).
   Smaller planes go to registers (planes.h). */
#ifndef PK_POOL_WHOLE_H
#define PK_POOL_WHOLE_H
#include "../simd/accumulate.h"

#define PK_WHOLE_SETS 2
#define PK_WHOLE_GATHERED 1 /* positions of a last chunk gathered (see gather_tail); four measured slower */

/* Whether every output is one window over its whole plane, dense channels first. */
static inline int whole_planes(const pk_plan* p) {
    return p->dense && p->layout == PK_LAYOUT_NCHW && pk_windows_whole(p);
}

/* The lane sums of `count` planes from `at` (plane elements apart): position by position, each plane's PK_VW-element
   chunks into its own accumulator, so that the loop over positions runs once for PK_VW planes. */
PK_INLINE void whole_lane_sums(const float* at, int64_t plane, int64_t count, vf lanes[PK_VW]) {
    for (int j = 0; j < PK_VW; j++) lanes[j] = vf_set1(0.0f);
    int64_t x = 0;
    for (; x + PK_VW <= plane; x += PK_VW)
        for (int64_t j = 0; j < count; j++) lanes[j] = vf_add(lanes[j], vf_loadu(at + j * plane + x));
    if (x < plane)
        for (int64_t j = 0; j < count; j++) lanes[j] = vf_add(lanes[j], vf_load_n(at + j * plane + x, plane - x));
}

/* Relaxed averages of whole planes: each plane is added in memory order as PK_VW lane sums, from plain contiguous
   loads, PK_VW planes side by side; the lane sums are transposed once, so that one vector's lanes are PK_VW planes,
   added and multiplied by the reciprocal. No transpose per chunk of positions, as the exact order needs. */
PK_INLINE void rows_whole_planes_relaxed(const pk_plan* p, const float* input, float* output, int64_t row_begin,
                                         int64_t row_end) {
    const int64_t plane = p->plane_size;
    pk_window whole[3];
    for (int i = 0; i < 3; i++) whole[i] = pk_window_of(&p->axis[i], 0);
    const vf reciprocal = vf_set1(pk_avg_reciprocal(p, whole));
    for (int64_t r = row_begin; r < row_end; r += PK_VW) {
        const int64_t count = row_end - r < PK_VW ? row_end - r : PK_VW;
        vf lanes[PK_VW];
        if (count == PK_VW) whole_lane_sums(input + r * plane, plane, PK_VW, lanes); /* a constant count unrolls */
        else whole_lane_sums(input + r * plane, plane, count, lanes);
        vf_transpose(lanes);
        /* a tree: lane sums i and i + step, unrolled so that the sums stay in registers (2048 planes of 7x7,
           AVX-512, kernel alone: 7.8 -> 5.9 us) */
#pragma GCC unroll 4
        for (int step = 1; step < PK_VW; step *= 2)
#pragma GCC unroll 16
            for (int i = 0; i + step < PK_VW; i += 2 * step) lanes[i] = vf_add(lanes[i], lanes[i + step]);
        const vf result = vf_mul(lanes[0], reciprocal);
        if (count == PK_VW) vf_storeu(output + r, result);
        else vf_store_n(output + r, result, count);
    }
}

/* Positions a full set of planes takes at a time, loaded straight into their lanes where the vocabulary can: at
   AVX-512 eight as 256-bit halves (vf_load_columns8; four by 128-bit quarters, whose inserts are shuffles too:
   2048 planes of 7x7 on a Zen 5, 4.8 -> 4.1 us), at AVX2 four as 128-bit halves (a whole 8x8 transpose takes more
   shuffles; four columns against one at a time: AVX-512 8.1 -> 7.5 us on a Xeon). */
#if PK_VW == 16
#define PK_WHOLE_COLUMNS 8
#define whole_load_columns vf_load_columns8
#else
#define PK_WHOLE_COLUMNS 4
#define whole_load_columns vf_load_columns4
#endif

/* Positions [x, x + n) of `count` planes from `at` (plane elements apart), n <= PK_VW, transposed and added position
   by position into a: lane j is plane j's chain. A constant count and n (the common case) keep the loads and the
   accumulator in registers. */
PK_INLINE void whole_chunk(const float* at, int64_t plane, int64_t count, int64_t n, vf identity, acc* a,
                           const pk_kind k) {
    if (count == PK_VW && n == PK_VW) { /* PK_WHOLE_COLUMNS positions at a time, added as they arrive */
#pragma GCC unroll 4
        for (int b = 0; b < PK_VW; b += PK_WHOLE_COLUMNS) {
            vf q[PK_WHOLE_COLUMNS];
            whole_load_columns(at + b, plane, q);
#pragma GCC unroll 8
            for (int i = 0; i < PK_WHOLE_COLUMNS; i++) acc_update(a, load_value(q[i], k), a->best_index, k);
        }
        return;
    }
    vf t[PK_VW];
    for (int j = 0; j < PK_VW; j++)
        t[j] = j >= count ? identity : n == PK_VW ? vf_loadu(at + j * plane) : vf_load_n(at + j * plane, n);
    vf_transpose(t);
    for (int i = 0; i < PK_VW; i++)
        if (i < n) acc_update(a, load_value(t[i], k), a->best_index, k);
}

/* Rows [row_begin, row_end) of a plan whole_planes accepts: row r is plane r, output element r. */
PK_INLINE void rows_whole_planes(const pk_plan* p, const float* input, float* output, int64_t row_begin,
                                 int64_t row_end, const pk_kind k) {
    if (k.reduce == PK_REDUCE_SUM_RELAXED) {
        rows_whole_planes_relaxed(p, input, output, row_begin, row_end);
        return;
    }
    const int64_t plane = p->plane_size;
    pk_window whole[3];
    for (int i = 0; i < 3; i++) whole[i] = pk_window_of(&p->axis[i], 0);
    const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, whole);
    const vf identity = reduce_identity(k);
    /* a last chunk of one position (planes of 7x7, 9x9, 17x17) would cost a whole transpose: full sets of planes
       take it from four columns (half a transpose), the others gather it (2048 planes of 7x7, AVX-512: 10.6 -> 9.4 us
       by gathers on a Xeon; four columns against gathers on a Zen 5: 5.15 -> 4.83 us) */
    const int64_t tail = plane % PK_VW;
    const int gather_tail = tail > 0 && tail <= PK_WHOLE_GATHERED && plane <= INT32_MAX / PK_VW;
    const int64_t transposed = gather_tail ? plane - tail : plane, whole_chunks = transposed / PK_VW * PK_VW;
    const vi plane_offsets = vi_lanes_times(gather_tail ? plane : 0);
    for (int64_t r = row_begin; r < row_end; r += PK_WHOLE_SETS * PK_VW) {
        int64_t count[PK_WHOLE_SETS];
        acc a[PK_WHOLE_SETS];
        int all_full = 1;
        for (int g = 0; g < PK_WHOLE_SETS; g++) {
            const int64_t left = row_end - r - g * PK_VW;
            count[g] = left < 0 ? 0 : left < PK_VW ? left : PK_VW;
            all_full &= count[g] == PK_VW;
            acc_init(&a[g], vi_set1(0), k);
        }
        const float* at = input + r * plane;
        if (all_full) { /* constant counts: the sets' accumulators stay in registers (AVX2 9.0 -> 7.7 us) */
            for (int64_t x = 0; x < whole_chunks; x += PK_VW)
                for (int g = 0; g < PK_WHOLE_SETS; g++)
                    whole_chunk(at + g * PK_VW * plane + x, plane, PK_VW, PK_VW, identity, &a[g], k);
            if (whole_chunks < transposed)
                for (int g = 0; g < PK_WHOLE_SETS; g++)
                    whole_chunk(at + g * PK_VW * plane + whole_chunks, plane, PK_VW, transposed - whole_chunks,
                                identity, &a[g], k);
            if (transposed < plane && plane >= 4) /* the last position: the last of the plane's last four columns */
                for (int g = 0; g < PK_WHOLE_SETS; g++) {
                    vf q[4];
                    vf_load_columns4(at + g * PK_VW * plane + plane - 4, plane, q);
                    acc_update(&a[g], load_value(q[3], k), a[g].best_index, k);
                }
        } else {
            for (int64_t x = 0; x < transposed; x += PK_VW)
                for (int g = 0; g < PK_WHOLE_SETS; g++)
                    if (count[g] > 0)
                        whole_chunk(at + g * PK_VW * plane + x, plane, count[g],
                                    transposed - x < PK_VW ? transposed - x : PK_VW, identity, &a[g], k);
        }
        /* gathered last positions; lanes past count[g] are not read, and never stored */
        for (int64_t x = all_full && plane >= 4 ? plane : transposed; x < plane; x++)
            for (int g = 0; g < PK_WHOLE_SETS; g++)
                if (count[g] > 0)
                    acc_update(&a[g], load_value(vf_gather_n(at + g * PK_VW * plane + x, plane_offsets, count[g]), k),
                               a[g].best_index, k);
        for (int g = 0; g < PK_WHOLE_SETS; g++)
            if (count[g] > 0) acc_result(&a[g], divisor, output + r + g * PK_VW, 0, count[g], k);
    }
}

#endif
