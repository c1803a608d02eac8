/* Bandwidth probes for poolkit_peers. This file alone is compiled with -mavx2; peers.c calls these
 * only after __builtin_cpu_supports("avx2"). Plain (temporal) 32-byte loads and stores, unaligned
 * intrinsics on 64-byte-aligned buffers, eight independent accumulators so the loop is bound by
 * load throughput rather than add latency. */
#include <immintrin.h>
#include <stddef.h>

/* Read probe: sum of n floats. The caller keeps the result so the loads cannot be elided. */
float pk_probe_read_avx2(const float *x, size_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 a4 = _mm256_setzero_ps(), a5 = _mm256_setzero_ps(), a6 = _mm256_setzero_ps(), a7 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
        a4 = _mm256_add_ps(a4, _mm256_loadu_ps(x + i + 32));
        a5 = _mm256_add_ps(a5, _mm256_loadu_ps(x + i + 40));
        a6 = _mm256_add_ps(a6, _mm256_loadu_ps(x + i + 48));
        a7 = _mm256_add_ps(a7, _mm256_loadu_ps(x + i + 56));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    float t = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
    for (; i < n; i++) t += x[i];
    return t;
}

/* Read+write probe: read every input float once (summed as above), then write every output float
 * once (a value derived from the sum, so neither pass is dead code). Same bytes as one pooling call:
 * in_bytes read + out_bytes written. */
void pk_probe_read_write_avx2(const float *in, size_t n_in, float *out, size_t n_out) {
    float s = pk_probe_read_avx2(in, n_in);
    __m256 v = _mm256_set1_ps(s * 0x1p-20f);
    size_t i = 0;
    for (; i + 32 <= n_out; i += 32) {
        _mm256_storeu_ps(out + i, v);
        _mm256_storeu_ps(out + i + 8, v);
        _mm256_storeu_ps(out + i + 16, v);
        _mm256_storeu_ps(out + i + 24, v);
    }
    for (; i + 8 <= n_out; i += 8) _mm256_storeu_ps(out + i, v);
    for (; i < n_out; i++) out[i] = s;
}
