/* Along the width: channels first, each output row vectorized along its width, PK_UNROLL vectors at a time that
   share each tap (which hides the latency of the ordered chains), for the outputs whose windows lie inside the
   input along w. Stride 1 loads plainly, stride 2 with deinterleaving loads, other strides gather (kind.param: 1,
   2, or 0 for any). Border outputs, whose windows reach into the padding, go across channels afterwards (a vector
   of channels at a time instead of one output) when tap lists hold the window, else one by one through the
   scalar definitions. */
#ifndef PK_POOL_ALONG_H
#define PK_POOL_ALONG_H
#include "across.h"

/* Lanes row[x + i*stride]; stride_kind 1 and 2 are compile-time strides, 0 any other (gathered). */
PK_INLINE vf load_taps(const float* row, int64_t x, vi gather_offsets, int64_t n, const int full,
                       const int stride_kind) {
    if (stride_kind == 1) return full ? vf_loadu(row + x) : vf_load_n(row + x, n);
    if (stride_kind == 2) return full ? vf_load_even(row + x) : vf_load_even_n(row + x, n);
    return vf_gather_n(row + x, gather_offsets, n);
}

/* One output row's plane and its windows along d and h. */
typedef struct along_row {
    const pk_plan* p;
    const float* plane;
    const pk_window* w;
} along_row;

/* Outputs [ow, ow + count) of one row, all inside the input along w, count <= PK_UNROLL * PK_VW: up to
   PK_UNROLL independent vectors share each tap. The first `whole` vectors are whole and may be read whole (for
   stride 2, one element past them too); the others read only their lanes. */
PK_INLINE void row_chunk(along_row row_of, divide_by divisor, int64_t ow, int64_t count, const int whole,
                         channel_dest dest, vi lane_offsets, const pk_kind k) {
    const pk_plan* p = row_of.p;
    const pk_window* w = row_of.w;
    const pk_axis* ax = p->axis;
    const int64_t x0 = ow * ax[2].stride - ax[2].pad_begin, vector_stride = PK_VW * ax[2].stride;
    const int64_t first_row =
        pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in + pk_window_first_coordinate(&ax[1], &w[1]);
    int64_t n[PK_UNROLL];
    acc a[PK_UNROLL];
    for (int u = 0; u < PK_UNROLL; u++) {
        n[u] = u < whole || count - u * PK_VW >= PK_VW ? PK_VW : count - u * PK_VW; /* constant for whole ones */
        acc_init(&a[u], vi_add(vi_set1(first_row * ax[2].in + x0 + u * vector_stride), lane_offsets), k);
    }
    const int track_index = !pk_reduce_sums(k.reduce) && (k.indices || k.propagate);
    for (int64_t jd = w[0].first; jd < w[0].last; jd++) {
        const int64_t id = w[0].origin + jd * ax[0].dilation;
        for (int64_t jh = w[1].first; jh < w[1].last; jh++) {
            const int64_t ih = w[1].origin + jh * ax[1].dilation;
            const float* row = row_of.plane + id * p->in_stride[PK_D] + ih * p->in_stride[PK_H];
            const int64_t row_index = (id * ax[1].in + ih) * ax[2].in;
            for (int64_t jw = 0; jw < ax[2].kernel; jw++) {
                const int64_t x = x0 + jw * ax[2].dilation;
                for (int u = 0; u < PK_UNROLL; u++) {
                    if (n[u] <= 0) continue;
                    const int64_t xu = x + u * vector_stride;
                    vf v = load_value(load_taps(row, xu, lane_offsets, n[u], u < whole, k.param), k);
                    acc_update(&a[u], v, track_index ? vi_add(vi_set1(row_index + xu), lane_offsets) : lane_offsets, k);
                }
            }
        }
    }
    for (int u = 0; u < PK_UNROLL; u++)
        if (n[u] > 0) acc_result(&a[u], divisor, dest.out + u * PK_VW, k.indices ? dest.index + u * PK_VW : 0, n[u], k);
}

PK_INLINE void border_output(const pk_plan* p, const float* plane, const pk_window w[3], float* out, int64_t* index,
                             const pk_kind k) {
    if (!pk_reduce_sums(k.reduce)) pk_extremum_pixel(p, plane, w, out, index, k.reduce == PK_REDUCE_MIN);
    else *out = pk_avg_pixel(p, plane, w);
}

/* The border outputs of rows [row_begin, row_end) across channels (gathered): PK_ALONG_BORDERS, the name the
   including file gives pk_f32_along_borders__<isa> (along-borders-<isa>.c, from across.h). */
void PK_ALONG_BORDERS(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                      int64_t row_end, pk_kind k);

PK_INLINE void rows_along_width(const pk_plan* p, const float* input, float* output, int64_t* indices,
                                int64_t row_begin, int64_t row_end, const pk_kind k) {
    /* border outputs, where windows reach into the padding, go across channels afterwards (16 at a time
       instead of one) when the tap lists allow it */
    const int borders_across_channels = pk_kernel_volume(p) <= PK_MAX_TAPS && p->in_stride[PK_C] <= INT32_MAX / PK_VW;
    const pk_axis* ax = p->axis;
    int64_t lo[3], hi[3];
    for (int i = 0; i < 3; i++) pk_interior(&ax[i], &lo[i], &hi[i]);
    const vi lane_offsets = vi_lanes_times(ax[2].stride);
    int64_t n, c, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_fast(&ax[0], od, lo[0], hi[0]);
        w[1] = pk_window_fast(&ax[1], oh, lo[1], hi[1]);
        const float* plane = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        const int64_t o =
            n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
        float* out = output + o;
        int64_t* index = k.indices ? indices + o : 0;
        for (int64_t ow = 0; ow < (borders_across_channels ? 0 : lo[2]); ow++) {
            w[2] = pk_window_of(&ax[2], ow);
            border_output(p, plane, w, &out[ow], k.indices ? &index[ow] : 0, k);
        }
        /* every interior output of the row has the same divisor */
        w[2] = (pk_window){0, 0, ax[2].kernel, ax[2].kernel};
        const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, w);
        const along_row row_of = {p, plane, w};
        int64_t ow = lo[2];
        /* stride 2 reads one element past a full vector, so a full load needs one more interior output */
        const int64_t full_end = k.param == 2 ? hi[2] - 1 : hi[2];
        for (; ow + PK_UNROLL * PK_VW <= full_end; ow += PK_UNROLL * PK_VW)
            row_chunk(row_of, divisor, ow, PK_UNROLL * PK_VW, PK_UNROLL,
                      (channel_dest){out + ow, k.indices ? index + ow : 0, 1}, lane_offsets, k);
        if (ow < hi[2]) {
            /* the rest, fewer than PK_UNROLL vectors: its whole vectors still read plainly, only the last one
               masked (rows of 56 outputs have no whole chunk: 3x3 stride 2 max over 64 planes of 112x112,
               AVX-512, kernel alone: 303 -> 235 us; of 224x224: 1,005 -> 865 us) */
            const channel_dest dest = {out + ow, k.indices ? index + ow : 0, 1};
            const int64_t whole = full_end > ow ? (full_end - ow) / PK_VW : 0;
            _Static_assert(PK_UNROLL == 4, "one case per count of whole vectors below PK_UNROLL");
            switch (whole) { /* a constant count of whole vectors keeps each load's kind out of the tap loop */
            case 0: row_chunk(row_of, divisor, ow, hi[2] - ow, 0, dest, lane_offsets, k); break;
            case 1: row_chunk(row_of, divisor, ow, hi[2] - ow, 1, dest, lane_offsets, k); break;
            case 2: row_chunk(row_of, divisor, ow, hi[2] - ow, 2, dest, lane_offsets, k); break;
            default: row_chunk(row_of, divisor, ow, hi[2] - ow, 3, dest, lane_offsets, k); break;
            }
        }
        for (ow = hi[2]; ow < (borders_across_channels ? hi[2] : ax[2].out); ow++) {
            w[2] = pk_window_of(&ax[2], ow);
            border_output(p, plane, w, &out[ow], k.indices ? &index[ow] : 0, k);
        }
    }
    if (borders_across_channels && (lo[2] > 0 || hi[2] < ax[2].out))
        PK_ALONG_BORDERS(p, input, output, indices, row_begin, row_end, k);
}

/* Whether along the width computes p with stride kind `stride_kind`: channels first, unit w-strides, gather
   offsets that fit in int32 lanes, and the stride the variant loads with. */
static inline int along_fits(const pk_plan* p, const int stride_kind) {
    const pk_axis* ax = p->axis;
    if (p->layout != PK_LAYOUT_NCHW || p->in_stride[PK_W] != 1 || p->out_stride[PK_W] != 1) return 0;
    if (ax[2].stride > INT32_MAX / (2 * PK_VW)) return 0; /* gather offsets */
    return stride_kind == 0 || ax[2].stride == stride_kind;
}

#endif
