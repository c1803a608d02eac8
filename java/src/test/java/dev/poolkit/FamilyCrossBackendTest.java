package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random problems over the whole family (max, min, average and LP; sliding, global, adaptive and fractional
 * windows; every index format) on dense tensors and on strided views (channel slices, crops, padded rows and
 * pixels, for input and output): native code at every level the CPU has must equal the Java backend, values bit
 * for bit (LP within a few ulps: each platform's pow rounds on its own) and indices exactly.
 */
class FamilyCrossBackendTest {
    static final int PROBLEMS = 1500;

    @ParameterizedTest(name = "native:{0} = java")
    @MethodSource("dev.poolkit.CrossBackendTest#levels")
    void nativeEqualsJava(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom random = new SplittableRandom(3141L + isa.ordinal());
        int run = 0, strided = 0;
        for (int problem = 0; problem < PROBLEMS; problem++) {
            PoolSpec spec = randomSpec(random);
            if (spec == null) continue;
            int rank = spec.rank();
            long[] shape = new long[rank + 2];
            shape[0] = random.nextInt(1, 3);
            shape[1] = CrossBackendTest.Problem.CHANNELS[random.nextInt(CrossBackendTest.Problem.CHANNELS.length)];
            for (int i = 0; i < rank; i++) shape[i + 2] = random.nextInt(1, rank == 3 ? 9 : rank == 2 ? 37 : 70);
            Layout layout = random.nextBoolean() ? Layout.NCHW : Layout.NHWC;
            long[] outShape;
            try {
                spec = withSamples(spec, shape, random);
                outShape = Pooling.outputShape(spec, shape);
            } catch (IllegalArgumentException doesNotFit) {
                continue;
            }
            boolean views = random.nextInt(3) == 0;
            run++;
            if (views) strided++;
            compare(spec, layout, shape, outShape, views, isa, random);
        }
        assertTrue(run > PROBLEMS / 2 && strided > run / 5, "only " + run + " problems ran, " + strided + " on views");
    }

    private static PoolSpec randomSpec(SplittableRandom r) {
        int rank = r.nextInt(1, 4);
        PoolOp op = PoolOp.values()[r.nextInt(4)];
        WindowRule rule = WindowRule.values()[r.nextInt(4)];
        if (rule == WindowRule.FRACTIONAL && (op == PoolOp.AVG || op == PoolOp.LP)) op = PoolOp.MAX;
        double p = new double[] {1, 2, 3, 0.5, 1.5, Double.POSITIVE_INFINITY}[r.nextInt(6)];
        long[] kernel = new long[rank], stride = new long[rank], out = new long[rank];
        for (int i = 0; i < rank; i++) {
            kernel[i] = r.nextInt(1, 5);
            stride[i] = r.nextInt(1, 4);
            out[i] = r.nextInt(4) == 0 ? PoolSpec.KEEP : r.nextInt(1, 9);
        }
        PoolSpec.Builder b = switch (rule) {
            case SLIDING ->
                (op == PoolOp.MAX
                                ? PoolSpec.max(kernel)
                                : op == PoolOp.MIN
                                        ? PoolSpec.min(kernel)
                                        : op == PoolOp.AVG ? PoolSpec.avg(kernel) : PoolSpec.lp(p, kernel))
                        .stride(stride);
            case GLOBAL ->
                op == PoolOp.MAX || op == PoolOp.MIN
                        ? PoolSpec.globalMax(rank)
                        : op == PoolOp.AVG ? PoolSpec.globalAvg(rank) : PoolSpec.globalLp(p, rank);
            case ADAPTIVE ->
                op == PoolOp.AVG || op == PoolOp.LP ? PoolSpec.adaptiveAvg(out) : PoolSpec.adaptiveMax(out);
            case FRACTIONAL ->
                PoolSpec.fractionalMax(kernel)
                        .outputSize(Arrays.stream(out).map(o -> Math.max(o, 1)).toArray());
        };
        if (rule == WindowRule.SLIDING && op == PoolOp.LP) b.lpForm(LpForm.values()[r.nextInt(2)]);
        if (rule == WindowRule.SLIDING && op == PoolOp.LP && Double.isInfinite(p)) b.lpForm(LpForm.ABS);
        if (rule == WindowRule.SLIDING && r.nextBoolean() && !(op == PoolOp.LP)) {
            long[] pad = new long[rank];
            for (int i = 0; i < rank; i++) pad[i] = r.nextInt((int) kernel[i] / 2 + 1);
            b.padding(pad).ceilMode(r.nextBoolean());
        }
        if (op == PoolOp.MAX || op == PoolOp.MIN) {
            b.nanPolicy(r.nextBoolean() ? NanPolicy.PROPAGATE : NanPolicy.IGNORE)
                    .indexFormat(IndexFormat.values()[r.nextInt(5)]);
        }
        if (rule == WindowRule.FRACTIONAL) b.seed(r.nextLong());
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Half the fractional specs use explicit samples for the shape instead of a seed. */
    private static PoolSpec withSamples(PoolSpec spec, long[] shape, SplittableRandom r) {
        if (spec.windowRule() != WindowRule.FRACTIONAL || r.nextBoolean()) return spec;
        float[] samples = new float[(int) (shape[0] * shape[1] * spec.rank())];
        for (int i = 0; i < samples.length; i++) samples[i] = (float) r.nextDouble() * 0.999f;
        return PoolSpec.fractionalMax(spec.kernel())
                .outputSize(spec.outputSize().orElseThrow())
                .samples(samples)
                .nanPolicy(spec.nanPolicy())
                .indexFormat(spec.indexFormat())
                .build();
    }

    private static void compare(
            PoolSpec spec, Layout layout, long[] shape, long[] outShape, boolean views, Isa isa, SplittableRandom r) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = view(arena, layout, shape, views, r), nativeOut = view(arena, layout, outShape, views, r);
            Tensor nativeIdx = null;
            boolean extremum = spec.op() == PoolOp.MAX || spec.op() == PoolOp.MIN;
            boolean withIndices = extremum && r.nextBoolean();
            if (withIndices) { // indices share the output's strides
                nativeIdx = Tensor.allocate(arena, DType.I64, layout, outShape);
                if (!nativeOut.isDense()) {
                    long[] st = nativeOut.strides();
                    long extent = 1;
                    for (int i = 0; i < st.length; i++) extent += st[i] * (outShape[i] - 1);
                    nativeIdx = Tensor.i64(arena.allocate(extent * Long.BYTES, 64), layout, outShape)
                            .withStrides(st);
                }
            }
            fill(in, r);
            PreparedPool java = Pooling.prepare(spec, layout, shape, Backend.JAVA, null);
            PreparedPool nat = Pooling.prepare(spec, in, nativeOut, Backend.NATIVE, isa);
            Tensor javaIn = Tensor.allocate(arena, DType.F32, layout, shape);
            copy(in, javaIn);
            Tensor javaOut = java.allocateOutput(arena), javaIdx = withIndices ? java.allocateIndices(arena) : null;
            java.run(javaIn, javaOut, javaIdx);
            nat.run(in, nativeOut, nativeIdx);
            assertNull(difference(spec, nativeOut, nativeIdx, javaOut, javaIdx), () -> nat + " on " + in);
        }
    }

    /** A dense tensor, or a view inside a bigger buffer: a channel slice, a crop, or padded strides. */
    static Tensor view(Arena arena, Layout layout, long[] shape, boolean strided, SplittableRandom r) {
        if (!strided) return Tensor.allocate(arena, DType.F32, layout, shape);
        long[] big = shape.clone();
        int kind = r.nextInt(3);
        if (kind == 0) {
            big[1] += r.nextInt(1, 5);
            long begin = r.nextInt((int) (big[1] - shape[1] + 1));
            return Tensor.allocate(arena, DType.F32, layout, big).sliceChannels(begin, begin + shape[1]);
        }
        if (kind == 1) {
            long[] begin = new long[shape.length - 2], size = new long[shape.length - 2];
            for (int i = 2; i < shape.length; i++) {
                big[i] += r.nextInt(0, 3);
                begin[i - 2] = r.nextInt((int) (big[i] - shape[i] + 1));
                size[i - 2] = shape[i];
            }
            return Tensor.allocate(arena, DType.F32, layout, big).crop(begin, size);
        }
        // padded strides: each stride a little larger than the dense one
        long[] dense = Tensor.allocate(arena, DType.F32, layout, shape).strides();
        long[] st = new long[shape.length];
        long extent = 1;
        Integer[] order = new Integer[shape.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Long.compare(dense[x], dense[y]));
        for (int k : order) {
            st[k] = extent + r.nextInt(0, 3);
            extent = st[k] * shape[k];
        }
        long last = 0;
        for (int i = 0; i < shape.length; i++) last += st[i] * (shape[i] - 1);
        return Tensor.f32(arena.allocate((last + 1) * Float.BYTES, 64), layout, shape)
                .withStrides(st);
    }

    private static long offset(Tensor t, long[] coordinate) {
        long[] st = t.strides();
        long o = 0;
        for (int i = 0; i < st.length; i++) o += coordinate[i] * st[i];
        return o;
    }

    /** Visits every logical coordinate (N, C, spatial...) of a shape. */
    private static void forEach(long[] shape, Consumer<long[]> action) {
        long[] c = new long[shape.length];
        long count = TestTensors.count(shape);
        for (long i = 0; i < count; i++) {
            action.accept(c);
            for (int k = shape.length - 1; k >= 0; k--) {
                if (++c[k] < shape[k]) break;
                c[k] = 0;
            }
        }
    }

    private static void fill(Tensor t, SplittableRandom r) {
        boolean specials = r.nextInt(4) == 0, positive = r.nextBoolean();
        forEach(t.shape(), c -> {
            float v = r.nextInt(positive ? 0 : -8, 9) * (r.nextBoolean() ? 1f : 0.25f);
            if (specials) {
                int k = r.nextInt(20);
                v = k == 0 ? Float.NaN : k == 1 ? Float.POSITIVE_INFINITY : k == 2 ? Float.NEGATIVE_INFINITY : v;
            }
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, offset(t, c), v);
        });
    }

    private static void copy(Tensor from, Tensor to) {
        forEach(
                from.shape(),
                c -> to.segment()
                        .setAtIndex(
                                ValueLayout.JAVA_FLOAT,
                                offset(to, c),
                                from.segment().getAtIndex(ValueLayout.JAVA_FLOAT, offset(from, c))));
    }

    private static String difference(PoolSpec spec, Tensor out, Tensor idx, Tensor refOut, Tensor refIdx) {
        String[] found = {null};
        forEach(out.shape(), c -> {
            if (found[0] != null) return;
            float a = out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, offset(out, c));
            float b = refOut.segment().getAtIndex(ValueLayout.JAVA_FLOAT, offset(refOut, c));
            boolean lpClose =
                    spec.op() == PoolOp.LP && Math.abs(a - b) <= 4 * Math.ulp(Math.max(Math.abs(a), Math.abs(b)));
            if (!TestTensors.sameFloat(a, b) && !lpClose)
                found[0] = "value at " + Arrays.toString(c) + ": " + a + " vs " + b;
            if (idx != null) {
                long x = idx.segment().getAtIndex(ValueLayout.JAVA_LONG, offset(idx, c));
                long y = refIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, offset(refIdx, c));
                if (x != y) found[0] = "index at " + Arrays.toString(c) + ": " + x + " vs " + y;
            }
        });
        return found[0];
    }
}
