package dev.poolkit.internal;

import dev.poolkit.Isa;
import dev.poolkit.PoolOp;
import dev.poolkit.PoolingException;
import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_method_spec;
import dev.poolkit.internal.ffi.pk_pool_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;

/**
 * Runs a prepared problem with one downcall to {@code pk_pool_run_f32}. The problem is validated and planned
 * once, here, by {@code pk_pool_prepare} into memory this kernel owns; a run passes that plan and the caller's
 * segments straight through, critical or not by {@link CriticalCalls}.
 */
public final class NativeKernel implements Kernel {
    private static final MethodHandle RUN = Linker.nativeLinker()
            .downcallHandle(PoolkitFFI.pk_pool_run_f32$address(), PoolkitFFI.pk_pool_run_f32$descriptor());
    private static final MethodHandle RUN_CRITICAL = Linker.nativeLinker()
            .downcallHandle(
                    PoolkitFFI.pk_pool_run_f32$address(),
                    PoolkitFFI.pk_pool_run_f32$descriptor(),
                    Linker.Option.critical(true));
    /** Linked on first use: inference never needs it. */
    private static final class Backward {
        static final MethodHandle CRITICAL = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_pool_backward_f32$address(),
                        PoolkitFFI.pk_pool_backward_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle HANDLE = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_pool_backward_f32$address(), PoolkitFFI.pk_pool_backward_f32$descriptor());
        static final MethodHandle RANGE = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_pool_backward_range_f32$address(),
                        PoolkitFFI.pk_pool_backward_range_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle METHOD = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_method_backward_f32$address(),
                        PoolkitFFI.pk_method_backward_f32$descriptor(),
                        Linker.Option.critical(true));
        static final MethodHandle METHOD_HANDLE = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_method_backward_f32$address(), PoolkitFFI.pk_method_backward_f32$descriptor());
    }
    /** The methods of the literature (SoftPool, GeM, ...): runs with their params. Linked on first use. */
    private static final class Method {
        static final MethodHandle RUN = Linker.nativeLinker()
                .downcallHandle(PoolkitFFI.pk_method_run_f32$address(), PoolkitFFI.pk_method_run_f32$descriptor());
        static final MethodHandle RUN_CRITICAL = Linker.nativeLinker()
                .downcallHandle(
                        PoolkitFFI.pk_method_run_f32$address(),
                        PoolkitFFI.pk_method_run_f32$descriptor(),
                        Linker.Option.critical(true));
    }

    /**
     * Channels a channels-first SIMD kernel transposes and pools at a time: the vector width of the widest level
     * (AVX-512's 16 floats, two of AVX2's 8). A piece of a shared run that cut such a block would redo the block's
     * work, so shared channels-first runs are cut at multiples of it.
     */
    public static final long CHANNEL_BLOCK = 16;

    private final Arena arena; // holds the descriptors, the plan and the samples: freed once this kernel is unreachable
    private final MemorySegment spec, input, output;
    /** SoftPool and GeM: their parameters, and (unscoped, as the plan) GeM's p per channel or NULL. */
    private final boolean method;

    private final MemorySegment methodSpec, params;
    private final long paramCount;
    private final boolean runParams;
    /**
     * The plan and the fractional samples as runs pass them: views of this kernel's memory without a scope, so a
     * downcall has no arena to acquire and release for them. They stay valid while this kernel is reachable,
     * which every run ensures; the caller's segments keep their scopes and the checks those give.
     */
    private final MemorySegment plan, samples;

    private final long sampleCount;
    private final long runBytes, rowsPerCriticalCall, backwardBytes;
    /** The backward's (n, c) planes, and how many of them one critical call over heap memory takes. */
    private final long planes, planesPerCriticalCall;

    private final Isa isa;
    /** Level and strategy of the kernel the plan runs, asked once: {@code native:avx512:tiles}. */
    private final String name;

    public NativeKernel(Geometry g, Isa isa) {
        this.isa = isa;
        arena = Arena.ofAuto(); // readable from any thread
        spec = pk_pool_spec.allocate(arena);
        input = pk_tensor_desc.allocate(arena);
        output = pk_tensor_desc.allocate(arena);
        pk_pool_spec.op(spec, NativeCodes.op(g.op));
        pk_pool_spec.window(spec, NativeCodes.window(g.windowRule));
        pk_pool_spec.spatial_rank(spec, g.rank);
        for (int i = 0; i < g.rank; i++) {
            int a = 3 - g.rank + i;
            pk_pool_spec.kernel(spec, i, g.kernel[a]);
            pk_pool_spec.stride(spec, i, g.stride[a]);
            pk_pool_spec.dilation(spec, i, g.dilation[a]);
            pk_pool_spec.pad_begin(spec, i, g.padBegin[a]);
            pk_pool_spec.pad_end(spec, i, g.padEnd[a]);
        }
        pk_pool_spec.ceil_mode(spec, g.ceilMode ? 1 : 0);
        pk_pool_spec.divisor_mode(spec, NativeCodes.divisor(g.divisor));
        pk_pool_spec.divisor_override(spec, g.divisorOverride);
        pk_pool_spec.nan_mode(spec, NativeCodes.nanMode(g.nanPolicy));
        pk_pool_spec.lp_form(spec, NativeCodes.lpForm(g.lpForm));
        pk_pool_spec.lp_p(spec, g.op == PoolOp.LP ? g.p : 0);
        pk_pool_spec.index_format(spec, NativeCodes.indexFormat(g.indexFormat));
        pk_pool_spec.isa(spec, NativeCodes.isa(isa));
        pk_pool_spec.precision(spec, NativeCodes.precision(g.precision));
        describe(input, g, g.inputShape, g.dense ? null : g.inStride);
        describe(output, g, g.outputShape, g.dense ? null : g.outStride);
        if (g.samples != null) {
            MemorySegment owned = arena.allocate(ValueLayout.JAVA_FLOAT, g.samples.length);
            MemorySegment.copy(g.samples, 0, owned, ValueLayout.JAVA_FLOAT, 0, g.samples.length);
            samples = unscoped(owned);
        } else {
            samples = MemorySegment.NULL;
        }
        sampleCount = samples.byteSize() / Float.BYTES;
        method = g.op.ordinal() >= PoolOp.SOFT.ordinal();
        runParams = g.runParams;
        methodSpec = pk_method_spec.allocate(arena);
        pk_method_spec.params_mode(methodSpec, g.paramsMode); // Geometry's PARAMS_* are the native codes
        pk_method_spec.p(methodSpec, g.op == PoolOp.GEM && g.channelP == null ? g.p : 0);
        pk_method_spec.eps(methodSpec, g.eps);
        pk_method_spec.lambda(methodSpec, g.lambda);
        pk_method_spec.probability(methodSpec, g.probability);
        if (g.fixedParams != null) {
            MemorySegment ownedParams = arena.allocate(ValueLayout.JAVA_FLOAT, g.fixedParams.length);
            MemorySegment.copy(g.fixedParams, 0, ownedParams, ValueLayout.JAVA_FLOAT, 0, g.fixedParams.length);
            params = unscoped(ownedParams);
        } else {
            params = MemorySegment.NULL;
        }
        paramCount = params.byteSize() / Float.BYTES;
        MemorySegment owned = arena.allocate(PoolkitFFI.pk_pool_plan_size(), Long.BYTES);
        int status = method
                ? PoolkitFFI.pk_method_prepare(spec, methodSpec, input, output, owned, owned.byteSize())
                : PoolkitFFI.pk_pool_prepare(spec, input, output, owned, owned.byteSize());
        plan = unscoped(owned);
        if (status != PoolkitFFI.PK_OK()) {
            throw new PoolingException("native library rejected a validated problem: " + statusText(status), status);
        }
        long bytes = (g.inputCount + g.outputCount * (g.op == PoolOp.MAX || g.op == PoolOp.MIN ? 3 : 1)) * Float.BYTES;
        this.runBytes = bytes;
        this.rowsPerCriticalCall = CriticalCalls.rowsPerCall(g.rows, bytes);
        this.backwardBytes = (g.inputCount * (g.op == PoolOp.LP ? 2 : 1) + g.outputCount * (g.op == PoolOp.LP ? 2 : 3))
                * Float.BYTES;
        this.planes = g.batch * g.channels;
        this.planesPerCriticalCall = CriticalCalls.rowsPerCall(planes, backwardBytes);
        String path = pathName(owned, false);
        boolean picksTaps = g.op == PoolOp.MAX
                || g.op == PoolOp.MIN
                || g.op == PoolOp.MIXED
                || g.op == PoolOp.STOCHASTIC
                || g.op == PoolOp.S3POOL;
        String withIndices = picksTaps ? pathName(owned, true) : path;
        // runs with indices may take another strategy at the same level: then both are named
        this.name = "native:" + path
                + (withIndices.equals(path)
                        ? ""
                        : " (with indices: " + withIndices.substring(withIndices.indexOf(':') + 1) + ")");
    }

    /** The plan's kernel as the library names it, {@code avx512:tiles}. */
    private static String pathName(MemorySegment plan, boolean withIndices) {
        MemorySegment name = PoolkitFFI.pk_pool_plan_path(plan, plan.byteSize(), withIndices ? 1 : 0);
        if (name.equals(MemorySegment.NULL)) throw new IllegalStateException("native library rejected its own plan");
        return name.reinterpret(64).getString(0);
    }

    /** The same memory as a segment of the global scope; {@code owned} must outlive every use of it. */
    private static MemorySegment unscoped(MemorySegment owned) {
        return MemorySegment.ofAddress(owned.address()).reinterpret(owned.byteSize());
    }

    /** Writes a descriptor; {@code stride} (n, c, d, h, w) is null for a dense tensor. */
    private static void describe(MemorySegment desc, Geometry g, long[] shape, long[] stride) {
        pk_tensor_desc.layout(desc, NativeCodes.layout(g.layout));
        pk_tensor_desc.spatial_rank(desc, g.rank);
        pk_tensor_desc.batch(desc, shape[0]);
        pk_tensor_desc.channels(desc, shape[1]);
        for (int i = 0; i < g.rank; i++) {
            pk_tensor_desc.spatial(desc, i, shape[i + 2]);
        }
        if (stride != null) {
            pk_tensor_desc.strides(desc, 0, stride[Geometry.N]);
            pk_tensor_desc.strides(desc, 1, stride[Geometry.C]);
            for (int i = 0; i < g.rank; i++) pk_tensor_desc.strides(desc, 2 + i, stride[Geometry.D + 3 - g.rank + i]);
        }
    }

    public static String statusText(int status) {
        return PoolkitFFI.pk_status_string(status).reinterpret(256).getString(0) + " (status " + status + ")";
    }

    @Override
    public String name() {
        return name;
    }

    public Isa isa() {
        return isa;
    }

    @Override
    public void run(
            MemorySegment in,
            MemorySegment out,
            MemorySegment indices,
            MemorySegment runParams,
            long rowBegin,
            long rowEnd) {
        MemorySegment idx = indices == null ? MemorySegment.NULL : indices;
        if (method) {
            runMethod(in, out, idx, runParams != null ? runParams : params, rowBegin, rowEnd);
        } else if (runBytes
                < CriticalCalls.MAX_BYTES) { // the smallest problems' path, kept short: critical over any memory
            check(runPooling(RUN_CRITICAL, in, out, idx, rowBegin, rowEnd));
        } else if (CriticalCalls.allNative(in, out, idx)) {
            check(runPooling(RUN, in, out, idx, rowBegin, rowEnd));
        } else { // critical calls over row ranges short enough not to stall safepoints
            for (long begin = rowBegin; begin < rowEnd; begin += rowsPerCriticalCall) {
                CriticalCalls.countPiece();
                check(runPooling(RUN_CRITICAL, in, out, idx, begin, Math.min(rowEnd, begin + rowsPerCriticalCall)));
            }
        }
    }

    private int runPooling(
            MethodHandle handle, MemorySegment in, MemorySegment out, MemorySegment idx, long rowBegin, long rowEnd) {
        try {
            return (int) handle.invokeExact(
                    plan,
                    plan.byteSize(),
                    in,
                    in.byteSize() / Float.BYTES,
                    out,
                    out.byteSize() / Float.BYTES,
                    idx,
                    idx.byteSize() / Long.BYTES,
                    samples,
                    sampleCount,
                    rowBegin,
                    rowEnd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this); // keeps the arena, so plan and samples, alive through the call
        }
    }

    /** The methods of the literature: their params with each run, critical or not by {@link CriticalCalls} as pooling. */
    private void runMethod(
            MemorySegment in, MemorySegment out, MemorySegment idx, MemorySegment prm, long rowBegin, long rowEnd) {
        switch (CriticalCalls.mode(runBytes, CriticalCalls.allNative(in, out, idx, prm))) {
            case CRITICAL -> check(runMethod(Method.RUN_CRITICAL, in, out, idx, prm, rowBegin, rowEnd));
            case REGULAR -> check(runMethod(Method.RUN, in, out, idx, prm, rowBegin, rowEnd));
            case LONG_ON_HEAP -> {
                for (long begin = rowBegin; begin < rowEnd; begin += rowsPerCriticalCall) {
                    CriticalCalls.countPiece();
                    check(runMethod(
                            Method.RUN_CRITICAL,
                            in,
                            out,
                            idx,
                            prm,
                            begin,
                            Math.min(rowEnd, begin + rowsPerCriticalCall)));
                }
            }
        }
    }

    private int runMethod(
            MethodHandle handle,
            MemorySegment in,
            MemorySegment out,
            MemorySegment idx,
            MemorySegment prm,
            long rowBegin,
            long rowEnd) {
        try {
            return (int) handle.invokeExact(
                    plan,
                    plan.byteSize(),
                    in,
                    in.byteSize() / Float.BYTES,
                    out,
                    out.byteSize() / Float.BYTES,
                    idx,
                    idx.byteSize() / Long.BYTES,
                    prm,
                    prm.byteSize() / Float.BYTES,
                    rowBegin,
                    rowEnd);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private static void check(int status) {
        if (status != 0) throw new PoolingException("native pooling failed: " + statusText(status), status);
    }

    @Override
    public void backwardWithParameters(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment in,
            MemorySegment runParams,
            MemorySegment gradParams) {
        MemorySegment gp = gradParams == null ? MemorySegment.NULL : gradParams;
        MemorySegment prm = runParams != null ? runParams : params;
        long prmCount = runParams != null ? runParams.byteSize() / Float.BYTES : paramCount;
        int status;
        try {
            // the methods' backward passes heap memory as it is: a long one on the heap is critical too
            boolean critical =
                    CriticalCalls.mode(backwardBytes, CriticalCalls.allNative(gradOutput, gradInput, in, prm, gp))
                            != CriticalCalls.Mode.REGULAR;
            status = (int) (critical ? Backward.METHOD : Backward.METHOD_HANDLE)
                    .invokeExact(
                            spec,
                            methodSpec,
                            input,
                            in,
                            in.byteSize() / Float.BYTES,
                            output,
                            gradOutput,
                            gradOutput.byteSize() / Float.BYTES,
                            prm,
                            prmCount,
                            gradInput,
                            gradInput.byteSize() / Float.BYTES,
                            gp,
                            gp.byteSize() / Float.BYTES);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this);
        }
        if (status != 0) {
            throw new PoolingException("native pooling backward failed: " + statusText(status), status);
        }
    }

    @Override
    public void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment in,
            MemorySegment out,
            MemorySegment indices) {
        if (method) {
            backwardWithParameters(gradOutput, gradInput, in, null, null);
            return;
        }
        MemorySegment x = in == null ? MemorySegment.NULL : in, y = out == null ? MemorySegment.NULL : out;
        MemorySegment idx = indices == null ? MemorySegment.NULL : indices;
        int status =
                switch (CriticalCalls.mode(backwardBytes, CriticalCalls.allNative(gradOutput, gradInput, x, y, idx))) {
                    case CRITICAL -> backward(Backward.CRITICAL, gradOutput, gradInput, x, y, idx);
                    case REGULAR -> backward(Backward.HANDLE, gradOutput, gradInput, x, y, idx);
                    case LONG_ON_HEAP -> backwardInRanges(gradOutput, gradInput, x, y, idx);
                };
        if (status != 0) {
            throw new PoolingException("native pooling backward failed: " + statusText(status), status);
        }
    }

    /**
     * The backward over heap memory as short critical calls: each pass over consecutive plane ranges, all of a pass
     * before the next, which adds in the order of one whole call (see PK_PASS_* in poolkit.h).
     */
    private int backwardInRanges(
            MemorySegment gradOutput, MemorySegment gradInput, MemorySegment x, MemorySegment y, MemorySegment idx) {
        for (int pass : CriticalCalls.GRADIENT_PASSES) {
            if (pass == PoolkitFFI.PK_PASS_CHECK() && idx.equals(MemorySegment.NULL))
                continue; // only indices are checked
            for (long begin = 0; begin < planes; begin += planesPerCriticalCall) {
                long end = Math.min(planes, begin + planesPerCriticalCall);
                CriticalCalls.countPiece();
                int status;
                try {
                    status = (int) Backward.RANGE.invokeExact(
                            spec,
                            input,
                            x,
                            x.byteSize() / Float.BYTES,
                            output,
                            y,
                            y.byteSize() / Float.BYTES,
                            gradOutput,
                            gradOutput.byteSize() / Float.BYTES,
                            idx,
                            idx.byteSize() / Long.BYTES,
                            gradInput,
                            gradInput.byteSize() / Float.BYTES,
                            pass,
                            begin,
                            end);
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

    private int backward(
            MethodHandle handle,
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment x,
            MemorySegment y,
            MemorySegment idx) {
        try {
            return (int) handle.invokeExact(
                    spec,
                    input,
                    x,
                    x.byteSize() / Float.BYTES,
                    output,
                    y,
                    y.byteSize() / Float.BYTES,
                    gradOutput,
                    gradOutput.byteSize() / Float.BYTES,
                    idx,
                    idx.byteSize() / Long.BYTES,
                    gradInput,
                    gradInput.byteSize() / Float.BYTES);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            Reference.reachabilityFence(this); // keeps the descriptors alive through the call
        }
    }
}
