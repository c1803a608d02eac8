package dev.poolkit.internal;

import dev.poolkit.IndexFormat;
import dev.poolkit.PoolingException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The definition of max unpooling: check every index, zero, scatter in order, then verify no position got two
 * different values. At most 2^31 - 9 values (the caller checks).
 */
public final class JavaUnpoolKernel implements UnpoolKernel {
    private final IndexFormat indexFormat;
    private final long[] inputShape, indexedShape, outputShape;
    private final long[] inputStrides, outputStrides; // logical order N, C, spatial...; resolved, never null
    private final IndexSpace space;

    /**
     * {@code indexedShape} is the shape the indices address: {@code outputShape}, or ONNX's default size inside it;
     * strides in logical order (N, C, spatial...), dense ones given explicitly.
     */
    public JavaUnpoolKernel(
            IndexFormat indexFormat,
            long[] inputShape,
            long[] indexedShape,
            long[] outputShape,
            long[] inputStrides,
            long[] outputStrides) {
        this.indexFormat = indexFormat;
        this.inputShape = inputShape.clone();
        this.indexedShape = indexedShape.clone();
        this.outputShape = outputShape.clone();
        this.inputStrides = inputStrides.clone();
        this.outputStrides = outputStrides.clone();
        int rank = inputShape.length - 2;
        long[] size = {1, 1, 1};
        for (int i = 0; i < rank; i++) size[3 - rank + i] = indexedShape[i + 2];
        this.space = new IndexSpace(indexFormat, outputShape[0], outputShape[1], size, rank);
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void run(MemorySegment values, MemorySegment indices, MemorySegment output) {
        long[] in = inputStrides, out = outputStrides;
        int count = (int) Arrays.stream(inputShape).reduce(1, Math::multiplyExact); // the caller bounded it
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
            output.setAtIndex(
                    ValueLayout.JAVA_FLOAT_UNALIGNED,
                    to[e],
                    values.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, from[e]));
        }
        for (int e = 0; e < count; e++) {
            float sent = values.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, from[e]),
                    there = output.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, to[e]);
            if (Float.floatToRawIntBits(sent) != Float.floatToRawIntBits(there)) {
                throw new PoolingException(
                        "values " + sent + " and " + there + " were both sent to output offset " + to[e] + " (index "
                                + indices.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from[e]) + ")",
                        PoolingException.CONFLICTING_INDEX);
            }
        }
    }

    static long offset(long[] coordinate, long[] strides) {
        long o = 0;
        for (int i = 0; i < coordinate.length; i++) o += coordinate[i] * strides[i];
        return o;
    }

    /** Steps a logical coordinate to the next element in row-major order. */
    static void next(long[] coordinate, long[] shape) {
        for (int k = shape.length - 1; k >= 0; k--) {
            if (++coordinate[k] < shape[k]) return;
            coordinate[k] = 0;
        }
    }

    /** Output offset of the position named by the index of the value at logical {@code coordinate}. */
    private long target(long[] coordinate, long index, long[] outStrides) {
        long[] t = space.decode(coordinate[0], coordinate[1], index);
        if (t == null) {
            throw new PoolingException(
                    "indices: " + index + " (for the value at " + Arrays.toString(coordinate)
                            + ") lies outside the output " + Arrays.toString(indexedShape) + " (" + indexFormat
                            + " format)",
                    PoolingException.INVALID_INDEX);
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
}
