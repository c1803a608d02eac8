package dev.poolkit.internal;

/**
 * e^x in double by the fixed sequence of IEEE operations of the native library's {@code fixed-exp.h}
 * ({@code pk_fixed_exp}), step for step, so that Java and native SoftPool, LIP and GeM agree bit for bit (no two libm
 * exps promise that). Tang's table method: x = (16 e + j) ln2/16 + r with |r| <= ln2/32, e^r - 1 by its Taylor
 * polynomial to degree 7, 2^(j/16) from a table, the multiply-adds fused ({@link Math#fma}) where the native code
 * fuses them, scaling by 2^e in two steps; within about one double ulp of e^x.
 */
final class FixedExp {
    /** 2^(j/16), j = 0 .. 15, each the double nearest to it (as {@code pk_exp_table}). */
    private static final double[] TABLE = {
        0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
        0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
        0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
        0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0
    };
    /** Adding it rounds |t| < 2^51 to an integer, held in the low bits. */
    private static final double SHIFTER = 0x1.8p52;

    private static final double SIXTEEN_OVER_LN2 = 0x1.71547652b82fep+4;
    private static final double LN2_OVER_16_HI = 0x1.62e42fefa39efp-5, LN2_OVER_16_LO = 0x1.abc9e3b39803fp-60;

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
        double t = x * SIXTEEN_OVER_LN2 + SHIFTER;
        double k = t - SHIFTER;
        double r = Math.fma(-k, LN2_OVER_16_LO, Math.fma(-k, LN2_OVER_16_HI, x));
        double table = TABLE[(int) (Double.doubleToRawLongBits(t) & 15)]; // j = k mod 16, from t's low bits
        double s = 1.0 / 5040.0;
        s = Math.fma(s, r, 1.0 / 720.0);
        s = Math.fma(s, r, 1.0 / 120.0);
        s = Math.fma(s, r, 1.0 / 24.0);
        s = Math.fma(s, r, 1.0 / 6.0);
        s = Math.fma(s, r, 0.5);
        s = Math.fma(s, r, 1.0);
        return scale(Math.fma(table, s * r, table), (long) Math.floor(k * 0.0625)); // |e| <= 1076
    }
}
