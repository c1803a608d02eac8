package dev.poolkit.internal;

import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.internal.ffi.PoolkitFFI;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Whether native kernels may be used here: the library loaded, and at its default level it agrees with the
 * Java kernel on a small self-test (NaN, infinities, ties, padding, ceil mode, indices, both layouts). A
 * library that disagrees is never selected automatically.
 */
public final class NativeStatus {
    private static final String UNAVAILABLE_REASON = check();

    private NativeStatus() {}

    public static boolean available() {
        return UNAVAILABLE_REASON == null;
    }

    /** Null when available. */
    public static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    public static Isa cpuIsa() {
        return available() ? Isa.values()[PoolkitFFI.pk_cpu_isa()] : Isa.SCALAR;
    }

    public static Isa defaultIsa() {
        return available() ? Isa.values()[PoolkitFFI.pk_default_isa()] : Isa.SCALAR;
    }

    private static String check() {
        String failure = NativeLibrary.loadFailure();
        if (failure != null) return failure;
        try {
            Isa isa = Isa.values()[PoolkitFFI.pk_default_isa()];
            PoolSpec[] specs = {
                PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).ceilMode(true).build(),
                PoolSpec.avg(3, 2).stride(1, 2).padding(1, 1).ceilMode(true).build(),
                PoolSpec.avg(2, 3).stride(2, 1).padding(1, 1).countIncludePad(false).build(),
            };
            for (Layout layout : Layout.values()) {
                for (PoolSpec spec : specs) {
                    String mismatch = compare(Geometry.of(spec, layout, new long[] {2, 19, 7, 11}), isa);
                    if (mismatch != null) return "self-test failed at " + isa + ", " + spec + ", " + layout + ": " + mismatch;
                }
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "self-test failed: " + e;
        }
    }

    private static String compare(Geometry g, Isa isa) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(g.inputCount * Float.BYTES, 64);
            float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f, 3f, -0.5f};
            for (long i = 0; i < g.inputCount; i++) {
                in.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 13 == 0 ? specials[(int) (i / 13 % specials.length)] : (i * 7919 % 23) - 11);
            }
            MemorySegment[] out = new MemorySegment[2], idx = new MemorySegment[2];
            Kernel[] kernels = {new NativeKernel(g, isa), new JavaKernel(g)};
            for (int k = 0; k < 2; k++) {
                out[k] = arena.allocate(g.outputCount * Float.BYTES, 64);
                idx[k] = g.op == dev.poolkit.PoolOp.MAX ? arena.allocate(g.outputCount * Long.BYTES, 64) : null;
                kernels[k].run(in, out[k], idx[k], 0, g.rows);
            }
            return Comparison.firstDifference(g, out[0], idx[0], out[1], idx[1]);
        }
    }
}
