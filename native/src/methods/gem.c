/* GeM (generalized mean) pooling, scalar: the definition. With z_i = max(x_i, eps) (NaN kept) and zmax the
   window's largest z, y = zmax (sum (z_i / zmax)^p / n)^(1/p): the ratios lie in (0, 1], so no power
   overflows for any p and input up to the float range. Sums run in double over the taps in row-major order; the
   ratios' powers are products for p = 1 to 4, else pk_fixed_pow, and the root and logarithms pk_fixed_pow and
   pk_fixed_log: the same bits as the SIMD variants' lanes and the Java backend's. */
#include <math.h>

#include "fixed-log.h"
#include "methods.h"

static inline double gem_p(const pk_plan* p, int64_t c) {
    return p->params_mode == PK_PARAMS_PER_CHANNEL ? (double)p->params[c] : p->method_p;
}

/* r^p: repeated products for p = 1, 2, 3, 4 (the usual choices; 3 is the paper's), else e^(p ln r). */
static inline double gem_power(double r, double p) {
    if (p == 1.0) return r;
    if (p == 2.0) return r * r;
    if (p == 3.0) return r * r * r;
    if (p == 4.0) return (r * r) * (r * r);
    return pk_fixed_pow(r, p);
}

/* max(x, eps) with NaN propagating (C's fmax would drop it). */
static inline double clamped(float x, double eps) { return isnan(x) ? NAN : (double)x > eps ? (double)x : eps; }

/* The window's largest clamped value, NaN if a tap is NaN. */
static double window_zmax(const pk_plan* p, const float* in, const pk_window w[3]) {
    double m = 0.0;
    int nan = 0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const double z = clamped(in[tap], p->method_eps);
        nan |= isnan(z);
        if (z > m) m = z;
    }
    return nan ? NAN : m;
}

/* S = sum (z_i / zmax)^p / n, and with t, T = sum (z_i / zmax)^p ln(z_i / zmax) / (n S). */
static double window_mean_power(const pk_plan* p, const float* in, const pk_window w[3], double power, double zmax,
                                double* t) {
    double s = 0.0, sl = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const double r = clamped(in[tap], p->method_eps) / zmax;
        const double rp = gem_power(r, power);
        s += rp;
        if (t) sl += rp * pk_fixed_log(r);
    }
    const double n = (double)pk_window_taps(w);
    if (t) *t = sl / s;
    return s / n;
}

static float gem_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                       int64_t* index) {
    (void)n, (void)o, (void)index;
    if (pk_window_taps(w) == 0) return 0.0f;
    const double zmax = window_zmax(p, in, w);
    if (!isfinite(zmax)) return (float)zmax; /* NaN or +inf */
    const double power = gem_p(p, c);
    return (float)(zmax * pk_fixed_pow(window_mean_power(p, in, w, power, zmax, 0), 1.0 / power));
}

void pk_f32_gempool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, gem_pixel);
}

void pk_gempool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t c, float grad,
                                float* grad_in, double* grad_p) {
    if (pk_window_taps(w) == 0) return;
    const double zmax = window_zmax(p, in, w);
    if (!isfinite(zmax)) { /* the output is NaN or infinite: no derivative */
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_in[tap] += NAN;
        if (grad_p) *grad_p += NAN;
        return;
    }
    const double power = gem_p(p, c), n = (double)pk_window_taps(w);
    double t;
    const double s = window_mean_power(p, in, w, power, zmax, &t);
    const double y = zmax * pk_fixed_pow(s, 1.0 / power);
    /* dy/dx_i = (z_i / y)^(p-1) / n where x_i >= eps (at x_i = eps the clamp passes the gradient, as PyTorch's) */
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float x = in[tap];
        if (!((double)x >= p->method_eps)) continue;
        grad_in[tap] += (float)((double)grad * pk_fixed_pow((double)x / y, power - 1.0) / n);
    }
    /* dy/dp = y (T / p - ln S / p^2) */
    if (grad_p) *grad_p += (double)grad * y * (t / power - pk_fixed_log(s) / (power * power));
}
