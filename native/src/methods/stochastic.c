/* Stochastic pooling (Zeiler and Fergus), scalar: the definition. a_i = max(x_i, 0), which is NaN for a NaN
   tap, so a window holding NaN gives NaN in both modes (training chooses its first NaN tap), as every sum of
   the library propagates NaN. Training samples the tap with probability a_i / S from the output's uniform u:
   the first tap whose running sum of a exceeds u S (sums in double, so the last such tap always qualifies for
   u < 1); a +inf tap (infinite mass) is chosen first. Inference weighs each tap by its probability:
   y = sum a_i^2 / S. */
#include <math.h>

#include "methods.h"

static inline double activation(float x) { return x > 0 ? (double)x : 0.0; }

/* The chosen tap's plane index and offset from the (n, c) origin, or -1 when S = 0 (no tap qualifies). */
static int64_t chosen_tap(const pk_plan* p, const float* in, const pk_window w[3], double u, int64_t* offset) {
    double s = 0.0;
    int64_t infinite = -1, infinite_offset = 0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        if (isnan(in[tap])) { /* NaN wins over everything */
            *offset = tap;
            return pk_plane_index(p, id, ih, iw);
        }
        if (in[tap] == INFINITY && infinite < 0) { /* infinite probability mass */
            infinite = pk_plane_index(p, id, ih, iw);
            infinite_offset = tap;
        }
        s += activation(in[tap]);
    }
    if (infinite >= 0) {
        *offset = infinite_offset;
        return infinite;
    }
    if (!(s > 0)) return -1;
    const double threshold = u * s;
    double running = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        running += activation(in[tap]);
        if (running > threshold) {
            *offset = tap;
            return pk_plane_index(p, id, ih, iw);
        }
    }
    return -1; /* not reached for u < 1 */
}

static float stochastic_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                              int64_t* index) {
    (void)n, (void)c;
    if (p->params_mode == PK_PARAMS_UNIFORMS) {
        int64_t offset = 0;
        const int64_t chosen = chosen_tap(p, in, w, (double)p->params[o], &offset);
        if (index) *index = chosen >= 0 ? chosen : pk_window_first_index(p, w);
        return chosen >= 0 ? in[offset] : 0.0f;
    }
    double s = 0.0, s2 = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        if (isnan(in[tap])) return NAN;
        const double a = activation(in[tap]);
        s += a;
        s2 += a * a;
    }
    if (isinf(s)) return INFINITY; /* a +inf tap */
    return s > 0 ? (float)(s2 / s) : 0.0f;
}

void pk_f32_stochasticpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices,
                                   int64_t row_begin, int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, stochastic_pixel);
}

void pk_stochasticpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t o, float grad,
                                       float* grad_in) {
    if (p->params_mode == PK_PARAMS_UNIFORMS) {
        int64_t offset = 0;
        if (chosen_tap(p, in, w, (double)p->params[o], &offset) >= 0) grad_in[offset] += grad;
        return;
    }
    double s = 0.0, s2 = 0.0;
    int nan = 0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        nan |= isnan(in[tap]);
        const double a = activation(in[tap]);
        s += a;
        s2 += a * a;
    }
    if (!nan && !(s > 0)) return; /* y = 0 is constant there */
    if (nan || isinf(s)) {        /* the output is NaN or infinite: no derivative */
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_in[tap] += NAN;
        return;
    }
    const double y = s2 / s;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float x = in[tap];
        if (x > 0) grad_in[tap] += (float)((double)grad * (2.0 * (double)x - y) / s);
    }
}
