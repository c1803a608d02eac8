package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Empty batches and zero channels run as no-ops with the output shapes PyTorch gives (the spatial sizes as for
 * a non-empty input, N and C kept): {@code max_pool2d(torch.empty(0, 3, 8, 8), 2)} has shape (0, 3, 4, 4).
 * No native call is made for them (native code refuses empty problems, so a call would fail).
 */
class EmptyTensorTest {
    private static List<Backend> backends() {
        List<Backend> backends = new ArrayList<>(List.of(Backend.JAVA));
        if (Pooling.nativeAvailable()) backends.addAll(List.of(Backend.NATIVE, Backend.CROSS_CHECK));
        return backends;
    }

    @Test
    void emptyBatchAndNoChannelsGiveEmptyOutputs() {
        PoolSpec[] specs = {
            PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(),
            PoolSpec.avg(2, 2).ceilMode(true).build(),
            PoolSpec.lp(2, 2, 2).build(),
            PoolSpec.globalAvg(2).build(),
            PoolSpec.adaptiveMax(3, 2).build(),
        };
        for (long[] shape : new long[][] {{0, 3, 9, 8}, {2, 0, 9, 8}, {0, 0, 9, 8}}) {
            for (PoolSpec spec : specs) {
                long[] nonEmpty = {1, 1, 9, 8};
                long[] expected = Pooling.outputShape(spec, nonEmpty);
                expected[0] = shape[0];
                expected[1] = shape[1];
                assertArrayEquals(
                        expected, Pooling.outputShape(spec, shape), spec + " " + java.util.Arrays.toString(shape));
                for (Layout layout : Layout.values()) {
                    for (Backend backend : backends()) {
                        PreparedPool pool = Pooling.prepare(spec, layout, shape, backend, null);
                        assertArrayEquals(expected, pool.outputShape());
                        try (Arena arena = Arena.ofConfined()) {
                            Tensor in = Tensor.allocate(arena, DType.F32, layout, shape),
                                    out = pool.allocateOutput(arena);
                            assertEquals(0, out.elementCount());
                            Tensor idx = spec.op() == PoolOp.MAX ? pool.allocateIndices(arena) : null;
                            pool.run(in, out, idx);
                            pool.run(in, out, idx, Runnable::run, 4);
                            if (spec.op() == PoolOp.AVG)
                                pool.backward(out, Tensor.allocate(arena, DType.F32, layout, shape));
                            if (spec.op() == PoolOp.MAX)
                                pool.backward(out, Tensor.allocate(arena, DType.F32, layout, shape), idx);
                            assertEquals(0, pool.cost().bytesRead());
                            // a tensor of the non-empty shape is still refused
                            assertThrows(
                                    IllegalArgumentException.class,
                                    () -> pool.run(Tensor.allocate(arena, DType.F32, layout, nonEmpty), out));
                        }
                    }
                }
            }
        }
    }

    @Test
    void emptyUnpoolingIsANoOp() {
        for (Backend backend : backends()) {
            if (backend == Backend.CROSS_CHECK) continue;
            PreparedUnpool unpool = Pooling.prepareUnpool(
                    UnpoolSpec.of(2, 2).build(), Layout.NCHW, new long[] {0, 4, 3, 3}, backend, null);
            assertArrayEquals(new long[] {0, 4, 6, 6}, unpool.outputShape());
            try (Arena arena = Arena.ofConfined()) {
                unpool.run(
                        Tensor.allocate(arena, DType.F32, Layout.NCHW, 0, 4, 3, 3),
                        Tensor.allocate(arena, DType.I64, Layout.NCHW, 0, 4, 3, 3),
                        unpool.allocateOutput(arena));
            }
        }
    }

    @Test
    void negativeAndEmptySpatialSizesAreStillRefused() {
        PoolSpec spec = PoolSpec.max(2, 2).build();
        assertThrows(IllegalArgumentException.class, () -> Pooling.prepare(spec, Layout.NCHW, -1, 3, 8, 8));
        assertThrows(IllegalArgumentException.class, () -> Pooling.prepare(spec, Layout.NCHW, 0, 3, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[0], Layout.NCHW, 0, 3, 8, -1));
    }
}
