package dev.poolkit.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A memory-mapped file as input, pooled where it lies (channels last, as images are often stored). */
class MappedFileInteropTest {
    @TempDir
    Path dir;

    @Test
    void poolsAMappedFileInPlace() throws Exception {
        int h = 6, w = 10, c = 4;
        Path file = dir.resolve("image.f32");
        try (FileChannel out = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            MemorySegment writable = out.map(FileChannel.MapMode.READ_WRITE, 0, (long) h * w * c * Float.BYTES, arena);
            for (int i = 0; i < h * w * c; i++) writable.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i * 37 % 101) - 50f);
        }

        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            Tensor image = Tensor.ofPhysical(mapped, Layout.NHWC, 1, 6, 10, 4); // [N, H, W, C] as stored
            PreparedPool pool = Pooling.prepare(PoolSpec.avg(2, 2).build(), Layout.NHWC, image.shape());
            Tensor out = pool.allocateOutput(arena); // [1, 4, 3, 5]
            pool.run(image, out);

            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 5; x++) {
                        float sum = 0;
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 2; j++) {
                                int at = ((2 * y + i) * w + 2 * x + j) * c + ch;
                                sum += (at * 37 % 101) - 50f;
                            }
                        assertEquals(sum / 4, out.getFloat(0, ch, y, x), "c=" + ch + " y=" + y + " x=" + x);
                    }
        }
    }
}
