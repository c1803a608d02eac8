package dev.poolkit.internal;

/**
 * ln x and x^y in double by the fixed sequence of IEEE operations of the native library's {@code fixed-log.h}
 * ({@code pk_fixed_log}, {@code pk_fixed_pow}), step for step, so that Java and native GeM agree bit for bit.
 * x = 2^k m with m in (√2/2, √2]; ln m = 2 atanh(s), s = (m − 1)/(m + 1), by its odd series to s^23;
 * ln x = k ln2_hi + (k ln2_lo + ln m). Within a few double ulps of ln x.
 */
final class FixedLog {
    private static final double SQRT2 = 1.41421356237309504880;
    private static final double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;

    private FixedLog() {}

    /** ln m for m in (√2/2, √2]. */
    private static double nearOne(double m) {
        double f = m - 1.0;
        double s = f / (2.0 + f), z = s * s;
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

    static double log(double x) {
        if (Double.isNaN(x) || x < 0.0) return Double.NaN;
        if (x == 0.0) return Double.NEGATIVE_INFINITY;
        if (x == Double.POSITIVE_INFINITY) return Double.POSITIVE_INFINITY;
        long k = 0;
        if (x < 0x1p-1022) { // subnormal: scaled into the normal range first
            x *= 0x1p54;
            k = -54;
        }
        long bits = Double.doubleToRawLongBits(x);
        k += (bits >>> 52) - 1023;
        double m = Double.longBitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (m > SQRT2) {
            m *= 0.5;
            k += 1;
        }
        double kd = k;
        return kd * LN2_HI + (kd * LN2_LO + nearOne(m));
    }

    /** x^y for x ≥ 0. */
    static double pow(double x, double y) {
        return FixedExp.exp(y * log(x));
    }
}
