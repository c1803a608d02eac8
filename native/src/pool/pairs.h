/* Pairs along the width: channels first, windows two wide with stride two along w, none reaching past a row's ends
   (the downsampling of most CNNs: 2x2 or 2x2x2, stride 2). Each output row is vectorized along its width: a window
   row's two taps for PK_VW outputs are the even and the odd elements of one stretch of the input row (deinterleaving
   loads), added to the accumulator in the definition's order (the window rows along d and h in order, then kw 0
   and 1), so results are the scalar kernel's bit for bit. Without tap lists, index lanes or border cases, a row
   costs little more than its loads: S7's 3d max pooling reads at the machine's streaming rate, where the tiles'
   transposes and the general along-width loop fell behind it. Windows along d and h may be any sliding windows. No
   indices (those runs take the other strategies). */
#ifndef PK_POOL_PAIRS_H
#define PK_POOL_PAIRS_H
#include "../simd/accumulate.h"

/* Outputs [ow, ow + n) of one output row, n <= PK_VW; `full` promises that row[2*ow .. 2*ow + 2*PK_VW) may be read.
   fixed_rows is row_count as a compile-time constant (2, 4) so that the loop unrolls, or 0. */
PK_INLINE void pairs_chunk(const float* const* rows, int64_t row_count, const int fixed_rows, divide_by divisor,
                           int64_t ow, int64_t n, const int full, float* out, const pk_kind k) {
    acc a;
    acc_init(&a, vi_set1(0), k);
    const int64_t count = fixed_rows ? fixed_rows : row_count;
    for (int64_t r = 0; r < count; r++) {
        const float* at = rows[r] + 2 * ow;
        vf even, odd;
        if (full) vf_load_pairs(at, &even, &odd);
        else vf_load_pairs_n(at, n, &even, &odd);
        acc_update_pair(&a, load_value(even, k), load_value(odd, k), k);
    }
    acc_result(&a, divisor, out + ow, 0, n, k);
}

/* One output row's outputs, whole vectors; the rest as one more whole vector that ends at the row's last output (it
   computes some outputs again, to the same values) when the row has a vector of outputs, else one partial vector.
   Every whole vector's inputs lie in the row (2 outs <= in_w, pairs_fit). */
PK_INLINE void pairs_row(const float* const* rows, int64_t row_count, const int fixed_rows, divide_by divisor,
                         int64_t outs, float* out, const pk_kind k) {
    int64_t ow = 0;
    for (; ow + PK_VW <= outs; ow += PK_VW) pairs_chunk(rows, row_count, fixed_rows, divisor, ow, PK_VW, 1, out, k);
    if (ow < outs) {
        if (outs >= PK_VW) pairs_chunk(rows, row_count, fixed_rows, divisor, outs - PK_VW, PK_VW, 1, out, k);
        else pairs_chunk(rows, row_count, fixed_rows, divisor, ow, outs - ow, 0, out, k);
    }
}

PK_INLINE void rows_in_pairs(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                             const pk_kind k) {
    const pk_axis* ax = p->axis;
    int64_t lo[2], hi[2];
    for (int i = 0; i < 2; i++) pk_interior(&ax[i], &lo[i], &hi[i]);
    int64_t n, c, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_fast(&ax[0], od, lo[0], hi[0]);
        w[1] = pk_window_fast(&ax[1], oh, lo[1], hi[1]);
        w[2] = (pk_window){0, 0, 2, 2};
        const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, w);
        const float* plane = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        /* the window's input rows, in the definition's order; at most PK_MAX_TAPS / 2 of them */
        const float* rows[PK_MAX_TAPS / 2];
        int64_t row_count = 0;
        for (int64_t jd = w[0].first; jd < w[0].last; jd++)
            for (int64_t jh = w[1].first; jh < w[1].last; jh++)
                rows[row_count++] = plane + (w[0].origin + jd * ax[0].dilation) * p->in_stride[PK_D]
                                    + (w[1].origin + jh * ax[1].dilation) * p->in_stride[PK_H];
        float* out = output + n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                     + oh * p->out_stride[PK_H];
        if (row_count == 4) pairs_row(rows, 4, 4, divisor, ax[2].out, out, k);
        else if (row_count == 2) pairs_row(rows, 2, 2, divisor, ax[2].out, out, k);
        else pairs_row(rows, row_count, 0, divisor, ax[2].out, out, k);
    }
}

/* Whether pairs compute p: channels first, unit w-strides, sliding windows, along w two wide with stride two
   inside the row (no padding, the last window within the input), and at most PK_MAX_TAPS / 2 window rows. */
static inline int pairs_fit(const pk_plan* p) {
    const pk_axis* ax = p->axis;
    for (int i = 0; i < 3; i++)
        if (ax[i].window != PK_WINDOW_SLIDING) return 0;
    return p->layout == PK_LAYOUT_NCHW && p->in_stride[PK_W] == 1 && p->out_stride[PK_W] == 1 && ax[2].kernel == 2
           && ax[2].stride == 2 && ax[2].dilation == 1 && ax[2].pad_begin == 0 && 2 * ax[2].out <= ax[2].in
           && pk_kernel_volume(p) <= PK_MAX_TAPS;
}

#endif
