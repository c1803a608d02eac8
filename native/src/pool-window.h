/* The pooling window along one axis, and the per-output-pixel definitions of max and average
   pooling. Shared by the scalar kernels (which are nothing more than loops around these) and by the
   SIMD kernels (which use them for border pixels). */
#ifndef PK_POOL_WINDOW_H
#define PK_POOL_WINDOW_H

#include <math.h>
#include <stdint.h>
#include "pool-plan.h"

/* Taps j in [first, last) of output o fall inside the input; `padded` taps fall inside the padded
   input [-pad_begin, in + pad_end); `origin` is the input coordinate of tap 0. */
typedef struct pk_window {
    int64_t origin;
    int64_t first;
    int64_t last;
    int64_t padded;
} pk_window;

static inline int64_t pk_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Adaptive bin o: [floor(o*in/out), ceil((o+1)*in/out)), in 128 bits since in*out may exceed 64. */
static inline pk_window pk_adaptive_window(const pk_axis* a, int64_t o) {
    const int64_t start = (int64_t)((__int128)o * a->in / a->out);
    const int64_t end = (int64_t)(((__int128)(o + 1) * a->in + a->out - 1) / a->out);
    pk_window w = {start, 0, end - start, end - start};
    return w;
}

/* Fractional window o of a (n, c) plane with sample u: PyTorch's generate_intervals, in float. */
static inline pk_window pk_fractional_window(const pk_axis* a, int64_t o, float u) {
    /* u was checked to lie in [0, 1) before the run; another thread may have changed it since, and no float outside
       that range may reach the conversions below (their results would be undefined): it counts as 0 */
    if (!(u >= 0.0f && u < 1.0f)) u = 0.0f;
    int64_t start = a->in - a->kernel;
    if (o < a->out - 1) {
        const float alpha = (float)(a->in - a->kernel) / (float)(a->out - 1);
        start = (int64_t)(((float)o + u) * alpha) - (int64_t)(u * alpha);
        /* from 2^23 elements on, float rounding can push a start past the last window that fits */
        if (start > a->in - a->kernel) start = a->in - a->kernel;
    }
    pk_window w = {start, 0, a->kernel, a->kernel};
    return w;
}

/* The window of output o along a sliding or adaptive axis (fractional windows need their sample). */
static inline pk_window pk_window_of(const pk_axis* a, int64_t o) {
    if (a->window == PK_WINDOW_ADAPTIVE) return pk_adaptive_window(a, o);
    pk_window w;
    w.origin = o * a->stride - a->pad_begin;
    if (a->dilation == 1) { /* the common case, without divisions */
        w.first = w.origin < 0 ? -w.origin : 0;
        w.last = a->in - w.origin < a->kernel ? a->in - w.origin : a->kernel;
        if (w.last < w.first) w.last = w.first;
        w.padded = a->in + a->pad_end - w.origin < a->kernel ? a->in + a->pad_end - w.origin : a->kernel;
        return w;
    }
    w.first = w.origin < 0 ? pk_ceil_div(-w.origin, a->dilation) : 0;
    int64_t last = pk_ceil_div(a->in - w.origin, a->dilation);
    w.last = last < a->kernel ? last : a->kernel;
    if (w.last < w.first) w.last = w.first;
    int64_t padded = pk_ceil_div(a->in + a->pad_end - w.origin, a->dilation);
    w.padded = padded < a->kernel ? padded : a->kernel;
    return w;
}

/* Whether along each axis a single output's window holds every input position, one apart, from the first: every
   output a window over its whole plane, whose taps are the plane's positions in memory order. */
static inline int pk_windows_whole(const pk_plan* p) {
    for (int i = 0; i < 3; i++) {
        const pk_axis* a = &p->axis[i];
        if (a->out != 1 || a->window == PK_WINDOW_FRACTIONAL) return 0;
        const pk_window w = pk_window_of(a, 0);
        if (w.last - w.first != a->in || w.origin + w.first * a->dilation != 0 || (a->dilation != 1 && a->in > 1))
            return 0;
    }
    return 1;
}

/* Input coordinate reported as the argmax of a window: its first tap inside the input, or, when the
   window holds no input at all, the origin clamped into the input (so every index is valid). */
static inline int64_t pk_window_first_coordinate(const pk_axis* a, const pk_window* w) {
    if (w->first < w->last) return w->origin + w->first * a->dilation;
    int64_t c = w->origin < 0 ? 0 : w->origin;
    return c < a->in ? c : a->in - 1;
}

/* Visits the taps of window w that lie inside the input, in row-major order (d, h, w): id, ih, iw are their
   input coordinates and tap their element offset from the (n, c) origin. */
#define PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) \
    for (int64_t jd_ = (w)[0].first; jd_ < (w)[0].last; jd_++) \
        for (int64_t id = (w)[0].origin + jd_ * (p)->axis[0].dilation, jh_ = (w)[1].first; jh_ < (w)[1].last; jh_++) \
            for (int64_t ih = (w)[1].origin + jh_ * (p)->axis[1].dilation, jw_ = (w)[2].first; jw_ < (w)[2].last; \
                 jw_++) \
                for (int64_t iw = (w)[2].origin + jw_ * (p)->axis[2].dilation, \
                             tap = id * (p)->in_stride[PK_D] + ih * (p)->in_stride[PK_H] + iw * (p)->in_stride[PK_W], \
                             once_ = 1; \
                     once_; once_ = 0)

/* BODY for each tap of window w in PK_FOR_EACH_TAP's order, `tap` its element offset; a window of 3x3 taps of one
   plane with constant counts, so that its taps unroll and the long per-tap work of the methods' SIMD kernels
   overlaps from tap to tap (3x3/2 over 64x112x112 on a Zen 5, kernel alone: SoftPool channels first 1105 -> 990 us,
   channels last 911 -> 766 us). BODY is expanded twice. */
#define PK_EACH_TAP_3X3_UNROLLED(p, w, tap, ...) \
    do { \
        if ((w)[0].last - (w)[0].first == 1 && (w)[1].last - (w)[1].first == 3 && (w)[2].last - (w)[2].first == 3) { \
            const int64_t first_ = ((w)[0].origin + (w)[0].first * (p)->axis[0].dilation) * (p)->in_stride[PK_D] \
                                   + ((w)[1].origin + (w)[1].first * (p)->axis[1].dilation) * (p)->in_stride[PK_H] \
                                   + ((w)[2].origin + (w)[2].first * (p)->axis[2].dilation) * (p)->in_stride[PK_W]; \
            const int64_t down_ = (p)->axis[1].dilation * (p)->in_stride[PK_H], \
                          right_ = (p)->axis[2].dilation * (p)->in_stride[PK_W]; \
            _Pragma("GCC unroll 3") for (int jh_ = 0; jh_ < 3; jh_++) \
                _Pragma("GCC unroll 3") for (int jw_ = 0; jw_ < 3; jw_++) { \
                const int64_t tap = first_ + jh_ * down_ + jw_ * right_; \
                __VA_ARGS__ \
            } \
        } else { \
            PK_FOR_EACH_TAP(p, w, id_, ih_, iw_, tap) { __VA_ARGS__ } \
        } \
    } while (0)

/* The same taps by PK_FOR_EACH_TAP alone, for a kernel whose registers do not hold a 3x3 window's unrolled work. */
#define PK_EACH_TAP_LOOPED(p, w, tap, ...) \
    do { \
        PK_FOR_EACH_TAP(p, w, id_, ih_, iw_, tap) { __VA_ARGS__ } \
    } while (0)

/* Adaptive averages with some output size above 1 divide per axis (PyTorch's adaptive_avg_pool kernels);
   with every size 1 PyTorch takes a mean, one division, as global pooling does. */
static inline int pk_adaptive_per_axis(const pk_plan* p) {
    return p->axis[2].window == PK_WINDOW_ADAPTIVE && (p->axis[0].out > 1 || p->axis[1].out > 1 || p->axis[2].out > 1);
}

/* Divisor of an average window, before divisor_override. Padded windows can be far larger than the input (a
   kernel of 2^39 over one element is valid with padding), so the product saturates at INT64_MAX, as in Java. */
static inline int64_t pk_avg_divisor(const pk_plan* p, const pk_window w[3]) {
    if (p->divisor_override > 0) return p->divisor_override;
    int64_t n = 1;
    for (int i = 0; i < 3; i++) {
        int64_t factor;
        switch (p->divisor_mode) {
        case PK_DIVISOR_EXCLUDE_PADDING: factor = w[i].last - w[i].first; break;
        case PK_DIVISOR_INCLUDE_PADDING: factor = w[i].padded; break;
        default: factor = p->axis[i].kernel; break;
        }
        if (__builtin_mul_overflow(n, factor, &n)) n = INT64_MAX;
    }
    return n;
}

/* Max (or, with is_min, min) over one window. `in` points at the (n, c) origin; taps are visited in
   row-major order (d, h, w). Ties keep the first tap; with PK_NAN_PROPAGATE a NaN wins, its index is the last
   NaN's (PyTorch) and its value the canonical quiet NaN. */
static inline void pk_extremum_pixel(const pk_plan* p, const float* in, const pk_window w[3], float* out,
                                     int64_t* index, const int is_min) {
    const pk_axis* ax = p->axis;
    float best = is_min ? INFINITY : -INFINITY;
    int64_t best_index =
        (pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in + pk_window_first_coordinate(&ax[1], &w[1])) * ax[2].in
        + pk_window_first_coordinate(&ax[2], &w[2]);
    const int propagate = p->nan_mode == PK_NAN_PROPAGATE;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float v = in[tap];
        if ((is_min ? v < best : v > best) || (propagate && isnan(v))) {
            best = v;
            best_index = (id * ax[1].in + ih) * ax[2].in + iw;
        }
    }
    /* a NaN result is the canonical quiet NaN (0x7fc00000), whatever the input NaN's sign and payload: every
       SIMD path can give exactly that cheaply, and so every level agrees bit for bit */
    *out = isnan(best) ? NAN : best;
    if (index) *index = best_index;
}

/* The taps of a whole window, kernel_d * kernel_h * kernel_w, saturated at INT64_MAX: each kernel size is below
   2^40, so the product of three, or two, may not fit, and a wrapped product could pass a bound on the taps that
   the window's loops then exceed. */
static inline int64_t pk_kernel_volume(const pk_plan* p) {
    int64_t volume = 1;
    for (int i = 0; i < 3; i++)
        if (__builtin_mul_overflow(volume, p->axis[i].kernel, &volume)) return INT64_MAX;
    return volume;
}

/* Whether an average's windows are wide (more than PK_AVG_WIDE_TAPS taps): they sum in double. */
static inline int pk_avg_wide(const pk_plan* p) { return p->op == PK_OP_AVG && pk_kernel_volume(p) > PK_AVG_WIDE_TAPS; }

/* The average of a wide window: taps added in double in row-major order, divided in double, rounded once. */
static inline float pk_avg_wide_pixel(const pk_plan* p, const float* in, const pk_window w[3]) {
    double sum = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) sum += in[tap];
    if (pk_adaptive_per_axis(p))
        return (float)(sum / (double)(w[0].last - w[0].first) / (double)(w[1].last - w[1].first)
                       / (double)(w[2].last - w[2].first));
    int64_t divisor = pk_avg_divisor(p, w);
    return divisor == 0 ? 0.0f : (float)(sum / (double)divisor);
}

/* Average over one window: the sum in row-major tap order, divided once; in double for wide windows (see
   PK_AVG_WIDE_TAPS). A window with no input taps and an exclude-padding divisor of 0 averages to 0. */
static inline float pk_avg_pixel(const pk_plan* p, const float* in, const pk_window w[3]) {
    if (pk_avg_wide(p)) return pk_avg_wide_pixel(p, in, w);
    float sum = 0.0f;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) sum += in[tap];
    if (pk_adaptive_per_axis(p)) /* PyTorch divides an adaptive sum by each axis's bin length in turn */
        return sum / (float)(w[0].last - w[0].first) / (float)(w[1].last - w[1].first)
               / (float)(w[2].last - w[2].first);
    int64_t divisor = pk_avg_divisor(p, w);
    return divisor == 0 ? 0.0f : sum / (float)divisor;
}

/* Whether an average runs at PK_PRECISION_RELAXED: windows summed in float (wide ones keep their double sums,
   which are within the relaxed bound). */
static inline int pk_avg_relaxed(const pk_plan* p) {
    return p->op == PK_OP_AVG && p->precision == PK_PRECISION_RELAXED && !pk_avg_wide(p);
}

/* What a relaxed average multiplies its sum by: 1/d rounded once to float, d the divisor (the product of the bin
   lengths for adaptive averages that divide per axis); 0 for a divisor of 0 (a window without taps averages to
   0). Taken through double, where d is exact (at most 2^40, or 1024 taps), so r = 1/d (1 + e) with
   |e| <= 2^-24 + 2^-53 + 2^-77: the bound of PK_PRECISION_RELAXED counts it as two roundings. */
static inline float pk_avg_reciprocal(const pk_plan* p, const pk_window w[3]) {
    const double d = pk_adaptive_per_axis(p) ? (double)(w[0].last - w[0].first) * (double)(w[1].last - w[1].first)
                                                   * (double)(w[2].last - w[2].first)
                                             : (double)pk_avg_divisor(p, w);
    return d == 0.0 ? 0.0f : (float)(1.0 / d);
}

/* The definition of a relaxed average (PK_PRECISION_RELAXED): the sum times the reciprocal of the divisor. This
   kernel adds in row-major order; SIMD variants add in any order and are held to the bound, not to these bits. */
static inline float pk_avg_pixel_relaxed(const pk_plan* p, const float* in, const pk_window w[3]) {
    if (pk_avg_wide(p)) return pk_avg_wide_pixel(p, in, w);
    float sum = 0.0f;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) sum += in[tap];
    return sum * pk_avg_reciprocal(p, w);
}

/* |x|^p (or signed x^p for PyTorch's form); p = 1 and 2 exactly, other p through double. */
static inline float pk_lp_power(float x, double p, int signed_base) {
    const float base = signed_base ? x : fabsf(x);
    if (p == 1.0) return base;
    if (p == 2.0) return base * base;
    return (float)pow((double)base, p);
}

/* s^(1/p): p = 1 and 2 exactly, other p through double. */
static inline float pk_lp_root(float s, double p) {
    if (p == 1.0) return s;
    if (p == 2.0) return sqrtf(s);
    return (float)pow((double)s, 1.0 / p);
}

/* LP pooling over one window (see PK_LP_* in poolkit.h): powers summed in row-major tap order. A window
   without input taps gives 0. */
static inline float pk_lp_pixel(const pk_plan* p, const float* in, const pk_window w[3]) {
    const int pytorch = p->lp_form == PK_LP_PYTORCH, infinite = isinf(p->lp_p);
    float sum = 0.0f;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        if (infinite) { /* max |x|, NaN propagating */
            const float a = fabsf(in[tap]);
            if (a > sum || isnan(a)) sum = a;
        } else {
            sum += pk_lp_power(in[tap], p->lp_p, pytorch);
        }
    }
    if (infinite) return sum;
    if (pytorch) { /* PyTorch averages x^p over the taps, then scales by the whole kernel */
        const int64_t taps = (w[0].last - w[0].first) * (w[1].last - w[1].first) * (w[2].last - w[2].first);
        if (taps == 0) return 0.0f;
        sum = sum / (float)taps * (float)pk_kernel_volume(p);
    }
    return pk_lp_root(sum, p->lp_p);
}

/* Outputs [*lo, *hi) along an axis have every tap inside the input: their windows need no clipping and
   have the full kernel (none along adaptive and fractional axes, whose windows vary in place or length). */
static inline void pk_interior(const pk_axis* a, int64_t* lo, int64_t* hi) {
    if (a->window != PK_WINDOW_SLIDING) {
        *lo = *hi = 0;
        return;
    }
    int64_t first = pk_ceil_div(a->pad_begin, a->stride);
    int64_t room = a->in - 1 + a->pad_begin - (a->kernel - 1) * a->dilation;
    int64_t end = room < 0 ? 0 : room / a->stride + 1;
    if (end > a->out) end = a->out;
    *lo = first < end ? first : end;
    *hi = end > *lo ? end : *lo;
}

/* pk_window_of without divisions for interior outputs, which are most of them. */
static inline pk_window pk_window_fast(const pk_axis* a, int64_t o, int64_t lo, int64_t hi) {
    if (o >= lo && o < hi) {
        pk_window w = {o * a->stride - a->pad_begin, 0, a->kernel, a->kernel};
        return w;
    }
    return pk_window_of(a, o);
}

/* Decodes a row number into its (n, c, d, h) coordinates; c is 0 for channels last. */
static inline void pk_row_coordinates(const pk_plan* p, int64_t row, int64_t* n, int64_t* c, int64_t* od, int64_t* oh) {
    *oh = row % p->axis[1].out;
    row /= p->axis[1].out;
    *od = row % p->axis[0].out;
    row /= p->axis[0].out;
    if (p->layout == PK_LAYOUT_NCHW) {
        *c = row % p->channels;
        row /= p->channels;
    } else {
        *c = 0;
    }
    *n = row;
}

/* Advances (n, c, d, h) to the next row. */
static inline void pk_row_next(const pk_plan* p, int64_t* n, int64_t* c, int64_t* od, int64_t* oh) {
    if (++*oh < p->axis[1].out) return;
    *oh = 0;
    if (++*od < p->axis[0].out) return;
    *od = 0;
    if (p->layout == PK_LAYOUT_NCHW && ++*c < p->channels) return;
    *c = 0;
    ++*n;
}

/* A window's value for (n, c): `in` points at the (n, c) origin, o is the output element's offset (for parameters
   shaped like the output), and index, when not NULL, receives the plane index of the tap the op reports. */
typedef float (*pk_pixel_fn)(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                             int64_t* index);

/* The scalar loop of the ops whose output is a function of its window (average, LP and the methods of the
   literature): every output of rows [row_begin, row_end). */
static inline void pk_window_rows(const pk_plan* p, const float* input, float* output, int64_t* indices,
                                  int64_t row_begin, int64_t row_end, pk_pixel_fn pixel) {
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_of(&p->axis[0], od);
        w[1] = pk_window_of(&p->axis[1], oh);
        for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
            w[2] = pk_window_of(&p->axis[2], ow);
            for (int64_t c = c0; c < c0 + channels_per_row; c++) {
                const float* in = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
                const int64_t o = n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                                  + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
                output[o] = pixel(p, in, w, n, c, o, indices ? indices + o : 0);
            }
        }
    }
}

#endif
