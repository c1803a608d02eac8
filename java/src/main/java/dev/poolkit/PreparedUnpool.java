package dev.poolkit;

import dev.poolkit.internal.IndexSpace;
import dev.poolkit.internal.NativeKernel;
import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_pool_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * Max unpooling validated once for a spec, a layout, a values shape and (optionally) the strides of the views it
 * will see (indices share the values' strides), then run any number of times with one
 * downcall (native) or one loop (Java). Both backends check every index before writing, reject two different values
 * sent to one position (equal ones, as overlapping max windows produce, are fine), and never write outside the
 * output. Immutable and safe to share between threads.
 */
public final class PreparedUnpool {
    /** Linked on first native use, so the Java backend never needs the library. */
    private static final class Unpool {
        static final MethodHandle CRITICAL = Linker.nativeLinker().downcallHandle(
                PoolkitFFI.pk_max_unpool_f32$address(), PoolkitFFI.pk_max_unpool_f32$descriptor(), Linker.Option.critical(true));
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
                PoolkitFFI.pk_max_unpool_f32$address(), PoolkitFFI.pk_max_unpool_f32$descriptor());
    }

    private final UnpoolSpec spec;
    private final Layout layout;
    private final long[] inputShape, outputShape;
    private final long[] indexedShape; // the shape indices address: outputShape, or ONNX's default size inside it
    private final long[] inputStrides, outputStrides; // logical order N, C, spatial...; null: dense
    private final Backend backend;
    private final Isa isa;
    private final IndexSpace space;
    private final MemorySegment nativeSpec, inputDesc, outputDesc; // null for the Java backend

    PreparedUnpool(UnpoolSpec spec, Layout layout, long[] inputShape, long[] inputStrides, long[] outputStrides, Backend backend,
                   Isa isa) {
        this.spec = spec;
        this.layout = layout;
        this.inputShape = inputShape.clone();
        Tensor.checkShape(this.inputShape);
        this.outputShape = spec.outputShape(inputShape);
        Tensor.checkShape(outputShape);
        this.indexedShape = spec.indexedShape(inputShape);
        this.inputStrides = inputStrides;
        this.outputStrides = outputStrides;
        this.backend = backend;
        this.isa = isa;
        int rank = spec.rank();
        long[] size = {1, 1, 1};
        for (int i = 0; i < rank; i++) size[3 - rank + i] = indexedShape[i + 2];
        this.space = new IndexSpace(spec.indexFormat(), outputShape[0], outputShape[1], size, rank);
        if (backend == Backend.JAVA) {
            if (Tensor.checkShape(inputShape) > Integer.MAX_VALUE - 8) {
                throw new UnsupportedOperationException("input shape " + Arrays.toString(inputShape)
                        + ": the Java backend unpools at most 2^31 - 9 values; use the native one");
            }
            nativeSpec = inputDesc = outputDesc = null;
            return;
        }
        Arena arena = Arena.ofAuto();
        nativeSpec = pk_pool_spec.allocate(arena);
        pk_pool_spec.spatial_rank(nativeSpec, rank);
        pk_pool_spec.index_format(nativeSpec, spec.indexFormat().ordinal()); // PK_INDEX_* follow the enum's order
        pk_pool_spec.isa(nativeSpec, isa.ordinal());
        inputDesc = describe(arena, inputShape, inputStrides);
        // ONNX's reading: the indexed part of the output is the view of the default size at its origin, with its strides
        outputDesc = padded() ? describe(arena, indexedShape, outputStrides != null ? outputStrides : Tensor.denseStrides(layout, outputShape))
                : describe(arena, outputShape, outputStrides);
    }

    /** True when the indices address only a corner of the output (ONNX's reading with a larger output size). */
    private boolean padded() {
        return !Arrays.equals(indexedShape, outputShape);
    }

    /** Zeroes the whole output: the native call zeroes only the corner it unpools into. */
    private void zero(MemorySegment output) {
        long count = Arrays.stream(outputShape).reduce(1, Math::multiplyExact);
        if (outputStrides == null) {
            output.asSlice(0, count * Float.BYTES).fill((byte) 0);
            return;
        }
        long[] position = new long[outputShape.length];
        for (long e = 0; e < count; e++) {
            output.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset(position, outputStrides), 0f);
            next(position, outputShape);
        }
    }

    private MemorySegment describe(Arena arena, long[] shape, long[] strides) {
        MemorySegment d = pk_tensor_desc.allocate(arena);
        pk_tensor_desc.layout(d, layout == Layout.NCHW ? PoolkitFFI.PK_LAYOUT_NCHW() : PoolkitFFI.PK_LAYOUT_NHWC());
        pk_tensor_desc.spatial_rank(d, shape.length - 2);
        pk_tensor_desc.batch(d, shape[0]);
        pk_tensor_desc.channels(d, shape[1]);
        for (int i = 2; i < shape.length; i++) pk_tensor_desc.spatial(d, i - 2, shape[i]);
        if (strides != null) for (int i = 0; i < shape.length; i++) pk_tensor_desc.strides(d, i, strides[i]);
        return d;
    }

    /**
     * The unpooling this operation computes.
     *
     * @return the spec
     */
    public UnpoolSpec spec() { return spec; }
    /**
     * How values, indices and output are stored.
     *
     * @return the layout
     */
    public Layout layout() { return layout; }
    /**
     * The logical shape of the values and indices.
     *
     * @return a new array
     */
    public long[] inputShape() { return inputShape.clone(); }
    /**
     * The logical output shape.
     *
     * @return a new array
     */
    public long[] outputShape() { return outputShape.clone(); }
    /**
     * The backend that runs this operation.
     *
     * @return NATIVE or JAVA
     */
    public Backend backend() { return backend; }

    /**
     * What one run costs: values and indices read, the output written (zeroed, then the values), one store per value.
     *
     * @return the cost of one run
     */
    public Cost cost() {
        long values = Arrays.stream(inputShape).reduce(1, Math::multiplyExact), outputs = Arrays.stream(outputShape).reduce(1, Math::multiplyExact);
        return new Cost(values * (Float.BYTES + Long.BYTES), outputs * Float.BYTES, values);
    }

    /**
     * A zeroed output tensor of the right shape and layout.
     *
     * @param allocator where its memory comes from
     * @return a new dense tensor
     */
    public Tensor allocateOutput(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.F32, layout, outputShape);
    }

    /**
     * Writes {@code values} at the positions {@code indices} name in {@code output}, zero elsewhere.
     *
     * @param values the pooled values
     * @param indices their argmax indices, in the spec's index format
     * @param output receives the unpooled tensor
     *
     * @throws PoolingException {@link PoolingException#INVALID_INDEX} for an index outside the output (nothing is
     *     written), {@link PoolingException#CONFLICTING_INDEX} for two different values sent to one position
     */
    public void run(Tensor values, Tensor indices, Tensor output) {
        check("values", values, DType.F32, inputShape, inputStrides);
        check("indices", indices, DType.I64, inputShape, inputStrides);
        check("output", output, DType.F32, outputShape, outputStrides);
        if (output.segment().isReadOnly()) throw new IllegalArgumentException("output segment is read-only");
        PreparedPool.checkDisjoint("values", values, "output", output);
        PreparedPool.checkDisjoint("indices", indices, "output", output);
        if (output.elementCount() == 0) return; // N = 0 or C = 0: nothing to write, and no native call
        if (backend == Backend.JAVA) {
            runJava(values.segment(), indices.segment(), output.segment());
            return;
        }
        MemorySegment v = values.segment(), i = indices.segment(), o = output.segment();
        if (padded()) zero(o);
        int status;
        // a critical call only while it is short (see NativeKernel.CRITICAL_MAX_BYTES); a long one on native memory,
        // over native copies of heap memory
        long bytes = v.byteSize() + i.byteSize() + o.byteSize();
        if (bytes < NativeKernel.CRITICAL_MAX_BYTES) {
            status = unpool(Unpool.CRITICAL, v, i, o);
        } else if (v.isNative() && i.isNative() && o.isNative()) {
            status = unpool(Unpool.HANDLE, v, i, o);
        } else {
            try (Arena copies = Arena.ofConfined()) {
                MemorySegment copy = NativeKernel.nativeCopy(copies, o, true); // gaps of a strided output stay as they are
                status = unpool(Unpool.HANDLE, NativeKernel.nativeCopy(copies, v, true), NativeKernel.nativeCopy(copies, i, true), copy);
                if (copy != o) NativeKernel.copyInPieces(copy, o);
            }
        }
        if (status != 0) throw new PoolingException("native max unpooling failed: " + NativeKernel.statusText(status), status);
    }

    private int unpool(MethodHandle handle, MemorySegment v, MemorySegment i, MemorySegment o) {
        try {
            return (int) handle.invokeExact(nativeSpec, inputDesc, v, v.byteSize() / Float.BYTES, i, i.byteSize() / Long.BYTES,
                    outputDesc, o, o.byteSize() / Float.BYTES);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            java.lang.ref.Reference.reachabilityFence(this); // keeps the descriptors' arena alive through the call
        }
    }

    /** The definition: check every index, zero, scatter in order, then verify no position got two different values. */
    private void runJava(MemorySegment values, MemorySegment indices, MemorySegment output) {
        long[] in = inputStrides != null ? inputStrides : Tensor.denseStrides(layout, inputShape);
        long[] out = outputStrides != null ? outputStrides : Tensor.denseStrides(layout, outputShape);
        int count = (int) Arrays.stream(inputShape).reduce(1, Math::multiplyExact); // the constructor bounded it
        long[] from = new long[count], to = new long[count];
        long[] coordinate = new long[inputShape.length];
        for (int e = 0; e < count; e++) { // values in logical order: n, c, then spatial row-major
            from[e] = offset(coordinate, in);
            to[e] = target(coordinate, indices.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from[e]), out);
            next(coordinate, inputShape);
        }
        long[] position = new long[outputShape.length];
        for (long e = 0, outputs = Arrays.stream(outputShape).reduce(1, Math::multiplyExact); e < outputs; e++) {
            output.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset(position, out), 0f);
            next(position, outputShape);
        }
        for (int e = 0; e < count; e++) {
            output.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, to[e], values.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, from[e]));
        }
        for (int e = 0; e < count; e++) {
            float sent = values.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, from[e]), there = output.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, to[e]);
            if (Float.floatToRawIntBits(sent) != Float.floatToRawIntBits(there)) {
                throw new PoolingException("values " + sent + " and " + there + " were both sent to output offset " + to[e]
                        + " (index " + indices.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from[e]) + ")", PoolingException.CONFLICTING_INDEX);
            }
        }
    }

    private static long offset(long[] coordinate, long[] strides) {
        long o = 0;
        for (int i = 0; i < coordinate.length; i++) o += coordinate[i] * strides[i];
        return o;
    }

    private static void next(long[] coordinate, long[] shape) {
        for (int k = shape.length - 1; k >= 0; k--) {
            if (++coordinate[k] < shape[k]) return;
            coordinate[k] = 0;
        }
    }

    /** Output offset of the position named by the index of the value at logical {@code coordinate}. */
    private long target(long[] coordinate, long index, long[] outStrides) {
        long[] t = space.decode(coordinate[0], coordinate[1], index);
        if (t == null) {
            throw new PoolingException("indices: " + index + " (for the value at " + Arrays.toString(coordinate) + ") lies outside the output "
                    + Arrays.toString(indexedShape) + " (" + spec.indexFormat() + " format)", PoolingException.INVALID_INDEX);
        }
        long[] position = new long[outputShape.length];
        position[0] = t[0];
        position[1] = t[1];
        for (int i = outputShape.length - 1; i >= 2; i--) { // plane offset to spatial coordinates of the indexed shape
            position[i] = t[2] % indexedShape[i];
            t[2] /= indexedShape[i];
        }
        return offset(position, outStrides);
    }

    private void check(String name, Tensor t, DType dtype, long[] shape, long[] strides) {
        if (t == null) throw new NullPointerException(name);
        if (t.dtype() != dtype) throw new IllegalArgumentException(name + " dtype = " + t.dtype() + ": expected " + dtype);
        if (t.layout() != layout) {
            throw new IllegalArgumentException(name + " layout = " + t.layout() + ": this operation was prepared for " + layout);
        }
        if (!t.hasShape(shape)) {
            throw new IllegalArgumentException(name + " shape = " + Arrays.toString(t.shape()) + ": this operation was prepared for "
                    + Arrays.toString(shape));
        }
        long[] given = t.stridesOrNull(); // prepared strides are null exactly when the prepared views are dense
        boolean sameStrides = given == null ? strides == null : strides == null ? t.isDense() : Arrays.equals(given, strides);
        if (!sameStrides) {
            throw new IllegalArgumentException(name + " strides = " + Arrays.toString(t.strides()) + ": this operation was prepared for "
                    + Arrays.toString(strides != null ? strides : Tensor.denseStrides(layout, shape)));
        }
    }

    @Override
    public String toString() {
        return spec + " on " + layout + Arrays.toString(inputShape) + " -> " + Arrays.toString(outputShape) + " ["
                + (backend == Backend.JAVA ? "java" : "native:" + isa.name().toLowerCase()) + "]";
    }
}
