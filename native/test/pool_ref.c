#include "pool_ref.h"

#include <math.h>
#include <stddef.h>

static int64_t offset(const pk_tensor_desc* t, int64_t n, int64_t c, const int64_t pos[3]) {
    int64_t spatial = 0, volume = 1;
    for (int i = 0; i < t->spatial_rank; i++) {
        spatial = spatial * t->spatial[i] + pos[i];
        volume *= t->spatial[i];
    }
    if (t->layout == PK_LAYOUT_NCHW) return (n * t->channels + c) * volume + spatial;
    return (n * volume + spatial) * t->channels + c;
}

void pool_ref_f32(const pk_pool_spec* s, const pk_tensor_desc* in, const float* x, const pk_tensor_desc* out, float* y,
                  int64_t* indices) {
    pool_ref_avg_f64(s, in, x, out, y, indices, NULL);
}

void pool_ref_avg_f64(const pk_pool_spec* s, const pk_tensor_desc* in, const float* x, const pk_tensor_desc* out,
                      float* y, int64_t* indices, pool_ref_avg* exact) {
    const int r = (int)s->spatial_rank;
    int64_t out_volume = 1, kernel_volume = 1;
    for (int i = 0; i < r; i++) {
        out_volume *= out->spatial[i];
        kernel_volume *= s->kernel[i];
    }
    for (int64_t n = 0; n < in->batch; n++)
        for (int64_t c = 0; c < in->channels; c++)
            for (int64_t o = 0; o < out_volume; o++) {
                int64_t opos[3] = {0, 0, 0}, rest = o;
                for (int i = r - 1; i >= 0; i--) {
                    opos[i] = rest % out->spatial[i];
                    rest /= out->spatial[i];
                }
                float best = -INFINITY, sum = 0.0f;
                double sum64 = 0.0, abs64 = 0.0;
                int non_finite = 0; /* bit 0: NaN, 1: +inf, 2: -inf */
                int64_t best_index = -1, inside = 0, padded = 0;
                int64_t fallback[3];
                for (int i = 0; i < r; i++) {
                    /* argmax of a window without input: per axis, its first tap inside the input, or
                       where the axis has none, its origin clamped into the input */
                    int64_t origin = opos[i] * s->stride[i] - s->pad_begin[i];
                    fallback[i] = origin < 0 ? 0 : origin >= in->spatial[i] ? in->spatial[i] - 1 : origin;
                    for (int64_t k = s->kernel[i] - 1; k >= 0; k--) {
                        int64_t p = origin + k * s->dilation[i];
                        if (p >= 0 && p < in->spatial[i]) fallback[i] = p;
                    }
                }
                for (int64_t t = 0; t < kernel_volume; t++) {
                    int64_t j[3] = {0, 0, 0}, tr = t;
                    for (int i = r - 1; i >= 0; i--) {
                        j[i] = tr % s->kernel[i];
                        tr /= s->kernel[i];
                    }
                    int in_input = 1, in_padded = 1;
                    int64_t ipos[3] = {0, 0, 0};
                    for (int i = 0; i < r; i++) {
                        ipos[i] = opos[i] * s->stride[i] - s->pad_begin[i] + j[i] * s->dilation[i];
                        if (ipos[i] < 0 || ipos[i] >= in->spatial[i]) in_input = 0;
                        if (ipos[i] >= in->spatial[i] + s->pad_end[i]) in_padded = 0;
                    }
                    padded += in_padded;
                    if (!in_input) continue;
                    inside++;
                    float v = x[offset(in, n, c, ipos)];
                    int64_t flat = 0;
                    for (int i = 0; i < r; i++) flat = flat * in->spatial[i] + ipos[i];
                    if (best_index < 0) best_index = flat; /* first tap inside the input */
                    if (v > best || (s->nan_mode == PK_NAN_PROPAGATE && isnan(v))) {
                        best = v;
                        best_index = flat;
                    }
                    sum += v;
                    if (isnan(v)) non_finite |= 1;
                    else if (isinf(v)) non_finite |= v > 0 ? 2 : 4;
                    else {
                        sum64 += v;
                        abs64 += fabs(v);
                    }
                }
                if (best_index < 0) {
                    best_index = 0;
                    for (int i = 0; i < r; i++) best_index = best_index * in->spatial[i] + fallback[i];
                }
                const int64_t at = offset(out, n, c, opos);
                if (s->op == PK_OP_MAX) {
                    y[at] = best;
                    if (indices) indices[at] = best_index;
                } else {
                    int64_t divisor = s->divisor_override > 0                         ? s->divisor_override
                                      : s->divisor_mode == PK_DIVISOR_EXCLUDE_PADDING ? inside
                                      : s->divisor_mode == PK_DIVISOR_INCLUDE_PADDING ? padded
                                                                                      : kernel_volume;
                    y[at] = divisor == 0 ? 0.0f : sum / (float)divisor;
                    if (exact) {
                        exact->mean[at] = divisor == 0 ? 0.0 : sum64 / (double)divisor;
                        exact->abs_mean[at] = divisor == 0 ? 0.0 : abs64 / (double)divisor;
                        exact->taps[at] = inside;
                        exact->non_finite[at] = non_finite;
                    }
                }
            }
}
