package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.DType;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * S6-tiny (max 2x2, stride 2, over 1x16x8x8) on the native backend from Java, timed in the calling thread's CPU time:
 * the median of nine batches of a million runs after three million of warm-up, per layout. CPU time leaves out the
 * time other processes hold the cores, so on a shared, busy machine it still shows the per-call cost that JMH's
 * wall-clock average shows on a quiet one (it does not replace JMH: read it next to PoolBench).
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.poolkit.bench.PerCallCpuTime
 * }</pre>
 */
public final class PerCallCpuTime {
    private PerCallCpuTime() {}

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int calls = 1_000_000;
        for (Layout layout : Layout.values()) {
            PreparedPool pool = Pooling.prepare(
                    PoolSpec.max(2, 2).stride(2, 2).build(), layout, new long[] {1, 16, 8, 8}, Backend.NATIVE, null);
            try (Arena arena = Arena.ofConfined()) {
                Tensor in = Tensor.allocate(arena, DType.F32, layout, 1, 16, 8, 8);
                for (long i = 0; i < 1024; i++) in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (i * 7919) % 1000);
                Tensor out = pool.allocateOutput(arena);
                for (int i = 0; i < 3 * calls; i++) pool.run(in, out);
                double[] ns = new double[9];
                for (int batch = 0; batch < ns.length; batch++) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) pool.run(in, out);
                    ns[batch] = (threads.getCurrentThreadCpuTime() - start) / (double) calls;
                }
                Arrays.sort(ns);
                System.out.printf(
                        "S6-tiny %s %s: %.1f ns of CPU time per run (median of 9 batches; min %.1f)%n",
                        layout, pool.implementation(), ns[4], ns[0]);
            }
        }
    }
}
