/* Channels-last tiles: short channels-first rows leave the along-width strategy few vectors per row. Here PK_VW
   channels at a time are transposed, one input row at a time, into a small channels-last buffer padded with the
   op's identity, and each output of a line is one vector over those channels, as across channels; the outputs
   (and indices) are transposed back. Each lane visits its channel's taps in the definition's order, and the
   identities leave every result unchanged bit for bit (see reduce_identity), so padding taps need no tests. A
   buffered row serves every line of the tile whose window holds it. kind.param is the kernel width as a
   compile-time constant (2 or 3), so that a row's taps unroll, or 0 for any width. Relaxed averages add each line's
   rows into column sums first (tile_line_relaxed). */
#ifndef PK_POOL_TILES_H
#define PK_POOL_TILES_H
#include "../simd/accumulate.h"

#define PK_TILE_WIDTH 128 /* padded input positions of a line */
#define PK_TILE_ROWS 4    /* buffered input rows per tile, see tile_spans */

/* Spans along d and h: powers of two covering a window's extent, so that input row (d, h) in slot
   (d % span_d)*span_h + h % span_h never evicts another row of the same window. */
static inline int tile_spans(const pk_axis* ax, int64_t span[2]) {
    for (int i = 0; i < 2; i++) {
        const int64_t extent = (ax[i].kernel - 1) * ax[i].dilation + 1;
        for (span[i] = 1; span[i] < extent && span[i] <= PK_TILE_ROWS;) span[i] *= 2;
    }
    return span[0] * span[1] <= PK_TILE_ROWS;
}

/* Padded positions a line reads: from output 0's first tap to the last output's last tap. */
static inline int64_t tile_width(const pk_axis* w) {
    return (w->out - 1) * w->stride + (w->kernel - 1) * w->dilation + 1;
}

/* Whether tiles compute p: channels first, sliding windows, unit w-strides, rows that fit a tile, and the kernel
   width of the variant (0: any). */
static inline int tiles_fit(const pk_plan* p, const int fixed_width) {
    int64_t span[2];
    for (int i = 0; i < 3; i++)
        if (p->axis[i].window != PK_WINDOW_SLIDING) return 0;
    return p->layout == PK_LAYOUT_NCHW && p->in_stride[PK_W] == 1 && p->out_stride[PK_W] == 1
           && tile_spans(p->axis, span) && tile_width(&p->axis[2]) <= PK_TILE_WIDTH
           && (fixed_width == 0 || p->axis[2].kernel == fixed_width);
}

/* One input row of `count` channels (planes in_stride[C] apart from `row`) as channels-last vectors at
   padded positions [0, width): negated for min pooling, the identity where the row has no input. */
PK_INLINE void tile_row(const pk_plan* p, const float* row, int64_t count, int64_t width, float* slot,
                        const pk_kind k) {
    const pk_axis* w = &p->axis[2];
    const int64_t cs = p->in_stride[PK_C];
    const vf identity = reduce_identity(k);
    const int64_t begin = w->pad_begin, end = begin + w->in < width ? begin + w->in : width;
    for (int64_t x = 0; x < begin; x++) vf_storeu(slot + x * PK_VW, identity);
    for (int64_t x = end; x < width; x++) vf_storeu(slot + x * PK_VW, identity);
    for (int64_t x = begin; x < end; x += PK_VW) {
        const int64_t n = end - x < PK_VW ? end - x : PK_VW;
        if (count == PK_VW && n == PK_VW) { /* four positions at a time, stored as they arrive */
#pragma GCC unroll 4
            for (int b = 0; b < PK_VW; b += 4) {
                vf q[4];
                vf_load_columns4(row + x - begin + b, cs, q);
#pragma GCC unroll 4
                for (int i = 0; i < 4; i++) vf_storeu(slot + (x + b + i) * PK_VW, load_value(q[i], k));
            }
            continue;
        }
        vf r[PK_VW];
        for (int j = 0; j < PK_VW; j++)
            r[j] = j >= count   ? identity
                   : n == PK_VW ? vf_loadu(row + j * cs + x - begin)
                                : vf_load_n(row + j * cs + x - begin, n);
        vf_transpose(r);
        for (int i = 0; i < PK_VW; i++)
            if (i < n) vf_storeu(slot + (x + i) * PK_VW, load_value(r[i], k));
    }
}

/* A line's outputs along w and what they start from. */
typedef struct tile_line_out {
    int64_t count;           /* outputs along w */
    int64_t stride;          /* along w */
    const float* divisor;    /* averages: per output */
    const float* reciprocal; /* relaxed averages: per output, what the sum is multiplied by */
    int64_t line_first;      /* with indices: index of the line's first tap inside the input, along d and h */
    const int32_t* first_w;  /* with indices: output ow's first tap inside the input, along w */
    float* values;           /* [count][PK_VW] */
    int32_t* index;          /* [count][PK_VW], with indices */
} tile_line_out;

/* A line of relaxed averages: its `taken` buffered rows are added first into column sums, one per padded position
   and shared by every window over it (3x3 windows, stride 1: 6 additions per output instead of 8), then each output
   adds its window's columns and multiplies by its reciprocal. */
PK_INLINE void tile_line_relaxed(const float* const* rows, int64_t taken, int64_t kernel_w, int64_t dilation,
                                 tile_line_out out) {
    const int64_t width = (out.count - 1) * out.stride + (kernel_w - 1) * dilation + 1; /* tile_width */
    if (taken == 0) { /* dilated windows can hold no input row at all: their averages are 0 */
        for (int64_t ow = 0; ow < out.count; ow++) vf_storeu(out.values + ow * PK_VW, vf_set1(0.0f));
        return;
    }
    float columns[PK_TILE_WIDTH * PK_VW];
    const float* sums = rows[0];
    if (taken > 1) {
        for (int64_t x = 0; x < width * PK_VW; x += PK_VW) {
            vf column = vf_loadu(rows[0] + x);
            for (int64_t r = 1; r < taken; r++) column = vf_add(column, vf_loadu(rows[r] + x));
            vf_storeu(columns + x, column);
        }
        sums = columns;
    }
    const int64_t tap_step = dilation * PK_VW, out_step = out.stride * PK_VW;
    for (int64_t ow = 0; ow < out.count; ow++) {
        const float* at = sums + ow * out_step;
        vf sum = vf_loadu(at);
        for (int64_t jw = 1; jw < kernel_w; jw++) sum = vf_add(sum, vf_loadu(at + jw * tap_step));
        vf_storeu(out.values + ow * PK_VW, vf_mul(sum, vf_set1(out.reciprocal[ow])));
    }
}

/* The outputs of one line, from its window's `taken` buffered rows; padded position x of buffered row r has plane
   index row_index[r] + x. A padding position never wins (it holds the identity), so its index, which may lie
   outside the plane, is never kept. */
PK_INLINE void tile_line(const float* const* rows, const int64_t* row_index, int64_t taken, int64_t kernel_w,
                         int64_t dilation, tile_line_out out, const pk_kind k) {
    if (k.reduce == PK_REDUCE_SUM_RELAXED) {
        tile_line_relaxed(rows, taken, kernel_w, dilation, out);
        return;
    }
    const int64_t tap_step = dilation * PK_VW, out_step = out.stride * PK_VW;
    for (int64_t ow = 0; ow < out.count; ow++) {
        const int64_t x = ow * out_step;
        vf result;
        if (k.indices) {
            acc a;
            acc_init(&a, vi_set1(out.line_first + out.first_w[ow]), k);
            for (int64_t r = 0; r < taken; r++)
                for (int64_t jw = 0; jw < kernel_w; jw++)
                    acc_update(&a, vf_loadu(rows[r] + x + jw * tap_step),
                               vi_set1(row_index[r] + ow * out.stride + jw * dilation), k);
            result = extremum_result(a.value, a.no_nan, k);
            vi_storeu(out.index + ow * PK_VW, acc_index(&a, k));
        } else if (!pk_reduce_sums(k.reduce)) {
            vf m = vf_set1(-INFINITY);
            vm no_nan = vm_all();
            for (int64_t r = 0; r < taken; r++)
                for (int64_t jw = 0; jw < kernel_w; jw++) {
                    const vf v = vf_loadu(rows[r] + x + jw * tap_step);
                    m = vf_max(v, m);
                    if (k.propagate) no_nan = vm_and_ordered(no_nan, v, v);
                }
            result = extremum_result(m, no_nan, k);
        } else {
            vf sum = vf_set1(0.0f);
            for (int64_t r = 0; r < taken; r++)
                for (int64_t jw = 0; jw < kernel_w; jw++) sum = vf_add(sum, vf_loadu(rows[r] + x + jw * tap_step));
            result = out.divisor[ow] == 0.0f ? vf_set1(0.0f) : vf_div(sum, vf_set1(out.divisor[ow]));
        }
        vf_storeu(out.values + ow * PK_VW, result);
    }
}

/* Channels first, unit w-strides: rows [row_begin, row_end), PK_VW channels at a time. */
PK_INLINE void rows_tiled(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                          int64_t row_end, const pk_kind k) {
    const pk_axis* ax = p->axis;
    const int64_t lines = ax[0].out * ax[1].out, channels = p->channels, width = tile_width(&ax[2]);
    /* a fixed width: the kernel width as a compile-time constant, so that a row's taps unroll */
    const int64_t kernel_w = k.param ? k.param : ax[2].kernel;
    int64_t span[2], tag[PK_TILE_ROWS];
    tile_spans(ax, span);
    float slots[PK_TILE_ROWS][PK_TILE_WIDTH * PK_VW];
    float tile_out[PK_TILE_WIDTH * PK_VW];
    int32_t tile_index[PK_TILE_WIDTH * PK_VW];
    pk_window window_w[PK_TILE_WIDTH];
    if (pk_reduce_sums(k.reduce) || k.indices) /* the w windows of the averages' divisors, or of the first taps */
        for (int64_t ow = 0; ow < ax[2].out; ow++) window_w[ow] = pk_window_of(&ax[2], ow);
    int32_t first_w[PK_TILE_WIDTH]; /* with indices: output ow's first tap inside the input, along w */
    if (k.indices)
        for (int64_t ow = 0; ow < ax[2].out; ow++)
            first_w[ow] = (int32_t)pk_window_first_coordinate(&ax[2], &window_w[ow]);
    float divisor[PK_TILE_WIDTH], reciprocal[PK_TILE_WIDTH];
    int64_t divisor_key = -1;
    for (int64_t n = row_begin / (channels * lines); n <= (row_end - 1) / (channels * lines); n++) {
        const int64_t base = n * channels * lines; /* the row of (n, channel 0, line 0) */
        for (int64_t c0 = 0; c0 < channels; c0 += PK_VW) {
            const int64_t count = channels - c0 < PK_VW ? channels - c0 : PK_VW;
            const int64_t tile_first = base + c0 * lines, tile_end = tile_first + count * lines;
            if (tile_end <= row_begin || tile_first >= row_end) continue;
            const int whole = row_begin <= tile_first && tile_end <= row_end;
            for (int s = 0; s < PK_TILE_ROWS; s++) tag[s] = -1;
            const float* in = input + n * p->in_stride[PK_N] + c0 * p->in_stride[PK_C];
            float* out = output + n * p->out_stride[PK_N] + c0 * p->out_stride[PK_C];
            int64_t* index = k.indices ? indices + (out - output) : 0;
            int64_t line = 0;
            for (int64_t od = 0; od < ax[0].out; od++) {
                pk_window w[3];
                w[0] = pk_window_of(&ax[0], od);
                for (int64_t oh = 0; oh < ax[1].out; oh++, line++) {
                    /* channels c0 + [j_begin, j_end) have their row (n, c, line) in [row_begin, row_end) */
                    int64_t j_begin = 0, j_end = count;
                    if (!whole) {
                        const int64_t first = tile_first + line;
                        j_begin = row_begin > first ? (row_begin - first + lines - 1) / lines : 0;
                        j_end = row_end > first ? (row_end - first + lines - 1) / lines : 0;
                        if (j_end > count) j_end = count;
                        if (j_begin >= j_end) continue;
                    }
                    w[1] = pk_window_of(&ax[1], oh);
                    if (pk_reduce_sums(k.reduce)) { /* a line's divisors change only with its d and h extents */
                        w[2] = (pk_window){0, 0, 1, 1};
                        const int64_t key = pk_avg_divisor(p, w);
                        if (key != divisor_key) {
                            divisor_key = key;
                            for (int64_t ow = 0; ow < ax[2].out; ow++) {
                                w[2] = window_w[ow];
                                divisor[ow] = (float)pk_avg_divisor(p, w);
                                if (k.reduce == PK_REDUCE_SUM_RELAXED) reciprocal[ow] = pk_avg_reciprocal(p, w);
                            }
                        }
                    }
                    const float* rows[PK_TILE_ROWS];
                    int64_t row_index[PK_TILE_ROWS], taken = 0;
                    for (int64_t jd = w[0].first; jd < w[0].last; jd++) {
                        const int64_t id = w[0].origin + jd * ax[0].dilation;
                        for (int64_t jh = w[1].first; jh < w[1].last; jh++) {
                            const int64_t ih = w[1].origin + jh * ax[1].dilation;
                            const int64_t s = (id & (span[0] - 1)) * span[1] + (ih & (span[1] - 1)),
                                          r = id * ax[1].in + ih;
                            if (tag[s] != r) {
                                tag[s] = r;
                                tile_row(p, in + id * p->in_stride[PK_D] + ih * p->in_stride[PK_H], count, width,
                                         slots[s], k);
                            }
                            row_index[taken] = r * ax[2].in - ax[2].pad_begin;
                            rows[taken++] = slots[s];
                        }
                    }
                    const int64_t line_first = k.indices ? (pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in
                                                            + pk_window_first_coordinate(&ax[1], &w[1]))
                                                               * ax[2].in
                                                         : 0;
                    const tile_line_out line_out = {ax[2].out,  ax[2].stride, divisor,  reciprocal,
                                                    line_first, first_w,      tile_out, tile_index};
                    /* a compile-time row count, so that a window's taps unroll */
                    switch (taken) {
                    case 1: tile_line(rows, row_index, 1, kernel_w, ax[2].dilation, line_out, k); break;
                    case 2: tile_line(rows, row_index, 2, kernel_w, ax[2].dilation, line_out, k); break;
                    case 3: tile_line(rows, row_index, 3, kernel_w, ax[2].dilation, line_out, k); break;
                    default: tile_line(rows, row_index, taken, kernel_w, ax[2].dilation, line_out, k);
                    }
                    const int64_t o = od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
                    for (int64_t ow0 = 0; ow0 < ax[2].out; ow0 += PK_VW) {
                        const int64_t m = ax[2].out - ow0 < PK_VW ? ax[2].out - ow0 : PK_VW;
                        vf r[PK_VW];
                        for (int i = 0; i < PK_VW; i++)
                            r[i] = i < m ? vf_loadu(tile_out + (ow0 + i) * PK_VW) : vf_set1(0.0f);
                        vf_transpose(r);
                        for (int j = 0; j < PK_VW; j++)
                            if (j >= j_begin && j < j_end) {
                                if (m == PK_VW) vf_storeu(out + o + j * p->out_stride[PK_C] + ow0, r[j]);
                                else vf_store_n(out + o + j * p->out_stride[PK_C] + ow0, r[j], m);
                            }
                        if (!k.indices) continue;
                        /* the indices, transposed as bits */
                        for (int i = 0; i < PK_VW; i++)
                            r[i] = i < m ? vf_of_bits(vi_loadu(tile_index + (ow0 + i) * PK_VW)) : vf_set1(0.0f);
                        vf_transpose(r);
                        for (int j = 0; j < PK_VW; j++)
                            if (j >= j_begin && j < j_end)
                                vi_store_i64_n(index + o + j * p->out_stride[PK_C] + ow0, vi_of_bits(r[j]), m);
                    }
                }
            }
        }
    }
}

#endif
