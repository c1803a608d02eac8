package dev.poolkit;

import dev.poolkit.internal.JavaRoi;
import dev.poolkit.internal.NativeRoiKernel;
import dev.poolkit.internal.RoiKernel;
import dev.poolkit.internal.SharedRun;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Region pooling (RoIPool, RoIAlign; see {@link RoiSpec}) validated once for a spec, a layout, a feature-map shape
 * {@code [N, C, H, W]} and a box count K, then run any number of times: a run checks its tensors and its boxes (which
 * change from run to run: each invalid one is named), then makes one downcall (native) or one loop nest (Java), with
 * no allocation on the native path. Boxes are f32 segments of K*5 or K*4 floats (see {@link BoxFormat}); image
 * indices, when separate, an int64 segment of K. Outputs and argmax are {@code [K, C, outputHeight, outputWidth]} in
 * the input's layout, dense. Immutable and safe to share between threads; concurrent runs need distinct outputs.
 *
 * <pre>{@code
 * RoiSpec head = RoiSpec.align(7, 7).spatialScale(1.0 / 16).samplingRatio(2).aligned(true).build();
 * PreparedRoi roi = Pooling.prepareRoi(head, Layout.NHWC, new long[] {1, 256, 50, 68}, 1000);
 * Tensor pooled = roi.allocateOutput(arena);                   // [1000, 256, 7, 7]
 * roi.run(features, boxes, null, pooled, null);                 // boxes: 1000 x 5 floats (image, x1, y1, x2, y2)
 * roi.run(features, boxes, null, pooled, null, 640);            // this image's 640 proposals: the first rows only
 * }</pre>
 */
public final class PreparedRoi {
    private final RoiSpec spec;
    private final Layout layout;
    private final long[] inputShape, outputShape;
    private final long boxCount;
    private final Backend backend;
    private final Isa isa;
    private final JavaRoi java; // the Java backend, or the reference of the cross-check; else null
    private final RoiKernel kernel;
    private final float scale;
    /** Runs over a caller's executor, with their state kept from run to run. */
    private final SharedRun<Segments> shared = new SharedRun<>(Segments::new, this::runRange);

    /** The segments of one shared run. */
    private static final class Segments implements SharedRun.Arguments {
        MemorySegment input, boxes, batchIndices, output, argmax;

        @Override
        public void clear() {
            input = boxes = batchIndices = output = argmax = null;
        }
    }

    PreparedRoi(RoiSpec spec, Layout layout, long[] inputShape, long boxCount, Backend backend, Isa isa) {
        this.spec = spec;
        this.layout = layout;
        this.inputShape = inputShape.clone();
        if (this.inputShape.length != 4) {
            throw new IllegalArgumentException(
                    "input shape " + Arrays.toString(inputShape) + ": region pooling needs [N, C, H, W]");
        }
        Tensor.checkShape(this.inputShape);
        if (boxCount < 1) throw new IllegalArgumentException("boxCount = " + boxCount + ": must be positive");
        this.boxCount = boxCount;
        this.outputShape = new long[] {boxCount, inputShape[1], spec.outputHeight(), spec.outputWidth()};
        Tensor.checkShape(outputShape);
        Math.multiplyExact(boxCount, spec.boxWidth() * 4L);
        this.backend = backend;
        this.isa = isa;
        this.scale = (float) spec.spatialScale();
        boolean needJava = backend == Backend.JAVA || backend == Backend.CROSS_CHECK;
        this.java = needJava
                ? new JavaRoi(
                        spec.op(),
                        spec.aligned(),
                        spec.boxFormat() == BoxFormat.SEPARATE_INDEX,
                        scale,
                        spec.samplingRatio(),
                        spec.indexFormat(),
                        this.inputShape,
                        Tensor.denseStrides(layout, this.inputShape),
                        spec.outputHeight(),
                        spec.outputWidth(),
                        Tensor.denseStrides(layout, outputShape))
                : null;
        this.kernel =
                backend == Backend.JAVA ? java : new NativeRoiKernel(spec, layout, this.inputShape, outputShape, isa);
    }

    /**
     * The region pooling this runs.
     *
     * @return the spec
     */
    public RoiSpec spec() {
        return spec;
    }
    /**
     * How the feature map, the outputs and the argmax are stored.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }
    /**
     * The feature map's logical shape.
     *
     * @return a new array {@code [N, C, H, W]}
     */
    public long[] inputShape() {
        return inputShape.clone();
    }
    /**
     * The logical shape of the outputs and the argmax.
     *
     * @return a new array {@code [K, C, outputHeight, outputWidth]}
     */
    public long[] outputShape() {
        return outputShape.clone();
    }
    /**
     * The prepared box count K: the boxes a run pools, or the most a run of a given count may pool.
     *
     * @return K, positive
     */
    public long boxCount() {
        return boxCount;
    }
    /**
     * Which backend runs it.
     *
     * @return {@link Backend#NATIVE}, {@link Backend#JAVA} or {@link Backend#CROSS_CHECK}: never AUTO
     */
    public Backend backend() {
        return backend;
    }
    /**
     * Which implementation runs, for logs and reports.
     *
     * @return e.g. {@code native:avx512}, {@code java}, {@code cross-check(native:avx2, java)}
     */
    public String implementation() {
        String n = "native:" + isa.name().toLowerCase();
        return backend == Backend.JAVA ? "java" : backend == Backend.CROSS_CHECK ? "cross-check(" + n + ", java)" : n;
    }

    /**
     * A zeroed output tensor of the right shape and layout.
     *
     * @param allocator where its memory comes from, an {@link Arena} for instance
     * @return a new dense F32 tensor {@code [K, C, outputHeight, outputWidth]}
     */
    public Tensor allocateOutput(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.F32, layout, outputShape);
    }

    /**
     * A zeroed argmax tensor for RoIPool.
     *
     * @param allocator where its memory comes from, an {@link Arena} for instance
     * @return a new dense I64 tensor of the output's shape and layout
     */
    public Tensor allocateIndices(SegmentAllocator allocator) {
        return Tensor.allocate(allocator, DType.I64, layout, outputShape);
    }

    /**
     * Pools every one of the K prepared boxes: one downcall (native) and no allocation; the boxes are checked first, each
     * invalid one named. {@code batchIndices} only with {@link BoxFormat#SEPARATE_INDEX}, {@code argmax} only for RoIPool
     * (may be null).
     *
     * @param input the feature map: F32, the prepared layout and shape {@code [N, C, H, W]}, dense
     * @param boxes K boxes of {@link RoiSpec#boxWidth()} f32 values ({@link BoxFormat}), coordinates in input pixels before
     *        the spatial scale; 4-byte aligned
     * @param batchIndices with {@link BoxFormat#SEPARATE_INDEX}: one int64 image index in {@code [0, N)} per box, 8-byte
     *        aligned (a heap segment must wrap a {@code long[]}); else null
     * @param output F32 {@code [K, C, outputHeight, outputWidth]} in the input's layout, dense, writable, not overlapping
     *        the input or the argmax
     * @param argmax RoIPool only: an I64 tensor like the output, writable, receiving each bin's argmax in the spec's
     *        {@link RoiSpec#indexFormat()} (-1 for an empty bin); or null
     * @throws NullPointerException when {@code input}, {@code boxes}, {@code output} or (with separate indices)
     *         {@code batchIndices} is null
     * @throws IllegalArgumentException naming the argument: a tensor of another dtype, layout, shape or strides, a
     *         read-only or overlapping output, a segment too small or misaligned, an argmax given to RoIAlign, or an
     *         invalid box (a non-finite coordinate, a scaled coordinate beyond {@code 2^24}, an image index that is not an
     *         integer in {@code [0, N)})
     * @throws IllegalStateException when a tensor's arena is closed
     * @throws PoolingException when the native library reports a failure, or (cross-check backend) the implementations
     *         differ
     */
    public void run(Tensor input, MemorySegment boxes, MemorySegment batchIndices, Tensor output, Tensor argmax) {
        run(input, boxes, batchIndices, output, argmax, boxCount);
    }

    /**
     * As {@link #run(Tensor, MemorySegment, MemorySegment, Tensor, Tensor)} for the first {@code count} boxes only (a
     * detection head sees a different number of proposals per image: prepare for the most): {@code boxes} (and
     * {@code batchIndices}) need only hold those, and the output (and argmax) of the other boxes is left as it is.
     *
     * @param input the feature map: F32, the prepared layout and shape {@code [N, C, H, W]}, dense
     * @param boxes at least {@code count} boxes of {@link RoiSpec#boxWidth()} f32 values ({@link BoxFormat}), coordinates
     *        in input pixels before the spatial scale; 4-byte aligned
     * @param batchIndices with {@link BoxFormat#SEPARATE_INDEX}: at least {@code count} int64 image indices in
     *        {@code [0, N)}, 8-byte aligned (a heap segment must wrap a {@code long[]}); else null
     * @param output F32 {@code [K, C, outputHeight, outputWidth]} in the input's layout, dense, writable, not overlapping
     *        the input or the argmax
     * @param argmax RoIPool only: an I64 tensor like the output, writable, receiving each bin's argmax in the spec's
     *        {@link RoiSpec#indexFormat()} (-1 for an empty bin); or null
     * @param count the boxes to pool, 0 to {@link #boxCount()}: the first ones
     * @throws NullPointerException when {@code input}, {@code boxes}, {@code output} or (with separate indices)
     *         {@code batchIndices} is null
     * @throws IllegalArgumentException naming the argument: a count outside {@code [0, K]}, a tensor of another dtype, layout, shape or strides, a
     *         read-only or overlapping output, a segment too small or misaligned, an argmax given to RoIAlign, or an
     *         invalid box (a non-finite coordinate, a scaled coordinate beyond {@code 2^24}, an image index that is not an
     *         integer in {@code [0, N)})
     * @throws IllegalStateException when a tensor's arena is closed
     * @throws PoolingException when the native library reports a failure, or (cross-check backend) the implementations
     *         differ
     */
    public void run(
            Tensor input, MemorySegment boxes, MemorySegment batchIndices, Tensor output, Tensor argmax, long count) {
        if (count < 0 || count > boxCount) {
            throw new IllegalArgumentException(
                    "count = " + count + ": outside [0, " + boxCount + "], the prepared box count");
        }
        check(input, boxes, batchIndices, output, argmax, 0, count);
        if (count > 0) {
            MemorySegment argmaxSegment = argmax == null ? null : argmax.segment();
            kernel.forward(input.segment(), boxes, batchIndices, output.segment(), argmaxSegment, 0, count);
        }
        if (backend == Backend.CROSS_CHECK) crossCheck(input, boxes, batchIndices, output, argmax, count);
    }

    /**
     * As {@link #run(Tensor, MemorySegment, MemorySegment, Tensor, Tensor)}, the boxes shared by the calling thread and up
     * to {@code slices - 1} tasks on {@code executor}: participants claim pieces of boxes in turn, so a task that starts
     * late finds less (or nothing) to do and the caller never waits for a task to start. No thread is created here.
     * A task the executor rejects leaves its pieces to the others; the rejection is rethrown once the run is complete.
     * The run allocates nothing (only the executor may, to queue its task), and the caller waits for every piece even
     * when interrupted, keeping its interrupt status.
     *
     * @param input the feature map: F32, the prepared layout and shape {@code [N, C, H, W]}, dense
     * @param boxes K boxes of {@link RoiSpec#boxWidth()} f32 values ({@link BoxFormat}), coordinates in input pixels before
     *        the spatial scale; 4-byte aligned
     * @param batchIndices with {@link BoxFormat#SEPARATE_INDEX}: one int64 image index in {@code [0, N)} per box, 8-byte
     *        aligned (a heap segment must wrap a {@code long[]}); else null
     * @param output F32 {@code [K, C, outputHeight, outputWidth]} in the input's layout, dense, writable, not overlapping
     *        the input or the argmax
     * @param argmax RoIPool only: an I64 tensor like the output, writable, receiving each bin's argmax in the spec's
     *        {@link RoiSpec#indexFormat()} (-1 for an empty bin); or null
     * @param executor runs the helper tasks; none runs on a thread of its own
     * @param slices participants at most, the calling thread included: positive (1 runs on the caller alone)
     * @throws NullPointerException when {@code executor}, {@code input}, {@code boxes}, {@code output} or (with separate indices)
     *         {@code batchIndices} is null
     * @throws IllegalArgumentException naming the argument: {@code slices < 1}, a tensor of another dtype, layout, shape or strides, a
     *         read-only or overlapping output, a segment too small or misaligned, an argmax given to RoIAlign, or an
     *         invalid box (a non-finite coordinate, a scaled coordinate beyond {@code 2^24}, an image index that is not an
     *         integer in {@code [0, N)})
     * @throws IllegalStateException when a tensor's arena is closed
     * @throws PoolingException when the native library reports a failure, or (cross-check backend) the implementations
     *         differ
     * @throws RuntimeException what a piece threw, or the executor's rejection
     */
    public void run(
            Tensor input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            Tensor output,
            Tensor argmax,
            Executor executor,
            int slices) {
        SharedRun.checkArguments(executor, slices);
        check(input, boxes, batchIndices, output, argmax, 0, boxCount);
        SharedRun.State<Segments> run = shared.take();
        run.arguments.input = input.segment();
        run.arguments.boxes = boxes;
        run.arguments.batchIndices = batchIndices;
        run.arguments.output = output.segment();
        run.arguments.argmax = argmax == null ? null : argmax.segment();
        shared.run(run, executor, slices, boxCount, 1);
        if (backend == Backend.CROSS_CHECK) crossCheck(input, boxes, batchIndices, output, argmax, boxCount);
    }

    private void runRange(Segments s, long begin, long end) {
        if (begin == end) return;
        kernel.forward(s.input, s.boxes, s.batchIndices, s.output, s.argmax, begin, end);
    }

    /**
     * The gradient with respect to the input, given the output's, written over all of {@code gradInput} (the input's
     * shape): RoIPool sends each gradient to its argmax ({@code argmax} required; -1 sends nothing), RoIAlign average
     * spreads it over its samples' corners by their bilinear weights over the count, the max modes send it to the
     * winning sample's corners ({@link RoiOp#ALIGN_MAX}) or the winning corner term ({@link RoiOp#ALIGN_MAX_ONNX_RUNTIME}),
     * found again from the forward's {@code input} (required by them; the others may pass null). Deterministic.
     *
     * <p>It covers all K prepared boxes: after a run of fewer, give zero gradients (and valid boxes) for the others.
     *
     * @param gradOutput the gradient of the output: F32 {@code [K, C, outputHeight, outputWidth]}, the prepared layout, dense
     * @param gradInput receives the gradient of the feature map: F32 {@code [N, C, H, W]}, the prepared layout, dense,
     *        writable, overwritten entirely
     * @param input the forward's feature map for {@link RoiOp#ALIGN_MAX} and {@link RoiOp#ALIGN_MAX_ONNX_RUNTIME}; else
     *        null (unread)
     * @param boxes the forward's K boxes, checked as by a run
     * @param batchIndices the forward's image indices with {@link BoxFormat#SEPARATE_INDEX}; else null
     * @param argmax the forward's argmax for RoIPool; else null (unread)
     * @throws NullPointerException when a required argument is null, naming it
     * @throws IllegalArgumentException naming the argument: a tensor of another dtype, layout or shape, a read-only
     *         {@code gradInput}, overlapping tensors, or an invalid box
     * @throws PoolingException with {@link PoolingException#INVALID_INDEX} for an argmax naming another image or channel
     */
    public void backward(
            Tensor gradOutput,
            Tensor gradInput,
            Tensor input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            Tensor argmax) {
        checkTensor("gradOutput", gradOutput, DType.F32, outputShape);
        checkTensor("gradInput", gradInput, DType.F32, inputShape);
        if (gradInput.segment().isReadOnly()) throw new IllegalArgumentException("gradInput segment is read-only");
        PreparedPool.checkDisjoint("gradOutput", gradOutput, "gradInput", gradInput);
        boolean readsInput = spec.op() == RoiOp.ALIGN_MAX || spec.op() == RoiOp.ALIGN_MAX_ONNX_RUNTIME;
        if (readsInput) {
            if (input == null)
                throw new NullPointerException("input: the gradient of " + spec.op() + " finds its winners in it");
            checkTensor("input", input, DType.F32, inputShape);
            PreparedPool.checkDisjoint("input", input, "gradInput", gradInput);
        }
        if (spec.op() == RoiOp.POOL) {
            if (argmax == null) throw new NullPointerException("argmax: RoIPool's gradient follows it");
            checkTensor("argmax", argmax, DType.I64, outputShape);
            PreparedPool.checkDisjoint("argmax", argmax, "gradInput", gradInput);
        }
        checkBoxes(boxes, batchIndices, 0, boxCount);
        MemorySegment x = readsInput ? input.segment() : null, idx = spec.op() == RoiOp.POOL ? argmax.segment() : null;
        kernel.backward(gradOutput.segment(), gradInput.segment(), x, boxes, batchIndices, idx, boxCount);
    }

    /** The first {@code count} boxes' outputs (the first elements in both layouts: boxes are outermost) against Java's. */
    private void crossCheck(
            Tensor input, MemorySegment boxes, MemorySegment batchIndices, Tensor output, Tensor argmax, long count) {
        try (Arena a = Arena.ofConfined()) {
            long n = Tensor.checkShape(outputShape) / boxCount * count;
            MemorySegment refOut = a.allocate(Tensor.checkShape(outputShape) * Float.BYTES, 64);
            MemorySegment refIdx = argmax == null ? null : a.allocate(Tensor.checkShape(outputShape) * Long.BYTES, 64);
            java.forward(input.segment(), boxes, batchIndices, refOut, refIdx, 0, count);
            for (long i = 0; i < n; i++) {
                float got = output.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i),
                        want = refOut.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                boolean sameIndex = refIdx == null
                        || argmax.segment().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i)
                                == refIdx.getAtIndex(ValueLayout.JAVA_LONG, i);
                boolean sameValue =
                        Float.floatToRawIntBits(got) == Float.floatToRawIntBits(want) || (got != got && want != want);
                if (!sameValue || !sameIndex) { // bit for bit, except NaN payloads (which the hardware chooses)
                    throw new PoolingException(
                            "cross-check: " + implementation() + " and java differ at element " + i + " of "
                                    + Arrays.toString(outputShape) + " (" + layout + "): " + got + " vs " + want
                                    + " for " + spec,
                            0);
                }
            }
        }
    }

    private void check(
            Tensor input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            Tensor output,
            Tensor argmax,
            long begin,
            long end) {
        checkTensor("input", input, DType.F32, inputShape);
        checkTensor("output", output, DType.F32, outputShape);
        if (output.segment().isReadOnly()) throw new IllegalArgumentException("output segment is read-only");
        PreparedPool.checkDisjoint("input", input, "output", output);
        if (argmax != null) {
            if (spec.op() != RoiOp.POOL)
                throw new IllegalArgumentException("argmax given to " + spec.op() + ": only RoIPool produces one");
            checkTensor("argmax", argmax, DType.I64, outputShape);
            if (argmax.segment().isReadOnly()) throw new IllegalArgumentException("argmax segment is read-only");
            PreparedPool.checkDisjoint("input", input, "argmax", argmax);
            PreparedPool.checkDisjoint("output", output, "argmax", argmax);
        }
        checkBoxes(boxes, batchIndices, begin, end);
    }

    /** Boxes [0, end) readable and boxes [begin, end) valid. */
    private void checkBoxes(MemorySegment boxes, MemorySegment batchIndices, long begin, long end) {
        if (boxes == null) throw new NullPointerException("boxes");
        long floats = end * spec.boxWidth();
        if (boxes.byteSize() < floats * Float.BYTES) {
            throw new IllegalArgumentException("boxes segment of " + boxes.byteSize() + " bytes: " + end + " boxes of "
                    + spec.boxWidth() + " floats need " + floats * Float.BYTES);
        }
        if (boxes.isNative() && boxes.address() % Float.BYTES != 0)
            throw new IllegalArgumentException("boxes segment is not aligned to 4 bytes");
        boolean separate = spec.boxFormat() == BoxFormat.SEPARATE_INDEX;
        if (separate) {
            if (batchIndices == null)
                throw new NullPointerException("batchIndices: boxes are " + BoxFormat.SEPARATE_INDEX);
            if (batchIndices.byteSize() < end * Long.BYTES) {
                throw new IllegalArgumentException("batchIndices segment of " + batchIndices.byteSize() + " bytes: "
                        + end + " int64 indices need " + end * Long.BYTES);
            }
            if (batchIndices.maxByteAlignment() < Long.BYTES
                    && !(batchIndices.isNative() && batchIndices.address() % Long.BYTES == 0)) {
                throw new IllegalArgumentException(
                        "batchIndices segment is not aligned to 8 bytes (heap segments must wrap a long[])");
            }
        } else if (batchIndices != null) {
            throw new IllegalArgumentException(
                    "batchIndices given with boxes " + BoxFormat.WITH_INDEX + ": the index is the box's first value");
        }
        for (long k = begin; k < end; k++) {
            String problem = JavaRoi.checkBox(boxes, batchIndices, k, separate, inputShape[0], scale);
            if (problem != null)
                throw new IllegalArgumentException("boxes[" + k + "] = " + describeBox(boxes, k) + ": " + problem);
        }
    }

    private String describeBox(MemorySegment boxes, long k) {
        float[] b = new float[spec.boxWidth()];
        for (int i = 0; i < b.length; i++) b[i] = boxes.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k * b.length + i);
        return Arrays.toString(b);
    }

    private void checkTensor(String name, Tensor t, DType dtype, long[] shape) {
        if (t == null) throw new NullPointerException(name);
        if (t.dtype() != dtype)
            throw new IllegalArgumentException(name + " dtype = " + t.dtype() + ": expected " + dtype);
        if (t.layout() != layout)
            throw new IllegalArgumentException(
                    name + " layout = " + t.layout() + ": this operation was prepared for " + layout);
        if (!t.hasShape(shape)) {
            throw new IllegalArgumentException(name + " shape = " + Arrays.toString(t.shape())
                    + ": this operation was prepared for " + Arrays.toString(shape));
        }
        if (!t.isDense())
            throw new IllegalArgumentException(
                    name + " strides = " + Arrays.toString(t.strides()) + ": region pooling takes dense tensors");
        if (!t.segment().scope().isAlive()) throw new IllegalStateException(name + " segment's arena is closed");
    }

    @Override
    public String toString() {
        return spec + " on " + layout + Arrays.toString(inputShape) + " -> " + Arrays.toString(outputShape) + " ["
                + implementation() + "]";
    }
}
