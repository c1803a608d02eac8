/* e^x in double by a fixed sequence of IEEE operations (no libm exp), so that the scalar kernels, their SIMD
   variants lane by lane and the Java backend (internal/FixedExp.java, the same steps) get the same bits, which no
   libm exp promises. x = (16 e + j) ln2/16 + r with |r| <= ln2/32 (Tang's table method): k = 16 e + j is x 16/ln2
   rounded to nearest by adding and subtracting 1.5 2^52, whose low bits then hold k; r = x - k ln2/16 with ln2/16
   in two parts, each step one fused multiply-add. e^r - 1 = r s(r), s the Taylor polynomial to degree 6 (truncation
   below 2e-18 relative), so e^x = 2^e (T_j + T_j r s) with T_j = 2^(j/16) correctly rounded from the table, the
   sum one fused multiply-add, then scaled by 2^e in two steps so that subnormal results come out right. Error:
   about one double ulp, far below half an ulp of the float results built from it.
   Every multiply-add is written as fma: files that include this one must not contract other a * b + c into an FMA
   (-ffp-contract=off where FMA instructions are enabled). */
#ifndef PK_FIXED_EXP_H
#define PK_FIXED_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* 2^(j/16), j = 0 .. 15, each the double nearest to it. */
static const double pk_exp_table[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};

#define PK_EXP_SHIFTER 0x1.8p52 /* adding it rounds |t| < 2^51 to an integer, held in the low bits */
#define PK_EXP_SIXTEEN_OVER_LN2 0x1.71547652b82fep+4
#define PK_EXP_LN2_OVER_16_HI 0x1.62e42fefa39efp-5 /* ln2/16 rounded, and the rest */
#define PK_EXP_LN2_OVER_16_LO 0x1.abc9e3b39803fp-60

/* The Taylor coefficients of s(r) = (e^r - 1) / r, 1/7! for r^6 down to 1/1! for r^0, in Horner's order. */
#define PK_EXP_S6 (1.0 / 5040.0)
#define PK_EXP_S5 (1.0 / 720.0)
#define PK_EXP_S4 (1.0 / 120.0)
#define PK_EXP_S3 (1.0 / 24.0)
#define PK_EXP_S2 (1.0 / 6.0)
#define PK_EXP_S1 0.5
#define PK_EXP_S0 1.0

/* For the functions whose loops call pk_fixed_exp: on x86-64, compiled twice, with and without FMA instructions,
   the processor picking one at load time, so that fma is one instruction where the processor has it rather than a
   call to libm (whose result is the same). GCC only: clang 16 leaves cloned external functions undefined at link
   time (the fuzz build), and calls libm there. */
#if defined(__x86_64__) && !defined(__FMA__) && defined(__GNUC__) && !defined(__clang__)
#define PK_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define PK_FMA_CLONES
#endif

static inline double pk_fixed_pow2(int64_t e) { /* 2^e for -1022 <= e <= 1023 */
    const uint64_t bits = (uint64_t)(e + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* v 2^e for |e| <= 2044, in two steps of at most 2^1022 each: exactly v 2^e when that is a normal double (the first
   step moves v toward the result, so it is normal and exact too), v 2^e rounded when it is subnormal. */
static inline double pk_fixed_scale(double v, int64_t e) {
    const int64_t half = e / 2;
    return v * pk_fixed_pow2(half) * pk_fixed_pow2(e - half);
}

static inline double pk_fixed_exp(double x) {
    if (isnan(x)) return x;
    if (x > 709.782712893384) return INFINITY;
    if (x < -745.2) return 0.0; /* below half the smallest subnormal; also -inf */
    const double t = x * PK_EXP_SIXTEEN_OVER_LN2 + PK_EXP_SHIFTER;
    const double k = t - PK_EXP_SHIFTER;
    const double r = fma(-k, PK_EXP_LN2_OVER_16_LO, fma(-k, PK_EXP_LN2_OVER_16_HI, x));
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    const double table = pk_exp_table[bits & 15]; /* j = k mod 16: t's low bits are k's two's complement */
    double s = PK_EXP_S6;
    s = fma(s, r, PK_EXP_S5);
    s = fma(s, r, PK_EXP_S4);
    s = fma(s, r, PK_EXP_S3);
    s = fma(s, r, PK_EXP_S2);
    s = fma(s, r, PK_EXP_S1);
    s = fma(s, r, PK_EXP_S0);
    return pk_fixed_scale(fma(table, s * r, table), (int64_t)floor(k * 0.0625)); /* |e| <= 1076 */
}

#endif
