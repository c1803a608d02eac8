package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * LIP's window, as {@code native/src/methods/lip.c}: m the largest logit, w_i = e^(l_i - m) / Σ e^(l_j - m) by
 * {@link FixedExp}, y = Σ w_i x_i in double, rounded once; a NaN or infinite largest logit gives NaN. Tap k's input
 * is at {@code taps[k]}, its logit at {@code logitTaps[k]}.
 */
final class JavaLip {
    private JavaLip() {}

    private static float logitMax(MemorySegment logits, long[] logitTaps, int count) {
        float m = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            float l = logits.getAtIndex(JAVA_FLOAT_UNALIGNED, logitTaps[k]);
            nan |= Float.isNaN(l);
            if (l > m) m = l;
        }
        return nan ? Float.NaN : m;
    }

    static float value(MemorySegment in, MemorySegment logits, long[] taps, long[] logitTaps, int count) {
        if (count == 0) return 0f;
        float m = logitMax(logits, logitTaps, count);
        if (!Float.isFinite(m)) return Float.NaN;
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            double e = FixedExp.exp((double) logits.getAtIndex(JAVA_FLOAT_UNALIGNED, logitTaps[k]) - m);
            num += e * in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            den += e;
        }
        return (float) (num / den);
    }

    /** Adds the window's gradients to {@code gradIn} and, when not null, {@code gradLogits}. */
    static void backward(
            MemorySegment in,
            MemorySegment gradIn,
            MemorySegment logits,
            MemorySegment gradLogits,
            long[] taps,
            long[] logitTaps,
            int count,
            float grad) {
        if (count == 0) return;
        float m = logitMax(logits, logitTaps, count);
        if (!Float.isFinite(m)) {
            for (int k = 0; k < count; k++) {
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
                if (gradLogits != null) {
                    long l = logitTaps[k];
                    gradLogits.setAtIndex(
                            JAVA_FLOAT_UNALIGNED, l, gradLogits.getAtIndex(JAVA_FLOAT_UNALIGNED, l) + Float.NaN);
                }
            }
            return;
        }
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            double e = FixedExp.exp((double) logits.getAtIndex(JAVA_FLOAT_UNALIGNED, logitTaps[k]) - m);
            num += e * in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            den += e;
        }
        double y = num / den;
        for (int k = 0; k < count; k++) {
            long l = logitTaps[k];
            double weight = FixedExp.exp((double) logits.getAtIndex(JAVA_FLOAT_UNALIGNED, l) - m) / den;
            gradIn.setAtIndex(
                    JAVA_FLOAT_UNALIGNED,
                    taps[k],
                    gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + (float) (grad * weight));
            if (gradLogits != null) {
                double x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
                gradLogits.setAtIndex(
                        JAVA_FLOAT_UNALIGNED,
                        l,
                        gradLogits.getAtIndex(JAVA_FLOAT_UNALIGNED, l) + (float) (grad * weight * (x - y)));
            }
        }
    }
}
