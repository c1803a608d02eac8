/* The vector vocabulary of the SIMD pooling templates, for AVX2: 8 float lanes, int32 index lanes,
   masks as all-ones lanes. Masked loads never fault on the lanes they leave out. */
#ifndef PK_VEC_H
#define PK_VEC_H
#include <immintrin.h>
#include <stdint.h>

#define PK_VW 8

typedef __m256 vf;
typedef __m256i vi;
typedef __m256 vm;

static inline __m256i pk_prefix_mask(int64_t n) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes);
}
static inline vf vf_set1(float x) { return _mm256_set1_ps(x); }
static inline vf vf_loadu(const float* p) { return _mm256_loadu_ps(p); }
static inline vf vf_load_n(const float* p, int64_t n) { return _mm256_maskload_ps(p, pk_prefix_mask(n)); }
static inline void vf_storeu(float* p, vf v) { _mm256_storeu_ps(p, v); }
static inline void vf_store_n(float* p, vf v, int64_t n) { _mm256_maskstore_ps(p, pk_prefix_mask(n), v); }
/* a > b ? a : b; returns b when either is NaN, so a NaN `a` is ignored */
static inline vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf vf_neg(vf a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
static inline vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
/* a + b; an addition here: at AVX2 fma(b, 1, a), as AVX-512 takes it, measured slower (S4 NHWC on a Zen 4, kernel
   alone: 45.7 -> 47.2 us) */
static inline vf vf_add_by_multiplier(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vm vf_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline vm vf_isnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline vm vm_all(void) { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }
/* The lanes of m where a and b are both numbers. */
static inline vm vm_and_ordered(vm m, vf a, vf b) { return _mm256_and_ps(m, _mm256_cmp_ps(a, b, _CMP_ORD_Q)); }
static inline vf vf_select(vm m, vf yes, vf no) { return _mm256_blendv_ps(no, yes, m); }

static inline vi vi_set1(int64_t x) { return _mm256_set1_epi32((int32_t)x); }
static inline vi vi_lanes_times(int64_t s) {
    return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int32_t)s));
}
static inline vi vi_loadu(const int32_t* p) { return _mm256_loadu_si256((const __m256i*)p); }
static inline vi vi_add(vi a, vi b) { return _mm256_add_epi32(a, b); }
static inline vm vi_gt(vi a, vi b) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(a, b)); }
static inline vm vm_and(vm a, vm b) { return _mm256_and_ps(a, b); }
static inline int vm_any(vm a) { return _mm256_movemask_ps(a) != 0; }
static inline vi vi_select(vm m, vi yes, vi no) {
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(no), _mm256_castsi256_ps(yes), m));
}
static inline vf vf_of_bits(vi a) { return _mm256_castsi256_ps(a); }
static inline vi vi_of_bits(vf a) { return _mm256_castps_si256(a); }
static inline void vi_storeu(int32_t* p, vi v) { _mm256_storeu_si256((__m256i*)p, v); }
/* Widens n int32 lanes to int64 and stores them. */
static inline __attribute__((always_inline)) void vi_store_i64_n(int64_t* p, vi v, int64_t n) {
    __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v));
    __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1));
    if (n >= PK_VW) {
        _mm256_storeu_si256((__m256i*)p, lo);
        _mm256_storeu_si256((__m256i*)(p + 4), hi);
        return;
    }
    const __m256i lanes = _mm256_setr_epi64x(0, 1, 2, 3);
    _mm256_maskstore_epi64((long long*)p, _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), lanes), lo);
    _mm256_maskstore_epi64((long long*)(p + 4), _mm256_cmpgt_epi64(_mm256_set1_epi64x(n - 4), lanes), hi);
}

/* The even lanes of a then b: a0 a2 a4 a6 b0 b2 b4 b6. */
static inline vf vf_even(vf a, vf b) {
    __m256 evens = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)); /* a0 a2 b0 b2 a4 a6 b4 b6 */
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}
/* Lanes before[PK_VW - 1], v[0], ..., v[PK_VW - 2]: v moved up one lane, the last lane of `before` coming in. */
static inline vf vf_shift_in(vf v, vf before) {
    const __m256i up = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
    return _mm256_blend_ps(_mm256_permutevar8x32_ps(v, up), _mm256_permutevar8x32_ps(before, up), 0x01);
}
/* Lanes p[0], p[2], ..., p[2*(PK_VW-1)]: reads 2*PK_VW floats. */
static inline vf vf_load_even(const float* p) { return vf_even(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
/* The lanes i with 0 <= x + i < width: where a vector loaded at element x of a row `width` long lies in the row.
   The counts are clamped before pk_prefix_mask narrows them to int. */
static inline vm vm_inside(int64_t x, int64_t width) {
    const int64_t end = width - x > PK_VW ? PK_VW : width - x < 0 ? 0 : width - x;
    const int64_t begin = x >= 0 ? 0 : x < -PK_VW ? PK_VW : -x;
    return _mm256_castsi256_ps(_mm256_andnot_si256(pk_prefix_mask(begin), pk_prefix_mask(end)));
}
/* Lanes p[i] where m is set, `fill` in the others, whose memory is never read (masked loads do not fault). */
static inline vf vf_load_masked(const float* p, vm m, vf fill) {
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, _mm256_castps_si256(m)), m);
}
/* vf_load_masked with +0 in the other lanes: the masked load alone. */
static inline vf vf_load_masked_zero(const float* p, vm m) { return _mm256_maskload_ps(p, _mm256_castps_si256(m)); }
/* The first n lanes of vf_load_even, reading only p[0 .. 2n-2]. */
static inline vf vf_load_even_n(const float* p, int64_t n) {
    const int64_t needed = 2 * n - 1;
    __m256 a = _mm256_maskload_ps(p, pk_prefix_mask(needed));
    __m256 b = _mm256_maskload_ps(p + 8, pk_prefix_mask(needed - 8));
    __m256 evens = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}
/* Lanes p[2i] into *even and p[2i + 1] into *odd, from two registers a and b of consecutive elements. */
static inline void pk_deinterleave(__m256 a, __m256 b, vf* even, vf* odd) {
    const __m256 evens = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)); /* a0 a2 b0 b2 a4 a6 b4 b6 */
    const __m256 odds = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));  /* a1 a3 b1 b3 a5 a7 b5 b7 */
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(odds), _MM_SHUFFLE(3, 1, 2, 0)));
}
/* Lanes p[2i] into *even and p[2i + 1] into *odd: reads p[0 .. 2 PK_VW). */
static inline void vf_load_pairs(const float* p, vf* even, vf* odd) {
    pk_deinterleave(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), even, odd);
}
/* The first n lanes of vf_load_pairs, reading p[0 .. 2n) only. */
static inline void vf_load_pairs_n(const float* p, int64_t n, vf* even, vf* odd) {
    pk_deinterleave(_mm256_maskload_ps(p, pk_prefix_mask(2 * n)), _mm256_maskload_ps(p + 8, pk_prefix_mask(2 * n - 8)),
                    even, odd);
}
/* Within each 128-bit lane: a 4x4 transpose of rows a, b, c, d, so that out[k] holds element k of the lane's four
   rows, in order (the in-lane half of every transpose here). */
static inline __attribute__((always_inline)) void pk_transpose4_in_lanes(__m256 a, __m256 b, __m256 c, __m256 d,
                                                                         __m256 out[4]) {
    const __m256 t0 = _mm256_unpacklo_ps(a, b), t1 = _mm256_unpackhi_ps(a, b);
    const __m256 t2 = _mm256_unpacklo_ps(c, d), t3 = _mm256_unpackhi_ps(c, d);
    out[0] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
}
/* Transposes 8 rows of 8 lanes in place: afterwards r[i] holds lane i of every row. */
static inline __attribute__((always_inline)) void vf_transpose(vf r[8]) {
    /* within each 128-bit lane L, u[4g + k] = element 4L + k of rows 4g .. 4g+3 */
    __m256 u[8];
    for (int g = 0; g < 2; g++) pk_transpose4_in_lanes(r[4 * g], r[4 * g + 1], r[4 * g + 2], r[4 * g + 3], u + 4 * g);
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
        r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
}
/* Elements 0..3 of the 8 rows p + j*stride, as four vectors: r[i] holds element i of every row (half of the
   transpose of 8 loaded rows). The 128-bit halves are loaded straight into their final lanes, so only the in-lane
   half of a transpose takes shuffles. */
static inline __attribute__((always_inline)) void vf_load_columns4(const float* p, int64_t stride, vf r[4]) {
    __m256 a[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) /* lane L: row 4L + i */
        a[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p + i * stride)),
                                    _mm_loadu_ps(p + (4 + i) * stride), 1);
    pk_transpose4_in_lanes(a[0], a[1], a[2], a[3], r);
}
/* A lookup key: element k = index[i] in [0, 32) of four registers, prepared once for many lookups. */
typedef struct vkey {
    __m256i index; /* bits 0..2 pick within a register */
    __m256 odd;    /* bit 3 as a sign: the second register of a pair */
    __m256 high;   /* bit 4 as a sign: the second pair */
} vkey;
static inline vkey vkey_of(vi index) {
    const vkey key = {index, _mm256_castsi256_ps(_mm256_slli_epi32(index, 28)),
                      _mm256_castsi256_ps(_mm256_slli_epi32(index, 27))};
    return key;
}
/* Lanes r[k / 8][k % 8] of the key's elements k: a table lookup in registers. */
static inline vf vf_lookup4(const vf r[4], vkey key) {
    const __m256 low =
        _mm256_blendv_ps(_mm256_permutevar8x32_ps(r[0], key.index), _mm256_permutevar8x32_ps(r[1], key.index), key.odd);
    const __m256 high =
        _mm256_blendv_ps(_mm256_permutevar8x32_ps(r[2], key.index), _mm256_permutevar8x32_ps(r[3], key.index), key.odd);
    return _mm256_blendv_ps(low, high, key.high);
}
/* Lanes lo[k] for the key's elements k < 8, hi[k - 8] for k in [8, 16): a window of two registers. */
static inline vf vf_lookup2(vf lo, vf hi, vkey key) {
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(lo, key.index), _mm256_permutevar8x32_ps(hi, key.index), key.odd);
}
/* Lanes of `yes` where m's lane is all ones, of `no` where it is zero (a mask kept in a vector register). */
static inline vf vf_select_bits(vi m, vf yes, vf no) { return _mm256_blendv_ps(no, yes, _mm256_castsi256_ps(m)); }
/* The lanes of a where m's lane is all ones, +0 where it is zero. */
static inline vf vf_and_bits(vi m, vf a) { return _mm256_and_ps(_mm256_castsi256_ps(m), a); }
/* v with x[0] in the lanes m sets. */
static inline vf vf_put_scalar(vf v, vm m, const float* x) { return _mm256_blendv_ps(v, _mm256_broadcast_ss(x), m); }
/* Stores the lanes of v where m is set. */
static inline void vf_store_masked(float* p, vm m, vf v) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }
/* Lanes p[offset[i]] for the first n lanes (offsets in elements). */
static inline vf vf_gather_n(const float* p, vi offset, int64_t n) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, offset, _mm256_castsi256_ps(pk_prefix_mask(n)), 4);
}

#endif
