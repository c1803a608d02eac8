package dev.poolkit;

import dev.poolkit.internal.Comparison;
import dev.poolkit.internal.Geometry;
import dev.poolkit.internal.JavaKernel;
import dev.poolkit.internal.Kernel;
import dev.poolkit.internal.NativeKernel;
import dev.poolkit.internal.SharedRun;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executor;

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
    /** Identities of the prepared tensor types (dtype, layout, shape, strides), cached by the tensors that match them. */
    private final Object inputType = new Object(), outputType = new Object(), indicesType = new Object();
    /** Runs over a caller's executor, with their state kept from run to run. */
    private final SharedRun<Segments> shared;

    /** The segments of one shared run. */
    private static final class Segments implements SharedRun.Arguments {
        MemorySegment in, out, idx, prm;

        @Override
        public void clear() {
            in = out = idx = prm = null;
        }
    }

    PreparedPool(
            PoolSpec spec, Geometry geometry, Backend backend, Isa isa, long[] inputStrides, long[] outputStrides) {
        this.spec = spec;
        this.geometry = geometry;
        this.backend = backend;
        this.inputStrides = inputStrides;
        this.outputStrides = outputStrides;
        // an empty problem (N = 0 or C = 0) never reaches native code, which refuses it: runs only check the tensors
        boolean empty = geometry.inputCount == 0;
        this.kernel = backend == Backend.JAVA || empty ? new JavaKernel(geometry) : new NativeKernel(geometry, isa);
        this.referenceGeometry = backend != Backend.CROSS_CHECK || empty
                ? null
                : geometry.dense ? geometry : Geometry.of(spec, geometry.layout, geometry.inputShape);
        this.reference = referenceGeometry == null ? null : new JavaKernel(referenceGeometry);
        this.shared =
                new SharedRun<>(Segments::new, (s, begin, end) -> kernel.run(s.in, s.out, s.idx, s.prm, begin, end));
    }

    /**
     * The spec this operation computes.
     *
     * @return the spec
     */
    public PoolSpec spec() {
        return spec;
    }
    /**
     * How inputs and outputs are stored.
     *
     * @return the layout
     */
    public Layout layout() {
        return geometry.layout;
    }
    /**
     * The logical input shape {@code [N, C, spatial...]}.
     *
     * @return a new array
     */
    public long[] inputShape() {
        return geometry.inputShape.clone();
    }
    /**
     * The logical output shape {@code [N, C, spatial...]}.
     *
     * @return a new array
     */
    public long[] outputShape() {
        return geometry.outputShape.clone();
    }
    /**
     * Padding before each spatial axis after auto padding was resolved.
     *
     * @return a new array, outermost axis first
     */
    public long[] padBegin() {
        return geometry.resolvedPadBegin();
    }
    /**
     * Padding after each spatial axis after auto padding was resolved.
     *
     * @return a new array, outermost axis first
     */
    public long[] padEnd() {
        return geometry.resolvedPadEnd();
    }
    /**
     * The backend that runs this operation.
     *
     * @return {@link Backend#NATIVE}, {@link Backend#JAVA} or {@link Backend#CROSS_CHECK}: never AUTO
     */
    public Backend backend() {
        return backend;
    }
    /**
     * The instruction-set level of the native kernel.
     *
     * @return the level; empty for the Java backend
     */
    public Optional<Isa> isa() {
        return kernel instanceof NativeKernel n ? Optional.of(n.isa()) : Optional.empty();
    }
    /**
     * Which implementation runs.
     *
     * @return e.g. {@code native:avx512:tiles} (level and strategy of native code), {@code java:vector} (the Java
     *         backend through the Vector API, when the JVM runs with {@code --add-modules jdk.incubator.vector}) or
     *         {@code java:scalar}, {@code cross-check(native:avx2:along, java:scalar)}
     */
    public String implementation() {
        return reference == null ? kernel.name() : "cross-check(" + kernel.name() + ", " + reference.name() + ")";
    }
    /**
     * What one run reads, writes and computes (with indices for max and min pooling).
     *
     * @return the cost of one run
     */
    public Cost cost() {
        return Pooling.cost(spec, geometry, producesIndices());
    }

    /**
     * What one backward run costs: the output gradient (and indices, or for LP the forward input and output) read,
     * the input gradient written; one add per index, or per window tap inside the input.
     *
     * @return the cost of one backward run
     */
    public Cost backwardCost() {
        Cost forward = cost();
        boolean lp = geometry.op == PoolOp.LP, readsInput = geometry.op.ordinal() >= PoolOp.SOFT.ordinal();
        boolean scatters = geometry.op == PoolOp.MAX || geometry.op == PoolOp.MIN;
        long read = geometry.outputCount * Float.BYTES
                + (scatters ? geometry.outputCount * Long.BYTES : 0)
                + (lp ? geometry.inputCount * Float.BYTES + geometry.outputCount * Float.BYTES : 0)
                + (readsInput ? geometry.inputCount * Float.BYTES : 0);
        long operations = scatters ? geometry.outputCount : forward.operations();
        return new Cost(read, geometry.inputCount * Float.BYTES, operations);
    }

    private boolean producesIndices() {
        return geometry.op == PoolOp.MAX
                || geometry.op == PoolOp.MIN
                || geometry.op == PoolOp.MIXED
                || geometry.op == PoolOp.S3POOL
                || geometry.op == PoolOp.STOCHASTIC && geometry.paramsMode == Geometry.PARAMS_UNIFORMS;
    }

    /**
     * Element strides (N, C, spatial...) the prepared input views have.
     *
     * @return a new array
     */
    public long[] inputStrides() {
        return inputStrides != null ? inputStrides.clone() : Tensor.denseStrides(geometry.layout, geometry.inputShape);
    }
    /**
     * Element strides (N, C, spatial...) the prepared output views (and indices) have.
     *
     * @return a new array
     */
    public long[] outputStrides() {
        return outputStrides != null
                ? outputStrides.clone()
                : Tensor.denseStrides(geometry.layout, geometry.outputShape);
    }
    /**
     * Independent pieces a run can be split into by {@link #run(Tensor, Tensor, Tensor, Executor, int)}.
     *
     * @return the number of rows
     */
    public long rows() {
        return geometry.rows;
    }

    /**
     * A zeroed output tensor of the right shape and layout.
     *
     * @param allocator where its memory comes from, an {@link Arena} for instance
     * @return a new dense tensor
     */
    public Tensor allocateOutput(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.F32, geometry.layout, geometry.outputShape);
    }

    /**
     * A zeroed indices tensor of the right shape and layout (max and min pooling; dense outputs).
     *
     * @param allocator where its memory comes from
     * @return a new dense I64 tensor
     */
    public Tensor allocateIndices(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.I64, geometry.layout, geometry.outputShape);
    }

    /**
     * Pools {@code input} into {@code output}: no allocation, one downcall for the native backend.
     *
     * <pre>{@code
     * PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NHWC, 1, 32, 64, 64);
     * try (Arena arena = Arena.ofConfined()) {
     *     Tensor in = Tensor.allocate(arena, DType.F32, Layout.NHWC, 1, 32, 64, 64);
     *     Tensor out = pool.allocateOutput(arena);
     *     pool.run(in, out);
     * }
     * }</pre>
     *
     * @param input a tensor of the prepared input shape, layout and strides
     * @param output a tensor of the prepared output shape, layout and strides, writable, not overlapping the input
     * @throws IllegalArgumentException when a tensor does not match, naming it
     */
    public void run(Tensor input, Tensor output) {
        run(input, output, null);
    }

    /**
     * Pools {@code input} into {@code output}; for max and min pooling, also writes each output's argmax into
     * {@code indices} (in the spec's {@link IndexFormat}; PyTorch's by default: flat index into the input's spatial
     * volume of that (n, c)), when not null. Indices have the output's shape and strides.
     *
     * @param input a tensor of the prepared input shape, layout and strides
     * @param output a tensor of the prepared output shape, layout and strides
     * @param indices an I64 tensor like the output, or null
     */
    public void run(Tensor input, Tensor output, Tensor indices) {
        run(input, output, indices, (Tensor) null);
    }

    /**
     * As {@link #run(Tensor, Tensor, Tensor)} for a method that takes params with each run: mixed pooling's λ per output
     * ({@link PoolSpec.Builder#lambdaPerOutput}) or uniforms ({@link PoolSpec.Builder#lambdaDrawn} without a seed),
     * stochastic training's uniforms (without a seed), each of the output's shape and strides, one per output;
     * LIP's logits, of the input's shape and strides, or [N, 1, spatial...] dense with
     * {@link PoolSpec.Builder#logitsBroadcast}. Uniforms must lie in [0, 1) and λ be finite. Indices (mixed: the
     * max's; stochastic training: the chosen tap's) as for max pooling.
     *
     * <pre>{@code
     * PreparedPool gated = Pooling.prepare(PoolSpec.mixed(0, 2, 2).lambdaPerOutput().build(), Layout.NHWC, 8, 64, 32, 32);
     * gated.run(x, y, null, sigmoidOfGate);                   // λ map: the output's shape and strides
     * }</pre>
     *
     * @param input a tensor of the prepared input shape, layout and strides
     * @param output a tensor of the prepared output shape, layout and strides, writable, not overlapping the input
     * @param indices an I64 tensor like the output (max, min, mixed, stochastic training, S3Pool), or null
     * @param params the run's params as above, F32; null for a method that takes none
     * @throws NullPointerException when the method takes params and {@code params} is null
     * @throws IllegalArgumentException naming the argument: a tensor that does not match, params given to a method
     *         that takes none, or a uniform outside [0, 1) or a non-finite λ (naming the element)
     */
    public void run(Tensor input, Tensor output, Tensor indices, Tensor params) {
        check(input, output, indices);
        MemorySegment prm = checkParams(params, output);
        if (geometry.outputCount == 0) return;
        MemorySegment idx = indices == null ? null : indices.segment();
        kernel.run(input.segment(), output.segment(), idx, prm, 0, geometry.rows);
        if (reference != null) crossCheck(input, output, idx, prm);
    }

    /** The run's params segment after checking it against the method (null when the method takes none). */
    private MemorySegment checkParams(Tensor params, Tensor output) {
        if (!geometry.runParams) {
            if (params != null)
                throw new IllegalArgumentException("params given to " + spec + ": it takes none with each run");
            return null;
        }
        if (params == null) {
            throw new NullPointerException("params: " + spec + " takes "
                    + (geometry.op == PoolOp.LIP
                            ? "logits"
                            : geometry.paramsMode == Geometry.PARAMS_UNIFORMS ? "uniforms" : "λ per output")
                    + " with each run");
        }
        switch (geometry.paramsMode) {
            case Geometry.PARAMS_INPUT_MAP ->
                checkTensor("params", params, inputType, DType.F32, geometry.inputShape, inputStrides);
            case Geometry.PARAMS_CHANNEL_BROADCAST -> {
                long[] shape = geometry.inputShape.clone();
                shape[1] = 1;
                if (params.dtype() != DType.F32 || !params.hasShape(shape) || !params.isDense()) {
                    throw new IllegalArgumentException("params (broadcast logits) = " + params
                            + ": expected dense F32 of shape " + Arrays.toString(shape));
                }
            }
            default -> checkTensor("params", params, outputType, DType.F32, geometry.outputShape, outputStrides);
        }
        checkDisjoint("params", params, "output", output);
        if (geometry.paramsMode == Geometry.PARAMS_UNIFORMS || geometry.paramsMode == Geometry.PARAMS_OUTPUT_MAP) {
            MemorySegment segment = params.segment();
            boolean uniforms = geometry.paramsMode == Geometry.PARAMS_UNIFORMS;
            for (long i = 0; i < geometry.outputCount; i++) { // every value, before any native code runs
                long at = geometry.outputOffset(i);
                float v = segment.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                if (uniforms ? !(v >= 0 && v < 1) : !Float.isFinite(v)) {
                    throw new IllegalArgumentException("params" + geometry.describeOutputElement(i) + " = " + v
                            + (uniforms ? ": uniforms must lie in [0, 1)" : ": λ must be finite"));
                }
            }
        }
        return params.segment();
    }

    /**
     * As {@link #run(Tensor, Tensor, Tensor)}, shared by the calling thread and up to {@code slices - 1} tasks given
     * to {@code executor}. The rows are cut into pieces (channels first: whole blocks of 16 channels, which the
     * native kernels take at a time) that every participant claims one at a time, so a task that
     * starts late takes fewer pieces (none once all are claimed) and the caller waits only for pieces already
     * running, never for a task to start. No thread is created here. A task the executor rejects leaves its pieces
     * to the others; the rejection is rethrown once the run is complete. The run allocates nothing (only the executor
     * may, to queue its task): its state is kept for the next run, or made anew while another thread's run holds it.
     * The caller waits for every piece even when interrupted, and keeps its interrupt status.
     *
     * @param input a tensor of the prepared input shape, layout and strides
     * @param output a tensor of the prepared output shape, layout and strides
     * @param indices an I64 tensor like the output, or null
     * @param executor runs the helper tasks
     * @param slices participants at most, the calling thread included
     */
    public void run(Tensor input, Tensor output, Tensor indices, Executor executor, int slices) {
        run(input, output, indices, null, executor, slices);
    }

    /**
     * As {@link #run(Tensor, Tensor, Tensor, Executor, int)} with a method's params of this run (see
     * {@link #run(Tensor, Tensor, Tensor, Tensor)}).
     *
     * @param input a tensor of the prepared input shape, layout and strides
     * @param output a tensor of the prepared output shape, layout and strides
     * @param indices an I64 tensor like the output, or null
     * @param params the run's params as above, F32; null for a method that takes none
     * @param executor runs the helper tasks
     * @param slices participants at most, the calling thread included: positive
     * @throws NullPointerException when {@code executor} is null, or the method takes params and {@code params} is null
     * @throws IllegalArgumentException naming the argument: {@code slices < 1}, a tensor that does not match, or invalid
     *         params
     */
    public void run(Tensor input, Tensor output, Tensor indices, Tensor params, Executor executor, int slices) {
        SharedRun.checkArguments(executor, slices);
        check(input, output, indices);
        MemorySegment prm = checkParams(params, output);
        if (geometry.outputCount == 0) return;
        SharedRun.State<Segments> run = shared.take();
        run.arguments.in = input.segment();
        run.arguments.out = output.segment();
        run.arguments.idx = indices == null ? null : indices.segment();
        run.arguments.prm = prm;
        // channels-first rows are per channel, and the native kernels work on blocks of channels: a piece that cut
        // a block would redo the block's work, so pieces are whole blocks there
        long unit = geometry.layout == Layout.NCHW
                ? geometry.rows / (geometry.inputShape[0] * geometry.inputShape[1]) * NativeKernel.CHANNEL_BLOCK
                : 1;
        shared.run(run, executor, slices, geometry.rows, unit);
        if (reference != null) crossCheck(input, output, indices == null ? null : indices.segment(), prm);
    }

    /**
     * Gradient of average pooling with respect to its input, written over all of {@code gradInput}.
     *
     * @param gradOutput the gradient of the output, shaped like the output
     * @param gradInput receives the gradient of the input, shaped like the input
     */
    public void backward(Tensor gradOutput, Tensor gradInput) {
        backward(gradOutput, gradInput, null, null, null);
    }

    /**
     * Gradient of max or min pooling (fractional and adaptive too), scattered through the forward's indices.
     *
     * @param gradOutput the gradient of the output, shaped like the output
     * @param gradInput receives the gradient of the input, shaped like the input
     * @param indices the forward run's indices
     */
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
     * @param gradOutput the gradient of the output, shaped like the output
     * @param gradInput receives the gradient of the input, shaped like the input
     * @param input the forward input (LP pooling), or null
     * @param output the forward output (LP pooling), or null
     * @param indices the forward indices (max and min pooling), or null
     * @throws PoolingException with {@link PoolingException#INVALID_INDEX} when an index lies outside the input
     */
    public void backward(Tensor gradOutput, Tensor gradInput, Tensor input, Tensor output, Tensor indices) {
        if (geometry.op.ordinal()
                >= PoolOp.SOFT.ordinal()) { // from the input alone (no run params: see backwardWithParameters)
            backwardWithParameters(gradOutput, gradInput, input, null, (MemorySegment) null);
            return;
        }
        checkTensor("gradOutput", gradOutput, outputType, DType.F32, geometry.outputShape, outputStrides);
        checkTensor("gradInput", gradInput, inputType, DType.F32, geometry.inputShape, inputStrides);
        if (gradInput.segment().isReadOnly()) throw new IllegalArgumentException("gradInput segment is read-only");
        checkDisjoint("gradOutput", gradOutput, "gradInput", gradInput);
        if (producesIndices()) {
            if (indices == null)
                throw new NullPointerException("indices: " + geometry.op + " pooling's gradient follows them");
            checkTensor("indices", indices, indicesType, DType.I64, geometry.outputShape, outputStrides);
            checkDisjoint("indices", indices, "gradInput", gradInput);
        }
        if (geometry.op == PoolOp.LP) {
            if (input == null || output == null)
                throw new NullPointerException("input and output: LP pooling's gradient reads them");
            checkTensor("input", input, inputType, DType.F32, geometry.inputShape, inputStrides);
            checkTensor("output", output, outputType, DType.F32, geometry.outputShape, outputStrides);
            checkDisjoint("input", input, "gradInput", gradInput);
            checkDisjoint("output", output, "gradInput", gradInput);
        }
        if (geometry.inputCount == 0) return;
        kernel.backward(
                gradOutput.segment(),
                gradInput.segment(),
                geometry.op == PoolOp.LP ? input.segment() : null,
                geometry.op == PoolOp.LP ? output.segment() : null,
                producesIndices() ? indices.segment() : null);
    }

    /**
     * The gradients of the methods of the literature (SoftPool, GeM, mixed, stochastic, LIP), from the forward's
     * {@code input} and the run's {@code params} (null when the method takes none): with respect to the input, written over
     * all of {@code gradInput}, and, when {@code gradParams} is not null, with respect to the parameter, written into it:
     * GeM's p (1 or C floats), mixed λ (1, C, or one per output with the output's strides), LIP's logits (shaped as the
     * logits). Stochastic training sends each gradient to the tap the same uniforms choose. A window whose output is NaN
     * or infinite sends NaN. Deterministic: channels outermost, then batch, outputs and taps in order.
     *
     * <pre>{@code
     * gem.backwardWithParameters(gradY, gradX, x, null, gradP);   // gradients w.r.t. x and GeM's p
     * }</pre>
     *
     * @param gradOutput the gradient of the output, shaped and strided like the output
     * @param gradInput receives the gradient of the input, shaped and strided like the input, writable, overwritten
     *        entirely
     * @param input the forward input
     * @param params the forward run's params (as {@link #run(Tensor, Tensor, Tensor, Tensor)} took them), or null for a
     *        method that takes none
     * @param gradParams receives the gradient with respect to the parameter: at least its count of floats, writable; or
     *        null to skip it
     * @throws NullPointerException when {@code input} is null, or the method takes params and {@code params} is null
     * @throws IllegalArgumentException naming the argument: an op that is not a method of the literature, a tensor that
     *         does not match, invalid params, or {@code gradParams} given to a method without a parameter (SoftPool,
     *         stochastic) or too small or read-only
     */
    public void backwardWithParameters(
            Tensor gradOutput, Tensor gradInput, Tensor input, Tensor params, MemorySegment gradParams) {
        if (geometry.op.ordinal() < PoolOp.SOFT.ordinal()) {
            throw new IllegalArgumentException(
                    "backwardWithParameters is for the methods of the literature, not " + geometry.op + " pooling");
        }
        checkTensor("gradOutput", gradOutput, outputType, DType.F32, geometry.outputShape, outputStrides);
        checkTensor("gradInput", gradInput, inputType, DType.F32, geometry.inputShape, inputStrides);
        if (gradInput.segment().isReadOnly()) throw new IllegalArgumentException("gradInput segment is read-only");
        checkDisjoint("gradOutput", gradOutput, "gradInput", gradInput);
        if (input == null) throw new NullPointerException("input: " + geometry.op + " pooling's gradient reads it");
        checkTensor("input", input, inputType, DType.F32, geometry.inputShape, inputStrides);
        checkDisjoint("input", input, "gradInput", gradInput);
        MemorySegment prm = checkParams(params, gradOutput);
        if (gradParams != null) {
            long count = switch (geometry.op) {
                case GEM -> geometry.paramsMode == Geometry.PARAMS_PER_CHANNEL ? geometry.channels : 1;
                case MIXED ->
                    geometry.paramsMode == Geometry.PARAMS_SCALAR
                            ? 1
                            : geometry.paramsMode == Geometry.PARAMS_PER_CHANNEL
                                    ? geometry.channels
                                    : geometry.paramsMode == Geometry.PARAMS_OUTPUT_MAP ? geometry.outExtent : 0;
                case LIP -> geometry.runParamsExtent();
                default -> 0;
            };
            if (count == 0)
                throw new IllegalArgumentException(
                        "gradParams given to " + spec + ": it has no parameter to differentiate");
            if (gradParams.isReadOnly() || gradParams.byteSize() < count * Float.BYTES) {
                throw new IllegalArgumentException("gradParams holds " + gradParams.byteSize() / Float.BYTES + " floats"
                        + (gradParams.isReadOnly() ? " read-only" : "") + ": expected " + count + " writable");
            }
        }
        kernel.backwardWithParameters(gradOutput.segment(), gradInput.segment(), input.segment(), prm, gradParams);
    }

    /**
     * As {@link #backwardWithParameters(Tensor, Tensor, Tensor, Tensor, MemorySegment)} with the parameter gradient in
     * an array.
     *
     * @param gradOutput the gradient of the output, shaped and strided like the output
     * @param gradInput receives the gradient of the input, shaped and strided like the input, overwritten entirely
     * @param input the forward input
     * @param params the forward run's params, or null for a method that takes none
     * @param gradParams receives the gradient with respect to the parameter (GeM's p: 1 or C floats; mixed λ: 1, C or one
     *        per output; LIP's logits: shaped as the logits), or null to skip it
     */
    public void backwardWithParameters(
            Tensor gradOutput, Tensor gradInput, Tensor input, Tensor params, float[] gradParams) {
        backwardWithParameters(
                gradOutput, gradInput, input, params, gradParams == null ? null : MemorySegment.ofArray(gradParams));
    }

    private void crossCheck(Tensor input, Tensor output, MemorySegment idx, MemorySegment params) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment refOut = arena.allocate(geometry.outputCount * Float.BYTES, 64);
            MemorySegment refIdx = idx == null ? null : arena.allocate(geometry.outputCount * Long.BYTES, 64);
            MemorySegment refIn = input.segment();
            if (referenceGeometry != geometry) { // the reference reads a dense copy of a strided input
                refIn = arena.allocate(geometry.inputCount * Float.BYTES, 64);
                Comparison.gather(geometry.inputShape, geometry.layout, input.segment(), input.strides(), refIn);
            }
            if (params != null && referenceGeometry != geometry) {
                throw new UnsupportedOperationException(
                        "cross-check of " + spec + " on strided views with run params: check dense tensors");
            }
            reference.run(refIn, refOut, refIdx, params, 0, geometry.rows);
            String difference;
            if (geometry.precision
                    == Precision.RELAXED) { // the Java backend's exact averages, and of |x| for the bound
                MemorySegment absIn = arena.allocate(geometry.inputCount * Float.BYTES, 64);
                for (long i = 0; i < geometry.inputCount; i++) {
                    absIn.setAtIndex(
                            ValueLayout.JAVA_FLOAT, i, Math.abs(refIn.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)));
                }
                MemorySegment absOut = arena.allocate(geometry.outputCount * Float.BYTES, 64);
                reference.run(absIn, absOut, null, null, 0, geometry.rows);
                difference = Comparison.firstRelaxedDifference(geometry, output.segment(), refOut, absOut);
            } else {
                difference = Comparison.firstDifference(geometry, output.segment(), idx, refOut, refIdx);
            }
            if (difference != null) {
                throw new PoolingException(
                        "cross-check: " + kernel.name() + " and java differ at " + difference + " for " + spec + " on "
                                + input,
                        0);
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
                throw new IllegalArgumentException(
                        "indices given to " + geometry.op + " pooling: only max and min pooling produce them");
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
            t.checkType(name, dtype, geometry.layout, shape, strides);
            t.matchedType = type;
        }
        if (!t.segment().scope().isAlive()) {
            throw new IllegalStateException(name + " segment's arena is closed");
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
