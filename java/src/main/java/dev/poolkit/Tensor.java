package dev.poolkit;

import dev.poolkit.internal.Geometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor view over a caller's {@link MemorySegment}: off-heap memory from any {@link Arena}, a direct
 * {@link ByteBuffer}, or a heap {@code float[]}/{@code long[]}. Nothing is copied. The shape is logical,
 * {@code [N, C, spatial...]} with 1 to 3 spatial axes; the layout says how it is stored.
 */
public final class Tensor {
    private final MemorySegment segment;
    private final DType dtype;
    private final Layout layout;
    private final long[] shape;
    private final long elementCount;

    private Tensor(MemorySegment segment, DType dtype, Layout layout, long[] shape) {
        this.segment = Objects.requireNonNull(segment, "segment");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.shape = shape.clone();
        this.elementCount = checkShape(this.shape);
        long needed = Math.multiplyExact(elementCount, dtype.byteSize());
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for "
                    + dtype + " tensor " + Arrays.toString(shape) + " (" + needed + " bytes)");
        }
        if (segment.maxByteAlignment() < dtype.byteSize() || (segment.isNative() && segment.address() % dtype.byteSize() != 0)) {
            throw new IllegalArgumentException("segment is not aligned to " + dtype.byteSize() + " bytes, as "
                    + dtype + " elements need (heap segments must wrap a " + (dtype == DType.F32 ? "float[]" : "long[]") + ")");
        }
    }

    /** Element count of a logical shape, checking it. */
    static long checkShape(long[] shape) {
        if (shape.length < 3 || shape.length > 5) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + " has " + shape.length + " dimensions: expected [N, C] plus 1 to 3 spatial dimensions");
        }
        return Geometry.elementCount("shape", shape);
    }

    /** An f32 tensor over {@code segment}. */
    public static Tensor f32(MemorySegment segment, Layout layout, long... shape) {
        return new Tensor(segment, DType.F32, layout, shape);
    }

    /** An i64 tensor (indices) over {@code segment}. */
    public static Tensor i64(MemorySegment segment, Layout layout, long... shape) {
        return new Tensor(segment, DType.I64, layout, shape);
    }

    /** An f32 tensor over a heap array, without copying. */
    public static Tensor of(float[] data, Layout layout, long... shape) {
        return f32(MemorySegment.ofArray(data), layout, shape);
    }

    /** An f32 tensor over a direct buffer's contents (native byte order expected), without copying. */
    public static Tensor of(ByteBuffer buffer, Layout layout, long... shape) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer is a heap ByteBuffer: use a direct buffer or a float[]");
        }
        return f32(MemorySegment.ofBuffer(buffer), layout, shape);
    }

    /** A new zeroed tensor from {@code allocator} (an {@link Arena}, for instance). */
    public static Tensor allocate(SegmentAllocator allocator, DType dtype, Layout layout, long... shape) {
        long count = checkShape(shape);
        MemorySegment segment = allocator.allocate(count * dtype.byteSize(), 64);
        return new Tensor(segment, dtype, layout, shape);
    }

    public MemorySegment segment() { return segment; }
    public DType dtype() { return dtype; }
    public Layout layout() { return layout; }
    public long[] shape() { return shape.clone(); }
    public long elementCount() { return elementCount; }
    /** Spatial rank: 1, 2 or 3. */
    public int spatialRank() { return shape.length - 2; }

    boolean hasShape(long[] expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + " " + layout;
    }
}
