package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A prepared run allocates nothing once the JIT has compiled it: the bytes the calling thread allocates over a window
 * of runs reach zero, natively and in the Java backend as the test JVM runs it (its scalar lanes in default-test).
 * Inputs hold zeros and NaNs, so that the Java backend's outputs take their recomputation of zero and NaN outputs too.
 * The problems are the standard shapes' ops and layouts at smaller sizes; bench/RESULTS.md gives JMH's allocation per
 * run of the standard shapes themselves, with the Vector API too. The Vector API's lanes are not tested here: a
 * vector carried around a loop reaches C2 with its declared class only, so whether its ops inline depends on the type
 * profile of FloatVector's own methods, and compilations without one box the vectors on every run, in one JVM in two
 * to ten for some of these problems (bench/RESULTS.md, "Allocation per run"); a test of it would fail at random.
 */
class RunAllocationTest {
    /** How long a problem may take to reach a window without allocation: compilation takes well under a second. */
    private static final long DEADLINE_NANOS = 30_000_000_000L;

    private static final long WINDOW_NANOS = 100_000_000L;

    private record Problem(String name, PoolSpec spec, long[] shape) {}

    private static final List<Problem> PROBLEMS = List.of(
            new Problem(
                    "max 3x3 stride 2 pad 1",
                    PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(),
                    new long[] {1, 16, 56, 56}),
            new Problem("max 2x2 stride 2", PoolSpec.max(2, 2).stride(2, 2).build(), new long[] {2, 8, 56, 56}),
            new Problem("min 3x3 stride 1", PoolSpec.min(3, 3).build(), new long[] {1, 8, 27, 27}),
            new Problem(
                    "avg 3x3 stride 1 pad 1", PoolSpec.avg(3, 3).padding(1, 1).build(), new long[] {1, 32, 28, 28}),
            new Problem("global avg", PoolSpec.globalAvg(2).build(), new long[] {1, 256, 7, 7}),
            new Problem("global max", PoolSpec.globalMax(2).build(), new long[] {1, 64, 9, 9}),
            new Problem(
                    "max 2x2x2 stride 2", PoolSpec.max(2, 2, 2).stride(2, 2, 2).build(), new long[] {1, 8, 8, 28, 28}),
            new Problem("lp 2x2", PoolSpec.lp(2, 2, 2).stride(2, 2).build(), new long[] {1, 8, 28, 28}));

    static List<Arguments> problems() {
        List<Arguments> problems = new ArrayList<>();
        for (Backend where : new Backend[] {Backend.NATIVE, Backend.JAVA})
            for (int p = 0; p < PROBLEMS.size(); p++)
                for (Layout layout : Layout.values())
                    for (boolean indices : new boolean[] {false, true})
                        if (!indices || PROBLEMS.get(p).spec().op() == PoolOp.MAX)
                            problems.add(Arguments.of(where, p, PROBLEMS.get(p).name(), layout, indices));
        return problems;
    }

    @ParameterizedTest(name = "{0} {2} {3} indices={4}")
    @MethodSource("problems")
    void aCompiledRunAllocatesNothing(Backend backend, int p, String name, Layout layout, boolean indices) {
        Assumptions.assumeTrue(backend == Backend.JAVA || Pooling.nativeAvailable(), "native library unavailable");
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation counts");
        long thread = Thread.currentThread().threadId();
        Problem problem = PROBLEMS.get(p);
        try (Arena arena = Arena.ofConfined()) {
            PreparedPool pool = Pooling.prepare(problem.spec(), layout, problem.shape(), backend, null);
            Tensor in = Tensor.allocate(arena, DType.F32, layout, problem.shape());
            SplittableRandom random = new SplittableRandom(7);
            for (long i = 0; i < in.elementCount(); i++) {
                int pick = random.nextInt(64);
                float value = pick == 0 ? Float.NaN : pick < 8 ? 0f : random.nextInt(-1000, 1000) / 8f;
                in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
            }
            Tensor out = pool.allocateOutput(arena), idx = indices ? pool.allocateIndices(arena) : null;
            // windows of runs until one allocates nothing: compilation may finish late
            long start = System.nanoTime(), allocated = -1, runs = 0;
            while (allocated != 0 && System.nanoTime() - start < DEADLINE_NANOS) {
                long before = threads.getThreadAllocatedBytes(thread), windowStart = System.nanoTime();
                runs = 0;
                do {
                    pool.run(in, out, idx);
                    runs++;
                } while (System.nanoTime() - windowStart < WINDOW_NANOS);
                allocated = threads.getThreadAllocatedBytes(thread) - before;
            }
            assertTrue(runs > 0);
            assertEquals(
                    0,
                    allocated,
                    name + " " + layout + (indices ? " with indices" : "") + ", " + pool.implementation()
                            + ": bytes allocated by the last " + runs + " runs, after "
                            + (System.nanoTime() - start) / 1_000_000 + " ms of runs");
        }
    }
}
