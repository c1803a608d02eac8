/* Big windows across channels: channels last with contiguous channels, windows too large for tap lists (global
   pooling of big planes, kernels of more than PK_MAX_TAPS taps). Each pixel walks its window's taps in row-major
   order, up to PK_UNROLL vectors of channels at a time. (Channels first, whole planes have a strategy of their
   own, whole.h; other large channels-first windows keep the scalar kernel.) kind.param is 1: contiguous. */
#ifndef PK_POOL_BIG_H
#define PK_POOL_BIG_H
#include "../simd/accumulate.h"

PK_INLINE void rows_big_windows(const pk_plan* p, const float* input, float* output, int64_t* indices,
                                int64_t row_begin, int64_t row_end, const pk_kind k) {
    const pk_axis* ax = p->axis;
    const int64_t cs = p->in_stride[PK_C], out_cs = p->out_stride[PK_C];
    const vi channel_offsets = vi_lanes_times(cs);
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_of(&ax[0], od);
        w[1] = pk_window_of(&ax[1], oh);
        const float* in = input + n * p->in_stride[PK_N] + c0 * cs;
        for (int64_t ow = 0; ow < ax[2].out; ow++) {
            w[2] = pk_window_of(&ax[2], ow);
            const int64_t first =
                (pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in + pk_window_first_coordinate(&ax[1], &w[1]))
                    * ax[2].in
                + pk_window_first_coordinate(&ax[2], &w[2]);
            const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, w);
            const int64_t o = n * p->out_stride[PK_N] + c0 * out_cs + od * p->out_stride[PK_D]
                              + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
            for (int64_t c = 0; c < channels_per_row; c += PK_UNROLL * PK_VW) {
                int64_t count[PK_UNROLL];
                acc a[PK_UNROLL];
                for (int u = 0; u < PK_UNROLL; u++) {
                    count[u] = channels_per_row - c - u * PK_VW < PK_VW ? channels_per_row - c - u * PK_VW : PK_VW;
                    acc_init(&a[u], vi_set1(first), k);
                }
                PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
                    const vi idx = vi_set1(k.indices ? (id * ax[1].in + ih) * ax[2].in + iw : 0);
                    for (int u = 0; u < PK_UNROLL; u++)
                        if (count[u] > 0)
                            acc_update(&a[u],
                                       load_value(load_channels(in + tap + (c + u * PK_VW) * cs, count[u],
                                                                channel_offsets, k.param),
                                                  k),
                                       idx, k);
                }
                for (int u = 0; u < PK_UNROLL; u++)
                    if (count[u] > 0)
                        store_channels(&a[u], divisor,
                                       (channel_dest){output + o + (c + u * PK_VW) * out_cs,
                                                      k.indices ? indices + o + (c + u * PK_VW) * out_cs : 0, out_cs},
                                       count[u], k);
            }
        }
    }
}

/* Whether big windows compute p: channels last, contiguous channels. */
static inline int big_fits(const pk_plan* p) {
    return p->layout == PK_LAYOUT_NHWC && p->in_stride[PK_C] == 1 && p->out_stride[PK_C] == 1;
}

#endif
