package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Executable specification of the family's semantics, on every backend: identities that tie each op to another
 * formulation computed independently here (a convolution, a negated max, a sliding window, a sum of powers, the
 * adjoint of a linear map, finite differences), plus reproducibility and the error contract of unpooling.
 */
class FamilySemanticsTest {

    static Iterable<TestTensors.Target> targets() {
        return TestTensors.targets();
    }

    private static float[] randomInput(long[] shape, long seed, boolean positive) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[(int) TestTensors.count(shape)];
        for (int i = 0; i < x.length; i++) x[i] = (r.nextInt(positive ? 1 : -32, 33)) / 8f;
        return x;
    }

    private static float[] run(TestTensors.Target t, PoolSpec spec, long[] shape, float[] input, long[] indices) {
        PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
        float[] out = new float[(int) TestTensors.count(pool.outputShape())];
        Tensor idx =
                indices == null ? null : Tensor.i64(MemorySegment.ofArray(indices), Layout.NCHW, pool.outputShape());
        pool.run(Tensor.of(input, Layout.NCHW, shape), Tensor.of(out, Layout.NCHW, pool.outputShape()), idx);
        return out;
    }

    /** Average pooling (count_include_pad) is a depthwise convolution with zero padding and a constant 1/(kh*kw) kernel. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void averagePoolingIsAConvolutionWithAConstantKernel(TestTensors.Target t) {
        long[] shape = {2, 3, 9, 11};
        int kh = 3, kw = 2, sh = 2, sw = 1, ph = 1, pw = 1;
        float[] x = randomInput(shape, 1, false);
        float[] y = run(
                t,
                PoolSpec.avg(kh, kw)
                        .stride(sh, sw)
                        .padding(ph, pw)
                        .countIncludePad(true)
                        .build(),
                shape,
                x,
                null);
        int oh = (9 + 2 * ph - kh) / sh + 1, ow = (11 + 2 * pw - kw) / sw + 1, i = 0;
        for (int nc = 0; nc < 6; nc++) {
            for (int h = 0; h < oh; h++) {
                for (int w = 0; w < ow; w++) {
                    double conv = 0; // cross-correlation with weights 1/(kh*kw) over the zero-padded plane
                    for (int a = 0; a < kh; a++) {
                        for (int b = 0; b < kw; b++) {
                            int ih = h * sh - ph + a, iw = w * sw - pw + b;
                            if (ih >= 0 && ih < 9 && iw >= 0 && iw < 11)
                                conv += x[nc * 99 + ih * 11 + iw] * (1.0 / (kh * kw));
                        }
                    }
                    assertEquals(conv, y[i++], 1e-6, "output " + (i - 1));
                }
            }
        }
    }

    /** Min pooling is max pooling of the negated input, negated: values and indices, NaN included. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void minPoolingIsNegatedMaxOfNegated(TestTensors.Target t) {
        long[] shape = {1, 5, 13, 17};
        float[] x = randomInput(shape, 2, false), negated = new float[x.length];
        x[7] = Float.NaN;
        for (int i = 0; i < x.length; i++) negated[i] = -x[i];
        long[] minIdx = new long[5 * 7 * 9], maxIdx = new long[minIdx.length];
        float[] min = run(t, PoolSpec.min(3, 3).stride(2, 2).padding(1, 1).build(), shape, x, minIdx);
        float[] max = run(t, PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(), shape, negated, maxIdx);
        for (int i = 0; i < min.length; i++) assertTrue(TestTensors.sameFloat(min[i], -max[i]), "output " + i);
        assertArrayEquals(maxIdx, minIdx);
    }

    /** Global pooling is a window over the whole plane; adaptive pooling with sizes that divide is a regular window. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void globalAndAdaptiveAreSlidingWindowsWhenTheyCanBe(TestTensors.Target t) {
        long[] shape = {2, 4, 6, 12};
        float[] x = randomInput(shape, 3, false);
        assertArrayEquals(
                run(t, PoolSpec.avg(6, 12).build(), shape, x, null),
                run(t, PoolSpec.globalAvg(2).build(), shape, x, null));
        assertArrayEquals(
                run(t, PoolSpec.max(6, 12).build(), shape, x, null),
                run(t, PoolSpec.globalMax(2).build(), shape, x, null));
        long[] a = new long[2 * 4 * 3 * 4], b = new long[a.length];
        assertArrayEquals(
                run(t, PoolSpec.max(2, 3).build(), shape, x, a),
                run(t, PoolSpec.adaptiveMax(3, 4).build(), shape, x, b));
        assertArrayEquals(a, b);
        assertArrayEquals(
                run(t, PoolSpec.avg(2, 3).build(), shape, x, null),
                run(t, PoolSpec.adaptiveAvg(3, 4).build(), shape, x, null));
        // KEEP keeps an axis: adaptive to (3, KEEP) is a (2, 1) window
        assertArrayEquals(
                run(t, PoolSpec.avg(2, 1).build(), shape, x, null),
                run(t, PoolSpec.adaptiveAvg(3, PoolSpec.KEEP).build(), shape, x, null));
    }

    /** LP with p = 1 (ABS) sums |x|; p = infinity takes max |x|; p = 2 is the Euclidean norm of the window. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void lpPoolingIsANormOfTheWindow(TestTensors.Target t) {
        long[] shape = {1, 3, 8, 8};
        float[] x = randomInput(shape, 4, false);
        float[] one = run(t, PoolSpec.lp(1, 2, 2).lpForm(LpForm.ABS).build(), shape, x, null);
        float[] two = run(t, PoolSpec.lp(2, 2, 2).lpForm(LpForm.ABS).build(), shape, x, null);
        float[] inf = run(
                t,
                PoolSpec.lp(Double.POSITIVE_INFINITY, 2, 2).lpForm(LpForm.ABS).build(),
                shape,
                x,
                null);
        int i = 0;
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < 4; h++) {
                for (int w = 0; w < 4; w++, i++) {
                    double sum = 0, squares = 0, largest = 0;
                    for (int a = 0; a < 2; a++) {
                        for (int b = 0; b < 2; b++) {
                            double v = Math.abs(x[c * 64 + (2 * h + a) * 8 + 2 * w + b]);
                            sum += v;
                            squares += v * v;
                            largest = Math.max(largest, v);
                        }
                    }
                    assertEquals(sum, one[i], 1e-6);
                    assertEquals(Math.sqrt(squares), two[i], 1e-5);
                    assertEquals(largest, inf[i], 0);
                }
            }
        }
    }

    /** Fractional pooling from a seed is reproducible; another seed places the windows elsewhere. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void fractionalPoolingIsReproducible(TestTensors.Target t) {
        long[] shape = {2, 8, 25, 25};
        float[] x = randomInput(shape, 5, false);
        PoolSpec a = PoolSpec.fractionalMax(2, 2).outputRatio(0.5, 0.5).seed(11).build();
        long[] ia = new long[2 * 8 * 12 * 12], ib = new long[ia.length], ic = new long[ia.length];
        run(t, a, shape, x, ia);
        run(t, PoolSpec.fractionalMax(2, 2).outputRatio(0.5, 0.5).seed(11).build(), shape, x, ib);
        run(t, PoolSpec.fractionalMax(2, 2).outputRatio(0.5, 0.5).seed(12).build(), shape, x, ic);
        assertArrayEquals(ia, ib);
        assertNotEquals(java.util.Arrays.toString(ia), java.util.Arrays.toString(ic));
    }

    /** Unpooling puts every max back where it came from and zeros elsewhere; bad indices fail without stray writes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void unpoolingInvertsMaxPoolingPositions(TestTensors.Target t) {
        long[] shape = {2, 3, 7, 9};
        float[] x = randomInput(shape, 6, false);
        PoolSpec pool = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(); // overlapping windows: duplicate indices
        long[] idx = new long[2 * 3 * 4 * 5];
        float[] y = run(t, pool, shape, x, idx);
        PreparedUnpool unpool = Pooling.prepareUnpool(
                UnpoolSpec.inverseOf(pool).outputSize(7, 9).build(),
                Layout.NCHW,
                new long[] {2, 3, 4, 5},
                t.backend(),
                t.isa());
        assertArrayEquals(shape, unpool.outputShape());
        float[] back = new float[x.length];
        unpool.run(
                Tensor.of(y, Layout.NCHW, 2, 3, 4, 5),
                Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, 2, 3, 4, 5),
                Tensor.of(back, Layout.NCHW, shape));
        boolean[] hit = new boolean[x.length];
        for (int i = 0; i < idx.length; i++) hit[(int) (i / 20 * 63 + idx[i])] = true;
        for (int i = 0; i < x.length; i++) assertEquals(hit[i] ? x[i] : 0f, back[i], "position " + i);

        long[] bad = idx.clone();
        bad[5] = 63; // one past the plane
        float[] untouched = new float[x.length];
        java.util.Arrays.fill(untouched, 42f);
        PoolingException e = assertThrows(
                PoolingException.class,
                () -> unpool.run(
                        Tensor.of(y, Layout.NCHW, 2, 3, 4, 5),
                        Tensor.i64(MemorySegment.ofArray(bad), Layout.NCHW, 2, 3, 4, 5),
                        Tensor.of(untouched, Layout.NCHW, shape)));
        assertEquals(PoolingException.INVALID_INDEX, e.status());
        for (float v : untouched) assertEquals(42f, v, "an invalid index must stop the run before any write");

        long[] conflicting = idx.clone();
        float[] values = y.clone();
        conflicting[1] = conflicting[0];
        values[1] = values[0] + 1;
        e = assertThrows(
                PoolingException.class,
                () -> unpool.run(
                        Tensor.of(values, Layout.NCHW, 2, 3, 4, 5),
                        Tensor.i64(MemorySegment.ofArray(conflicting), Layout.NCHW, 2, 3, 4, 5),
                        Tensor.of(new float[x.length], Layout.NCHW, shape)));
        assertEquals(PoolingException.CONFLICTING_INDEX, e.status());
    }

    /** Average pooling is linear, so its backward is its adjoint: <g, avg(x)> = <avg'(g), x>. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void averageBackwardIsTheAdjoint(TestTensors.Target t) {
        long[] shape = {1, 4, 10, 7};
        for (PoolSpec spec : new PoolSpec[] {
            PoolSpec.avg(3, 3).stride(2, 1).padding(1, 1).ceilMode(true).build(),
            PoolSpec.avg(3, 2).stride(2, 2).padding(1, 0).countIncludePad(false).build(),
            PoolSpec.avg(2, 2).divisorOverride(3).build(),
            PoolSpec.adaptiveAvg(4, 3).build()
        }) {
            PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
            float[] x = randomInput(shape, 7, false), g = randomInput(pool.outputShape(), 8, false);
            float[] y = run(t, spec, shape, x, null), gradIn = new float[x.length];
            pool.backward(Tensor.of(g, Layout.NCHW, pool.outputShape()), Tensor.of(gradIn, Layout.NCHW, shape));
            double left = 0, right = 0;
            for (int i = 0; i < y.length; i++) left += (double) g[i] * y[i];
            for (int i = 0; i < x.length; i++) right += (double) gradIn[i] * x[i];
            assertEquals(left, right, 1e-4 * (1 + Math.abs(left)), spec.toString());
        }
    }

    /** Max backward sends each gradient to its argmax: the input gradient sums to the output gradient, in place. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void maxBackwardFollowsTheIndices(TestTensors.Target t) {
        long[] shape = {1, 2, 9, 9};
        PoolSpec spec = PoolSpec.max(3, 3)
                .stride(2, 2)
                .indexFormat(IndexFormat.FLAT_COLUMN_MAJOR)
                .build();
        PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
        float[] x = randomInput(shape, 9, false),
                g = randomInput(pool.outputShape(), 10, false),
                gradIn = new float[x.length];
        long[] idx = new long[g.length];
        run(t, spec, shape, x, idx);
        pool.backward(
                Tensor.of(g, Layout.NCHW, pool.outputShape()),
                Tensor.of(gradIn, Layout.NCHW, shape),
                Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, pool.outputShape()));
        float[] expected = new float[x.length];
        for (int i = 0; i < idx.length; i++) { // column-major inside each (n, c) plane: h fastest
            long plane = i / 16, q = idx[i] - plane * 81, h = q % 9, w = q / 9;
            expected[(int) (plane * 81 + h * 9 + w)] += g[i];
        }
        assertArrayEquals(expected, gradIn);
    }

    /** LP backward against central differences of the forward, in both forms, on positive inputs. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void lpBackwardMatchesFiniteDifferences(TestTensors.Target t) {
        long[] shape = {1, 2, 5, 5};
        for (PoolSpec spec : new PoolSpec[] {
            PoolSpec.lp(2, 2, 2).stride(1, 1).build(),
            PoolSpec.lp(3, 3, 3).stride(2, 2).ceilMode(true).build(),
            PoolSpec.lp(1.5, 2, 3).stride(1, 2).lpForm(LpForm.ABS).padding(1, 1).build()
        }) {
            PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
            float[] x = randomInput(shape, 12, true), g = randomInput(pool.outputShape(), 13, false);
            for (int i = 0; i < x.length; i++) x[i] += 0.5f;
            float[] y = run(t, spec, shape, x, null), gradIn = new float[x.length];
            pool.backward(
                    Tensor.of(g, Layout.NCHW, pool.outputShape()),
                    Tensor.of(gradIn, Layout.NCHW, shape),
                    Tensor.of(x, Layout.NCHW, shape),
                    Tensor.of(y, Layout.NCHW, pool.outputShape()),
                    null);
            for (int i = 0; i < x.length; i++) {
                float h = 1f / 64;
                float[] plus = x.clone(), minus = x.clone();
                plus[i] += h;
                minus[i] -= h;
                float[] yp = run(t, spec, shape, plus, null), ym = run(t, spec, shape, minus, null);
                double numeric = 0;
                for (int o = 0; o < g.length; o++) numeric += g[o] * ((double) yp[o] - ym[o]) / (2 * h);
                assertEquals(numeric, gradIn[i], 2e-2 * (1 + Math.abs(numeric)), spec + " input " + i);
            }
        }
    }

    /**
     * TensorFlow SAME average pooling averages only in-bounds taps: [[1,2,3],[4,5,6],[7,8,9]], 2x2 stride 2 gives
     * [[3, 4.5], [7.5, 9]] (tensorflow/tensorflow#60509); max gives [[5, 6], [8, 9]] with CHANNELS_LAST indices.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void tensorflowSamePadding(TestTensors.Target t) {
        long[] shape = {1, 1, 3, 3};
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        PoolSpec avg = PoolSpec.avg(2, 2)
                .autoPad(AutoPad.SAME_UPPER)
                .conventions(Conventions.TENSORFLOW)
                .build();
        assertArrayEquals(new float[] {3, 4.5f, 7.5f, 9}, run(t, avg, shape, x, null));
        PoolSpec max = PoolSpec.max(2, 2)
                .autoPad(AutoPad.SAME_UPPER)
                .conventions(Conventions.TENSORFLOW)
                .build();
        long[] idx = new long[4];
        assertArrayEquals(new float[] {5, 6, 8, 9}, run(t, max, shape, x, idx));
        assertArrayEquals(new long[] {4, 5, 7, 8}, idx); // (h*W + w)*C + c with C = 1
    }

    /** Unpooling into a crop of a bigger NHWC buffer, from a channel slice, equals unpooling densely; the rest is untouched. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void unpoolingOnStridedViews(TestTensors.Target t) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            long[] pooled = {1, 3, 3, 4};
            SplittableRandom r = new SplittableRandom(14);
            Tensor bigValues = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 5, 3, 4);
            Tensor bigIndices = Tensor.allocate(arena, DType.I64, Layout.NHWC, 1, 5, 3, 4);
            float[] dense = new float[36];
            long[] denseIdx = new long[36];
            for (int i = 0; i < 36; i++) { // logical order n, c, h, w; a distinct position per (c, h, w) of a 6x8 plane
                int c = i / 12, h = i / 4 % 3, w = i % 4;
                dense[i] = r.nextInt(1, 50);
                denseIdx[i] = (2 * h + r.nextInt(2)) * 8 + 2 * w + r.nextInt(2);
                long at = ((long) h * 4 + w) * 5 + c + 1; // channels 1..3 of 5
                bigValues.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, at, dense[i]);
                bigIndices.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, at, denseIdx[i]);
            }
            Tensor values = bigValues.sliceChannels(1, 4), indices = bigIndices.sliceChannels(1, 4);
            Tensor bigOut = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 3, 9, 10);
            bigOut.segment().fill((byte) 0x7f);
            Tensor out = bigOut.crop(new long[] {2, 1}, new long[] {6, 8});
            UnpoolSpec spec = UnpoolSpec.of(2, 2).build();
            Pooling.prepareUnpool(spec, values, out, t.backend(), t.isa()).run(values, indices, out);
            float[] expected = new float[3 * 6 * 8];
            Pooling.prepareUnpool(spec, Layout.NCHW, pooled, t.backend(), t.isa())
                    .run(
                            Tensor.of(dense, Layout.NCHW, pooled),
                            Tensor.i64(MemorySegment.ofArray(denseIdx), Layout.NCHW, pooled),
                            Tensor.of(expected, Layout.NCHW, 1, 3, 6, 8));
            for (int h = 0; h < 9; h++) {
                for (int w = 0; w < 10; w++) {
                    for (int c = 0; c < 3; c++) {
                        float got = bigOut.segment()
                                .getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, ((long) h * 10 + w) * 3 + c);
                        boolean inside = h >= 2 && h < 8 && w >= 1 && w < 9;
                        float want = inside ? expected[(c * 6 + h - 2) * 8 + w - 1] : Float.intBitsToFloat(0x7f7f7f7f);
                        assertEquals(want, got, "h=" + h + " w=" + w + " c=" + c);
                    }
                }
            }
        }
    }
}
