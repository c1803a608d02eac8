package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A property test over the whole public surface: {@value #CASES} random problems per run (every op and window rule,
 * valid and invalid parameters, both layouts, dense tensors and cropped views, every native level, inputs full of
 * special values: NaNs of every sign and payload, infinities, signed zeros, subnormals, huge values) and random,
 * partly invalid, indices for unpooling. Native and Java must give the same bits (values and indices) or throw the
 * same exception. NaN results compare as the README specifies them: bit for bit for max, min and LP (the canonical
 * NaN), as any NaN for averages.
 */
class PropertyTest {
    static final int CASES = 100_000;
    private static final long[] CHANNELS = {1, 2, 3, 5, 8, 16, 17};

    @Test
    void nativeEqualsJavaOrBothRefuse() {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        List<Isa> levels = CrossBackendTest.levels();
        SplittableRandom r = new SplittableRandom(Long.getLong("poolkit.property.seed", 20261204L));
        int compared = 0, refused = 0;
        for (int c = 0; c < CASES; c++) {
            Isa isa = levels.get(r.nextInt(levels.size()));
            long seed = r.nextLong();
            try {
                if (new SplittableRandom(seed).nextInt(10) == 0) {
                    if (unpoolCase(new SplittableRandom(seed), isa)) compared++;
                    else refused++;
                } else {
                    if (poolCase(new SplittableRandom(seed), isa)) compared++;
                    else refused++;
                }
            } catch (AssertionError e) {
                throw new AssertionError("case " + c + " (seed " + seed + ", " + isa + "): " + e.getMessage(), e);
            }
        }
        System.out.println("property test: " + CASES + " cases, " + compared + " ran on both backends, " + refused
                + " refused by both");
        assertTrue(
                compared > CASES * 3 / 10 && refused > CASES / 50,
                compared + " ran, " + refused + " refused: both outcomes must be drawn");
    }

    /** The outcome of an action: null when it ran, else the exception's class and status. */
    private static String outcome(Runnable action) {
        try {
            action.run();
            return null;
        } catch (IllegalArgumentException | UnsupportedOperationException | PoolingException e) {
            return e.getClass().getSimpleName() + (e instanceof PoolingException p ? " status " + p.status() : "");
        }
    }

    private static <T> Object attempt(Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | UnsupportedOperationException | PoolingException e) {
            return e.getClass().getSimpleName() + (e instanceof PoolingException p ? " status " + p.status() : "");
        }
    }

    private static PoolSpec.Builder randomSpec(SplittableRandom r, int rank) {
        long[] k = new long[rank],
                s = new long[rank],
                d = new long[rank],
                pb = new long[rank],
                pe = new long[rank],
                out = new long[rank];
        boolean invalid = r.nextInt(8) == 0;
        for (int i = 0; i < rank; i++) {
            k[i] = r.nextInt(invalid ? 0 : 1, 5);
            s[i] = r.nextInt(invalid ? 0 : 1, 4);
            d[i] = r.nextInt(4) == 0 ? r.nextInt(invalid ? 0 : 1, 4) : 1;
            long effective = Math.max(1, d[i] * (k[i] - 1) + 1);
            pb[i] = r.nextInt((int) (invalid ? effective + 2 : (effective + 1) / 2 + 1));
            pe[i] = r.nextBoolean() ? pb[i] : r.nextInt((int) (invalid ? effective + 2 : (effective + 1) / 2 + 1));
            out[i] = r.nextInt(invalid ? 0 : 1, 7);
        }
        Conventions conventions = Conventions.values()[r.nextInt(Conventions.values().length)];
        PoolSpec.Builder b = switch (r.nextInt(12)) {
            case 0, 1 -> PoolSpec.max(k).stride(s).dilation(d).padding(pb, pe).ceilMode(r.nextBoolean());
            case 2 -> PoolSpec.min(k).stride(s).dilation(d).padding(pb, pe).ceilMode(r.nextBoolean());
            case 3, 4 -> {
                PoolSpec.Builder a = PoolSpec.avg(k)
                        .stride(s)
                        .dilation(d)
                        .padding(pb, pe)
                        .ceilMode(r.nextBoolean())
                        .divisor(AvgDivisor.values()[r.nextInt(3)]);
                yield r.nextInt(6) == 0 ? a.divisorOverride(r.nextInt(invalid ? -1 : 1, 9)) : a;
            }
            case 5 ->
                PoolSpec.lp(new double[] {1, 2, 3.5, Double.POSITIVE_INFINITY}[r.nextInt(4)], k)
                        .stride(s)
                        .dilation(d)
                        .padding(pb, pe)
                        .lpForm(LpForm.ABS);
            case 6 ->
                PoolSpec.lp(new double[] {1, 2, 3}[r.nextInt(3)], k).stride(s).lpForm(LpForm.PYTORCH);
            case 7 -> r.nextBoolean() ? PoolSpec.globalMax(rank) : PoolSpec.globalAvg(rank);
            case 8 -> PoolSpec.adaptiveMax(out);
            case 9 -> PoolSpec.adaptiveAvg(out);
            default -> PoolSpec.fractionalMax(k).outputSize(out).seed(r.nextLong());
        };
        b.conventions(conventions);
        if (r.nextInt(3) == 0) b.nanPolicy(NanPolicy.values()[r.nextInt(2)]);
        if (r.nextInt(3) == 0) b.indexFormat(IndexFormat.values()[r.nextInt(IndexFormat.values().length)]);
        return b;
    }

    private static float special(SplittableRandom r) {
        return switch (r.nextInt(24)) {
            case 0 -> Float.intBitsToFloat(0x7f800001 + r.nextInt(0x7fffff)); // NaN, any payload, positive
            case 1 -> Float.intBitsToFloat(0xff800001 + r.nextInt(0x7fffff)); // negative NaN
            case 2 -> Float.NaN;
            case 3 -> Float.POSITIVE_INFINITY;
            case 4 -> Float.NEGATIVE_INFINITY;
            case 5 -> 0f;
            case 6 -> -0f;
            case 7 -> Float.intBitsToFloat(r.nextInt(1, 0x800000)) * (r.nextBoolean() ? 1 : -1); // subnormal
            case 8 -> Float.MAX_VALUE * (r.nextBoolean() ? 1 : -1);
            default -> r.nextInt(-1_000_000, 1_000_001) / 7919f;
        };
    }

    private static Tensor filled(Arena arena, Layout layout, long[] shape, SplittableRandom r, boolean specials) {
        Tensor t = Tensor.allocate(arena, DType.F32, layout, shape);
        for (long i = 0; i < t.elementCount(); i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, specials ? special(r) : r.nextInt(-8, 9) * 0.25f);
        }
        return t;
    }

    /** A dense tensor of {@code shape}, or a crop of a bigger one (a view with strides). */
    private static Tensor tensor(
            Arena arena, DType dtype, Layout layout, long[] shape, boolean view, SplittableRandom r) {
        if (!view) return Tensor.allocate(arena, dtype, layout, shape);
        long[] bigger = shape.clone(), begin = new long[shape.length - 2], size = new long[shape.length - 2];
        for (int i = 2; i < shape.length; i++) {
            begin[i - 2] = r.nextInt(3);
            bigger[i] = shape[i] + begin[i - 2] + r.nextInt(3);
            size[i - 2] = shape[i];
        }
        return Tensor.allocate(arena, dtype, layout, bigger).crop(begin, size);
    }

    private static long[] randomShape(SplittableRandom r, int rank) {
        long[] shape = new long[rank + 2];
        shape[0] = r.nextInt(1, 3);
        shape[1] = CHANNELS[r.nextInt(CHANNELS.length)];
        for (int i = 0; i < rank; i++) shape[i + 2] = r.nextInt(1, rank == 3 ? 6 : rank == 2 ? 10 : 18);
        return shape;
    }

    /** One forward problem on both backends; false when both refused it. */
    private static boolean poolCase(SplittableRandom r, Isa isa) {
        int rank = r.nextInt(1, 4);
        long[] shape = randomShape(r, rank);
        Layout layout = r.nextBoolean() ? Layout.NCHW : Layout.NHWC;
        Object built = attempt(() -> randomSpec(r, rank).build());
        if (!(built instanceof PoolSpec spec)) return false; // the builder refuses before any backend is involved
        boolean views = r.nextInt(3) == 0;
        try (Arena arena = Arena.ofConfined()) {
            Object outShape = attempt(() -> Pooling.outputShape(spec, shape));
            if (!(outShape instanceof long[] outputShape)) {
                Object java = attempt(() -> Pooling.prepare(spec, layout, shape, Backend.JAVA, null));
                Object nat = attempt(() -> Pooling.prepare(spec, layout, shape, Backend.NATIVE, isa));
                assertTrue(
                        java instanceof String && java.equals(nat),
                        spec + " on " + Arrays.toString(shape) + ": java " + java + ", native " + nat);
                return false;
            }
            Tensor input = tensor(arena, DType.F32, layout, shape, views, r);
            boolean specials = r.nextInt(3) != 0;
            for (long i = 0; i < input.segment().byteSize() / Float.BYTES; i++) {
                input.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, specials ? special(r) : r.nextInt(-8, 9) * 0.25f);
            }
            Tensor javaOut = tensor(arena, DType.F32, layout, outputShape, views, r);
            long[] strides = javaOut.strides(); // every output and index tensor shares them (prepared for this view)
            long bytes = javaOut.segment().byteSize();
            PreparedPool java = Pooling.prepare(spec, input, javaOut, Backend.JAVA, null);
            PreparedPool nat = Pooling.prepare(spec, input, javaOut, Backend.NATIVE, isa);
            boolean indexed = (spec.op() == PoolOp.MAX || spec.op() == PoolOp.MIN) && r.nextBoolean();
            Tensor nativeOut2 =
                    Tensor.f32(arena.allocate(bytes, 8), layout, outputShape).withStrides(strides);
            Tensor javaIdx = indexed
                    ? Tensor.i64(arena.allocate(bytes * 2, 8), layout, outputShape)
                            .withStrides(strides)
                    : null;
            Tensor nativeIdx = indexed
                    ? Tensor.i64(arena.allocate(bytes * 2, 8), layout, outputShape)
                            .withStrides(strides)
                    : null;
            Tensor ji = javaIdx;
            String javaOutcome = outcome(() -> java.run(input, javaOut, ji));
            String nativeOutcome = outcome(() -> nat.run(input, nativeOut2, nativeIdx));
            assertEquals(javaOutcome, nativeOutcome, () -> spec + ": outcomes differ");
            if (javaOutcome != null) return false;
            long count = TestTensors.count(outputShape);
            long[] coordinate = new long[outputShape.length];
            for (long e = 0; e < count; e++) {
                long at = 0;
                for (int i = 0; i < coordinate.length; i++) at += coordinate[i] * strides[i];
                int a = Float.floatToRawIntBits(javaOut.segment().getAtIndex(ValueLayout.JAVA_FLOAT, at));
                int b = Float.floatToRawIntBits(nativeOut2.segment().getAtIndex(ValueLayout.JAVA_FLOAT, at));
                // the README's NaN promise: canonical NaN bits for max, min and LP; any NaN for averages
                boolean anyNan = spec.op() == PoolOp.AVG
                        && Float.isNaN(Float.intBitsToFloat(a))
                        && Float.isNaN(Float.intBitsToFloat(b));
                if (a != b && !anyNan) {
                    fail(nat + " at " + Arrays.toString(coordinate) + ": java " + Integer.toHexString(a) + " ("
                            + Float.intBitsToFloat(a) + "), native " + Integer.toHexString(b) + " ("
                            + Float.intBitsToFloat(b) + ")");
                }
                if (indexed) {
                    long x = javaIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, at),
                            y = nativeIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, at);
                    if (x != y)
                        fail(nat + " index at " + Arrays.toString(coordinate) + ": java " + x + ", native " + y);
                }
                for (int i = coordinate.length - 1; i >= 0 && ++coordinate[i] == outputShape[i]; i--) coordinate[i] = 0;
            }
            return true;
        }
    }

    /** One unpooling problem with random, partly invalid, indices; false when both refused it. */
    private static boolean unpoolCase(SplittableRandom r, Isa isa) {
        int rank = r.nextInt(1, 4);
        long[] shape = randomShape(r, rank);
        Layout layout = r.nextBoolean() ? Layout.NCHW : Layout.NHWC;
        long[] k = new long[rank];
        for (int i = 0; i < rank; i++) k[i] = r.nextInt(1, 4);
        UnpoolSpec spec = UnpoolSpec.of(k)
                .indexFormat(IndexFormat.values()[r.nextInt(IndexFormat.values().length)])
                .build();
        PreparedUnpool java = Pooling.prepareUnpool(spec, layout, shape, Backend.JAVA, null);
        PreparedUnpool nat = Pooling.prepareUnpool(spec, layout, shape, Backend.NATIVE, isa);
        long outCount = TestTensors.count(java.outputShape()), count = TestTensors.count(shape);
        try (Arena arena = Arena.ofConfined()) {
            Tensor values = filled(arena, layout, shape, r, r.nextBoolean());
            Tensor indices = Tensor.allocate(arena, DType.I64, layout, shape);
            boolean distinct = r.nextInt(3) != 0; // a permutation's prefix: no conflicts unless drawn otherwise
            long[] targets = new long[(int) outCount];
            for (int i = 0; i < targets.length; i++) targets[i] = i;
            for (int i = targets.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                long t = targets[i];
                targets[i] = targets[j];
                targets[j] = t;
            }
            for (long i = 0; i < count; i++) {
                long index = distinct ? targets[(int) (i % outCount)] : r.nextLong(outCount);
                if (r.nextInt(200) == 0) index = r.nextBoolean() ? -1 : outCount + r.nextInt(3); // outside the output
                indices.segment().setAtIndex(ValueLayout.JAVA_LONG, i, index);
            }
            Tensor javaOut = java.allocateOutput(arena), nativeOut = nat.allocateOutput(arena);
            String javaOutcome = outcome(() -> java.run(values, indices, javaOut));
            String nativeOutcome = outcome(() -> nat.run(values, indices, nativeOut));
            assertEquals(
                    javaOutcome, nativeOutcome, () -> spec + " on " + Arrays.toString(shape) + ": outcomes differ");
            if (javaOutcome != null) return false;
            for (long i = 0; i < outCount; i++) {
                int a = Float.floatToRawIntBits(javaOut.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i));
                int b = Float.floatToRawIntBits(nativeOut.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i));
                assertEquals(a, b, () -> spec + ": unpooled element differs");
            }
            return true;
        }
    }
}
