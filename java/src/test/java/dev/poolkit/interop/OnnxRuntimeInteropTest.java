package dev.poolkit.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.poolkit.Conventions;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * poolkit beside ONNX Runtime Java, from Maven Central: poolkit pools the direct buffer behind an
 * {@link OnnxTensor} and its output is a session's input, the session writing into a pinned output that
 * poolkit reads again: every buffer is shared, none copied. ORT's own MaxPool agrees with poolkit's.
 */
class OnnxRuntimeInteropTest {
    private static FloatBuffer directFloats(long count) {
        return ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES))
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    private static long address(java.nio.Buffer buffer) {
        return MemorySegment.ofBuffer(buffer).address();
    }

    @Test
    void poolsAnOnnxTensorAndFeedsASessionWithoutCopies() throws Exception {
        long[] inputShape = {1, 3, 8, 8}, pooledShape = {1, 3, 4, 4};
        float[] values = new float[3 * 8 * 8];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextDouble(-1, 1);
        FloatBuffer input = directFloats(values.length).put(values).flip();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] relu = OnnxModel.of("Relu", pooledShape, pooledShape);
        try (OnnxTensor x = OnnxTensor.createTensor(env, input, inputShape);
                OrtSession session = env.createSession(relu, new OrtSession.SessionOptions())) {
            // poolkit pools the ORT tensor's own buffer, into a buffer that becomes the next session's input
            FloatBuffer xBuffer = (FloatBuffer) x.getBufferRef().orElseThrow();
            PreparedPool pool = Pooling.prepare(
                    PoolSpec.max(2, 2).build(), Layout.NCHW, x.getInfo().getShape());
            FloatBuffer pooled = directFloats(3 * 4 * 4), activated = directFloats(3 * 4 * 4);
            pool.run(Tensor.of(xBuffer, Layout.NCHW, inputShape), Tensor.of(pooled, Layout.NCHW, pool.outputShape()));
            // y over poolkit's output; z pinned: ORT writes there
            try (OnnxTensor y = OnnxTensor.createTensor(env, pooled, pool.outputShape());
                    OnnxTensor z = OnnxTensor.createTensor(env, activated, pool.outputShape());
                    OrtSession.Result result = session.run(Map.of("x", y), Map.of("y", z))) {
                Tensor out = Tensor.of(activated, Layout.NCHW, pool.outputShape()); // read in place
                // no copies: every tensor is over the buffer it was given
                assertEquals(address(input), address(xBuffer));
                assertEquals(address(pooled), address(y.getBufferRef().orElseThrow()));
                assertEquals(address(activated), address(z.getBufferRef().orElseThrow()));
                assertTrue(result.get("y").isPresent());
                // relu(max over 2x2 windows), computed here independently
                for (int c = 0; c < 3; c++)
                    for (int h = 0; h < 4; h++)
                        for (int w = 0; w < 4; w++) {
                            float max = Float.NEGATIVE_INFINITY;
                            for (int i = 0; i < 2; i++)
                                for (int j = 0; j < 2; j++)
                                    max = Math.max(max, values[(c * 8 + 2 * h + i) * 8 + 2 * w + j]);
                            assertEquals(Math.max(max, 0f), out.getFloat(0, c, h, w), "c=" + c + " h=" + h + " w=" + w);
                        }
            }
        }
    }

    @Test
    void agreesWithOrtMaxPoolAndAveragePool() throws Exception {
        long[] inputShape = {2, 5, 11, 9};
        float[] values = new float[2 * 5 * 11 * 9];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < values.length; i++) values[i] = (float) random.nextDouble(-4, 4);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        PoolSpec[] specs = {
            PoolSpec.max(3, 3)
                    .stride(2, 2)
                    .padding(1, 1)
                    .conventions(Conventions.ONNX)
                    .build(),
            PoolSpec.avg(3, 2)
                    .stride(2, 1)
                    .padding(new long[] {1, 0}, new long[] {1, 1})
                    .conventions(Conventions.ONNX)
                    .build(),
        };
        for (PoolSpec spec : specs) {
            long[] outputShape = Pooling.outputShape(spec, inputShape);
            long[] pb = spec.padBegin(), pe = spec.padEnd();
            byte[] model = OnnxModel.of(
                    spec.op() == dev.poolkit.PoolOp.MAX ? "MaxPool" : "AveragePool",
                    inputShape,
                    outputShape,
                    OnnxModel.ints("kernel_shape", spec.kernel()),
                    OnnxModel.ints("strides", spec.stride()),
                    OnnxModel.ints("pads", pb[0], pb[1], pe[0], pe[1]));
            FloatBuffer input = directFloats(values.length).put(values).flip();
            FloatBuffer expected = directFloats(count(outputShape));
            float[] actual = new float[(int) count(outputShape)];
            try (OnnxTensor x = OnnxTensor.createTensor(env, input, inputShape);
                    OnnxTensor y = OnnxTensor.createTensor(env, expected, outputShape);
                    OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
                    OrtSession.Result result = session.run(Map.of("x", x), Map.of("y", y))) {
                Pooling.prepare(spec, Layout.NCHW, inputShape)
                        .run(Tensor.of(input, Layout.NCHW, inputShape), Tensor.of(actual, Layout.NCHW, outputShape));
                float[] ort = new float[actual.length];
                expected.get(0, ort);
                if (spec.op() == dev.poolkit.PoolOp.MAX) {
                    assertArrayEquals(ort, actual, spec.toString()); // a max picks a value: bit for bit
                } else {
                    // ORT sums a window in its own order, poolkit in row-major tap order: a rounding apart at most
                    for (int i = 0; i < ort.length; i++) {
                        assertEquals(ort[i], actual[i], 4 * Math.ulp(Math.abs(ort[i]) + 4f), spec + " at " + i);
                    }
                }
            }
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
