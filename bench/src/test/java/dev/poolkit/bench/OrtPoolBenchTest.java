package dev.poolkit.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poolkit.Backend;
import dev.poolkit.DType;
import dev.poolkit.Layout;
import dev.poolkit.PoolOp;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * ONNX Runtime's benchmark times the same computation as poolkit's: on every standard shape, standard and minimal
 * input, the output ORT writes into its pinned buffer equals poolkit's on the same input.
 */
class OrtPoolBenchTest {
    @Test
    void onnxRuntimeComputesWhatPoolkitComputes() throws Exception {
        Backend backend = Pooling.nativeAvailable() ? Backend.NATIVE : Backend.JAVA;
        for (StandardShapes.Shape s : StandardShapes.ALL) {
            for (String input : new String[] {"standard", "minimal"}) {
                OrtPoolBench ort = new OrtPoolBench();
                ort.shape = s.name();
                ort.input = input;
                ort.setUp();
                try (Arena arena = Arena.ofConfined()) {
                    ort.run();
                    Tensor in = ort.input();
                    PreparedPool pool = Pooling.prepare(s.spec(), Layout.NCHW, in.shape(), backend, null);
                    Tensor ours = Tensor.allocate(arena, DType.F32, Layout.NCHW, pool.outputShape());
                    pool.run(in, ours);
                    assertArrayEquals(pool.outputShape(), ort.output().shape(), s.name());
                    float[] expected = ours.segment().toArray(ValueLayout.JAVA_FLOAT);
                    float[] actual = ort.output().segment().toArray(ValueLayout.JAVA_FLOAT);
                    String what = s.name() + " (" + input + ")";
                    if (s.spec().op() == PoolOp.MAX) {
                        assertArrayEquals(expected, actual, what); // a max picks an input value: bit for bit
                    } else {
                        // Inputs are multiples of 1/8 below 125 in magnitude, so every window sum (at most 49 taps) is
                        // exact in any order; only the last step, a division or a multiply by the reciprocal, may round
                        // differently.
                        assertEquals(expected.length, actual.length, what);
                        for (int i = 0; i < expected.length; i++) {
                            assertEquals(expected[i], actual[i], Math.ulp(expected[i]), what + " at " + i);
                        }
                    }
                } finally {
                    ort.tearDown();
                }
            }
        }
    }
}
