package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;

/**
 * Region pooling of one prepared problem (feature map, box count, output size), over boxes checked by the caller.
 * Implementations are immutable. Its own interface rather than {@link Kernel}'s: boxes and their image indices come
 * with every run, and ranges are of boxes, not of output rows.
 */
public interface RoiKernel {
    /** Pools boxes {@code [begin, end)}; {@code batchIndices} and {@code argmax} may be null. */
    void forward(
            MemorySegment input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment output,
            MemorySegment argmax,
            long begin,
            long end);

    /** The gradient with respect to the input over all of {@code gradInput}, from the first {@code boxCount} boxes. */
    void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment argmax,
            long boxCount);

    /** A name saying which implementation runs: {@code native:avx512} or {@code java}. */
    String name();
}
