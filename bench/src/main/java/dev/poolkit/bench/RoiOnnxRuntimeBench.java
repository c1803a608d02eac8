package dev.poolkit.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The peer of {@link RoiBench}: ONNX Runtime's RoiAlign (CPU, one intra-op thread, NCHW, its only layout) on the same
 * detection head, run through a one-node model on direct buffers (no copies into ONNX Runtime), its output read back
 * as a buffer view.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RoiOnnxRuntimeBench {
    @Param({"avg", "max"})
    public String mode;

    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor x, rois, batch;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        session = env.createSession(model(mode), options);
        long[] f = RoiBench.FEATURES;
        FloatBuffer features = ByteBuffer.allocateDirect((int) (f[0] * f[1] * f[2] * f[3] * 4))
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        SplittableRandom random = new SplittableRandom(42);
        while (features.hasRemaining()) features.put(random.nextInt(-1000, 1000) / 8f);
        features.rewind();
        float[] five = RoiBench.proposals(7);
        FloatBuffer four = ByteBuffer.allocateDirect(RoiBench.BOXES * 16)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (int k = 0; k < RoiBench.BOXES; k++) four.put(five, k * 5 + 1, 4);
        four.rewind();
        LongBuffer indices = ByteBuffer.allocateDirect(RoiBench.BOXES * 8)
                .order(ByteOrder.nativeOrder())
                .asLongBuffer();
        x = OnnxTensor.createTensor(env, features, f);
        rois = OnnxTensor.createTensor(env, four, new long[] {RoiBench.BOXES, 4});
        batch = OnnxTensor.createTensor(env, indices, new long[] {RoiBench.BOXES});
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        x.close();
        rois.close();
        batch.close();
        session.close();
    }

    @Benchmark
    public float run() throws OrtException {
        try (OrtSession.Result result = session.run(Map.of("X", x, "rois", rois, "batch_indices", batch))) {
            return ((OnnxTensor) result.get(0)).getFloatBuffer().get(0);
        }
    }

    /** A one-node RoiAlign model (opset 16, half_pixel, sampling ratio 2, scale 1/16, 7 x 7) as ONNX protobuf bytes. */
    static byte[] model(String mode) {
        long[] f = RoiBench.FEATURES;
        OnnxProto node = new OnnxProto()
                .string(1, "X")
                .string(1, "rois")
                .string(1, "batch_indices")
                .string(2, "Y")
                .string(3, "roi")
                .string(4, "RoiAlign")
                .message(5, OnnxProto.intAttribute("output_height", RoiBench.OUT))
                .message(5, OnnxProto.intAttribute("output_width", RoiBench.OUT))
                .message(5, OnnxProto.intAttribute("sampling_ratio", 2))
                .message(
                        5,
                        new OnnxProto()
                                .string(1, "spatial_scale")
                                .fixed32(2, Float.floatToRawIntBits((float) RoiBench.SCALE))
                                .varint(20, 1)
                                .bytes())
                .message(
                        5,
                        new OnnxProto()
                                .string(1, "mode")
                                .string(4, mode)
                                .varint(20, 3)
                                .bytes())
                .message(
                        5,
                        new OnnxProto()
                                .string(1, "coordinate_transformation_mode")
                                .string(4, "half_pixel")
                                .varint(20, 3)
                                .bytes());
        OnnxProto graph = new OnnxProto()
                .message(1, node.bytes())
                .string(2, "roi")
                .message(11, OnnxProto.valueInfo("X", 1, f))
                .message(11, OnnxProto.valueInfo("rois", 1, RoiBench.BOXES, 4))
                .message(11, OnnxProto.valueInfo("batch_indices", 7, RoiBench.BOXES))
                .message(12, OnnxProto.valueInfo("Y", 1, RoiBench.BOXES, f[1], RoiBench.OUT, RoiBench.OUT));
        return OnnxProto.model(graph.bytes(), 16);
    }
}
