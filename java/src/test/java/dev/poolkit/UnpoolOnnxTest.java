package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Max unpooling under {@link Conventions#ONNX} with an output larger than the default: ONNX reads the indices against
 * the default output size and pads the rest with zeros at each axis's end (PyTorch reads them against the given size,
 * which stays the default). Checked against ONNX's node test {@code maxunpool_export_with_output_shape}, and on random
 * pooled maps against the default-size unpooling padded by hand. ONNX Runtime 1.22's MaxUnpool reads the indices
 * against the given output_shape instead (PyTorch's reading): the test pins that too, so a change on either side shows.
 */
class UnpoolOnnxTest {
    @Test
    void onnxNodeTestWithOutputShape() {
        // onnx/backend/test/case/node/maxunpool.py, export_with_output_shape: kernel 2x2, stride 2, output_shape
        // 1x1x5x5
        float[] values = {5, 6, 7, 8};
        long[] indices = {5, 7, 13, 15};
        float[] expected = {0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0};
        UnpoolSpec onnx = UnpoolSpec.of(2, 2)
                .outputSize(5, 5)
                .conventions(Conventions.ONNX)
                .build();
        for (TestTensors.Target t : TestTensors.targets()) {
            for (Layout layout : Layout.values()) {
                assertArrayEquals(
                        expected, unpool(onnx, layout, t, new long[] {1, 1, 2, 2}, values, indices), t + " " + layout);
            }
        }
        // PyTorch's reading of the same indices against 5x5: index 5 is (1, 0), 7 is (1, 2), 13 is (2, 3), 15 is (3, 0)
        UnpoolSpec torch = UnpoolSpec.of(2, 2)
                .outputSize(5, 5)
                .indexFormat(IndexFormat.FLAT_ROW_MAJOR)
                .build();
        float[] pytorch = new float[25];
        pytorch[5] = 5;
        pytorch[7] = 6;
        pytorch[13] = 7;
        pytorch[15] = 8;
        assertArrayEquals(
                pytorch,
                unpool(torch, Layout.NCHW, TestTensors.targets().get(0), new long[] {1, 1, 2, 2}, values, indices));
        assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepareUnpool(
                        UnpoolSpec.of(2, 2)
                                .outputSize(3, 5)
                                .conventions(Conventions.ONNX)
                                .build(),
                        Layout.NCHW,
                        1,
                        1,
                        2,
                        2));
    }

    @Test
    void onnxReadingOnRandomMapsAndOnnxRuntimesReading() throws OrtException {
        SplittableRandom random = new SplittableRandom(12);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int trial = 0; trial < 10; trial++) {
            long k = 2 + trial % 2, s = 2; // maps of the default size, so that the indices address it
            long n = 1 + trial % 2,
                    c = 1 + random.nextInt(4),
                    h = k + s * random.nextInt(5),
                    w = k + s * random.nextInt(5);
            PoolSpec pool = PoolSpec.max(k, k)
                    .stride(s, s)
                    .conventions(Conventions.ONNX)
                    .build();
            long[] inShape = {n, c, h, w}, pooledShape = Pooling.outputShape(pool, inShape);
            float[] x = new float[(int) TestTensors.count(inShape)];
            for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble();
            float[] pooled;
            long[] idx;
            try (Arena arena = Arena.ofConfined()) {
                PreparedPool p = Pooling.prepare(pool, Layout.NCHW, inShape);
                Tensor out = p.allocateOutput(arena), indices = p.allocateIndices(arena);
                p.run(Tensor.of(x, Layout.NCHW, inShape), out, indices);
                pooled = out.segment().toArray(ValueLayout.JAVA_FLOAT);
                idx = indices.segment().toArray(ValueLayout.JAVA_LONG);
            }
            long defaultH = (pooledShape[2] - 1) * s + k, defaultW = (pooledShape[3] - 1) * s + k;
            long[] outShape = {n, c, defaultH + random.nextInt(3), defaultW + 1 + random.nextInt(3)};
            byte[] model = RoiOnnxRuntimeTest.model(
                    11,
                    "MaxUnpool",
                    List.of(
                            RoiOnnxRuntimeTest.attribute("kernel_shape", new long[] {k, k}),
                            RoiOnnxRuntimeTest.attribute("strides", new long[] {s, s})),
                    List.of(
                            RoiOnnxRuntimeTest.valueInfo("X", 1, pooledShape),
                            RoiOnnxRuntimeTest.valueInfo("I", 7, pooledShape),
                            RoiOnnxRuntimeTest.valueInfo("output_shape", 7, 4)),
                    RoiOnnxRuntimeTest.valueInfo("Y", 1, outShape));
            float[] expected;
            try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
                    OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(pooled), pooledShape);
                    OnnxTensor ti = OnnxTensor.createTensor(env, LongBuffer.wrap(idx), pooledShape);
                    OnnxTensor ts = OnnxTensor.createTensor(env, LongBuffer.wrap(outShape), new long[] {4});
                    OrtSession.Result result = session.run(Map.of("X", tx, "I", ti, "output_shape", ts))) {
                FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
                expected = new float[y.remaining()];
                y.get(expected);
            }
            // ONNX Runtime reads the indices against the given output_shape (PyTorch's reading), not the default size
            // as
            // ONNX's reference and node test do: its results equal poolkit's default reading in ONNX's index format
            UnpoolSpec asRuntime = UnpoolSpec.of(k, k)
                    .stride(s, s)
                    .outputSize(outShape[2], outShape[3])
                    .indexFormat(IndexFormat.FLAT_ROW_MAJOR)
                    .build();
            // ONNX's reading: the default-size unpooling, padded with zeros at each axis's end
            UnpoolSpec onnx = UnpoolSpec.of(k, k)
                    .stride(s, s)
                    .outputSize(outShape[2], outShape[3])
                    .conventions(Conventions.ONNX)
                    .build();
            UnpoolSpec unpadded = UnpoolSpec.of(k, k)
                    .stride(s, s)
                    .indexFormat(IndexFormat.FLAT_ROW_MAJOR)
                    .build();
            float[] small = unpool(unpadded, Layout.NCHW, TestTensors.targets().get(0), pooledShape, pooled, idx);
            float[] padded = new float[(int) TestTensors.count(outShape)];
            for (int i = 0; i < small.length; i++) {
                long x1 = i % defaultW, y1 = i / defaultW % defaultH, plane = i / defaultW / defaultH;
                padded[(int) ((plane * outShape[2] + y1) * outShape[3] + x1)] = small[i];
            }
            for (TestTensors.Target t : TestTensors.targets()) {
                for (Layout layout : Layout.values()) {
                    assertArrayEquals(
                            expected,
                            unpool(asRuntime, layout, t, pooledShape, pooled, idx),
                            t + " " + layout + " trial " + trial);
                    assertArrayEquals(
                            padded,
                            unpool(onnx, layout, t, pooledShape, pooled, idx),
                            t + " " + layout + " trial " + trial);
                }
            }
        }
    }

    private static float[] unpool(
            UnpoolSpec spec, Layout layout, TestTensors.Target t, long[] shape, float[] values, long[] indices) {
        PreparedUnpool u = Pooling.prepareUnpool(spec, layout, shape, t.backend(), t.isa());
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = u.allocateOutput(arena);
            out.segment().fill((byte) 0x7f); // every position must be written
            u.run(
                    Tensor.of(TestTensors.toLayout(values, shape, layout), layout, shape),
                    Tensor.i64(
                            java.lang.foreign.MemorySegment.ofArray(toLayout(indices, shape, layout)), layout, shape),
                    out);
            return TestTensors.fromLayout(out.segment().toArray(ValueLayout.JAVA_FLOAT), u.outputShape(), layout);
        }
    }

    private static long[] toLayout(long[] logical, long[] shape, Layout layout) {
        long[] out = new long[logical.length];
        for (int i = 0; i < logical.length; i++) out[(int) TestTensors.physical(i, shape, layout)] = logical[i];
        return out;
    }
}
