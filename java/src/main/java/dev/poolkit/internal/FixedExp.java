package dev.poolkit.internal;

/**
 * e^x in double by the fixed sequence of IEEE operations of the native library's {@code fixed-exp.h}
 * ({@code pk_fixed_exp}), step for step, so that Java and native SoftPool and LIP agree bit for bit (no two libm
 * exps promise that). Cody-Waite reduction, Taylor polynomial of degree 13, scaling by 2^k in two steps; within a
 * few double ulps of e^x.
 */
final class FixedExp {
    private static final double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    private static final double INV_LN2 = 1.44269504088896338700e+00;

    private FixedExp() {}

    private static double pow2(long e) { // 2^e for -1022 <= e <= 1023
        return Double.longBitsToDouble((e + 1023) << 52);
    }

    /** v 2^e for |e| <= 2044 in two steps, as {@code pk_fixed_scale}: exact where v 2^e is a normal double. */
    static double scale(double v, long e) {
        long half = e / 2;
        return v * pow2(half) * pow2(e - half);
    }

    static double exp(double x) {
        if (Double.isNaN(x)) return x;
        if (x > 709.782712893384) return Double.POSITIVE_INFINITY;
        if (x < -745.2) return 0.0; // below half the smallest subnormal; also -inf
        double k = Math.floor(x * INV_LN2 + 0.5);
        double r = (x - k * LN2_HI) - k * LN2_LO;
        double q = 1.0 / 6227020800.0;
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
        return scale(q, (long) k);
    }
}
