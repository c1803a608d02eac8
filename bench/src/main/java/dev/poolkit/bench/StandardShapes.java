package dev.poolkit.bench;

import dev.poolkit.AvgDivisor;
import dev.poolkit.DType;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The standard benchmark shapes, under the names of the shared shapes.json that every poolkit benchmark and
 * comparison uses. A test checks these against that file when it is present.
 */
public final class StandardShapes {
    /** One named shape: an input {@code [N, C, spatial...]} and its spec. */
    public record Shape(String name, String op, long[] input, PoolSpec spec) {}

    private StandardShapes() {}

    public static final List<Shape> ALL = List.of(
            new Shape(
                    "S1-resnet-stem",
                    "max_pool",
                    new long[] {1, 64, 112, 112},
                    PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build()),
            new Shape(
                    "S2-vgg-block1",
                    "max_pool",
                    new long[] {1, 64, 224, 224},
                    PoolSpec.max(2, 2).stride(2, 2).build()),
            new Shape(
                    "S3-batched",
                    "max_pool",
                    new long[] {32, 128, 56, 56},
                    PoolSpec.max(2, 2).stride(2, 2).build()),
            new Shape(
                    "S4-inception-avg",
                    "avg_pool",
                    new long[] {1, 256, 28, 28},
                    PoolSpec.avg(3, 3)
                            .stride(1, 1)
                            .padding(1, 1)
                            .divisor(AvgDivisor.EXCLUDE_PADDING)
                            .build()),
            new Shape(
                    "S5-resnet-head",
                    "global_avg_pool",
                    new long[] {1, 2048, 7, 7},
                    PoolSpec.globalAvg(2).build()),
            new Shape(
                    "S6-tiny",
                    "max_pool",
                    new long[] {1, 16, 8, 8},
                    PoolSpec.max(2, 2).stride(2, 2).build()),
            new Shape(
                    "S7-video-3d",
                    "max_pool",
                    new long[] {1, 32, 16, 56, 56},
                    PoolSpec.max(2, 2, 2).stride(2, 2, 2).build()));

    /** An off-heap input of {@code shape} filled with seeded values of the form k/8, k in [-1000, 1000). */
    public static Tensor randomInput(Arena arena, Layout layout, long[] shape, long seed) {
        Tensor input = Tensor.allocate(arena, DType.F32, layout, shape);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < input.elementCount(); i++) {
            input.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, random.nextInt(-1000, 1000) / 8f);
        }
        return input;
    }

    public static Shape byName(String name) {
        return ALL.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("shape = " + name + ": not a standard shape"));
    }
}
