package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;

/**
 * Max unpooling of one prepared problem: writes values at the output positions their indices name, zero elsewhere,
 * after checking every index; two different values sent to one position are refused. Implementations are immutable.
 * <p>
 * A sibling of {@link Kernel}, not an extension: a {@code Kernel} computes row ranges of a pooling and its gradients,
 * while unpooling runs whole over values, indices and an output, so one interface for both would leave most of each
 * implementation unsupported.
 */
public interface UnpoolKernel {
    /** Unpools {@code values} through {@code indices} into all of {@code output}, all checked against the prepared types. */
    void run(MemorySegment values, MemorySegment indices, MemorySegment output);

    /** A name saying which implementation runs: {@code native:avx512} or {@code java}. */
    String name();
}
