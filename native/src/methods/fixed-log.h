/* ln x and x^y in double by a fixed sequence of IEEE operations, as pk_fixed_exp (fixed-exp.h), for GeM's powers:
   the scalar kernel, its SIMD variants lane by lane (lanes.h) and the Java backend (internal/FixedLog.java, the
   same steps) get the same bits. x = 2^k m with m in (sqrt(2)/2, sqrt(2)]; ln m = 2 atanh(s), s = (m - 1)/(m + 1),
   by its odd series to s^23 (|s| <= 0.172: truncation below 1e-18 relative); ln x = k ln2_hi + (k ln2_lo + ln m),
   k ln2_hi exact. Error: a few double ulps. x^y = e^(y ln x) for x >= 0. Files that include this one must not
   contract a * b + c into an FMA (-ffp-contract=off where FMA instructions are enabled). */
#ifndef PK_FIXED_LOG_H
#define PK_FIXED_LOG_H

#include "fixed-exp.h"

#define PK_FIXED_SQRT2 1.41421356237309504880
#define PK_FIXED_LN2_HI 6.93147180369123816490e-01
#define PK_FIXED_LN2_LO 1.90821492927058770002e-10

/* ln m for m in (sqrt(2)/2, sqrt(2)]: 2 s (1 + s^2/3 + s^4/5 + ... + s^22/23). */
static inline double pk_fixed_log_near_one(double m) {
    const double f = m - 1.0; /* exact (Sterbenz) */
    const double s = f / (2.0 + f), z = s * s;
    double q = 1.0 / 23.0;
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
    return (2.0 * s) * q;
}

static inline double pk_fixed_log(double x) {
    if (isnan(x) || x < 0.0) return NAN;
    if (x == 0.0) return -INFINITY;
    if (x == INFINITY) return INFINITY;
    int64_t k = 0;
    if (x < 0x1p-1022) { /* subnormal: scaled into the normal range first */
        x *= 0x1p54;
        k = -54;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    k += (int64_t)(bits >> 52) - 1023;
    bits = (bits & UINT64_C(0x000FFFFFFFFFFFFF)) | UINT64_C(0x3FF0000000000000); /* m in [1, 2) */
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > PK_FIXED_SQRT2) {
        m *= 0.5;
        k += 1;
    }
    const double kd = (double)k;
    return kd * PK_FIXED_LN2_HI + (kd * PK_FIXED_LN2_LO + pk_fixed_log_near_one(m));
}

/* x^y for x >= 0 (0^y = 0 for y > 0). */
static inline double pk_fixed_pow(double x, double y) { return pk_fixed_exp(y * pk_fixed_log(x)); }

#endif
