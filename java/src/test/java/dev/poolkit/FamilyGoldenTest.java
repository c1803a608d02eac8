package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The family's golden cases (family.txt, computed by PyTorch 1.13 and from ONNX's LpPool definition; format in
 * src/test/golden/generate_family.py) in both layouts, on the Java backend and on native code at every level this
 * CPU has: values bit for bit (LP within a few ulps: pow rounds differently across libraries), indices exactly in
 * every index format, unpooled tensors exactly, and input gradients against PyTorch's autograd (within float
 * rounding: the accumulation orders differ).
 */
class FamilyGoldenTest {
    private static final Map<String, IndexFormat> INDEX_FIELDS = Map.of(
            "indices",
            IndexFormat.PLANE,
            "indices_flat_row",
            IndexFormat.FLAT_ROW_MAJOR,
            "indices_flat_column",
            IndexFormat.FLAT_COLUMN_MAJOR,
            "indices_channels_last",
            IndexFormat.CHANNELS_LAST,
            "indices_channels_last_batch",
            IndexFormat.CHANNELS_LAST_BATCH);

    static Stream<GoldenCase> cases() throws IOException {
        return GoldenCase.load(System.getProperty("poolkit.familyGolden", "/golden/family.txt")).stream();
    }

    @Test
    void everyOpHasCases() throws IOException {
        for (String op : List.of(
                "min",
                "lp",
                "adaptive_max",
                "adaptive_avg",
                "global_max",
                "global_avg",
                "global_lp",
                "fractional_max",
                "unpool",
                "max",
                "avg")) {
            assertTrue(
                    cases().filter(c -> c.get("op").equals(op)).count() >= 5,
                    "family.txt has too few " + op + " cases");
        }
        assertTrue(
                cases().filter(c -> c.fields().containsKey("grad_input")).count() >= 100,
                "family.txt lost its gradients");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void golden(GoldenCase c) {
        if (c.get("op").equals("unpool")) {
            unpool(c);
            return;
        }
        long[] inShape = c.longs("input_shape"), outShape = c.longs("output_shape");
        List<String> failures = new ArrayList<>();
        for (IndexFormat format : IndexFormat.values()) {
            String field = INDEX_FIELDS.entrySet().stream()
                    .filter(e -> e.getValue() == format)
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            boolean extremum = c.fields().containsKey("indices");
            if (format != IndexFormat.PLANE && !c.fields().containsKey(field)) continue;
            PoolSpec spec = spec(c, inShape, outShape, extremum ? format : null);
            assertArrayEquals(outShape, Pooling.outputShape(spec, inShape), c + ": output shape");
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    String failure = check(
                            c,
                            spec,
                            layout,
                            target,
                            inShape,
                            outShape,
                            extremum ? c.longs(field) : null,
                            format == IndexFormat.PLANE);
                    if (failure != null) failures.add(format + " " + layout + " " + target + ": " + failure);
                }
            }
        }
        if (!failures.isEmpty()) fail(c + ":\n  " + String.join("\n  ", failures));
    }

    private static PoolSpec spec(GoldenCase c, long[] inShape, long[] outShape, IndexFormat format) {
        String op = c.get("op");
        int rank = inShape.length - 2;
        long[] outSize = Arrays.copyOfRange(outShape, 2, outShape.length);
        PoolSpec.Builder b = switch (op) {
            case "max", "avg" -> null;
            case "min" -> PoolSpec.min(c.longs("kernel"));
            case "lp" -> PoolSpec.lp(Double.parseDouble(c.get("p")), c.longs("kernel"));
            case "adaptive_max" -> PoolSpec.adaptiveMax(outSize);
            case "adaptive_avg" -> PoolSpec.adaptiveAvg(outSize);
            case "global_max" -> PoolSpec.globalMax(rank);
            case "global_avg" -> PoolSpec.globalAvg(rank);
            case "global_lp" -> PoolSpec.globalLp(Double.parseDouble(c.get("p")), rank);
            case "fractional_max" -> {
                float[] samples = c.floats("samples");
                yield PoolSpec.fractionalMax(c.longs("kernel"))
                        .outputSize(outSize)
                        .samples(samples);
            }
            default -> throw new IllegalStateException(c + ": unknown op " + op);
        };
        if (b == null) { // the fields of pytorch.txt
            PoolSpec base = c.spec();
            if (format == null || format == IndexFormat.PLANE) return base;
            return PoolSpec.max(base.kernel())
                    .stride(base.stride())
                    .padding(base.padBegin(), base.padEnd())
                    .dilation(base.dilation())
                    .ceilMode(base.ceilMode())
                    .nanPolicy(base.nanPolicy())
                    .conventions(base.conventions())
                    .indexFormat(format)
                    .build();
        }
        if (op.equals("min") || op.equals("lp")) {
            b.stride(c.longs("stride")).ceilMode(c.get("ceil_mode").equals("1"));
            long[] dilation = c.longs("dilation"), begin = c.longs("pad_begin"), end = c.longs("pad_end");
            boolean padded = Arrays.stream(begin).anyMatch(p -> p != 0)
                    || Arrays.stream(end).anyMatch(p -> p != 0);
            if (op.equals("lp")) {
                LpForm form = c.get("lp_form").equals("abs") ? LpForm.ABS : LpForm.PYTORCH;
                b.lpForm(form);
                if (form == LpForm.ABS) b.conventions(Conventions.ONNX);
            }
            if (padded) b.padding(begin, end);
            if (Arrays.stream(dilation).anyMatch(d -> d != 1)) b.dilation(dilation);
        }
        if (format != null) b.indexFormat(format);
        return b.build();
    }

    /** Null when the case passes on this target and layout, else the first difference. */
    private static String check(
            GoldenCase c,
            PoolSpec spec,
            Layout layout,
            TestTensors.Target target,
            long[] inShape,
            long[] outShape,
            long[] expectedIndices,
            boolean withGradient) {
        float[] input = c.floats("input"), expected = c.floats("output");
        PreparedPool pool = Pooling.prepare(spec, layout, inShape, target.backend(), target.isa());
        float[] out = new float[expected.length];
        long[] idx = new long[expected.length];
        Tensor indices = expectedIndices != null ? Tensor.i64(MemorySegment.ofArray(idx), layout, outShape) : null;
        float[] in = TestTensors.toLayout(input, inShape, layout);
        pool.run(Tensor.of(in, layout, inShape), Tensor.of(out, layout, outShape), indices);
        float[] got = TestTensors.fromLayout(out, outShape, layout);
        long[] gotIdx = TestTensors.fromLayout(idx, outShape, layout);
        boolean lp = spec.op() == PoolOp.LP;
        for (int i = 0; i < expected.length; i++) {
            boolean same = TestTensors.sameFloat(got[i], expected[i])
                    || lp
                            && Math.abs(got[i] - expected[i])
                                    <= 8 * Math.ulp(Math.max(Math.abs(got[i]), Math.abs(expected[i])));
            if (!same || expectedIndices != null && gotIdx[i] != expectedIndices[i]) {
                return "element " + i + " got " + got[i] + (expectedIndices == null ? "" : " [" + gotIdx[i] + "]")
                        + " want " + expected[i] + (expectedIndices == null ? "" : " [" + expectedIndices[i] + "]");
            }
        }
        if (!withGradient || !c.fields().containsKey("grad_input")) return null;
        float[] gradOut = TestTensors.toLayout(c.floats("grad_output"), outShape, layout),
                gradIn = new float[input.length];
        pool.backward(
                Tensor.of(gradOut, layout, outShape),
                Tensor.of(gradIn, layout, inShape),
                Tensor.of(in, layout, inShape),
                Tensor.of(out, layout, outShape),
                indices);
        float[] gotGrad = TestTensors.fromLayout(gradIn, inShape, layout), wantGrad = c.floats("grad_input");
        for (int i = 0; i < wantGrad.length; i++) {
            if (Math.abs(gotGrad[i] - wantGrad[i]) > 1e-5 * Math.max(1, Math.abs(wantGrad[i]))) {
                return "grad_input element " + i + " got " + gotGrad[i] + " want " + wantGrad[i];
            }
        }
        return null;
    }

    private static void unpool(GoldenCase c) {
        long[] inShape = c.longs("input_shape"), outShape = c.longs("output_shape");
        long[] kernel = c.longs("kernel");
        UnpoolSpec spec = UnpoolSpec.of(kernel)
                .stride(c.longs("stride"))
                .padding(c.longs("pad_begin"), c.longs("pad_end"))
                .outputSize(Arrays.copyOfRange(outShape, 2, outShape.length))
                .build();
        float[] values = c.floats("input"), expected = c.floats("output");
        long[] indices = c.longs("indices");
        List<String> failures = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedUnpool unpool = Pooling.prepareUnpool(spec, layout, inShape, target.backend(), target.isa());
                float[] out = new float[expected.length];
                unpool.run(
                        Tensor.of(TestTensors.toLayout(values, inShape, layout), layout, inShape),
                        Tensor.i64(MemorySegment.ofArray(toLayout(indices, inShape, layout)), layout, inShape),
                        Tensor.of(out, layout, outShape));
                float[] got = TestTensors.fromLayout(out, outShape, layout);
                for (int i = 0; i < expected.length; i++) {
                    if (!TestTensors.sameFloat(got[i], expected[i])) {
                        failures.add(
                                layout + " " + target + ": element " + i + " got " + got[i] + " want " + expected[i]);
                        break;
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(c + " (" + spec + "):\n  " + String.join("\n  ", failures));
    }

    private static long[] toLayout(long[] logical, long[] shape, Layout layout) {
        long[] out = new long[logical.length];
        for (int i = 0; i < logical.length; i++) out[(int) TestTensors.physical(i, shape, layout)] = logical[i];
        return out;
    }
}
