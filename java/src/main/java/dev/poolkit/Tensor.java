package dev.poolkit;

import dev.poolkit.internal.Geometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor view over a caller's {@link MemorySegment}: off-heap memory from any {@link Arena}, a direct
 * {@link ByteBuffer}, or a heap {@code float[]}/{@code long[]}. Nothing is copied. The shape is logical,
 * {@code [N, C, spatial...]} with 1 to 3 spatial axes; the layout says how a dense tensor is stored. A view
 * may instead carry explicit element strides (same order as the shape), so a channel slice or a crop of a
 * bigger buffer is pooled in place: see {@link #withStrides}, {@link #sliceChannels} and {@link #crop}.
 */
public final class Tensor {
    private final MemorySegment segment;
    private final DType dtype;
    private final Layout layout;
    private final long[] shape;
    private final long[] strides; // null: dense in the layout
    private final long elementCount;
    /**
     * The tensor type of a prepared operation (see {@link PreparedPool}) this tensor last matched in dtype, layout,
     * shape and strides, all fixed at construction: a run then compares one reference instead of the arrays. A
     * cache written without synchronization, like {@link String#hashCode}'s: a stale value only costs a full check.
     */
    Object matchedType;

    private Tensor(MemorySegment segment, DType dtype, Layout layout, long[] shape) {
        this(segment, dtype, layout, shape, null);
    }

    private Tensor(MemorySegment segment, DType dtype, Layout layout, long[] shape, long[] strides) {
        this.segment = Objects.requireNonNull(segment, "segment");
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.layout = Objects.requireNonNull(layout, "layout");
        this.shape = shape.clone();
        this.elementCount = checkShape(this.shape);
        this.strides = strides == null ? null : strides.clone();
        long needed = Math.multiplyExact(strides == null ? elementCount : extent(this.shape, this.strides), dtype.byteSize());
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for "
                    + dtype + " tensor " + Arrays.toString(shape) + " (" + needed + " bytes)");
        }
        if (segment.maxByteAlignment() < dtype.byteSize() || (segment.isNative() && segment.address() % dtype.byteSize() != 0)) {
            throw new IllegalArgumentException("segment is not aligned to " + dtype.byteSize() + " bytes, as "
                    + dtype + " elements need (heap segments must wrap a " + (dtype == DType.F32 ? "float[]" : "long[]") + ")");
        }
    }

    /** Largest element offset + 1 of a strided view, checking the strides. */
    private static long extent(long[] shape, long[] strides) {
        if (strides.length != shape.length) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " have " + strides.length
                    + " entries for shape " + Arrays.toString(shape));
        }
        long last = 0;
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] < 1) {
                throw new IllegalArgumentException("strides[" + i + "] = " + strides[i] + " in " + Arrays.toString(strides)
                        + ": every stride must be positive");
            }
            last = Math.addExact(last, Math.multiplyExact(strides[i], shape[i] - 1));
        }
        return Math.addExact(last, 1);
    }

    /** Dense element strides of a shape in a layout, in logical order (N, C, spatial...). */
    static long[] denseStrides(Layout layout, long[] shape) {
        int r = shape.length - 2;
        long[] st = new long[shape.length];
        if (layout == Layout.NCHW) {
            long s = 1;
            for (int i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= shape[i]; }
        } else {
            long s = 1;
            st[1] = s;
            s *= shape[1];
            for (int i = r + 1; i >= 2; i--) { st[i] = s; s *= shape[i]; }
            st[0] = s;
        }
        return st;
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

    /** The same memory seen with explicit element strides (N, C, spatial...), e.g. to skip padding between rows. */
    public Tensor withStrides(long... strides) {
        return new Tensor(segment, dtype, layout, shape, strides);
    }

    /** Channels {@code [begin, end)} of this tensor, as a view over the same memory (no copy). */
    public Tensor sliceChannels(long begin, long end) {
        if (begin < 0 || end > shape[1] || begin >= end) {
            throw new IllegalArgumentException("channels [" + begin + ", " + end + ") outside [0, " + shape[1] + ")");
        }
        long[] sub = shape.clone();
        sub[1] = end - begin;
        long[] st = strides();
        return new Tensor(segment.asSlice(begin * st[1] * dtype.byteSize()), dtype, layout, sub, st);
    }

    /** The spatial box starting at {@code begin} with {@code size} per spatial axis, as a view (no copy). */
    public Tensor crop(long[] begin, long[] size) {
        int r = spatialRank();
        if (begin.length != r || size.length != r) {
            throw new IllegalArgumentException("crop needs " + r + " begin and size values, got " + Arrays.toString(begin)
                    + " and " + Arrays.toString(size));
        }
        long[] st = strides(), sub = shape.clone();
        long offset = 0;
        for (int i = 0; i < r; i++) {
            if (begin[i] < 0 || size[i] < 1 || begin[i] + size[i] > shape[i + 2]) {
                throw new IllegalArgumentException("crop of spatial axis " + i + " [" + begin[i] + ", " + (begin[i] + size[i])
                        + ") outside [0, " + shape[i + 2] + ")");
            }
            sub[i + 2] = size[i];
            offset += begin[i] * st[i + 2];
        }
        return new Tensor(segment.asSlice(offset * dtype.byteSize()), dtype, layout, sub, st);
    }

    /** Element strides in logical order (N, C, spatial...): the dense ones of the layout unless given. */
    public long[] strides() { return strides != null ? strides.clone() : denseStrides(layout, shape); }
    /** True when the tensor is dense in its layout (its strides are the layout's). */
    public boolean isDense() { return strides == null || Arrays.equals(strides, denseStrides(layout, shape)); }
    /** The strides given to this view, or null for a dense one: no copy, for the hot path. */
    long[] stridesOrNull() { return strides; }

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
        return dtype + Arrays.toString(shape) + " " + layout + (strides == null ? "" : " strides " + Arrays.toString(strides));
    }
}
