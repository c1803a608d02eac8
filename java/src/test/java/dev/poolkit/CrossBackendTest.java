package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random problems over every parameter (rank, layout, kernel, stride, dilation, asymmetric padding, ceil
 * mode, divisors, overrides, NaN policy, indices, channel and width remainders; coarse values that tie and fine
 * ones that round, NaN, infinities and signed zeros): native code at every level the CPU has must equal the Java
 * backend bit for bit, indices included.
 */
class CrossBackendTest {
    static final int PROBLEMS = 2500;

    static List<Isa> levels() {
        List<Isa> levels = new ArrayList<>();
        for (Isa isa : Isa.values()) if (isa.ordinal() <= Pooling.cpuIsa().ordinal()) levels.add(isa);
        return levels;
    }

    @ParameterizedTest(name = "native:{0} = java")
    @MethodSource("levels")
    void nativeEqualsJava(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom random = new SplittableRandom(20261122L + isa.ordinal());
        int run = 0;
        for (int problem = 0; problem < PROBLEMS; problem++) {
            Problem p = Problem.random(random);
            if (p == null) continue;
            run++;
            compare(p, isa, random);
        }
        // most random problems fit; a collapse here would mean the generator stopped testing anything
        assertTrue(run > PROBLEMS * 3 / 4, "only " + run + " problems ran");
    }

    private static void compare(Problem p, Isa isa, SplittableRandom random) {
        PreparedPool java = Pooling.prepare(p.spec, p.layout, p.shape, Backend.JAVA, null);
        PreparedPool nat = Pooling.prepare(p.spec, p.layout, p.shape, Backend.NATIVE, isa);
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = Tensor.allocate(arena, DType.F32, p.layout, p.shape);
            boolean specials = random.nextInt(4) == 0;
            // coarse values tie often (the tie rules); fine ones round in sums, so a reordered sum differs
            boolean fine = random.nextInt(3) == 0;
            for (long i = 0; i < in.elementCount(); i++) {
                float v = fine
                        ? random.nextInt(-1_000_000, 1_000_001) / 7919f
                        : random.nextInt(-8, 9) * (random.nextBoolean() ? 1f : 0.25f);
                if (specials) {
                    int r = random.nextInt(20);
                    v = r == 0 ? Float.NaN : r == 1 ? Float.POSITIVE_INFINITY : r == 2 ? Float.NEGATIVE_INFINITY : v;
                    if (r >= 3 && r <= 6) v = random.nextBoolean() ? -0f : 0f; // signed zeros: which tie wins shows
                }
                in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
            }
            boolean withIndices = p.spec.op() == PoolOp.MAX && random.nextBoolean();
            Tensor javaOut = java.allocateOutput(arena), nativeOut = nat.allocateOutput(arena);
            Tensor javaIdx = withIndices ? java.allocateIndices(arena) : null,
                    nativeIdx = withIndices ? nat.allocateIndices(arena) : null;
            java.run(in, javaOut, javaIdx);
            nat.run(in, nativeOut, nativeIdx);
            assertNull(firstDifference(nativeOut, nativeIdx, javaOut, javaIdx), () -> nat.toString());
        }
    }

    static String firstDifference(Tensor out, Tensor idx, Tensor refOut, Tensor refIdx) {
        for (long i = 0; i < out.elementCount(); i++) {
            float a = out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i),
                    b = refOut.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!TestTensors.sameFloat(a, b)) return "element " + i + ": " + a + " vs " + b;
            if (idx != null) {
                long x = idx.segment().getAtIndex(ValueLayout.JAVA_LONG, i),
                        y = refIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, i);
                if (x != y) return "index " + i + ": " + x + " vs " + y;
            }
        }
        return null;
    }

    /** A random problem whose spec is valid for its shape, or null when the drawn window does not fit. */
    record Problem(PoolSpec spec, Layout layout, long[] shape) {
        static final long[] CHANNELS = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67};

        static Problem random(SplittableRandom r) {
            int rank = r.nextInt(1, 4);
            long[] shape = new long[rank + 2],
                    kernel = new long[rank],
                    stride = new long[rank],
                    dilation = new long[rank],
                    begin = new long[rank],
                    end = new long[rank];
            shape[0] = r.nextInt(1, 3);
            shape[1] = CHANNELS[r.nextInt(CHANNELS.length)];
            boolean max = r.nextBoolean(), ceil = r.nextBoolean();
            for (int i = 0; i < rank; i++) {
                shape[i + 2] = r.nextInt(1, rank == 3 ? 10 : rank == 2 ? 41 : 71);
                kernel[i] = r.nextInt(1, 5);
                stride[i] = r.nextInt(4) == 0 ? r.nextInt(3, 6) : r.nextInt(1, 3);
                dilation[i] = r.nextInt(4) == 0 ? r.nextInt(2, 4) : 1;
                long effective = dilation[i] * (kernel[i] - 1) + 1;
                begin[i] = r.nextInt((int) effective);
                end[i] = r.nextInt(3) == 0 ? r.nextInt((int) effective) : begin[i];
                if (Pooling.outputSize(shape[i + 2], kernel[i], stride[i], dilation[i], begin[i], end[i], ceil) < 1)
                    return null;
            }
            PoolSpec.Builder b = (max ? PoolSpec.max(kernel) : PoolSpec.avg(kernel))
                    .stride(stride)
                    .dilation(dilation)
                    .padding(begin, end)
                    .ceilMode(ceil)
                    .conventions(Conventions.ONNX);
            if (max) {
                b.nanPolicy(r.nextBoolean() ? NanPolicy.PROPAGATE : NanPolicy.IGNORE);
            } else {
                b.divisor(AvgDivisor.values()[r.nextInt(3)]);
                if (r.nextInt(6) == 0) b.divisorOverride(r.nextInt(1, 8));
            }
            return new Problem(b.build(), r.nextBoolean() ? Layout.NCHW : Layout.NHWC, shape);
        }
    }

    @ParameterizedTest(name = "cross-check backend on {0}")
    @MethodSource("levels")
    void crossCheckBackendAgreesOnRandomProblems(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom random = new SplittableRandom(7L + isa.ordinal());
        for (int problem = 0; problem < 200; problem++) {
            Problem p = Problem.random(random);
            if (p == null) continue;
            PreparedPool checked = Pooling.prepare(p.spec, p.layout, p.shape, Backend.CROSS_CHECK, isa);
            float[] data = new float[(int) TestTensors.count(p.shape)];
            for (int i = 0; i < data.length; i++) data[i] = random.nextInt(-100, 100);
            Tensor out = Tensor.of(
                    new float[(int) TestTensors.count(checked.outputShape())], p.layout, checked.outputShape());
            checked.run(Tensor.of(data, p.layout, p.shape), out, null); // throws on the first difference
            assertEquals(Backend.CROSS_CHECK, checked.backend());
        }
    }
}
