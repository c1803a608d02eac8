package dev.poolkit;

import dev.poolkit.internal.JavaUnpoolKernel;
import dev.poolkit.internal.NativeUnpoolKernel;
import dev.poolkit.internal.UnpoolKernel;
import java.lang.foreign.SegmentAllocator;
import java.util.Arrays;

/**
 * Max unpooling validated once for a spec, a layout, a values shape and (optionally) the strides of the views it
 * will see (indices share the values' strides), then run any number of times with one
 * downcall (native) or one loop (Java). Both backends check every index before writing, reject two different values
 * sent to one position (equal ones, as overlapping max windows produce, are fine), and never write outside the
 * output. Immutable and safe to share between threads.
 */
public final class PreparedUnpool {
    private final UnpoolSpec spec;
    private final Layout layout;
    private final long[] inputShape, outputShape;
    private final long[] inputStrides, outputStrides; // logical order N, C, spatial...; null: dense
    private final Backend backend;
    private final UnpoolKernel kernel;

    PreparedUnpool(
            UnpoolSpec spec,
            Layout layout,
            long[] inputShape,
            long[] inputStrides,
            long[] outputStrides,
            Backend backend,
            Isa isa) {
        this.spec = spec;
        this.layout = layout;
        this.inputShape = inputShape.clone();
        Tensor.checkShape(this.inputShape);
        this.outputShape = spec.outputShape(inputShape);
        Tensor.checkShape(outputShape);
        // the shape indices address: outputShape, or ONNX's default size inside it
        long[] indexedShape = spec.indexedShape(inputShape);
        this.inputStrides = inputStrides;
        this.outputStrides = outputStrides;
        this.backend = backend;
        long[] denseOutputStrides = Tensor.denseStrides(layout, outputShape);
        if (backend == Backend.JAVA) {
            if (Tensor.checkShape(inputShape) > Integer.MAX_VALUE - 8) {
                throw new UnsupportedOperationException("input shape " + Arrays.toString(inputShape)
                        + ": the Java backend unpools at most 2^31 - 9 values; use the native one");
            }
            kernel = new JavaUnpoolKernel(
                    spec.indexFormat(),
                    this.inputShape,
                    indexedShape,
                    outputShape,
                    inputStrides != null ? inputStrides : Tensor.denseStrides(layout, this.inputShape),
                    outputStrides != null ? outputStrides : denseOutputStrides);
        } else {
            kernel = new NativeUnpoolKernel(
                    spec.indexFormat(),
                    layout,
                    this.inputShape,
                    indexedShape,
                    outputShape,
                    inputStrides,
                    outputStrides,
                    denseOutputStrides,
                    isa);
        }
    }

    /**
     * The unpooling this operation computes.
     *
     * @return the spec
     */
    public UnpoolSpec spec() {
        return spec;
    }
    /**
     * How values, indices and output are stored.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }
    /**
     * The logical shape of the values and indices.
     *
     * @return a new array
     */
    public long[] inputShape() {
        return inputShape.clone();
    }
    /**
     * The logical output shape.
     *
     * @return a new array
     */
    public long[] outputShape() {
        return outputShape.clone();
    }
    /**
     * The backend that runs this operation.
     *
     * @return NATIVE or JAVA
     */
    public Backend backend() {
        return backend;
    }

    /**
     * What one run costs: values and indices read, the output written (zeroed, then the values), one store per value.
     *
     * @return the cost of one run
     */
    public Cost cost() {
        long values = Arrays.stream(inputShape).reduce(1, Math::multiplyExact),
                outputs = Arrays.stream(outputShape).reduce(1, Math::multiplyExact);
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
        kernel.run(values.segment(), indices.segment(), output.segment());
    }

    private void check(String name, Tensor t, DType dtype, long[] shape, long[] strides) {
        if (t == null) throw new NullPointerException(name);
        t.checkType(name, dtype, layout, shape, strides);
    }

    @Override
    public String toString() {
        return spec + " on " + layout + Arrays.toString(inputShape) + " -> " + Arrays.toString(outputShape) + " ["
                + kernel.name() + "]";
    }
}
