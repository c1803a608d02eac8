package dev.poolkit.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolkit.Backend;
import dev.poolkit.DType;
import dev.poolkit.IndexFormat;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.PreparedRoi;
import dev.poolkit.PreparedUnpool;
import dev.poolkit.RoiOp;
import dev.poolkit.RoiSpec;
import dev.poolkit.Tensor;
import dev.poolkit.UnpoolSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Long gradients and unpooling over heap arrays run as short critical calls over ranges (CriticalCalls): the split
 * happens (counted pieces) and gives the bits of one call over native memory. The problems move several MiB, so
 * that every pass takes more than one piece.
 */
class HeapSplitTest {
    private static final long[] SHAPE = {2, 24, 96, 96}; // 1.7 MiB of input: gradients and unpooling split

    private static float[] random(long count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[(int) count];
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() * 4 - 2);
        return a;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** Runs {@code run} and asserts that it made at least {@code pieces} critical calls over parts. */
    private static void assertSplit(int pieces, Runnable run) {
        long before = CriticalCalls.piecesRun();
        run.run();
        long made = CriticalCalls.piecesRun() - before;
        assertTrue(made >= pieces, "expected at least " + pieces + " critical calls over parts, made " + made);
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void maxBackwardOnHeapMatchesNativeMemory(Layout layout) {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        // overlapping windows and flat indices: gradients meet in shared inputs, and indices may cross planes
        for (PoolSpec spec : new PoolSpec[] {
            PoolSpec.max(3, 3)
                    .stride(1, 1)
                    .indexFormat(IndexFormat.FLAT_ROW_MAJOR)
                    .build(),
            PoolSpec.max(2, 2).build()
        }) {
            PreparedPool pool = Pooling.prepare(spec, layout, SHAPE, Backend.NATIVE, null);
            try (Arena arena = Arena.ofConfined()) {
                Tensor input = Tensor.of(random(count(SHAPE), 1), layout, SHAPE);
                Tensor out = pool.allocateOutput(arena), indices = pool.allocateIndices(arena);
                pool.run(input, out, indices);
                float[] gy = random(count(pool.outputShape()), 2);
                long[] idx = indices.segment().toArray(ValueLayout.JAVA_LONG);
                Tensor nativeGrad = Tensor.allocate(arena, DType.F32, layout, SHAPE);
                pool.backward(copyToNative(arena, gy, layout, pool.outputShape()), nativeGrad, indices);
                float[] heap = new float[(int) count(SHAPE)];
                java.util.Arrays.fill(heap, Float.NaN); // every element must be written
                assertSplit(
                        4,
                        () -> pool.backward(
                                Tensor.of(gy, layout, pool.outputShape()),
                                Tensor.of(heap, layout, SHAPE),
                                Tensor.i64(MemorySegment.ofArray(idx), layout, pool.outputShape())));
                assertArrayEquals(nativeGrad.segment().toArray(ValueLayout.JAVA_FLOAT), heap, spec + " " + layout);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void averageBackwardOnHeapMatchesNativeMemory(Layout layout) {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        PreparedPool pool = Pooling.prepare(
                PoolSpec.avg(3, 3).stride(2, 2).padding(1, 1).build(), layout, SHAPE, Backend.NATIVE, null);
        try (Arena arena = Arena.ofConfined()) {
            float[] gy = random(count(pool.outputShape()), 3);
            Tensor nativeGrad = Tensor.allocate(arena, DType.F32, layout, SHAPE);
            pool.backward(copyToNative(arena, gy, layout, pool.outputShape()), nativeGrad);
            float[] heap = new float[(int) count(SHAPE)];
            java.util.Arrays.fill(heap, Float.NaN);
            assertSplit(
                    2, () -> pool.backward(Tensor.of(gy, layout, pool.outputShape()), Tensor.of(heap, layout, SHAPE)));
            assertArrayEquals(nativeGrad.segment().toArray(ValueLayout.JAVA_FLOAT), heap, layout.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void unpoolingOnHeapMatchesNativeMemory(Layout layout) {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        PoolSpec spec =
                PoolSpec.max(2, 2).indexFormat(IndexFormat.FLAT_ROW_MAJOR).build();
        PreparedPool pool = Pooling.prepare(spec, layout, SHAPE, Backend.NATIVE, null);
        PreparedUnpool unpool = Pooling.prepareUnpool(
                UnpoolSpec.inverseOf(spec).outputSize(SHAPE[2], SHAPE[3]).build(),
                layout,
                pool.outputShape(),
                Backend.NATIVE,
                null);
        try (Arena arena = Arena.ofConfined()) {
            Tensor input = Tensor.of(random(count(SHAPE), 4), layout, SHAPE);
            Tensor out = pool.allocateOutput(arena), indices = pool.allocateIndices(arena);
            pool.run(input, out, indices);
            Tensor nativeTarget = Tensor.allocate(arena, DType.F32, layout, SHAPE);
            unpool.run(out, indices, nativeTarget);
            float[] values = out.segment().toArray(ValueLayout.JAVA_FLOAT);
            long[] idx = indices.segment().toArray(ValueLayout.JAVA_LONG);
            float[] heap = new float[(int) count(SHAPE)];
            java.util.Arrays.fill(heap, Float.NaN);
            assertSplit(
                    8,
                    () -> unpool.run(
                            Tensor.of(values, layout, pool.outputShape()),
                            Tensor.i64(MemorySegment.ofArray(idx), layout, pool.outputShape()),
                            Tensor.of(heap, layout, SHAPE)));
            assertArrayEquals(nativeTarget.segment().toArray(ValueLayout.JAVA_FLOAT), heap, layout.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(RoiOp.class)
    void regionBackwardOnHeapMatchesNativeMemory(RoiOp op) {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        long[] shape = {2, 32, 64, 64};
        int boxes = 96;
        RoiSpec spec = op == RoiOp.POOL
                ? RoiSpec.pool(7, 7).build()
                : RoiSpec.align(7, 7).mode(op).samplingRatio(2).build();
        SplittableRandom r = new SplittableRandom(6);
        float[] b = new float[boxes * 5];
        for (int k = 0; k < boxes; k++) { // overlapping boxes: their gradients meet
            float x1 = (float) r.nextDouble(0, 40), y1 = (float) r.nextDouble(0, 40);
            b[k * 5] = k % 2;
            b[k * 5 + 1] = x1;
            b[k * 5 + 2] = y1;
            b[k * 5 + 3] = x1 + (float) r.nextDouble(4, 24);
            b[k * 5 + 4] = y1 + (float) r.nextDouble(4, 24);
        }
        for (Layout layout : Layout.values()) {
            PreparedRoi roi = Pooling.prepareRoi(spec, layout, shape, boxes, Backend.NATIVE, null);
            try (Arena arena = Arena.ofConfined()) {
                Tensor input = Tensor.of(random(count(shape), 7), layout, shape);
                Tensor argmax = null;
                if (op == RoiOp.POOL) {
                    argmax = roi.allocateIndices(arena);
                    roi.run(input, MemorySegment.ofArray(b), null, roi.allocateOutput(arena), argmax);
                }
                float[] gy = random(count(roi.outputShape()), 8);
                Tensor nativeGrad = Tensor.allocate(arena, DType.F32, layout, shape);
                MemorySegment nativeBoxes = arena.allocate(b.length * 4L, 4);
                MemorySegment.copy(b, 0, nativeBoxes, ValueLayout.JAVA_FLOAT, 0, b.length);
                roi.backward(
                        copyToNative(arena, gy, layout, roi.outputShape()),
                        nativeGrad,
                        copyToNative(arena, input.segment().toArray(ValueLayout.JAVA_FLOAT), layout, shape),
                        nativeBoxes,
                        null,
                        argmax);
                float[] heap = new float[(int) count(shape)];
                java.util.Arrays.fill(heap, Float.NaN);
                Tensor heapArgmax = argmax == null
                        ? null
                        : Tensor.i64(
                                MemorySegment.ofArray(argmax.segment().toArray(ValueLayout.JAVA_LONG)),
                                layout,
                                roi.outputShape());
                assertSplit(
                        2,
                        () -> roi.backward(
                                Tensor.of(gy, layout, roi.outputShape()),
                                Tensor.of(heap, layout, shape),
                                input,
                                MemorySegment.ofArray(b),
                                null,
                                heapArgmax));
                assertArrayEquals(nativeGrad.segment().toArray(ValueLayout.JAVA_FLOAT), heap, op + " " + layout);
            }
        }
    }

    private static Tensor copyToNative(Arena arena, float[] data, Layout layout, long[] shape) {
        Tensor t = Tensor.allocate(arena, DType.F32, layout, shape);
        MemorySegment.copy(data, 0, t.segment(), ValueLayout.JAVA_FLOAT, 0, data.length);
        return t;
    }
}
