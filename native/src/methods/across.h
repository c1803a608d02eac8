/* The methods' SIMD strategy, across channels: the channels of each output pixel PK_MV at a time, one lane each,
   every lane visiting the same window's taps in the scalar kernel's row-major order. The channels are contiguous
   (channels last, loaded as one vector) or a stride apart (channels first, read lane by lane): a window reduction
   costs far more than its loads (an exp or a log per tap), so one strategy serves both layouts and every window
   rule (sliding, adaptive, padding, dilation), and the last channels run as a partial vector. Channels first, the
   rows (n, c, od, oh) of [row_begin, row_end) are grouped per (n, od, oh) into runs of channels, as pool/across.h
   does. Needs lanes.h (PK_MV) and a window function
       vf fn(const pk_plan* p, const float* in, int64_t step, int64_t count, const pk_window w[3], int64_t c,
             int64_t o, int64_t out_step)
   returning the outputs of channels c .. c + count - 1 whose (n, c) origins are in, in + step, ... and whose
   output offsets are o, o + out_step, ... (for parameters shaped like the output); lanes past count are never
   stored. */
#ifndef PK_METHODS_ACROSS_H
#define PK_METHODS_ACROSS_H
#include "lanes.h"
#include "methods.h"

typedef vf (*pk_lanes_fn)(const pk_plan* p, const float* in, int64_t step, int64_t count, const pk_window w[3],
                          int64_t c, int64_t o, int64_t out_step);

/* Channels [c_begin, c_end) of every output of line (n, od, oh). */
static inline __attribute__((always_inline)) void line_across(const pk_plan* p, const float* input, float* output,
                                                              int64_t n, int64_t od, int64_t oh, int64_t c_begin,
                                                              int64_t c_end, pk_lanes_fn fn) {
    const int64_t cs = p->in_stride[PK_C], out_cs = p->out_stride[PK_C];
    pk_window w[3];
    w[0] = pk_window_of(&p->axis[0], od);
    w[1] = pk_window_of(&p->axis[1], oh);
    const float* in = input + n * p->in_stride[PK_N];
    const int64_t line = n * p->out_stride[PK_N] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H];
    for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
        w[2] = pk_window_of(&p->axis[2], ow);
        for (int64_t c = c_begin; c < c_end; c += PK_MV) {
            const int64_t count = c_end - c < PK_MV ? c_end - c : PK_MV,
                          o = line + ow * p->out_stride[PK_W] + c * out_cs;
            store_lanes(output + o, out_cs, count, fn(p, in + c * cs, cs, count, w, c, o, out_cs));
        }
    }
}

static inline __attribute__((always_inline)) void rows_across(const pk_plan* p, const float* input, float* output,
                                                              int64_t row_begin, int64_t row_end, pk_lanes_fn fn) {
    if (p->layout == PK_LAYOUT_NHWC) {
        int64_t n, c, od, oh;
        pk_row_coordinates(p, row_begin, &n, &c, &od, &oh);
        for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c, &od, &oh))
            line_across(p, input, output, n, od, oh, 0, p->channels, fn);
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
                line_across(p, input, output, n, line / p->axis[1].out, line % p->axis[1].out, c_begin, c_end, fn);
        }
    }
}

#endif
