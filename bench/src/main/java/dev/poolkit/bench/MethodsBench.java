package dev.poolkit.bench;

import dev.poolkit.Backend;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * The methods of the literature against the composites a user would otherwise write from poolkit's own ops, on the
 * ResNet stem's pooling (3x3, stride 2, padding 1 over 64x112x112), single thread:
 * <ul>
 * <li>{@code soft}: SoftPool in one call, against {@code soft_composite}: the paper's
 *     {@code avgpool(x e^x) / avgpool(e^x)} as two elementwise passes, two average poolings and a division (three
 *     extra passes over the input and two over the output; it also overflows for x above ~88, which SoftPool does not);</li>
 * <li>{@code gem}: GeM with p = 3, against {@code gem_composite}: {@code avgpool(max(x, eps)^p)^(1/p)};</li>
 * <li>{@code mixed}: mixed pooling with one λ, against {@code mixed_composite}: max pooling, average pooling and the
 *     blend.</li>
 * </ul>
 * Run: {@code mvn -Pbench -DskipTests verify -Dbench.filter=MethodsBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MethodsBench {
    @Param({"soft", "soft_composite", "gem", "gem_composite", "mixed", "mixed_composite"})
    public String op;

    @Param({"NCHW", "NHWC"})
    public Layout layout;

    @Param({"native", "java"})
    public String backend;

    private static final long[] SHAPE = {1, 64, 112, 112};
    private Arena arena;
    private PreparedPool method, avg, max;
    private Tensor input, output, scratchIn, scratchIn2, scratchOut, scratchOut2;
    private long inputCount, outputCount;

    @Setup(Level.Trial)
    public void setUp() {
        Backend b = backend.equals("native") ? Backend.NATIVE : Backend.JAVA;
        arena = Arena.ofShared();
        input = StandardShapes.randomInput(arena, layout, SHAPE, 42);
        PoolSpec methodSpec = switch (op) {
            case "soft", "soft_composite" ->
                PoolSpec.soft(3, 3).stride(2, 2).padding(1, 1).build();
            case "gem", "gem_composite" ->
                PoolSpec.gem(3, 3, 3).stride(2, 2).padding(1, 1).build();
            default ->
                PoolSpec.mixed(0.4, 3, 3)
                        .stride(2, 2)
                        .padding(1, 1)
                        .countIncludePad(false)
                        .build();
        };
        method = Pooling.prepare(methodSpec, layout, SHAPE, b, null);
        avg = Pooling.prepare(
                PoolSpec.avg(3, 3)
                        .stride(2, 2)
                        .padding(1, 1)
                        .countIncludePad(false)
                        .build(),
                layout,
                SHAPE,
                b,
                null);
        max = Pooling.prepare(PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(), layout, SHAPE, b, null);
        output = method.allocateOutput(arena);
        scratchOut = method.allocateOutput(arena);
        scratchOut2 = method.allocateOutput(arena);
        scratchIn = Tensor.allocate(arena, dev.poolkit.DType.F32, layout, SHAPE);
        scratchIn2 = Tensor.allocate(arena, dev.poolkit.DType.F32, layout, SHAPE);
        inputCount = SHAPE[0] * SHAPE[1] * SHAPE[2] * SHAPE[3];
        outputCount = output.segment().byteSize() / Float.BYTES;
        System.out.println("# poolkit MethodsBench " + op + " " + layout + " " + method.implementation());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Tensor run() {
        switch (op) {
            case "soft", "gem", "mixed" -> method.run(input, output);
            case "soft_composite" -> {
                MemorySegment x = input.segment(), xe = scratchIn.segment(), e = scratchIn2.segment();
                for (long i = 0; i < inputCount; i++) {
                    float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, i), ev = (float) Math.exp(v);
                    xe.setAtIndex(ValueLayout.JAVA_FLOAT, i, v * ev);
                    e.setAtIndex(ValueLayout.JAVA_FLOAT, i, ev);
                }
                avg.run(scratchIn, scratchOut);
                avg.run(scratchIn2, scratchOut2);
                divide(scratchOut, scratchOut2, output);
            }
            case "gem_composite" -> {
                MemorySegment x = input.segment(), z = scratchIn.segment();
                for (long i = 0; i < inputCount; i++) {
                    float v = Math.max(x.getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-6f);
                    z.setAtIndex(ValueLayout.JAVA_FLOAT, i, v * v * v);
                }
                avg.run(scratchIn, scratchOut);
                MemorySegment s = scratchOut.segment(), y = output.segment();
                for (long i = 0; i < outputCount; i++)
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cbrt(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
            }
            default -> {
                max.run(input, scratchOut);
                avg.run(input, scratchOut2);
                MemorySegment m = scratchOut.segment(), a = scratchOut2.segment(), y = output.segment();
                for (long i = 0; i < outputCount; i++) {
                    y.setAtIndex(
                            ValueLayout.JAVA_FLOAT,
                            i,
                            0.4f * m.getAtIndex(ValueLayout.JAVA_FLOAT, i)
                                    + 0.6f * a.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
            }
        }
        return output;
    }

    private void divide(Tensor num, Tensor den, Tensor out) {
        MemorySegment n = num.segment(), d = den.segment(), y = out.segment();
        for (long i = 0; i < outputCount; i++) {
            y.setAtIndex(
                    ValueLayout.JAVA_FLOAT,
                    i,
                    n.getAtIndex(ValueLayout.JAVA_FLOAT, i) / d.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }
}
