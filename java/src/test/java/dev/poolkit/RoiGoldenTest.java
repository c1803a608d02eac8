package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Region pooling's golden cases (roi.txt: torchvision's CPU kernels ported in float32, and ONNX's own RoiAlign node
 * tests; see src/test/golden/generate_roi.py) in both layouts, with both box formats, on the Java backend and on native
 * code at every level this CPU has. The port's cases must match bit for bit (as numbers: an outside sample adds
 * torchvision's 0*input[0], which may flip the sign of a zero), gradients too; ONNX's within the file's tolerance
 * (its expected outputs are printed to 4 decimals).
 */
class RoiGoldenTest {
    static Stream<GoldenCase> cases() throws IOException {
        return GoldenCase.load(System.getProperty("poolkit.roiGolden", "/golden/roi.txt")).stream();
    }

    @Test
    void everyModeHasCases() throws IOException {
        for (String mode : List.of("avg", "max", "max_onnxruntime")) {
            assertTrue(
                    cases().filter(c -> c.fields().getOrDefault("mode", "").equals(mode))
                                    .count()
                            >= 10,
                    "roi.txt has too few " + mode);
        }
        assertTrue(
                cases().filter(c -> c.get("op").equals("roi_pool")).count() >= 10,
                "roi.txt has too few roi_pool cases");
        assertTrue(
                cases().filter(c -> c.get("source").equals("onnx_node")).count() >= 3,
                "roi.txt lost ONNX's node tests");
        assertTrue(
                cases().filter(c -> c.fields().containsKey("grad_input")).count() >= 50, "roi.txt lost its gradients");
    }

    static RoiSpec spec(GoldenCase c, BoxFormat format) {
        long[] size = c.longs("output_size");
        RoiSpec.Builder b;
        if (c.get("op").equals("roi_pool")) {
            b = RoiSpec.pool(size[0], size[1]);
        } else {
            b = RoiSpec.align(size[0], size[1])
                    .samplingRatio(Long.parseLong(c.get("sampling_ratio")))
                    .aligned(c.get("aligned").equals("1"))
                    .mode(
                            switch (c.get("mode")) {
                                case "avg" -> RoiOp.ALIGN_AVG;
                                case "max" -> RoiOp.ALIGN_MAX;
                                default -> RoiOp.ALIGN_MAX_ONNX_RUNTIME;
                            });
        }
        return b.spatialScale(Double.parseDouble(c.get("spatial_scale")))
                .boxFormat(format)
                .build();
    }

    /** Boxes [K, 5] as given, or [K, 4] with the indices apart. */
    static MemorySegment[] boxes(float[] boxes5, BoxFormat format) {
        if (format == BoxFormat.WITH_INDEX) return new MemorySegment[] {MemorySegment.ofArray(boxes5.clone()), null};
        int k = boxes5.length / 5;
        float[] b = new float[k * 4];
        long[] index = new long[k];
        for (int i = 0; i < k; i++) {
            index[i] = (long) boxes5[i * 5];
            System.arraycopy(boxes5, i * 5 + 1, b, i * 4, 4);
        }
        return new MemorySegment[] {MemorySegment.ofArray(b), MemorySegment.ofArray(index)};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void golden(GoldenCase c) {
        long[] inShape = c.longs("input_shape");
        float[] input = c.floats("input"), expected = c.floats("output"), boxes5 = c.floats("boxes");
        double tolerance = Double.parseDouble(c.get("tolerance"));
        int k = boxes5.length / 5;
        boolean pool = c.get("op").equals("roi_pool");
        List<String> failures = new ArrayList<>();
        for (BoxFormat format : BoxFormat.values()) {
            RoiSpec spec = spec(c, format);
            MemorySegment[] b = boxes(boxes5, format);
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    String where = format + " " + layout + " " + target;
                    PreparedRoi op = Pooling.prepareRoi(spec, layout, inShape, k, target.backend(), target.isa());
                    long[] outShape = op.outputShape();
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor in = Tensor.of(TestTensors.toLayout(input, inShape, layout), layout, inShape);
                        Tensor out = op.allocateOutput(arena), argmax = pool ? op.allocateIndices(arena) : null;
                        op.run(in, b[0], b[1], out, argmax);
                        float[] got =
                                TestTensors.fromLayout(out.segment().toArray(ValueLayout.JAVA_FLOAT), outShape, layout);
                        String d = difference(got, expected, tolerance);
                        if (d != null) failures.add(where + ": output " + d);
                        if (pool) {
                            long[] a = TestTensors.fromLayout(
                                    argmax.segment().toArray(ValueLayout.JAVA_LONG), outShape, layout);
                            long[] want = c.longs("argmax");
                            for (int i = 0; i < want.length; i++) {
                                if (a[i] != want[i]) {
                                    failures.add(where + ": argmax[" + i + "] = " + a[i] + ", expected " + want[i]);
                                    break;
                                }
                            }
                        }
                        if (c.fields().containsKey("grad_input")) {
                            Tensor gradOut = Tensor.of(
                                    TestTensors.toLayout(c.floats("grad_output"), outShape, layout), layout, outShape);
                            Tensor gradIn = Tensor.allocate(arena, DType.F32, layout, inShape);
                            op.backward(gradOut, gradIn, in, b[0], b[1], argmax);
                            float[] g = TestTensors.fromLayout(
                                    gradIn.segment().toArray(ValueLayout.JAVA_FLOAT), inShape, layout);
                            d = difference(g, c.floats("grad_input"), tolerance);
                            if (d != null) failures.add(where + ": grad_input " + d);
                        }
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(c.name() + ":\n  " + String.join("\n  ", failures));
    }

    /** Null when equal as numbers (NaN to NaN) within tolerance, else the first difference. */
    static String difference(float[] got, float[] want, double tolerance) {
        for (int i = 0; i < want.length; i++) {
            boolean same = Float.isNaN(want[i])
                    ? Float.isNaN(got[i])
                    : tolerance == 0 ? got[i] == want[i] : Math.abs(got[i] - want[i]) <= tolerance;
            if (!same) return "[" + i + "] = " + got[i] + ", expected " + want[i];
        }
        return null;
    }
}
