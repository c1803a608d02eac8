package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Region pooling against the real ONNX Runtime (Java, from Maven Central): one-node models of RoiAlign (opset 10, and 16
 * under opset imports 16 and 21; output_half_pixel and half_pixel; avg and max; fixed and adaptive sampling; scales) and
 * MaxRoiPool, written
 * here as ONNX protobuf bytes, run by ONNX Runtime on random maps and boxes (inside, across and outside the map,
 * reversed) and compared with poolkit's Java and native backends in both layouts. ONNX Runtime computes in float32
 * with the same formulas, so the tolerance is a few float32 ulps of the values (its compiler may contract
 * multiply-adds); max mode is poolkit's {@link RoiOp#ALIGN_MAX_ONNX_RUNTIME}. (RoiAlign 22 and MaxRoiPool 22 only add
 * bfloat16; ONNX Runtime 1.22 registers no kernel for them, and ONNX's own node tests at those opsets are in roi.txt.)
 */
class RoiOnnxRuntimeTest {
    private static final double TOLERANCE = 2e-6;

    @Test
    void roiAlignMatchesOnnxRuntime() throws OrtException {
        SplittableRandom random = new SplittableRandom(20261204);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int compared = 0;
        double worst = 0;
        for (int trial = 0; trial < 36; trial++) {
            int opset = new int[] {10, 16, 21}[trial % 3];
            boolean halfPixel = opset >= 16 && trial % 2 == 0;
            boolean max = trial % 4 >= 2;
            long samplingRatio = trial % 5 == 0 ? 0 : 1 + trial % 3;
            float scale = new float[] {1f, 0.5f, 0.25f, 0.0625f}[trial % 4];
            long n = 1 + trial % 2, c = 1 + random.nextInt(19), h = 1 + random.nextInt(12), w = 1 + random.nextInt(12);
            long outH = 1 + random.nextInt(5), outW = 1 + random.nextInt(5), k = 1 + random.nextInt(6);
            float[] x = randomMap(random, n * c * h * w);
            float[] rois = randomBoxes(random, k, h / scale, w / scale);
            long[] batch = new long[(int) k];
            for (int i = 0; i < k; i++) batch[i] = random.nextLong(n);
            List<byte[]> attributes = new ArrayList<>();
            attributes.add(attribute("output_height", outH));
            attributes.add(attribute("output_width", outW));
            attributes.add(attribute("sampling_ratio", samplingRatio));
            attributes.add(attribute("spatial_scale", scale));
            attributes.add(attribute("mode", max ? "max" : "avg"));
            if (opset >= 16)
                attributes.add(
                        attribute("coordinate_transformation_mode", halfPixel ? "half_pixel" : "output_half_pixel"));
            byte[] model = model(
                    opset,
                    "RoiAlign",
                    attributes,
                    List.of(
                            valueInfo("X", 1, n, c, h, w),
                            valueInfo("rois", 1, k, 4),
                            valueInfo("batch_indices", 7, k)),
                    valueInfo("Y", 1, k, c, outH, outW));
            float[] expected;
            try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
                    OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, c, h, w});
                    OnnxTensor tr = OnnxTensor.createTensor(env, FloatBuffer.wrap(rois), new long[] {k, 4});
                    OnnxTensor tb = OnnxTensor.createTensor(env, LongBuffer.wrap(batch), new long[] {k});
                    OrtSession.Result result = session.run(Map.of("X", tx, "rois", tr, "batch_indices", tb))) {
                FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
                expected = new float[y.remaining()];
                y.get(expected);
            }
            RoiSpec spec = RoiSpec.align(outH, outW)
                    .aligned(halfPixel)
                    .samplingRatio(samplingRatio)
                    .spatialScale(scale)
                    .mode(max ? RoiOp.ALIGN_MAX_ONNX_RUNTIME : RoiOp.ALIGN_AVG)
                    .boxFormat(BoxFormat.SEPARATE_INDEX)
                    .build();
            long[] inShape = {n, c, h, w};
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    float[] got = run(spec, layout, target, inShape, x, rois, batch);
                    assertEquals(expected.length, got.length);
                    for (int i = 0; i < got.length; i++) {
                        double d = Math.abs(got[i] - expected[i]);
                        worst = Math.max(worst, d);
                        if (!(d <= TOLERANCE * Math.max(1, Math.abs(expected[i])))) {
                            fail("opset " + opset + " " + spec + " " + layout + " " + target + " on "
                                    + java.util.Arrays.toString(inShape)
                                    + ", boxes " + java.util.Arrays.toString(rois) + ": element " + i + " = " + got[i]
                                    + ", ONNX Runtime " + expected[i]);
                        }
                    }
                    compared += got.length;
                }
            }
        }
        assertTrue(compared > 1000, "compared only " + compared + " values");
        System.out.println("RoiAlign: " + compared + " values equal to ONNX Runtime's, largest difference " + worst);
    }

    @Test
    void maxRoiPoolMatchesOnnxRuntime() throws OrtException {
        SplittableRandom random = new SplittableRandom(7);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int trial = 0; trial < 12; trial++) {
            int opset = trial % 2 == 0 ? 10 : 21;
            float scale = new float[] {1f, 0.5f, 0.25f}[trial % 3];
            long n = 1 + trial % 2, c = 1 + random.nextInt(9), h = 1 + random.nextInt(12), w = 1 + random.nextInt(12);
            long outH = 1 + random.nextInt(4), outW = 1 + random.nextInt(4), k = 1 + random.nextInt(5);
            float[] x = randomMap(random, n * c * h * w);
            float[] four = randomBoxes(random, k, h / scale, w / scale), rois = new float[(int) k * 5];
            for (int i = 0; i < k; i++) {
                rois[i * 5] = random.nextInt((int) n);
                System.arraycopy(four, i * 4, rois, i * 5 + 1, 4);
            }
            byte[] model = model(
                    opset,
                    "MaxRoiPool",
                    List.of(attribute("pooled_shape", new long[] {outH, outW}), attribute("spatial_scale", scale)),
                    List.of(valueInfo("X", 1, n, c, h, w), valueInfo("rois", 1, k, 5)),
                    valueInfo("Y", 1, k, c, outH, outW));
            float[] expected;
            try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
                    OnnxTensor tx = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, c, h, w});
                    OnnxTensor tr = OnnxTensor.createTensor(env, FloatBuffer.wrap(rois), new long[] {k, 5});
                    OrtSession.Result result = session.run(Map.of("X", tx, "rois", tr))) {
                FloatBuffer y = ((OnnxTensor) result.get(0)).getFloatBuffer();
                expected = new float[y.remaining()];
                y.get(expected);
            }
            RoiSpec spec = RoiSpec.pool(outH, outW).spatialScale(scale).build();
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target target : TestTensors.targets()) {
                    float[] got = run(spec, layout, target, new long[] {n, c, h, w}, x, rois, null);
                    for (int i = 0; i < got.length; i++) {
                        if (got[i] != expected[i]) {
                            fail("opset " + opset + " " + spec + " " + layout + " " + target + ": element " + i + " = "
                                    + got[i] + ", ONNX Runtime " + expected[i] + " (boxes "
                                    + java.util.Arrays.toString(rois) + ")");
                        }
                    }
                }
            }
        }
    }

    private static float[] run(
            RoiSpec spec,
            Layout layout,
            TestTensors.Target target,
            long[] inShape,
            float[] x,
            float[] boxes,
            long[] batch) {
        PreparedRoi op = Pooling.prepareRoi(
                spec, layout, inShape, boxes.length / spec.boxWidth(), target.backend(), target.isa());
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = Tensor.of(TestTensors.toLayout(x, inShape, layout), layout, inShape);
            Tensor out = op.allocateOutput(arena);
            op.run(in, MemorySegment.ofArray(boxes), batch == null ? null : MemorySegment.ofArray(batch), out, null);
            return TestTensors.fromLayout(out.segment().toArray(ValueLayout.JAVA_FLOAT), op.outputShape(), layout);
        }
    }

    private static float[] randomMap(SplittableRandom random, long count) {
        float[] x = new float[(int) count];
        for (int i = 0; i < x.length; i++) x[i] = (float) (random.nextDouble() * 8 - 4);
        return x;
    }

    /** Boxes in input pixels: mostly inside, some across or outside the map, some reversed. */
    static float[] randomBoxes(SplittableRandom random, long k, float spanH, float spanW) {
        float[] b = new float[(int) k * 4];
        for (int i = 0; i < k; i++) {
            float x1 = (float) (random.nextDouble() * 1.4 - 0.2) * spanW,
                    y1 = (float) (random.nextDouble() * 1.4 - 0.2) * spanH;
            float x2 = x1 + (float) (random.nextDouble() * 0.9 - (i % 4 == 3 ? 0.3 : 0)) * spanW;
            float y2 = y1 + (float) (random.nextDouble() * 0.9 - (i % 4 == 3 ? 0.3 : 0)) * spanH;
            b[i * 4] = x1;
            b[i * 4 + 1] = y1;
            b[i * 4 + 2] = x2;
            b[i * 4 + 3] = y2;
        }
        return b;
    }

    // ---- ONNX protobuf, written by hand: only the fields a one-node model needs ----

    static byte[] model(int opset, String opType, List<byte[]> attributes, List<byte[]> inputs, byte[] output) {
        Proto node = new Proto();
        for (byte[] in : inputs) node.string(1, name(in));
        node.string(2, "Y").string(3, "node").string(4, opType);
        for (byte[] a : attributes) node.message(5, a);
        Proto graph = new Proto().message(1, node.bytes()).string(2, "graph");
        for (byte[] in : inputs) graph.message(11, in);
        graph.message(12, output);
        return new Proto()
                .varint(1, 8)
                .string(2, "poolkit-test")
                .message(7, graph.bytes())
                .message(8, new Proto().string(1, "").varint(2, opset).bytes())
                .bytes();
    }

    private static final Map<String, String> NAMES = new java.util.concurrent.ConcurrentHashMap<>();

    private static String name(byte[] valueInfo) {
        return NAMES.get(new String(valueInfo, StandardCharsets.ISO_8859_1));
    }

    /** ValueInfoProto: name, and a tensor type of elem_type (1 float, 7 int64) with fixed dims. */
    static byte[] valueInfo(String name, int elemType, long... dims) {
        Proto shape = new Proto();
        for (long d : dims) shape.message(1, new Proto().varint(1, d).bytes());
        byte[] tensor =
                new Proto().varint(1, elemType).message(2, shape.bytes()).bytes();
        byte[] info = new Proto()
                .string(1, name)
                .message(2, new Proto().message(1, tensor).bytes())
                .bytes();
        NAMES.put(new String(info, StandardCharsets.ISO_8859_1), name);
        return info;
    }

    static byte[] attribute(String name, long value) { // INT = 2
        return new Proto().string(1, name).varint(3, value).varint(20, 2).bytes();
    }

    static byte[] attribute(String name, float value) { // FLOAT = 1
        return new Proto()
                .string(1, name)
                .fixed32(2, Float.floatToRawIntBits(value))
                .varint(20, 1)
                .bytes();
    }

    static byte[] attribute(String name, String value) { // STRING = 3
        return new Proto().string(1, name).string(4, value).varint(20, 3).bytes();
    }

    static byte[] attribute(String name, long[] values) { // INTS = 7
        Proto p = new Proto().string(1, name);
        for (long v : values) p.varint(8, v);
        return p.varint(20, 7).bytes();
    }

    /** A protobuf message being written: varint, fixed32 and length-delimited fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        Proto varint(int field, long v) {
            raw((long) field << 3);
            raw(v);
            return this;
        }

        Proto fixed32(int field, int v) {
            raw(((long) field << 3) | 5);
            for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
            return this;
        }

        Proto message(int field, byte[] bytes) {
            raw(((long) field << 3) | 2);
            raw(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        Proto string(int field, String s) {
            return message(field, s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
