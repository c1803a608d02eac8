package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;

/** Computes output rows [rowBegin, rowEnd) of one prepared problem. Implementations are immutable. */
public interface Kernel {
    /** {@code indices} is null when not requested. */
    void run(MemorySegment input, MemorySegment output, MemorySegment indices, long rowBegin, long rowEnd);

    /** A name saying which implementation runs, e.g. {@code native:avx512} or {@code java}. */
    String name();
}
