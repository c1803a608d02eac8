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
                const __m256 take = _mm256_or_ps(_mm256_cmp_ps(value, acc, _CMP_GT_OQ),
                                                 _mm256_cmp_ps(value, value, _CMP_UNORD_Q));
                result = first ? value : _mm256_blendv_ps(acc, value, take);
            }
        }
        _mm256_storeu_ps(out + c, result);
    }
    for (; c < channels; c++) out[c] = pk_roi_sample_one(out[c], a[c], b[c], c2[c], d[c], w, mode, first);
}
