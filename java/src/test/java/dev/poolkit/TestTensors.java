package dev.poolkit;

import java.util.ArrayList;
import java.util.List;

/** Test helpers: moving logical (channels-first) data into a layout and back, and the levels to test. */
final class TestTensors {
    private TestTensors() {}

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Offset in {@code layout} of the element at logical (channels-first, row-major) offset {@code logical}. */
    static long physical(long logical, long[] shape, Layout layout) {
        if (layout == Layout.NCHW) return logical;
        long channels = shape[1], spatial = count(shape) / shape[0] / channels;
        long s = logical % spatial, c = logical / spatial % channels, n = logical / spatial / channels;
        return (n * spatial + s) * channels + c;
    }

    static float[] toLayout(float[] logical, long[] shape, Layout layout) {
        float[] out = new float[logical.length];
        for (int i = 0; i < logical.length; i++) out[(int) physical(i, shape, layout)] = logical[i];
        return out;
    }

    static float[] fromLayout(float[] physical, long[] shape, Layout layout) {
        float[] out = new float[physical.length];
        for (int i = 0; i < physical.length; i++) out[i] = physical[(int) physical(i, shape, layout)];
        return out;
    }

    static long[] fromLayout(long[] physical, long[] shape, Layout layout) {
        long[] out = new long[physical.length];
        for (int i = 0; i < physical.length; i++) out[i] = physical[(int) physical(i, shape, layout)];
        return out;
    }

    /** Java, and native at every level this CPU supports (when native code is available). */
    record Target(Backend backend, Isa isa) {
        @Override
        public String toString() {
            return backend == Backend.JAVA ? "java" : "native:" + isa;
        }
    }

    static List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        targets.add(new Target(Backend.JAVA, null));
        if (Pooling.nativeAvailable()) {
            for (Isa isa : Isa.values()) {
                if (isa.ordinal() <= Pooling.cpuIsa().ordinal()) targets.add(new Target(Backend.NATIVE, isa));
            }
        }
        return targets;
    }

    static boolean sameFloat(float a, float b) {
        return Float.isNaN(a) ? Float.isNaN(b) : Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
    }
}
