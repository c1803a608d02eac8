package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every golden case, computed by PyTorch (pytorch.txt) or from ONNX's definitions with torch (onnx.txt), in
 * both layouts, on the Java backend and on native code at every level this CPU has. Values must match bit for
 * bit (any NaN matches any NaN) and indices exactly.
 */
class GoldenTest {

    static Stream<GoldenCase> pytorchCases() throws IOException {
        return GoldenCase.load("/golden/pytorch.txt").stream();
    }

    static Stream<GoldenCase> onnxCases() throws IOException {
        return GoldenCase.load("/golden/onnx.txt").stream();
    }

    @Test
    void goldenFilesAreSubstantial() throws IOException {
        assertTrue(pytorchCases().count() >= 200, "pytorch.txt lost cases");
        assertTrue(onnxCases().count() >= 50, "onnx.txt lost cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pytorchCases")
    void pytorch(GoldenCase c) {
        check(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("onnxCases")
    void onnx(GoldenCase c) {
        check(c);
    }

    private static void check(GoldenCase c) {
        PoolSpec spec = c.spec();
        long[] inShape = c.longs("input_shape"), outShape = c.longs("output_shape");
        assertArrayEquals(outShape, Pooling.outputShape(spec, inShape), c + ": output shape");
        float[] input = c.floats("input"), expected = c.floats("output");
        long[] expectedIndices = c.isMax() ? c.longs("indices") : null;
        List<String> failures = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            for (TestTensors.Target target : TestTensors.targets()) {
                PreparedPool pool = Pooling.prepare(spec, layout, inShape, target.backend(), target.isa());
                float[] out = new float[expected.length];
                long[] idx = new long[expected.length];
                Tensor indices =
                        c.isMax() ? Tensor.i64(java.lang.foreign.MemorySegment.ofArray(idx), layout, outShape) : null;
                pool.run(
                        Tensor.of(TestTensors.toLayout(input, inShape, layout), layout, inShape),
                        Tensor.of(out, layout, outShape),
                        indices);
                float[] got = TestTensors.fromLayout(out, outShape, layout);
                long[] gotIdx = TestTensors.fromLayout(idx, outShape, layout);
                for (int i = 0; i < expected.length; i++) {
                    boolean ok = TestTensors.sameFloat(got[i], expected[i])
                            && (expectedIndices == null || gotIdx[i] == expectedIndices[i]);
                    if (!ok) {
                        failures.add(layout + " " + target + ": element " + i + " got " + got[i]
                                + (expectedIndices == null ? "" : " [" + gotIdx[i] + "]") + " want " + expected[i]
                                + (expectedIndices == null ? "" : " [" + expectedIndices[i] + "]"));
                        break;
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(c + " (" + spec + "):\n  " + String.join("\n  ", failures));
    }
}
