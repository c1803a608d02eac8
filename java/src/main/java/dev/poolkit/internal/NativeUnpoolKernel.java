package dev.poolkit.internal;

import dev.poolkit.IndexFormat;
import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.PoolingException;
import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_pool_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;
import java.util.Arrays;

/**
 * Max unpooling with one downcall to {@code pk_max_unpool_f32}, critical or not by {@link CriticalCalls}; a long call
 * over heap memory runs each pass of {@code pk_max_unpool_range_f32} over plane ranges, in short critical calls.
 */
public final class NativeUnpoolKernel implements UnpoolKernel {
    /** Linked on first native use, so the Java backend never needs the library. */
    private static final class Unpool {
        static final MethodHandle CRITICAL = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_max_unpool_f32$address(),
                        PoolkitFFI.pk_max_unpool_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle HANDLE = Linker.nativeLinker()
                .downcallHandle(PoolkitFFI.pk_max_unpool_f32$address(), PoolkitFFI.pk_max_unpool_f32$descriptor());
        static final MethodHandle RANGE = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_max_unpool_range_f32$address(),
                        PoolkitFFI.pk_max_unpool_range_f32$descriptor(),
                        Linker.Option.critical(true));
    }

    private final long[] outputShape;
    private final long[] outputStrides; // logical order; null: dense
    private final boolean padded; // the indices address only a corner of the output (ONNX's reading with a larger size)
    private final Isa isa;
    private final MemorySegment nativeSpec, inputDesc, outputDesc; // of an automatic arena: alive while this kernel is
    /** The (n, c) planes, and how many of them a critical call over heap memory takes. */
    private final long planes, planesPerCriticalCall;

    /**
     * {@code indexedShape} is the shape the indices address: {@code outputShape}, or ONNX's default size inside it;
     * strides (logical order N, C, spatial...) are null for dense views, {@code denseOutputStrides} the output's when dense.
     */
    public NativeUnpoolKernel(
            IndexFormat indexFormat,
            Layout layout,
            long[] inputShape,
            long[] indexedShape,
            long[] outputShape,
            long[] inputStrides,
            long[] outputStrides,
            long[] denseOutputStrides,
            Isa isa) {
        this.outputShape = outputShape.clone();
        this.outputStrides = outputStrides;
        this.padded = !Arrays.equals(indexedShape, outputShape);
        this.isa = isa;
        this.planes = inputShape[0] * inputShape[1];
        // values, indices and the output, each read or written about twice over the passes
        long bytes = Arrays.stream(inputShape).reduce(1, Math::multiplyExact) * (Float.BYTES + Long.BYTES)
                + Arrays.stream(outputShape).reduce(1, Math::multiplyExact) * Float.BYTES; // empty shapes: 0
        this.planesPerCriticalCall = CriticalCalls.rowsPerCall(planes, bytes);
        Arena arena = Arena.ofAuto();
        nativeSpec = pk_pool_spec.allocate(arena);
        pk_pool_spec.spatial_rank(nativeSpec, inputShape.length - 2);
        pk_pool_spec.index_format(nativeSpec, NativeCodes.indexFormat(indexFormat));
        pk_pool_spec.isa(nativeSpec, NativeCodes.isa(isa));
        inputDesc = describe(arena, layout, inputShape, inputStrides);
        // ONNX's reading: the indexed part of the output is the view of the default size at its origin, with its
        // strides
        outputDesc = padded
                ? describe(arena, layout, indexedShape, outputStrides != null ? outputStrides : denseOutputStrides)
                : describe(arena, layout, outputShape, outputStrides);
    }

    private static MemorySegment describe(Arena arena, Layout layout, long[] shape, long[] strides) {
        MemorySegment d = pk_tensor_desc.allocate(arena);
        pk_tensor_desc.layout(d, NativeCodes.layout(layout));
        pk_tensor_desc.spatial_rank(d, shape.length - 2);
        pk_tensor_desc.batch(d, shape[0]);
        pk_tensor_desc.channels(d, shape[1]);
        for (int i = 2; i < shape.length; i++) pk_tensor_desc.spatial(d, i - 2, shape[i]);
        if (strides != null) for (int i = 0; i < shape.length; i++) pk_tensor_desc.strides(d, i, strides[i]);
        return d;
    }

    @Override
    public String name() {
        return "native:" + isa.name().toLowerCase();
    }

    @Override
    public void run(MemorySegment v, MemorySegment i, MemorySegment o) {
        if (padded) zero(o);
        int status = switch (CriticalCalls.mode(
                v.byteSize() + i.byteSize() + o.byteSize(), CriticalCalls.allNative(v, i, o))) {
            case CRITICAL -> unpool(Unpool.CRITICAL, v, i, o);
            case REGULAR -> unpool(Unpool.HANDLE, v, i, o);
            case LONG_ON_HEAP -> unpoolInRanges(v, i, o);
        };
        if (status != 0)
            throw new PoolingException("native max unpooling failed: " + NativeKernel.statusText(status), status);
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
            output.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, JavaUnpoolKernel.offset(position, outputStrides), 0f);
            JavaUnpoolKernel.next(position, outputShape);
        }
    }

    /** Each pass over consecutive plane ranges, all of a pass before the next: the bits and status of one whole call. */
    private int unpoolInRanges(MemorySegment v, MemorySegment i, MemorySegment o) {
        for (int pass : CriticalCalls.UNPOOL_PASSES) {
            for (long begin = 0; begin < planes; begin += planesPerCriticalCall) {
                CriticalCalls.countPiece();
                int status;
                try {
                    status = (int) Unpool.RANGE.invokeExact(
                            nativeSpec,
                            inputDesc,
                            v,
                            v.byteSize() / Float.BYTES,
                            i,
                            i.byteSize() / Long.BYTES,
                            outputDesc,
                            o,
                            o.byteSize() / Float.BYTES,
                            pass,
                            begin,
                            Math.min(planes, begin + planesPerCriticalCall));
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new AssertionError(t);
                } finally {
                    Reference.reachabilityFence(this);
                }
                if (status != 0) return status;
            }
        }
        return 0;
    }

    private int unpool(MethodHandle handle, MemorySegment v, MemorySegment i, MemorySegment o) {
        try {
            return (int) handle.invokeExact(
                    nativeSpec,
                    inputDesc,
                    v,
                    v.byteSize() / Float.BYTES,
                    i,
                    i.byteSize() / Long.BYTES,
                    outputDesc,
                    o,
                    o.byteSize() / Float.BYTES);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this); // keeps the descriptors' arena alive through the call
        }
    }
}
