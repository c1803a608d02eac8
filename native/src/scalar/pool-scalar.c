/* Max, min, average and LP pooling, scalar: the readable definition every SIMD variant must reproduce exactly (relaxed
   averages, PK_PRECISION_RELAXED: within their bound).
   Fractional windows (max and min) depend on the (n, c) plane's samples, so they are placed per channel. */
#include "pool-scalar.h"
#include "../pool-window.h"

static void windows_of(const pk_plan* p, int64_t n, int64_t c, int64_t od, int64_t oh, int64_t ow, pk_window w[3]) {
    if (p->axis[2].window == PK_WINDOW_FRACTIONAL) { /* the innermost axis is always a real one */
        /* PyTorch's sample order: (w, h) in 2d, but (d, h, w) in 3d */
        const float* u = p->samples + (n * p->channels + c) * p->rank;
        const int64_t o[3] = {od, oh, ow};
        for (int i = 0; i < 3; i++) {
            const int real = i >= 3 - p->rank, sample = p->rank == 3 ? i : 2 - i;
            w[i] = real ? pk_fractional_window(&p->axis[i], o[i], u[sample]) : (pk_window){0, 0, 1, 1};
        }
        return;
    }
    w[0] = pk_window_of(&p->axis[0], od);
    w[1] = pk_window_of(&p->axis[1], oh);
    w[2] = pk_window_of(&p->axis[2], ow);
}

static void extremum_rows(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                          int64_t row_end, int is_min) {
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh)) {
        for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
            for (int64_t c = c0; c < c0 + channels_per_row; c++) {
                pk_window w[3];
                windows_of(p, n, c, od, oh, ow, w);
                const float* in = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
                int64_t o = n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                            + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
                pk_extremum_pixel(p, in, w, &output[o], indices ? &indices[o] : 0, is_min);
            }
        }
    }
}

void pk_f32_maxpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    extremum_rows(p, input, output, indices, row_begin, row_end, 0);
}

void pk_f32_minpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    extremum_rows(p, input, output, indices, row_begin, row_end, 1);
}

static float avg_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                       int64_t* index) {
    (void)n, (void)c, (void)o, (void)index;
    return pk_avg_pixel(p, in, w);
}

static float avg_pixel_relaxed(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                               int64_t* index) {
    (void)n, (void)c, (void)o, (void)index;
    return pk_avg_pixel_relaxed(p, in, w);
}

void pk_f32_avgpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    (void)indices; /* averages report no tap */
    pk_window_rows(p, input, output, 0, row_begin, row_end,
                   p->precision == PK_PRECISION_RELAXED ? avg_pixel_relaxed : avg_pixel);
}

/* A NaN result is the canonical quiet NaN (0x7fc00000): powers and roots through libm (C) and the JVM's
   intrinsics (Java) do not keep NaN payloads alike, and so every backend agrees bit for bit. */
static float lp_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                      int64_t* index) {
    (void)n, (void)c, (void)o, (void)index;
    const float r = pk_lp_pixel(p, in, w);
    return isnan(r) ? NAN : r;
}

void pk_f32_lppool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                           int64_t row_end) {
    (void)indices; /* LP reports no tap */
    pk_window_rows(p, input, output, 0, row_begin, row_end, lp_pixel);
}
