package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** Tensor helpers: element access by logical index, copies between layouts, factories, byte order and toString. */
class TensorTest {
    private static final long N = 2, C = 3, H = 4, W = 5;

    /** Offset of (n, c, h, w) in a dense tensor, written out per layout. */
    private static int nchw(long n, long c, long h, long w) {
        return (int) (((n * C + c) * H + h) * W + w);
    }

    private static int nhwc(long n, long c, long h, long w) {
        return (int) (((n * H + h) * W + w) * C + c);
    }

    private static float[] ramp(int count) {
        float[] data = new float[count];
        for (int i = 0; i < count; i++) data[i] = i * 0.5f - 7;
        return data;
    }

    @Test
    void elementAccessUsesLogicalIndicesInBothLayouts() {
        float[] data = ramp((int) (N * C * H * W));
        Tensor a = Tensor.of(data, Layout.NCHW, N, C, H, W), b = Tensor.of(data, Layout.NHWC, N, C, H, W);
        for (long n = 0; n < N; n++)
            for (long c = 0; c < C; c++)
                for (long h = 0; h < H; h++)
                    for (long w = 0; w < W; w++) {
                        assertEquals(data[nchw(n, c, h, w)], a.getFloat(n, c, h, w));
                        assertEquals(data[nhwc(n, c, h, w)], b.getFloat(n, c, h, w));
                    }
        a.setFloat(42f, 1, 2, 3, 4);
        assertEquals(42f, data[nchw(1, 2, 3, 4)]);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.getFloat(0, 3, 0, 0));
        assertTrue(e.getMessage().startsWith("index[1] = 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.getFloat(0, 0, 0));
        assertThrows(UnsupportedOperationException.class, () -> a.getLong(0, 0, 0, 0));
    }

    @Test
    void layoutConversionRoundTrips() {
        float[] data = ramp((int) (N * C * H * W));
        Tensor a = Tensor.of(data, Layout.NCHW, N, C, H, W);
        try (Arena arena = Arena.ofConfined()) {
            Tensor b = a.toLayout(Layout.NHWC, arena);
            assertEquals(Layout.NHWC, b.layout());
            float[] converted = b.toArray();
            for (long n = 0; n < N; n++)
                for (long c = 0; c < C; c++)
                    for (long h = 0; h < H; h++)
                        for (long w = 0; w < W; w++) {
                            assertEquals(data[nchw(n, c, h, w)], converted[nhwc(n, c, h, w)]);
                        }
            assertArrayEquals(data, b.toLayout(Layout.NCHW, arena).toArray());
            float[] back = new float[data.length];
            Tensor.of(back, Layout.NCHW, N, C, H, W).copyFrom(b);
            assertArrayEquals(data, back);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Tensor.of(new float[data.length], Layout.NCHW, N, C, W, H)
                            .copyFrom(a));
        }
    }

    @Test
    void stridedViewsCopyOutTheirElementsOnly() {
        float[] data = ramp((int) (N * C * H * W));
        Tensor crop = Tensor.of(data, Layout.NCHW, N, C, H, W).crop(new long[] {1, 2}, new long[] {2, 3});
        float[] values = crop.toArray();
        assertEquals(N * C * 2 * 3, values.length);
        int k = 0;
        for (long n = 0; n < N; n++)
            for (long c = 0; c < C; c++)
                for (long h = 0; h < 2; h++)
                    for (long w = 0; w < 3; w++) {
                        assertEquals(data[nchw(n, c, h + 1, w + 2)], values[k++]);
                    }
    }

    @Test
    void physicalShapeFactoryReordersTheDimensions() {
        float[] data = ramp(1 * 7 * 9 * 4);
        // TensorFlow's [N, H, W, C] = [1, 7, 9, 4]
        Tensor t = Tensor.ofPhysical(MemorySegment.ofArray(data), Layout.NHWC, 1, 7, 9, 4);
        assertArrayEquals(new long[] {1, 4, 7, 9}, t.shape());
        assertArrayEquals(new long[] {1, 7, 9, 4}, t.physicalShape());
        assertEquals(data[(2 * 9 + 5) * 4 + 3], t.getFloat(0, 3, 2, 5));
        assertArrayEquals(
                new long[] {1, 4, 7, 9},
                Tensor.ofPhysical(MemorySegment.ofArray(data), Layout.NCHW, 1, 4, 7, 9)
                        .shape());
    }

    @Test
    void bufferFactoriesReadNativeOrderAndRefuseTheOther() {
        ByteBuffer bytes =
                ByteBuffer.allocateDirect(1 * 2 * 2 * 2 * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 8; i++) bytes.putFloat(i * Float.BYTES, i + 0.25f);
        Tensor fromBytes = Tensor.of(bytes, Layout.NCHW, 1, 2, 2, 2);
        Tensor fromFloats = Tensor.of(bytes.asFloatBuffer(), Layout.NCHW, 1, 2, 2, 2);
        for (int i = 0; i < 8; i++) {
            assertEquals(i + 0.25f, fromBytes.toArray()[i]);
            assertEquals(i + 0.25f, fromFloats.toArray()[i]);
        }
        assertEquals(
                3.25f,
                Tensor.of(FloatBuffer.wrap(fromFloats.toArray()), Layout.NCHW, 1, 2, 2, 2)
                        .getFloat(0, 0, 1, 1));

        ByteOrder other =
                ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        ByteBuffer swapped = ByteBuffer.allocateDirect(32).order(other);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Tensor.of(swapped, Layout.NCHW, 1, 2, 2, 2));
        assertTrue(e.getMessage().contains("byte order = " + other), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> Tensor.of(swapped.asFloatBuffer(), Layout.NCHW, 1, 2, 2, 2));
        assertTrue(e.getMessage().contains("byte order = " + other), e.getMessage());
    }

    @Test
    void cropRejectsHugeBeginNamingIt() {
        Tensor t = Tensor.of(new float[(int) (N * C * H * W)], Layout.NCHW, N, C, H, W);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> t.crop(new long[] {Long.MAX_VALUE, 0}, new long[] {1, 1}));
        assertTrue(e.getMessage().startsWith("begin[0] = " + Long.MAX_VALUE), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> t.crop(new long[] {1, 0}, new long[] {Long.MAX_VALUE, 1}));
        assertTrue(e.getMessage().startsWith("size[0] = " + Long.MAX_VALUE), e.getMessage());
    }

    @Test
    void toStringShowsSmallTensorsValues() {
        float[] data = {0, 1, 2, 3, 4, 5, 6, 7};
        assertEquals(
                "F32[1, 2, 2, 2] NCHW [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]",
                Tensor.of(data, Layout.NCHW, 1, 2, 2, 2).toString());
        // logical order: channels of a pixel are not adjacent in the listing
        assertEquals(
                "F32[1, 2, 2, 2] NHWC [0.0, 2.0, 4.0, 6.0, 1.0, 3.0, 5.0, 7.0]",
                Tensor.of(data, Layout.NHWC, 1, 2, 2, 2).toString());
        String big = Tensor.of(new float[100], Layout.NCHW, 1, 1, 10, 10).toString();
        assertTrue(big.endsWith(", ... (100 elements)]"), big);
        Tensor closed;
        try (Arena arena = Arena.ofConfined()) {
            closed = Tensor.allocate(arena, DType.F32, Layout.NCHW, 1, 1, 2, 2);
        }
        assertEquals("F32[1, 1, 2, 2] NCHW", closed.toString());
    }
}
