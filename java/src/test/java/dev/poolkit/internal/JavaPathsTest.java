package dev.poolkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolkit.AvgDivisor;
import dev.poolkit.Backend;
import dev.poolkit.Conventions;
import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dense path of the Java backend, with the plain loops and with the Vector API's (when this JVM has the module),
 * equals the definition's paths bit for bit on seeded random problems: max, min and average, sliding and global
 * windows, both layouts, ranks 1 to 3, padding, ceil mode, dilation, divisors, NaN policies, signed zeros, NaN and
 * infinities, and runs split at arbitrary rows. The surefire execution with {@code --add-modules
 * jdk.incubator.vector} sets {@code test.poolkit.vector=true}, the one without it {@code false}.
 */
class JavaPathsTest {
    private static final long[] CHANNELS = {1, 2, 3, 7, 8, 9, 16, 17, 33, 64};

    @Test
    void theVectorApiIsUsedExactlyWhenTheModuleIsPresent() {
        String expected = System.getProperty("test.poolkit.vector");
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (expected != null) assertEquals(Boolean.parseBoolean(expected), present, "the test JVM's modules");
        assertEquals(present, JavaLanes.vector().isPresent());
        assertEquals(present ? "vector" : "scalar", JavaLanes.preferred().name());
        String name = Pooling.prepare(
                        PoolSpec.max(2, 2).build(), Layout.NHWC, new long[] {1, 4, 8, 8}, Backend.JAVA, null)
                .implementation();
        assertEquals("java:" + JavaLanes.preferred().name(), name);
        // outside the dense path (LP pooling) the scalar definition runs, and says so
        assertEquals(
                "java:scalar",
                Pooling.prepare(PoolSpec.lp(2, 2, 2).build(), Layout.NHWC, new long[] {1, 4, 8, 8}, Backend.JAVA, null)
                        .implementation());
    }

    @Test
    void densePathEqualsTheDefinition() {
        List<JavaLanes> loops = new ArrayList<>(List.of(JavaLanes.SCALAR));
        JavaLanes.vector().ifPresent(loops::add);
        SplittableRandom random = new SplittableRandom(20261205L);
        int dense = 0, problems = 1500;
        for (int i = 0; i < problems; i++) {
            Problem p = Problem.random(random);
            if (p == null) continue;
            dense += check(p, loops, random);
        }
        // most problems take the dense path; a collapse would mean it stopped being tested
        assertTrue(dense > problems * loops.size() / 2, "only " + dense + " runs took the dense path");
    }

    /**
     * The paths the random problems reach rarely or never, at the standard shapes' structure on smaller tensors:
     * channels-first 3d planes too large for padded images (line by line, stride 2 along w), channels-first large
     * planes with padding (border positions), channels-last global windows and padded lines, channels-first global
     * windows of more planes than a vector has lanes, padded images with strides along w (taps gathered at the
     * outputs' positions where the loops gather), max and min of windows two wide with stride two along w over
     * padded images and straight from large planes (pairs), and three wide (triples).
     */
    @Test
    void densePathEqualsTheDefinitionOnStandardStructures() {
        List<JavaLanes> loops = new ArrayList<>(List.of(JavaLanes.SCALAR));
        JavaLanes.vector().ifPresent(loops::add);
        SplittableRandom random = new SplittableRandom(20261206L);
        List<Problem> problems = new ArrayList<>();
        for (PoolOp op : List.of(PoolOp.MAX, PoolOp.MIN, PoolOp.AVG)) {
            for (Layout layout : Layout.values()) {
                PoolSpec video = builder(op, 2, 2, 2).stride(2, 2, 2).build();
                problems.add(new Problem(video, layout, new long[] {1, 3, 6, 40, 41}));
                PoolSpec stem = builder(op, 3, 3).stride(2, 2).padding(1, 1).build();
                problems.add(new Problem(stem, layout, new long[] {1, 3, 70, 71}));
                PoolSpec inception =
                        builder(op, 3, 3).stride(1, 1).padding(1, 1).build();
                problems.add(new Problem(inception, layout, new long[] {1, 19, 28, 28}));
                // padded images with stride 2 and output lines a vector long or more: taps gathered per line
                PoolSpec batched = builder(op, 2, 2).stride(2, 2).build();
                problems.add(new Problem(batched, layout, new long[] {2, 5, 56, 56}));
                problems.add(new Problem(stem, layout, new long[] {1, 4, 40, 41}));
                PoolSpec dilated = builder(op, 2, 3)
                        .stride(2, 3)
                        .dilation(1, 2)
                        .padding(0, 2)
                        .build();
                problems.add(new Problem(dilated, layout, new long[] {1, 3, 9, 100}));
                // max and min of windows two wide with stride two along w over padded images, each line by pairs:
                // lines of 4 (S6), lines of a vector, fours and the last few, padding and ceil mode, 3d windows
                PoolSpec pairs = builder(op, 2, 2).stride(2, 2).build();
                problems.add(new Problem(pairs, layout, new long[] {1, 16, 8, 8}));
                problems.add(new Problem(pairs, layout, new long[] {2, 3, 10, 75}));
                PoolSpec paddedPairs = builder(op, 3, 2)
                        .stride(1, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .build();
                problems.add(new Problem(paddedPairs, layout, new long[] {1, 5, 9, 23}));
                PoolSpec pairs3d = builder(op, 2, 2, 2).stride(2, 2, 2).build();
                problems.add(new Problem(pairs3d, layout, new long[] {1, 3, 4, 6, 26}));
                // planes too large for padded images (S2, S7), lines by pairs straight from the input: lines of two
                // vectors, four and one more; a window row in the padding along h
                problems.add(new Problem(pairs, layout, new long[] {1, 3, 70, 75}));
                PoolSpec rowPaddedPairs =
                        builder(op, 2, 2).stride(2, 2).padding(1, 0).build();
                problems.add(new Problem(rowPaddedPairs, layout, new long[] {1, 2, 71, 74}));
                // max and min of windows three wide with stride two along w straight from large planes (triples):
                // no padding and ceil mode (the element before a stretch inside the row), lines of a vector and one
                // more, 3d windows, a window row in the padding along h
                PoolSpec triples = builder(op, 3, 3).stride(2, 2).ceilMode(true).build();
                problems.add(new Problem(triples, layout, new long[] {1, 2, 66, 67}));
                problems.add(new Problem(stem, layout, new long[] {1, 2, 64, 33}));
                PoolSpec triples3d =
                        builder(op, 2, 3, 3).stride(1, 2, 2).padding(1, 1, 0).build();
                problems.add(new Problem(triples3d, layout, new long[] {1, 2, 3, 62, 70}));
                // stride 1 along w over padded images or unpadded planes, every output in place: lines three at a
                // time where they are consecutive rows (sums of windows three wide: window rows 3 and 2, lines not a
                // multiple of three, lines shorter than a vector, of one vector and one more, ceil mode), and one at a
                // time where they are not (stride 2 along h, dilation along h, 3d windows, windows two wide)
                PoolSpec same = builder(op, 3, 3).stride(1, 1).build();
                problems.add(new Problem(same, layout, new long[] {2, 3, 9, 13}));
                PoolSpec rowsOfTwo =
                        builder(op, 2, 3).stride(1, 1).padding(1, 1).build();
                problems.add(new Problem(rowsOfTwo, layout, new long[] {1, 5, 10, 17}));
                PoolSpec narrow = builder(op, 3, 3)
                        .stride(1, 1)
                        .padding(1, 1)
                        .ceilMode(true)
                        .build();
                problems.add(new Problem(narrow, layout, new long[] {1, 6, 12, 5}));
                problems.add(new Problem(narrow, layout, new long[] {1, 2, 7, 33}));
                PoolSpec tallStride =
                        builder(op, 3, 3).stride(2, 1).padding(1, 1).build();
                problems.add(new Problem(tallStride, layout, new long[] {1, 4, 15, 20}));
                PoolSpec tallDilation = builder(op, 3, 3)
                        .stride(1, 1)
                        .dilation(2, 1)
                        .padding(2, 1)
                        .build();
                problems.add(new Problem(tallDilation, layout, new long[] {1, 3, 11, 16}));
                PoolSpec cube =
                        builder(op, 3, 3, 3).stride(1, 1, 1).padding(1, 1, 1).build();
                problems.add(new Problem(cube, layout, new long[] {1, 2, 4, 6, 9}));
                PoolSpec pair = builder(op, 3, 2).stride(1, 1).padding(1, 1).build();
                problems.add(new Problem(pair, layout, new long[] {1, 3, 8, 18}));
                if (op == PoolOp.AVG) {
                    PoolSpec included = PoolSpec.avg(3, 3)
                            .stride(1, 1)
                            .padding(1, 1)
                            .countIncludePad(true)
                            .build();
                    problems.add(new Problem(included, layout, new long[] {1, 7, 14, 14}));
                    PoolSpec overridden = PoolSpec.avg(3, 3)
                            .stride(1, 1)
                            .padding(1, 1)
                            .divisorOverride(7)
                            .build();
                    problems.add(new Problem(overridden, layout, new long[] {1, 3, 16, 16}));
                }
                PoolSpec global = op == PoolOp.MAX
                        ? PoolSpec.globalMax(2).build()
                        : op == PoolOp.AVG ? PoolSpec.globalAvg(2).build() : null;
                if (global != null) {
                    // sums of planes of a vector's elements or more transposed: 49 positions (S5's 7x7: whole
                    // chunks and one gathered), 32 (whole chunks only), 81, and 15 (chunks of eight lanes only)
                    problems.add(new Problem(global, layout, new long[] {1, 71, 7, 7}));
                    problems.add(new Problem(global, layout, new long[] {2, 37, 3, 5}));
                    problems.add(new Problem(global, layout, new long[] {1, 33, 4, 8}));
                    problems.add(new Problem(global, layout, new long[] {1, 20, 9, 9}));
                }
            }
        }
        int dense = 0;
        for (Problem p : problems) {
            for (int fill = 0; fill < 3; fill++) dense += check(p, loops, random);
        }
        assertEquals(problems.size() * 3 * loops.size(), dense, "runs that took the dense path");
    }

    private static PoolSpec.Builder builder(PoolOp op, long... kernel) {
        return op == PoolOp.MAX ? PoolSpec.max(kernel) : op == PoolOp.MIN ? PoolSpec.min(kernel) : PoolSpec.avg(kernel);
    }

    /** Runs the problem by the definition and by the dense path of each of the loops; the runs that took it. */
    private static int check(Problem p, List<JavaLanes> loops, SplittableRandom random) {
        Geometry g = Geometry.of(p.spec, p.layout, p.shape);
        JavaKernel definition = new JavaKernel(g, JavaLanes.SCALAR, false);
        int dense = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(g.inputCount * Float.BYTES);
            fill(in, g.inputCount, random);
            MemorySegment expected = arena.allocate(g.outputCount * Float.BYTES);
            definition.run(in, expected, null, 0, g.rows);
            for (JavaLanes lanes : loops) {
                JavaKernel kernel = new JavaKernel(g, lanes, true);
                if (!kernel.usesDensePath()) continue;
                dense++;
                MemorySegment out = arena.allocate(g.outputCount * Float.BYTES);
                out.fill((byte) 0x55);
                long split = random.nextLong(g.rows + 1); // two pieces, as a shared run cuts them
                kernel.run(in, out, null, 0, split);
                kernel.run(in, out, null, split, g.rows);
                String where = p + " with " + lanes.name() + " loops, split at row " + split;
                assertNull(firstDifference(g, expected, out), where);
            }
        }
        return dense;
    }

    /**
     * Global sums plane by plane ({@link JavaLanes#foldPlanes}), with the plain loops and the Vector API's (transposed
     * where planes have a vector's elements or more), equal the definition's chain in memory order bit for bit, on
     * values whose sums depend on their order: plane sizes around one and two vectors of either lane count (tails of
     * no position to all but one), plane counts around a group, and a plane of -0 only (+0 + -0 is +0). Every
     * array is exactly as long as its contents, so a read past them throws.
     */
    @Test
    void planeSumsFollowTheDefinitionsOrder() {
        List<JavaLanes> loops = new ArrayList<>(List.of(JavaLanes.SCALAR));
        JavaLanes.vector().ifPresent(loops::add);
        SplittableRandom random = new SplittableRandom(20261207L);
        int differing = 0;
        for (int size : new int[] {1, 7, 8, 9, 15, 16, 17, 23, 30, 31, 32, 33, 49, 64, 81}) {
            for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 33}) {
                float[] b = new float[n * size];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) (random.nextDouble(-1, 1) * Math.scalb(1.0, random.nextInt(-8, 9)));
                }
                if (n > 2) Arrays.fill(b, 2 * size, 3 * size, -0f);
                int[] starts = new int[n];
                float[] expected = new float[n];
                for (int p = 0; p < n; p++) {
                    starts[p] = p * size;
                    float v = 0f;
                    for (int k = 0; k < size; k++) v += b[p * size + k];
                    expected[p] = v;
                    float reversed = 0f;
                    for (int k = size - 1; k >= 0; k--) reversed += b[p * size + k];
                    if (Float.floatToRawIntBits(reversed) != Float.floatToRawIntBits(v)) differing++;
                }
                for (JavaLanes lanes : loops) {
                    float[] results = new float[n];
                    lanes.foldPlanes(JavaLanes.ADD, b, size, n, 0f, results, starts);
                    for (int p = 0; p < n; p++) {
                        assertEquals(
                                Float.floatToRawIntBits(expected[p]),
                                Float.floatToRawIntBits(results[p]),
                                lanes.name() + " loops, plane " + p + " of " + n + " planes of " + size);
                    }
                }
            }
        }
        // the values are such that the order shows in most sums
        assertTrue(differing > 300, "only " + differing + " sums depend on the order");
    }

    @Test
    void runsWithIndicesKeepTheDefinitionsPath() {
        Geometry g = Geometry.of(PoolSpec.max(2, 2).build(), Layout.NCHW, new long[] {1, 2, 4, 4});
        JavaKernel kernel = new JavaKernel(g, JavaLanes.SCALAR, true);
        assertTrue(kernel.usesDensePath());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(g.inputCount * Float.BYTES),
                    out = arena.allocate(g.outputCount * Float.BYTES);
            MemorySegment idx = arena.allocate(g.outputCount * Long.BYTES);
            for (int i = 0; i < g.inputCount; i++) in.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i * 7) % 11);
            kernel.run(in, out, idx, 0, g.rows);
            for (int o = 0; o < g.outputCount; o++) { // the index names an input holding the output's value
                long plane = o / 4, at = plane * 16 + idx.getAtIndex(ValueLayout.JAVA_LONG, o);
                assertEquals(
                        out.getAtIndex(ValueLayout.JAVA_FLOAT, o),
                        in.getAtIndex(ValueLayout.JAVA_FLOAT, at),
                        "output " + o);
            }
        }
    }

    private static void fill(MemorySegment in, long count, SplittableRandom r) {
        boolean specials = r.nextInt(3) == 0, fine = r.nextBoolean();
        for (long i = 0; i < count; i++) {
            // coarse values tie often; fine ones round in sums, so any change of summation order shows
            float v =
                    fine ? r.nextInt(-1_000_000, 1_000_001) / 7919f : r.nextInt(-8, 9) * (r.nextBoolean() ? 1f : 0.25f);
            if (specials) {
                int k = r.nextInt(16);
                if (k == 0)
                    v = Float.intBitsToFloat(0x7fc00000
                            | r.nextInt(1 << 22)
                            | (r.nextBoolean() ? 0x80000000 : 0)); // NaNs of any sign and payload
                else if (k == 1) v = Float.POSITIVE_INFINITY;
                else if (k == 2) v = Float.NEGATIVE_INFINITY;
                else if (k <= 6) v = r.nextBoolean() ? -0f : 0f;
            }
            in.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
    }

    /** Bit for bit, except that sums reaching NaN may carry different payloads (max and min give the canonical NaN). */
    private static String firstDifference(Geometry g, MemorySegment expected, MemorySegment actual) {
        for (long i = 0; i < g.outputCount; i++) {
            float a = expected.getAtIndex(ValueLayout.JAVA_FLOAT, i), b = actual.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            boolean same = g.op == PoolOp.AVG && Float.isNaN(a)
                    ? Float.isNaN(b)
                    : Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b);
            if (!same) return "element " + i + " " + g.describeOutputElement(i) + ": " + b + " instead of " + a;
        }
        return null;
    }

    record Problem(PoolSpec spec, Layout layout, long[] shape) {
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
            PoolOp op = List.of(PoolOp.MAX, PoolOp.MIN, PoolOp.AVG).get(r.nextInt(3));
            boolean ceil = r.nextBoolean(), global = r.nextInt(6) == 0;
            // large planes (above the padded images' block) take the line-by-line path channels first
            boolean large = rank == 2 && r.nextInt(4) == 0;
            if (large) shape[1] = r.nextInt(1, 5);
            for (int i = 0; i < rank; i++) {
                shape[i + 2] = large ? r.nextInt(60, 100) : r.nextInt(1, rank == 3 ? 10 : rank == 2 ? 30 : 70);
                kernel[i] = r.nextInt(1, 5);
                stride[i] = r.nextInt(4) == 0 ? r.nextInt(3, 6) : r.nextInt(1, 3);
                dilation[i] = r.nextInt(4) == 0 ? r.nextInt(2, 4) : 1;
                long effective = dilation[i] * (kernel[i] - 1) + 1;
                begin[i] = r.nextInt((int) effective);
                end[i] = r.nextInt(3) == 0 ? r.nextInt((int) effective) : begin[i];
                if (!global
                        && Pooling.outputSize(shape[i + 2], kernel[i], stride[i], dilation[i], begin[i], end[i], ceil)
                                < 1) return null;
            }
            PoolSpec.Builder b;
            if (global) {
                b = op == PoolOp.MAX ? PoolSpec.globalMax(rank) : op == PoolOp.AVG ? PoolSpec.globalAvg(rank) : null;
                if (b == null) return null;
            } else {
                b = (op == PoolOp.MAX
                                ? PoolSpec.max(kernel)
                                : op == PoolOp.MIN ? PoolSpec.min(kernel) : PoolSpec.avg(kernel))
                        .stride(stride)
                        .dilation(dilation)
                        .padding(begin, end)
                        .ceilMode(ceil)
                        .conventions(Conventions.ONNX);
                if (op == PoolOp.AVG) {
                    b.divisor(AvgDivisor.values()[r.nextInt(3)]);
                    if (r.nextInt(6) == 0) b.divisorOverride(r.nextInt(1, 8));
                }
            }
            if (op != PoolOp.AVG) b.nanPolicy(r.nextBoolean() ? NanPolicy.PROPAGATE : NanPolicy.IGNORE);
            return new Problem(b.build(), r.nextBoolean() ? Layout.NCHW : Layout.NHWC, shape);
        }

        @Override
        public String toString() {
            return spec + " on " + layout + Arrays.toString(shape);
        }
    }
}
