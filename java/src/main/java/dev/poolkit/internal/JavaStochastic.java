package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * Stochastic pooling's window, as {@code native/src/methods/stochastic.c}: activations a = max(x, 0). Training picks
 * the first tap whose running Σ a passes u Σ a (a NaN tap wins, then the first +∞); inference gives Σ a x / Σ a =
 * Σ a² / Σ a, in double, rounded once.
 */
final class JavaStochastic {
    private JavaStochastic() {}

    private static double activation(float x) {
        return x > 0 ? x : 0;
    }

    /** The chosen tap's position in the window for the uniform u, or -1 when Σ a = 0. */
    static int chosenTap(MemorySegment in, long[] taps, int count, float u) {
        double s = 0;
        int infinite = -1;
        for (int k = 0; k < count; k++) {
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            if (Float.isNaN(x)) return k; // NaN wins over everything
            if (x == Float.POSITIVE_INFINITY && infinite < 0) infinite = k; // infinite probability mass
            s += activation(x);
        }
        if (infinite >= 0) return infinite;
        if (!(s > 0)) return -1;
        double threshold = u * s, running = 0;
        for (int k = 0; k < count; k++) {
            running += activation(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]));
            if (running > threshold) return k;
        }
        return -1;
    }

    /** Inference's output of one window whose taps (element offsets into {@code in}) are {@code taps[0, count)}. */
    static float inference(MemorySegment in, long[] taps, int count) {
        double s = 0, s2 = 0;
        for (int k = 0; k < count; k++) {
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            if (Float.isNaN(x)) return Float.NaN;
            double a = activation(x);
            s += a;
            s2 += a * a;
        }
        if (Double.isInfinite(s)) return Float.POSITIVE_INFINITY;
        return s > 0 ? (float) (s2 / s) : 0f;
    }

    /** Training: the window's gradient goes to the tap chosen for the uniform u. */
    static void backwardChosen(MemorySegment in, MemorySegment gradIn, long[] taps, int count, float u, float grad) {
        int chosen = chosenTap(in, taps, count, u);
        if (chosen >= 0)
            gradIn.setAtIndex(
                    JAVA_FLOAT_UNALIGNED, taps[chosen], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[chosen]) + grad);
    }

    /** Inference: adds the window's gradients, (2x - y) / Σ a for each tap with x > 0. */
    static void backwardInference(MemorySegment in, MemorySegment gradIn, long[] taps, int count, float grad) {
        double s = 0, s2 = 0;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            nan |= Float.isNaN(x);
            double a = activation(x);
            s += a;
            s2 += a * a;
        }
        if (!nan && !(s > 0)) return;
        if (nan || Double.isInfinite(s)) { // the output is NaN or infinite: no derivative
            for (int k = 0; k < count; k++) {
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
            }
            return;
        }
        double y = s2 / s;
        for (int k = 0; k < count; k++) {
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            if (x > 0)
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED,
                        taps[k],
                        gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + (float) (grad * (2.0 * x - y) / s));
        }
    }
}
