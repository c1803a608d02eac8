/* The vector vocabulary of the SIMD pooling templates, for AVX-512F: 16 float lanes, int32 index
   lanes, opmask registers. Masked loads never fault on the lanes they leave out. */
#ifndef PK_VEC_H
#define PK_VEC_H
#include <immintrin.h>
#include <stdint.h>

#define PK_VW 16

typedef __m512 vf;
typedef __m512i vi;
typedef __mmask16 vm;

static inline __mmask16 pk_prefix_mask(int64_t n) {
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}
static inline vf vf_set1(float x) { return _mm512_set1_ps(x); }
static inline vf vf_loadu(const float* p) { return _mm512_loadu_ps(p); }
static inline vf vf_load_n(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(pk_prefix_mask(n), p); }
static inline void vf_storeu(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline void vf_store_n(float* p, vf v, int64_t n) { _mm512_mask_storeu_ps(p, pk_prefix_mask(n), v); }
/* a > b ? a : b; returns b when either is NaN, so a NaN `a` is ignored */
static inline vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
/* sign flip by integer xor: AVX-512F alone has no float xor */
static inline vf vf_neg(vf a) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
}
static inline vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
/* a + b on the multiplier's pipes: b * 1 is exact, so the fused multiply-add rounds once, as the addition */
static inline vf vf_add_by_multiplier(vf a, vf b) { return _mm512_fmadd_ps(b, _mm512_set1_ps(1.0f), a); }
static inline vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vm vf_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline vm vf_isnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline vm vm_all(void) { return 0xffff; }
/* The lanes of m where a and b are both numbers: one compare under mask m, with no separate AND, so that a running
   "no NaN yet" costs one instruction per tap (a compare and an OR of masks took two, on ports the max shares). */
static inline vm vm_and_ordered(vm m, vf a, vf b) { return _mm512_mask_cmp_ps_mask(m, a, b, _CMP_ORD_Q); }
static inline vf vf_select(vm m, vf yes, vf no) { return _mm512_mask_mov_ps(no, m, yes); }

static inline vi vi_set1(int64_t x) { return _mm512_set1_epi32((int32_t)x); }
static inline vi vi_lanes_times(int64_t s) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm512_mullo_epi32(lanes, _mm512_set1_epi32((int32_t)s));
}
static inline vi vi_loadu(const int32_t* p) { return _mm512_loadu_si512(p); }
static inline vi vi_add(vi a, vi b) { return _mm512_add_epi32(a, b); }
static inline vm vi_gt(vi a, vi b) { return _mm512_cmpgt_epi32_mask(a, b); }
static inline vm vm_and(vm a, vm b) { return _kand_mask16(a, b); }
static inline int vm_any(vm a) { return a != 0; }
static inline vi vi_select(vm m, vi yes, vi no) { return _mm512_mask_mov_epi32(no, m, yes); }
static inline vf vf_of_bits(vi a) { return _mm512_castsi512_ps(a); }
static inline vi vi_of_bits(vf a) { return _mm512_castps_si512(a); }
static inline void vi_storeu(int32_t* p, vi v) { _mm512_storeu_si512(p, v); }
/* Widens n int32 lanes to int64 and stores them. */
static inline __attribute__((always_inline)) void vi_store_i64_n(int64_t* p, vi v, int64_t n) {
    __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
    __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1));
    const __mmask16 m = pk_prefix_mask(n);
    _mm512_mask_storeu_epi64(p, (__mmask8)(m & 0xFF), lo);
    _mm512_mask_storeu_epi64(p + 8, (__mmask8)(m >> 8), hi);
}

/* The even lanes of a then b: a0 a2 ... a14 b0 b2 ... b14. */
static inline vf vf_even(vf a, vf b) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, evens, b);
}
/* Lanes before[PK_VW - 1], v[0], ..., v[PK_VW - 2]: v moved up one lane, the last lane of `before` coming in. */
static inline vf vf_shift_in(vf v, vf before) {
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(before), 15));
}
/* Lanes p[0], p[2], ..., p[2*(PK_VW-1)]: reads 2*PK_VW floats. */
static inline vf vf_load_even(const float* p) { return vf_even(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16)); }
/* The lanes i with 0 <= x + i < width: where a vector loaded at element x of a row `width` long lies in the row. */
static inline vm vm_inside(int64_t x, int64_t width) {
    return pk_prefix_mask(width - x) & (__mmask16)~pk_prefix_mask(-x);
}
/* Lanes p[i] where m is set, `fill` in the others, whose memory is never read (masked loads do not fault). */
static inline vf vf_load_masked(const float* p, vm m, vf fill) { return _mm512_mask_loadu_ps(fill, m, p); }
/* vf_load_masked with +0 in the other lanes. */
static inline vf vf_load_masked_zero(const float* p, vm m) { return _mm512_maskz_loadu_ps(m, p); }
/* The first n lanes of vf_load_even, reading only p[0 .. 2n-2]. */
static inline vf vf_load_even_n(const float* p, int64_t n) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const int64_t needed = 2 * n - 1;
    __m512 a = _mm512_maskz_loadu_ps(pk_prefix_mask(needed), p);
    __m512 b = _mm512_maskz_loadu_ps(pk_prefix_mask(needed - 16), p + 16);
    return _mm512_permutex2var_ps(a, evens, b);
}
/* Lanes p[2i] into *even and p[2i + 1] into *odd, from two registers a and b of consecutive elements. */
static inline void pk_deinterleave(__m512 a, __m512 b, vf* even, vf* odd) {
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    *even = vf_even(a, b);
    *odd = _mm512_permutex2var_ps(a, odds, b);
}
/* Lanes p[2i] into *even and p[2i + 1] into *odd: reads p[0 .. 2 PK_VW). */
static inline void vf_load_pairs(const float* p, vf* even, vf* odd) {
    pk_deinterleave(_mm512_loadu_ps(p), _mm512_loadu_ps(p + 16), even, odd);
}
/* The first n lanes of vf_load_pairs, reading p[0 .. 2n) only. */
static inline void vf_load_pairs_n(const float* p, int64_t n, vf* even, vf* odd) {
    const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const __m512 a = _mm512_maskz_loadu_ps(pk_prefix_mask(2 * n), p);
    const __m512 b = _mm512_maskz_loadu_ps(pk_prefix_mask(2 * n - 16), p + 16);
    *even = _mm512_permutex2var_ps(a, evens, b);
    *odd = _mm512_permutex2var_ps(a, odds, b);
}
/* Within each 128-bit lane: a 4x4 transpose of rows a, b, c, d, so that out[k] holds element k of the lane's four
   rows, in order (the in-lane half of every transpose here). */
static inline __attribute__((always_inline)) void pk_transpose4_in_lanes(__m512 a, __m512 b, __m512 c, __m512 d,
                                                                         __m512 out[4]) {
    const __m512 t0 = _mm512_unpacklo_ps(a, b), t1 = _mm512_unpackhi_ps(a, b);
    const __m512 t2 = _mm512_unpacklo_ps(c, d), t3 = _mm512_unpackhi_ps(c, d);
    out[0] = _mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    out[1] = _mm512_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    out[2] = _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    out[3] = _mm512_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
}
/* Transposes 16 rows of 16 lanes in place: afterwards r[i] holds lane i of every row. */
static inline __attribute__((always_inline)) void vf_transpose(vf r[16]) {
    /* within each 128-bit lane L, u[4g + k] = element 4L + k of rows 4g .. 4g+3 */
    __m512 u[16];
    for (int g = 0; g < 4; g++) pk_transpose4_in_lanes(r[4 * g], r[4 * g + 1], r[4 * g + 2], r[4 * g + 3], u + 4 * g);
    /* and a 4x4 transpose of 128-bit lanes among u[k], u[4+k], u[8+k], u[12+k] */
    for (int k = 0; k < 4; k++) {
        const __m512 x0 = _mm512_shuffle_f32x4(u[k], u[4 + k], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 x1 = _mm512_shuffle_f32x4(u[k], u[4 + k], _MM_SHUFFLE(3, 2, 3, 2));
        const __m512 y0 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 y1 = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], _MM_SHUFFLE(3, 2, 3, 2));
        r[k] = _mm512_shuffle_f32x4(x0, y0, _MM_SHUFFLE(2, 0, 2, 0));
        r[4 + k] = _mm512_shuffle_f32x4(x0, y0, _MM_SHUFFLE(3, 1, 3, 1));
        r[8 + k] = _mm512_shuffle_f32x4(x1, y1, _MM_SHUFFLE(2, 0, 2, 0));
        r[12 + k] = _mm512_shuffle_f32x4(x1, y1, _MM_SHUFFLE(3, 1, 3, 1));
    }
}
/* Elements 0..3 of the 16 rows p + j*stride, as four vectors: r[i] holds element i of every row (a quarter of the
   transpose of 16 loaded rows). The 128-bit quarters are loaded straight into their final lanes, so only the
   in-lane half of a transpose takes shuffles. */
static inline __attribute__((always_inline)) void vf_load_columns4(const float* p, int64_t stride, vf r[4]) {
    __m512 a[4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) { /* lane L: row 4L + i */
        __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(p + i * stride));
        v = _mm512_insertf32x4(v, _mm_loadu_ps(p + (4 + i) * stride), 1);
        v = _mm512_insertf32x4(v, _mm_loadu_ps(p + (8 + i) * stride), 2);
        a[i] = _mm512_insertf32x4(v, _mm_loadu_ps(p + (12 + i) * stride), 3);
    }
    pk_transpose4_in_lanes(a[0], a[1], a[2], a[3], r);
}
/* Elements 0..7 of the 16 rows p + j*stride, as eight vectors: r[i] holds element i of every row (half of the
   transpose of 16 loaded rows). Rows j and 8 + j are loaded as the two 256-bit halves of one register, so only
   the transposes within halves take shuffles: 3 per vector, against 4 for a quarter of a row per 128-bit lane
   (vf_load_columns4, whose inserts are shuffles too). */
static inline __attribute__((always_inline)) void vf_load_columns8(const float* p, int64_t stride, vf r[8]) {
    __m512 a[8], u[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        a[i] = _mm512_castpd_ps(
            _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(p + i * stride))),
                               _mm256_castps_pd(_mm256_loadu_ps(p + (8 + i) * stride)), 1));
    pk_transpose4_in_lanes(a[0], a[1], a[2], a[3], u);
    pk_transpose4_in_lanes(a[4], a[5], a[6], a[7], u + 4);
    /* u[k]: element k of rows 0..3 in lane 0, element 4 + k in lane 1, the same of rows 8..11 in lanes 2 and 3;
       u[4 + k] likewise of rows 4..7 and 12..15 */
    const __m512i low = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
    const __m512i high = _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        r[k] = _mm512_permutex2var_ps(u[k], low, u[4 + k]);
        r[4 + k] = _mm512_permutex2var_ps(u[k], high, u[4 + k]);
    }
}
/* A lookup key: element k = index[i] in [0, 64) of four registers, prepared once for many lookups. */
typedef struct vkey {
    __m512i index;  /* bits 0..4 pick within a register pair */
    __mmask16 high; /* bit 5: the second pair */
} vkey;
static inline vkey vkey_of(vi index) {
    const vkey key = {index, _mm512_test_epi32_mask(index, _mm512_set1_epi32(32))};
    return key;
}
/* Lanes r[k / 16][k % 16] of the key's elements k: a table lookup in registers. */
static inline vf vf_lookup4(const vf r[4], vkey key) {
    const __m512 low = _mm512_permutex2var_ps(r[0], key.index, r[1]);
    const __m512 high = _mm512_permutex2var_ps(r[2], key.index, r[3]);
    return _mm512_mask_mov_ps(low, key.high, high);
}
/* Lanes lo[k] for the key's elements k < 16, hi[k - 16] for k in [16, 32): a window of two registers. */
static inline vf vf_lookup2(vf lo, vf hi, vkey key) { return _mm512_permutex2var_ps(lo, key.index, hi); }
/* Lanes of `yes` where m's lane is all ones, of `no` where it is zero (a mask kept in a vector register). */
static inline vf vf_select_bits(vi m, vf yes, vf no) {
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(m, _mm512_castps_si512(yes), _mm512_castps_si512(no), 0xCA));
}
/* The lanes of a where m's lane is all ones, +0 where it is zero. */
static inline vf vf_and_bits(vi m, vf a) { return _mm512_castsi512_ps(_mm512_and_si512(m, _mm512_castps_si512(a))); }
/* v with x[0] in the lanes m sets. */
static inline vf vf_put_scalar(vf v, vm m, const float* x) { return _mm512_mask_broadcastss_ps(v, m, _mm_load_ss(x)); }
/* Stores the lanes of v where m is set. */
static inline void vf_store_masked(float* p, vm m, vf v) { _mm512_mask_storeu_ps(p, m, v); }
/* Lanes p[offset[i]] for the first n lanes (offsets in elements). */
static inline vf vf_gather_n(const float* p, vi offset, int64_t n) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), pk_prefix_mask(n), offset, p, 4);
}

#endif
