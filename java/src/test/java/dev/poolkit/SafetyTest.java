package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolkit.internal.Geometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The library's safety promises under hostile use: indices changed by another thread while native code reads them,
 * sizes whose products overflow, long fractional axes, problems too big for the Java backend's arrays, executors
 * that throw Errors, long calls over heap memory, wide averages and the cost of huge shapes.
 */
class SafetyTest {
    private static final int GUARD_BYTES = 256;
    private static final byte GUARD = (byte) 0x5A;

    /** A segment of {@code bytes} with guard bytes on both sides, inside {@code whole}. */
    private static MemorySegment guarded(MemorySegment whole, long bytes) {
        whole.fill(GUARD);
        return whole.asSlice(GUARD_BYTES, bytes);
    }

    private static boolean guardsIntact(MemorySegment whole) {
        long size = whole.byteSize();
        for (long i = 0; i < GUARD_BYTES; i++) {
            if (whole.get(ValueLayout.JAVA_BYTE, i) != GUARD || whole.get(ValueLayout.JAVA_BYTE, size - 1 - i) != GUARD)
                return false;
        }
        return true;
    }

    /**
     * Native unpooling and max backward while another thread flips one index between a valid value and -1: each run
     * ends normally or with INVALID_INDEX / CONFLICTING_INDEX, and the bytes around the output are never touched.
     */
    @Test
    @Timeout(120)
    void indicesChangedByAnotherThreadNeverLeadOutside() throws Exception {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        long[] shape = {1, 64, 128, 128};
        PoolSpec spec = PoolSpec.max(2, 2).build();
        PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, Backend.NATIVE, null);
        PreparedUnpool unpool = Pooling.prepareUnpool(
                UnpoolSpec.inverseOf(spec).outputSize(128, 128).build(),
                Layout.NCHW,
                pool.outputShape(),
                Backend.NATIVE,
                null);
        long inCount = TestTensors.count(shape), outCount = TestTensors.count(pool.outputShape());
        try (Arena arena = Arena.ofShared()) {
            Tensor input = Tensor.allocate(arena, DType.F32, Layout.NCHW, shape);
            for (long i = 0; i < inCount; i++) input.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (i * 7919) % 1000);
            Tensor pooled = pool.allocateOutput(arena), indices = pool.allocateIndices(arena);
            pool.run(input, pooled, indices);
            MemorySegment raced = indices.segment();
            long at = outCount / 2, valid = raced.getAtIndex(ValueLayout.JAVA_LONG, at);
            AtomicBoolean stop = new AtomicBoolean();
            // opaque stores: plain ones could be merged by the JIT, and -1 would then never be seen
            VarHandle element = ValueLayout.JAVA_LONG.arrayElementVarHandle();
            Thread flipper = new Thread(() -> {
                while (!stop.get()) {
                    element.setOpaque(raced, 0L, at, -1L);
                    element.setOpaque(raced, 0L, at, valid);
                }
            });
            flipper.start();
            MemorySegment whole = arena.allocate(inCount * Float.BYTES + 2 * GUARD_BYTES, 64);
            int refused = 0;
            try {
                for (int run = 0; run < 100; run++) {
                    Tensor target = Tensor.f32(guarded(whole, inCount * Float.BYTES), Layout.NCHW, shape);
                    try {
                        unpool.run(pooled, indices, target);
                    } catch (PoolingException e) {
                        assertTrue(
                                e.status() == PoolingException.INVALID_INDEX
                                        || e.status() == PoolingException.CONFLICTING_INDEX,
                                e.getMessage());
                        refused++;
                    }
                    assertTrue(guardsIntact(whole), "unpooling wrote outside its output in run " + run);
                    target = Tensor.f32(guarded(whole, inCount * Float.BYTES), Layout.NCHW, shape);
                    try {
                        pool.backward(pooled, target, indices);
                    } catch (PoolingException e) {
                        assertEquals(PoolingException.INVALID_INDEX, e.status(), e.getMessage());
                        refused++;
                    }
                    assertTrue(guardsIntact(whole), "the backward pass wrote outside its gradient in run " + run);
                }
            } finally {
                stop.set(true);
                flipper.join();
            }
            System.out.println("racing indices: " + refused + " of 200 runs saw the bad index");
        }
    }

    /** An axis of 8,471,693 elements, where float rounding puts a fractional start past L - k: both backends clamp it alike. */
    @Test
    void fractionalStartsOnLongAxesStayInside() {
        long length = 8_471_693;
        PoolSpec spec = PoolSpec.fractionalMax(2)
                .outputSize(8_469_547)
                .samples(new float[] {0.5f})
                .build();
        long[] shape = {1, 1, length};
        float[] x = new float[(int) length];
        for (int i = 0; i < x.length; i++) x[i] = i % 1000;
        float[] reference = null;
        long[] referenceIndices = null;
        for (TestTensors.Target target : TestTensors.targets()) {
            PreparedPool p = Pooling.prepare(spec, Layout.NCHW, shape, target.backend(), target.isa());
            int outs = (int) p.outputShape()[2];
            float[] y = new float[outs];
            long[] idx = new long[outs];
            p.run(
                    Tensor.of(x, Layout.NCHW, shape),
                    Tensor.of(y, Layout.NCHW, p.outputShape()),
                    Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, p.outputShape()));
            for (long i : idx) assertTrue(i >= 0 && i < length, target + ": index " + i);
            if (reference == null) {
                reference = y;
                referenceIndices = idx;
            } else {
                assertArrayEquals(reference, y, target.toString());
                assertArrayEquals(referenceIndices, idx, target.toString());
            }
        }
    }

    /** Products past 64 bits and values past 2^40 are refused with IllegalArgumentException, on both sides alike. */
    @Test
    void overflowingSizesAreRefused() {
        long limit = Geometry.MAX_EXTENT;
        assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepareUnpool(
                        UnpoolSpec.of(1).stride(limit).build(),
                        Layout.NCHW,
                        new long[] {1, 1, (1L << 24) + 1},
                        Backend.JAVA,
                        null));
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.max((1L << 24) + 1).dilation(limit).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepare(
                        PoolSpec.max(1).build(), Layout.NCHW, new long[] {1, 1, limit + 1}, Backend.JAVA, null));
        assertEquals(-1, Pooling.outputSize(10, 3, 0, 1, 0, 0, false));
        assertEquals(-1, Pooling.outputSize(10, -3, 1, 1, 0, 0, false));
        assertEquals(0, Pooling.outputSize((1L << 24) + 1, (1L << 24) + 1, 1, limit, 0, 0, false));
        if (Pooling.nativeAvailable()) {
            assertEquals(-1, dev.poolkit.internal.ffi.PoolkitFFI.pk_unpool_output_size((1L << 24) + 1, 5, limit, 0, 0));
        }
    }

    /** The Java backend's window tables are arrays: an axis past their reach is refused at prepare, never truncated. */
    @Test
    void javaBackendRefusesAxesPastItsArrays() {
        for (long length : new long[] {(1L << 31) + 5, (1L << 32) + 3}) {
            UnsupportedOperationException e = assertThrows(
                    UnsupportedOperationException.class,
                    () -> Pooling.prepare(
                            PoolSpec.max(1).build(), Layout.NCHW, new long[] {1, 1, length}, Backend.JAVA, null));
            assertTrue(e.getMessage().contains(Long.toString(length)), e.getMessage());
        }
    }

    /**
     * An executor that hands out one task and then throws an Error: the run still completes every piece before the
     * Error reaches the caller, and no task writes after that.
     */
    @Test
    @Timeout(60)
    void executorErrorsWaitForTasksAlreadyHandedOut() throws Exception {
        long[] shape = {1, 64, 64, 64};
        PreparedPool p = Pooling.prepare(
                PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1).build(), Layout.NCHW, shape, Backend.JAVA, null);
        float[] in = new float[(int) TestTensors.count(shape)];
        for (int i = 0; i < in.length; i++) in[i] = i % 13;
        float[] expected = new float[(int) TestTensors.count(p.outputShape())], out = new float[expected.length];
        p.run(Tensor.of(in, Layout.NCHW, shape), Tensor.of(expected, Layout.NCHW, p.outputShape()));
        AtomicInteger handedOut = new AtomicInteger();
        CountDownLatch taskDone = new CountDownLatch(1);
        Executor failing = task -> {
            if (handedOut.getAndIncrement() > 0)
                throw new OutOfMemoryError("unable to create native thread (simulated)");
            Thread t = new Thread(
                    () -> { // starts late, so that the caller is still at work when the Error comes
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        task.run();
                        taskDone.countDown();
                    });
            t.start();
        };
        OutOfMemoryError error = assertThrows(
                OutOfMemoryError.class,
                () -> p.run(
                        Tensor.of(in, Layout.NCHW, shape),
                        Tensor.of(out, Layout.NCHW, p.outputShape()),
                        null,
                        failing,
                        4));
        assertTrue(error.getMessage().contains("simulated"));
        assertArrayEquals(expected, out, "every piece was done when the Error reached the caller");
        float[] snapshot = out.clone();
        taskDone.await();
        assertArrayEquals(snapshot, out, "nothing was written after the run returned");
    }

    /**
     * Long problems over heap memory (split into row ranges forward, copied in pieces for backward and unpooling) equal
     * the same problems over native memory bit for bit.
     */
    @Test
    void longCallsOverHeapMemoryEqualNativeMemory() {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        long[] shape = {1, 16, 256, 256};
        PoolSpec spec = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build();
        PreparedPool p = Pooling.prepare(spec, Layout.NCHW, shape, Backend.NATIVE, null);
        assertTrue(
                TestTensors.count(shape) * Float.BYTES > 2 * dev.poolkit.internal.CriticalCalls.MAX_BYTES,
                "a problem past the critical limit");
        int inCount = (int) TestTensors.count(shape), outCount = (int) TestTensors.count(p.outputShape());
        float[] x = new float[inCount], y = new float[outCount], grad = new float[inCount], back = new float[inCount];
        long[] idx = new long[outCount];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < inCount; i++) x[i] = random.nextInt(-1000, 1000) / 8f;
        try (Arena arena = Arena.ofConfined()) {
            Tensor nx = Tensor.allocate(arena, DType.F32, Layout.NCHW, shape),
                    ny = p.allocateOutput(arena),
                    ni = p.allocateIndices(arena);
            MemorySegment.copy(x, 0, nx.segment(), ValueLayout.JAVA_FLOAT, 0, inCount);
            p.run(nx, ny, ni);
            Tensor hx = Tensor.of(x, Layout.NCHW, shape), hy = Tensor.of(y, Layout.NCHW, p.outputShape());
            Tensor hi = Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, p.outputShape());
            p.run(hx, hy, hi);
            assertArrayEquals(ny.segment().toArray(ValueLayout.JAVA_FLOAT), y);
            assertArrayEquals(ni.segment().toArray(ValueLayout.JAVA_LONG), idx);
            Tensor ng = Tensor.allocate(arena, DType.F32, Layout.NCHW, shape);
            p.backward(ny, ng, ni);
            p.backward(hy, Tensor.of(grad, Layout.NCHW, shape), hi);
            assertArrayEquals(ng.segment().toArray(ValueLayout.JAVA_FLOAT), grad);
            PreparedUnpool u = Pooling.prepareUnpool(
                    UnpoolSpec.inverseOf(spec).outputSize(256, 256).build(),
                    Layout.NCHW,
                    p.outputShape(),
                    Backend.NATIVE,
                    null);
            Tensor nb = u.allocateOutput(arena);
            u.run(ny, ni, nb);
            u.run(hy, hi, Tensor.of(back, Layout.NCHW, shape));
            assertArrayEquals(nb.segment().toArray(ValueLayout.JAVA_FLOAT), back);
        }
    }

    /**
     * Global averages of a 4096x4096 plane of 0.1 and of N(100, 1): relative error at most 1e-6 on every backend and
     * level, all equal bit for bit (float32 sums in order were off by 15%).
     */
    @Test
    void wideAveragesAreAccurate() {
        long[] shape = {1, 1, 4096, 4096};
        float[] x = new float[4096 * 4096];
        SplittableRandom random = new SplittableRandom(9);
        for (int kind = 0; kind < 2; kind++) {
            double exact = 0;
            for (int i = 0; i < x.length; i++) {
                x[i] = kind == 0 ? 0.1f : (float) (100 + gaussian(random));
                exact += x[i]; // in double: exact to about 1e-9 relative at this count
            }
            exact /= x.length;
            Float first = null;
            for (PoolSpec spec : new PoolSpec[] {
                PoolSpec.globalAvg(2).build(), PoolSpec.adaptiveAvg(1, 1).build()
            }) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    PreparedPool p = Pooling.prepare(spec, Layout.NCHW, shape, target.backend(), target.isa());
                    float[] y = new float[1];
                    p.run(Tensor.of(x, Layout.NCHW, shape), Tensor.of(y, Layout.NCHW, p.outputShape()));
                    assertTrue(
                            Math.abs((y[0] - exact) / exact) <= 1e-6,
                            target + " " + spec + ": " + y[0] + " vs " + exact);
                    if (first == null) first = y[0];
                    assertEquals(Float.floatToRawIntBits(first), Float.floatToRawIntBits(y[0]), target + " " + spec);
                }
            }
        }
    }

    private static double gaussian(SplittableRandom r) {
        double u = (r.nextLong(1L << 53) + 0.5) * 0x1.0p-53, v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** The closed-form cost equals a count over every window on random small problems, and answers at once for huge ones. */
    @Test
    @Timeout(20)
    void costIsExactAndConstantTime() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 3000; trial++) {
            int rank = r.nextInt(1, 4);
            long[] shape = new long[rank + 2];
            shape[0] = r.nextInt(1, 3);
            shape[1] = r.nextInt(1, 4);
            long[] k = new long[rank],
                    s = new long[rank],
                    d = new long[rank],
                    pad = new long[rank],
                    out = new long[rank];
            for (int i = 0; i < rank; i++) {
                shape[i + 2] = r.nextInt(1, 40);
                k[i] = r.nextInt(1, 6);
                s[i] = r.nextInt(1, 5);
                d[i] = r.nextInt(1, 4);
                pad[i] = r.nextInt(0, (int) (d[i] * (k[i] - 1) + 1));
                out[i] = r.nextInt(1, (int) shape[i + 2] + 1);
            }
            PoolSpec spec = switch (r.nextInt(3)) {
                case 0 ->
                    PoolSpec.avg(k)
                            .stride(s)
                            .dilation(d)
                            .padding(pad)
                            .ceilMode(r.nextBoolean())
                            .conventions(Conventions.ONNX)
                            .build();
                case 1 -> PoolSpec.adaptiveMax(out).build();
                default -> PoolSpec.globalAvg(rank).build();
            };
            Geometry g;
            try {
                g = Geometry.of(spec, Layout.NCHW, shape);
            } catch (IllegalArgumentException e) {
                continue; // the window does not fit
            }
            long taps = g.batch * g.channels;
            for (int a = 0; a < 3; a++) {
                long along = 0;
                for (long o = 0; o < g.out[a]; o++) {
                    long[] w = g.window(a, o);
                    along += w[2] - w[1];
                }
                taps *= along;
            }
            long finishing = spec.op() == PoolOp.AVG ? g.outputCount : 0;
            assertEquals(
                    taps + finishing,
                    Pooling.cost(spec, false, shape).operations(),
                    spec + " on " + java.util.Arrays.toString(shape));
        }
        Cost huge = Pooling.cost(PoolSpec.max(3).stride(1).padding(1).build(), false, 1, 1, 1L << 34);
        assertEquals(3 * (1L << 34) - 2, huge.operations());
        Cost past = Pooling.cost(PoolSpec.avg(1L << 39).stride(1).build(), false, 1, 1, 1L << 40); // about 2^78 taps
        assertEquals(Long.MAX_VALUE, past.operations(), "saturated");
    }
}
