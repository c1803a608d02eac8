package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolkit.internal.Comparison;
import dev.poolkit.internal.Geometry;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs split over a caller's executor equal single runs; cross-check mismatches name the element. */
class ExecutorTest {

    @Test
    void slicedRunsEqualSingleRuns() {
        SplittableRandom random = new SplittableRandom(3);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    long[] shape = {2, 19, 13, 17};
                    PoolSpec spec = PoolSpec.max(3, 3)
                            .stride(2, 2)
                            .padding(1, 1)
                            .ceilMode(true)
                            .build();
                    PreparedPool p = Pooling.prepare(spec, layout, shape, target.backend(), target.isa());
                    float[] in = new float[(int) TestTensors.count(shape)];
                    for (int i = 0; i < in.length; i++) in[i] = random.nextInt(-50, 50);
                    int outCount = (int) TestTensors.count(p.outputShape());
                    float[] single = new float[outCount], sliced = new float[outCount];
                    long[] singleIdx = new long[outCount], slicedIdx = new long[outCount];
                    Tensor input = Tensor.of(in, layout, shape);
                    p.run(
                            input,
                            Tensor.of(single, layout, p.outputShape()),
                            Tensor.i64(MemorySegment.ofArray(singleIdx), layout, p.outputShape()));
                    // the caller takes part itself; the participants are capped by the pieces a run has: rows,
                    // or for channels first whole blocks of 16 channels (here 2*19 planes: 3 blocks)
                    long pieces = layout == Layout.NHWC ? p.rows() : 3;
                    for (int slices : new int[] {1, 2, 3, 7, 1000}) {
                        AtomicInteger tasks = new AtomicInteger();
                        p.run(
                                input,
                                Tensor.of(sliced, layout, p.outputShape()),
                                Tensor.i64(MemorySegment.ofArray(slicedIdx), layout, p.outputShape()),
                                command -> {
                                    tasks.incrementAndGet();
                                    pool.execute(command);
                                },
                                slices);
                        assertArrayEquals(single, sliced, layout + " " + target + " slices " + slices);
                        assertArrayEquals(singleIdx, slicedIdx, layout + " " + target + " slices " + slices);
                        assertEquals(Math.min(slices, pieces) - 1, tasks.get(), layout + " slices " + slices);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        PreparedPool p = Pooling.prepare(PoolSpec.max(2).build(), Layout.NCHW, 1, 1, 4);
        Tensor in = Tensor.of(new float[4], Layout.NCHW, 1, 1, 4), out = Tensor.of(new float[2], Layout.NCHW, 1, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> p.run(in, out, null, Runnable::run, 0));
    }

    @Test
    @Timeout(60) // a caller that waited for held tasks would never return
    void tasksThatStartLateFindNothingLeftAndTheRunIsComplete() {
        long[] shape = {2, 40, 21, 23}; // channels first: 5 blocks of 16 channels, enough for 4 participants
        PoolSpec spec = PoolSpec.avg(3, 3).stride(1, 2).padding(1, 1).build();
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedPool p = Pooling.prepare(spec, layout, shape, target.backend(), target.isa());
                float[] in = new float[(int) TestTensors.count(shape)];
                SplittableRandom random = new SplittableRandom(11);
                for (int i = 0; i < in.length; i++) in[i] = (float) random.nextDouble(-3, 3);
                int outCount = (int) TestTensors.count(p.outputShape());
                float[] single = new float[outCount], shared = new float[outCount];
                Tensor input = Tensor.of(in, layout, shape);
                p.run(input, Tensor.of(single, layout, p.outputShape()));
                // an executor that holds every task until after the run has returned
                List<Runnable> held = new ArrayList<>();
                p.run(input, Tensor.of(shared, layout, p.outputShape()), null, held::add, 4);
                assertEquals(3, held.size());
                assertArrayEquals(single, shared, layout + " " + target);
                java.util.Arrays.fill(shared, -1);
                held.forEach(Runnable::run); // nothing is left for them: they write nothing
                for (float v : shared) assertEquals(-1f, v);
                // a rejecting executor: the caller does every piece, then the rejection surfaces
                float[] alone = new float[outCount];
                RejectedExecutionException e = assertThrows(
                        RejectedExecutionException.class,
                        () -> p.run(
                                input,
                                Tensor.of(alone, layout, p.outputShape()),
                                null,
                                command -> {
                                    throw new RejectedExecutionException("full");
                                },
                                3));
                assertEquals("full", e.getMessage());
                assertArrayEquals(single, alone, layout + " " + target + " rejected");
            }
        }
    }

    @Test
    @Timeout(120)
    void runsOfOneOperationFromSeveralThreadsAtOnceEqualSingleRuns() throws Exception {
        // one prepared operation, its shared state taken by one run at a time: the others make their own, and tasks
        // that start late may take part in a later run of another thread
        long[] shape = {1, 48, 20, 22}; // channels first: 3 blocks of 16 channels
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedPool p = Pooling.prepare(
                        PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(),
                        layout,
                        shape,
                        target.backend(),
                        target.isa());
                int outCount = (int) TestTensors.count(p.outputShape());
                int callers = 4;
                float[][] inputs = new float[callers][(int) TestTensors.count(shape)];
                float[][] expected = new float[callers][outCount];
                SplittableRandom random = new SplittableRandom(5);
                for (int c = 0; c < callers; c++) {
                    for (int i = 0; i < inputs[c].length; i++) inputs[c][i] = random.nextInt(-100, 100);
                    p.run(Tensor.of(inputs[c], layout, shape), Tensor.of(expected[c], layout, p.outputShape()));
                }
                ExecutorService helpers = Executors.newFixedThreadPool(3);
                ExecutorService threads = Executors.newFixedThreadPool(callers);
                try {
                    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                    for (int c = 0; c < callers; c++) {
                        int caller = c;
                        done.add(threads.submit(() -> {
                            float[] out = new float[outCount];
                            for (int run = 0; run < 300; run++) {
                                java.util.Arrays.fill(out, Float.NaN);
                                p.run(
                                        Tensor.of(inputs[caller], layout, shape),
                                        Tensor.of(out, layout, p.outputShape()),
                                        null,
                                        helpers,
                                        1 + run % 3);
                                assertArrayEquals(expected[caller], out, layout + " " + target + " run " + run);
                            }
                            return null;
                        }));
                    }
                    for (var f : done) f.get();
                } finally {
                    threads.shutdown();
                    helpers.shutdown();
                }
            }
        }
    }

    @Test
    void comparisonNamesTheFirstDifferingElement() {
        Geometry g = Geometry.of(PoolSpec.max(2, 2).build(), Layout.NHWC, new long[] {1, 3, 4, 6});
        float[] a = new float[18], b = new float[18];
        b[13] = 1; // NHWC offset 13 = pixel 4 (h=1, w=1), channel 1
        String d = Comparison.firstDifference(g, MemorySegment.ofArray(a), null, MemorySegment.ofArray(b), null);
        assertTrue(d.startsWith("output[n=0, c=1, h=1, w=1] (offset 13): 0.0 vs 1.0"), d);
        b[13] = 0;
        a[5] = Float.NaN;
        b[5] = Float.intBitsToFloat(0x7fc00001); // any NaN equals any NaN
        assertEquals(
                null, Comparison.firstDifference(g, MemorySegment.ofArray(a), null, MemorySegment.ofArray(b), null));
    }
}
