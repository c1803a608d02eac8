package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.BoxFormat;
import dev.poolkit.Layout;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedRoi;
import dev.poolkit.RoiOp;
import dev.poolkit.RoiSpec;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * A detection head's region pooling: 1000 boxes over a stride-16 feature map of 256 x 50 x 68 (an 800 x 1088 image),
 * pooled to 7 x 7 (Faster R-CNN's box head: RoIAlign with sampling ratio 2, aligned; or RoIPool), both layouts, native
 * and Java, single thread. oneDNN and XNNPACK have no region pooling; ONNX Runtime's RoiAlign is timed on the same
 * problem by {@link RoiOnnxRuntimeBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RoiBench {
    static final long[] FEATURES = {1, 256, 50, 68};
    static final int BOXES = 1000, OUT = 7;
    static final double SCALE = 1.0 / 16;

    @Param({"align_avg", "align_max", "align_max_onnxruntime", "pool"})
    public String op;

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    @Param({"native", "java"})
    public String backend;

    private Arena arena;
    private PreparedRoi roi;
    private Tensor input, output;
    private MemorySegment boxes;

    /** Proposals in image pixels, [K, 5] with image index 0: sizes from 16 to 512, a few across the border. */
    static float[] proposals(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] b = new float[BOXES * 5];
        double width = FEATURES[3] / SCALE, height = FEATURES[2] / SCALE;
        for (int k = 0; k < BOXES; k++) {
            double w = 16 * Math.pow(32, random.nextDouble()), h = w * (0.5 + 1.5 * random.nextDouble());
            double x = random.nextDouble() * width - w / 4, y = random.nextDouble() * height - h / 4;
            b[k * 5 + 1] = (float) x;
            b[k * 5 + 2] = (float) y;
            b[k * 5 + 3] = (float) (x + w);
            b[k * 5 + 4] = (float) (y + h);
        }
        return b;
    }

    static RoiSpec spec(String op) {
        return switch (op) {
            case "pool" -> RoiSpec.pool(OUT, OUT).spatialScale(SCALE).build();
            case "align_avg" ->
                RoiSpec.align(OUT, OUT)
                        .spatialScale(SCALE)
                        .samplingRatio(2)
                        .aligned(true)
                        .build();
            case "align_max" ->
                RoiSpec.align(OUT, OUT)
                        .spatialScale(SCALE)
                        .samplingRatio(2)
                        .aligned(true)
                        .mode(RoiOp.ALIGN_MAX)
                        .build();
            case "align_max_onnxruntime" ->
                RoiSpec.align(OUT, OUT)
                        .spatialScale(SCALE)
                        .samplingRatio(2)
                        .aligned(true)
                        .mode(RoiOp.ALIGN_MAX_ONNX_RUNTIME)
                        .build();
            default -> throw new IllegalArgumentException("op = " + op);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        RoiSpec spec = spec(op);
        roi = Pooling.prepareRoi(
                spec, layout, FEATURES, BOXES, backend.equals("native") ? Backend.NATIVE : Backend.JAVA, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, FEATURES, 42);
        output = roi.allocateOutput(arena);
        float[] b = proposals(7);
        boxes = arena.allocate(ValueLayout.JAVA_FLOAT, b.length);
        MemorySegment.copy(b, 0, boxes, ValueLayout.JAVA_FLOAT, 0, b.length);
        System.out.println(
                "# poolkit roi " + op + " " + layout + " " + roi.implementation() + " boxes " + BoxFormat.WITH_INDEX);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void run() {
        roi.run(input, boxes, null, output, null);
    }
}
