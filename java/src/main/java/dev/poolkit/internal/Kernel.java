package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;

/** Computes output rows [rowBegin, rowEnd) of one prepared problem. Implementations are immutable. */
public interface Kernel {
    /** {@code indices} is null when not requested. */
    void run(MemorySegment input, MemorySegment output, MemorySegment indices, long rowBegin, long rowEnd);

    /**
     * The gradient with respect to the input, written over all of {@code gradInput}. {@code input} and
     * {@code output} (the forward's) are read by LP pooling, {@code indices} by max and min pooling; the others may
     * be null.
     */
    void backward(MemorySegment gradOutput, MemorySegment gradInput, MemorySegment input, MemorySegment output,
                  MemorySegment indices);

    /**
     * SoftPool's and GeM's gradients: with respect to the input (over all of {@code gradInput}) and, for GeM when
     * {@code gradParams} is not null, p (one float, or one per channel).
     */
    void backwardWithParameters(MemorySegment gradOutput, MemorySegment gradInput, MemorySegment input, MemorySegment gradParams);

    /** A name saying which implementation runs, e.g. {@code native:avx512} or {@code java}. */
    String name();
}
