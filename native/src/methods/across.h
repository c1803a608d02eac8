/* The methods' SIMD strategy, across channels: the channels of each output pixel PK_MV at a time, one lane each,
   every lane visiting the same window's taps in the scalar kernel's row-major order. The channels are contiguous
   (channels last, loaded as one vector) or a stride apart (channels first, read lane by lane): a window reduction
   costs far more than its loads (an exp or a log per tap), so one strategy serves both layouts and every window
   rule (sliding, adaptive, padding, dilation), and the last channels run as a partial vector. Channels first, the
   rows (n, c, od, oh) of [row_begin, row_end) are grouped per (n, od, oh) into runs of channels, as pool/across.h
   does. Channels first with a dense width, rows_along takes the outputs of a row along the width instead, PK_MV at
   a time (pk_method_along_fit): their taps are vector loads (stride 1) or two loads deinterleaved (stride 2).
   Needs lanes.h (PK_MV) and a window function
       vf fn(const pk_plan* p, const float* in, int64_t step, int64_t count, const pk_window w[3], int64_t c,
             int64_t c_step, int64_t o, int64_t out_step)
   returning the outputs of lanes 0 .. count - 1: lane i reads the window w at in + i * step, is of channel
   c + i * c_step and has the output offset o + i * out_step (for parameters shaped like the output); lanes past
   count are never stored. */
#ifndef PK_METHODS_ACROSS_H
#define PK_METHODS_ACROSS_H
#include "lanes.h"
#include "methods.h"

typedef vf (*pk_lanes_fn)(const pk_plan* p, const float* in, int64_t step, int64_t count, const pk_window w[3],
                          int64_t c, int64_t c_step, int64_t o, int64_t out_step);

/* The most vectors of a group: 4 unless the kernel's file says (more chains to overlap where registers allow).
   Across channels a file may take fewer (PK_ACROSS_GROUP_UNITS): there a group of every channel of a pixel is the
   whole loop, and its code must stay small enough for the instruction cache. */
#ifndef PK_GROUP_UNITS
#define PK_GROUP_UNITS 4
#endif
#ifndef PK_ACROSS_GROUP_UNITS
#define PK_ACROSS_GROUP_UNITS PK_GROUP_UNITS
#endif
_Static_assert(PK_GROUP_UNITS >= 1 && PK_GROUP_UNITS <= PK_LANES_UNITS && PK_GROUP_UNITS <= 8,
               "run_group names every count of units");
_Static_assert(PK_ACROSS_GROUP_UNITS >= 1 && PK_ACROSS_GROUP_UNITS <= PK_GROUP_UNITS, "groups across channels");

/* The first lane of vector u of a group of `units` whose last vector starts `back` lanes early (0 <= back < PK_MV,
   recomputing lanes of the one before: the same values). */
static inline int64_t group_lane(int u, int units, int64_t back) { return u * PK_MV - (u == units - 1 ? back : 0); }

/* `units` whole vectors at once (1 to PK_GROUP_UNITS, a constant in every call), vector u as fn's with in + l step,
   c + l c_step and o + l out_step, l = group_lane(u, units, back): computed together, so that their long chains
   overlap (lanes.h). */
typedef void (*pk_lanes_group_fn)(const pk_plan* p, const float* in, int64_t step, const pk_window w[3], int64_t c,
                                  int64_t c_step, int64_t o, int64_t out_step, int units, int64_t back,
                                  vf out[PK_LANES_UNITS]);

/* A group of `units` vectors (at most max_units, a constant), stored at `at`: group is called with a constant count,
   for which it is specialized once inlined. */
static inline __attribute__((always_inline)) void run_group(pk_lanes_group_fn group, int units, const int max_units,
                                                            int64_t back, const pk_plan* p, const float* in,
                                                            int64_t step, const pk_window w[3], int64_t c,
                                                            int64_t c_step, int64_t o, int64_t out_step, float* at) {
    vf y[PK_LANES_UNITS];
    if (units > max_units) __builtin_unreachable();
    switch (units) {
    case 1: group(p, in, step, w, c, c_step, o, out_step, 1, back, y); break;
#if PK_GROUP_UNITS >= 2
    case 2: group(p, in, step, w, c, c_step, o, out_step, 2, back, y); break;
#endif
#if PK_GROUP_UNITS >= 3
    case 3: group(p, in, step, w, c, c_step, o, out_step, 3, back, y); break;
#endif
#if PK_GROUP_UNITS >= 4
    case 4: group(p, in, step, w, c, c_step, o, out_step, 4, back, y); break;
#endif
#if PK_GROUP_UNITS >= 5
    case 5: group(p, in, step, w, c, c_step, o, out_step, 5, back, y); break;
#endif
#if PK_GROUP_UNITS >= 6
    case 6: group(p, in, step, w, c, c_step, o, out_step, 6, back, y); break;
#endif
#if PK_GROUP_UNITS >= 7
    case 7: group(p, in, step, w, c, c_step, o, out_step, 7, back, y); break;
#endif
#if PK_GROUP_UNITS >= 8
    case 8: group(p, in, step, w, c, c_step, o, out_step, 8, back, y); break;
#endif
    default: __builtin_unreachable();
    }
    for (int u = 0; u < units; u++) store_lanes(at + group_lane(u, units, back) * out_step, out_step, PK_MV, y[u]);
}

/* The next group of lanes from pos < end, end - pos >= PK_MV: max_units whole vectors, or where fewer remain, as
   many as cover the rest, the last one ending at end (*back lanes early). */
static inline int next_group(int64_t pos, int64_t end, const int max_units, int64_t* back) {
    const int64_t left = end - pos;
    if (left >= max_units * PK_MV) {
        *back = 0;
        return max_units;
    }
    const int units = (int)((left + PK_MV - 1) / PK_MV);
    *back = units * PK_MV - left;
    return units;
}

/* Channels [c_begin, c_end) of the outputs of line (n, od, oh) outside [skip_begin, skip_end) along the width, in
   groups where group is not NULL. */
static inline __attribute__((always_inline)) void line_across(const pk_plan* p, const float* input, float* output,
                                                              int64_t n, int64_t od, int64_t oh, int64_t c_begin,
                                                              int64_t c_end, int64_t skip_begin, int64_t skip_end,
                                                              pk_lanes_fn fn, pk_lanes_group_fn group) {
    const int64_t cs = p->in_stride[PK_C], out_cs = p->out_stride[PK_C];
    pk_window w[3];
    w[0] = pk_window_of(&p->axis[0], od);
    w[1] = pk_window_of(&p->axis[1], oh);
    const float* in = input + n * p->in_stride[PK_N];
    const int64_t line = n * p->out_stride[PK_N] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
    for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
        if (ow == skip_begin && skip_end > skip_begin) {
            ow = skip_end - 1;
            continue;
        }
        w[2] = pk_window_of(&p->axis[2], ow);
        int64_t c = c_begin;
        for (; group && c_end - c_begin >= PK_MV && c < c_end; c += PK_ACROSS_GROUP_UNITS * PK_MV) {
            int64_t back;
            const int units = next_group(c, c_end, PK_ACROSS_GROUP_UNITS, &back);
            const int64_t o = line + ow * p->out_stride[PK_W] + c * out_cs;
            run_group(group, units, PK_ACROSS_GROUP_UNITS, back, p, in + c * cs, cs, w, c, 1, o, out_cs, output + o);
        }
        for (; c < c_end; c += PK_MV) {
            const int64_t count = c_end - c < PK_MV ? c_end - c : PK_MV,
                          o = line + ow * p->out_stride[PK_W] + c * out_cs;
            store_lanes(output + o, out_cs, count, fn(p, in + c * cs, cs, count, w, c, 1, o, out_cs));
        }
    }
}

/* Rows [row_begin, row_end), their outputs outside [skip_begin, skip_end) along the width (all of them where the
   range is empty). */
static inline __attribute__((always_inline)) void
rows_across_skipping(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                     int64_t skip_begin, int64_t skip_end, pk_lanes_fn fn, pk_lanes_group_fn group) {
    if (p->layout == PK_LAYOUT_NHWC) {
        int64_t n, c, od, oh;
        pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
        for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh))
            line_across(p, input, output, n, od, oh, 0, p->channels, skip_begin, skip_end, fn, group);
        return;
    }
    /* channels first: row (n, c, od, oh) is number (n*C + c)*lines + line */
    const int64_t lines = p->axis[0].out * p->axis[1].out;
    for (int64_t n = row_begin / (p->channels * lines); n <= (row_end - 1) / (p->channels * lines); n++) {
        for (int64_t line = 0; line < lines; line++) {
            const int64_t first = n * p->channels * lines + line; /* the row of channel 0 */
            const int64_t c_begin = row_begin > first ? (row_begin - first + lines - 1) / lines : 0;
            int64_t c_end = row_end > first ? (row_end - first + lines - 1) / lines : 0;
            if (c_end > p->channels) c_end = p->channels;
            if (c_begin < c_end)
                line_across(p, input, output, n, line / p->axis[1].out, line % p->axis[1].out, c_begin, c_end,
                            skip_begin, skip_end, fn, group);
        }
    }
}

static inline __attribute__((always_inline)) void rows_across(const pk_plan* p, const float* input, float* output,
                                                              int64_t row_begin, int64_t row_end, pk_lanes_fn fn,
                                                              pk_lanes_group_fn group) {
    rows_across_skipping(p, input, output, row_begin, row_end, 0, 0, fn, group);
}

/* Rows [row_begin, row_end) of a plan pk_method_along_fit takes: each row's outputs whose windows lie inside the
   input along the width, PK_MV lanes of consecutive outputs (in groups where group is not NULL; the last group or
   vector ends at the last of them, recomputing some outputs: the same values); the others, whose windows are
   clipped, across channels afterwards (rows_across_skipping), where lanes share one window and their long chains
   still overlap in groups. */
static inline __attribute__((always_inline)) void rows_along(const pk_plan* p, const float* input, float* output,
                                                             int64_t row_begin, int64_t row_end, pk_lanes_fn fn,
                                                             pk_lanes_group_fn group) {
    const pk_axis* ax = p->axis;
    const int64_t stride = ax[2].stride;
    int64_t lo, hi;
    pk_interior(&ax[2], &lo, &hi);
    if (hi - lo < PK_MV) lo = hi = 0; /* no whole vector: every output across channels */
    int64_t n, c, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_of(&ax[0], od);
        w[1] = pk_window_of(&ax[1], oh);
        const float* plane = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        const int64_t o =
            n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
        int64_t ow = lo;
        for (; group && ow < hi; ow += PK_GROUP_UNITS * PK_MV) {
            int64_t back;
            const int units = next_group(ow, hi, PK_GROUP_UNITS, &back);
            w[2] = pk_window_of(&ax[2], ow);
            run_group(group, units, PK_GROUP_UNITS, back, p, plane, stride, w, c, 0, o + ow, 1, output + o + ow);
        }
        for (; ow < hi; ow += PK_MV) {
            const int64_t at = ow + PK_MV <= hi ? ow : hi - PK_MV;
            w[2] = pk_window_of(&ax[2], at);
            store_lanes(output + o + at, 1, PK_MV, fn(p, plane, stride, PK_MV, w, c, 0, o + at, 1));
        }
    }
    if (lo > 0 || hi < ax[2].out) rows_across_skipping(p, input, output, row_begin, row_end, lo, hi, fn, group);
}

#endif
