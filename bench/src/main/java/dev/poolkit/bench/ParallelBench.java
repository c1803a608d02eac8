package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.util.concurrent.Executor;
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
 * the other slice), on every standard shape and layout; compare with {@link PoolBench}'s single-thread times. The
 * executor is either {@code parked}, {@link Executors#newSingleThreadExecutor()}, whose thread parks between runs,
 * or {@code awake}, an {@link AwakeExecutor} whose thread polls for work: poolkit starts and spins no thread of its
 * own, so what the second thread gives depends on how soon the caller's thread takes the task.
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

    @Param({"parked", "awake"})
    public String executor;

    private Arena arena;
    private Executor tasks;
    private PreparedPool pool;
    private Tensor input, output;

    @Setup(Level.Trial)
    public void setUp() {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        pool = Pooling.prepare(s.spec(), layout, s.input(), Backend.NATIVE, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, s.input(), 42);
        output = pool.allocateOutput(arena);
        tasks = switch (executor) {
            case "parked" -> Executors.newSingleThreadExecutor();
            case "awake" -> new AwakeExecutor();
            default -> throw new IllegalArgumentException("executor = " + executor + ": expected parked or awake");
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (tasks instanceof ExecutorService service) service.shutdown();
        if (tasks instanceof AwakeExecutor awake) awake.close();
        arena.close();
    }

    @Benchmark
    public void twoThreads() {
        pool.run(input, output, null, tasks, 2);
    }
}
