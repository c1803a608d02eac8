package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
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
 * Global and adaptive pooling on every standard shape's input, both layouts, native and Java, single thread:
 * global average and max over each plane, and adaptive average and max to the standard op's output size (the
 * same windows when the sizes divide, PyTorch's bins otherwise).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FamilyBench {
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

    @Param({"global_avg", "global_max", "adaptive_avg", "adaptive_max"})
    public String op;

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    @Param({"native", "java"})
    public String backend;

    private Arena arena;
    private PreparedPool pool;
    private Tensor input, output;

    @Setup(Level.Trial)
    public void setUp() {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        int rank = s.input().length - 2;
        long[] outputSize = Arrays.copyOfRange(Pooling.outputShape(s.spec(), s.input()), 2, rank + 2);
        PoolSpec spec = switch (op) {
            case "global_avg" -> PoolSpec.globalAvg(rank).build();
            case "global_max" -> PoolSpec.globalMax(rank).build();
            case "adaptive_avg" -> PoolSpec.adaptiveAvg(outputSize).build();
            case "adaptive_max" -> PoolSpec.adaptiveMax(outputSize).build();
            default -> throw new IllegalArgumentException("op = " + op);
        };
        pool = Pooling.prepare(spec, layout, s.input(), backend.equals("native") ? Backend.NATIVE : Backend.JAVA, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, s.input(), 42);
        output = pool.allocateOutput(arena);
        System.out.println("# poolkit " + shape + " " + layout + " " + op + " " + pool.implementation() + " bytes="
                + Pooling.cost(spec, false, s.input()).bytesMoved());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void run() {
        pool.run(input, output);
    }
}
