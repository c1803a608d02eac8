/* Rolling rows: channels first, 3x3 stride-1 windows whose outputs have the input's size (Inception's average pools,
   most "same" 3x3 pools), without indices. Each output row is vectorized along its width; each input row is read
   once, as its three column shifts (taps b = 0, 1, 2), and added to the running values of the output rows whose
   windows hold it, which roll over as the rows go by: output row oh takes input rows oh - pad_h, oh - pad_h + 1 and
   oh - pad_h + 2 in turn, so every lane visits its window's taps in the definition's row-major order, and the row
   after its last window row finishes it. Taps past a row's ends load under masks as the identity (+0 for sums,
   which never are -0: they start at +0), and a window row outside the plane is not added, which leaves the result
   the same. So a vector of outputs costs three loads, nine additions and its division, which then bounds it (256
   planes of 28x28, average, kernel alone on a Zen 4: AVX-512 80 -> 37 us against the flat line's six loads, nine
   lookups in register pairs and six masks per vector, below channels last's 40; AVX2 133 -> 71 against the tiles). */
#ifndef PK_POOL_ROLLING_H
#define PK_POOL_ROLLING_H
#include "../simd/accumulate.h"

/* Column vectors a pass over a plane's rows keeps running: three running values and three taps each stay in
   registers. */
#define PK_ROLLING_VECTORS (PK_VW == 16 ? 4 : 2)
#define PK_ROLLING_ROWS 3     /* the window's height and width */
#define PK_ROLLING_WIDTH 1024 /* the widest rows: a call's table of column factors */

/* Whether rolling rows compute p: channels first, dense rows (depth one), 3x3 sliding windows with stride 1 and
   dilation 1 whose outputs have the input's size, rows that fill more than half a vector (shorter ones leave most
   lanes idle: across channels or small planes take them) and fit the table of column factors. */
static inline int rolling_fits(const pk_plan* p) {
    const pk_axis* ax = p->axis;
    for (int i = 0; i < 3; i++)
        if (ax[i].window != PK_WINDOW_SLIDING) return 0;
    if (p->layout != PK_LAYOUT_NCHW || ax[0].in != 1 || ax[0].out != 1 || ax[0].kernel != 1) return 0;
    for (int i = 1; i < 3; i++)
        if (ax[i].kernel != PK_ROLLING_ROWS || ax[i].stride != 1 || ax[i].dilation != 1 || ax[i].out != ax[i].in
            || ax[i].pad_begin > PK_ROLLING_ROWS - 1)
            return 0;
    const int64_t w = ax[2].in;
    return 2 * w > PK_VW && w <= PK_ROLLING_WIDTH && p->in_stride[PK_W] == 1 && p->out_stride[PK_W] == 1
           && p->in_stride[PK_H] == w && p->out_stride[PK_H] == w;
}

/* Axis i's factor of the average's divisor at output o (pk_avg_divisor multiplies them). */
static inline int64_t rolling_factor(const pk_plan* p, int i, int64_t o) {
    const pk_window w = pk_window_of(&p->axis[i], o);
    switch (p->divisor_mode) {
    case PK_DIVISOR_EXCLUDE_PADDING: return w.last - w.first;
    case PK_DIVISOR_INCLUDE_PADDING: return w.padded;
    default: return p->axis[i].kernel;
    }
}

/* What a pass needs of one column vector (columns [column, column + PK_VW) of every row): the lanes whose tap b
   lies in its row, the lanes inside the row, and for averages each lane's factor of the divisor along w, with the
   divisor of rows whose windows lie inside the plane along h and, for relaxed averages, its reciprocal. */
typedef struct rolling_column {
    vm tap[PK_ROLLING_ROWS];
    vm inside;
    int whole; /* every lane inside the row: plain stores */
    vf factor, interior_divisor, interior_reciprocal;
} rolling_column;

/* An average's factor of the divisor along w per column, made once per call ([w, w + PK_VW): 1, never stored). */
typedef struct rolling_factors {
    float column[PK_ROLLING_WIDTH + PK_VW];
    float interior_row; /* of rows whose windows lie inside the plane along h, or the divisor override */
    float edge_row[2 * (PK_ROLLING_ROWS - 1)]; /* of rows [0, pad_h), then [h - (2 - pad_h), h) */
} rolling_factors;

static __attribute__((noinline)) void rolling_factors_of(const pk_plan* p, rolling_factors* f) {
    const int64_t w = p->axis[2].in;
    for (int64_t ow = 0; ow < w + PK_VW; ow++)
        f->column[ow] = ow >= w || p->divisor_override > 0 ? 1.0f : (float)rolling_factor(p, 2, ow);
    const int64_t h = p->axis[1].in, pad_h = p->axis[1].pad_begin, tail = PK_ROLLING_ROWS - 1 - pad_h;
    f->interior_row = p->divisor_override > 0 ? (float)p->divisor_override : (float)rolling_factor(p, 1, pad_h);
    for (int64_t i = 0; i < pad_h + tail; i++) {
        const int64_t oh = i < pad_h ? i : h - tail + (i - pad_h);
        f->edge_row[i] =
            p->divisor_override > 0 || oh < 0 || oh >= h ? f->interior_row : (float)rolling_factor(p, 1, oh);
    }
}

PK_INLINE rolling_column rolling_column_of(const pk_plan* p, const rolling_factors* f, int64_t column,
                                           const pk_kind k) {
    const int64_t w = p->axis[2].in, pad_w = p->axis[2].pad_begin;
    rolling_column c;
    c.inside = vm_inside(column, w);
    c.whole = column + PK_VW <= w;
    for (int b = 0; b < PK_ROLLING_ROWS; b++) c.tap[b] = vm_and(c.inside, vm_inside(column + b - pad_w, w));
    c.factor = c.interior_divisor = c.interior_reciprocal = vf_set1(1.0f);
    if (pk_reduce_sums(k.reduce)) { /* products of small integers, exact in floats */
        c.factor = vf_loadu(f->column + column);
        c.interior_divisor = vf_mul(vf_set1(f->interior_row), c.factor);
        /* relaxed averages multiply by it, rounded to a float (within the relaxed bound) */
        if (k.reduce == PK_REDUCE_SUM_RELAXED) c.interior_reciprocal = vf_div(vf_set1(1.0f), c.interior_divisor);
    }
    return c;
}

/* The running values of a pass: running[j][v] is window row j of output row r + pad_h - j at input row r. */
typedef acc rolling_values[PK_ROLLING_ROWS][PK_ROLLING_VECTORS];

/* One input row of a pass, from `row` (its column - pad_w; NULL: a row outside the plane), added into the running
   values; then the output row it finishes stored at `to` (NULL: a row before the range) and the values rolled.
   The output row's divisor is the interior one, or its factor times the columns' (`row_factor`, 0: interior). */
PK_INLINE void rolling_row(const rolling_column* col, const float* row, float* to, float row_factor,
                           rolling_values running, const int vectors, const pk_kind k) {
    const vf fill = load_value(reduce_identity(k), k); /* extrema: raw, before load_value */
    if (row)
#pragma GCC unroll 4
        for (int v = 0; v < vectors; v++) {
            vf tap[PK_ROLLING_ROWS];
            for (int b = 0; b < PK_ROLLING_ROWS; b++)
                tap[b] = pk_reduce_sums(k.reduce)
                             ? vf_load_masked_zero(row + v * PK_VW + b, col[v].tap[b])
                             : load_value(vf_load_masked(row + v * PK_VW + b, col[v].tap[b], fill), k);
            /* the additions bound this loop: neighbouring sums alternate adders and multipliers (acc_add) */
            for (int j = 0; j < PK_ROLLING_ROWS; j++)
                for (int b = 0; b < PK_ROLLING_ROWS; b++)
                    if (pk_reduce_sums(k.reduce)) acc_add(&running[j][v], tap[b], (j + b + v) & 1);
                    else acc_update(&running[j][v], tap[b], vi_set1(0), k);
        }
    if (to)
#pragma GCC unroll 4
        for (int v = 0; v < vectors; v++) {
            const acc* a = &running[PK_ROLLING_ROWS - 1][v];
            vf result;
            if (!pk_reduce_sums(k.reduce)) result = extremum_result(a->value, a->no_nan, k);
            else if (row_factor != 0.0f) result = vf_div(a->value, vf_mul(vf_set1(row_factor), col[v].factor));
            else if (k.reduce == PK_REDUCE_SUM_RELAXED) result = vf_mul(a->value, col[v].interior_reciprocal);
            else result = vf_div(a->value, col[v].interior_divisor);
            if (col[v].whole) vf_storeu(to + v * PK_VW, result);
            else vf_store_masked(to + v * PK_VW, col[v].inside, result);
        }
    for (int v = 0; v < vectors; v++) {
        for (int j = PK_ROLLING_ROWS - 1; j > 0; j--) running[j][v] = running[j - 1][v];
        acc_init(&running[0][v], vi_set1(0), k);
    }
}

/* Output rows [first, end) of one plane, columns [column, column + vectors PK_VW): input rows r from first - pad_h
   to end - 1 - pad_h + 2 in order, each finishing output row r + pad_h - 2 (rolling_row). Running values of output
   rows before `first` are added into and never stored. A constant `vectors` keeps them in registers. */
PK_INLINE void rolling_pass(const pk_plan* p, const rolling_factors* f, const float* in, float* out, int64_t first,
                            int64_t end, int64_t column, const int vectors, const pk_kind k) {
    const int64_t h = p->axis[1].in, w = p->axis[2].in, pad_h = p->axis[1].pad_begin, last = PK_ROLLING_ROWS - 1;
    const int64_t interior_end = h - (last - pad_h); /* output rows [pad_h, interior_end) have every window row */
    const int by_rows = pk_reduce_sums(k.reduce) && p->divisor_override <= 0;
    rolling_column col[PK_ROLLING_VECTORS];
    for (int v = 0; v < vectors; v++) col[v] = rolling_column_of(p, f, column + v * PK_VW, k);
    rolling_values running;
    for (int j = 0; j < PK_ROLLING_ROWS; j++)
        for (int v = 0; v < vectors; v++) acc_init(&running[j][v], vi_set1(0), k);
    const int64_t pad_w = p->axis[2].pad_begin, r_end = end - pad_h + last;
    /* rows [steady, steady_end) lie in the plane and finish stored outputs whose windows lie inside it along h */
    const int64_t steady = first - pad_h + last > last ? first - pad_h + last : last;
    const int64_t steady_end = r_end < h ? r_end : h;
    for (int64_t r = first - pad_h; r < r_end; r++) {
        if (r == steady && steady < steady_end) /* the steady rows, without tests: as many as loop once more */
            for (; r < steady_end; r++)
                rolling_row(col, in + r * w + column - pad_w, out + (r + pad_h - last) * w + column, 0.0f, running,
                            vectors, k);
        if (r == r_end) break;
        const int64_t done = r + pad_h - last;
        const float row_factor = !by_rows || done < first || (done >= pad_h && done < interior_end) ? 0.0f
                                 : done < pad_h                                                     ? f->edge_row[done]
                                                : f->edge_row[pad_h + done - interior_end];
        rolling_row(col, r >= 0 && r < h ? in + r * w + column - pad_w : 0, done >= first ? out + done * w + column : 0,
                    row_factor, running, vectors, k);
    }
}

/* Rows [row_begin, row_end): each plane's share of them is one range of its output rows, in passes of up to
   PK_ROLLING_VECTORS column vectors. */
PK_INLINE void planes_rolling(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                              const pk_kind k) {
    const int64_t h = p->axis[1].out, w = p->axis[2].out;
    rolling_factors f;
    f.interior_row = 1.0f;
    if (pk_reduce_sums(k.reduce)) rolling_factors_of(p, &f);
    for (int64_t row = row_begin; row < row_end;) {
        const int64_t plane = row / h, first = row - plane * h;
        const int64_t end = row_end - plane * h < h ? row_end - plane * h : h;
        const int64_t n = plane / p->channels, c = plane % p->channels;
        const float* in = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        float* out = output + n * p->out_stride[PK_N] + c * p->out_stride[PK_C];
        for (int64_t column = 0; column < w; column += PK_ROLLING_VECTORS * PK_VW) {
            const int64_t left = (w - column + PK_VW - 1) / PK_VW;
            switch (left >= PK_ROLLING_VECTORS ? PK_ROLLING_VECTORS : left) { /* constant counts unroll */
            case 1: rolling_pass(p, &f, in, out, first, end, column, 1, k); break;
#if PK_ROLLING_VECTORS > 2
            case 3: rolling_pass(p, &f, in, out, first, end, column, 3, k); break;
#endif
#if PK_ROLLING_VECTORS > 3
            case 4: rolling_pass(p, &f, in, out, first, end, column, 4, k); break;
#endif
            default: rolling_pass(p, &f, in, out, first, end, column, 2, k); break;
            }
        }
        row = plane * h + end;
    }
}

#endif
