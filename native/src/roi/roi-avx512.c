/* RoIAlign's per-sample channel loop with AVX-512: 16 channels per vector, the last ones under a mask; the scalar
   definition's operations in its order (separate multiplies and adds, no FMA), so the results equal the scalar
   kernel's bit for bit. */
#include <immintrin.h>

#include "roi.h"

void pk_roi_sample__avx512(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                           int32_t mode, int32_t first) {
    const float *a = in + pos[0], *b = in + pos[1], *c2 = in + pos[2], *d = in + pos[3];
    const __m512 w0 = _mm512_set1_ps(w[0]), w1 = _mm512_set1_ps(w[1]), w2 = _mm512_set1_ps(w[2]),
                 w3 = _mm512_set1_ps(w[3]);
    for (int64_t c = 0; c < channels; c += 16) {
        const __mmask16 lanes = channels - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (channels - c)) - 1u);
        const __m512 v0 = _mm512_maskz_loadu_ps(lanes, a + c), v1 = _mm512_maskz_loadu_ps(lanes, b + c),
                     v2 = _mm512_maskz_loadu_ps(lanes, c2 + c), v3 = _mm512_maskz_loadu_ps(lanes, d + c);
        const __m512 acc = _mm512_maskz_loadu_ps(lanes, out + c);
        __m512 result;
        if (mode == PK_ROI_SAMPLE_MAX_TERMS) { /* std::max(t, u) = t < u ? u : t */
            __m512 t = _mm512_mul_ps(w0, v0), u = _mm512_mul_ps(w1, v1);
            t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, u, _CMP_LT_OQ), u);
            u = _mm512_mul_ps(w2, v2);
            t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, u, _CMP_LT_OQ), u);
            u = _mm512_mul_ps(w3, v3);
            t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(t, u, _CMP_LT_OQ), u);
            result = first ? t : _mm512_mask_mov_ps(acc, _mm512_cmp_ps_mask(acc, t, _CMP_LT_OQ), t);
        } else {
            __m512 value = _mm512_add_ps(_mm512_mul_ps(w0, v0), _mm512_mul_ps(w1, v1));
            value = _mm512_add_ps(value, _mm512_mul_ps(w2, v2));
            value = _mm512_add_ps(value, _mm512_mul_ps(w3, v3));
            if (mode == PK_ROI_SAMPLE_ACCUMULATE) {
                result = _mm512_add_ps(acc, value);
            } else { /* NaN wins, the earlier sample on ties */
                const __mmask16 take =
                    _mm512_cmp_ps_mask(value, acc, _CMP_GT_OQ) | _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q);
                result = first ? value : _mm512_mask_mov_ps(acc, take, value);
            }
        }
        _mm512_mask_storeu_ps(out + c, lanes, result);
    }
}

void pk_roi_pool__avx512(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                         int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width) {
    const int empty = h1 <= h0 || w1 <= w0;
    for (int64_t c = 0; c < channels; c += 16) {
        const __mmask16 lanes = channels - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (channels - c)) - 1u);
        __m512 best = _mm512_set1_ps(empty ? 0.0f : -3.40282347e+38f);
        __m512i at = _mm512_set1_epi32(-1);
        for (int64_t h = h0; h < h1; h++)
            for (int64_t w = w0; w < w1; w++) {
                const __m512 v = _mm512_maskz_loadu_ps(lanes, in + h * h_stride + w * w_stride + c);
                const __mmask16 greater = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ); /* NaN never wins */
                best = _mm512_mask_mov_ps(best, greater, v);
                at = _mm512_mask_mov_epi32(at, greater, _mm512_set1_epi32((int32_t)(h * width + w)));
            }
        _mm512_mask_storeu_ps(out + c, lanes, best);
        if (argmax) {
            _mm512_mask_storeu_epi64(argmax + c, (__mmask8)lanes, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(at)));
            _mm512_mask_storeu_epi64(argmax + c + 8, (__mmask8)(lanes >> 8),
                                     _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(at, 1)));
        }
    }
}
