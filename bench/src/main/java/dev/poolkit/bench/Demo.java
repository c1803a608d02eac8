package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Locale;

/**
 * The main job: a few standard shapes through native code and pure Java, in both layouts; checks that the two
 * agree element for element (outputs, and indices for max pooling) and prints the times of runs without indices,
 * as the benchmarks and the peers time them (median of repeated runs; the JMH suite is the measurement of record).
 * The demo's JVM has the {@code jdk.incubator.vector} module, so the Java backend takes its Vector API path where it
 * has one; its path is printed beside the native one.
 */
public final class Demo {
    public static void main(String[] args) {
        System.out.println("poolkit demo: native "
                + (Pooling.nativeAvailable()
                        ? "available, CPU level " + Pooling.cpuIsa() + ", default level " + Pooling.defaultIsa()
                        : "unavailable (" + Pooling.nativeUnavailableReason().orElse("") + ")"));
        System.out.println(
                "Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " processors");
        System.out.printf(
                Locale.ROOT,
                "%-18s %-5s %-16s %-12s %12s %12s %8s %10s  %s%n",
                "shape",
                "layout",
                "native",
                "java",
                "native µs",
                "java µs",
                "speedup",
                "GB/s",
                "agree");
        boolean allAgree = true;
        String[] names =
                args.length > 0 ? args : new String[] {"S1-resnet-stem", "S4-inception-avg", "S6-tiny", "S7-video-3d"};
        for (String name : names) {
            StandardShapes.Shape s = StandardShapes.byName(name);
            for (Layout layout : Layout.values()) {
                try (Arena arena = Arena.ofConfined()) {
                    PreparedPool javaPool = Pooling.prepare(s.spec(), layout, s.input(), Backend.JAVA, null);
                    PreparedPool nativePool = Pooling.nativeAvailable()
                            ? Pooling.prepare(s.spec(), layout, s.input(), Backend.NATIVE, null)
                            : null;
                    Tensor in = StandardShapes.randomInput(arena, layout, s.input(), name.hashCode());
                    boolean max = s.spec().op() == dev.poolkit.PoolOp.MAX;
                    Tensor javaOut = javaPool.allocateOutput(arena),
                            javaIdx = max ? javaPool.allocateIndices(arena) : null;
                    javaPool.run(in, javaOut, javaIdx);
                    Tensor javaTimed = javaPool.allocateOutput(arena);
                    double javaMicros = median(() -> javaPool.run(in, javaTimed));
                    boolean javaSame = javaTimed.segment().mismatch(javaOut.segment()) == -1;
                    String agree = javaSame ? "-" : "NO (Java with and without indices)", isa = "-";
                    allAgree &= javaSame;
                    double nativeMicros = Double.NaN;
                    if (nativePool != null) {
                        Tensor nativeOut = nativePool.allocateOutput(arena),
                                nativeIdx = max ? nativePool.allocateIndices(arena) : null;
                        nativePool.run(in, nativeOut, nativeIdx);
                        Tensor nativeTimed = nativePool.allocateOutput(arena);
                        nativeMicros = median(() -> nativePool.run(in, nativeTimed));
                        boolean same = javaSame
                                && nativeOut.segment().mismatch(javaOut.segment()) == -1
                                && nativeTimed.segment().mismatch(javaOut.segment()) == -1
                                && (!max || nativeIdx.segment().mismatch(javaIdx.segment()) == -1);
                        agree = same
                                ? "yes (" + nativeOut.elementCount() + " outputs" + (max ? " + indices" : "") + ")"
                                : "NO";
                        allAgree &= same;
                        isa = nativePool.implementation();
                    }
                    double gbps = javaPool.cost().bytesMoved() / (nativeMicros * 1e3);
                    System.out.printf(
                            Locale.ROOT,
                            "%-18s %-5s %-16s %-12s %12.2f %12.2f %7.1fx %10.1f  %s%n",
                            name,
                            layout,
                            isa,
                            javaPool.implementation(),
                            nativeMicros,
                            javaMicros,
                            javaMicros / nativeMicros,
                            gbps,
                            agree);
                }
            }
        }
        System.out.println(allAgree ? "native and Java agree on every output." : "MISMATCH between native and Java.");
        if (!allAgree) System.exit(1);
    }

    /**
     * Median wall time of one run in µs. The warm-up lasts at least a second and 200 runs (the Vector API's loops are
     * slow until the JIT has compiled them), at most ten seconds; then as many runs as took 0.3 s of the warm-up.
     */
    private static double median(Runnable run) {
        long start = System.nanoTime(), elapsed;
        int warm = 0;
        do {
            run.run();
            warm++;
            elapsed = System.nanoTime() - start;
        } while ((elapsed < 1_000_000_000L || warm < 200) && elapsed < 10_000_000_000L);
        double perRun = (double) elapsed / warm;
        int n = (int) Math.max(5, Math.min(2000, 300_000_000L / perRun));
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            run.run();
            times[i] = System.nanoTime() - t0;
        }
        Arrays.sort(times);
        return times[n / 2] / 1e3;
    }
}
