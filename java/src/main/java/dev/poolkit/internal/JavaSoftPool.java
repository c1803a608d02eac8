package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * SoftPool's window, as {@code native/src/methods/softpool.c}: m the largest tap, w_i = e^(x_i - m) / Σ e^(x_j - m)
 * by {@link FixedExp}, y = Σ w_i x_i in double, rounded once; NaN and infinite maxima are the output, -∞ taps weigh 0.
 */
final class JavaSoftPool {
    private JavaSoftPool() {}

    /** NaN if a tap is NaN, else the largest tap (−∞ when all are). */
    private static float softMax(MemorySegment in, long[] taps, int count) {
        float m = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            nan |= Float.isNaN(v);
            if (v > m) m = v;
        }
        return nan ? Float.NaN : m;
    }

    /** The output of one window whose taps (element offsets into {@code in}) are {@code taps[0, count)}. */
    static float value(MemorySegment in, long[] taps, int count) {
        if (count == 0) return 0f;
        float m = softMax(in, taps, count);
        if (!Float.isFinite(m)) return m;
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue; // weight 0, and 0 * -inf would be NaN
            double e = FixedExp.exp((double) v - m);
            num += e * v;
            den += e;
        }
        return (float) (num / den);
    }

    /** Adds one window's gradients, {@code grad} times w_i (1 + x_i - y), to {@code gradIn} at its taps. */
    static void backward(MemorySegment in, MemorySegment gradIn, long[] taps, int count, float grad) {
        if (count == 0) return;
        float m = softMax(in, taps, count);
        if (!Float.isFinite(m)) { // the output is NaN or infinite: no derivative
            for (int k = 0; k < count; k++)
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
            return;
        }
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue;
            double e = FixedExp.exp((double) v - m);
            num += e * v;
            den += e;
        }
        double y = num / den;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue;
            double weight = FixedExp.exp((double) v - m) / den;
            gradIn.setAtIndex(
                    JAVA_FLOAT_UNALIGNED,
                    t,
                    gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, t) + (float) (grad * weight * (1 + (v - y))));
        }
    }
}
