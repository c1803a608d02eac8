package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SoftPool and GeM: golden vectors from the papers' definitions in float64 (methods.txt, written by
 * src/test/golden/generate_methods.py) in both layouts on Java and native code at every level; the identities the
 * methods promise; the rules for NaN and infinities; inputs up to the float range; gradients (input and p) against
 * central differences; native against Java on random problems, strided views and a shared run; validation.
 * Values agree within {@value #ULPS} ulps: exp, pow and log round differently across libraries.
 */
class MethodsTest {
    static final int ULPS = 4;

    static Stream<GoldenCase> cases() throws IOException {
        return GoldenCase.load("/golden/methods.txt").stream();
    }

    static PoolSpec spec(GoldenCase c) {
        long[] in = c.longs("input_shape"), out = c.longs("output_shape");
        int rank = in.length - 2;
        String op = c.get("op");
        if (op.equals("s3pool")) {
            PoolSpec.Builder b =
                    PoolSpec.s3pool(c.longs("kernel")).grid(c.longs("grid")).indexFormat(IndexFormat.PLANE);
            if (c.get("mode").equals("train")) b.training().picks(c.longs("picks"));
            return b.build();
        }
        if (op.equals("mixed") || op.equals("stochastic") || op.equals("lip")) {
            long[] k = c.longs("kernel");
            PoolSpec.Builder b = switch (op) {
                case "mixed" -> {
                    PoolSpec.Builder m = PoolSpec.mixed(
                            c.fields().containsKey("lambda") ? Double.parseDouble(c.get("lambda")) : 0, k);
                    if (c.fields().containsKey("lambda_channels")) m.lambdaPerChannel(c.floats("lambda_channels"));
                    if (c.fields().containsKey("lambda_map")) m.lambdaPerOutput();
                    if (c.fields().containsKey("probability")) m.lambdaDrawn(Double.parseDouble(c.get("probability")));
                    m.countIncludePad(c.get("count_include_pad").equals("1")).indexFormat(IndexFormat.PLANE);
                    long override = Long.parseLong(c.get("divisor_override"));
                    if (override != 0) m.divisorOverride(override);
                    yield m;
                }
                case "stochastic" ->
                    c.get("mode").equals("train")
                            ? PoolSpec.stochastic(k).training().indexFormat(IndexFormat.PLANE)
                            : PoolSpec.stochastic(k);
                default ->
                    c.longs("logits_shape")[1] == 1 && in[1] != 1
                            ? PoolSpec.lip(k).logitsBroadcast()
                            : PoolSpec.lip(k);
            };
            return b.stride(c.longs("stride"))
                    .padding(c.longs("pad_begin"), c.longs("pad_end"))
                    .dilation(c.longs("dilation"))
                    .ceilMode(c.get("ceil_mode").equals("1"))
                    .build();
        }
        boolean gem = op.equals("gem");
        double p = gem && c.fields().containsKey("p") ? Double.parseDouble(c.get("p")) : 3;
        PoolSpec.Builder b = switch (c.get("window")) {
            case "global" -> gem ? PoolSpec.globalGem(p, rank) : PoolSpec.globalSoft(rank);
            case "adaptive" ->
                gem
                        ? PoolSpec.adaptiveGem(p, Arrays.copyOfRange(out, 2, out.length))
                        : PoolSpec.adaptiveSoft(Arrays.copyOfRange(out, 2, out.length));
            default -> {
                PoolSpec.Builder s = gem ? PoolSpec.gem(p, c.longs("kernel")) : PoolSpec.soft(c.longs("kernel"));
                s.stride(c.longs("stride"))
                        .padding(c.longs("pad_begin"), c.longs("pad_end"))
                        .dilation(c.longs("dilation"))
                        .ceilMode(c.get("ceil_mode").equals("1"));
                yield s;
            }
        };
        if (gem) {
            b.eps(Double.parseDouble(c.get("eps")));
            if (c.fields().containsKey("p_channels")) b.pPerChannel(c.floats("p_channels"));
        }
        return b.build();
    }

    static boolean close(float got, float want, int ulps) {
        return TestTensors.sameFloat(got, want)
                || Math.abs(got - want) <= ulps * Math.ulp(Math.max(Math.abs(got), Math.abs(want)));
    }

    @Test
    void goldenCoversEveryRule() throws IOException {
        for (String op : List.of("mixed", "stochastic", "lip", "spp", "s3pool")) {
            for (int rank = 1; rank <= 3; rank++) {
                int r = rank;
                assertTrue(
                        cases().anyMatch(c -> c.get("op").equals(op) && c.longs("input_shape").length == r + 2),
                        op + " " + rank + "d");
            }
        }
        for (String field : List.of(
                "lambda",
                "lambda_channels",
                "lambda_map",
                "uniforms",
                "logits",
                "indices",
                "grad_lambda",
                "grad_logits")) {
            assertTrue(cases().anyMatch(c -> c.fields().containsKey(field)), "no case with " + field);
        }
        for (String op : List.of("soft", "gem")) {
            for (String window : List.of("sliding", "adaptive", "global")) {
                for (int rank = 1; rank <= 3; rank++) {
                    int r = rank;
                    assertTrue(
                            cases().anyMatch(c -> c.get("op").equals(op)
                                    && c.get("window").equals(window)
                                    && c.longs("input_shape").length == r + 2),
                            op + " " + window + " " + rank + "d");
                }
            }
        }
        assertTrue(
                cases().filter(c -> c.fields().containsKey("grad_input")).count() >= 90,
                "methods.txt lost its gradients");
        assertTrue(cases().anyMatch(c -> c.fields().containsKey("p_channels")), "no per-channel p");
    }

    /** The run params of a case in a layout (λ map, uniforms, logits), or null. */
    static float[] runParams(GoldenCase c, PoolSpec spec, long[] inShape, long[] outShape, Layout layout) {
        if (!spec.takesRunParams()) return null;
        if (c.fields().containsKey("logits")) {
            long[] shape = c.longs("logits_shape");
            return TestTensors.toLayout(c.floats("logits"), shape, layout);
        }
        return TestTensors.toLayout(
                c.floats(c.fields().containsKey("lambda_map") ? "lambda_map" : "uniforms"), outShape, layout);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void golden(GoldenCase c) {
        if (c.get("op").equals("spp")) {
            sppGolden(c);
            return;
        }
        PoolSpec spec = spec(c);
        long[] inShape = c.longs("input_shape"), outShape = c.longs("output_shape");
        assertArrayEquals(outShape, Pooling.outputShape(spec, inShape), c + ": output shape");
        float[] input = c.floats("input"), expected = c.floats("output");
        long[] expectedIndices = c.fields().containsKey("indices") ? c.longs("indices") : null;
        boolean mixed = spec.op() == PoolOp.MIXED;
        List<String> failures = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedPool pool = Pooling.prepare(spec, layout, inShape, target.backend(), target.isa());
                float[] in = TestTensors.toLayout(input, inShape, layout), out = new float[expected.length];
                float[] prm = runParams(c, spec, inShape, outShape, layout);
                long[] paramsShape = c.fields().containsKey("logits") ? c.longs("logits_shape") : outShape;
                Tensor params = prm == null ? null : Tensor.of(prm, layout, paramsShape);
                long[] idx = new long[expected.length];
                Tensor indices =
                        expectedIndices == null ? null : Tensor.i64(MemorySegment.ofArray(idx), layout, outShape);
                pool.run(Tensor.of(in, layout, inShape), Tensor.of(out, layout, outShape), indices, params);
                float[] got = TestTensors.fromLayout(out, outShape, layout);
                String where = layout + " " + target + ": ";
                for (int i = 0; i < expected.length; i++) {
                    // mixed pooling's average is average pooling's float sum, the reference's a double one
                    boolean ok = mixed
                            ? Math.abs(got[i] - expected[i]) <= 2e-6 * Math.max(1, Math.abs(expected[i]))
                            : close(got[i], expected[i], ULPS);
                    if (!ok) {
                        failures.add(where + "output " + i + " got " + got[i] + " want " + expected[i]);
                        break;
                    }
                }
                if (expectedIndices != null) {
                    long[] gotIdx = TestTensors.fromLayout(idx, outShape, layout);
                    if (!Arrays.equals(gotIdx, expectedIndices))
                        failures.add(where + "indices " + Arrays.toString(gotIdx));
                }
                if (!c.fields().containsKey("grad_input")) continue;
                float[] gradIn = new float[input.length];
                String gradField = c.fields().containsKey("grad_p")
                        ? "grad_p"
                        : c.fields().containsKey("grad_lambda")
                                ? "grad_lambda"
                                : c.fields().containsKey("grad_logits") ? "grad_logits" : null;
                float[] gradP = gradField == null ? null : new float[c.floats(gradField).length];
                pool.backwardWithParameters(
                        Tensor.of(TestTensors.toLayout(c.floats("grad_output"), outShape, layout), layout, outShape),
                        Tensor.of(gradIn, layout, inShape),
                        Tensor.of(in, layout, inShape),
                        params,
                        gradP);
                float[] gotGrad = TestTensors.fromLayout(gradIn, inShape, layout), wantGrad = c.floats("grad_input");
                for (int i = 0; i < wantGrad.length; i++) {
                    if (Math.abs(gotGrad[i] - wantGrad[i]) > 1e-5 * Math.max(1, Math.abs(wantGrad[i]))) {
                        failures.add(where + "grad_input " + i + " got " + gotGrad[i] + " want " + wantGrad[i]);
                        break;
                    }
                }
                if (gradField != null) {
                    float[] wantP = c.floats(gradField);
                    // maps come back in the layout
                    float[] gotP = gradField.equals("grad_logits")
                            ? TestTensors.fromLayout(gradP, c.longs("logits_shape"), layout)
                            : c.fields().containsKey("lambda_map")
                                    ? TestTensors.fromLayout(gradP, outShape, layout)
                                    : gradP;
                    for (int i = 0; i < wantP.length; i++) {
                        if (Math.abs(gotP[i] - wantP[i]) > 1e-5 * Math.max(1, Math.abs(wantP[i]))) {
                            failures.add(where + gradField + " " + i + " got " + gotP[i] + " want " + wantP[i]);
                            break;
                        }
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(c + ":\n  " + String.join("\n  ", failures));
    }

    /** SPP against PyTorch's concatenated adaptive pools: values and indices exactly, gradients within float rounding. */
    private static void sppGolden(GoldenCase c) {
        long[] inShape = c.longs("input_shape"), outShape = c.longs("output_shape"), levels = c.longs("levels");
        PoolOp op = c.get("pool").equals("max") ? PoolOp.MAX : PoolOp.AVG;
        assertArrayEquals(outShape, Pooling.sppOutputShape(levels, inShape), c + ": output shape");
        float[] input = c.floats("input"), expected = c.floats("output");
        List<String> failures = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedSpp spp = Pooling.prepareSpp(op, levels, layout, inShape, target.backend(), target.isa());
                assertArrayEquals(outShape, spp.outputShape());
                float[] in = TestTensors.toLayout(input, inShape, layout), out = new float[expected.length];
                long[] idx = new long[expected.length];
                MemorySegment indices = op == PoolOp.MAX ? MemorySegment.ofArray(idx) : null;
                spp.run(Tensor.of(in, layout, inShape), MemorySegment.ofArray(out), indices);
                String where = layout + " " + target + ": ";
                for (int i = 0; i < expected.length; i++) {
                    if (!TestTensors.sameFloat(out[i], expected[i])) {
                        failures.add(where + "output " + i + " got " + out[i] + " want " + expected[i]);
                        break;
                    }
                }
                if (op == PoolOp.MAX && !Arrays.equals(idx, c.longs("indices")))
                    failures.add(where + "indices " + Arrays.toString(idx));
                float[] gradIn = new float[input.length];
                spp.backward(
                        MemorySegment.ofArray(c.floats("grad_output")), Tensor.of(gradIn, layout, inShape), indices);
                float[] got = TestTensors.fromLayout(gradIn, inShape, layout), want = c.floats("grad_input");
                for (int i = 0; i < want.length; i++) {
                    if (Math.abs(got[i] - want[i]) > 1e-5 * Math.max(1, Math.abs(want[i]))) {
                        failures.add(where + "grad_input " + i + " got " + got[i] + " want " + want[i]);
                        break;
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(c + ":\n  " + String.join("\n  ", failures));
    }

    @Test
    void sppIsTheConcatenatedAdaptivePoolsAndReportsItsCost() {
        long[] shape = {2, 3, 13, 11};
        float[] x = random(new SplittableRandom(29), (int) TestTensors.count(shape), 5);
        long[] levels = {4, 2, 1};
        for (Layout layout : Layout.values()) {
            PreparedSpp spp = Pooling.prepareSpp(PoolOp.AVG, levels, layout, shape, Backend.JAVA, null);
            assertArrayEquals(new long[] {2, 3 * 21}, spp.outputShape());
            float[] out = new float[(int) spp.outputCount()];
            spp.run(Tensor.of(TestTensors.toLayout(x, shape, layout), layout, shape), MemorySegment.ofArray(out), null);
            int at = 0;
            for (long n : levels) {
                float[] level = run(
                        PoolSpec.adaptiveAvg(n, n).build(),
                        Layout.NCHW,
                        shape,
                        x,
                        TestTensors.targets().get(0));
                int per = (int) (3 * n * n);
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < per; i++)
                        assertEquals(level[b * per + i], out[b * 63 + at + i], 0f, layout + " level " + n);
                }
                at += per;
            }
            long reads = 0;
            for (long n : levels)
                reads += Pooling.cost(PoolSpec.adaptiveAvg(n, n).build(), false, shape)
                        .bytesRead();
            assertEquals(reads, spp.cost().bytesRead());
        }
        assertThrows(IllegalArgumentException.class, () -> Pooling.prepareSpp(PoolOp.LP, levels, Layout.NCHW, shape));
        assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepareSpp(PoolOp.MAX, new long[] {2, 0}, Layout.NCHW, shape));
        PreparedSpp small = Pooling.prepareSpp(PoolOp.MAX, levels, Layout.NCHW, shape);
        assertThrows(
                IllegalArgumentException.class,
                () -> small.run(Tensor.of(x, Layout.NCHW, shape), MemorySegment.ofArray(new float[10]), null));
    }

    /**
     * SPP's backward sums its levels through a scratch tensor per thread: concurrent backward calls of one prepared SPP
     * give the single-threaded results, and a call after the first allocates far less than that input-sized scratch
     * (the per-level views only).
     */
    @Test
    void sppBackwardSharesNothingBetweenThreadsAndAllocatesNoScratchPerCall() throws Exception {
        long[] shape = {1, 8, 64, 64}, levels = {4, 2, 1};
        SplittableRandom r = new SplittableRandom(43);
        for (TestTensors.Target t : TestTensors.targets()) {
            PreparedSpp spp = Pooling.prepareSpp(PoolOp.AVG, levels, Layout.NCHW, shape, t.backend(), t.isa());
            int inputCount = (int) TestTensors.count(shape);
            float[][] gradOut = new float[4][], want = new float[4][];
            for (int k = 0; k < 4; k++) {
                gradOut[k] = random(r, (int) spp.outputCount(), 2);
                want[k] = new float[inputCount];
                spp.backward(MemorySegment.ofArray(gradOut[k]), Tensor.of(want[k], Layout.NCHW, shape), null);
            }
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
                for (int thread = 0; thread < 2; thread++) {
                    int first = thread;
                    runs.add(pool.submit(() -> {
                        for (int round = 0; round < 25; round++) {
                            int k = (first + round) % 4;
                            float[] got = new float[inputCount];
                            spp.backward(MemorySegment.ofArray(gradOut[k]), Tensor.of(got, Layout.NCHW, shape), null);
                            assertArrayEquals(want[k], got, t + " concurrent backward " + k);
                        }
                    }));
                }
                for (var run : runs) run.get();
            } finally {
                pool.shutdown();
            }
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().threadId();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment go = arena.allocate(spp.outputCount() * Float.BYTES, 64);
                Tensor gradIn = Tensor.allocate(arena, DType.F32, Layout.NCHW, shape);
                for (int i = 0; i < 20; i++) spp.backward(go, gradIn, null); // warm: the thread's scratch is made here
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < 20; i++) spp.backward(go, gradIn, null);
                long perCall = (threads.getThreadAllocatedBytes(id) - before) / 20;
                assertTrue(
                        perCall < inputCount * Float.BYTES / 8,
                        t + ": " + perCall + " bytes allocated per backward call");
            }
        }
    }

    /**
     * The Java backend's methods take their per-window scratch from the prepared operation: a warm run, forward with
     * indices where the method reports taps, and a backward, allocate nothing on the heap.
     */
    @Test
    void javaMethodsAllocateNothingPerRun() {
        long[] shape = {1, 6, 10, 9};
        float[] x = random(new SplittableRandom(47), (int) TestTensors.count(shape), 4);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (PoolSpec spec : List.of(
                PoolSpec.soft(3, 3).stride(2, 2).padding(1, 1).build(),
                PoolSpec.gem(2.5, 3, 2).build(),
                PoolSpec.mixed(0.3, 3, 3).stride(2, 2).build(),
                PoolSpec.s3pool(2, 2).training().seed(7).build())) {
            PreparedPool pool = Pooling.prepare(spec, Layout.NHWC, shape, Backend.JAVA, null);
            try (Arena arena = Arena.ofConfined()) {
                Tensor in = Tensor.allocate(arena, DType.F32, Layout.NHWC, shape), out = pool.allocateOutput(arena);
                in.segment().copyFrom(MemorySegment.ofArray(x));
                Tensor indices =
                        spec.op() == PoolOp.MIXED || spec.op() == PoolOp.S3POOL ? pool.allocateIndices(arena) : null;
                Tensor gradIn = Tensor.allocate(arena, DType.F32, Layout.NHWC, shape),
                        gradOut = pool.allocateOutput(arena);
                Runnable both = () -> {
                    pool.run(in, out, indices);
                    pool.backwardWithParameters(gradOut, gradIn, in, null, (MemorySegment) null);
                };
                for (int i = 0; i < 2000; i++) both.run(); // compiled, the thread's scratch made
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) both.run();
                long perRun = (threads.getCurrentThreadAllocatedBytes() - before) / 200;
                assertTrue(perRun < 64, spec + ": " + perRun + " bytes allocated per forward and backward run");
            }
        }
    }

    @Test
    void s3PoolInferenceIsMaxPoolingAndItsPicksAreChecked() {
        SplittableRandom r = new SplittableRandom(31);
        long[] shape = {2, 3, 11, 10};
        float[] x = random(r, (int) TestTensors.count(shape), 3);
        x[5] = Float.NaN;
        PoolSpec max = PoolSpec.max(3, 2)
                .stride(3, 2)
                .padding(new long[] {0, 0}, new long[] {2, 1})
                .conventions(Conventions.ONNX)
                .nanPolicy(NanPolicy.PROPAGATE)
                .indexFormat(IndexFormat.PLANE)
                .build();
        PoolSpec s3 = PoolSpec.s3pool(3, 2).indexFormat(IndexFormat.PLANE).build();
        assertArrayEquals(new long[] {2, 3, 4, 5}, Pooling.outputShape(s3, shape));
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target t : TestTensors.targets()) {
                assertArrayEquals(
                        withIndices(max, layout, shape, x, t), withIndices(s3, layout, shape, x, t), t + " " + layout);
                // training with the picks of inference (0, s, 2s, ...) is inference too
                long[] picks = new long[2 * (4 + 5)];
                for (int n = 0; n < 2; n++) {
                    for (int o = 0; o < 4; o++) picks[n * 9 + o] = 3L * o;
                    for (int o = 0; o < 5; o++) picks[n * 9 + 4 + o] = 2L * o;
                }
                PoolSpec same = PoolSpec.s3pool(3, 2)
                        .training()
                        .picks(picks)
                        .indexFormat(IndexFormat.PLANE)
                        .build();
                assertArrayEquals(
                        withIndices(s3, layout, shape, x, t),
                        withIndices(same, layout, shape, x, t),
                        t + " " + layout + " picks 0, s, 2s");
                // seeded picks are reproducible, and differ from inference somewhere
                PoolSpec seeded =
                        PoolSpec.s3pool(3, 2).grid(6, 4).training().seed(9).build();
                assertArrayEquals(run(seeded, layout, shape, x, t), run(seeded, layout, shape, x, t));
            }
        }
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepare(
                        PoolSpec.s3pool(2).training().picks(0, 0, 2).build(), Layout.NCHW, 1, 1, 6));
        assertTrue(e.getMessage().contains("picks[1] = 0"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> PoolSpec.s3pool(2).grid(3).build(), "grid not a multiple of s");
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.s3pool(2).stride(1).build(),
                "S3Pool fixes its stride");
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.s3pool(2).training().build(),
                "training needs picks or a seed");
    }

    // ---- identities ----

    private static float[] run(PoolSpec spec, Layout layout, long[] shape, float[] logical, TestTensors.Target target) {
        PreparedPool pool = Pooling.prepare(spec, layout, shape, target.backend(), target.isa());
        long[] outShape = pool.outputShape();
        float[] out = new float[(int) TestTensors.count(outShape)];
        pool.run(
                Tensor.of(TestTensors.toLayout(logical, shape, layout), layout, shape),
                Tensor.of(out, layout, outShape));
        return TestTensors.fromLayout(out, outShape, layout);
    }

    private static float[] random(SplittableRandom r, int count, double scale) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return x;
    }

    /**
     * SoftPool, GeM and LIP share pk_fixed_exp and pk_fixed_log with the Java backend: every level, its SIMD kernels
     * across channels included (19 channels: whole and partial vectors), gives Java's bits, forward and backward, on
     * inputs with infinities, NaN, the float range's ends and subnormals.
     */
    @Test
    void softPoolGemAndLipAreBitIdenticalToJava() {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom r = new SplittableRandom(41);
        long[] shape = {2, 19, 11, 9};
        float[] x = random(r, (int) TestTensors.count(shape), 40),
                logits = random(r, (int) TestTensors.count(shape), 60);
        float[] wild = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3.4e38f, -3.4e38f, 1e-44f, -0f, 0f
        };
        for (int i = 0; i < x.length; i += 1 + r.nextInt(40)) x[i] = wild[r.nextInt(wild.length)];
        float[] channelP = new float[(int) shape[1]];
        for (int c = 0; c < channelP.length; c++) channelP[c] = new float[] {1, 2, 3, 0.5f, 7.25f}[c % 5];
        for (PoolSpec spec : List.of(
                PoolSpec.soft(3, 2).stride(2, 1).padding(1, 1).ceilMode(true).build(),
                PoolSpec.lip(3, 3).stride(2, 2).padding(1, 1).build(),
                PoolSpec.gem(3, 3, 2).stride(2, 1).padding(1, 1).ceilMode(true).build(),
                PoolSpec.gem(1, 2, 3)
                        .dilation(2, 1)
                        .pPerChannel(channelP)
                        .eps(1e-30)
                        .build(),
                PoolSpec.globalGem(4.5, 2).build(),
                PoolSpec.adaptiveSoft(4, 3).build())) {
            for (Layout layout : Layout.values()) {
                float[] want = null, wantGrad = null;
                for (TestTensors.Target t : TestTensors.targets()) {
                    PreparedPool pool = Pooling.prepare(spec, layout, shape, t.backend(), t.isa());
                    long[] outShape = pool.outputShape();
                    Tensor in = Tensor.of(TestTensors.toLayout(x, shape, layout), layout, shape);
                    Tensor params = spec.op() == PoolOp.LIP
                            ? Tensor.of(TestTensors.toLayout(logits, shape, layout), layout, shape)
                            : null;
                    float[] out = new float[(int) TestTensors.count(outShape)],
                            grad = new float[x.length],
                            gy = new float[out.length];
                    Arrays.fill(gy, 0.75f);
                    pool.run(in, Tensor.of(out, layout, outShape), null, params);
                    pool.backwardWithParameters(
                            Tensor.of(gy, layout, outShape), Tensor.of(grad, layout, shape), in, params, (float[])
                                    null);
                    if (want == null) {
                        want = out;
                        wantGrad = grad;
                    } else {
                        assertArrayEquals(want, out, spec + " " + layout + " " + t);
                        assertArrayEquals(wantGrad, grad, spec + " " + layout + " " + t + " gradient");
                    }
                }
            }
        }
    }

    /** A seed draws one value per logical output element: both layouts, every backend, give the same result. */
    @Test
    void seededDrawsDoNotDependOnTheLayout() {
        SplittableRandom r = new SplittableRandom(37);
        long[] shape = {2, 5, 9, 7};
        float[] x = random(r, (int) TestTensors.count(shape), 3);
        for (PoolSpec spec : List.of(
                PoolSpec.mixed(0, 3, 2)
                        .stride(2, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .lambdaDrawn(0.5)
                        .seed(11)
                        .build(),
                PoolSpec.stochastic(3, 3).stride(2, 2).training().seed(12).build(),
                PoolSpec.s3pool(3, 2).grid(6, 4).training().seed(13).build())) {
            float[] want =
                    run(spec, Layout.NCHW, shape, x, TestTensors.targets().get(0));
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target t : TestTensors.targets()) {
                    assertArrayEquals(want, run(spec, layout, shape, x, t), spec + " " + layout + " " + t);
                }
            }
        }
    }

    @Test
    void softPoolOfAConstantWindowIsTheConstant() {
        long[] shape = {2, 3, 7, 6};
        for (float v : new float[] {0f, -2.5f, 1e-30f, 3.4e38f, -3.4e38f, 88.8f, 1000f}) {
            float[] x = new float[(int) TestTensors.count(shape)];
            Arrays.fill(x, v);
            PoolSpec spec = PoolSpec.soft(3, 2)
                    .stride(2, 1)
                    .padding(1, 1)
                    .ceilMode(true)
                    .build();
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target t : TestTensors.targets()) {
                    for (float y : run(spec, layout, shape, x, t))
                        assertEquals(v, y, 0f, t + " " + layout + " constant " + v);
                }
            }
        }
    }

    @Test
    void softPoolStaysBetweenMaxAndAverageAndNeverOverflows() {
        SplittableRandom r = new SplittableRandom(7);
        long[] shape = {1, 4, 9, 9};
        float[] x = random(r, (int) TestTensors.count(shape), 3e38); // the paper's avg(x e^x)/avg(e^x) is NaN here
        PoolSpec soft = PoolSpec.soft(3, 3).stride(2, 2).build();
        PoolSpec max = PoolSpec.max(3, 3).stride(2, 2).build(),
                min = PoolSpec.min(3, 3).stride(2, 2).build();
        float[] hi = run(max, Layout.NHWC, shape, x, TestTensors.targets().get(0)),
                lo = run(min, Layout.NHWC, shape, x, TestTensors.targets().get(0));
        for (TestTensors.Target t : TestTensors.targets()) {
            float[] y = run(soft, Layout.NHWC, shape, x, t);
            for (int i = 0; i < y.length; i++) {
                assertTrue(Float.isFinite(y[i]), t + ": output " + i + " = " + y[i]);
                assertTrue(
                        y[i] <= hi[i] && y[i] >= lo[i],
                        t + ": output " + i + " = " + y[i] + " outside [" + lo[i] + ", " + hi[i] + "]");
                // taps ~1e37 apart: every weight but the maximum's is e^(-1e37) = 0, so the output is the maximum
                assertEquals(hi[i], y[i], 0f, t + ": output " + i);
            }
        }
    }

    @Test
    void gemWithPOneIsTheAverageOfClampedInputs() {
        SplittableRandom r = new SplittableRandom(11);
        long[] shape = {2, 3, 8, 7};
        float[] x = random(r, (int) TestTensors.count(shape), 4);
        double eps = 0.5;
        float[] clamped = x.clone();
        for (int i = 0; i < clamped.length; i++) clamped[i] = (float) Math.max(clamped[i], eps);
        PoolSpec gem = PoolSpec.gem(1, 3, 3).stride(2, 2).padding(1, 1).eps(eps).build();
        PoolSpec avg = PoolSpec.avg(3, 3)
                .stride(2, 2)
                .padding(1, 1)
                .countIncludePad(false)
                .build(); // GeM's n excludes padding
        float[] want =
                run(avg, Layout.NCHW, shape, clamped, TestTensors.targets().get(0));
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target t : TestTensors.targets()) {
                float[] got = run(gem, layout, shape, x, t);
                for (int i = 0; i < want.length; i++)
                    assertTrue(
                            close(got[i], want[i], 2), t + " " + layout + " " + i + ": " + got[i] + " vs " + want[i]);
            }
        }
    }

    @Test
    void globalGemMatchesThePaperAndGrowsTowardTheMax() {
        long[] shape = {1, 2, 5, 5};
        SplittableRandom r = new SplittableRandom(5);
        float[] x = random(r, 50, 2);
        for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]);
        float previous = 0;
        for (double p : new double[] {1, 2, 3, 8, 30, 200}) {
            float[] y = run(
                    PoolSpec.globalGem(p, 2).build(),
                    Layout.NCHW,
                    shape,
                    x,
                    TestTensors.targets().get(TestTensors.targets().size() - 1));
            double sum = 0;
            for (int i = 0; i < 25; i++) sum += Math.pow(Math.max(x[i], 1e-6), p);
            assertTrue(close(y[0], (float) Math.pow(sum / 25, 1 / p), 4), "p = " + p + ": " + y[0]);
            assertTrue(y[0] >= previous, "GeM grows with p");
            previous = y[0];
        }
        // powers beyond the double range: (3e38)^200 overflows the naive formula
        float[] big = x.clone();
        for (int i = 0; i < big.length; i++) big[i] *= 1e38f;
        for (TestTensors.Target t : TestTensors.targets()) {
            float[] y = run(PoolSpec.globalGem(200, 2).build(), Layout.NHWC, shape, big, t);
            assertTrue(Float.isFinite(y[0]) && y[0] > 0, t + ": " + y[0]);
        }
    }

    @Test
    void nanAndInfinityRules() {
        long[] shape = {1, 1, 1, 8};
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        // windows of 2: [NaN, +inf], [+inf, -inf], [-inf, -inf], [-inf, 1]
        float[] x = {nan, inf, inf, -inf, -inf, -inf, -inf, 1};
        for (TestTensors.Target t : TestTensors.targets()) {
            float[] soft = run(PoolSpec.soft(1, 2).build(), Layout.NCHW, shape, x, t);
            assertArrayEquals(new float[] {nan, inf, -inf, 1}, soft, 0f, t + " SoftPool");
            float[] gem = run(PoolSpec.gem(3, 1, 2).build(), Layout.NCHW, shape, x, t);
            // -inf clamps to eps; NaN propagates (unlike fmax)
            assertTrue(Float.isNaN(gem[0]) && gem[1] == inf, t + " GeM " + Arrays.toString(gem));
            assertEquals(1e-6f, gem[2], 1e-12f);
            assertTrue(close(gem[3], (float) Math.cbrt((1 + 1e-18) / 2), 2), t + " GeM " + gem[3]);
        }
    }

    @Test
    void mixedWithLambdaOneOrZeroIsMaxOrAverage() {
        SplittableRandom r = new SplittableRandom(17);
        long[] shape = {2, 5, 9, 8};
        float[] x = random(r, (int) TestTensors.count(shape), 3);
        for (int i = 0; i < x.length; i += 7) x[i] = x[i / 2]; // ties
        x[3] = Float.NaN;
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target t : TestTensors.targets()) {
                for (NanPolicy nan : NanPolicy.values()) {
                    PoolSpec max = PoolSpec.max(3, 2)
                            .stride(2, 2)
                            .padding(1, 1)
                            .ceilMode(true)
                            .nanPolicy(nan)
                            .build();
                    PoolSpec one = PoolSpec.mixed(1, 3, 2)
                            .stride(2, 2)
                            .padding(1, 1)
                            .ceilMode(true)
                            .nanPolicy(nan)
                            .build();
                    assertArrayEquals(
                            withIndices(max, layout, shape, x, t),
                            withIndices(one, layout, shape, x, t),
                            t + " " + layout + " λ = 1");
                }
                PoolSpec avg = PoolSpec.avg(3, 2)
                        .stride(2, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .build();
                PoolSpec zero = PoolSpec.mixed(0, 3, 2)
                        .stride(2, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .build();
                float[] a = run(avg, layout, shape, x, t), b = run(zero, layout, shape, x, t);
                for (int i = 0; i < a.length; i++)
                    assertTrue(TestTensors.sameFloat(a[i], b[i]), t + " " + layout + " λ = 0 at " + i);
                // drawn λ: q = 1 is always max, q = 0 always the average
                PoolSpec always = PoolSpec.mixed(0, 3, 2)
                        .stride(2, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .lambdaDrawn(1)
                        .seed(5)
                        .build();
                PoolSpec never = PoolSpec.mixed(0, 3, 2)
                        .stride(2, 2)
                        .padding(1, 1)
                        .ceilMode(true)
                        .lambdaDrawn(0)
                        .seed(5)
                        .build();
                float[] m = run(
                        PoolSpec.max(3, 2)
                                .stride(2, 2)
                                .padding(1, 1)
                                .ceilMode(true)
                                .build(),
                        layout,
                        shape,
                        x,
                        t);
                float[] c = run(always, layout, shape, x, t), d = run(never, layout, shape, x, t);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(
                            TestTensors.sameFloat(m[i], c[i]) && TestTensors.sameFloat(a[i], d[i]),
                            t + " " + layout + " drawn at " + i);
                }
            }
        }
    }

    /** Values and plane indices as one array (values as their bits). */
    private static long[] withIndices(
            PoolSpec spec, Layout layout, long[] shape, float[] logical, TestTensors.Target target) {
        PreparedPool pool = Pooling.prepare(spec, layout, shape, target.backend(), target.isa());
        long[] outShape = pool.outputShape();
        int count = (int) TestTensors.count(outShape);
        float[] out = new float[count];
        long[] idx = new long[count];
        pool.run(
                Tensor.of(TestTensors.toLayout(logical, shape, layout), layout, shape),
                Tensor.of(out, layout, outShape),
                Tensor.i64(MemorySegment.ofArray(idx), layout, outShape));
        long[] all = new long[2 * count];
        for (int i = 0; i < count; i++) {
            all[i] = Float.floatToIntBits(out[i]);
            all[count + i] = idx[i];
        }
        return all;
    }

    @Test
    void stochasticInferenceIsSumOfSquaresOverSumAndTrainingFollowsTheProbabilities() {
        long[] shape = {1, 1, 1, 4};
        float[] x = {1, 0, 3, -2}; // one window: a = [1, 0, 3, 0], S = 4
        for (TestTensors.Target t : TestTensors.targets()) {
            float[] y = run(PoolSpec.stochastic(1, 4).build(), Layout.NCHW, shape, x, t);
            assertEquals(10f / 4f, y[0], 0f, t + " inference");
            PreparedPool train = Pooling.prepare(
                    PoolSpec.stochastic(1, 4).training().build(), Layout.NCHW, shape, t.backend(), t.isa());
            // u * S against the running sums 1, 1, 4: u < 1/4 picks tap 0, u >= 1/4 tap 2 (never the zero or negative
            // ones)
            float[][] cases = {{0f, 1f, 0}, {0.2499f, 1f, 0}, {0.25f, 3f, 2}, {0.9999f, 3f, 2}};
            for (float[] c : cases) {
                float[] out = new float[1];
                long[] idx = new long[1];
                train.run(
                        Tensor.of(x, Layout.NCHW, shape),
                        Tensor.of(out, Layout.NCHW, 1, 1, 1, 1),
                        Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, 1, 1, 1, 1),
                        Tensor.of(new float[] {c[0]}, Layout.NCHW, 1, 1, 1, 1));
                assertEquals(c[1], out[0], 0f, t + " u = " + c[0]);
                assertEquals((long) c[2], idx[0], t + " index for u = " + c[0]);
            }
            // an all-negative window: 0, the first tap's index
            float[] out = new float[1];
            long[] idx = {-1};
            train.run(
                    Tensor.of(new float[] {-1, -2, -3, 0}, Layout.NCHW, shape),
                    Tensor.of(out, Layout.NCHW, 1, 1, 1, 1),
                    Tensor.i64(MemorySegment.ofArray(idx), Layout.NCHW, 1, 1, 1, 1),
                    Tensor.of(new float[] {0.5f}, Layout.NCHW, 1, 1, 1, 1));
            assertEquals(0f, out[0], 0f);
            assertEquals(0, idx[0]);
        }
    }

    @Test
    void lipWithTheInputAsLogitsIsSoftPoolAndWithConstantLogitsTheAverage() {
        SplittableRandom r = new SplittableRandom(19);
        long[] shape = {2, 3, 7, 9};
        float[] x = random(r, (int) TestTensors.count(shape), 4);
        PoolSpec lip = PoolSpec.lip(3, 3).stride(2, 2).padding(1, 1).build();
        PoolSpec soft = PoolSpec.soft(3, 3).stride(2, 2).padding(1, 1).build();
        PoolSpec avg = PoolSpec.avg(3, 3)
                .stride(2, 2)
                .padding(1, 1)
                .countIncludePad(false)
                .build();
        float[] constant = new float[x.length];
        Arrays.fill(constant, 1e30f); // far beyond exp's range: the shift keeps it exact
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target t : TestTensors.targets()) {
                PreparedPool pool = Pooling.prepare(lip, layout, shape, t.backend(), t.isa());
                long[] outShape = pool.outputShape();
                float[] in = TestTensors.toLayout(x, shape, layout),
                        a = new float[(int) TestTensors.count(outShape)],
                        b = a.clone();
                pool.run(
                        Tensor.of(in, layout, shape),
                        Tensor.of(a, layout, outShape),
                        null,
                        Tensor.of(in.clone(), layout, shape));
                pool.run(
                        Tensor.of(in, layout, shape),
                        Tensor.of(b, layout, outShape),
                        null,
                        Tensor.of(constant, layout, shape));
                float[] s = run(soft, layout, shape, x, t), m = run(avg, layout, shape, x, t);
                a = TestTensors.fromLayout(a, outShape, layout);
                b = TestTensors.fromLayout(b, outShape, layout);
                for (int i = 0; i < a.length; i++) {
                    assertTrue(
                            close(a[i], s[i], 0),
                            t + " " + layout + " LIP(x, x) = SoftPool(x) at " + i + ": " + a[i] + " vs " + s[i]);
                    // average pooling rounds its float sum at each tap, LIP sums in double
                    assertEquals(
                            m[i],
                            b[i],
                            1e-6 * Math.max(1, Math.abs(m[i])),
                            t + " " + layout + " LIP with constant logits at " + i);
                }
            }
        }
    }

    @Test
    void parameterGradientsMatchCentralDifferences() {
        SplittableRandom r = new SplittableRandom(23);
        long[] shape = {2, 2, 5, 4};
        int count = (int) TestTensors.count(shape);
        float[] x = random(r, count, 2);
        for (TestTensors.Target t : TestTensors.targets()) {
            // mixed: dλ per channel = Σ g (max - avg)
            PoolSpec mixed = PoolSpec.mixed(0, 2, 2)
                    .stride(1, 2)
                    .padding(1, 1)
                    .lambdaPerChannel(0.3f, 0.6f)
                    .build();
            PreparedPool pool = Pooling.prepare(mixed, Layout.NCHW, shape, t.backend(), t.isa());
            long[] outShape = pool.outputShape();
            float[] gy = random(r, (int) TestTensors.count(outShape), 1), gx = new float[count], gl = new float[2];
            pool.backwardWithParameters(
                    Tensor.of(gy, Layout.NCHW, outShape),
                    Tensor.of(gx, Layout.NCHW, shape),
                    Tensor.of(x, Layout.NCHW, shape),
                    null,
                    gl);
            for (int c = 0; c < 2; c++) {
                float[] up = {0.3f, 0.6f}, down = {0.3f, 0.6f};
                up[c] += 0.01f;
                down[c] -= 0.01f;
                double numeric = (dot(
                                        gy,
                                        run(
                                                PoolSpec.mixed(0, 2, 2)
                                                        .stride(1, 2)
                                                        .padding(1, 1)
                                                        .lambdaPerChannel(up)
                                                        .build(),
                                                Layout.NCHW,
                                                shape,
                                                x,
                                                t))
                                - dot(
                                        gy,
                                        run(
                                                PoolSpec.mixed(0, 2, 2)
                                                        .stride(1, 2)
                                                        .padding(1, 1)
                                                        .lambdaPerChannel(down)
                                                        .build(),
                                                Layout.NCHW,
                                                shape,
                                                x,
                                                t)))
                        / (up[c] - down[c]);
                assertEquals(numeric, gl[c], 1e-3 * Math.max(1, Math.abs(numeric)), t + " dλ[" + c + "]");
            }
            // LIP: d/dlogits, broadcast logits summed over the channels
            PoolSpec lip = PoolSpec.lip(3, 2)
                    .stride(2, 1)
                    .padding(1, 0)
                    .logitsBroadcast()
                    .build();
            pool = Pooling.prepare(lip, Layout.NCHW, shape, t.backend(), t.isa());
            outShape = pool.outputShape();
            long[] logitShape = {2, 1, 5, 4};
            float[] logits = random(r, 40, 2), gLogits = new float[40];
            gy = random(r, (int) TestTensors.count(outShape), 1);
            pool.backwardWithParameters(
                    Tensor.of(gy, Layout.NCHW, outShape),
                    Tensor.of(gx, Layout.NCHW, shape),
                    Tensor.of(x, Layout.NCHW, shape),
                    Tensor.of(logits, Layout.NCHW, logitShape),
                    gLogits);
            for (int i = 0; i < 40; i++) {
                float[] up = logits.clone(), down = logits.clone();
                up[i] += 1e-2f;
                down[i] -= 1e-2f;
                double numeric = (dot(gy, runWith(pool, x, shape, up, logitShape))
                                - dot(gy, runWith(pool, x, shape, down, logitShape)))
                        / (up[i] - down[i]);
                assertEquals(numeric, gLogits[i], 2e-3 * Math.max(1, Math.abs(numeric)), t + " dlogit[" + i + "]");
            }
        }
    }

    private static float[] runWith(PreparedPool pool, float[] x, long[] shape, float[] params, long[] paramsShape) {
        float[] out = new float[(int) TestTensors.count(pool.outputShape())];
        pool.run(
                Tensor.of(x, Layout.NCHW, shape),
                Tensor.of(out, Layout.NCHW, pool.outputShape()),
                null,
                Tensor.of(params, Layout.NCHW, paramsShape));
        return out;
    }

    // ---- gradients against central differences (double-checked in float with a relative tolerance) ----

    @Test
    void gradientsMatchCentralDifferences() {
        SplittableRandom r = new SplittableRandom(13);
        long[] shape = {1, 2, 5, 6};
        int count = (int) TestTensors.count(shape);
        List<PoolSpec> specs = List.of(
                PoolSpec.soft(3, 2).stride(2, 2).padding(1, 1).ceilMode(true).build(),
                PoolSpec.soft(2, 2).stride(1, 2).dilation(2, 1).build(),
                PoolSpec.gem(3, 3, 3).stride(2, 2).padding(1, 0).eps(0.05).build(),
                PoolSpec.gem(1, 2, 2).pPerChannel(2.5f, 4f).eps(0.05).build(),
                PoolSpec.adaptiveGem(2, 2, 3).pPerChannel(1.5f, 3f).build());
        for (PoolSpec spec : specs) {
            float[] x = random(r, count, 2);
            if (spec.op() == PoolOp.GEM)
                for (int i = 0; i < count; i++) x[i] = 0.2f + Math.abs(x[i]); // away from the clamp's kink
            for (TestTensors.Target t : TestTensors.targets()) {
                PreparedPool pool = Pooling.prepare(spec, Layout.NCHW, shape, t.backend(), t.isa());
                long[] outShape = pool.outputShape();
                float[] gy = random(r, (int) TestTensors.count(outShape), 1), gx = new float[count];
                float[] gp = spec.op() == PoolOp.GEM
                        ? new float[spec.pPerChannel().map(a -> a.length).orElse(1)]
                        : null;
                pool.backwardWithParameters(
                        Tensor.of(gy, Layout.NCHW, outShape),
                        Tensor.of(gx, Layout.NCHW, shape),
                        Tensor.of(x, Layout.NCHW, shape),
                        null,
                        gp);
                for (int i = 0; i < count; i++) {
                    double h = 1e-3 * Math.max(1, Math.abs(x[i]));
                    float[] plus = x.clone(), minus = x.clone();
                    plus[i] += (float) h;
                    minus[i] -= (float) h;
                    double numeric = (dot(gy, run(spec, Layout.NCHW, shape, plus, t))
                                    - dot(gy, run(spec, Layout.NCHW, shape, minus, t)))
                            / (plus[i] - minus[i]);
                    assertEquals(
                            numeric, gx[i], 2e-3 * Math.max(1, Math.abs(numeric)), t + " " + spec + " d/dx[" + i + "]");
                }
                if (gp == null) continue;
                for (int k = 0; k < gp.length; k++) {
                    double numeric = (dot(gy, run(withP(spec, k, 1e-3), Layout.NCHW, shape, x, t))
                                    - dot(gy, run(withP(spec, k, -1e-3), Layout.NCHW, shape, x, t)))
                            / 2e-3;
                    assertEquals(
                            numeric, gp[k], 2e-3 * Math.max(1, Math.abs(numeric)), t + " " + spec + " d/dp[" + k + "]");
                }
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** The GeM spec with p (or channel k's p) moved by delta. */
    private static PoolSpec withP(PoolSpec spec, int k, double delta) {
        PoolSpec.Builder b = switch (spec.windowRule()) {
            case ADAPTIVE ->
                PoolSpec.adaptiveGem(
                        spec.p() + (spec.pPerChannel().isPresent() ? 0 : delta),
                        spec.outputSize().orElseThrow());
            case GLOBAL -> PoolSpec.globalGem(spec.p() + (spec.pPerChannel().isPresent() ? 0 : delta), spec.rank());
            default ->
                PoolSpec.gem(spec.p() + (spec.pPerChannel().isPresent() ? 0 : delta), spec.kernel())
                        .stride(spec.stride())
                        .padding(spec.padBegin(), spec.padEnd())
                        .dilation(spec.dilation())
                        .ceilMode(spec.ceilMode());
        };
        b.eps(spec.eps());
        spec.pPerChannel().ifPresent(p -> {
            float[] q = p.clone();
            q[k] += (float) delta;
            b.pPerChannel(q);
        });
        return b.build();
    }

    @Test
    void gradientsOfSpecialWindows() {
        long[] shape = {1, 1, 1, 6};
        float[] x = {Float.NaN, 1, -Float.POSITIVE_INFINITY, 2, 3, 4}; // windows of 2: [NaN, 1], [-inf, 2], [3, 4]
        for (TestTensors.Target t : TestTensors.targets()) {
            PreparedPool pool = Pooling.prepare(PoolSpec.soft(1, 2).build(), Layout.NCHW, shape, t.backend(), t.isa());
            float[] gx = new float[6];
            pool.backward(
                    Tensor.of(new float[] {1, 1, 1}, Layout.NCHW, 1, 1, 1, 3),
                    Tensor.of(gx, Layout.NCHW, shape),
                    Tensor.of(x, Layout.NCHW, shape),
                    null,
                    null);
            assertTrue(Float.isNaN(gx[0]) && Float.isNaN(gx[1]), t + ": NaN window " + Arrays.toString(gx));
            assertEquals(0f, gx[2], 0f, t + ": a -inf tap weighs 0");
            assertEquals(1f, gx[3], 1e-6f, t + ": the only finite tap takes it all");
            assertTrue(Float.isFinite(gx[4]) && Float.isFinite(gx[5]), t + Arrays.toString(gx));
        }
    }

    // ---- native against Java ----

    @ParameterizedTest(name = "native:{0} = java")
    @MethodSource("dev.poolkit.CrossBackendTest#levels")
    void nativeEqualsJava(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom r = new SplittableRandom(1616 + isa.ordinal());
        int run = 0;
        for (int problem = 0; problem < 400; problem++) {
            int rank = r.nextInt(1, 4);
            long[] shape = new long[rank + 2];
            shape[0] = r.nextInt(1, 3);
            shape[1] = r.nextInt(1, 20);
            for (int i = 0; i < rank; i++) shape[i + 2] = r.nextInt(1, rank == 3 ? 7 : rank == 2 ? 15 : 30);
            PoolSpec spec;
            long[] outShape;
            try {
                spec = randomSpec(r, rank, shape[1]);
                outShape = Pooling.outputShape(spec, shape);
            } catch (IllegalArgumentException doesNotFit) {
                continue;
            }
            run++;
            Layout layout = r.nextBoolean() ? Layout.NCHW : Layout.NHWC;
            boolean views = r.nextInt(3) == 0;
            try (Arena arena = Arena.ofConfined()) {
                boolean runParams = spec.takesRunParams();
                views &= !runParams; // params follow the dense tensors here
                Tensor in = FamilyCrossBackendTest.view(arena, layout, shape, views, r);
                Tensor out = FamilyCrossBackendTest.view(arena, layout, outShape, views, r);
                fill(in, r);
                PreparedPool nat = Pooling.prepare(spec, in, out, Backend.NATIVE, isa);
                Tensor params = randomParams(arena, nat, r);
                boolean indexed = spec.op() == PoolOp.MIXED
                        || spec.op() == PoolOp.S3POOL
                        || spec.op() == PoolOp.STOCHASTIC && spec.training();
                Tensor natIdx = indexed && !views && r.nextBoolean()
                        ? Tensor.allocate(arena, DType.I64, layout, outShape)
                        : null; // without: the SIMD path
                nat.run(in, out, natIdx, params);
                Tensor denseIn = Tensor.allocate(arena, DType.F32, layout, shape);
                copy(in, denseIn);
                PreparedPool java = Pooling.prepare(spec, layout, shape, Backend.JAVA, null);
                Tensor javaOut = java.allocateOutput(arena),
                        javaIdx = natIdx == null ? null : java.allocateIndices(arena);
                java.run(denseIn, javaOut, javaIdx, params);
                Tensor natDense = Tensor.allocate(arena, DType.F32, layout, outShape);
                copy(out, natDense);
                assertNull(difference(natDense, javaOut), () -> nat + " on " + in);
                if (natIdx != null) {
                    for (long i = 0; i < TestTensors.count(outShape); i++) {
                        long a = natIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, i),
                                b = javaIdx.segment().getAtIndex(ValueLayout.JAVA_LONG, i);
                        if (a != b) fail(nat + ": index " + i + " " + a + " vs " + b);
                    }
                }
                // gradients of both backends
                if (!views) {
                    Tensor gy = Tensor.allocate(arena, DType.F32, layout, outShape),
                            gxn = Tensor.allocate(arena, DType.F32, layout, shape);
                    Tensor gxj = Tensor.allocate(arena, DType.F32, layout, shape);
                    fill(gy, r);
                    nat.backwardWithParameters(gy, gxn, in, params, (MemorySegment) null);
                    java.backwardWithParameters(gy, gxj, denseIn, params, (MemorySegment) null);
                    for (long i = 0; i < TestTensors.count(shape); i++) {
                        float a = gxn.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i),
                                b = gxj.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
                        if (!(close(a, b, ULPS) || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a))))
                            fail(nat + ": gradient " + i + " " + a + " vs " + b);
                    }
                }
                // the cross-check backend agrees with itself
                Pooling.prepare(spec, layout, shape, Backend.CROSS_CHECK, isa)
                        .run(denseIn, Tensor.allocate(arena, DType.F32, layout, outShape), null, params);
            }
        }
        assertTrue(run > 200, "only " + run + " problems ran");
    }

    static PoolSpec randomSpec(SplittableRandom r, int rank, long channels) {
        if (r.nextInt(5) < 3) return randomSlidingMethod(r, rank, channels);
        boolean gem = r.nextBoolean();
        double p = new double[] {1, 2, 3, 0.5, 7.5}[r.nextInt(5)];
        long[] kernel = new long[rank],
                stride = new long[rank],
                dilation = new long[rank],
                pad = new long[rank],
                out = new long[rank];
        for (int i = 0; i < rank; i++) {
            kernel[i] = r.nextInt(1, 5);
            stride[i] = r.nextInt(1, 4);
            dilation[i] = r.nextInt(4) == 0 ? 2 : 1;
            pad[i] = r.nextInt((int) (dilation[i] * (kernel[i] - 1) + 1) / 2 + 1);
            out[i] = r.nextInt(1, 6);
        }
        PoolSpec.Builder b = switch (r.nextInt(4)) {
            case 0 -> gem ? PoolSpec.globalGem(p, rank) : PoolSpec.globalSoft(rank);
            case 1 -> gem ? PoolSpec.adaptiveGem(p, out) : PoolSpec.adaptiveSoft(out);
            default ->
                (gem ? PoolSpec.gem(p, kernel) : PoolSpec.soft(kernel))
                        .stride(stride)
                        .dilation(dilation)
                        .padding(pad)
                        .ceilMode(r.nextBoolean());
        };
        if (gem && r.nextBoolean()) {
            float[] ps = new float[(int) channels];
            for (int c = 0; c < ps.length; c++) ps[c] = (float) (0.5 + r.nextDouble() * 6);
            b.pPerChannel(ps);
        }
        if (gem && r.nextBoolean()) b.eps(r.nextBoolean() ? 0.25 : 1e-6);
        return b.build();
    }

    /** Mixed, stochastic or LIP over random sliding windows, with every source of their parameter. */
    static PoolSpec randomSlidingMethod(SplittableRandom r, int rank, long channels) {
        long[] kernel = new long[rank], stride = new long[rank], dilation = new long[rank], pad = new long[rank];
        for (int i = 0; i < rank; i++) {
            kernel[i] = r.nextInt(1, 5);
            stride[i] = r.nextInt(1, 4);
            dilation[i] = r.nextInt(4) == 0 ? 2 : 1;
            pad[i] = r.nextInt((int) (dilation[i] * (kernel[i] - 1) + 1) / 2 + 1);
        }
        if (r.nextInt(5) == 0) { // S3Pool, whose windows are its own
            long[] s = new long[rank], grid = new long[rank];
            for (int i = 0; i < rank; i++) {
                s[i] = r.nextInt(1, 4);
                grid[i] = s[i] * r.nextInt(1, 4);
            }
            PoolSpec.Builder b = PoolSpec.s3pool(s).grid(grid).indexFormat(IndexFormat.values()[r.nextInt(5)]);
            return (r.nextBoolean() ? b.training().seed(r.nextLong()) : b).build();
        }
        PoolSpec.Builder b = switch (r.nextInt(3)) {
            case 0 -> {
                PoolSpec.Builder m = PoolSpec.mixed(r.nextDouble() * 1.5 - 0.25, kernel);
                switch (r.nextInt(5)) {
                    case 0 -> {
                        float[] l = new float[(int) channels];
                        for (int c = 0; c < l.length; c++) l[c] = (float) r.nextDouble();
                        m.lambdaPerChannel(l);
                    }
                    case 1 -> m.lambdaPerOutput();
                    case 2 -> m.lambdaDrawn(r.nextDouble()).seed(r.nextLong());
                    case 3 -> m.lambdaDrawn(r.nextDouble());
                    default -> {}
                }
                m.divisor(AvgDivisor.values()[r.nextInt(3)])
                        .nanPolicy(NanPolicy.values()[r.nextInt(2)])
                        .indexFormat(IndexFormat.values()[r.nextInt(5)]);
                yield m;
            }
            case 1 ->
                r.nextBoolean()
                        ? PoolSpec.stochastic(kernel)
                        : r.nextBoolean()
                                ? PoolSpec.stochastic(kernel)
                                        .training()
                                        .seed(r.nextLong())
                                        .indexFormat(IndexFormat.values()[r.nextInt(5)])
                                : PoolSpec.stochastic(kernel)
                                        .training()
                                        .indexFormat(IndexFormat.values()[r.nextInt(5)]);
            default ->
                r.nextBoolean() ? PoolSpec.lip(kernel) : PoolSpec.lip(kernel).logitsBroadcast();
        };
        return b.stride(stride)
                .dilation(dilation)
                .padding(pad)
                .ceilMode(r.nextBoolean())
                .build();
    }

    /** Random params for a prepared method's runs (uniforms, λ map or logits), in a dense tensor of the layout. */
    static Tensor randomParams(Arena arena, PreparedPool pool, SplittableRandom r) {
        PoolSpec spec = pool.spec();
        if (!spec.takesRunParams()) return null;
        long[] shape = spec.op() == PoolOp.LIP ? pool.inputShape() : pool.outputShape();
        if (spec.logitsBroadcast()) shape[1] = 1;
        Tensor t = Tensor.allocate(arena, DType.F32, pool.layout(), shape);
        boolean uniforms = spec.op() != PoolOp.LIP && !spec.lambdaPerOutput();
        for (long i = 0; i < TestTensors.count(shape); i++) {
            float v = uniforms ? (float) r.nextDouble() * 0.9999f : (float) (r.nextDouble() * 4 - 1);
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        }
        return t;
    }

    private static void fill(Tensor t, SplittableRandom r) {
        boolean specials = r.nextInt(4) == 0, huge = r.nextInt(5) == 0;
        forEach(t, at -> {
            float v = (float) ((r.nextDouble() * 2 - 1) * (huge ? 3e38 : 8));
            if (specials) {
                int k = r.nextInt(12);
                v = k == 0 ? Float.NaN : k == 1 ? Float.POSITIVE_INFINITY : k == 2 ? Float.NEGATIVE_INFINITY : v;
            }
            t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, at, v);
        });
    }

    /** Visits the storage offset of every element of a (possibly strided) tensor, in logical order. */
    private static void forEach(Tensor t, java.util.function.LongConsumer action) {
        long[] shape = t.shape(), st = t.strides(), c = new long[shape.length];
        for (long i = 0; i < TestTensors.count(shape); i++) {
            long o = 0;
            for (int k = 0; k < st.length; k++) o += c[k] * st[k];
            action.accept(o);
            for (int k = shape.length - 1; k >= 0; k--) {
                if (++c[k] < shape[k]) break;
                c[k] = 0;
            }
        }
    }

    private static void copy(Tensor from, Tensor to) {
        long[] a = offsets(from), b = offsets(to);
        for (int i = 0; i < a.length; i++) {
            to.segment()
                    .setAtIndex(ValueLayout.JAVA_FLOAT, b[i], from.segment().getAtIndex(ValueLayout.JAVA_FLOAT, a[i]));
        }
    }

    private static long[] offsets(Tensor t) {
        long[] out = new long[(int) TestTensors.count(t.shape())];
        int[] i = {0};
        forEach(t, o -> out[i[0]++] = o);
        return out;
    }

    private static String difference(Tensor a, Tensor b) {
        long n = TestTensors.count(a.shape());
        for (long i = 0; i < n; i++) {
            float x = a.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i),
                    y = b.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!close(x, y, ULPS)) return "element " + i + ": " + x + " vs " + y;
        }
        return null;
    }

    @Test
    void sharedRunEqualsPlainRun() throws Exception {
        long[] shape = {2, 40, 17, 13};
        SplittableRandom r = new SplittableRandom(3);
        float[] x = random(r, (int) TestTensors.count(shape), 5);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (PoolSpec spec : List.of(
                    PoolSpec.soft(3, 3).stride(2, 2).build(),
                    PoolSpec.gem(3, 2, 2).build(),
                    PoolSpec.mixed(0, 2, 2).lambdaPerOutput().build(),
                    PoolSpec.stochastic(3, 3).stride(2, 2).training().build(),
                    PoolSpec.lip(3, 3)
                            .stride(2, 2)
                            .padding(1, 1)
                            .logitsBroadcast()
                            .build(),
                    PoolSpec.s3pool(2, 3).training().seed(4).build())) {
                for (Layout layout : Layout.values()) {
                    for (TestTensors.Target t : TestTensors.targets()) {
                        try (Arena arena = Arena.ofShared()) { // read by the executor's threads
                            PreparedPool prepared = Pooling.prepare(spec, layout, shape, t.backend(), t.isa());
                            Tensor params = randomParams(arena, prepared, new SplittableRandom(8));
                            float[] a = new float[(int) TestTensors.count(prepared.outputShape())], b = a.clone();
                            prepared.run(
                                    Tensor.of(x, layout, shape),
                                    Tensor.of(a, layout, prepared.outputShape()),
                                    null,
                                    params);
                            prepared.run(
                                    Tensor.of(x, layout, shape),
                                    Tensor.of(b, layout, prepared.outputShape()),
                                    null,
                                    params,
                                    pool,
                                    4);
                            assertArrayEquals(a, b, t + " " + layout + " " + spec);
                        }
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    // ---- validation and shapes ----

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> PoolSpec.gem(0, 2, 2).build(), "p = 0");
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.gem(Double.POSITIVE_INFINITY, 2).build(),
                "p = inf");
        assertThrows(
                IllegalArgumentException.class, () -> PoolSpec.gem(3, 2).eps(0).build(), "eps = 0");
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.gem(3, 2).pPerChannel(1, -1).build(),
                "negative p");
        assertThrows(
                IllegalArgumentException.class, () -> PoolSpec.soft(2).eps(0.1).build(), "eps on SoftPool");
        assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.soft(2).nanPolicy(NanPolicy.IGNORE).build(),
                "nanPolicy on SoftPool");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepare(PoolSpec.gem(3, 2).pPerChannel(1, 2).build(), Layout.NCHW, 1, 3, 8));
        assertTrue(e.getMessage().contains("pPerChannel has 2 values"), e.getMessage());
        PreparedPool soft =
                Pooling.prepare(PoolSpec.soft(2).build(), Layout.NCHW, new long[] {1, 1, 4}, Backend.JAVA, null);
        assertThrows(
                IllegalArgumentException.class,
                () -> soft.run(
                        Tensor.of(new float[4], Layout.NCHW, 1, 1, 4),
                        Tensor.of(new float[2], Layout.NCHW, 1, 1, 2),
                        Tensor.i64(MemorySegment.ofArray(new long[2]), Layout.NCHW, 1, 1, 2)));
        assertThrows(
                IllegalArgumentException.class,
                () -> soft.backwardWithParameters(
                        Tensor.of(new float[2], Layout.NCHW, 1, 1, 2),
                        Tensor.of(new float[4], Layout.NCHW, 1, 1, 4),
                        Tensor.of(new float[4], Layout.NCHW, 1, 1, 4),
                        null,
                        new float[1]));
    }

    @Test
    void shapesAndCost() {
        assertArrayEquals(
                new long[] {2, 3, 4, 4},
                Pooling.outputShape(
                        PoolSpec.soft(3, 3).stride(2, 2).padding(1, 1).build(), 2, 3, 8, 8));
        assertArrayEquals(
                new long[] {2, 3, 1, 1},
                Pooling.outputShape(PoolSpec.globalGem(3, 2).build(), 2, 3, 8, 8));
        assertArrayEquals(
                new long[] {2, 3, 5},
                Pooling.outputShape(PoolSpec.adaptiveSoft(5).build(), 2, 3, 9));
        Cost c = Pooling.cost(PoolSpec.soft(2, 2).build(), false, 1, 1, 4, 4);
        assertEquals(64, c.bytesRead());
        assertEquals(16, c.bytesWritten());
        assertEquals(2 * 16 + 4, c.operations()); // two passes over 16 taps, one division per output
    }
}
