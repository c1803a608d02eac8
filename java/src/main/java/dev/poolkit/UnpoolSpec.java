package dev.poolkit;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Max unpooling: each value goes to the position its index names in a zeroed output (PyTorch MaxUnpool1d/2d/3d,
 * ONNX MaxUnpool). The output size is given, or computed per spatial axis as
 * {@code (L - 1)*stride + kernel - padBegin - padEnd} (both frameworks' default; it is ambiguous, so give it when the
 * pooled input's size is known).
 *
 * <pre>{@code
 * UnpoolSpec unpool = UnpoolSpec.of(2, 2).outputSize(7, 7).build();            // undoes max_pool2d(2) on 7x7
 * UnpoolSpec same = UnpoolSpec.inverseOf(pool).build();                       // kernel, stride, padding, indices
 * }</pre>
 */
public final class UnpoolSpec {
    private final long[] kernel, stride, padBegin, padEnd, outputSize;
    private final IndexFormat indexFormat;
    private final boolean indicesAgainstDefaultSize;

    private UnpoolSpec(Builder b) {
        this.kernel = b.kernel.clone();
        int rank = kernel.length;
        if (rank < 1 || rank > 3)
            throw new IllegalArgumentException("kernel has " + rank + " dimensions: expected 1, 2 or 3");
        this.stride = b.stride != null ? b.stride.clone() : kernel.clone();
        this.padBegin = b.padBegin != null ? b.padBegin.clone() : new long[rank];
        this.padEnd = b.padEnd != null ? b.padEnd.clone() : padBegin.clone();
        this.outputSize = b.outputSize == null ? null : b.outputSize.clone();
        this.indexFormat = b.indexFormat != null ? b.indexFormat : b.conventions.defaultIndexFormat();
        this.indicesAgainstDefaultSize = b.conventions == Conventions.ONNX;
        check("stride", stride, 1);
        check("padBegin", padBegin, 0);
        check("padEnd", padEnd, 0);
        check("kernel", kernel, 1);
        if (outputSize != null) check("outputSize", outputSize, 1);
    }

    private void check(String name, long[] values, long min) {
        if (values.length != kernel.length) {
            throw new IllegalArgumentException(name + " = " + Arrays.toString(values) + " has " + values.length
                    + " dimensions but kernel has " + kernel.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] < min || values[i] > PoolSpec.MAX_EXTENT) {
                throw new IllegalArgumentException(
                        name + "[" + i + "] = " + values[i] + ": must be " + (min == 0 ? "non-negative" : "positive")
                                + (values[i] > PoolSpec.MAX_EXTENT ? " and at most 2^40" : ""));
            }
        }
    }

    /**
     * Unpooling with windows of {@code kernel} (stride defaults to the kernel, padding to 0).
     *
     * @param kernel the window size per spatial axis, outermost first
     * @return a builder
     */
    public static Builder of(long... kernel) {
        return new Builder(Objects.requireNonNull(kernel, "kernel"));
    }

    /**
     * The unpooling that undoes a sliding max or min pooling spec: its kernel, stride, padding and index format.
     *
     * @param pool a sliding max or min pooling spec
     * @return a builder with the pooling's geometry
     */
    public static Builder inverseOf(PoolSpec pool) {
        if (pool.windowRule() != WindowRule.SLIDING || (pool.op() != PoolOp.MAX && pool.op() != PoolOp.MIN)) {
            throw new IllegalArgumentException(pool + ": only sliding max and min pooling produce indices to unpool"
                    + " (give the output size with UnpoolSpec.of(...).outputSize(...) for others)");
        }
        return of(pool.kernel())
                .stride(pool.stride())
                .padding(pool.padBegin(), pool.padEnd())
                .indexFormat(pool.indexFormat());
    }

    /**
     * The number of spatial axes.
     *
     * @return 1, 2 or 3
     */
    public int rank() {
        return kernel.length;
    }
    /**
     * The window size per spatial axis.
     *
     * @return a new array
     */
    public long[] kernel() {
        return kernel.clone();
    }
    /**
     * The step between windows per spatial axis.
     *
     * @return a new array
     */
    public long[] stride() {
        return stride.clone();
    }
    /**
     * Padding before each spatial axis.
     *
     * @return a new array
     */
    public long[] padBegin() {
        return padBegin.clone();
    }
    /**
     * Padding after each spatial axis.
     *
     * @return a new array
     */
    public long[] padEnd() {
        return padEnd.clone();
    }
    /**
     * The unpooled spatial size, when given.
     *
     * @return a copy, or empty
     */
    public Optional<long[]> outputSize() {
        return Optional.ofNullable(outputSize).map(long[]::clone);
    }
    /**
     * How the indices number positions.
     *
     * @return the index format
     */
    public IndexFormat indexFormat() {
        return indexFormat;
    }
    /**
     * True under {@link Conventions#ONNX}: indices address the default output size (as ONNX MaxUnpool reads them when
     * {@code output_shape} is larger), and the rest of a larger {@link #outputSize()} is zero padding at the end of each
     * axis. False (PyTorch, the default): indices address the output size itself.
     *
     * @return whether indices address the default output size
     */
    public boolean indicesAgainstDefaultSize() {
        return indicesAgainstDefaultSize;
    }

    /**
     * The shape the indices address: the default unpooled shape under ONNX's reading, else {@link #outputShape}.
     *
     * @param inputShape the logical shape of the values and indices {@code [N, C, spatial...]}
     * @return a new array, the logical shape the indices address
     * @throws IllegalArgumentException when, under ONNX's reading, the output cannot hold the default size
     */
    public long[] indexedShape(long[] inputShape) {
        long[] out = outputShape(inputShape);
        if (!indicesAgainstDefaultSize || outputSize == null) return out;
        long[] indexed = out.clone();
        for (int i = 0; i < rank(); i++) {
            indexed[i + 2] = (inputShape[i + 2] - 1) * stride[i] + kernel[i] - padBegin[i] - padEnd[i];
            if (indexed[i + 2] < 1 || indexed[i + 2] > out[i + 2]) {
                throw new IllegalArgumentException("outputSize[" + i + "] = " + out[i + 2]
                        + ": under ONNX's reading the indices address the" + " default size " + indexed[i + 2]
                        + " along spatial axis " + i + ", which the output must hold");
            }
        }
        return indexed;
    }

    /**
     * The unpooled shape for values of shape {@code [N, C, spatial...]}.
     *
     * @param inputShape the logical shape of the values
     * @return the logical output shape
     */
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length != rank() + 2) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + " has "
                    + (inputShape.length - 2) + " spatial dimensions but the spec has " + rank());
        }
        long[] out = inputShape.clone();
        for (int i = 0; i < rank(); i++) {
            if (inputShape[i + 2] < 1 || inputShape[i + 2] > PoolSpec.MAX_EXTENT) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + ": spatial size "
                        + inputShape[i + 2] + " must be positive and at most 2^40");
            }
            long size;
            try { // (L - 1) * stride reaches 2^80: exact, and past 2^40 no size (pk_unpool_output_size's rule)
                size = outputSize != null
                        ? outputSize[i]
                        : Math.addExact(
                                Math.multiplyExact(inputShape[i + 2] - 1, stride[i]),
                                kernel[i] - padBegin[i] - padEnd[i]);
            } catch (ArithmeticException e) {
                size = Long.MAX_VALUE;
            }
            if (size > PoolSpec.MAX_EXTENT) {
                throw new IllegalArgumentException("unpooled size along spatial axis " + i + " = (" + inputShape[i + 2]
                        + " - 1) * " + stride[i] + " + " + kernel[i] + " - " + padBegin[i] + " - " + padEnd[i]
                        + ": must be at most 2^40");
            }
            if (size < 1) {
                throw new IllegalArgumentException("unpooled size along spatial axis " + i + " = (" + inputShape[i + 2]
                        + " - 1) * " + stride[i] + " + " + kernel[i] + " - " + padBegin[i] + " - " + padEnd[i] + " = "
                        + size + ": must be positive");
            }
            out[i + 2] = size;
        }
        return out;
    }

    @Override
    public String toString() {
        return "max_unpool" + rank() + "d(kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride)
                + ", padBegin="
                + Arrays.toString(padBegin) + ", padEnd=" + Arrays.toString(padEnd)
                + (outputSize != null ? ", outputSize=" + Arrays.toString(outputSize) : "") + ", indexFormat="
                + indexFormat
                + (indicesAgainstDefaultSize ? ", indices against the default size (ONNX)" : "") + ")";
    }

    /** Builds an {@link UnpoolSpec}; every value is checked by {@link #build()}. */
    public static final class Builder {
        private final long[] kernel;
        private long[] stride, padBegin, padEnd, outputSize;
        private IndexFormat indexFormat;
        private Conventions conventions = Conventions.PYTORCH;

        private Builder(long[] kernel) {
            this.kernel = kernel.clone();
        }

        /**
         * The step between windows per spatial axis (default: the kernel).
         *
         * @param stride one value per spatial axis
         * @return this builder
         */
        public Builder stride(long... stride) {
            this.stride = stride.clone();
            return this;
        }
        /**
         * Symmetric padding per spatial axis (default 0).
         *
         * @param padding one value per spatial axis
         * @return this builder
         */
        public Builder padding(long... padding) {
            this.padBegin = padding.clone();
            this.padEnd = padding.clone();
            return this;
        }
        /**
         * Asymmetric padding per spatial axis.
         *
         * @param begin padding before each axis
         * @param end padding after each axis
         * @return this builder
         */
        public Builder padding(long[] begin, long[] end) {
            this.padBegin = begin.clone();
            this.padEnd = end.clone();
            return this;
        }
        /**
         * The unpooled spatial size (PyTorch's {@code output_size}, ONNX's {@code output_shape} without N and C).
         *
         * @param size one value per spatial axis
         * @return this builder
         */
        public Builder outputSize(long... size) {
            this.outputSize = size.clone();
            return this;
        }
        /**
         * {@link Conventions#ONNX}: ONNX MaxUnpool's reading, where indices address the default output size even when a
         * larger {@link #outputSize} is given (the rest is zero padding at each axis's end), and ONNX's index format
         * ({@link IndexFormat#FLAT_ROW_MAJOR}) unless one is set. PyTorch's (default): indices address the output size.
         *
         * @param conventions the conventions
         * @return this builder
         */
        public Builder conventions(Conventions conventions) {
            this.conventions = Objects.requireNonNull(conventions);
            return this;
        }
        /**
         * How the indices number positions (default: the conventions', {@link IndexFormat#PLANE} for PyTorch's).
         *
         * @param format the format
         * @return this builder
         */
        public Builder indexFormat(IndexFormat format) {
            this.indexFormat = Objects.requireNonNull(format);
            return this;
        }

        /**
         * Checks every value.
         *
         * @return the immutable spec
         */
        public UnpoolSpec build() {
            return new UnpoolSpec(this);
        }
    }
}
