/* SoftPool (softmax-weighted pooling), scalar: the definition. The weights are shifted by the window's
   maximum, so no input up to the float range overflows (the paper's code, avgpool(x e^x) / avgpool(e^x), turns
   to NaN once an activation passes ~88); sums run in double over the taps in row-major order and round once;
   e^x is pk_fixed_exp, the same bits as the Java backend's. */
#include <math.h>

#include "fixed-exp.h"
#include "methods.h"

/* The window's maximum with SoftPool's rules folded in: NaN if any tap is NaN, else the largest tap (+inf,
   -inf when every tap is -inf). */
static float window_max(const pk_plan* p, const float* in, const pk_window w[3]) {
    float m = -INFINITY;
    int nan = 0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float v = in[tap];
        nan |= isnan(v);
        if (v > m) m = v;
    }
    return nan ? NAN : m;
}

PK_FMA_CLONES static float softpool_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c,
                                          int64_t o, int64_t* index) {
    (void)n, (void)c, (void)o, (void)index;
    if (pk_window_taps(w) == 0) return 0.0f;
    const float m = window_max(p, in, w);
    if (!isfinite(m)) return m; /* NaN, +inf, or a window of only -inf */
    double num = 0.0, den = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float v = in[tap];
        if (v == -INFINITY) continue; /* weight 0, and 0 * -inf would be NaN */
        const double e = pk_fixed_exp((double)v - (double)m);
        num += e * (double)v;
        den += e;
    }
    return (float)(num / den); /* den >= 1: the maximum's own term */
}

void pk_f32_softpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                             int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, softpool_pixel);
}

PK_FMA_CLONES void pk_softpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], float grad,
                                               float* grad_in) {
    if (pk_window_taps(w) == 0) return;
    const float m = window_max(p, in, w);
    if (!isfinite(m)) { /* the output is NaN or infinite: no derivative */
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_in[tap] += NAN;
        return;
    }
    double num = 0.0, den = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float v = in[tap];
        if (v == -INFINITY) continue;
        const double e = pk_fixed_exp((double)v - (double)m);
        num += e * (double)v;
        den += e;
    }
    const double y = num / den;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float v = in[tap];
        if (v == -INFINITY) continue; /* weight 0: no contribution */
        const double weight = pk_fixed_exp((double)v - (double)m) / den;
        grad_in[tap] += (float)((double)grad * weight
                                * (1.0 + ((double)v - y))); /* x - y first: exact near the maximum even for huge x */
    }
}
