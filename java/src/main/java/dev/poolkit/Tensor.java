package dev.poolkit;

import dev.poolkit.internal.Geometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor view over a caller's {@link MemorySegment}: off-heap memory from any {@link Arena}, a direct
 * {@link ByteBuffer}, or a heap {@code float[]}/{@code long[]}. Nothing is copied. The shape is logical,
 * {@code [N, C, spatial...]} with 1 to 3 spatial axes; the layout says how a dense tensor is stored. A view
 * may instead carry explicit element strides (same order as the shape), so a channel slice or a crop of a
 * bigger buffer is pooled in place: see {@link #withStrides}, {@link #sliceChannels} and {@link #crop}.
 *
 * <p>Elements are read and written in the platform's native byte order, as the native kernels do: a
 * {@link ByteBuffer} or {@link FloatBuffer} in the other order is refused with an error, never read byte-swapped.
 *
 * <pre>{@code
 * float[] data = new float[2 * 3 * 4 * 4];
 * Tensor nchw = Tensor.of(data, Layout.NCHW, 2, 3, 4, 4);               // logical shape [N, C, H, W]
 * nchw.setFloat(1.5f, 0, 2, 3, 1);                                      // n = 0, c = 2, h = 3, w = 1
 * try (Arena arena = Arena.ofConfined()) {
 *     Tensor nhwc = nchw.toLayout(Layout.NHWC, arena);                  // a dense copy, channels last
 *     float same = nhwc.getFloat(0, 2, 3, 1);                           // 1.5f: indices stay logical
 *     Tensor tf = Tensor.ofPhysical(nhwc.segment(), Layout.NHWC, 2, 4, 4, 3); // TensorFlow's [N, H, W, C]
 * }
 * }</pre>
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
        long needed =
                Math.multiplyExact(strides == null ? elementCount : extent(this.shape, this.strides), dtype.byteSize());
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for " + dtype
                    + " tensor " + Arrays.toString(shape) + " (" + needed + " bytes)");
        }
        if (segment.maxByteAlignment() < dtype.byteSize()
                || (segment.isNative() && segment.address() % dtype.byteSize() != 0)) {
            throw new IllegalArgumentException("segment is not aligned to " + dtype.byteSize() + " bytes, as " + dtype
                    + " elements need (heap segments must wrap a " + (dtype == DType.F32 ? "float[]" : "long[]") + ")");
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
            if (shape[i] == 0) return 0;
        }
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] < 1) {
                throw new IllegalArgumentException("strides[" + i + "] = " + strides[i] + " in "
                        + Arrays.toString(strides) + ": every stride must be positive");
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
            for (int i = shape.length - 1; i >= 0; i--) {
                st[i] = s;
                s *= shape[i];
            }
        } else {
            long s = 1;
            st[1] = s;
            s *= shape[1];
            for (int i = r + 1; i >= 2; i--) {
                st[i] = s;
                s *= shape[i];
            }
            st[0] = s;
        }
        return st;
    }

    /**
     * Element count of a logical shape, checking it: N and C may be 0 (an empty batch or no channels, as in
     * PyTorch), spatial dimensions must be positive.
     */
    static long checkShape(long[] shape) {
        if (shape == null) throw new NullPointerException("shape");
        if (shape.length < 3 || shape.length > 5) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + shape.length
                    + " dimensions: expected [N, C] plus 1 to 3 spatial dimensions");
        }
        return Geometry.countAllowingEmpty("shape", shape);
    }

    /**
     * An f32 tensor over {@code segment}, without copying.
     *
     * @param segment the elements, in native byte order, dense in {@code layout}; at least as large as the shape
     *                needs and 4-byte aligned
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}, whatever the layout
     * @return a view over {@code segment}
     * @throws IllegalArgumentException when the shape is invalid or the segment too small or misaligned
     */
    public static Tensor f32(MemorySegment segment, Layout layout, long... shape) {
        return new Tensor(segment, DType.F32, layout, shape);
    }

    /**
     * An i64 tensor (indices) over {@code segment}, without copying.
     *
     * @param segment the elements, in native byte order, dense in {@code layout}; 8-byte aligned
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}
     * @return a view over {@code segment}
     */
    public static Tensor i64(MemorySegment segment, Layout layout, long... shape) {
        return new Tensor(segment, DType.I64, layout, shape);
    }

    /**
     * An f32 tensor over a heap array, without copying: writes through the tensor show in {@code data}.
     *
     * <pre>{@code
     * float[] image = new float[1 * 3 * 224 * 224];
     * Tensor in = Tensor.of(image, Layout.NCHW, 1, 3, 224, 224);
     * }</pre>
     *
     * @param data the elements, dense in {@code layout}
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}
     * @return a view over {@code data}
     */
    public static Tensor of(float[] data, Layout layout, long... shape) {
        return f32(MemorySegment.ofArray(data), layout, shape);
    }

    /**
     * An f32 tensor over a direct buffer's contents, from its position to its limit, without copying.
     *
     * @param buffer a direct buffer of floats in native byte order ({@code buffer.order(ByteOrder.nativeOrder())})
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}
     * @return a view over the buffer's memory
     * @throws IllegalArgumentException when the buffer is a heap buffer or its byte order is not the native one
     *                                  (floats would be read byte-swapped)
     */
    public static Tensor of(ByteBuffer buffer, Layout layout, long... shape) {
        Objects.requireNonNull(buffer, "buffer");
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer is a heap ByteBuffer: use a direct buffer or a float[]");
        }
        checkOrder("buffer", buffer.order());
        return f32(MemorySegment.ofBuffer(buffer), layout, shape);
    }

    /**
     * An f32 tensor over a {@link FloatBuffer}'s contents, from its position to its limit, without copying: a
     * direct buffer (a view of a direct {@code ByteBuffer}, ONNX Runtime's or Arrow's buffers...) or a heap
     * buffer wrapping a {@code float[]}.
     *
     * <pre>{@code
     * FloatBuffer pixels = ByteBuffer.allocateDirect(1 * 3 * 8 * 8 * Float.BYTES)
     *         .order(ByteOrder.nativeOrder()).asFloatBuffer();
     * Tensor in = Tensor.of(pixels, Layout.NCHW, 1, 3, 8, 8);
     * }</pre>
     *
     * @param buffer the elements, in native byte order
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}
     * @return a view over the buffer's memory
     * @throws IllegalArgumentException when the buffer's byte order is not the native one, or it is a heap view
     *                                  of a {@code byte[]}
     */
    public static Tensor of(FloatBuffer buffer, Layout layout, long... shape) {
        Objects.requireNonNull(buffer, "buffer");
        checkOrder("buffer", buffer.order());
        if (!buffer.isDirect() && !buffer.hasArray()) {
            throw new IllegalArgumentException(
                    "buffer is a heap FloatBuffer over a byte[]: use a direct buffer or a float[]");
        }
        return f32(MemorySegment.ofBuffer(buffer), layout, shape);
    }

    private static void checkOrder(String name, ByteOrder order) {
        if (order != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(
                    name + " byte order = " + order + ": poolkit reads floats in the native order ("
                            + ByteOrder.nativeOrder()
                            + "); set it with order(ByteOrder.nativeOrder()) if the data is in that order,"
                            + " or convert the data");
        }
    }

    /**
     * An f32 tensor over {@code segment} from its dimensions in the order they are stored: {@code [N, H, W, C]}
     * (TensorFlow's order, also NWC and NDHWC) for {@link Layout#NHWC}, {@code [N, C, H, W]} for
     * {@link Layout#NCHW}. Other factories take the logical order {@code [N, C, spatial...]} whatever the layout.
     *
     * <pre>{@code
     * // a TensorFlow NHWC tensor of shape [1, 477, 720, 4]: logical shape [1, 4, 477, 720]
     * Tensor t = Tensor.ofPhysical(segment, Layout.NHWC, 1, 477, 720, 4);
     * }</pre>
     *
     * @param segment the elements, in native byte order, dense in {@code layout}
     * @param layout how the elements are stored
     * @param physicalShape the dimensions in storage order, outermost first
     * @return a view over {@code segment}
     */
    public static Tensor ofPhysical(MemorySegment segment, Layout layout, long... physicalShape) {
        return f32(segment, layout, logicalShape(layout, physicalShape));
    }

    /**
     * The logical shape {@code [N, C, spatial...]} of dimensions given in storage order.
     *
     * @param layout how the elements are stored
     * @param physicalShape dimensions in storage order: {@code [N, spatial..., C]} for NHWC
     * @return the logical shape
     */
    public static long[] logicalShape(Layout layout, long... physicalShape) {
        Objects.requireNonNull(layout, "layout");
        long[] shape = Objects.requireNonNull(physicalShape, "physicalShape").clone();
        if (layout == Layout.NHWC && shape.length >= 2) {
            long channels = shape[shape.length - 1];
            System.arraycopy(physicalShape, 1, shape, 2, shape.length - 2);
            shape[1] = channels;
        }
        return shape;
    }

    /**
     * This tensor's dimensions in storage order: {@code [N, spatial..., C]} for NHWC, the logical shape for NCHW.
     *
     * @return a new array
     */
    public long[] physicalShape() {
        long[] physical = shape.clone();
        if (layout == Layout.NHWC) {
            System.arraycopy(shape, 2, physical, 1, shape.length - 2);
            physical[shape.length - 1] = shape[1];
        }
        return physical;
    }

    /**
     * A new zeroed, dense tensor from {@code allocator} (an {@link Arena}, for instance), 64-byte aligned.
     *
     * @param allocator where the memory comes from
     * @param dtype the element type
     * @param layout how the elements are stored
     * @param shape the logical shape {@code [N, C, spatial...]}
     * @return the new tensor
     */
    public static Tensor allocate(SegmentAllocator allocator, DType dtype, Layout layout, long... shape) {
        long count = checkShape(shape);
        MemorySegment segment = allocator.allocate(count * dtype.byteSize(), 64);
        return new Tensor(segment, dtype, layout, shape);
    }

    /**
     * The same memory seen with explicit element strides, e.g. to skip padding between rows.
     *
     * @param strides element strides in logical order (N, C, spatial...), each positive
     * @return a view over the same memory
     */
    public Tensor withStrides(long... strides) {
        return new Tensor(segment, dtype, layout, shape, strides);
    }

    /**
     * Channels {@code [begin, end)} of this tensor, as a view over the same memory (no copy).
     *
     * @param begin the first channel
     * @param end one past the last channel
     * @return a strided view
     */
    public Tensor sliceChannels(long begin, long end) {
        if (begin < 0 || end > shape[1] || begin >= end) {
            throw new IllegalArgumentException("channels [" + begin + ", " + end + ") outside [0, " + shape[1] + ")");
        }
        long[] sub = shape.clone();
        sub[1] = end - begin;
        long[] st = strides();
        return new Tensor(segment.asSlice(begin * st[1] * dtype.byteSize()), dtype, layout, sub, st);
    }

    /**
     * The spatial box starting at {@code begin} with {@code size} per spatial axis, as a view (no copy).
     *
     * @param begin the first position per spatial axis, outermost first
     * @param size the extent per spatial axis
     * @return a strided view
     */
    public Tensor crop(long[] begin, long[] size) {
        Objects.requireNonNull(begin, "begin");
        Objects.requireNonNull(size, "size");
        int r = spatialRank();
        if (begin.length != r || size.length != r) {
            throw new IllegalArgumentException("crop needs " + r + " begin and size values, got "
                    + Arrays.toString(begin) + " and " + Arrays.toString(size));
        }
        long[] st = strides(), sub = shape.clone();
        long offset = 0;
        for (int i = 0; i < r; i++) {
            if (begin[i] < 0 || begin[i] >= shape[i + 2]) {
                throw new IllegalArgumentException(
                        "begin[" + i + "] = " + begin[i] + ": outside [0, " + shape[i + 2] + ") on spatial axis " + i);
            }
            if (size[i] < 1 || size[i] > shape[i + 2] - begin[i]) { // no overflow: begin[i] is in range
                String end = size[i] <= Long.MAX_VALUE - begin[i] ? Long.toString(begin[i] + size[i]) : "beyond 2^63";
                throw new IllegalArgumentException("size[" + i + "] = " + size[i] + ": crop of spatial axis " + i + " ["
                        + begin[i] + ", " + end + ") outside [0, " + shape[i + 2] + ")");
            }
            sub[i + 2] = size[i];
            offset += begin[i] * st[i + 2];
        }
        return new Tensor(segment.asSlice(offset * dtype.byteSize()), dtype, layout, sub, st);
    }

    /**
     * Element strides in logical order (N, C, spatial...): the dense ones of the layout unless given.
     *
     * @return a new array
     */
    public long[] strides() {
        return strides != null ? strides.clone() : denseStrides(layout, shape);
    }

    /**
     * Whether the tensor is dense in its layout (its strides are the layout's).
     *
     * @return true for a dense tensor
     */
    public boolean isDense() {
        return strides == null || Arrays.equals(strides, denseStrides(layout, shape));
    }

    /** The strides given to this view, or null for a dense one: no copy, for the hot path. */
    long[] stridesOrNull() {
        return strides;
    }

    /**
     * The memory this tensor views.
     *
     * @return the segment given at construction (or a slice of it, for a view)
     */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The element type.
     *
     * @return F32 or I64
     */
    public DType dtype() {
        return dtype;
    }

    /**
     * How the elements are stored.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }

    /**
     * The logical shape {@code [N, C, spatial...]}.
     *
     * @return a new array
     */
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The number of elements, the product of the shape.
     *
     * @return the element count (0 for an empty batch or no channels)
     */
    public long elementCount() {
        return elementCount;
    }

    /**
     * The number of spatial axes.
     *
     * @return 1, 2 or 3
     */
    public int spatialRank() {
        return shape.length - 2;
    }

    boolean hasShape(long[] expected) {
        return Arrays.equals(shape, expected);
    }

    /**
     * The one check of a tensor against a prepared type, shared by every prepared operation: dtype, layout, shape and
     * strides ({@code strides} null when the prepared views are dense), each mismatch naming the tensor {@code name}.
     */
    void checkType(String name, DType dtype, Layout layout, long[] shape, long[] strides) {
        if (this.dtype != dtype)
            throw new IllegalArgumentException(name + " dtype = " + this.dtype + ": expected " + dtype);
        if (this.layout != layout) {
            throw new IllegalArgumentException(
                    name + " layout = " + this.layout + ": this operation was prepared for " + layout);
        }
        if (!hasShape(shape)) {
            throw new IllegalArgumentException(name + " shape = " + Arrays.toString(this.shape)
                    + ": this operation was prepared for " + Arrays.toString(shape));
        }
        // prepared strides are null exactly when the prepared views are dense
        boolean sameStrides = this.strides == null
                ? strides == null
                : strides == null ? isDense() : Arrays.equals(this.strides, strides);
        if (!sameStrides) {
            throw new IllegalArgumentException(
                    name + " strides = " + Arrays.toString(strides()) + ": this operation was prepared for "
                            + Arrays.toString(strides != null ? strides : denseStrides(layout, shape)));
        }
    }

    /** Element offset of a logical index, checking it. */
    private long offset(long[] index) {
        Objects.requireNonNull(index, "index");
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " entries for shape " + Arrays.toString(shape));
        }
        long[] st = strides != null ? strides : denseStrides(layout, shape);
        long offset = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index[" + i + "] = " + index[i] + " in " + Arrays.toString(index)
                        + ": outside [0, " + shape[i] + ") for shape " + Arrays.toString(shape));
            }
            offset += index[i] * st[i];
        }
        return offset;
    }

    private void requireType(DType expected) {
        if (dtype != expected) {
            throw new UnsupportedOperationException("this tensor's dtype is " + dtype + ", not " + expected);
        }
    }

    /**
     * The element at a logical index, whatever the layout and strides.
     *
     * @param index {@code n, c, spatial...}, in logical order
     * @return the element
     * @throws IndexOutOfBoundsException when an index is outside the shape
     * @throws UnsupportedOperationException when the tensor is not F32
     */
    public float getFloat(long... index) {
        requireType(DType.F32);
        return segment.getAtIndex(ValueLayout.JAVA_FLOAT, offset(index));
    }

    /**
     * Writes the element at a logical index.
     *
     * @param value the new value
     * @param index {@code n, c, spatial...}, in logical order
     * @throws IndexOutOfBoundsException when an index is outside the shape
     * @throws UnsupportedOperationException when the tensor is not F32 or its memory is read-only
     */
    public void setFloat(float value, long... index) {
        requireType(DType.F32);
        segment.setAtIndex(ValueLayout.JAVA_FLOAT, offset(index), value);
    }

    /**
     * The element of an I64 tensor (indices) at a logical index.
     *
     * @param index {@code n, c, spatial...}, in logical order
     * @return the element
     */
    public long getLong(long... index) {
        requireType(DType.I64);
        return segment.getAtIndex(ValueLayout.JAVA_LONG, offset(index));
    }

    /**
     * Writes the element of an I64 tensor at a logical index.
     *
     * @param value the new value
     * @param index {@code n, c, spatial...}, in logical order
     */
    public void setLong(long value, long... index) {
        requireType(DType.I64);
        segment.setAtIndex(ValueLayout.JAVA_LONG, offset(index), value);
    }

    /** Calls {@code visit} with each logical index and the element offset there, in logical row-major order. */
    private void forEachOffset(java.util.function.BiConsumer<long[], Long> visit) {
        if (elementCount == 0) return;
        long[] st = strides != null ? strides : denseStrides(layout, shape);
        long[] index = new long[shape.length];
        for (long k = 0; k < elementCount; k++) {
            long offset = 0;
            for (int i = 0; i < shape.length; i++) offset += index[i] * st[i];
            visit.accept(index, offset);
            for (int i = shape.length - 1; i >= 0 && ++index[i] == shape[i]; i--) index[i] = 0;
        }
    }

    /** Element count as an array length, or an error. */
    private int arrayLength() {
        if (elementCount > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(
                    "tensor " + Arrays.toString(shape) + " has " + elementCount + " elements: too many for an array");
        }
        return (int) elementCount;
    }

    /**
     * The elements, copied into a new array in the order of this tensor's layout (as a dense tensor of the same
     * layout stores them, so {@code Tensor.of(t.toArray(), t.layout(), t.shape())} is an equal tensor).
     *
     * @return a new array of {@link #elementCount()} floats
     * @throws UnsupportedOperationException when the tensor is not F32 or too big for an array
     */
    public float[] toArray() {
        requireType(DType.F32);
        float[] values = new float[arrayLength()];
        long[] dense = denseStrides(layout, shape);
        forEachOffset((index, offset) -> {
            long at = 0;
            for (int i = 0; i < index.length; i++) at += index[i] * dense[i];
            values[(int) at] = segment.getAtIndex(ValueLayout.JAVA_FLOAT, offset);
        });
        return values;
    }

    /**
     * The elements of an I64 tensor, copied into a new array in the order of this tensor's layout.
     *
     * @return a new array of {@link #elementCount()} longs
     */
    public long[] toLongArray() {
        requireType(DType.I64);
        long[] values = new long[arrayLength()];
        long[] dense = denseStrides(layout, shape);
        forEachOffset((index, offset) -> {
            long at = 0;
            for (int i = 0; i < index.length; i++) at += index[i] * dense[i];
            values[(int) at] = segment.getAtIndex(ValueLayout.JAVA_LONG, offset);
        });
        return values;
    }

    /**
     * Copies every element of {@code source} into this tensor, by logical index: the layouts and strides may
     * differ, so this converts between NCHW and NHWC, or gathers a strided view.
     *
     * @param source a tensor of the same dtype and logical shape; it must not overlap this one
     * @return this tensor
     * @throws IllegalArgumentException when the dtypes or shapes differ
     */
    public Tensor copyFrom(Tensor source) {
        Objects.requireNonNull(source, "source");
        if (source.dtype != dtype) {
            throw new IllegalArgumentException("source dtype = " + source.dtype + ": this tensor's is " + dtype);
        }
        if (!Arrays.equals(source.shape, shape)) {
            throw new IllegalArgumentException(
                    "source shape = " + Arrays.toString(source.shape) + ": this tensor's is " + Arrays.toString(shape));
        }
        long[] from = source.strides();
        ValueLayout element = dtype == DType.F32 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_LONG;
        forEachOffset((index, offset) -> {
            long at = 0;
            for (int i = 0; i < index.length; i++) at += index[i] * from[i];
            MemorySegment.copy(
                    source.segment, element, at * dtype.byteSize(), segment, element, offset * dtype.byteSize(), 1);
        });
        return this;
    }

    /**
     * A dense copy of this tensor in {@code target} layout, e.g. NCHW to NHWC; the logical shape is the same.
     *
     * @param target the layout of the copy
     * @param allocator where the copy's memory comes from
     * @return the new tensor
     */
    public Tensor toLayout(Layout target, SegmentAllocator allocator) {
        return allocate(allocator, dtype, target, shape).copyFrom(this);
    }

    /** Tensors up to this many elements show every value in {@link #toString()}; bigger ones their first values. */
    private static final int PREVIEW = 16;

    /**
     * The dtype, logical shape, layout and strides, then the values in logical order: all of them up to 16
     * elements, else the first ones. Values are left out when the memory cannot be read from this thread (its
     * arena closed, or confined to another thread).
     *
     * @return for instance {@code F32[1, 2, 2, 2] NCHW [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]}
     */
    @Override
    public String toString() {
        String head = dtype + Arrays.toString(shape) + " " + layout
                + (strides == null ? "" : " strides " + Arrays.toString(strides));
        try {
            StringBuilder values = new StringBuilder(" [");
            long[] shown = {0};
            forEachOffsetUpTo(PREVIEW, offset -> {
                if (shown[0]++ > 0) values.append(", ");
                values.append(
                        dtype == DType.F32
                                ? String.valueOf(segment.getAtIndex(ValueLayout.JAVA_FLOAT, offset))
                                : String.valueOf(segment.getAtIndex(ValueLayout.JAVA_LONG, offset)));
            });
            if (elementCount > PREVIEW)
                values.append(", ... (").append(elementCount).append(" elements)");
            return head + values.append(']');
        } catch (RuntimeException e) { // closed arena, another thread's confined segment: the description alone
            return head;
        }
    }

    private void forEachOffsetUpTo(long limit, java.util.function.LongConsumer visit) {
        long[] st = strides != null ? strides : denseStrides(layout, shape);
        long[] index = new long[shape.length];
        for (long k = 0; k < Math.min(limit, elementCount); k++) {
            long offset = 0;
            for (int i = 0; i < shape.length; i++) offset += index[i] * st[i];
            visit.accept(offset);
            for (int i = shape.length - 1; i >= 0 && ++index[i] == shape[i]; i--) index[i] = 0;
        }
    }
}
