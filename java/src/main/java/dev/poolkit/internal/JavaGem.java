package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * GeM's window, as {@code native/src/methods/gem.c}: y = (Σ z_i^p / n)^(1/p), z = max(x, eps) with NaN kept, on
 * ratios z_i / s: s = 2^K with zmax = f 2^K, f in [0.5, 1), for p = 1, 2, 3, 4 (exact ratios, products), else
 * s = zmax; powers by {@link FixedLog}.
 */
final class JavaGem {
    private JavaGem() {}

    private static double clamped(float x, double eps) {
        return Float.isNaN(x) ? Double.NaN : x > eps ? x : eps;
    }

    private static double zmax(MemorySegment in, long[] taps, int count, double eps) {
        double m = 0;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            double z = clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]), eps);
            nan |= Double.isNaN(z);
            if (z > m) m = z;
        }
        return nan ? Double.NaN : m;
    }

    /** Whether p's ratios are scaled by a power of two and raised by products. */
    private static boolean products(double p) {
        return p == 1 || p == 2 || p == 3 || p == 4;
    }

    /** K of a positive finite zmax = f 2^K, f in [0.5, 1) (C's frexp), when p takes products; else 0. */
    private static long exponent(double zmax, double p) {
        if (!products(p)) return 0;
        return zmax < 0x1p-1022 ? Math.getExponent(zmax * 0x1p54) + 1 - 54 : Math.getExponent(zmax) + 1;
    }

    /** A ratio z / s as gem.c's gem_ratio: z 2^-K (exact) or z / zmax. */
    private static double ratio(double z, double p, double zmax, long k) {
        return products(p) ? FixedExp.scale(z, -k) : z / zmax;
    }

    /** y from the ratios' mean power S, as gem.c's gem_root: S^(1/p) 2^K or zmax S^(1/p). */
    private static double root(double mean, double p, double zmax, long k) {
        double r = FixedLog.pow(mean, 1 / p);
        return products(p) ? FixedExp.scale(r, k) : zmax * r;
    }

    /** r^p as gem.c's gem_power: products for p = 1, 2, 3, 4, else e^(p ln r). */
    private static double power(double r, double p) {
        if (p == 1) return r;
        if (p == 2) return r * r;
        if (p == 3) return r * r * r;
        if (p == 4) return (r * r) * (r * r);
        return FixedLog.pow(r, p);
    }

    /** S = Σ r_i^p / n. */
    private static double meanPower(
            MemorySegment in, long[] taps, int count, double p, double zmax, long e, double eps) {
        double s = 0;
        for (int k = 0; k < count; k++) {
            s += power(ratio(clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]), eps), p, zmax, e), p);
        }
        return s / count;
    }

    /** T = Σ r_i^p ln r_i / (n S), given S. */
    private static double meanLogPower(
            MemorySegment in, long[] taps, int count, double p, double zmax, long e, double meanPower, double eps) {
        double sl = 0;
        for (int k = 0; k < count; k++) {
            double r = ratio(clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]), eps), p, zmax, e);
            sl += power(r, p) * FixedLog.log(r);
        }
        return sl / (meanPower * count);
    }

    /** The output of one window whose taps (element offsets into {@code in}) are {@code taps[0, count)}. */
    static float value(MemorySegment in, long[] taps, int count, double p, double eps) {
        if (count == 0) return 0f;
        double zmax = zmax(in, taps, count, eps);
        if (!Double.isFinite(zmax)) return (float) zmax;
        long e = exponent(zmax, p);
        return (float) root(meanPower(in, taps, count, p, zmax, e, eps), p, zmax, e);
    }

    /** Adds one window's gradients to {@code gradIn} at its taps; returns its contribution to dL/dp. */
    static double backward(
            MemorySegment in, MemorySegment gradIn, long[] taps, int count, float grad, double p, double eps) {
        if (count == 0) return 0;
        double zmax = zmax(in, taps, count, eps);
        if (!Double.isFinite(zmax)) {
            for (int k = 0; k < count; k++) {
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
            }
            return Double.NaN;
        }
        long e = exponent(zmax, p);
        double s = meanPower(in, taps, count, p, zmax, e, eps), t = meanLogPower(in, taps, count, p, zmax, e, s, eps);
        double y = root(s, p, zmax, e), n = count;
        for (int k = 0; k < count; k++) {
            long at = taps[k];
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
            if (!(x >= eps)) continue; // at x = eps the clamp passes the gradient, as PyTorch's
            gradIn.setAtIndex(
                    JAVA_FLOAT_UNALIGNED,
                    at,
                    gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, at) + (float) (grad * FixedLog.pow(x / y, p - 1) / n));
        }
        return grad * y * (t / p - FixedLog.log(s) / (p * p));
    }
}
