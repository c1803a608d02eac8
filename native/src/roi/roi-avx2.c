/* RoIAlign's per-sample channel loop with AVX2: 8 channels per vector, the scalar definition's operations in its
   order (separate multiplies and adds, no FMA), so the results equal the scalar kernel's bit for bit. */
#include <immintrin.h>

#include "roi.h"

void pk_roi_sample__avx2(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                         int32_t mode, int32_t first) {
    const float *a = in + pos[0], *b = in + pos[1], *c2 = in + pos[2], *d = in + pos[3];
    const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]), w2 = _mm256_set1_ps(w[2]),
                 w3 = _mm256_set1_ps(w[3]);
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
        const __m256 v0 = _mm256_loadu_ps(a + c), v1 = _mm256_loadu_ps(b + c), v2 = _mm256_loadu_ps(c2 + c),
                     v3 = _mm256_loadu_ps(d + c);
        const __m256 acc = _mm256_loadu_ps(out + c);
        __m256 result;
        if (mode == PK_ROI_SAMPLE_MAX_TERMS) { /* std::max(t, u) = t < u ? u : t */
            __m256 t = _mm256_mul_ps(w0, v0), u = _mm256_mul_ps(w1, v1);
            t = _mm256_blendv_ps(t, u, _mm256_cmp_ps(t, u, _CMP_LT_OQ));
            u = _mm256_mul_ps(w2, v2);
            t = _mm256_blendv_ps(t, u, _mm256_cmp_ps(t, u, _CMP_LT_OQ));
            u = _mm256_mul_ps(w3, v3);
            t = _mm256_blendv_ps(t, u, _mm256_cmp_ps(t, u, _CMP_LT_OQ));
            result = first ? t : _mm256_blendv_ps(acc, t, _mm256_cmp_ps(acc, t, _CMP_LT_OQ));
        } else {
            __m256 value = _mm256_add_ps(_mm256_mul_ps(w0, v0), _mm256_mul_ps(w1, v1));
            value = _mm256_add_ps(value, _mm256_mul_ps(w2, v2));
            value = _mm256_add_ps(value, _mm256_mul_ps(w3, v3));
            if (mode == PK_ROI_SAMPLE_ACCUMULATE) {
                result = _mm256_add_ps(acc, value);
            } else { /* NaN wins, the earlier sample on ties */
                const __m256 take =
                    _mm256_or_ps(_mm256_cmp_ps(value, acc, _CMP_GT_OQ), _mm256_cmp_ps(value, value, _CMP_UNORD_Q));
                result = first ? value : _mm256_blendv_ps(acc, value, take);
            }
        }
        _mm256_storeu_ps(out + c, result);
    }
    for (; c < channels; c++) out[c] = pk_roi_sample_one(out[c], a[c], b[c], c2[c], d[c], w, mode, first);
}

void pk_roi_pool__avx2(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                       int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width) {
    const int empty = h1 <= h0 || w1 <= w0;
    int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
        __m256 best = _mm256_set1_ps(empty ? 0.0f : -3.40282347e+38f);
        __m256i at = _mm256_set1_epi32(-1);
        for (int64_t h = h0; h < h1; h++)
            for (int64_t w = w0; w < w1; w++) {
                const __m256 v = _mm256_loadu_ps(in + h * h_stride + w * w_stride + c);
                const __m256 greater = _mm256_cmp_ps(v, best, _CMP_GT_OQ); /* NaN never wins */
                best = _mm256_blendv_ps(best, v, greater);
                at = _mm256_castps_si256(
                    _mm256_blendv_ps(_mm256_castsi256_ps(at),
                                     _mm256_castsi256_ps(_mm256_set1_epi32((int32_t)(h * width + w))), greater));
            }
        _mm256_storeu_ps(out + c, best);
        if (argmax) {
            _mm256_storeu_si256((__m256i*)(argmax + c), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(at)));
            _mm256_storeu_si256((__m256i*)(argmax + c + 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(at, 1)));
        }
    }
    for (; c < channels; c++)
        pk_roi_pool_one(out + c, argmax ? argmax + c : NULL, in + c, h0, h1, w0, w1, h_stride, w_stride, width);
}
