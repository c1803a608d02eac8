package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;

/** Computes output rows [rowBegin, rowEnd) of one prepared problem. Implementations are immutable. */
public interface Kernel {
    /** {@code indices} is null when not requested. */
    default void run(MemorySegment input, MemorySegment output, MemorySegment indices, long rowBegin, long rowEnd) {
        run(input, output, indices, null, rowBegin, rowEnd);
    }

    /** As the run above, with a method's params of this run (λ map, uniforms, logits), or null when it takes none. */
    void run(
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices,
            MemorySegment params,
            long rowBegin,
            long rowEnd);

    /**
     * The gradient with respect to the input, written over all of {@code gradInput}. {@code input} and
     * {@code output} (the forward's) are read by LP pooling, {@code indices} by max and min pooling; the others may
     * be null.
     */
    void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices);

    /**
     * The methods' gradients (SoftPool, GeM, mixed, stochastic, LIP), from the forward's input and the run's params (null
     * when the method takes none): with respect to the input (over all of {@code gradInput}) and, when
     * {@code gradParams} is not null, the parameter (GeM's p, mixed λ, LIP's logits).
     */
    void backwardWithParameters(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment params,
            MemorySegment gradParams);

    /** A name saying which implementation runs, e.g. {@code native:avx512:tiles} (level and strategy) or {@code java}. */
    String name();
}
