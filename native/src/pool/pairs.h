/* Pairs along the width: channels first, stride two along w, windows two or three wide (kind.param: 0 for two, 3
   for three). Two wide and none reaching past a row's ends is the downsampling of most CNNs (2x2 or 2x2x2, stride
   2); three wide with padding, max and min only, is the ResNet stem's pooling (3x3, stride 2, padding 1). Each
   output row is vectorized along its width: a window row's two taps for PK_VW outputs are the even and the odd
   elements of one stretch of the input row (deinterleaving loads); three taps are the odd element before a stretch
   one element later, its even element and its odd element (the odds moved up one lane, see triples_chunk). They
   reach the accumulator in the definition's order (the window rows along d and h in order, then kw 0, 1, 2), so
   results are the scalar kernel's bit for bit. Without tap lists, index lanes or transposes, a row costs little
   more than its loads: S7's 3d max pooling reads at the machine's streaming rate, where the tiles' transposes and
   the general along-width loop fell behind it. Three-wide windows reach into the padding at a row's ends: the
   vectors there load under masks and read the padding as the identity, which never wins (reduce_identity).
   Windows along d and h may be any sliding windows. No indices (those runs take the other strategies). */
#ifndef PK_POOL_PAIRS_H
#define PK_POOL_PAIRS_H
#include "../simd/accumulate.h"
#include "../simd/prefetch.h"

/* How far ahead of an output row its window rows are prefetched when the tensors come from memory (prefetch.h), in
   elements: 16 KB (S3 NCHW, kernel alone on a Zen 5: 1.96-2.11 -> 1.34-1.52 ms; 4 KB ahead 1.72, 64 KB 1.53). */
#define PK_PAIRS_AHEAD 4096
/* Pairs prefetch once the tensors pass a quarter of the last-level cache: the cache did not keep larger ones from one
   call to the next (it has other users; on AMD's cores it holds what the L2s evict), and their rows then came at
   half the read rate (Zen 3, 32 MB L3, kernel alone: S2 NCHW, 16 MB, 648-863 -> 407-420 us; 32x16x56x56 at 7 MB
   and 64x16x56x56 at 14 MB unchanged or slower with prefetches; 128x16x56x56 at 29 MB 1364-1700 -> 900-937 us). */
#define PK_PAIRS_CACHE_SHARE 4

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

/* One vector of a row's outputs for windows three wide, and how it loads: the same in every row. */
typedef struct triples_vector {
    int64_t first;     /* its first output */
    int64_t x;         /* 2 first - pad_begin + 1: where its stretch starts in the row */
    int clipped;       /* it reaches past the row's ends: masked loads */
    int follows;       /* it starts where the vector before it in its chunk ends */
    int before_inside; /* row[x - 1] is an element of the row (else padding) */
    vm inside[2];      /* clipped: where its two loads lie in the row */
} triples_vector;

/* The vectors of outputs [ow, ow + PK_UNROLL PK_VW) of a row, at most PK_UNROLL; returns how many. A row of PK_VW
   outputs or more ends with a whole vector over its last outputs (some computed twice, to the same values), which
   on rows that end where the last window does needs no masks. */
static inline int triples_vectors(const pk_axis* ax, int64_t ow, triples_vector v[PK_UNROLL]) {
    int count = 0;
    for (; count < PK_UNROLL && ow + count * PK_VW < ax->out; count++) {
        triples_vector* t = &v[count];
        const int64_t o = ow + count * PK_VW;
        t->first = o + PK_VW <= ax->out || ax->out < PK_VW ? o : ax->out - PK_VW;
        t->x = 2 * t->first - ax->pad_begin + 1;
        t->clipped = t->x < 0 || t->x + 2 * PK_VW > ax->in;
        t->follows = count > 0 && t->first == v[count - 1].first + PK_VW;
        t->before_inside = t->x - 1 >= 0 && t->x - 1 < ax->in;
        for (int l = 0; l < 2; l++) t->inside[l] = t->clipped ? vm_inside(t->x + l * PK_VW, ax->in) : vm_all();
    }
    return count;
}

/* A row's vectors for windows three wide, chunk by chunk, when the row has at most PK_TRIPLES_CHUNKS chunks: worked
   out once per call rather than once per row, since rows of a few vectors have little else to do. */
#define PK_TRIPLES_CHUNKS 4
typedef struct triples_layout {
    int chunks;
    int vectors[PK_TRIPLES_CHUNKS];
    triples_vector v[PK_TRIPLES_CHUNKS][PK_UNROLL];
} triples_layout;

/* Outputs [v[u].first, v[u].first + PK_VW) of one row for u < `vectors` (a constant, <= PK_UNROLL), max or min over
   windows three wide, those before the row's end stored. With x = 2 ow - pad_begin + 1, an output's taps are
   row[x - 1], row[x] and row[x + 1]: the odd element before the stretch from x, its even element and its odd
   element. So each vector loads its stretch once (under masks, the identity outside the row, where it reaches past
   the row's ends), deinterleaves it into evens and odds, and takes its first taps from the odds moved up one lane,
   the last odd of the vector before coming in (or, after a gap, the element before the stretch). NaN taps never
   win the max (vf_max skips them); where NaN propagates, running sums of the taps show them (a NaN, or +inf and
   -inf, make a sum NaN), and then the outputs are computed again by the definition (on this machine a compare into
   a mask per tap cost more than the max itself). */
PK_INLINE void triples_chunk(const pk_plan* p, const float* plane, pk_window w[3], const triples_vector* v,
                             const int vectors, float* out, const pk_kind k) {
    const vf padding = k.reduce == PK_REDUCE_MIN ? vf_set1(INFINITY) : vf_set1(-INFINITY); /* before load_value */
    vf max[PK_UNROLL], sum[PK_UNROLL];
    for (int u = 0; u < vectors; u++) {
        max[u] = vf_set1(-INFINITY);
        sum[u] = vf_set1(0.0f);
    }
    const pk_axis* ax = p->axis;
    for (int64_t jd = w[0].first; jd < w[0].last; jd++)
        for (int64_t jh = w[1].first; jh < w[1].last; jh++) { /* the window's rows in the definition's order */
            const float* row = plane + (w[0].origin + jd * ax[0].dilation) * p->in_stride[PK_D]
                               + (w[1].origin + jh * ax[1].dilation) * p->in_stride[PK_H];
            vf odd_before = padding;
#pragma GCC unroll 4
            for (int u = 0; u < vectors; u++) {
                const float* at = row + v[u].x; /* a masked load there reads row elements only, even where x < 0 */
                if (!v[u].follows) {
                    odd_before = load_value(v[u].before_inside ? vf_set1(at[-1]) : padding, k);
                    if (k.propagate) sum[u] = vf_add(sum[u], odd_before);
                }
                const vf low = v[u].clipped ? vf_load_masked(at, v[u].inside[0], padding) : vf_loadu(at);
                const vf high =
                    v[u].clipped ? vf_load_masked(at + PK_VW, v[u].inside[1], padding) : vf_loadu(at + PK_VW);
                vf even, odd;
                pk_deinterleave(load_value(low, k), load_value(high, k), &even, &odd);
                max[u] = vf_max(odd, vf_max(even, vf_max(vf_shift_in(odd, odd_before), max[u])));
                if (k.propagate) sum[u] = vf_add(sum[u], vf_add(even, odd));
                odd_before = odd;
            }
        }
    vf sums = sum[0];
    for (int u = 0; u < vectors; u++) {
        const int64_t n = ax[2].out - v[u].first < PK_VW ? ax[2].out - v[u].first : PK_VW;
        acc_result(&(acc){.value = max[u], .no_nan = vm_all()}, PK_NO_DIVISION, out + v[u].first, 0, n, k);
        if (u > 0) sums = vf_add(sums, sum[u]);
    }
    if (k.propagate && vm_any(vf_isnan(sums)))
        for (int u = 0; u < vectors; u++)
            for (int64_t o = v[u].first; o < v[u].first + PK_VW && o < ax[2].out; o++) {
                w[2] = pk_window_of(&ax[2], o);
                pk_extremum_pixel(p, plane, w, &out[o], 0, k.reduce == PK_REDUCE_MIN);
            }
}

PK_INLINE void triples_vectors_run(const pk_plan* p, const float* plane, pk_window w[3], const triples_vector* v,
                                   int vectors, float* out, const pk_kind k) {
    _Static_assert(PK_UNROLL == 4, "one case per count of vectors up to PK_UNROLL");
    switch (vectors) { /* a constant count, so that the vectors' loop unrolls */
    case 1: triples_chunk(p, plane, w, v, 1, out, k); break;
    case 2: triples_chunk(p, plane, w, v, 2, out, k); break;
    case 3: triples_chunk(p, plane, w, v, 3, out, k); break;
    default: triples_chunk(p, plane, w, v, 4, out, k); break;
    }
}

/* One output row of three-wide windows, PK_UNROLL vectors at a time, from `layout` where it holds the row. */
PK_INLINE void triples_row(const pk_plan* p, const float* plane, pk_window w[3], const triples_layout* layout,
                           float* out, const pk_kind k) {
    if (layout) {
        for (int c = 0; c < layout->chunks; c++)
            triples_vectors_run(p, plane, w, layout->v[c], layout->vectors[c], out, k);
        return;
    }
    for (int64_t ow = 0; ow < p->axis[2].out; ow += PK_UNROLL * PK_VW) {
        triples_vector v[PK_UNROLL];
        const int vectors = triples_vectors(&p->axis[2], ow, v);
        triples_vectors_run(p, plane, w, v, vectors, out, k);
    }
}

PK_INLINE void rows_in_pairs(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                             const pk_kind k) {
    const pk_axis* ax = p->axis;
    int64_t lo[2], hi[2];
    for (int i = 0; i < 2; i++) pk_interior(&ax[i], &lo[i], &hi[i]);
    triples_layout layout;
    const int laid_out = k.param == 3 && ax[2].out <= PK_TRIPLES_CHUNKS * PK_UNROLL * PK_VW;
    if (laid_out) {
        layout.chunks = 0;
        for (int64_t ow = 0; ow < ax[2].out; ow += PK_UNROLL * PK_VW, layout.chunks++)
            layout.vectors[layout.chunks] = triples_vectors(&ax[2], ow, layout.v[layout.chunks]);
    }
    const int64_t ahead = k.param != 3 && pk_beyond_cache(p, PK_PAIRS_CACHE_SHARE) ? PK_PAIRS_AHEAD : 0;
    int64_t n, c, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_fast(&ax[0], od, lo[0], hi[0]);
        w[1] = pk_window_fast(&ax[1], oh, lo[1], hi[1]);
        w[2] = (pk_window){0, 0, 2, 2}; /* two-wide windows lie in the row (pairs_fit) */
        const divide_by divisor = !pk_reduce_sums(k.reduce) ? PK_NO_DIVISION : window_divide(p, w);
        const float* plane = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        float* out = output + n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                     + oh * p->out_stride[PK_H];
        /* This row and the next ones of its plane whose windows along h are inside the input too: the same window
           rows a stride further down each time, and the same divisor. */
        const int64_t run = oh >= lo[1] && oh < hi[1] ? (hi[1] - oh < row_end - row ? hi[1] - oh : row_end - row) : 1;
        if (k.param == 3) {
            for (int64_t i = 0; i < run; i++, out += p->out_stride[PK_H], w[1].origin += ax[1].stride)
                triples_row(p, plane, w, laid_out ? &layout : 0, out, k);
        } else {
            /* the window's input rows, in the definition's order; at most PK_MAX_TAPS / 2 of them */
            const float* rows[PK_MAX_TAPS / 2];
            int64_t row_count = 0;
            for (int64_t jd = w[0].first; jd < w[0].last; jd++)
                for (int64_t jh = w[1].first; jh < w[1].last; jh++)
                    rows[row_count++] = plane + (w[0].origin + jd * ax[0].dilation) * p->in_stride[PK_D]
                                        + (w[1].origin + jh * ax[1].dilation) * p->in_stride[PK_H];
            const int64_t step = ax[1].stride * p->in_stride[PK_H];
            for (int64_t i = 0; i < run; i++, out += p->out_stride[PK_H]) {
                if (ahead)
                    for (int64_t r = 0; r < row_count; r++) pk_prefetch_span(rows[r], ahead, ax[2].in);
                if (row_count == 4) pairs_row(rows, 4, 4, divisor, ax[2].out, out, k);
                else if (row_count == 2) pairs_row(rows, 2, 2, divisor, ax[2].out, out, k);
                else pairs_row(rows, row_count, 0, divisor, ax[2].out, out, k);
                for (int64_t r = 0; r < row_count; r++) rows[r] += step;
            }
        }
        row += run - 1; /* the loop's step moves past the run's last row */
        oh += run - 1;
    }
}

/* Whether pairs compute p with windows `width` wide (kind.param: 0 for two, 3 for three): channels first, unit
   w-strides, sliding windows, along w with stride two, two wide inside the row (no padding, the last window within
   the input) or three wide (any padding) on rows of a vector of outputs or more, and at most PK_MAX_TAPS / 2 window
   rows. */
static inline int pairs_fit(const pk_plan* p, const int width) {
    const pk_axis* ax = p->axis;
    for (int i = 0; i < 3; i++)
        if (ax[i].window != PK_WINDOW_SLIDING) return 0;
    if (p->layout != PK_LAYOUT_NCHW || p->in_stride[PK_W] != 1 || p->out_stride[PK_W] != 1 || ax[2].stride != 2
        || ax[2].dilation != 1 || pk_kernel_volume(p) > PK_MAX_TAPS)
        return 0;
    if (width == 3)
        return ax[2].kernel == 3 && ax[2].out >= PK_VW; /* shorter rows: one masked vector, slower than tiles */
    return ax[2].kernel == 2 && ax[2].pad_begin == 0 && 2 * ax[2].out <= ax[2].in;
}

#endif
