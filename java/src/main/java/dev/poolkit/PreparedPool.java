package dev.poolkit;

import dev.poolkit.internal.Comparison;
import dev.poolkit.internal.Geometry;
import dev.poolkit.internal.JavaKernel;
import dev.poolkit.internal.Kernel;
import dev.poolkit.internal.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A pooling operation validated once for a spec, a layout and an input shape, then run any number of times.
 * A run checks its tensors against the prepared shapes (no allocation) and makes one downcall (native) or one
 * loop nest (Java). Immutable and safe to share between threads; concurrent runs need distinct outputs.
 */
public final class PreparedPool {
    private final PoolSpec spec;
    private final Geometry geometry;
    private final Backend backend;
    private final Kernel kernel;
    private final Kernel reference; // the Java kernel over dense tensors, in cross-check mode only
    private final Geometry referenceGeometry;
    private final long[] inputStrides, outputStrides; // null: dense
    /** Pieces per participant of a shared run: enough that a late start costs little, few enough that each
        piece's downcall is negligible. */
    private static final int PIECES_PER_WORKER = 8;
    /** Channels a channels-first SIMD kernel takes at a time (AVX-512's 16 lanes, two of AVX2's 8). */
    private static final long CHANNEL_BLOCK = 16;
    /** Identities of the prepared tensor types (dtype, layout, shape, strides), cached by the tensors that match them. */
    private final Object inputType = new Object(), outputType = new Object(), indicesType = new Object();

    PreparedPool(PoolSpec spec, Geometry geometry, Backend backend, Isa isa, long[] inputStrides, long[] outputStrides) {
        this.spec = spec;
        this.geometry = geometry;
        this.backend = backend;
        this.inputStrides = inputStrides;
        this.outputStrides = outputStrides;
        this.kernel = backend == Backend.JAVA ? new JavaKernel(geometry) : new NativeKernel(geometry, isa);
        this.referenceGeometry = backend != Backend.CROSS_CHECK ? null
                : geometry.dense ? geometry : Geometry.of(spec, geometry.layout, geometry.inputShape);
        this.reference = referenceGeometry == null ? null : new JavaKernel(referenceGeometry);
    }

    public PoolSpec spec() { return spec; }
    public Layout layout() { return geometry.layout; }
    public long[] inputShape() { return geometry.inputShape.clone(); }
    public long[] outputShape() { return geometry.outputShape.clone(); }
    /** Padding per spatial axis after auto padding was resolved. */
    public long[] padBegin() { return geometry.resolvedPadBegin(); }
    public long[] padEnd() { return geometry.resolvedPadEnd(); }
    /** {@link Backend#NATIVE}, {@link Backend#JAVA} or {@link Backend#CROSS_CHECK}: never AUTO. */
    public Backend backend() { return backend; }
    /** The instruction-set level of the native kernel; empty for the Java backend. */
    public Optional<Isa> isa() {
        return kernel instanceof NativeKernel n ? Optional.of(n.isa()) : Optional.empty();
    }
    /** Which implementation runs, e.g. {@code native:avx512}, {@code java}, {@code cross-check(native:avx2, java)}. */
    public String implementation() {
        return reference == null ? kernel.name() : "cross-check(" + kernel.name() + ", " + reference.name() + ")";
    }
    /** What one run reads, writes and computes (with indices for max and min pooling). */
    public Cost cost() {
        return Pooling.cost(spec, geometry, producesIndices());
    }

    /**
     * What one backward run costs: the output gradient (and indices, or for LP the forward input and output) read,
     * the input gradient written; one add per index, or per window tap inside the input.
     */
    public Cost backwardCost() {
        Cost forward = cost();
        boolean lp = geometry.op == PoolOp.LP;
        long read = geometry.outputCount * Float.BYTES + (producesIndices() ? geometry.outputCount * Long.BYTES : 0)
                + (lp ? geometry.inputCount * Float.BYTES + geometry.outputCount * Float.BYTES : 0);
        long operations = producesIndices() ? geometry.outputCount : forward.operations();
        return new Cost(read, geometry.inputCount * Float.BYTES, operations);
    }

    private boolean producesIndices() {
        return geometry.op == PoolOp.MAX || geometry.op == PoolOp.MIN;
    }

    /** Element strides (N, C, spatial...) the prepared input and output views have. */
    public long[] inputStrides() { return inputStrides != null ? inputStrides.clone() : Tensor.denseStrides(geometry.layout, geometry.inputShape); }
    public long[] outputStrides() { return outputStrides != null ? outputStrides.clone() : Tensor.denseStrides(geometry.layout, geometry.outputShape); }
    /** Independent pieces a run can be split into by {@link #run(Tensor, Tensor, Tensor, Executor, int)}. */
    public long rows() { return geometry.rows; }

    /** A zeroed output tensor of the right shape and layout. */
    public Tensor allocateOutput(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.F32, geometry.layout, geometry.outputShape);
    }

    /** A zeroed indices tensor of the right shape and layout (max and min pooling; dense outputs). */
    public Tensor allocateIndices(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.I64, geometry.layout, geometry.outputShape);
    }

    public void run(Tensor input, Tensor output) {
        run(input, output, null);
    }

    /**
     * Pools {@code input} into {@code output}; for max and min pooling, also writes each output's argmax into
     * {@code indices} (in the spec's {@link IndexFormat}; PyTorch's by default: flat index into the input's spatial
     * volume of that (n, c)), when not null. Indices have the output's shape and strides.
     */
    public void run(Tensor input, Tensor output, Tensor indices) {
        check(input, output, indices);
        MemorySegment idx = indices == null ? null : indices.segment();
        kernel.run(input.segment(), output.segment(), idx, 0, geometry.rows);
        if (reference != null) crossCheck(input, output, idx);
    }

    /**
     * As {@link #run(Tensor, Tensor, Tensor)}, shared by the calling thread and up to {@code slices - 1} tasks given
     * to {@code executor}. The rows are cut into pieces (channels first: whole blocks of 16 channels, which the
     * native kernels take at a time) that every participant claims one at a time, so a task that
     * starts late takes fewer pieces (none once all are claimed) and the caller waits only for pieces already
     * running, never for a task to start. No thread is created here. A task the executor rejects leaves its pieces
     * to the others; the rejection is rethrown once the run is complete.
     */
    public void run(Tensor input, Tensor output, Tensor indices, Executor executor, int slices) {
        if (executor == null) throw new NullPointerException("executor");
        if (slices < 1) throw new IllegalArgumentException("slices = " + slices + ": must be positive");
        check(input, output, indices);
        MemorySegment in = input.segment(), out = output.segment(), idx = indices == null ? null : indices.segment();
        long rows = geometry.rows;
        // channels-first rows are per channel, and the native kernels work on blocks of channels: a piece that cut
        // a block would redo the block's work, so pieces are whole blocks there
        long unit = geometry.layout == Layout.NCHW
                ? rows / (geometry.inputShape[0] * geometry.inputShape[1]) * CHANNEL_BLOCK : 1;
        long units = (rows + unit - 1) / unit;
        int workers = (int) Math.min(slices, units);
        int pieces = workers == 1 ? 1 : (int) Math.min(units, (long) workers * PIECES_PER_WORKER);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(pieces);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable work = () -> {
            for (int piece; (piece = next.getAndIncrement()) < pieces; ) {
                try {
                    kernel.run(in, out, idx, Math.min(rows, units * piece / pieces * unit),
                            Math.min(rows, units * (piece + 1) / pieces * unit));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        };
        // an executor may throw anything, Errors included, after handing out earlier tasks: those must finish before
        // this run returns, so every failure of execute waits, with the rest, for the pieces to complete
        Throwable rejected = null;
        for (int w = 1; w < workers && rejected == null; w++) {
            try {
                executor.execute(work);
            } catch (Throwable e) {
                rejected = e;
            }
        }
        work.run();
        try {
            // the pieces still running are short: spin briefly before parking this thread
            for (int spin = 0; spin < 20_000 && done.getCount() > 0; spin++) Thread.onSpinWait();
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pieces of the run", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (rejected instanceof RuntimeException r) throw r;
        if (rejected instanceof Error e) throw e;
        if (rejected != null) throw new IllegalStateException("executor failed: " + rejected, rejected);
        if (reference != null) crossCheck(input, output, idx);
    }

    /** Gradient of average pooling with respect to its input, written over all of {@code gradInput}. */
    public void backward(Tensor gradOutput, Tensor gradInput) {
        backward(gradOutput, gradInput, null, null, null);
    }

    /** Gradient of max or min pooling (fractional and adaptive too), scattered through the forward's indices. */
    public void backward(Tensor gradOutput, Tensor gradInput, Tensor indices) {
        backward(gradOutput, gradInput, null, null, indices);
    }

    /**
     * The gradient of this pooling with respect to its input, given the gradient of its output: written over all of
     * {@code gradInput} (shaped and strided like the input; {@code gradOutput} like the output). Max and min
     * pooling read the forward's {@code indices} and send each gradient to its argmax; average pooling shares it
     * over the window's taps inside the input (by the forward divisor); LP pooling also reads the forward's
     * {@code input} and {@code output}. Arguments an op does not read may be null. Deterministic: every
     * backend accumulates in the same fixed order.
     *
     * @throws PoolingException with {@link PoolingException#INVALID_INDEX} when an index lies outside the input
     */
    public void backward(Tensor gradOutput, Tensor gradInput, Tensor input, Tensor output, Tensor indices) {
        checkTensor("gradOutput", gradOutput, outputType, DType.F32, geometry.outputShape, outputStrides);
        checkTensor("gradInput", gradInput, inputType, DType.F32, geometry.inputShape, inputStrides);
        if (gradInput.segment().isReadOnly()) throw new IllegalArgumentException("gradInput segment is read-only");
        checkDisjoint("gradOutput", gradOutput, "gradInput", gradInput);
        if (producesIndices()) {
            if (indices == null) throw new NullPointerException("indices: " + geometry.op + " pooling's gradient follows them");
            checkTensor("indices", indices, indicesType, DType.I64, geometry.outputShape, outputStrides);
            checkDisjoint("indices", indices, "gradInput", gradInput);
        }
        if (geometry.op == PoolOp.LP) {
            if (input == null || output == null) throw new NullPointerException("input and output: LP pooling's gradient reads them");
            checkTensor("input", input, inputType, DType.F32, geometry.inputShape, inputStrides);
            checkTensor("output", output, outputType, DType.F32, geometry.outputShape, outputStrides);
            checkDisjoint("input", input, "gradInput", gradInput);
            checkDisjoint("output", output, "gradInput", gradInput);
        }
        kernel.backward(gradOutput.segment(), gradInput.segment(), geometry.op == PoolOp.LP ? input.segment() : null,
                geometry.op == PoolOp.LP ? output.segment() : null, producesIndices() ? indices.segment() : null);
    }

    private void crossCheck(Tensor input, Tensor output, MemorySegment idx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment refOut = arena.allocate(geometry.outputCount * Float.BYTES, 64);
            MemorySegment refIdx = idx == null ? null : arena.allocate(geometry.outputCount * Long.BYTES, 64);
            MemorySegment refIn = input.segment();
            if (referenceGeometry != geometry) { // the reference reads a dense copy of a strided input
                refIn = arena.allocate(geometry.inputCount * Float.BYTES, 64);
                Comparison.gather(geometry.inputShape, geometry.layout, input.segment(), input.strides(), refIn);
            }
            reference.run(refIn, refOut, refIdx, 0, geometry.rows);
            String difference = Comparison.firstDifference(geometry, output.segment(), idx, refOut, refIdx);
            if (difference != null) {
                throw new PoolingException("cross-check: " + kernel.name() + " and java differ at " + difference
                        + " for " + spec + " on " + input, 0);
            }
        }
    }

    private void check(Tensor input, Tensor output, Tensor indices) {
        checkTensor("input", input, inputType, DType.F32, geometry.inputShape, inputStrides);
        checkTensor("output", output, outputType, DType.F32, geometry.outputShape, outputStrides);
        if (output.segment().isReadOnly()) throw new IllegalArgumentException("output segment is read-only");
        checkDisjoint("input", input, "output", output);
        if (indices != null) {
            if (!producesIndices()) {
                throw new IllegalArgumentException("indices given to " + geometry.op + " pooling: only max and min pooling produce them");
            }
            checkTensor("indices", indices, indicesType, DType.I64, geometry.outputShape, outputStrides);
            if (indices.segment().isReadOnly()) throw new IllegalArgumentException("indices segment is read-only");
            checkDisjoint("input", input, "indices", indices);
            checkDisjoint("output", output, "indices", indices);
        }
    }

    /** A tensor of the prepared type {@code type} (dtype, layout, shape, strides), over live memory. */
    private void checkTensor(String name, Tensor t, Object type, DType dtype, long[] shape, long[] strides) {
        if (t == null) throw new NullPointerException(name);
        if (t.matchedType != type) {
            checkType(name, t, dtype, shape, strides);
            t.matchedType = type;
        }
        if (!t.segment().scope().isAlive()) {
            throw new IllegalStateException(name + " segment's arena is closed");
        }
    }

    private void checkType(String name, Tensor t, DType dtype, long[] shape, long[] strides) {
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(name + " dtype = " + t.dtype() + ": expected " + dtype);
        }
        if (t.layout() != geometry.layout) {
            throw new IllegalArgumentException(name + " layout = " + t.layout() + ": this operation was prepared for " + geometry.layout);
        }
        if (!t.hasShape(shape)) {
            throw new IllegalArgumentException(name + " shape = " + Arrays.toString(t.shape())
                    + ": this operation was prepared for " + Arrays.toString(shape));
        }
        long[] given = t.stridesOrNull(); // prepared strides are null exactly when the prepared views are dense
        boolean sameStrides = given == null ? strides == null : strides == null ? t.isDense() : Arrays.equals(given, strides);
        if (!sameStrides) {
            throw new IllegalArgumentException(name + " strides = " + Arrays.toString(t.strides()) + ": this operation was prepared for "
                    + Arrays.toString(strides != null ? strides : Tensor.denseStrides(geometry.layout, shape)));
        }
    }

    static void checkDisjoint(String aName, Tensor a, String bName, Tensor b) {
        MemorySegment x = a.segment(), y = b.segment();
        boolean overlap;
        if (x.isNative() && y.isNative()) {
            overlap = x.address() < y.address() + y.byteSize() && y.address() < x.address() + x.byteSize();
        } else {
            overlap = x.isNative() == y.isNative() && x.asOverlappingSlice(y).isPresent();
        }
        if (overlap) throw new IllegalArgumentException(aName + " and " + bName + " overlap in memory");
    }

    @Override
    public String toString() {
        return spec + " on " + geometry.layout + Arrays.toString(geometry.inputShape) + " -> "
                + Arrays.toString(geometry.outputShape) + " [" + implementation() + "]";
    }
}
