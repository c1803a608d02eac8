package dev.poolkit.bench;

import dev.poolkit.AvgDivisor;
import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.Precision;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
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
 * The standard averages (S4's 3x3 inception average, S5's global 7x7 head) at {@link Precision#EXACT} and
 * {@link Precision#RELAXED}, native, both layouts, single thread: what the relaxed kernels gain.
 * {@code mvn -Pbench -DskipTests verify -Dbench.filter=PrecisionBench}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PrecisionBench {
    @Param({"S4-inception-avg", "S5-resnet-head"})
    public String shape;

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    @Param({"EXACT", "RELAXED"})
    public Precision precision;

    private Arena arena;
    private PreparedPool pool;
    private Tensor input, output;

    @Setup(Level.Trial)
    public void setUp() {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        PoolSpec spec = switch (shape) {
            case "S4-inception-avg" ->
                PoolSpec.avg(3, 3)
                        .stride(1, 1)
                        .padding(1, 1)
                        .divisor(AvgDivisor.EXCLUDE_PADDING)
                        .precision(precision)
                        .build();
            case "S5-resnet-head" -> PoolSpec.globalAvg(2).precision(precision).build();
            default ->
                throw new IllegalArgumentException("shape = " + shape + ": not an average of the standard shapes");
        };
        pool = Pooling.prepare(spec, layout, s.input(), Backend.NATIVE, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, s.input(), 42);
        output = pool.allocateOutput(arena);
        System.out.println("# poolkit " + shape + " " + layout + " " + precision + " " + pool.implementation());
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
