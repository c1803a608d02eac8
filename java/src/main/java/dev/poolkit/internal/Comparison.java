package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element-by-element comparison of two results of one problem: values bit for bit (any NaN equals any NaN), indices exactly. */
public final class Comparison {
    private Comparison() {}

    /** Null when equal, else a description of the first differing output element. */
    public static String firstDifference(Geometry g, MemorySegment out, MemorySegment idx, MemorySegment refOut, MemorySegment refIdx) {
        for (long i = 0; i < g.outputCount; i++) {
            float a = out.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), b = refOut.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            boolean same = Float.isNaN(a) ? Float.isNaN(b) : Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
            if (!same) {
                return "output" + g.describeOutputElement(i) + " (offset " + i + "): " + a + " vs " + b;
            }
            if (idx != null && refIdx != null) {
                long x = idx.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i), y = refIdx.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                if (x != y) {
                    return "indices" + g.describeOutputElement(i) + " (offset " + i + "): " + x + " vs " + y;
                }
            }
        }
        return null;
    }
}
