package dev.poolkit.internal;

import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.PoolingException;
import dev.poolkit.RoiOp;
import dev.poolkit.RoiSpec;
import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_roi_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;

/**
 * Region pooling with one downcall to {@code pk_roi_forward_f32} per box range, critical or not by
 * {@link CriticalCalls}; the backward is one call to {@code pk_roi_backward_f32}, or over heap memory when long, the
 * passes of {@code pk_roi_backward_range_f32} over ranges in short critical calls. The spec and descriptors are
 * checked by {@code pk_roi_check} once, here.
 */
public final class NativeRoiKernel implements RoiKernel {
    /** Linked on first native use, so the Java backend never needs the library. */
    private static final class Native {
        static final MethodHandle FORWARD = Linker.nativeLinker()
                .downcallHandle(PoolkitFFI.pk_roi_forward_f32$address(), PoolkitFFI.pk_roi_forward_f32$descriptor());
        static final MethodHandle FORWARD_CRITICAL = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_roi_forward_f32$address(),
                        PoolkitFFI.pk_roi_forward_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle BACKWARD_CRITICAL = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_roi_backward_f32$address(),
                        PoolkitFFI.pk_roi_backward_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle BACKWARD = Linker.nativeLinker()
                .downcallHandle(PoolkitFFI.pk_roi_backward_f32$address(), PoolkitFFI.pk_roi_backward_f32$descriptor());
        static final MethodHandle BACKWARD_RANGE = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_roi_backward_range_f32$address(),
                        PoolkitFFI.pk_roi_backward_range_f32$descriptor(),
                        Linker.Option.critical(true));
    }

    private final Isa isa;
    private final MemorySegment nativeSpec, inputDesc, outputDesc; // global scope (see below)

    @SuppressWarnings("unused")
    private final Arena arena; // owns the native structs; reachable while this kernel is, and every call fences it

    private final long runBytes; // what a whole run moves: decides critical calls
    /**
     * The backward's work, in bytes a call of the same length would move: the input's planes (zeroed) and the
     * (box, channel) pairs with their samples' four corners. A sampling ratio bounds a pair's samples; an adaptive
     * grid puts about one sample per map pixel the box covers, bounded by the map (outside samples are skipped).
     */
    private final long planes, pairs, planesPerCriticalCall, pairsPerCriticalCall, backwardBytes;

    /** {@code inputShape} {@code [N, C, H, W]} and {@code outputShape} {@code [K, C, outputHeight, outputWidth]}, dense. */
    public NativeRoiKernel(RoiSpec spec, Layout layout, long[] inputShape, long[] outputShape, Isa isa) {
        this.isa = isa;
        this.runBytes = (Geometry.elementCount("input shape", inputShape)
                        + Geometry.elementCount("output shape", outputShape) * 3)
                * Float.BYTES;
        long bins = outputShape[2] * outputShape[3], ratio = spec.samplingRatio();
        long samples = spec.op() == RoiOp.POOL
                ? bins
                : ratio > 0 ? bins * ratio * ratio : bins + 4 * inputShape[2] * inputShape[3];
        long pairBytes = samples * 4 * (Float.BYTES + Long.BYTES) + bins * (Float.BYTES + Long.BYTES);
        long planeBytes = inputShape[2] * inputShape[3] * Float.BYTES;
        planes = inputShape[0] * inputShape[1];
        pairs = outputShape[0] * outputShape[1];
        planesPerCriticalCall =
                CriticalCalls.rowsPerCall(planes, planes * planeBytes); // the input's bytes: no overflow
        long total =
                Math.multiplyHigh(pairs, pairBytes) != 0 ? Long.MAX_VALUE : pairs * pairBytes; // ratios up to 1024²
        pairsPerCriticalCall = CriticalCalls.rowsPerCall(pairs, total);
        backwardBytes = Math.max(total, planes * planeBytes);
        arena = Arena.ofAuto();
        MemorySegment s = pk_roi_spec.allocate(arena);
        pk_roi_spec.op(s, NativeCodes.roiOp(spec.op()));
        pk_roi_spec.box_format(s, NativeCodes.boxFormat(spec.boxFormat()));
        pk_roi_spec.output_height(s, spec.outputHeight());
        pk_roi_spec.output_width(s, spec.outputWidth());
        pk_roi_spec.spatial_scale(s, spec.spatialScale());
        pk_roi_spec.sampling_ratio(s, spec.samplingRatio());
        pk_roi_spec.aligned(s, spec.aligned() ? 1 : 0);
        pk_roi_spec.index_format(s, NativeCodes.indexFormat(spec.indexFormat()));
        pk_roi_spec.isa(s, NativeCodes.isa(isa));
        MemorySegment in = describe(arena, layout, inputShape), out = describe(arena, layout, outputShape);
        int status = PoolkitFFI.pk_roi_check(s, in, out);
        if (status != PoolkitFFI.PK_OK()) {
            throw new PoolingException(
                    "native library rejected a validated region pooling: " + NativeKernel.statusText(status), status);
        }
        // the global scope: a run passes them without a scope check per call; the arena outlives every use (fenced)
        nativeSpec = MemorySegment.ofAddress(s.address()).reinterpret(s.byteSize());
        inputDesc = MemorySegment.ofAddress(in.address()).reinterpret(in.byteSize());
        outputDesc = MemorySegment.ofAddress(out.address()).reinterpret(out.byteSize());
    }

    private static MemorySegment describe(Arena arena, Layout layout, long[] shape) {
        MemorySegment d = pk_tensor_desc.allocate(arena);
        pk_tensor_desc.layout(d, NativeCodes.layout(layout));
        pk_tensor_desc.spatial_rank(d, 2);
        pk_tensor_desc.batch(d, shape[0]);
        pk_tensor_desc.channels(d, shape[1]);
        pk_tensor_desc.spatial(d, 0, shape[2]);
        pk_tensor_desc.spatial(d, 1, shape[3]);
        return d;
    }

    @Override
    public String name() {
        return "native:" + isa.name().toLowerCase();
    }

    @Override
    public void forward(
            MemorySegment in,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment out,
            MemorySegment argmax,
            long begin,
            long end) {
        MemorySegment idx = argmax == null ? MemorySegment.NULL : argmax;
        MemorySegment bi = batchIndices == null ? MemorySegment.NULL : batchIndices;
        // the forward passes heap memory as it is, so a long run over the heap is critical too
        boolean critical = CriticalCalls.mode(runBytes, CriticalCalls.allNative(in, out, idx, boxes, bi))
                != CriticalCalls.Mode.REGULAR;
        int status;
        try {
            status = critical
                    ? (int) Native.FORWARD_CRITICAL.invokeExact(
                            nativeSpec,
                            inputDesc,
                            in,
                            in.byteSize() / Float.BYTES,
                            boxes,
                            boxes.byteSize() / Float.BYTES,
                            bi,
                            bi.byteSize() / Long.BYTES,
                            outputDesc,
                            out,
                            out.byteSize() / Float.BYTES,
                            idx,
                            idx.byteSize() / Long.BYTES,
                            begin,
                            end)
                    : (int) Native.FORWARD.invokeExact(
                            nativeSpec,
                            inputDesc,
                            in,
                            in.byteSize() / Float.BYTES,
                            boxes,
                            boxes.byteSize() / Float.BYTES,
                            bi,
                            bi.byteSize() / Long.BYTES,
                            outputDesc,
                            out,
                            out.byteSize() / Float.BYTES,
                            idx,
                            idx.byteSize() / Long.BYTES,
                            begin,
                            end);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this);
        }
        if (status != 0)
            throw new PoolingException("native region pooling failed: " + NativeKernel.statusText(status), status);
    }

    @Override
    public void backward(
            MemorySegment go,
            MemorySegment gi,
            MemorySegment input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment argmax,
            long boxCount) {
        MemorySegment xs = input == null ? MemorySegment.NULL : input,
                is = argmax == null ? MemorySegment.NULL : argmax;
        MemorySegment bi = batchIndices == null ? MemorySegment.NULL : batchIndices;
        int status = switch (CriticalCalls.mode(
                backwardBytes, CriticalCalls.allNative(go, gi, xs, boxes, bi) && is.isNative())) {
            case CRITICAL -> backward(Native.BACKWARD_CRITICAL, go, gi, xs, boxes, bi, is);
            case REGULAR -> backward(Native.BACKWARD, go, gi, xs, boxes, bi, is);
            case LONG_ON_HEAP -> backwardInRanges(go, gi, xs, boxes, bi, is);
        };
        if (status != 0) {
            String what = status == PoolingException.INVALID_INDEX
                    ? "an argmax names no position of its box's image and channel"
                    : NativeKernel.statusText(status);
            throw new PoolingException("native region pooling backward failed: " + what, status);
        }
    }

    private int backward(
            MethodHandle handle,
            MemorySegment go,
            MemorySegment gi,
            MemorySegment xs,
            MemorySegment boxes,
            MemorySegment bi,
            MemorySegment is) {
        try {
            return (int) handle.invokeExact(
                    nativeSpec,
                    inputDesc,
                    xs,
                    xs.byteSize() / Float.BYTES,
                    boxes,
                    boxes.byteSize() / Float.BYTES,
                    bi,
                    bi.byteSize() / Long.BYTES,
                    outputDesc,
                    go,
                    go.byteSize() / Float.BYTES,
                    is,
                    is.byteSize() / Long.BYTES,
                    gi,
                    gi.byteSize() / Float.BYTES);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The backward over heap memory as short critical calls: the argmax checked over (box, channel) ranges, the input
     * gradient zeroed over plane ranges, then the gradients added over (box, channel) ranges in order, which adds in
     * the order of one whole call. A call takes at least one pair, however many samples its box has.
     */
    private int backwardInRanges(
            MemorySegment go,
            MemorySegment gi,
            MemorySegment xs,
            MemorySegment boxes,
            MemorySegment bi,
            MemorySegment is) {
        for (int pass : CriticalCalls.GRADIENT_PASSES) {
            if (pass == PoolkitFFI.PK_PASS_CHECK() && is.equals(MemorySegment.NULL)) continue; // only argmax is checked
            long units = pass == PoolkitFFI.PK_PASS_ZERO() ? planes : pairs;
            long step = pass == PoolkitFFI.PK_PASS_ZERO() ? planesPerCriticalCall : pairsPerCriticalCall;
            for (long begin = 0; begin < units; begin += step) {
                CriticalCalls.countPiece();
                int status;
                try {
                    status = (int) Native.BACKWARD_RANGE.invokeExact(
                            nativeSpec,
                            inputDesc,
                            xs,
                            xs.byteSize() / Float.BYTES,
                            boxes,
                            boxes.byteSize() / Float.BYTES,
                            bi,
                            bi.byteSize() / Long.BYTES,
                            outputDesc,
                            go,
                            go.byteSize() / Float.BYTES,
                            is,
                            is.byteSize() / Long.BYTES,
                            gi,
                            gi.byteSize() / Float.BYTES,
                            pass,
                            begin,
                            Math.min(units, begin + step));
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
}
