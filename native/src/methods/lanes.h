/* The lanes of the methods' SIMD kernels: PK_MV lanes (channels) in float and in double, through GCC's vector
   extensions, compiled once per instruction set with that set's flags only: PK_MV is the doubles of one register
   (4 for AVX2, 8 for AVX-512), since GCC lowers vectors wider than a register, and their comparisons, to scalar
   code. 64-bit shifts are logical (AVX2 has no arithmetic one).
   pk_fixed_exp and pk_fixed_log lane by lane: the same IEEE operations in the same order as the scalar
   definitions (fixed-exp.h, fixed-log.h), so every lane has the scalar function's bits; the special inputs are
   computed on a harmless stand-in and replaced by their scalar results afterwards. Inlined always, so that a kernel
   computing several vectors' functions in a row gives the processor independent chains to overlap.
   -ffp-contract=off: the multiply-adds that fuse are written as such (vd_fma). */
#ifndef PK_METHODS_LANES_H
#define PK_METHODS_LANES_H
#include <immintrin.h>
#include <string.h>

#include "fixed-log.h"

typedef float vf __attribute__((vector_size(PK_MV * 4)));
typedef int32_t vi __attribute__((vector_size(PK_MV * 4)));
typedef double vd __attribute__((vector_size(PK_MV * 8)));
typedef int64_t vl __attribute__((vector_size(PK_MV * 8)));
typedef uint64_t vu __attribute__((vector_size(PK_MV * 8)));

static inline vf vf_select(vi mask, vf yes, vf no) { return (vf)((mask & (vi)yes) | (~mask & (vi)no)); }
static inline vd vd_select(vl mask, vd yes, vd no) { return (vd)((mask & (vl)yes) | (~mask & (vl)no)); }
/* The instruction set's conversion, one instruction (GCC splits __builtin_convertvector's into halves). */
static inline vd vd_of(vf v) {
#if PK_MV == 8
    return (vd)_mm512_cvtps_pd((__m256)v);
#else
    return (vd)_mm256_cvtps_pd((__m128)v);
#endif
}

static inline vf vf_of(vd v) { return __builtin_convertvector(v, vf); }
static inline vd vd_set1(double x) { return (vd){0} + x; }

/* The first count lanes (0 < count < PK_MV) of contiguous floats: a masked load, 0 in the others, or a masked
   store; memory past them is neither touched nor faulting. */
#if PK_MV == 8
static inline __mmask16 first_lanes(int64_t count) { return (__mmask16)((1u << count) - 1); }
static inline vf load_first(const float* at, int64_t count) {
    return (vf)_mm512_castps512_ps256(_mm512_maskz_loadu_ps(first_lanes(count), at));
}
static inline void store_first(float* at, int64_t count, vf v) {
    _mm512_mask_storeu_ps(at, first_lanes(count), _mm512_castps256_ps512((__m256)v));
}
#else
static inline __m128i first_lanes(int64_t count) {
    return _mm_cmpgt_epi32(_mm_set1_epi32((int)count), _mm_setr_epi32(0, 1, 2, 3));
}
static inline vf load_first(const float* at, int64_t count) { return (vf)_mm_maskload_ps(at, first_lanes(count)); }
static inline void store_first(float* at, int64_t count, vf v) { _mm_maskstore_ps(at, first_lanes(count), (__m128)v); }
#endif

/* Lanes at[i * step] for i < count, 0 in the others (whose results are never stored). */
static inline vf load_lanes(const float* at, int64_t step, int64_t count) {
    vf v = {0};
    if (count == PK_MV) { /* whole vectors: loops of constant length, unrolled */
        if (step == 1) memcpy(&v, at, sizeof v);
        else if (step == 2) {
#if PK_MV == 8 /* one masked load of at[0 .. 14] (the 16th float neither read nor faulting), one permutation */
            const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
            v = (vf)_mm512_castps512_ps256(_mm512_permutexvar_ps(even, _mm512_maskz_loadu_ps(0x7FFF, at)));
#else /* two loads deinterleaved; the second starts a lane early, so none reads past the last */
            vf a, b;
            memcpy(&a, at, sizeof a);
            memcpy(&b, at + PK_MV - 1, sizeof b);
            v = __builtin_shufflevector(a, b, 0, 2, 5, 7);
#endif
        } else
            for (int i = 0; i < PK_MV; i++) v[i] = at[i * step];
        return v;
    }
    if (step == 1) return load_first(at, count);
    for (int64_t i = 0; i < count; i++) v[i] = at[i * step];
    return v;
}

static inline void store_lanes(float* at, int64_t step, int64_t count, vf v) {
    if (count == PK_MV) {
        if (step == 1) memcpy(at, &v, sizeof v);
        else
            for (int i = 0; i < PK_MV; i++) at[i * step] = v[i];
        return;
    }
    if (step == 1) store_first(at, count, v);
    else
        for (int64_t i = 0; i < count; i++) at[i * step] = v[i];
}

/* a > b ? a : b per lane (b where either is NaN): the instruction set's max, one instruction for the select. */
static inline vd vd_max(vd a, vd b) {
#if PK_MV == 8
    return (vd)_mm512_max_pd((__m512d)a, (__m512d)b);
#else
    return (vd)_mm256_max_pd((__m256d)a, (__m256d)b);
#endif
}

/* vd_max of floats. */
static inline vf vf_max(vf a, vf b) {
#if PK_MV == 8
    return (vf)_mm256_max_ps((__m256)a, (__m256)b);
#else
    return (vf)_mm_max_ps((__m128)a, (__m128)b);
#endif
}

/* floor and trunc per lane: the instruction set's rounding to an integer, exactly those functions. */
static inline vd vd_floor(vd t) {
#if PK_MV == 8
    return (vd)_mm512_roundscale_pd((__m512d)t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
#else
    return (vd)_mm256_round_pd((__m256d)t, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
#endif
}

static inline vd vd_trunc(vd t) {
#if PK_MV == 8
    return (vd)_mm512_roundscale_pd((__m512d)t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
#else
    return (vd)_mm256_round_pd((__m256d)t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
#endif
}

/* 2^e per lane for integral e, -1022 <= e <= 1023: e + 1023 is the low bits of e + 2^52 + 1023, moved into the
   exponent field. */
static inline vd vd_pow2(vd e) { return (vd)((vl)(e + (0x1p52 + 1023.0)) << 52); }

/* pk_fixed_scale per lane: v 2^e for integral e, |e| <= 2044, the same two steps (e / 2 toward zero first). */
static inline __attribute__((always_inline)) vd vd_scale(vd v, vd e) {
    const vd half = vd_trunc(e * 0.5);
    return v * vd_pow2(half) * vd_pow2(e - half);
}

/* K with z = f 2^K, f in [0.5, 1), per lane for positive finite z (frexp's exponent), subnormals included. */
static inline vd vd_frexp_exponent(vd z) {
    const vl subnormal = (vl)(z < 0x1p-1022);
    const vd v = vd_select(subnormal, z * 0x1p54, z);
    const vd biased = (vd)(((vu)v >> 52) | UINT64_C(0x4330000000000000)) - 0x1p52; /* the exponent field, exactly */
    return vd_select(subnormal, biased - (1022.0 + 54.0), biased - 1022.0);
}

/* The functions below run for n <= PK_LANES_UNITS vectors at once, each statement for every vector in turn: n
   independent chains interleaved, which the processor overlaps (one vector alone is a chain of dependent
   operations). Each vector gets exactly the operations of the scalar function. At most 8 (across.h's groups). */
#define PK_LANES_UNITS 8
#define PK_EACH(u, n) _Pragma("GCC unroll 8") for (int u = 0; u < (n); u++)

/* a b + c, rounded once. */
static inline vd vd_fma(vd a, vd b, vd c) {
#if PK_MV == 8
    return (vd)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#else
    return (vd)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#endif
}

/* c - a b, rounded once. */
static inline vd vd_fnma(vd a, vd b, vd c) {
#if PK_MV == 8
    return (vd)_mm512_fnmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#else
    return (vd)_mm256_fnmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#endif
}

/* pk_exp_table[bits & 15] per lane: one permutation of the table's two registers at AVX-512 (which reads only the
   index's low four bits), a gather of the masked index at AVX2. */
static inline vd vd_exp_table(vu bits) {
#if PK_MV == 8
    const __m512d low = _mm512_loadu_pd(pk_exp_table), high = _mm512_loadu_pd(pk_exp_table + 8);
    return (vd)_mm512_permutex2var_pd(low, (__m512i)bits, high);
#else
    return (vd)_mm256_i64gather_pd(pk_exp_table, (__m256i)(bits & 15), 8);
#endif
}

/* pk_fixed_exp's reduction, table and polynomial of x, for n vectors: v and k with e^x = v 2^e, e = floor(k / 16)
   (v before its scaling). */
static inline __attribute__((always_inline)) void vd_exp_parts_n(const vd* x, vd* v, vd* k, const int n) {
    vd t[PK_LANES_UNITS], r[PK_LANES_UNITS], s[PK_LANES_UNITS];
    PK_EACH(u, n) t[u] = x[u] * PK_EXP_SIXTEEN_OVER_LN2 + PK_EXP_SHIFTER;
    PK_EACH(u, n) k[u] = t[u] - PK_EXP_SHIFTER;
    PK_EACH(u, n) r[u] = vd_fnma(k[u], vd_set1(PK_EXP_LN2_OVER_16_HI), x[u]);
    PK_EACH(u, n) r[u] = vd_fnma(k[u], vd_set1(PK_EXP_LN2_OVER_16_LO), r[u]);
    PK_EACH(u, n) s[u] = vd_fma(vd_set1(PK_EXP_S6), r[u], vd_set1(PK_EXP_S5));
    PK_EACH(u, n) s[u] = vd_fma(s[u], r[u], vd_set1(PK_EXP_S4));
    PK_EACH(u, n) s[u] = vd_fma(s[u], r[u], vd_set1(PK_EXP_S3));
    PK_EACH(u, n) s[u] = vd_fma(s[u], r[u], vd_set1(PK_EXP_S2));
    PK_EACH(u, n) s[u] = vd_fma(s[u], r[u], vd_set1(PK_EXP_S1));
    PK_EACH(u, n) s[u] = vd_fma(s[u], r[u], vd_set1(PK_EXP_S0));
    PK_EACH(u, n) {
        const vd table = vd_exp_table((vu)t[u]);
        v[u] = vd_fma(table, s[u] * r[u], table);
    }
}

/* v 2^floor(k / 16), rounded once (pk_fixed_scale's two steps round once too), for integral k with floor(k / 16) in
   [-1076, 1024]: AVX-512's scalef does it in one instruction. */
static inline __attribute__((always_inline)) vd vd_exp_scale(vd v, vd k) {
#if PK_MV == 8
    return (vd)_mm512_scalef_pd((__m512d)v, (__m512d)(k * 0.0625));
#else
    return vd_scale(v, vd_floor(k * 0.0625));
#endif
}

/* pk_fixed_exp per lane, n vectors. */
static inline __attribute__((always_inline)) void vd_fixed_exp_n(vd* y, const vd* given, const int n) {
    vl nan[PK_LANES_UNITS], over[PK_LANES_UNITS], under[PK_LANES_UNITS];
    vd x[PK_LANES_UNITS], v[PK_LANES_UNITS], k[PK_LANES_UNITS];
    PK_EACH(u, n) {
        nan[u] = (vl)(given[u] != given[u]);
        over[u] = (vl)(given[u] > 709.782712893384);
        under[u] = (vl)(given[u] < -745.2);
        x[u] = vd_select(nan[u] | over[u] | under[u], (vd){0}, given[u]);
    }
    vd_exp_parts_n(x, v, k, n);
    PK_EACH(u, n) {
        vd z = vd_exp_scale(v[u], k[u]);
        z = vd_select(under[u], (vd){0}, z);
        z = vd_select(over[u], vd_set1(INFINITY), z);
        y[u] = vd_select(nan[u], given[u], z);
    }
}

static inline __attribute__((always_inline)) vd vd_fixed_exp(vd given) {
    vd y;
    vd_fixed_exp_n(&y, &given, 1);
    return y;
}

/* pk_fixed_exp per lane for x <= 0 (and -inf), as SoftPool's e^(x - m), n vectors: the same bits with fewer
   operations. No lane overflows, and v 2^e (v in [0.97, 2.01)) is rounded once either way: by scalef, or at AVX2
   v 2^(e + 60) is normal and exact for e >= -1076, then 2^-60 rounds it as pk_fixed_scale's second step does. Inputs below -745.2 (-inf
   too), which pk_fixed_exp takes to +0, are raised to -745.3 instead of tested: e is then -1076 and v 2^e, within
   an ulp or two of e^x <= e^-745.2 < 0.93 2^-1075, below half the smallest subnormal, rounds to +0 as well. NaN
   lanes give any value. */
static inline __attribute__((always_inline)) void vd_fixed_exp_nonpositive_n(vd* y, const vd* given, const int n) {
    vd x[PK_LANES_UNITS], v[PK_LANES_UNITS], k[PK_LANES_UNITS];
    PK_EACH(u, n) x[u] = vd_max(given[u], vd_set1(-745.3));
    vd_exp_parts_n(x, v, k, n);
#if PK_MV == 8
    PK_EACH(u, n) y[u] = vd_exp_scale(v[u], k[u]);
#else
    PK_EACH(u, n) y[u] = v[u] * vd_pow2(vd_floor(k[u] * 0.0625) + 60.0) * 0x1p-60;
#endif
}

/* The coefficients of pk_fixed_log_near_one after the first, 1/21 down to 1, in its order. */
static const double pk_log_coefficients[11] = {1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0, 1.0 / 11.0,
                                               1.0 / 9.0,  1.0 / 7.0,  1.0 / 5.0,  1.0 / 3.0,  1.0};

/* pk_fixed_log per lane, n vectors, or with `special` 0 for positive normal x only (other lanes give any value): the
   same bits without the tests. The exponent k is formed in double (exact for these small integers), as the
   scalar's integer k converted. */
static inline __attribute__((always_inline)) void vd_log_n(vd* y, const vd* x, const int n, const int special) {
    vl nan[PK_LANES_UNITS], zero[PK_LANES_UNITS], inf[PK_LANES_UNITS];
    vd k[PK_LANES_UNITS], m[PK_LANES_UNITS], s[PK_LANES_UNITS], z[PK_LANES_UNITS], q[PK_LANES_UNITS];
    PK_EACH(u, n) {
        vd v = x[u];
        vl subnormal = {0};
        if (special) {
            nan[u] = (vl)(x[u] != x[u]) | (vl)(x[u] < 0.0);
            zero[u] = (vl)(x[u] == 0.0);
            inf[u] = (vl)(x[u] == INFINITY);
            v = vd_select(nan[u] | zero[u] | inf[u], vd_set1(1.0), x[u]);
            subnormal = (vl)(v < 0x1p-1022);
            v = vd_select(subnormal, v * 0x1p54, v);
        }
        const vu bits = (vu)v;
        const vd biased = (vd)((bits >> 52) | UINT64_C(0x4330000000000000)) - 0x1p52; /* the exponent field */
        k[u] = special ? vd_select(subnormal, (biased - 1023.0) - 54.0, biased - 1023.0) : biased - 1023.0;
        m[u] = (vd)((bits & UINT64_C(0x000FFFFFFFFFFFFF)) | UINT64_C(0x3FF0000000000000));
        const vl high = (vl)(m[u] > PK_FIXED_SQRT2);
        m[u] = vd_select(high, m[u] * 0.5, m[u]);
        k[u] = vd_select(high, k[u] + 1.0, k[u]);
    }
    PK_EACH(u, n) {
        const vd f = m[u] - 1.0;
        s[u] = f / (2.0 + f);
    }
    PK_EACH(u, n) {
        z[u] = s[u] * s[u];
        q[u] = vd_set1(1.0 / 23.0);
    }
    for (int i = 0; i < 11; i++) PK_EACH(u, n) q[u] = q[u] * z[u] + pk_log_coefficients[i];
    PK_EACH(u, n) {
        vd v = k[u] * PK_FIXED_LN2_HI + (k[u] * PK_FIXED_LN2_LO + (2.0 * s[u]) * q[u]);
        if (special) {
            v = vd_select(inf[u], vd_set1(INFINITY), v);
            v = vd_select(zero[u], vd_set1(-INFINITY), v);
            v = vd_select(nan[u], vd_set1(NAN), v);
        }
        y[u] = v;
    }
}

static inline __attribute__((always_inline)) void vd_fixed_log_n(vd* y, const vd* x, const int n) {
    vd_log_n(y, x, n, 1);
}

/* pk_fixed_pow per lane, n vectors with exponents e[u]. */
static inline __attribute__((always_inline)) void vd_fixed_pow_n(vd* y, const vd* x, const vd* e, const int n) {
    vd t[PK_LANES_UNITS];
    vd_fixed_log_n(t, x, n);
    PK_EACH(u, n) t[u] = e[u] * t[u];
    vd_fixed_exp_n(y, t, n);
}

/* pk_fixed_pow per lane for x positive and normal and |e ln x| <= 700 (other lanes give any value), n vectors: the
   same bits without the tests for special inputs, and e^t scaled by 2^k in one step (v 2^k is normal, so both
   steps of pk_fixed_scale are exact, and so is one). */
static inline __attribute__((always_inline)) void vd_fixed_pow_normal_n(vd* y, const vd* x, const vd* e, const int n) {
    vd t[PK_LANES_UNITS], v[PK_LANES_UNITS], k[PK_LANES_UNITS];
    vd_log_n(t, x, n, 0);
    PK_EACH(u, n) t[u] = e[u] * t[u];
    vd_exp_parts_n(t, v, k, n);
#if PK_MV == 8
    PK_EACH(u, n) y[u] = vd_exp_scale(v[u], k[u]);
#else
    PK_EACH(u, n) y[u] = v[u] * vd_pow2(vd_floor(k[u] * 0.0625));
#endif
}

static inline __attribute__((always_inline)) vd vd_fixed_pow(vd x, vd y) {
    vd r;
    vd_fixed_pow_n(&r, &x, &y, 1);
    return r;
}

#endif
