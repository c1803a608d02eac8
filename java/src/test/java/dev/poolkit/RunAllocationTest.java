package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A prepared run allocates nothing once the JIT has compiled it: the bytes the calling thread allocates over a window
 * of runs reach zero, natively and in the Java backend as the test JVM runs it (its scalar lanes in default-test).
 * Inputs hold zeros and NaNs, so that the Java backend's outputs take their recomputation of zero and NaN outputs too.
 * The problems are the standard shapes' ops and layouts at smaller sizes; bench/RESULTS.md gives JMH's allocation per
 * run of the standard shapes themselves, with the Vector API too. The Vector API's lanes are not tested here: C2 at
 * times compiles one of their loops with the API's Java fallbacks, which then allocate on every run, both in JVMs that
 * run one problem each and in the java-vector execution's JVM after the golden tests (bench/RESULTS.md, "Allocation per
 * run"), so a test of them would fail at random.
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
        Problem problem = PROBLEMS.get(p);
        try (Arena arena = Arena.ofConfined()) {
            PreparedPool pool = Pooling.prepare(problem.spec(), layout, problem.shape(), backend, null);
            Tensor in = input(arena, layout, problem.shape());
            Tensor out = pool.allocateOutput(arena), idx = indices ? pool.allocateIndices(arena) : null;
            assertNothingAllocated(
                    () -> pool.run(in, out, idx),
                    name + " " + layout + (indices ? " with indices" : "") + ", " + pool.implementation(),
                    Thread.currentThread());
        }
    }

    /**
     * A run shared with a helper task on an executor allocates nothing either, on the calling thread or the helper's,
     * when the executor itself does not (here one thread that takes tasks from a slot): the run's state is kept.
     */
    @ParameterizedTest(name = "{0} {2} {3}")
    @MethodSource("sharedProblems")
    void aCompiledSharedRunAllocatesNothing(Backend backend, int p, String name, Layout layout) throws Exception {
        Assumptions.assumeTrue(backend == Backend.JAVA || Pooling.nativeAvailable(), "native library unavailable");
        Problem problem = PROBLEMS.get(p);
        try (Arena arena = Arena.ofShared();
                SlotExecutor executor = new SlotExecutor()) {
            PreparedPool pool = Pooling.prepare(problem.spec(), layout, problem.shape(), backend, null);
            Tensor in = input(arena, layout, problem.shape());
            Tensor out = pool.allocateOutput(arena);
            assertNothingAllocated(
                    () -> pool.run(in, out, null, executor, 2),
                    name + " " + layout + ", " + pool.implementation() + ", shared by two threads",
                    Thread.currentThread(),
                    executor.thread);
            assertTrue(executor.tasks.get() > 0, "the helper ran");
        }
    }

    /** Problems of at least two pieces: channels first, pieces are whole blocks of 16 channels. */
    static List<Arguments> sharedProblems() {
        List<Arguments> problems = new ArrayList<>();
        for (Backend where : new Backend[] {Backend.NATIVE, Backend.JAVA}) {
            problems.add(Arguments.of(where, 0, PROBLEMS.get(0).name(), Layout.NHWC));
            problems.add(Arguments.of(where, 3, PROBLEMS.get(3).name(), Layout.NHWC));
            problems.add(Arguments.of(where, 3, PROBLEMS.get(3).name(), Layout.NCHW));
            problems.add(Arguments.of(where, 4, PROBLEMS.get(4).name(), Layout.NCHW));
        }
        return problems;
    }

    /** An input of the problem's shape with zeros and NaNs among its values. */
    private static Tensor input(Arena arena, Layout layout, long[] shape) {
        Tensor in = Tensor.allocate(arena, DType.F32, layout, shape);
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < in.elementCount(); i++) {
            int pick = random.nextInt(64);
            float value = pick == 0 ? Float.NaN : pick < 8 ? 0f : random.nextInt(-1000, 1000) / 8f;
            in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
        return in;
    }

    /** Runs windows of runs until one in which none of {@code threads} allocates: compilation may finish late. */
    private static void assertNothingAllocated(Runnable run, String what, Thread... threads) {
        var beans = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(beans.isThreadAllocatedMemorySupported(), "per-thread allocation counts");
        long[] ids = new long[threads.length];
        for (int t = 0; t < threads.length; t++) ids[t] = threads[t].threadId();
        long start = System.nanoTime(), allocated = -1, runs = 0;
        while (allocated != 0 && System.nanoTime() - start < DEADLINE_NANOS) {
            // one thread at a time: the array form allocates its result inside the window
            long before = 0;
            for (long id : ids) before += beans.getThreadAllocatedBytes(id);
            long windowStart = System.nanoTime();
            runs = 0;
            do {
                run.run();
                runs++;
            } while (System.nanoTime() - windowStart < WINDOW_NANOS);
            allocated = -before;
            for (long id : ids) allocated += beans.getThreadAllocatedBytes(id);
        }
        assertTrue(runs > 0);
        assertEquals(
                0,
                allocated,
                what + ": bytes allocated by the last " + runs + " runs, after "
                        + (System.nanoTime() - start) / 1_000_000 + " ms of runs");
    }

    /** One thread that runs the tasks put in its slot, spinning while it is empty: it allocates nothing per task. */
    private static final class SlotExecutor implements Executor, AutoCloseable {
        private final AtomicReference<Runnable> slot = new AtomicReference<>();
        private final AtomicInteger tasks = new AtomicInteger();
        private volatile boolean closed;
        private final Thread thread = new Thread(this::work, "slot-executor");

        SlotExecutor() {
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void execute(Runnable task) {
            while (!slot.compareAndSet(null, task)) Thread.onSpinWait();
        }

        private void work() {
            while (!closed) {
                Runnable task = slot.getAndSet(null);
                if (task == null) {
                    Thread.onSpinWait();
                } else {
                    task.run();
                    tasks.incrementAndGet();
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join();
        }
    }
}
