package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input fails in Java, before any native code runs, with a message naming the parameter and its value. */
class ValidationTest {

    private static void rejects(Class<? extends Throwable> type, Executable call, String... fragments) {
        Throwable t = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(t.getMessage().contains(f), () -> "message \"" + t.getMessage() + "\" lacks \"" + f + "\"");
        }
    }

    private static void rejects(Executable call, String... fragments) {
        rejects(IllegalArgumentException.class, call, fragments);
    }

    @Test
    void specParameters() {
        rejects(() -> PoolSpec.max(3, 0).build(), "kernel[1] = 0");
        rejects(() -> PoolSpec.max(3, 3).stride(2, -1).build(), "stride[1] = -1");
        rejects(() -> PoolSpec.max(3, 3).dilation(0, 1).build(), "dilation[0] = 0");
        rejects(() -> PoolSpec.max(3, 3).padding(-1, 0).build(), "padBegin[0] = -1");
        rejects(() -> PoolSpec.max(3, 3).stride(1, 1, 1).build(), "stride = [1, 1, 1]", "kernel has 2");
        rejects(() -> PoolSpec.max(3, 3, 3, 3).build(), "kernel has 4 dimensions");
        rejects(() -> PoolSpec.max().build(), "kernel has 0 dimensions");
        rejects(() -> PoolSpec.max(1L << 41).build(), "kernel[0] = 2199023255552");
    }

    @Test
    void paddingLimitsFollowTheConventions() {
        rejects(
                () -> PoolSpec.max(3, 3).padding(2, 1).build(),
                "padBegin[0] = 2",
                "PyTorch allows at most half",
                "(3 / 2 = 1)");
        rejects(() -> PoolSpec.max(3).padding(new long[] {0}, new long[] {2}).build(), "padEnd[0] = 2");
        // with dilation 2 the effective kernel is 5: PyTorch 2.x allows 2
        assertEquals(2, PoolSpec.max(3).dilation(2).padding(2).build().padBegin()[0]);
        // ONNX allows up to the effective kernel minus one
        assertEquals(
                2,
                PoolSpec.max(3).padding(2).conventions(Conventions.ONNX).build().padBegin()[0]);
        rejects(
                () -> PoolSpec.max(3).padding(3).conventions(Conventions.ONNX).build(),
                "padBegin[0] = 3",
                "smaller than the effective kernel (3)");
    }

    @Test
    void optionsThatDoNotApply() {
        rejects(() -> PoolSpec.max(2).divisorOverride(4).build(), "divisor options apply to average pooling");
        rejects(
                () -> PoolSpec.avg(2).nanPolicy(NanPolicy.IGNORE).build(),
                "nanPolicy applies to max and min pooling, not AVG");
        rejects(() -> PoolSpec.avg(2).divisorOverride(-3).build(), "divisorOverride = -3");
        rejects(
                () -> PoolSpec.max(2).autoPad(AutoPad.SAME_UPPER).build(),
                "autoPad = SAME_UPPER",
                "not a PyTorch convention");
        rejects(
                () -> PoolSpec.max(2)
                        .autoPad(AutoPad.VALID)
                        .conventions(Conventions.ONNX)
                        .ceilMode(true)
                        .build(),
                "autoPad = VALID with ceilMode = true");
        rejects(
                () -> PoolSpec.max(2)
                        .padding(1)
                        .autoPad(AutoPad.VALID)
                        .conventions(Conventions.ONNX)
                        .build(),
                "with explicit padding");
    }

    @Test
    void specAgainstInputShape() {
        PoolSpec spec = PoolSpec.max(5, 5).build();
        rejects(() -> Pooling.prepare(spec, Layout.NCHW, 1, 3, 4, 8), "kernel[0] = 5", "(4 + 0 + 0 = 4)");
        rejects(
                () -> Pooling.prepare(PoolSpec.max(3).dilation(4).build(), Layout.NCHW, 1, 1, 8),
                "kernel[0] = 3 (effective 9 with dilation 4)");
        rejects(() -> Pooling.prepare(spec, Layout.NCHW, 1, 3, 8), "has 1 spatial dimensions but the spec has 2");
        rejects(
                () -> Pooling.prepare(spec, Layout.NCHW, 1, 3, 0, 8),
                "shape[2] = 0"); // N = 0 and C = 0 are empty problems
        rejects(() -> Pooling.prepare(spec, Layout.NCHW, 1L << 40, 1L << 20, 8, 8), "overflows");
        assertThrows(NullPointerException.class, () -> Pooling.prepare(null, Layout.NCHW, 1, 1, 8, 8));
    }

    @Test
    void tensorViews() {
        rejects(
                () -> Tensor.of(new float[10], Layout.NCHW, 1, 1, 4, 4),
                "segment of 40 bytes is too small",
                "[1, 1, 4, 4] (64 bytes)");
        rejects(
                () -> Tensor.f32(MemorySegment.ofArray(new byte[64]), Layout.NCHW, 1, 1, 4, 4),
                "not aligned to 4 bytes");
        rejects(() -> Tensor.of(ByteBuffer.allocate(64), Layout.NCHW, 1, 1, 4, 4), "heap ByteBuffer");
        rejects(() -> Tensor.of(new float[16], Layout.NCHW, 1, 16), "has 2 dimensions");
        rejects(() -> Tensor.of(new float[16], Layout.NCHW, 1, 1, -4, -4), "shape[2] = -4");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1024, 8);
            rejects(() -> Tensor.f32(s.asSlice(1), Layout.NCHW, 1, 1, 4, 4), "not aligned to 4 bytes");
        }
    }

    @Test
    void runArguments() {
        PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NCHW, 1, 2, 4, 4);
        Tensor in = Tensor.of(new float[32], Layout.NCHW, 1, 2, 4, 4);
        Tensor out = Tensor.of(new float[8], Layout.NCHW, 1, 2, 2, 2);
        rejects(
                () -> pool.run(Tensor.of(new float[32], Layout.NCHW, 1, 2, 2, 8), out),
                "input shape = [1, 2, 2, 8]",
                "prepared for [1, 2, 4, 4]");
        rejects(() -> pool.run(Tensor.of(new float[32], Layout.NHWC, 1, 2, 4, 4), out), "input layout = NHWC");
        rejects(() -> pool.run(in, Tensor.of(new float[8], Layout.NCHW, 1, 2, 1, 4)), "output shape = [1, 2, 1, 4]");
        rejects(
                () -> pool.run(in, Tensor.i64(MemorySegment.ofArray(new long[8]), Layout.NCHW, 1, 2, 2, 2)),
                "output dtype = I64");
        rejects(
                () -> pool.run(
                        in, Tensor.f32(MemorySegment.ofArray(new float[8]).asReadOnly(), Layout.NCHW, 1, 2, 2, 2)),
                "output segment is read-only");
        rejects(() -> pool.run(in, out, Tensor.of(new float[8], Layout.NCHW, 1, 2, 2, 2)), "indices dtype = F32");
        assertThrows(NullPointerException.class, () -> pool.run(null, out));
        PreparedPool avg = Pooling.prepare(PoolSpec.avg(2, 2).build(), Layout.NCHW, 1, 2, 4, 4);
        rejects(
                () -> avg.run(in, out, Tensor.i64(MemorySegment.ofArray(new long[8]), Layout.NCHW, 1, 2, 2, 2)),
                "indices given to AVG pooling");
    }

    /** A run skips re-checking a tensor's type only against the exact operation and role it last matched. */
    @Test
    void tensorsThatMatchedAnotherOperationAreCheckedAgain() {
        for (TestTensors.Target t : TestTensors.targets()) {
            PoolSpec spec = PoolSpec.max(2, 2).build();
            PreparedPool small = Pooling.prepare(spec, Layout.NCHW, new long[] {1, 2, 4, 4}, t.backend(), t.isa());
            PreparedPool big = Pooling.prepare(spec, Layout.NCHW, new long[] {1, 2, 8, 8}, t.backend(), t.isa());
            PreparedPool channelsLast =
                    Pooling.prepare(spec, Layout.NHWC, new long[] {1, 2, 4, 4}, t.backend(), t.isa());
            float[] data = new float[32];
            for (int i = 0; i < data.length; i++) data[i] = i;
            Tensor in = Tensor.of(data, Layout.NCHW, 1, 2, 4, 4),
                    out = Tensor.of(new float[8], Layout.NCHW, 1, 2, 2, 2);
            Tensor idx = Tensor.i64(MemorySegment.ofArray(new long[8]), Layout.NCHW, 1, 2, 2, 2);
            small.run(in, out, idx);
            rejects(() -> big.run(in, Tensor.of(new float[32], Layout.NCHW, 1, 2, 4, 4)), "input shape = [1, 2, 4, 4]");
            rejects(
                    () -> channelsLast.run(in, Tensor.of(new float[8], Layout.NHWC, 1, 2, 2, 2)),
                    "input layout = NCHW");
            rejects(
                    () -> small.run(out, Tensor.of(new float[8], Layout.NCHW, 1, 2, 2, 2)),
                    "input shape = [1, 2, 2, 2]");
            rejects(() -> small.run(in, idx), "output dtype = I64");
            rejects(() -> small.run(in, out, out), "indices dtype = F32");
            small.run(in, out, idx); // matched again after the failures
            assertEquals(31f, ((float[]) out.segment().heapBase().orElseThrow())[7], t.toString());
            // one tensor as the output of one operation and the input of the next, alternately
            PreparedPool next = Pooling.prepare(spec, Layout.NCHW, new long[] {1, 2, 2, 2}, t.backend(), t.isa());
            Tensor last = Tensor.of(new float[2], Layout.NCHW, 1, 2, 1, 1);
            for (int i = 0; i < 3; i++) {
                small.run(in, out);
                next.run(out, last);
            }
            assertEquals(31f, ((float[]) last.segment().heapBase().orElseThrow())[1], t.toString());
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor big = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 4, 4, 4);
            Tensor slice = big.sliceChannels(1, 3), out = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 2, 2, 2);
            PreparedPool dense = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NHWC, 1, 2, 4, 4);
            PreparedPool strided = Pooling.prepare(PoolSpec.max(2, 2).build(), slice, out);
            Tensor denseIn = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 2, 4, 4);
            dense.run(denseIn, out);
            rejects(() -> strided.run(denseIn, out), "input strides = [32, 1, 8, 2]");
            strided.run(slice, out);
            rejects(() -> dense.run(slice, out), "input strides = [64, 1, 16, 4]");
        }
    }

    @Test
    void readOnlyInputsAreAccepted() {
        for (TestTensors.Target t : TestTensors.targets()) {
            PreparedPool pool = Pooling.prepare(
                    PoolSpec.max(2, 2).build(), Layout.NCHW, new long[] {1, 1, 2, 2}, t.backend(), t.isa());
            float[] out = new float[1];
            pool.run(
                    Tensor.f32(MemorySegment.ofArray(new float[] {1, 4, 3, 2}).asReadOnly(), Layout.NCHW, 1, 1, 2, 2),
                    Tensor.of(out, Layout.NCHW, 1, 1, 1, 1));
            assertEquals(4f, out[0], t.toString());
        }
    }

    @Test
    void overlappingAndClosedSegments() {
        PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NCHW, 1, 2, 4, 4);
        Arena arena = Arena.ofConfined();
        MemorySegment block = arena.allocate(1024, 64);
        Tensor in = Tensor.f32(block.asSlice(0, 128), Layout.NCHW, 1, 2, 4, 4);
        rejects(
                () -> pool.run(in, Tensor.f32(block.asSlice(64, 32), Layout.NCHW, 1, 2, 2, 2)),
                "input and output overlap");
        Tensor out = Tensor.f32(block.asSlice(128, 32), Layout.NCHW, 1, 2, 2, 2);
        rejects(
                () -> pool.run(in, out, Tensor.i64(block.asSlice(128, 64), Layout.NCHW, 1, 2, 2, 2)),
                "output and indices overlap");
        float[] heap = new float[40];
        rejects(
                () -> pool.run(
                        Tensor.f32(MemorySegment.ofArray(heap), Layout.NCHW, 1, 2, 4, 4),
                        Tensor.f32(MemorySegment.ofArray(heap).asSlice(120), Layout.NCHW, 1, 2, 2, 2)),
                "input and output overlap");
        pool.run(in, out); // disjoint slices of one block are fine
        arena.close();
        rejects(IllegalStateException.class, () -> pool.run(in, out), "input segment's arena is closed");
    }

    @Test
    void unavailableLevelsAndBackendNames() {
        if (Pooling.cpuIsa() != Isa.AVX512 && Pooling.nativeAvailable()) {
            rejects(
                    UnsupportedOperationException.class,
                    () -> Pooling.prepare(
                            PoolSpec.max(2).build(), Layout.NCHW, new long[] {1, 1, 4}, Backend.NATIVE, Isa.AVX512),
                    "isa = AVX512");
        }
        rejects(() -> Backend.parse("fast", "poolkit.backend"), "poolkit.backend = \"fast\"");
        rejects(() -> Isa.parse("sse", "poolkit.isa"), "poolkit.isa = \"sse\"");
        assertEquals(Backend.CROSS_CHECK, Backend.parse("cross-check", "x"));
    }

    @Test
    void familyOptions() {
        rejects(() -> PoolSpec.lp(0, 2).build(), "p = 0.0", "p > 0");
        rejects(() -> PoolSpec.lp(Double.NaN, 2).build(), "p = NaN");
        rejects(() -> PoolSpec.lp(Double.POSITIVE_INFINITY, 2).build(), "p = Infinity needs lpForm = ABS");
        rejects(() -> PoolSpec.lp(2, 2).padding(1).build(), "lpForm = PYTORCH takes no padding");
        rejects(() -> PoolSpec.avg(2).lpForm(LpForm.ABS).build(), "lpForm applies to LP pooling, not AVG");
        rejects(
                () -> PoolSpec.avg(2).indexFormat(IndexFormat.PLANE).build(),
                "indexFormat applies to max and min pooling, not AVG");
        rejects(() -> PoolSpec.adaptiveAvg(3, -1).build(), "outputSize[1] = -1");
        rejects(() -> PoolSpec.adaptiveMax(3, 3).stride(2, 2).build(), "apply to sliding windows, not ADAPTIVE");
        rejects(
                () -> PoolSpec.globalAvg(2).divisorOverride(3).build(),
                "divisor options apply to sliding windows: GLOBAL");
        rejects(() -> PoolSpec.globalAvg(4).build(), "rank = 4");
        rejects(() -> PoolSpec.fractionalMax(2, 2).seed(1).build(), "exactly one of outputSize and outputRatio");
        rejects(
                () -> PoolSpec.fractionalMax(2, 2).outputSize(3, 3).build(),
                "exactly one of samples(...) and seed(...)");
        rejects(() -> PoolSpec.fractionalMax(2, 2).outputRatio(0.5, 1.0).seed(1).build(), "outputRatio[1] = 1.0");
        rejects(
                () -> PoolSpec.fractionalMax(2, 2)
                        .outputSize(3, 3)
                        .samples(0.5f, 1f)
                        .build(),
                "samples[1] = 1.0");
        rejects(() -> PoolSpec.max(2).outputSize(3).build(), "apply to fractional pooling, not SLIDING");
        rejects(
                () -> PoolSpec.max(2, 2)
                        .autoPad(AutoPad.SAME_LOWER)
                        .conventions(Conventions.TENSORFLOW)
                        .build(),
                "SAME_LOWER is not a TensorFlow");
        PoolSpec frac = PoolSpec.fractionalMax(2, 2)
                .outputSize(4, 4)
                .samples(0.1f, 0.2f)
                .build();
        rejects(
                () -> Pooling.prepare(frac, Layout.NCHW, new long[] {1, 2, 8, 8}, Backend.JAVA, null),
                "samples has 2 values",
                "N*C*rank = 4");
        PoolSpec tooBig = PoolSpec.fractionalMax(3, 3).outputSize(7, 7).seed(3).build();
        rejects(() -> Pooling.outputShape(tooBig, 1, 1, 8, 8), "output + kernel - 1 <= input");
        rejects(() -> UnpoolSpec.of(2, 2).outputSize(0, 3).build(), "outputSize[0] = 0");
        rejects(
                () -> UnpoolSpec.inverseOf(PoolSpec.avg(2).build()),
                "only sliding max and min pooling produce indices");
    }

    @Test
    void stridedViews() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor big = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 8, 6, 6);
            rejects(() -> big.sliceChannels(6, 9), "channels [6, 9) outside [0, 8)");
            rejects(
                    () -> big.crop(new long[] {1, 1}, new long[] {6, 2}),
                    "crop of spatial axis 0 [1, 7) outside [0, 6)");
            rejects(() -> big.withStrides(288, 1, 48, 0), "strides[3] = 0");
            rejects(
                    () -> Tensor.f32(arena.allocate(100), Layout.NCHW, 1, 1, 5, 5)
                            .withStrides(25, 25, 6, 1),
                    "too small");
            Tensor slice = big.sliceChannels(2, 5), out = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 3, 3, 3);
            PoolSpec spec = PoolSpec.max(2, 2).build();
            PreparedPool pool = Pooling.prepare(spec, slice, out);
            assertEquals(8, pool.inputStrides()[3]);
            rejects(
                    () -> pool.run(Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 3, 6, 6), out),
                    "input strides = [108, 1, 18, 3]");
            Tensor overlapping =
                    Tensor.f32(arena.allocate(1024), Layout.NHWC, 1, 3, 3, 3).withStrides(27, 1, 3, 1);
            rejects(() -> Pooling.prepare(spec, slice, overlapping), "elements overlap");
        }
    }
}
