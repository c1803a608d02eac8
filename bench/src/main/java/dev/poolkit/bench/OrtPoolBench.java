package dev.poolkit.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.poolkit.AvgDivisor;
import dev.poolkit.DType;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
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
 * The ONNX Runtime peer of {@link PoolBench}: ORT's CPU MaxPool, AveragePool and GlobalAveragePool (its MLAS kernels,
 * channels first, so NCHW only) on every standard shape, with the attributes of the shape's spec, through a one-node
 * model written at setup. One intra-op thread, one inter-op thread, sequential execution. The input is an
 * {@link OnnxTensor} over a direct buffer made once; the output is pinned: an {@link OnnxTensor} over a preallocated
 * direct buffer that ORT writes into ({@link OrtSession#run(Map, Map)}), so a call allocates no tensor memory. (ORT 1.22's
 * Java API has no IoBinding: pinned outputs are how it takes caller-owned output memory.)
 *
 * <p>{@code input=minimal} runs the same node on the smallest input it takes (one channel, each spatial axis
 * {@code max(1, kernel - pads)}, one output element): ORT's fixed cost per call, to set apart from its throughput.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class OrtPoolBench {
    @Param({
        "S1-resnet-stem",
        "S2-vgg-block1",
        "S3-batched",
        "S4-inception-avg",
        "S5-resnet-head",
        "S6-tiny",
        "S7-video-3d"
    })
    public String shape;

    @Param({"standard", "minimal"})
    public String input;

    private OrtEnvironment env;
    private OrtSession session;
    private Arena arena;
    private Tensor in, out;
    private OnnxTensor x, y;
    private Map<String, OnnxTensor> inputs, pinned;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        long[] inShape = switch (input) {
            case "standard" -> s.input();
            case "minimal" -> minimalInput(s);
            default -> throw new IllegalArgumentException("input = " + input + ": not standard or minimal");
        };
        long[] outShape = Pooling.outputShape(s.spec(), inShape);
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        session = env.createSession(model(s, inShape, outShape), options);
        options.close();
        arena = Arena.ofShared();
        in = StandardShapes.randomInput(arena, Layout.NCHW, inShape, 42);
        out = Tensor.allocate(arena, DType.F32, Layout.NCHW, outShape);
        x = OnnxTensor.createTensor(env, floats(in), inShape);
        y = OnnxTensor.createTensor(env, floats(out), outShape);
        inputs = Map.of("x", x);
        pinned = Map.of("y", y);
        System.out.println("# onnxruntime " + shape + " NCHW " + nodeOp(s) + " input " + Arrays.toString(inShape)
                + " output " + Arrays.toString(outShape));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        x.close();
        y.close();
        session.close();
        arena.close();
    }

    @Benchmark
    public void run() throws OrtException {
        session.run(inputs, pinned).close(); // the Result does not own the pinned output
    }

    /** The input poolkit and ORT read: NCHW, off-heap. */
    Tensor input() {
        return in;
    }

    /** ORT's output, written in place by {@link #run()}. */
    Tensor output() {
        return out;
    }

    /** A float view of a tensor's memory: ORT wraps a direct buffer without copying it. */
    private static FloatBuffer floats(Tensor t) {
        return t.segment().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One image, one channel, each spatial axis just wide enough for one window. */
    static long[] minimalInput(StandardShapes.Shape s) {
        long[] shape = new long[s.input().length];
        shape[0] = 1;
        shape[1] = 1;
        PoolSpec spec = s.spec();
        for (int d = 2; d < shape.length; d++) {
            shape[d] = s.op().equals("global_avg_pool")
                    ? 1
                    : Math.max(1, spec.kernel()[d - 2] - spec.padBegin()[d - 2] - spec.padEnd()[d - 2]);
        }
        return shape;
    }

    private static String nodeOp(StandardShapes.Shape s) {
        return switch (s.op()) {
            case "max_pool" -> "MaxPool";
            case "avg_pool" -> "AveragePool";
            case "global_avg_pool" -> "GlobalAveragePool";
            default ->
                throw new IllegalArgumentException("shape " + s.name() + ": op " + s.op() + " has no ONNX peer here");
        };
    }

    /**
     * The one-node model {@code y = op(x)} (opset 13) with the attributes of the shape's spec: kernel, strides, pads
     * (begin then end), ceil_mode, dilations, and for averages count_include_pad; a global average has none.
     */
    static byte[] model(StandardShapes.Shape s, long[] inShape, long[] outShape) {
        PoolSpec spec = s.spec();
        String op = nodeOp(s);
        OnnxProto node =
                new OnnxProto().string(1, "x").string(2, "y").string(3, "pool").string(4, op);
        if (!op.equals("GlobalAveragePool")) {
            node.message(5, OnnxProto.intsAttribute("kernel_shape", spec.kernel()))
                    .message(5, OnnxProto.intsAttribute("strides", spec.stride()))
                    .message(
                            5,
                            OnnxProto.intsAttribute(
                                    "pads",
                                    LongStream.concat(Arrays.stream(spec.padBegin()), Arrays.stream(spec.padEnd()))
                                            .toArray()))
                    .message(5, OnnxProto.intAttribute("ceil_mode", spec.ceilMode() ? 1 : 0));
            if (Arrays.stream(spec.dilation()).anyMatch(d -> d != 1)) {
                if (!op.equals("MaxPool"))
                    throw new IllegalArgumentException("shape " + s.name() + ": AveragePool-11 has no dilations");
                node.message(5, OnnxProto.intsAttribute("dilations", spec.dilation()));
            }
            if (op.equals("AveragePool")) {
                if (spec.divisor() != AvgDivisor.EXCLUDE_PADDING && spec.divisor() != AvgDivisor.INCLUDE_PADDING) {
                    throw new IllegalArgumentException(
                            "shape " + s.name() + ": divisor " + spec.divisor() + " has no ONNX attribute");
                }
                node.message(
                        5,
                        OnnxProto.intAttribute(
                                "count_include_pad", spec.divisor() == AvgDivisor.INCLUDE_PADDING ? 1 : 0));
            }
        }
        OnnxProto graph = new OnnxProto()
                .message(1, node.bytes())
                .string(2, "pool")
                .message(11, OnnxProto.valueInfo("x", 1, inShape))
                .message(12, OnnxProto.valueInfo("y", 1, outShape));
        return OnnxProto.model(graph.bytes(), 13);
    }
}
