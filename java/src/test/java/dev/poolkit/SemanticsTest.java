package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The choices where frameworks disagree, each pinned by a small case whose expected values come from the
 * cited source or are worked out by hand in the comment, on every backend.
 */
class SemanticsTest {

    static Iterable<TestTensors.Target> targets() {
        return TestTensors.targets();
    }

    private static float[] run(TestTensors.Target t, PoolSpec spec, long[] shape, float[] input, long[] indicesOut) {
        PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
        float[] out = new float[(int) TestTensors.count(pool.outputShape())];
        Tensor idx = indicesOut == null
                ? null
                : Tensor.i64(MemorySegment.ofArray(indicesOut), Layout.NCHW, pool.outputShape());
        pool.run(Tensor.of(input, Layout.NCHW, shape), Tensor.of(out, Layout.NCHW, pool.outputShape()), idx);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void ceilModeDropsAWindowStartingInTheEndPadding(TestTensors.Target t) {
        // PyTorch 1.13 (POOLING-SEMANTICS.md section 2): the naive ceil formula gives 3, 4 and 4
        assertEquals(2, Pooling.outputSize(5, 3, 3, 1, 1, 1, true));
        assertEquals(3, Pooling.outputSize(7, 2, 3, 1, 1, 1, true));
        assertEquals(4, Pooling.outputSize(6, 3, 2, 1, 1, 1, true));
        float[] out = run(
                t,
                PoolSpec.max(3).stride(3).padding(1).ceilMode(true).build(),
                new long[] {1, 1, 5},
                new float[] {1, 2, 3, 4, 5},
                null);
        assertArrayEquals(new float[] {2, 5}, out); // windows [-1..1] and [2..4]
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void averageDivisorsAtACeilOverhang(TestTensors.Target t) {
        // L=6, k=3, s=2, p=1, ceil: 4 windows starting at -1, 1, 3, 5. The last has taps 5 (input), 6 (padding)
        // and 7 (past the padded input). On ones: exclude 1/1, include-padding 1/2 (PyTorch, ONNX), full kernel 1/3
        // (oneDNN).
        long[] shape = {1, 1, 6};
        float[] ones = {1, 1, 1, 1, 1, 1};
        PoolSpec.Builder b = PoolSpec.avg(3).stride(2).padding(1).ceilMode(true);
        assertArrayEquals(
                new float[] {1, 1, 1, 1},
                run(t, b.divisor(AvgDivisor.EXCLUDE_PADDING).build(), shape, ones, null));
        assertArrayEquals(
                new float[] {2f / 3, 1, 1, 0.5f},
                run(t, b.divisor(AvgDivisor.INCLUDE_PADDING).build(), shape, ones, null));
        assertArrayEquals(
                new float[] {2f / 3, 1, 1, 1f / 3},
                run(t, b.divisor(AvgDivisor.FULL_KERNEL).build(), shape, ones, null));
        assertArrayEquals(
                new float[] {0.5f, 0.75f, 0.75f, 0.25f},
                run(t, b.divisorOverride(4).build(), shape, ones, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void tensorflowSameAverageExcludesPadding(TestTensors.Target t) {
        // tensorflow/tensorflow#60509: [[1,2,3],[4,5,6],[7,8,9]], 2x2 stride 2 SAME -> [[3, 4.5], [7.5, 9]]
        PoolSpec spec = PoolSpec.avg(2, 2)
                .stride(2, 2)
                .autoPad(AutoPad.SAME_UPPER)
                .conventions(Conventions.ONNX)
                .build();
        float[] out = run(t, spec, new long[] {1, 1, 3, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, null);
        assertArrayEquals(new float[] {3, 4.5f, 7.5f, 9}, out);
        // SAME_LOWER puts the extra padding first: windows {1}, {2,3}, {4}, {5,6} / {7,8} ... -> [[1, 2.5], [5.5, 7]]
        PoolSpec lower = PoolSpec.avg(2, 2)
                .stride(2, 2)
                .autoPad(AutoPad.SAME_LOWER)
                .conventions(Conventions.ONNX)
                .build();
        assertArrayEquals(
                new float[] {1, 2.5f, 5.5f, 7},
                run(t, lower, new long[] {1, 1, 3, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void nanPolicies(TestTensors.Target t) {
        long[] shape = {1, 1, 8};
        float nan = Float.NaN;
        float[] x = {1, nan, 2, nan, 5, 4, nan, nan};
        long[] idx = new long[2];
        // propagate (PyTorch): a NaN wins and the last NaN's index is reported
        float[] out = run(t, PoolSpec.max(4).build(), shape, x, idx);
        assertEquals(Float.NaN, out[0]);
        assertArrayEquals(new long[] {3, 7}, idx);
        // ignore (ONNX Runtime, oneDNN): NaNs are skipped; an all-NaN window would give -inf
        out = run(t, PoolSpec.max(4).nanPolicy(NanPolicy.IGNORE).build(), shape, x, idx);
        assertArrayEquals(new float[] {2, 5}, out);
        assertArrayEquals(new long[] {2, 4}, idx);
        out = run(t, PoolSpec.max(2).nanPolicy(NanPolicy.IGNORE).build(), shape, x, new long[4]);
        assertEquals(Float.NEGATIVE_INFINITY, out[3]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void tiesAndInfinitiesPickTheFirstTap(TestTensors.Target t) {
        float inf = Float.NEGATIVE_INFINITY;
        long[] idx = new long[3];
        float[] out = run(t, PoolSpec.max(2).build(), new long[] {1, 1, 6}, new float[] {7, 7, inf, inf, -0f, 0f}, idx);
        assertArrayEquals(new float[] {7, inf, -0f}, out);
        assertArrayEquals(new long[] {0, 2, 4}, idx);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void windowsWithoutInput(TestTensors.Target t) {
        // L=2, k=2, dilation 3, padding 1: the only window has taps -1 and 2, both padding.
        // Defined: max is -inf with the index of the origin clamped into the input (0); the average is 0.
        long[] idx = new long[1];
        PoolSpec max = PoolSpec.max(2).dilation(3).padding(1).build();
        assertArrayEquals(
                new float[] {Float.NEGATIVE_INFINITY}, run(t, max, new long[] {1, 1, 2}, new float[] {5, 6}, idx));
        assertArrayEquals(new long[] {0}, idx);
        PoolSpec avg = PoolSpec.avg(2)
                .dilation(3)
                .padding(1)
                .divisor(AvgDivisor.EXCLUDE_PADDING)
                .build();
        assertArrayEquals(new float[] {0}, run(t, avg, new long[] {1, 1, 2}, new float[] {5, 6}, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void indicesArePerPlaneInBothLayouts(TestTensors.Target t) {
        // 2x2 channels, 2x4 plane, 2x2 windows: the max of each window is its bottom-right tap (index (1, 2k+1)).
        long[] shape = {1, 2, 2, 4};
        float[] logical = new float[16];
        for (int i = 0; i < 16; i++) logical[i] = i;
        for (Layout layout : Layout.values()) {
            PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), layout, shape, t.backend(), t.isa());
            long[] idx = new long[4];
            float[] out = new float[4];
            pool.run(
                    Tensor.of(TestTensors.toLayout(logical, shape, layout), layout, shape),
                    Tensor.of(out, layout, pool.outputShape()),
                    Tensor.i64(MemorySegment.ofArray(idx), layout, pool.outputShape()));
            assertArrayEquals(new long[] {5, 7, 5, 7}, TestTensors.fromLayout(idx, pool.outputShape(), layout));
            assertArrayEquals(new float[] {5, 7, 13, 15}, TestTensors.fromLayout(out, pool.outputShape(), layout));
        }
    }
}
