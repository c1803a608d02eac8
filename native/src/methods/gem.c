/* GeM (generalized mean) pooling, scalar: the definition. With z_i = max(x_i, eps) (NaN kept) and zmax the
   window's largest z, y = (sum z_i^p / n)^(1/p) is computed on ratios r_i = z_i / s in (0, 1], so that no power
   overflows for any p and input up to the float range:
   - p = 1, 2, 3, 4 (the usual choices; 3 is the paper's): s = 2^K with zmax = f 2^K, f in [0.5, 1), so the ratios
     z_i 2^-K are exact (no division), their powers products, and y = (sum r_i^p / n)^(1/p) 2^K, exact scaling too;
   - other p: s = zmax, whose ratio 1 keeps the sum from underflowing however large p is; r_i^p = pk_fixed_pow.
   Sums run in double over the taps in row-major order; roots and logarithms are pk_fixed_pow and pk_fixed_log:
   the same bits as the SIMD variants' lanes and the Java backend's. */
#include <math.h>

#include "fixed-log.h"
#include "methods.h"

static inline double gem_p(const pk_plan* p, int64_t c) {
    return p->params_mode == PK_PARAMS_PER_CHANNEL ? (double)p->params[c] : p->method_p;
}

/* Whether p's ratios are scaled by a power of two and raised by products. */
static inline int gem_products(double p) { return p == 1.0 || p == 2.0 || p == 3.0 || p == 4.0; }

/* r^p: repeated products for p = 1, 2, 3, 4, else e^(p ln r). */
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

/* The exponent K of a positive finite zmax = f 2^K, f in [0.5, 1): its ratios' scale 2^K when p takes products. */
static inline int64_t gem_exponent(double zmax, double power) {
    int k = 0;
    if (gem_products(power)) frexp(zmax, &k);
    return k;
}

/* A ratio z / s: z 2^-K (exact) or z / zmax, as gem_products(power) says. */
static inline double gem_ratio(double z, double power, double zmax, int64_t k) {
    return gem_products(power) ? pk_fixed_scale(z, -k) : z / zmax;
}

/* y from the mean power S of the ratios: S^(1/p) 2^K or zmax S^(1/p). */
static inline double gem_root(double mean, double power, double zmax, int64_t k) {
    const double root = pk_fixed_pow(mean, 1.0 / power);
    return gem_products(power) ? pk_fixed_scale(root, k) : zmax * root;
}

/* S = sum r_i^p / n, and with t, T = sum r_i^p ln r_i / (n S), of the ratios r_i = gem_ratio. dy/dp from these does
   not depend on the scale s: T / p - ln S / p^2 is the same for any s. */
PK_FMA_CLONES static double window_mean_power(const pk_plan* p, const float* in, const pk_window w[3], double power,
                                              double zmax, int64_t k, double* t) {
    double s = 0.0, sl = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const double r = gem_ratio(clamped(in[tap], p->method_eps), power, zmax, k);
        const double rp = gem_power(r, power);
        s += rp;
        if (t) sl += rp * pk_fixed_log(r);
    }
    const double n = (double)pk_window_taps(w);
    if (t) *t = sl / s;
    return s / n;
}

PK_FMA_CLONES static float gem_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c,
                                     int64_t o, int64_t* index) {
    (void)n, (void)o, (void)index;
    if (pk_window_taps(w) == 0) return 0.0f;
    const double zmax = window_zmax(p, in, w);
    if (!isfinite(zmax)) return (float)zmax; /* NaN or +inf */
    const double power = gem_p(p, c);
    const int64_t k = gem_exponent(zmax, power);
    return (float)gem_root(window_mean_power(p, in, w, power, zmax, k, 0), power, zmax, k);
}

void pk_f32_gempool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, gem_pixel);
}

PK_FMA_CLONES void pk_gempool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t c,
                                              float grad, float* grad_in, double* grad_p) {
    if (pk_window_taps(w) == 0) return;
    const double zmax = window_zmax(p, in, w);
    if (!isfinite(zmax)) { /* the output is NaN or infinite: no derivative */
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_in[tap] += NAN;
        if (grad_p) *grad_p += NAN;
        return;
    }
    const double power = gem_p(p, c), n = (double)pk_window_taps(w);
    const int64_t k = gem_exponent(zmax, power);
    double t;
    const double s = window_mean_power(p, in, w, power, zmax, k, &t);
    const double y = gem_root(s, power, zmax, k);
    /* dy/dx_i = (z_i / y)^(p-1) / n where x_i >= eps (at x_i = eps the clamp passes the gradient, as PyTorch's) */
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float x = in[tap];
        if (!((double)x >= p->method_eps)) continue;
        grad_in[tap] += (float)((double)grad * pk_fixed_pow((double)x / y, power - 1.0) / n);
    }
    /* dy/dp = y (T / p - ln S / p^2) */
    if (grad_p) *grad_p += (double)grad * y * (t / power - pk_fixed_log(s) / (power * power));
}
