package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * Native runs split into two slices over a caller-owned executor of one extra thread (the calling thread runs
 * the other slice), on every standard shape and layout; compare with {@link PoolBench}'s single-thread times.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ParallelBench {
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

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    private Arena arena;
    private ExecutorService executor;
    private PreparedPool pool;
    private Tensor input, output;

    @Setup(Level.Trial)
    public void setUp() {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        pool = Pooling.prepare(s.spec(), layout, s.input(), Backend.NATIVE, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, s.input(), 42);
        output = pool.allocateOutput(arena);
        executor = Executors.newSingleThreadExecutor();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.shutdown();
        arena.close();
    }

    @Benchmark
    public void twoThreads() {
        pool.run(input, output, null, executor, 2);
    }
}
