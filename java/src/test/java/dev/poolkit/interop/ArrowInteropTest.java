package dev.poolkit.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.MemorySegment;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.junit.jupiter.api.Test;

/** Apache Arrow {@link Float4Vector}s: poolkit reads one vector's data buffer and writes another's, in place. */
class ArrowInteropTest {
    @Test
    void poolsArrowBuffersInPlace() {
        int n = 2, c = 3, h = 4, w = 6;
        try (BufferAllocator allocator = new RootAllocator();
                Float4Vector features = new Float4Vector("features", allocator);
                Float4Vector pooled = new Float4Vector("pooled", allocator)) {
            features.allocateNew(n * c * h * w);
            for (int i = 0; i < n * c * h * w; i++) features.set(i, (i * 13 % 29) - 14.5f);
            features.setValueCount(n * c * h * w);
            pooled.allocateNew(n * c * 2 * 3);
            pooled.setValueCount(n * c * 2 * 3);

            MemorySegment in = MemorySegment.ofAddress(features.getDataBufferAddress())
                    .reinterpret(features.getDataBuffer().capacity());
            MemorySegment out = MemorySegment.ofAddress(pooled.getDataBufferAddress())
                    .reinterpret(pooled.getDataBuffer().capacity());
            PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NCHW, n, c, h, w);
            pool.run(Tensor.f32(in, Layout.NCHW, n, c, h, w), Tensor.f32(out, Layout.NCHW, pool.outputShape()));
            for (int i = 0; i < n * c * 2 * 3; i++) pooled.setIndexDefined(i); // Arrow's validity bits

            for (int p = 0; p < n * c; p++)
                for (int y = 0; y < 2; y++)
                    for (int x = 0; x < 3; x++) {
                        float max = Float.NEGATIVE_INFINITY;
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 2; j++)
                                max = Math.max(max, features.get((p * h + 2 * y + i) * w + 2 * x + j));
                        assertEquals(max, pooled.get((p * 2 + y) * 3 + x));
                    }
        }
    }
}
