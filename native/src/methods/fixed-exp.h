/* e^x in double by a fixed sequence of IEEE operations (no libm, no fused multiply-add), so the scalar
   kernels, their SIMD variants lane by lane and the Java backend (internal/FixedExp.java, the same steps)
   get the same bits, which no libm exp promises. x = k ln2 + r with |r| <= ln2 / 2 (Cody and Waite: ln2 in
   two parts, k ln2_hi exact), e^r by its Taylor polynomial to degree 13 (truncation below 4e-18 relative),
   then scaled by 2^k in two steps so that subnormal results come out right. Error: a few double ulps, far
   below half an ulp of the float results built from it. Files that include this one must not contract
   a * b + c into an FMA (-ffp-contract=off where FMA instructions are enabled). */
#ifndef PK_FIXED_EXP_H
#define PK_FIXED_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

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
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    const double inv_ln2 = 1.44269504088896338700e+00;
    const double k = floor(x * inv_ln2 + 0.5);
    const double r = (x - k * ln2_hi) - k * ln2_lo;
    double q = 1.0 / 6227020800.0; /* 1/13! */
    q = q * r + 1.0 / 479001600.0; /* 1/12! */
    q = q * r + 1.0 / 39916800.0;  /* 1/11! */
    q = q * r + 1.0 / 3628800.0;   /* 1/10! */
    q = q * r + 1.0 / 362880.0;    /* 1/9! */
    q = q * r + 1.0 / 40320.0;     /* 1/8! */
    q = q * r + 1.0 / 5040.0;      /* 1/7! */
    q = q * r + 1.0 / 720.0;       /* 1/6! */
    q = q * r + 1.0 / 120.0;       /* 1/5! */
    q = q * r + 1.0 / 24.0;        /* 1/4! */
    q = q * r + 1.0 / 6.0;         /* 1/3! */
    q = q * r + 0.5;               /* 1/2! */
    q = q * r + 1.0;
    q = q * r + 1.0;
    return pk_fixed_scale(q, (int64_t)k); /* |k| <= 1075: two normal powers of two */
}

#endif
