/* Region pooling internals: the per-sample channel loops of RoIAlign that the SIMD files specialize for dense
   channels (channels last). Each visits the channels of one sampling point and updates the bin's outputs in
   place, with the same operations in the same order per channel, so every level gives the same bits. */
#ifndef PK_ROI_H
#define PK_ROI_H

#include <stdint.h>
#include "poolkit.h"

/* How a sample updates the bin's outputs: ACCUMULATE adds ((w0*v0 + w1*v1) + w2*v2) + w3*v3; MAX keeps the
   greater bilinear value (NaN wins, first on ties); MAX_TERMS keeps std::max of the running value and the
   largest weighted corner term (ONNX Runtime's order). `first` starts a max. */
enum { PK_ROI_SAMPLE_ACCUMULATE = 0, PK_ROI_SAMPLE_MAX = 1, PK_ROI_SAMPLE_MAX_TERMS = 2 };

/* out[c] (c < channels, contiguous) from in[pos[i] + c] (contiguous channels) and weights w. */
typedef void (*pk_roi_sample_fn)(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                                 int32_t mode, int32_t first);

/* One RoIPool bin [h0, h1) x [w0, w1) of all channels (contiguous in input and output): out[c] is the max by `>` from
   -FLT_MAX (0 for an empty bin), argmax[c] (when not NULL) its plane index h*width + w or -1. The positions are
   visited in row-major order in every lane, so every level gives the same result. */
typedef void (*pk_roi_pool_fn)(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                               int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width);

#if defined(PK_HAVE_X86_KERNELS)
void pk_roi_pool__avx2(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                       int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width);
void pk_roi_pool__avx512(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                         int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width);
void pk_roi_sample__avx2(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                         int32_t mode, int32_t first);
void pk_roi_sample__avx512(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                           int32_t mode, int32_t first);
#endif

/* One channel of a RoIPool bin: the scalar definition, shared by every level's remainder lanes. */
static inline void pk_roi_pool_one(float* out, int64_t* argmax, const float* in, int64_t h0, int64_t h1, int64_t w0,
                                   int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width) {
    float best = h1 <= h0 || w1 <= w0 ? 0.0f : -3.40282347e+38f;
    int64_t at = -1;
    for (int64_t h = h0; h < h1; h++)
        for (int64_t w = w0; w < w1; w++) {
            const float v = in[h * h_stride + w * w_stride];
            if (v > best) {
                best = v;
                at = h * width + w;
            }
        }
    *out = best;
    if (argmax) *argmax = at;
}

/* The scalar definition of one channel's update, shared by every level's remainder lanes. */
static inline float pk_roi_sample_one(float acc, float v0, float v1, float v2, float v3, const float w[4], int32_t mode,
                                      int32_t first) {
    if (mode == PK_ROI_SAMPLE_MAX_TERMS) {
        float t = w[0] * v0, u = w[1] * v1;
        t = t < u ? u : t;
        u = w[2] * v2;
        t = t < u ? u : t;
        u = w[3] * v3;
        t = t < u ? u : t;
        return first ? t : (acc < t ? t : acc);
    }
    const float value = w[0] * v0 + w[1] * v1 + w[2] * v2 + w[3] * v3;
    if (mode == PK_ROI_SAMPLE_ACCUMULATE) return acc + value;
    return first || value > acc || value != value ? value : acc;
}

#endif
