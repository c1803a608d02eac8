/* The lanes of the methods' SIMD kernels: PK_MV lanes (channels) in float and in double, through GCC's vector
   extensions, compiled once per instruction set with that set's flags only: PK_MV is the doubles of one register
   (4 for AVX2, 8 for AVX-512), since GCC lowers vectors wider than a register, and their comparisons, to scalar
   code. 64-bit shifts are logical (AVX2 has no arithmetic one).
   pk_fixed_exp and pk_fixed_log lane by lane: the same IEEE operations in the same order as the scalar
   definitions (fixed-exp.h, fixed-log.h), so every lane has the scalar function's bits; the special inputs are
   computed on a harmless stand-in and replaced by their scalar results afterwards. -ffp-contract=off. */
#ifndef PK_METHODS_LANES_H
#define PK_METHODS_LANES_H
#include <string.h>

#include "fixed-log.h"

typedef float vf __attribute__((vector_size(PK_MV * 4)));
typedef int32_t vi __attribute__((vector_size(PK_MV * 4)));
typedef double vd __attribute__((vector_size(PK_MV * 8)));
typedef int64_t vl __attribute__((vector_size(PK_MV * 8)));
typedef uint64_t vu __attribute__((vector_size(PK_MV * 8)));

static inline vf vf_select(vi mask, vf yes, vf no) { return (vf)((mask & (vi)yes) | (~mask & (vi)no)); }
static inline vd vd_select(vl mask, vd yes, vd no) { return (vd)((mask & (vl)yes) | (~mask & (vl)no)); }
static inline vd vd_of(vf v) { return __builtin_convertvector(v, vd); }
static inline vf vf_of(vd v) { return __builtin_convertvector(v, vf); }
static inline vd vd_set1(double x) { return (vd){0} + x; }

/* Lanes at[i * step] for i < count, 0 in the others (whose results are never stored). */
static inline vf load_lanes(const float* at, int64_t step, int64_t count) {
    vf v = {0};
    if (count == PK_MV) { /* whole vectors: loops of constant length, unrolled */
        if (step == 1) memcpy(&v, at, sizeof v);
        else
            for (int i = 0; i < PK_MV; i++) v[i] = at[i * step];
        return v;
    }
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
    for (int64_t i = 0; i < count; i++) at[i * step] = v[i];
}

/* floor(t) for |t| < 2^31: the truncation, one less where it rounded up. */
static inline vd vd_floor(vd t) {
    const vd truncated = __builtin_convertvector(__builtin_convertvector(t, vi), vd);
    return vd_select((vl)(truncated > t), truncated - 1.0, truncated);
}

/* 2^e per lane for -1022 <= e <= 1023. */
static inline vd vd_pow2(vi e) {
    const vl bits = (__builtin_convertvector(e, vl) + 1023) << 52;
    return (vd)bits;
}

/* pk_fixed_exp per lane. */
static inline vd vd_fixed_exp(vd given) {
    const vl nan = (vl)(given != given), over = (vl)(given > 709.782712893384), under = (vl)(given < -745.2);
    const vd x = vd_select(nan | over | under, (vd){0}, given);
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double inv_ln2 = 1.44269504088896338700e+00;
    const vd k = vd_floor(x * inv_ln2 + 0.5);
    const vd r = (x - k * ln2_hi) - k * ln2_lo;
    vd q = vd_set1(1.0 / 6227020800.0);
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    q = q * r + 1.0;
    q = q * r + 1.0;
    const vi e = __builtin_convertvector(k, vi), half = e / 2; /* C's division, toward zero, as the scalar's */
    vd y = q * vd_pow2(half) * vd_pow2(e - half);
    y = vd_select(under, (vd){0}, y);
    y = vd_select(over, vd_set1(INFINITY), y);
    return vd_select(nan, given, y);
}

/* pk_fixed_log per lane. The exponent k is formed in double (exact for these small integers), as the scalar's
   integer k converted. */
static inline vd vd_fixed_log(vd x) {
    const vl nan = (vl)(x != x) | (vl)(x < 0.0), zero = (vl)(x == 0.0), inf = (vl)(x == INFINITY);
    const vl special = nan | zero | inf;
    vd v = vd_select(special, vd_set1(1.0), x);
    const vl subnormal = (vl)(v < 0x1p-1022);
    v = vd_select(subnormal, v * 0x1p54, v);
    const vu bits = (vu)v;
    const vd biased = (vd)((bits >> 52) | UINT64_C(0x4330000000000000)) - 0x1p52; /* the exponent field, exactly */
    vd k = biased - 1023.0;
    k = vd_select(subnormal, k - 54.0, k);
    vd m = (vd)((bits & UINT64_C(0x000FFFFFFFFFFFFF)) | UINT64_C(0x3FF0000000000000));
    const vl high = (vl)(m > PK_FIXED_SQRT2);
    m = vd_select(high, m * 0.5, m);
    k = vd_select(high, k + 1.0, k);
    const vd f = m - 1.0;
    const vd s = f / (2.0 + f), z = s * s;
    vd q = vd_set1(1.0 / 23.0);
    q = q * z + 1.0 / 21.0;
    q = q * z + 1.0 / 19.0;
    q = q * z + 1.0 / 17.0;
    q = q * z + 1.0 / 15.0;
    q = q * z + 1.0 / 13.0;
    q = q * z + 1.0 / 11.0;
    q = q * z + 1.0 / 9.0;
    q = q * z + 1.0 / 7.0;
    q = q * z + 1.0 / 5.0;
    q = q * z + 1.0 / 3.0;
    q = q * z + 1.0;
    vd y = k * PK_FIXED_LN2_HI + (k * PK_FIXED_LN2_LO + (2.0 * s) * q);
    y = vd_select(inf, vd_set1(INFINITY), y);
    y = vd_select(zero, vd_set1(-INFINITY), y);
    return vd_select(nan, vd_set1(NAN), y);
}

/* pk_fixed_pow per lane. */
static inline vd vd_fixed_pow(vd x, vd y) { return vd_fixed_exp(y * vd_fixed_log(x)); }

#endif
