package dev.poolkit;

import dev.poolkit.internal.Geometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Spatial pyramid pooling (He et al.): for each level {@code n}, adaptive max (or average) pooling to {@code n} bins per
 * spatial axis (PyTorch's bins), flattened channel-major and concatenated, level 1 first: the output is
 * {@code [N, C·Σ n^rank]}, row-major, in that order (level, channel, the level's bins row-major), whatever the input's
 * layout. Each level is a prepared adaptive pooling that writes straight into its place in the output through a
 * strided view, so a run makes one downcall per level and copies nothing; the views over the caller's segment are
 * made per run (a few small objects per level).
 *
 * <pre>{@code
 * PreparedSpp spp = Pooling.prepareSpp(PoolOp.MAX, new long[] {4, 2, 1}, Layout.NHWC, 8, 256, 13, 13);
 * MemorySegment features = arena.allocate(spp.outputCount() * Float.BYTES, 64);   // [8, 256 * 21]
 * spp.run(input, features, null);
 * }</pre>
 */
public final class PreparedSpp {
    private final PoolOp op;
    private final long[] levels;
    private final Layout layout;
    private final long[] inputShape;
    private final long batch, channels, width; // width: C·Σ n^rank, one output row
    private final PreparedPool[] pools;
    private final long[][] levelShapes, levelStrides;
    private final long[] levelOffsets;
    /**
     * Each thread's scratch for one level's input gradient in {@link #backward}: made on the thread's first backward
     * call, kept with this operation (freed with it), so that concurrent backward calls share nothing and later calls
     * allocate no tensor.
     */
    private final ThreadLocal<Tensor> levelGradient;

    PreparedSpp(PoolOp op, long[] levels, Layout layout, long[] inputShape, Backend backend, Isa isa) {
        if (op != PoolOp.MAX && op != PoolOp.AVG)
            throw new IllegalArgumentException("op = " + op + ": SPP pools by MAX or AVG");
        if (levels == null || levels.length == 0)
            throw new IllegalArgumentException("levels: give at least one pyramid level");
        if (inputShape == null) throw new NullPointerException("inputShape");
        if (inputShape.length < 3 || inputShape.length > 5) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape)
                    + ": expected [N, C, spatial...] with 1 to 3 spatial axes");
        }
        int rank = inputShape.length - 2;
        this.op = op;
        this.levels = levels.clone();
        this.layout = layout;
        this.inputShape = inputShape.clone();
        this.batch = inputShape[0];
        this.channels = inputShape[1];
        pools = new PreparedPool[levels.length];
        levelShapes = new long[levels.length][];
        levelStrides = new long[levels.length][];
        levelOffsets = new long[levels.length];
        long bins = 0;
        for (int l = 0; l < levels.length; l++) {
            if (levels[l] < 1 || levels[l] > 1 << 20)
                throw new IllegalArgumentException("levels[" + l + "] = " + levels[l] + ": must be in [1, 2^20]");
            long perChannel = 1;
            for (int i = 0; i < rank; i++) perChannel = Math.multiplyExact(perChannel, levels[l]);
            levelOffsets[l] = Math.multiplyExact(channels, bins);
            bins = Math.addExact(bins, perChannel);
        }
        this.width = Math.multiplyExact(channels, bins);
        Math.multiplyExact(Math.multiplyExact(batch, width), 8L);
        try (Arena arena = Arena.ofConfined()) { // views of a template output fix each level's strides
            MemorySegment template = arena.allocate(Math.multiplyExact(batch, width) * Float.BYTES, 64);
            for (int l = 0; l < levels.length; l++) {
                long[] out = new long[rank];
                Arrays.fill(out, levels[l]);
                PoolSpec spec = (op == PoolOp.MAX
                                ? PoolSpec.adaptiveMax(out).indexFormat(IndexFormat.PLANE)
                                : PoolSpec.adaptiveAvg(out))
                        .build();
                long[] shape = new long[rank + 2], strides = new long[rank + 2];
                shape[0] = batch;
                shape[1] = channels;
                strides[0] = width;
                strides[1] = 1;
                for (int i = 0; i < rank; i++) shape[2 + i] = levels[l];
                for (int i = rank - 1; i >= 0; i--) strides[2 + i] = i == rank - 1 ? 1 : strides[3 + i] * levels[l];
                strides[1] = rank == 0 ? 1 : strides[2] * levels[l];
                levelShapes[l] = shape;
                levelStrides[l] = strides;
                Tensor view = Tensor.f32(template.asSlice(levelOffsets[l] * Float.BYTES), layout, shape)
                        .withStrides(strides);
                Tensor in = Tensor.f32(
                        arena.allocate(Geometry.elementCount("input shape", inputShape) * Float.BYTES, 64),
                        layout,
                        inputShape);
                pools[l] = Pooling.prepare(spec, in, view, backend, isa);
            }
        }
        long[] shape = this.inputShape;
        levelGradient = ThreadLocal.withInitial(() -> Tensor.allocate(Arena.ofAuto(), DType.F32, layout, shape));
    }

    /**
     * How every level pools.
     *
     * @return {@link PoolOp#MAX} or {@link PoolOp#AVG}
     */
    public PoolOp op() {
        return op;
    }
    /**
     * The pyramid: bins per spatial axis of each level, in output order.
     *
     * @return a new array
     */
    public long[] levels() {
        return levels.clone();
    }
    /**
     * How the input (and the gradient of the input) is stored; the output is row-major whatever the layout.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }
    /**
     * The input's logical shape.
     *
     * @return a new array {@code [N, C, spatial...]}
     */
    public long[] inputShape() {
        return inputShape.clone();
    }
    /**
     * The output's shape, row-major.
     *
     * @return a new array {@code [N, C·Σ n^rank]}
     */
    public long[] outputShape() {
        return new long[] {batch, width};
    }
    /**
     * Elements of the output (and of the indices).
     *
     * @return {@code N·C·Σ n^rank}
     */
    public long outputCount() {
        return batch * width;
    }

    /**
     * What one run costs: the sum of its levels (each reads the input once).
     *
     * @return bytes read, bytes written and operations of one run
     */
    public Cost cost() {
        long read = 0, written = 0, operations = 0;
        for (PreparedPool p : pools) {
            Cost c = p.cost();
            read += c.bytesRead();
            written += c.bytesWritten();
            operations += c.operations();
        }
        return new Cost(read, written, operations);
    }

    /**
     * Pools {@code input} into {@code output} ({@link #outputCount()} floats, row-major {@code [N, C·Σ n^rank]}); with max
     * pooling also writes each bin's argmax (PyTorch's plane index) into {@code indices} ({@link #outputCount()} longs)
     * when not null. One prepared pooling per level writes into its place: one downcall per level (native).
     *
     * @param input F32, the prepared shape and layout, dense
     * @param output at least {@link #outputCount()} floats, writable, not overlapping the input: row-major
     *        {@code [N, C·Σ n^rank]}, level by level, channel-major within a level
     * @param indices max pooling only: at least {@link #outputCount()} longs, writable, receiving each bin's index into
     *        its (n, c) plane ({@link IndexFormat#PLANE}) at the place of its value; or null
     * @throws NullPointerException when {@code output} or {@code input} is null
     * @throws IllegalArgumentException naming the argument: a segment too small, indices given to average pooling, or
     *         an input of another dtype, layout, shape or strides
     * @throws PoolingException when the native library reports a failure
     */
    public void run(Tensor input, MemorySegment output, MemorySegment indices) {
        checkSegment("output", output, Float.BYTES);
        if (indices != null) {
            if (op != PoolOp.MAX)
                throw new IllegalArgumentException(
                        "indices given to SPP by " + op + ": only max pooling produces them");
            checkSegment("indices", indices, Long.BYTES);
        }
        for (int l = 0; l < pools.length; l++) {
            Tensor out = Tensor.f32(output.asSlice(levelOffsets[l] * Float.BYTES), layout, levelShapes[l])
                    .withStrides(levelStrides[l]);
            Tensor idx = indices == null
                    ? null
                    : Tensor.i64(indices.asSlice(levelOffsets[l] * Long.BYTES), layout, levelShapes[l])
                            .withStrides(levelStrides[l]);
            pools[l].run(input, out, idx);
        }
    }

    /**
     * The gradient with respect to the input, written over all of {@code gradInput} (dense, the input's shape): the sum of
     * each level's gradient (max through {@code indices}, as the forward wrote them; average by its bins). The levels
     * after the first go through an input-sized scratch tensor per thread, allocated on the thread's first call only.
     *
     * @param gradOutput the gradient of the output: at least {@link #outputCount()} floats, row-major
     *        {@code [N, C·Σ n^rank]} as {@link #run} writes the output
     * @param gradInput receives the gradient of the input: F32, the prepared shape and layout, dense, writable,
     *        overwritten entirely
     * @param indices max pooling: the forward's indices, at least {@link #outputCount()} longs; average pooling: null
     *        (unread)
     * @throws NullPointerException when {@code gradOutput}, {@code gradInput} or (max pooling) {@code indices} is null
     * @throws IllegalArgumentException naming the argument: a segment too small, or a {@code gradInput} of another
     *         dtype, layout, shape or strides
     * @throws PoolingException with {@link PoolingException#INVALID_INDEX} when an index lies outside its plane
     */
    public void backward(MemorySegment gradOutput, Tensor gradInput, MemorySegment indices) {
        checkSegment("gradOutput", gradOutput, Float.BYTES);
        if (op == PoolOp.MAX) {
            if (indices == null)
                throw new NullPointerException("indices: SPP by max pooling sends its gradient through them");
            checkSegment("indices", indices, Long.BYTES);
        }
        if (gradInput == null) throw new NullPointerException("gradInput");
        long count = Geometry.elementCount("input shape", inputShape);
        Tensor level = pools.length > 1 ? levelGradient.get() : null; // each level's gradient, then added up
        for (int l = 0; l < pools.length; l++) {
            Tensor go = Tensor.f32(gradOutput.asSlice(levelOffsets[l] * Float.BYTES), layout, levelShapes[l])
                    .withStrides(levelStrides[l]);
            Tensor idx = op != PoolOp.MAX
                    ? null
                    : Tensor.i64(indices.asSlice(levelOffsets[l] * Long.BYTES), layout, levelShapes[l])
                            .withStrides(levelStrides[l]);
            pools[l].backward(go, l == 0 ? gradInput : level, null, null, idx);
            if (l == 0) continue;
            MemorySegment sum = gradInput.segment(), add = level.segment();
            for (long i = 0; i < count; i++) {
                sum.setAtIndex(
                        ValueLayout.JAVA_FLOAT_UNALIGNED,
                        i,
                        sum.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)
                                + add.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            }
        }
    }

    private void checkSegment(String name, MemorySegment s, long elementBytes) {
        if (s == null) throw new NullPointerException(name);
        if (s.byteSize() < outputCount() * elementBytes) {
            throw new IllegalArgumentException(
                    name + " holds " + s.byteSize() / elementBytes + " elements: SPP of " + Arrays.toString(inputShape)
                            + " at levels " + Arrays.toString(levels) + " writes " + outputCount());
        }
    }

    @Override
    public String toString() {
        return "spp(" + op + ", levels=" + Arrays.toString(levels) + ") on " + layout + Arrays.toString(inputShape)
                + " -> " + Arrays.toString(outputShape()) + " [" + pools[0].implementation() + "]";
    }
}
