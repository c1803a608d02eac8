/* Local importance pooling (Gao, Wang, Wu), scalar: the definition. The weights are a softmax of the logits
   over the window, shifted by the window's largest logit so no logit up to the float range overflows (the
   paper's avgpool(x e^l) / avgpool(e^l) does); e^x is pk_fixed_exp, the same bits as the Java backend's. */
#include <math.h>

#include "fixed-exp.h"
#include "methods.h"

/* The logits of the (n, c) plane, addressed by the same tap offsets as the input (input-shaped logits), or by
   plane index (one channel broadcast). */
static inline float logit(const pk_plan* p, int64_t n, int64_t c, int64_t tap, int64_t plane_index) {
    if (p->params_mode == PK_PARAMS_INPUT_MAP) return p->params[n * p->in_stride[PK_N] + c * p->in_stride[PK_C] + tap];
    return p->params[n * p->plane_size + plane_index];
}

static inline int64_t logit_offset(const pk_plan* p, int64_t n, int64_t c, int64_t tap, int64_t plane_index) {
    return p->params_mode == PK_PARAMS_INPUT_MAP ? n * p->in_stride[PK_N] + c * p->in_stride[PK_C] + tap
                                                 : n * p->plane_size + plane_index;
}

/* The window's largest logit; NaN if one is NaN. */
static float logit_max(const pk_plan* p, const pk_window w[3], int64_t n, int64_t c) {
    float m = -INFINITY;
    int nan = 0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const float l = logit(p, n, c, tap, pk_plane_index(p, id, ih, iw));
        nan |= isnan(l);
        if (l > m) m = l;
    }
    return nan ? NAN : m;
}

PK_FMA_CLONES static float lip_pixel(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c,
                                     int64_t o, int64_t* index) {
    (void)o, (void)index;
    if (pk_window_taps(w) == 0) return 0.0f;
    const float m = logit_max(p, w, n, c);
    if (!isfinite(m)) return NAN;
    double num = 0.0, den = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const double e = pk_fixed_exp((double)logit(p, n, c, tap, pk_plane_index(p, id, ih, iw)) - (double)m);
        num += e * (double)in[tap];
        den += e;
    }
    return (float)(num / den);
}

void pk_f32_lippool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, lip_pixel);
}

PK_FMA_CLONES void pk_lippool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t n,
                                              int64_t c, float grad, float* grad_in, float* grad_logits) {
    if (pk_window_taps(w) == 0) return;
    const float m = logit_max(p, w, n, c);
    if (!isfinite(m)) { /* the output is NaN: no derivative */
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
            grad_in[tap] += NAN;
            if (grad_logits) grad_logits[logit_offset(p, n, c, tap, pk_plane_index(p, id, ih, iw))] += NAN;
        }
        return;
    }
    double num = 0.0, den = 0.0;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const double e = pk_fixed_exp((double)logit(p, n, c, tap, pk_plane_index(p, id, ih, iw)) - (double)m);
        num += e * (double)in[tap];
        den += e;
    }
    const double y = num / den;
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const int64_t index = pk_plane_index(p, id, ih, iw);
        const double weight = pk_fixed_exp((double)logit(p, n, c, tap, index) - (double)m) / den;
        grad_in[tap] += (float)((double)grad * weight);
        if (grad_logits)
            grad_logits[logit_offset(p, n, c, tap, index)] += (float)((double)grad * weight * ((double)in[tap] - y));
    }
}
