package dev.poolkit.internal;

import dev.poolkit.Layout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element-by-element comparison of two results of one problem: values bit for bit (any NaN equals any NaN), indices exactly. */
public final class Comparison {
    private Comparison() {}

    /**
     * Null when equal, else a description of the first differing output element. {@code out} and {@code idx} are
     * laid out with the geometry's output strides, {@code refOut} and {@code refIdx} densely.
     */
    public static String firstDifference(
            Geometry g, MemorySegment out, MemorySegment idx, MemorySegment refOut, MemorySegment refIdx) {
        for (long i = 0; i < g.outputCount; i++) {
            long at = g.outputOffset(i);
            float a = out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at),
                    b = refOut.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            boolean same = Float.isNaN(a) ? Float.isNaN(b) : Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
            if (!same && !withinLpTolerance(g, a, b)) {
                return "output" + g.describeOutputElement(i) + " (offset " + at + "): " + a + " vs " + b;
            }
            if (idx != null && refIdx != null) {
                long x = idx.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, at),
                        y = refIdx.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                if (x != y) {
                    return "indices" + g.describeOutputElement(i) + " (offset " + at + "): " + x + " vs " + y;
                }
            }
        }
        return null;
    }

    /**
     * Null when a relaxed average ({@link dev.poolkit.Precision#RELAXED}) {@code out} is within twice the relaxed bound
     * of the exact averages {@code refOut} (each is within the bound of the true mean), else a description of the first
     * element that is not. {@code refAbs} holds the exact averages of |x|, from which S/d is bounded: the exact average
     * of |x| is at least (1 - gamma) S/d. Elements outside the bound's conditions (a non-finite tap, a sum of |x| above
     * {@code Float.MAX_VALUE}/2) are compared only for NaN from a NaN tap, which both must give.
     */
    public static String firstRelaxedDifference(
            Geometry g, MemorySegment out, MemorySegment refOut, MemorySegment refAbs) {
        double taps = (double) g.kernel[0] * g.kernel[1] * g.kernel[2]; // at least a window's taps inside the input
        double largestDivisor = Math.max(taps, g.divisorOverride);
        double u = 0x1p-24, gamma = (taps + 2) * u / (1 - (taps + 2) * u);
        for (long i = 0; i < g.outputCount; i++) {
            long at = g.outputOffset(i);
            float a = out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at),
                    b = refOut.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            float abs = refAbs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            boolean comparable = (taps + 2) * u < 1
                    && Float.isFinite(abs)
                    && largestDivisor * abs / (1 - gamma) <= Float.MAX_VALUE / 2.0;
            boolean same;
            if (comparable) {
                double sumOverDivisor = abs / (1 - gamma);
                same = Math.abs((double) a - b) <= 2 * (gamma * sumOverDivisor + 0x1p-148);
            } else {
                same = !Float.isNaN(abs) || Float.isNaN(a) && Float.isNaN(b); // a NaN tap makes the average of |x| NaN
            }
            if (!same) {
                return "output" + g.describeOutputElement(i) + " (offset " + at + "): " + a + " vs " + b
                        + " (relaxed, |x| averages " + abs + ")";
            }
        }
        return null;
    }

    /**
     * LP pooling raises to general powers through each platform's pow, which may round the last bit differently:
     * one ulp of each power and of the root, a few ulps in all. (SoftPool, GeM and LIP take e^x and ln x from the
     * library's own fixed sequences, the same bits in Java and native code: no tolerance.)
     */
    private static boolean withinLpTolerance(Geometry g, float a, float b) {
        return g.op == dev.poolkit.PoolOp.LP && Math.abs(a - b) <= 4 * Math.ulp(Math.max(Math.abs(a), Math.abs(b)));
    }

    /** Copies a strided f32 tensor into a dense one of its layout ({@code strides} in logical order N, C, spatial...). */
    public static void gather(long[] shape, Layout layout, MemorySegment from, long[] strides, MemorySegment to) {
        int rank = shape.length;
        long[] coordinate = new long[rank];
        // dense order: N, then C outermost of the rest for NCHW, innermost for NHWC
        int[] order = new int[rank];
        order[0] = 0;
        if (layout == Layout.NCHW) {
            for (int i = 1; i < rank; i++) order[i] = i;
        } else {
            for (int i = 1; i < rank - 1; i++) order[i] = i + 1;
            order[rank - 1] = 1;
        }
        long count = 1;
        for (long s : shape) count *= s;
        for (long i = 0; i < count; i++) {
            long offset = 0;
            for (int k = 0; k < rank; k++) offset += coordinate[k] * strides[k];
            to.setAtIndex(
                    ValueLayout.JAVA_FLOAT_UNALIGNED, i, from.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset));
            for (int k = rank - 1; k >= 0; k--) { // odometer in dense order
                int axis = order[k];
                if (++coordinate[axis] < shape[axis]) break;
                coordinate[axis] = 0;
            }
        }
    }
}
