package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.PoolOp;
import dev.poolkit.Pooling;
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
 * One prepared run per invocation, on every standard shape, in both layouts, native and Java, single thread.
 * Inputs live off-heap in a shared arena; the output is written in place (max pooling without indices, as
 * the peers are timed). Effective bandwidth = {@link dev.poolkit.Cost#bytesMoved()} / time, computed by the
 * report from the bytes printed at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// the Vector API's module is added so that the Java backend runs as java:vector; -jvmArgsAppend
// -Dpoolkit.java.vector=false
// times its plain loops (java:scalar)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class PoolBench {
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

    @Param({"native", "java"})
    public String backend;

    private Arena arena;
    private PreparedPool pool;
    private Tensor input, output;

    @Setup(Level.Trial)
    public void setUp() {
        StandardShapes.Shape s = StandardShapes.byName(shape);
        pool = Pooling.prepare(
                s.spec(), layout, s.input(), backend.equals("native") ? Backend.NATIVE : Backend.JAVA, null);
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, s.input(), 42);
        output = pool.allocateOutput(arena);
        System.out.println("# poolkit " + shape + " " + layout + " " + pool.implementation() + " bytes="
                + Pooling.cost(s.spec(), false, s.input()).bytesMoved() + " op="
                + (s.spec().op() == PoolOp.MAX ? "max" : "avg"));
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
