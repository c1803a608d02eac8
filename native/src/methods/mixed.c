/* Mixed pooling, scalar: the definition. y = lambda max + (1 - lambda) avg, where max is max pooling's pixel
   (the spec's NaN mode, its index) and avg is average pooling's (the spec's divisor), so lambda = 1 and 0 give
   exactly those; other lambdas combine them in double. */
#include "methods.h"

/* lambda of the output at offset o of channel c. */
static inline double mixed_lambda(const pk_plan* p, int64_t c, int64_t o) {
    switch (p->params_mode) {
    case PK_PARAMS_PER_CHANNEL: return p->params[c];
    case PK_PARAMS_OUTPUT_MAP: return p->params[o];
    case PK_PARAMS_UNIFORMS: return p->params[o] < p->method_probability ? 1.0 : 0.0;
    default: return p->method_lambda;
    }
}

static inline float mixed_value(double lambda, float max, float avg) {
    if (lambda == 1.0) return max;
    if (lambda == 0.0) return avg;
    return (float)(lambda * (double)max + (1.0 - lambda) * (double)avg);
}

/* The average share of a window's output gradient per tap, as average pooling's backward divides it. */
static inline double avg_share(const pk_plan* p, const pk_window w[3], double grad) {
    if (pk_adaptive_per_axis(p))
        return grad / (double)(w[0].last - w[0].first) / (double)(w[1].last - w[1].first)
               / (double)(w[2].last - w[2].first);
    const int64_t divisor = pk_avg_divisor(p, w);
    return divisor == 0 ? 0.0 : grad / (double)divisor;
}

static float mixed_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c, int64_t o,
                         int64_t* index) {
    (void)n;
    float max;
    int64_t max_index;
    pk_extremum_pixel(p, in, w, &max, &max_index, 0);
    if (index) *index = max_index;
    return mixed_value(mixed_lambda(p, c, o), max, pk_avg_pixel(p, in, w));
}

void pk_f32_mixedpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                              int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, mixed_pixel);
}

void pk_mixedpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t c, int64_t o,
                                  float grad, float* grad_in, double* grad_lambda) {
    const double lambda = mixed_lambda(p, c, o);
    float max;
    int64_t max_index;
    pk_extremum_pixel(p, in, w, &max, &max_index, 0);
    if (pk_window_taps(w) > 0 && lambda != 0.0)
        grad_in[pk_plane_offset(p, max_index)] += (float)(lambda * (double)grad);
    if (lambda != 1.0) {
        const float share = (float)avg_share(p, w, (1.0 - lambda) * (double)grad);
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_in[tap] += share;
    }
    if (grad_lambda) *grad_lambda += (double)grad * ((double)max - (double)pk_avg_pixel(p, in, w));
}
