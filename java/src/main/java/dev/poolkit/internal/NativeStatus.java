package dev.poolkit.internal;

import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.internal.ffi.PoolkitFFI;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Whether native kernels may be used here: the library loaded, and at its default level it agrees with the
 * Java kernel on a small self-test (NaN, infinities, ties, padding, ceil mode, indices, both layouts). A
 * library that disagrees is never selected automatically.
 */
public final class NativeStatus {
    /** The logger of every poolkit diagnostic. */
    public static final System.Logger LOG = System.getLogger("dev.poolkit");
    /** Caps the native level chosen by default; read by the native library and, validated, here. */
    public static final String MAX_ISA_VARIABLE = "POOLKIT_MAX_ISA";

    /** Every system property poolkit reads. */
    public static final java.util.List<String> KNOWN_PROPERTIES =
            java.util.List.of("poolkit.backend", "poolkit.isa", NativeLibrary.PATH_PROPERTY, JavaLanes.VECTOR_PROPERTY);

    private static final String UNAVAILABLE_REASON = check();

    static {
        if (UNAVAILABLE_REASON != null) {
            // the one line that says pooling runs in Java, about ten times slower, and why
            boolean chosen = "java"
                    .equalsIgnoreCase(String.valueOf(System.getProperty("poolkit.backend"))
                            .trim());
            LOG.log(
                    chosen ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                    "poolkit: native library not used, pooling runs on the Java backend: " + UNAVAILABLE_REASON);
        }
        try {
            maxIsa(System.getenv(MAX_ISA_VARIABLE));
        } catch (IllegalArgumentException e) { // also thrown by each prepare that takes the default level
            LOG.log(System.Logger.Level.WARNING, "poolkit: " + e.getMessage());
        }
        String unknown = System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("poolkit.") && !KNOWN_PROPERTIES.contains(name))
                .sorted()
                .collect(java.util.stream.Collectors.joining(", "));
        if (!unknown.isEmpty()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "poolkit: unknown system properties ignored: " + unknown + " (known: "
                            + String.join(", ", KNOWN_PROPERTIES) + ")");
        }
    }

    private NativeStatus() {}

    public static boolean available() {
        return UNAVAILABLE_REASON == null;
    }

    /** Null when available. */
    public static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    public static Isa cpuIsa() {
        return available() ? NativeCodes.isaOf(PoolkitFFI.pk_cpu_isa()) : Isa.SCALAR;
    }

    /**
     * The native library's default level, capped by {@value #MAX_ISA_VARIABLE} as parsed here (the native library
     * compares it in lower case only).
     *
     * @throws IllegalArgumentException when {@value #MAX_ISA_VARIABLE} is set to something else than a level
     */
    public static Isa defaultIsa() {
        Isa cap = maxIsa(System.getenv(MAX_ISA_VARIABLE));
        Isa chosen = available() ? NativeCodes.isaOf(PoolkitFFI.pk_default_isa()) : Isa.SCALAR;
        return cap != null && cap.ordinal() < chosen.ordinal() ? cap : chosen;
    }

    /** The level {@value #MAX_ISA_VARIABLE} names (any case), null when unset. */
    public static Isa maxIsa(String value) {
        if (value == null) return null;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "scalar" -> Isa.SCALAR;
            case "avx2" -> Isa.AVX2;
            case "avx512" -> Isa.AVX512;
            default ->
                throw new IllegalArgumentException("environment variable " + MAX_ISA_VARIABLE + " = \"" + value
                        + "\": expected scalar, avx2 or avx512");
        };
    }

    private static String check() {
        String failure = NativeLibrary.loadFailure();
        if (failure != null) return failure;
        try {
            Isa isa = NativeCodes.isaOf(PoolkitFFI.pk_default_isa());
            try {
                Isa cap = maxIsa(System.getenv(MAX_ISA_VARIABLE));
                if (cap != null && cap.ordinal() < isa.ordinal()) isa = cap;
            } catch (IllegalArgumentException e) {
                // reported by every prepare that takes the default level; the self-test runs at the library's own
            }
            PoolSpec[] specs = {
                PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).ceilMode(true).build(),
                PoolSpec.avg(3, 2).stride(1, 2).padding(1, 1).ceilMode(true).build(),
                PoolSpec.avg(2, 3)
                        .stride(2, 1)
                        .padding(1, 1)
                        .countIncludePad(false)
                        .build(),
            };
            for (Layout layout : Layout.values()) {
                for (PoolSpec spec : specs) {
                    String mismatch = compare(Geometry.of(spec, layout, new long[] {2, 19, 7, 11}), isa);
                    if (mismatch != null)
                        return "self-test failed at " + isa + ", " + spec + ", " + layout + ": " + mismatch;
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
                in.setAtIndex(
                        ValueLayout.JAVA_FLOAT,
                        i,
                        i % 13 == 0 ? specials[(int) (i / 13 % specials.length)] : (i * 7919 % 23) - 11);
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
