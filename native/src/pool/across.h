/* Across channels: each output pixel is a run of channels, PK_VW at a time in one vector; contiguous for channels last
   (and views whose channels are one apart), gathered from the planes otherwise (channels first, when rows are shorter
   than half a vector, or strided views). The taps of an interior window (one that lies inside the input) are listed
   once per call as element offsets from the window's origin, so each interior pixel is a loop over that list; a line
   at a padded edge in depth or height lists its windows' taps once for the line, and a window at a padded edge along
   the width lists its own. Up to PK_UNROLL vectors of channels (PK_SUM_UNROLL for sums) share each tap; with few
   channels, PK_UNROLL neighbouring pixels run side by side instead, so that their ordered chains overlap. Sums over
   3-wide windows share reads: neighbouring pixels of a line, and of two lines whose windows overlap, take each input
   vector they share at one time, while it is in the L1. The variant's kind.param is 1 for contiguous channels, 0 for
   gathered ones. Relaxed averages add a window's even and odd taps in two chains, which doubles the additions in
   flight, and multiply by the divisor's reciprocal (the division's throughput bounded 3x3 windows over many
   channels). */
#ifndef PK_POOL_ACROSS_H
#define PK_POOL_ACROSS_H
#include "../simd/accumulate.h"
#include "../simd/prefetch.h"

/* Vectors of channels a pixel's sums take at a time: a sum carries nothing but its value, so twice as many chains fit
   the registers, and each tap's read is twice as long (2048 channels of 7x7, kernel alone on a Zen 5: AVX-512 4.4 ->
   3.5 us, AVX2 6.4 -> 4.1 us; relaxed, with two chains per vector, 4.4 -> 3.5 and 6.6 -> 4.4). A max carries its NaN
   state and index too, and spills at 8 on AVX2 (3x3 over 64 channels: 59 -> 75 us). */
#define PK_SUM_UNROLL 8
PK_INLINE int pixel_vectors(const pk_kind k) { return pk_reduce_sums(k.reduce) ? PK_SUM_UNROLL : PK_UNROLL; }

/* Taps as element offsets from a window's origin, with their spatial indices, in row-major window order. */
typedef struct tap_list {
    const int64_t* offset;
    const int64_t* index;
    int64_t count;
} tap_list;

/* The input channels of a pixel: their first element, stride, and the lanes' offsets for gathers. */
typedef struct channel_source {
    const float* in;
    int64_t cs;
    vi offsets;
} channel_source;

/* Channels [0, count) of one output pixel, count <= pixel_vectors(k) * PK_VW, over taps offset[t] from src.in with
   spatial indices index[t]. */
PK_INLINE void pixel_channels(channel_source src, tap_list taps, int64_t first_index, divide_by divisor, int64_t count,
                              channel_dest dest, const pk_kind k) {
    int64_t n[PK_SUM_UNROLL];
    acc a[PK_SUM_UNROLL];
    for (int u = 0; u < PK_SUM_UNROLL; u++) {
        n[u] = u >= pixel_vectors(k) ? 0 : count - u * PK_VW < PK_VW ? count - u * PK_VW : PK_VW;
        acc_init(&a[u], vi_set1(first_index), k);
    }
    if (k.reduce == PK_REDUCE_SUM_RELAXED) { /* even and odd taps in two chains per vector, added at the end */
        vf odd[PK_SUM_UNROLL];
        for (int u = 0; u < PK_SUM_UNROLL; u++) odd[u] = vf_set1(0.0f);
        int64_t t = 0;
        for (; t + 1 < taps.count; t += 2) {
            const float *even_tap = src.in + taps.offset[t], *odd_tap = src.in + taps.offset[t + 1];
            for (int u = 0; u < PK_SUM_UNROLL; u++)
                if (n[u] > 0) {
                    a[u].value =
                        vf_add(a[u].value, load_channels(even_tap + u * PK_VW * src.cs, n[u], src.offsets, k.param));
                    odd[u] = vf_add(odd[u], load_channels(odd_tap + u * PK_VW * src.cs, n[u], src.offsets, k.param));
                }
        }
        for (int u = 0; u < PK_SUM_UNROLL; u++)
            if (n[u] > 0) {
                if (t < taps.count)
                    a[u].value = vf_add(a[u].value, load_channels(src.in + taps.offset[t] + u * PK_VW * src.cs, n[u],
                                                                  src.offsets, k.param));
                a[u].value = vf_add(a[u].value, odd[u]);
            }
    } else {
        int64_t t = 0;
        /* A max over one or two vectors of channels propagating NaN: taps in pairs, one NaN test for both, which halves
           the chain of tests that bounds such a pixel (2x2x2 over 32 channels, AVX-512, kernel alone on a Zen 5:
           79 -> 68 us). With more vectors the reads bound it, and pairs measured slower there (2x2 over 128
           channels, bound by memory: 2.1 -> 2.9 ms). */
        if (!k.indices && k.propagate && !pk_reduce_sums(k.reduce) && count <= 2 * PK_VW)
            for (; t + 1 < taps.count; t += 2) {
                const float *first = src.in + taps.offset[t], *second = src.in + taps.offset[t + 1];
                for (int u = 0; u < 2; u++)
                    if (n[u] > 0)
                        acc_update_pair(
                            &a[u], load_value(load_channels(first + u * PK_VW * src.cs, n[u], src.offsets, k.param), k),
                            load_value(load_channels(second + u * PK_VW * src.cs, n[u], src.offsets, k.param), k), k);
            }
        for (; t < taps.count; t++) {
            const float* tap = src.in + taps.offset[t];
            const vi idx = vi_set1(k.indices ? taps.index[t] : 0);
            for (int u = 0; u < PK_SUM_UNROLL; u++)
                if (n[u] > 0)
                    acc_update(&a[u],
                               load_value(load_channels(tap + u * PK_VW * src.cs, n[u], src.offsets, k.param), k), idx,
                               k);
        }
    }
    for (int u = 0; u < PK_SUM_UNROLL; u++)
        if (n[u] > 0)
            store_channels(&a[u], divisor,
                           (channel_dest){dest.out + u * PK_VW * dest.cs,
                                          k.indices ? dest.index + u * PK_VW * dest.cs : 0, dest.cs},
                           n[u], k);
}

/* All `channels` of one output pixel, in runs of up to pixel_vectors(k) vectors; constant counts for the common runs
   let the compiler drop the per-vector guards (32 channels in two vectors, 2x2x2 max, AVX-512, kernel alone on a
   Zen 5: 81 -> 75 us). */
PK_INLINE void pixel(channel_source src, tap_list taps, int64_t first_index, divide_by divisor, int64_t channels,
                     channel_dest dest, const pk_kind k) {
    const int64_t run = pixel_vectors(k) * PK_VW;
    for (int64_t c = 0; c < channels; c += run) {
        const int64_t count = channels - c < run ? channels - c : run;
        const channel_source at = {src.in + c * src.cs, src.cs, src.offsets};
        const channel_dest to = {dest.out + c * dest.cs, k.indices ? dest.index + c * dest.cs : 0, dest.cs};
        if (run == PK_SUM_UNROLL * PK_VW && count == run)
            pixel_channels(at, taps, first_index, divisor, PK_SUM_UNROLL * PK_VW, to, k);
        else if (count == PK_UNROLL * PK_VW) pixel_channels(at, taps, first_index, divisor, PK_UNROLL * PK_VW, to, k);
        else if (count == 2 * PK_VW) pixel_channels(at, taps, first_index, divisor, 2 * PK_VW, to, k);
        else if (count == PK_VW) pixel_channels(at, taps, first_index, divisor, PK_VW, to, k);
        else pixel_channels(at, taps, first_index, divisor, count, to, k);
    }
}

/* pixel() over the shifted taps of a line, with a constant tap count for 3x3 windows: with its taps unrolled, a
   pixel's ordered chains leave the next pixel room to start (3x3 max over 64 channels: 4.4 -> 3.9 ns per vector;
   2x2 windows gained nothing measurable, and each count costs a copy of every across kernel). */
PK_INLINE void pixel_shifted(channel_source src, tap_list taps, int64_t first_index, divide_by divisor,
                             int64_t channels, channel_dest dest, const pk_kind k) {
    if (taps.count == 9) pixel(src, (tap_list){taps.offset, taps.index, 9}, first_index, divisor, channels, dest, k);
    else pixel(src, taps, first_index, divisor, channels, dest, k);
}

/* How neighbouring interior pixels of a row differ: in input elements, in spatial index, in output elements. */
typedef struct pixel_step {
    int64_t in, index, out;
} pixel_step;

/* How far ahead of a pixel its line's window rows are prefetched (prefetch.h), in elements (0: not): two pixels, at
   least 2 KB (S3 NHWC, kernel alone on a Zen 5: 2.5-2.7 -> 1.8-2.0 ms). Contiguous channels only: a pixel's channels
   then lie along its window rows. */
static inline int64_t across_prefetch_distance(const pk_plan* p, const int contiguous) {
    if (!contiguous || !pk_from_memory(p)) return 0;
    const int64_t step = p->axis[2].stride * p->in_stride[PK_W];
    return 2 * step > 512 ? 2 * step : 512;
}

/* Prefetches, along each window row of a line's taps (rows of `width` taps), the `step` elements `distance` past the
   pixel at `base`: what a pixel that many further on reads for the first time. */
PK_INLINE void prefetch_rows(const float* base, tap_list line, int64_t width, int64_t step, int64_t distance) {
    for (int64_t r = 0; r < line.count; r += width) pk_prefetch_span(base, line.offset[r] + distance, step);
}

/* `count` interior pixels of a row whose channels fill two vectors, without indices: pixel()'s choice of run made
   once for them rather than per pixel. Kernel alone on a Zen 5, AVX-512, 32 channels: 2x2x2 max 16x14x14 3.40 ->
   3.06 us, S7's 16x56x56 70 -> 66; 3x3 average 28x28 (taps a constant count, as pixel_shifted's) 5.6 -> 4.2. A 3x3
   max measured slower so (26 -> 29-31 us at 112x112) and stays with pixel_shifted. */
PK_INLINE void two_vector_pixels(channel_source src, tap_list taps, pixel_step step, int64_t width, int64_t ahead,
                                 divide_by divisor, float* out, int64_t out_cs, int64_t count, const pk_kind k) {
    for (int64_t i = 0; i < count; i++, src.in += step.in, out += step.out) {
        if (ahead) prefetch_rows(src.in, taps, width, step.in, ahead);
        pixel_channels(src, taps, 0, divisor, 2 * PK_VW, (channel_dest){out, 0, out_cs}, k);
    }
}

/* PK_UNROLL neighbouring interior pixels of a row whose channels fit one vector: one chain per pixel, so the
   ordered chains of several pixels overlap (few channels leave nothing else to overlap). Pixel u reads from
   src.in + u*step.in, its tap t has index first_index + u*step.index + taps.index[t] (taps.count > 0). */
PK_INLINE void pixels_one_vector(channel_source src, tap_list taps, int64_t first_index, pixel_step step,
                                 divide_by divisor, int64_t count, channel_dest dest, const pk_kind k) {
    acc a[PK_UNROLL];
    for (int u = 0; u < PK_UNROLL; u++) acc_init(&a[u], vi_set1(first_index + u * step.index + taps.index[0]), k);
    for (int64_t t = 0; t < taps.count; t++) {
        const float* tap = src.in + taps.offset[t];
        for (int u = 0; u < PK_UNROLL; u++) {
            const vi idx = vi_set1(k.indices ? first_index + u * step.index + taps.index[t] : 0);
            acc_update(&a[u], load_value(load_channels(tap + u * step.in, count, src.offsets, k.param), k), idx, k);
        }
    }
    for (int u = 0; u < PK_UNROLL; u++)
        store_channels(&a[u], divisor,
                       (channel_dest){dest.out + u * step.out, k.indices ? dest.index + u * step.out : 0, dest.cs},
                       count, k);
}

/* Neighbouring interior pixels of a row reading each input vector once for all of them: 3-wide windows at stride 1
   or 2 along the width, sums without indices over contiguous channels. Per row of the windows, the input columns
   come in increasing order, each added to every pixel whose window holds it, so each pixel still takes its taps in
   the definition's row-major order. A 3x3 window at stride 1 reads each vector once instead of three times (3x3
   average over 256 channels of 28x28, kernel alone on a Zen 5, medians of 12 runs: AVX-512 30.7 -> 28.9 us, relaxed
   29.8 -> 26.9, AVX2 42.7 -> 35.8). */
#define PK_SHARE_PIXELS (PK_VW == 16 ? 4 : 3) /* pixels side by side: with PK_SHARE_VECTORS, the registers' sums */
#define PK_SHARE_VECTORS 4
#define PK_SHARE_WIDTH 3

PK_INLINE int shares_reads(const pk_plan* p, int64_t channels, const pk_kind k) {
    const pk_axis* w = &p->axis[2];
    return pk_reduce_sums(k.reduce) && !k.indices && k.param && w->kernel == PK_SHARE_WIDTH && w->dilation == 1
           && (w->stride == 1 || w->stride == 2) && channels >= PK_SHARE_VECTORS * PK_VW;
}

/* The rows of a line's taps, each PK_SHARE_WIDTH wide, when evenly spaced (every 1d and 2d window): the first row's
   offset, the step to the next and their count (0 when not evenly spaced). The rows' offsets then come from
   registers: read from the tap list, each waited on the stores of the pixels before (the same loop alone, AVX-512,
   on a Zen 5: 30 us with its rows' offsets loaded, 25 us computed). */
typedef struct tap_rows {
    int64_t first, step, count;
} tap_rows;

PK_INLINE tap_rows even_rows(tap_list taps) {
    const int64_t rows = taps.count / PK_SHARE_WIDTH;
    tap_rows r = {taps.offset[0], rows > 1 ? taps.offset[PK_SHARE_WIDTH] - taps.offset[0] : 0, rows};
    for (int64_t i = 2; i < rows; i++)
        if (taps.offset[i * PK_SHARE_WIDTH] - taps.offset[(i - 1) * PK_SHARE_WIDTH] != r.step) r.count = 0;
    return r;
}

/* The accumulators of pixels_sharing_reads' pixels: per line (two when lines share reads), pixel and vector. */
typedef acc share_sums[2][PK_SHARE_PIXELS][PK_SHARE_VECTORS];

/* One input row of the pixels' windows, `vectors` vectors of channels from `at`: column x goes to every pixel whose
   window holds it, in the lines `lines` marks (bit l: line l's windows hold this row). Neighbouring sums alternate
   between the adders and the multipliers (acc_add): the additions bound these loops. */
PK_INLINE void share_row(const float* at, int64_t column, const int stride, const int vectors, const int lines,
                         share_sums a, const pk_kind k) {
#pragma GCC unroll 16
    for (int x = 0; x < (PK_SHARE_PIXELS - 1) * stride + PK_SHARE_WIDTH; x++, at += column)
#pragma GCC unroll 4
        for (int u = 0; u < vectors; u++) {
            const vf v = load_value(vf_loadu(at + u * PK_VW), k);
#pragma GCC unroll 4
            for (int b = 0; b < PK_SHARE_PIXELS; b++)
                if (x >= b * stride && x < b * stride + PK_SHARE_WIDTH)
                    for (int l = 0; l < 2; l++)
                        if (lines >> l & 1) acc_add(&a[l][b][u], v, (b + l + u) & 1);
        }
}

/* The pixels' results of `lines` lines, `vectors` vectors of channels from channel c; line l's outputs at
   out + l * out_line. */
PK_INLINE void share_store(share_sums a, const int lines, const int vectors, divide_by divisor, int64_t c, float* out,
                           int64_t out_step, int64_t out_line, const pk_kind k) {
    for (int l = 0; l < lines; l++)
        for (int b = 0; b < PK_SHARE_PIXELS; b++)
            for (int u = 0; u < vectors; u++)
                store_channels(&a[l][b][u], divisor,
                               (channel_dest){out + l * out_line + b * out_step + c + u * PK_VW, 0, 1}, PK_VW, k);
}

/* Channels [c, c + PK_SHARE_VECTORS PK_VW) of pixels_sharing_reads' pixels. */
PK_INLINE void share_vectors(const float* in, tap_rows rows, int64_t column, const int stride, divide_by divisor,
                             int64_t c, float* out, int64_t out_step, const pk_kind k) {
    share_sums a;
    for (int b = 0; b < PK_SHARE_PIXELS; b++)
        for (int u = 0; u < PK_SHARE_VECTORS; u++) acc_init(&a[0][b][u], vi_set1(0), k);
    const float* row = in + rows.first + c;
    for (int64_t r = 0; r < rows.count; r++, row += rows.step)
        share_row(row, column, stride, PK_SHARE_VECTORS, 1, a, k);
    share_store(a, 1, PK_SHARE_VECTORS, divisor, c, out, out_step, 0, k);
}

/* PK_SHARE_PIXELS pixels from `in` (pixel b at in + b * stride * column) over taps, whose rows are `rows`; their
   outputs out_step apart. */
PK_INLINE void pixels_sharing_reads(const float* in, tap_list taps, tap_rows rows, int64_t column, const int stride,
                                    divide_by divisor, int64_t channels, float* out, int64_t out_step,
                                    const pk_kind k) {
    int64_t c = 0;
    for (; c + PK_SHARE_VECTORS * PK_VW <= channels; c += PK_SHARE_VECTORS * PK_VW)
        share_vectors(in, rows, column, stride, divisor, c, out, out_step, k);
    if (c < channels) /* the last channels, pixel by pixel */
        for (int b = 0; b < PK_SHARE_PIXELS; b++)
            pixel((channel_source){in + b * stride * column + c, 1, vi_set1(0)}, taps, 0, divisor, channels - c,
                  (channel_dest){out + b * out_step + c, 0, 1}, k);
}

/* Two lines whose windows' rows overlap, (n, od, oh) and (n, od, oh + 1), read each shared row once for both: line
   1's window rows are line 0's moved down `shift` rows (of the tap rows' step), so rows [0, shift) belong to line 0
   alone, [shift, rows.count) to both and the last `shift` to line 1 alone; each pixel still takes its taps in the
   definition's order. Fewer vectors per pixel than one line's keep the sums of both lines in registers. A 3x3
   average over 256 channels of 28x28, stride 1, kernel alone on a Zen 5: AVX-512 34 -> 30-31 us, AVX2 42 -> 38.
   One vector of channels at a time: at AVX-512 two measured slower on a Zen 4 (3x3 averages, kernel alone, medians
   of 4-6 alternated runs: 256 channels of 28x28 41.6 -> 39.2 us, 64 of 56x56 47 -> 39, 96 of 28x28 17.7 -> 15.0,
   64 of 112x112 at stride 2 62.7 -> 58.7; 512 of 14x14 and 256 of 56x56 at stride 2 unchanged). */
#define PK_PAIR_VECTORS 1
/* Lines a stride of two rows apart share one row of a 3x3 window's three: worth it with AVX-512's registers (3x3
   average over 64 channels of 112x112, stride 2: 50-52 -> 44-50 us), not with AVX2's (54 -> 56). */
#define PK_PAIR_MAX_SHIFT (PK_VW == 16 ? 2 : 1)

/* Channels [c, c + PK_PAIR_VECTORS PK_VW) of the two lines' PK_SHARE_PIXELS pixels; line 1's outputs at out + out_line. */
PK_INLINE void share_vectors_two_lines(const float* in, tap_rows rows, int64_t shift, int64_t column, const int stride,
                                       divide_by divisor, int64_t c, float* out, int64_t out_step, int64_t out_line,
                                       const pk_kind k) {
    share_sums a;
    for (int l = 0; l < 2; l++)
        for (int b = 0; b < PK_SHARE_PIXELS; b++)
            for (int u = 0; u < PK_PAIR_VECTORS; u++) acc_init(&a[l][b][u], vi_set1(0), k);
    const float* row = in + rows.first + c;
    int64_t r = 0;
    for (; r < shift; r++, row += rows.step) share_row(row, column, stride, PK_PAIR_VECTORS, 1, a, k);
    for (; r < rows.count; r++, row += rows.step) share_row(row, column, stride, PK_PAIR_VECTORS, 3, a, k);
    for (; r < rows.count + shift; r++, row += rows.step) share_row(row, column, stride, PK_PAIR_VECTORS, 2, a, k);
    share_store(a, 2, PK_PAIR_VECTORS, divisor, c, out, out_step, out_line, k);
}

/* Whether pixels_sharing_two_lines takes its passes over the channels last to first. First to last, a pass loads
   right after the pass before stored, one pass further along the channels: when the output lies that far past the
   input, modulo the page offsets every pixel of both tensors shares, each load matches a store still in flight in
   its low 12 address bits and waits for it. Two tensors allocated one after the other (two Arena allocations) lie
   that way, 64 bytes apart. Last to first moves the loads to the other side of the stores. 3x3 average over 256
   channels of 28x28 on a Zen 4, the output 64 bytes further into its page than the input: JMH 52.8-57.6 us first
   to last, 41.2-42.0 last to first, and the kernel 39-40 at other offsets. */
static inline int pair_passes_descending(const pk_plan* p, const float* input, const float* output) {
    const int64_t pass = PK_PAIR_VECTORS * PK_VW * (int64_t)sizeof(float);
    static const int pixel_axes[] = {PK_N, PK_D, PK_H, PK_W};
    uint64_t period = 4096; /* a power of two: the gcd of 4096 and every pixel's offset in bytes in both tensors */
    for (int d = 0; d < 4; d++) {
        const uint64_t in = (uint64_t)p->in_stride[pixel_axes[d]] * sizeof(float),
                       out = (uint64_t)p->out_stride[pixel_axes[d]] * sizeof(float);
        if (in && (in & -in) < period) period = in & -in; /* the lowest bit set: its gcd with a power of two */
        if (out && (out & -out) < period) period = out & -out;
    }
    if (period < 4 * (uint64_t)pass) return 0; /* some pixel is near every offset: neither order avoids them */
    const uint64_t ahead = ((uintptr_t)output - (uintptr_t)input - (uint64_t)pass) & (period - 1); /* to the stores */
    return ahead < (uint64_t)pass || ahead > period - (uint64_t)pass;
}

/* PK_SHARE_PIXELS pixels of both lines from `in` (as pixels_sharing_reads'); the channels past the last whole
   PK_PAIR_VECTORS vectors pixel by pixel. The whole passes go last to first when `descending`
   (pair_passes_descending). */
PK_INLINE void pixels_sharing_two_lines(const float* in, tap_list taps, tap_rows rows, int64_t shift, int64_t column,
                                        int64_t in_line, const int stride, divide_by divisor, int64_t channels,
                                        float* out, int64_t out_step, int64_t out_line, int descending,
                                        const pk_kind k) {
    const int64_t pass = PK_PAIR_VECTORS * PK_VW, passes = channels / pass, c = passes * pass;
    for (int64_t i = 0; i < passes; i++)
        share_vectors_two_lines(in, rows, shift, column, stride, divisor, (descending ? passes - 1 - i : i) * pass, out,
                                out_step, out_line, k);
    if (c == channels) return;
#pragma GCC unroll 1 /* one copy of pixel(), not one per pixel: each costs the compiler seconds per kernel */
    for (int i = 0; i < 2 * PK_SHARE_PIXELS; i++) {
        const int64_t l = i / PK_SHARE_PIXELS, b = i % PK_SHARE_PIXELS;
        pixel((channel_source){in + l * in_line + b * stride * column + c, 1, vi_set1(0)}, taps, 0, divisor,
              channels - c, (channel_dest){out + l * out_line + b * out_step + c, 0, 1}, k);
    }
}

/* The taps of window w inside the input, as element offsets from the (n, c) origin and spatial indices. */
static inline int64_t list_taps(const pk_plan* p, const pk_window w[3], int64_t* offset, int64_t* tap_index) {
    const pk_axis* ax = p->axis;
    int64_t t = 0;
    for (int64_t jd = w[0].first; jd < w[0].last; jd++) {
        const int64_t id = w[0].origin + jd * ax[0].dilation;
        for (int64_t jh = w[1].first; jh < w[1].last; jh++) {
            const int64_t ih = w[1].origin + jh * ax[1].dilation;
            for (int64_t jw = w[2].first; jw < w[2].last; jw++) {
                const int64_t iw = w[2].origin + jw * ax[2].dilation;
                offset[t] = id * p->in_stride[PK_D] + ih * p->in_stride[PK_H] + iw * p->in_stride[PK_W];
                tap_index[t++] = (id * ax[1].in + ih) * ax[2].in + iw;
            }
        }
    }
    return t;
}

/* What every line of a call shares: the tensors, the interior outputs [lo, hi) per axis and the interior
   window's taps, as offsets from its origin. */
typedef struct across_call {
    const pk_plan* p;
    const float* input;
    float* output;
    int64_t* indices;
    const int64_t* lo;
    const int64_t* hi;
    tap_list interior;
    int64_t ahead;  /* across_prefetch_distance */
    tap_rows rows;  /* the interior taps' rows when two lines can share reads (line_pair_shift) */
    int64_t shift;  /* line_pair_shift: 0 when they cannot */
    int descending; /* pair_passes_descending */
} across_call;

/* How many tap rows line (n, od, oh + 1)'s interior window lies below line (n, od, oh)'s, when the two can share
   reads (pixels_sharing_two_lines): its rows must be rows of the same list moved down, overlapping it. 0 otherwise. */
static inline int64_t line_pair_shift(const pk_plan* p, tap_rows rows, const int only_w_borders, const pk_kind k) {
    if (only_w_borders || p->layout != PK_LAYOUT_NHWC || !shares_reads(p, p->channels, k) || rows.count < 2) return 0;
    const int64_t down = p->axis[1].stride * p->in_stride[PK_H];
    if (rows.step <= 0 || down % rows.step != 0) return 0;
    const int64_t shift = down / rows.step;
    return shift >= 1 && shift < rows.count && shift <= PK_PAIR_MAX_SHIFT ? shift : 0;
}

/* Channels [c_begin, c_end) of every output pixel of output line at = (n, od, oh). only_w_borders: the caller
   computed the interior outputs along the width; interior_done: it computed the first interior_done of them. */
PK_INLINE void line_across_channels(const across_call* call, const int64_t at[3], int64_t c_begin, int64_t c_end,
                                    const int only_w_borders, int64_t interior_done, const pk_kind k) {
    const pk_plan* p = call->p;
    const pk_axis* ax = p->axis;
    const int64_t *lo = call->lo, *hi = call->hi;
    const int64_t n = at[0], od = at[1], oh = at[2];
    const int64_t cs = p->in_stride[PK_C], out_cs = p->out_stride[PK_C], channels = c_end - c_begin;
    const vi channel_offsets = vi_lanes_times(cs);
    pk_window w[3];
    w[0] = pk_window_fast(&ax[0], od, lo[0], hi[0]);
    w[1] = pk_window_fast(&ax[1], oh, lo[1], hi[1]);
    const float* in = call->input + n * p->in_stride[PK_N] + c_begin * cs;
    /* The outputs [lo[2], hi[2]) have one window shape along the line, shifted: interior lines take the call's
       list, a border line (at a padded edge in depth or height) lists its own once, so that it runs as fast. */
    tap_list line = call->interior;
    int64_t rows_offset = w[0].origin * p->in_stride[PK_D] + w[1].origin * p->in_stride[PK_H];
    int64_t rows_index = (w[0].origin * ax[1].in + w[1].origin) * ax[2].in;
    int64_t line_offset[PK_MAX_TAPS], line_index[PK_MAX_TAPS];
    if (!(od >= lo[0] && od < hi[0] && oh >= lo[1] && oh < hi[1]) && lo[2] < hi[2]) {
        const pk_window rows_and_columns[3] = {w[0], w[1], {0, 0, ax[2].kernel, ax[2].kernel}};
        line = (tap_list){line_offset, line_index, list_taps(p, rows_and_columns, line_offset, line_index)};
        rows_offset = rows_index = 0; /* the list holds the rows' own offsets and indices */
    }
    const int runs_shifted = line.count > 0;
    float* out =
        call->output + n * p->out_stride[PK_N] + c_begin * out_cs + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
    int64_t* index = k.indices ? call->indices + (out - call->output) : 0;
    const int64_t ow_lo = runs_shifted ? lo[2] : ax[2].out, ow_hi = runs_shifted ? hi[2] : ax[2].out;
    int64_t border_offset[PK_MAX_TAPS], border_index[PK_MAX_TAPS];
    for (int64_t ow = 0; ow < ax[2].out; ow++) {
        if (only_w_borders && ow == lo[2] && lo[2] < hi[2]) { /* the caller computed [lo, hi) along the width */
            ow = hi[2] - 1;
            continue;
        }
        if (!only_w_borders && ow == ow_lo) { /* windows inside along the width: the line's taps, shifted */
            ow += interior_done;
            int64_t shifted[PK_MAX_TAPS];
            pk_window full[3] = {w[0], w[1], {0, 0, ax[2].kernel, ax[2].kernel}};
            const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, full);
            int64_t first = rows_index + ow * ax[2].stride - ax[2].pad_begin;
            const float* base = in + rows_offset + (ow * ax[2].stride - ax[2].pad_begin) * p->in_stride[PK_W];
            const pixel_step step = {ax[2].stride * p->in_stride[PK_W], ax[2].stride, p->out_stride[PK_W]};
            for (; channels <= PK_VW && ow + PK_UNROLL <= ow_hi; ow += PK_UNROLL) {
                pixels_one_vector((channel_source){base, cs, channel_offsets}, line, first, step, divisor, channels,
                                  (channel_dest){out + ow * p->out_stride[PK_W],
                                                 k.indices ? index + ow * p->out_stride[PK_W] : 0, out_cs},
                                  k);
                base += PK_UNROLL * step.in;
                first += PK_UNROLL * ax[2].stride;
            }
            const tap_rows rows = shares_reads(p, channels, k) ? even_rows(line) : (tap_rows){0, 0, 0};
            if (rows.count > 0)
                for (; ow + PK_SHARE_PIXELS <= ow_hi; ow += PK_SHARE_PIXELS) {
                    float* to = out + ow * p->out_stride[PK_W];
                    if (ax[2].stride == 1)
                        pixels_sharing_reads(base, line, rows, p->in_stride[PK_W], 1, divisor, channels, to,
                                             p->out_stride[PK_W], k);
                    else
                        pixels_sharing_reads(base, line, rows, p->in_stride[PK_W], 2, divisor, channels, to,
                                             p->out_stride[PK_W], k);
                    base += PK_SHARE_PIXELS * step.in;
                    first += PK_SHARE_PIXELS * ax[2].stride;
                }
            if (!k.indices && channels == 2 * PK_VW && (pk_reduce_sums(k.reduce) || line.count != 9)) {
                const channel_source src = {base, cs, channel_offsets};
                float* to = out + ow * p->out_stride[PK_W];
                /* copies with and without prefetches: testing for them in one loop cost 3 % (S7 NHWC, in a cache) */
                if (line.count == 9 && call->ahead)
                    two_vector_pixels(src, (tap_list){line.offset, 0, 9}, step, ax[2].kernel, call->ahead, divisor, to,
                                      out_cs, ow_hi - ow, k);
                else if (line.count == 9)
                    two_vector_pixels(src, (tap_list){line.offset, 0, 9}, step, ax[2].kernel, 0, divisor, to, out_cs,
                                      ow_hi - ow, k);
                else if (call->ahead)
                    two_vector_pixels(src, line, step, ax[2].kernel, call->ahead, divisor, to, out_cs, ow_hi - ow, k);
                else two_vector_pixels(src, line, step, ax[2].kernel, 0, divisor, to, out_cs, ow_hi - ow, k);
                base += (ow_hi - ow) * step.in;
                ow = ow_hi;
            }
            for (; ow < ow_hi; ow++) {
                if (call->ahead) prefetch_rows(base, line, ax[2].kernel, step.in, call->ahead);
                tap_list taps = line;
                if (k.indices) {
                    for (int64_t t = 0; t < taps.count; t++) shifted[t] = first + line.index[t];
                    taps.index = shifted;
                }
                pixel_shifted((channel_source){base, cs, channel_offsets}, taps, first + line.index[0], divisor,
                              channels,
                              (channel_dest){out + ow * p->out_stride[PK_W],
                                             k.indices ? index + ow * p->out_stride[PK_W] : 0, out_cs},
                              k);
                base += ax[2].stride * p->in_stride[PK_W];
                first += ax[2].stride;
            }
            if (ow == ax[2].out) break;
        }
        w[2] = pk_window_of(&ax[2], ow);
        const int64_t first =
            (pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in + pk_window_first_coordinate(&ax[1], &w[1]))
                * ax[2].in
            + pk_window_first_coordinate(&ax[2], &w[2]);
        const int64_t taps = list_taps(p, w, border_offset, border_index);
        pixel((channel_source){in, cs, channel_offsets}, (tap_list){border_offset, border_index, taps}, first,
              !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, w), channels,
              (channel_dest){out + ow * p->out_stride[PK_W], k.indices ? index + ow * p->out_stride[PK_W] : 0, out_cs},
              k);
    }
}

/* The interior outputs of lines (n, od, oh) and (n, od, oh + 1), both inside along depth and height, in whole groups
   of PK_SHARE_PIXELS from the first: how many of each line it computed. */
PK_INLINE int64_t line_pair_across_channels(const across_call* call, const int64_t at[3], const pk_kind k) {
    const pk_plan* p = call->p;
    const pk_axis* ax = p->axis;
    const int64_t n = at[0], od = at[1], oh = at[2], lo = call->lo[2], hi = call->hi[2];
    const pk_window full[3] = {pk_window_fast(&ax[0], od, call->lo[0], call->hi[0]),
                               pk_window_fast(&ax[1], oh, call->lo[1], call->hi[1]),
                               {0, 0, ax[2].kernel, ax[2].kernel}};
    const divide_by divisor = window_divide(p, full); /* every interior window's */
    const int64_t column = p->in_stride[PK_W], step_in = ax[2].stride * column, out_step = p->out_stride[PK_W];
    const float* in = call->input + n * p->in_stride[PK_N] + full[0].origin * p->in_stride[PK_D]
                      + full[1].origin * p->in_stride[PK_H] + (lo * ax[2].stride - ax[2].pad_begin) * column;
    float* out =
        call->output + n * p->out_stride[PK_N] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H] + lo * out_step;
    int64_t ow = lo;
    for (; ow + PK_SHARE_PIXELS <= hi;
         ow += PK_SHARE_PIXELS, in += PK_SHARE_PIXELS * step_in, out += PK_SHARE_PIXELS * out_step) {
        if (ax[2].stride == 1)
            pixels_sharing_two_lines(in, call->interior, call->rows, call->shift, column,
                                     ax[1].stride * p->in_stride[PK_H], 1, divisor, p->channels, out, out_step,
                                     p->out_stride[PK_H], call->descending, k);
        else
            pixels_sharing_two_lines(in, call->interior, call->rows, call->shift, column,
                                     ax[1].stride * p->in_stride[PK_H], 2, divisor, p->channels, out, out_step,
                                     p->out_stride[PK_H], call->descending, k);
    }
    return ow - lo;
}

/* Rows [row_begin, row_end) across channels (the caller checked the kernel volume against PK_MAX_TAPS). */
PK_INLINE void rows_across_channels(const pk_plan* p, const float* input, float* output, int64_t* indices,
                                    int64_t row_begin, int64_t row_end, const int only_w_borders, const pk_kind k) {
    const pk_axis* ax = p->axis;
    int64_t lo[3], hi[3], offset[PK_MAX_TAPS], tap_index[PK_MAX_TAPS];
    for (int i = 0; i < 3; i++) pk_interior(&ax[i], &lo[i], &hi[i]);
    pk_window full[3];
    for (int i = 0; i < 3; i++) full[i] = (pk_window){0, 0, ax[i].kernel, ax[i].kernel};
    const int64_t taps = list_taps(p, full, offset, tap_index);
    const tap_list interior = {offset, tap_index, taps};
    const tap_rows rows = shares_reads(p, p->channels, k) ? even_rows(interior) : (tap_rows){0, 0, 0};
    across_call call = {.p = p,
                        .input = input,
                        .output = output,
                        .indices = indices,
                        .lo = lo,
                        .hi = hi,
                        .interior = interior,
                        .ahead = across_prefetch_distance(p, k.param),
                        .rows = rows,
                        .shift = line_pair_shift(p, rows, only_w_borders, k),
                        .descending = 0};
    if (call.shift) call.descending = pair_passes_descending(p, input, output);
    if (p->layout == PK_LAYOUT_NHWC) {
        int64_t n, c, od, oh;
        pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
        /* pairs of lines run their shared interior first, then each line the rest: one copy of the line's code */
        int64_t paired_done = -1; /* the line before was the first of a pair: how much of this one it computed */
        for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh)) {
            int64_t done = 0;
            if (paired_done >= 0) {
                done = paired_done;
                paired_done = -1;
            } else if (call.shift && row + 1 < row_end && od >= lo[0] && od < hi[0] && oh >= lo[1] && oh + 1 < hi[1]) {
                done = paired_done = line_pair_across_channels(&call, (const int64_t[3]){n, od, oh}, k);
            }
            line_across_channels(&call, (const int64_t[3]){n, od, oh}, 0, p->channels, only_w_borders, done, k);
        }
        return;
    }
    /* channels first: row (n, c, od, oh) is number (n*C + c)*lines + line; per (n, line), the channels
       whose rows fall in [row_begin, row_end) form one run */
    const int64_t lines = ax[0].out * ax[1].out;
    for (int64_t n = row_begin / (p->channels * lines); n <= (row_end - 1) / (p->channels * lines); n++) {
        for (int64_t line = 0; line < lines; line++) {
            const int64_t first = n * p->channels * lines + line; /* the row of channel 0 */
            const int64_t c_begin = row_begin > first ? (row_begin - first + lines - 1) / lines : 0;
            int64_t c_end = row_end > first ? (row_end - first + lines - 1) / lines : 0;
            if (c_end > p->channels) c_end = p->channels;
            if (c_begin < c_end)
                line_across_channels(&call, (const int64_t[3]){n, line / ax[1].out, line % ax[1].out}, c_begin, c_end,
                                     only_w_borders, 0, k);
        }
    }
}

/* The pass along the width (along.h) ends with: the border outputs along w of rows [row_begin, row_end), across
   channels gathered, one copy per kind of the along variants, so that the three strides of a kind share it; each
   copy a function of its own (a single function holding all nine takes the compiler minutes). Defined in
   along-borders-<isa>.c. */
#define PK_ALONG_BORDER(border, reduce_, indices_, propagate_) \
    static __attribute__((noinline)) void border(const pk_plan* p, const float* input, float* output, \
                                                 int64_t* indices, int64_t row_begin, int64_t row_end) { \
        rows_across_channels(p, input, output, indices, row_begin, row_end, 1 /* only w borders */, \
                             (pk_kind){reduce_, indices_, propagate_, 0}); \
    }
#define PK_DEFINE_ALONG_BORDERS(name) \
    PK_ALONG_BORDER(avg_borders, PK_REDUCE_SUM, 0, 0) \
    PK_ALONG_BORDER(max_borders, PK_REDUCE_MAX, 0, 0) \
    PK_ALONG_BORDER(max_borders_nan, PK_REDUCE_MAX, 0, 1) \
    PK_ALONG_BORDER(max_borders_idx, PK_REDUCE_MAX, 1, 0) \
    PK_ALONG_BORDER(max_borders_idx_nan, PK_REDUCE_MAX, 1, 1) \
    PK_ALONG_BORDER(min_borders, PK_REDUCE_MIN, 0, 0) \
    PK_ALONG_BORDER(min_borders_nan, PK_REDUCE_MIN, 0, 1) \
    PK_ALONG_BORDER(min_borders_idx, PK_REDUCE_MIN, 1, 0) \
    PK_ALONG_BORDER(min_borders_idx_nan, PK_REDUCE_MIN, 1, 1) \
    void name(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin, \
              int64_t row_end, const pk_kind k) { \
        static void (*const border[3][2][2])(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t) = { \
            {{avg_borders, 0}, {0, 0}}, \
            {{max_borders, max_borders_nan}, {max_borders_idx, max_borders_idx_nan}}, \
            {{min_borders, min_borders_nan}, {min_borders_idx, min_borders_idx_nan}}}; \
        border[k.reduce][k.indices][k.propagate](p, input, output, indices, row_begin, row_end); \
    }

/* Whether across channels computes p: tap lists hold its windows, gather offsets fit in int32 lanes. */
static inline int across_fits(const pk_plan* p, const int contiguous) {
    if (pk_kernel_volume(p) > PK_MAX_TAPS) return 0;
    if (contiguous) return p->in_stride[PK_C] == 1 && p->out_stride[PK_C] == 1;
    return p->in_stride[PK_C] <= INT32_MAX / PK_VW;
}

#endif
