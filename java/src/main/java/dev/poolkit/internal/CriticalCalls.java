package dev.poolkit.internal;

import dev.poolkit.internal.ffi.PoolkitFFI;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one rule for choosing between a critical and a regular downcall. A critical downcall makes no thread-state
 * transition and may pass heap arrays without copying, but it holds up every safepoint (and so every other thread
 * that needs one) until it returns, so none may last longer than about a millisecond. Calls moving fewer bytes than
 * {@link #MAX_BYTES} finish well within it and are critical; longer calls are regular downcalls on native memory;
 * heap memory, which only critical calls may pass, is then split into short critical calls: row ranges of a forward
 * run, box ranges of a region pooling run, and for gradients and unpooling each of the native passes ({@link #GRADIENT_PASSES})
 * over consecutive ranges, which compute the same bits as one whole call.
 */
public final class CriticalCalls {
    private CriticalCalls() {}

    /** Bytes a critical call may move: calls below it finish well within a millisecond. */
    public static final long MAX_BYTES = 1L << 20;

    /** The passes of the ranged native gradients, in the order a whole call runs them (PK_PASS_* in poolkit.h). */
    static final int[] GRADIENT_PASSES = {
        PoolkitFFI.PK_PASS_CHECK(), PoolkitFFI.PK_PASS_ZERO(), PoolkitFFI.PK_PASS_SCATTER()
    };
    /** The passes of ranged unpooling, in the order a whole call runs them. */
    static final int[] UNPOOL_PASSES = {
        PoolkitFFI.PK_PASS_CHECK(), PoolkitFFI.PK_PASS_ZERO(), PoolkitFFI.PK_PASS_SCATTER(), PoolkitFFI.PK_PASS_VERIFY()
    };

    /** Critical calls made over parts of a long call on heap memory: counted, so that tests see the split happen. */
    private static final AtomicLong PIECES = new AtomicLong();

    static void countPiece() {
        PIECES.incrementAndGet();
    }

    /** Critical calls made so far over parts of long calls on heap memory. */
    static long piecesRun() {
        return PIECES.get();
    }

    /** How a call of a given size over given memory is made. */
    public enum Mode {
        /** Short: a critical call, over heap or native memory. */
        CRITICAL,
        /** Long, over native memory only: a regular call. */
        REGULAR,
        /** Long, over some heap memory: short critical calls over parts, or a regular call over native copies. */
        LONG_ON_HEAP
    }

    /** The mode of a call moving {@code bytes} whose segments are all native or not. */
    public static Mode mode(long bytes, boolean allNative) {
        return bytes < MAX_BYTES ? Mode.CRITICAL : allNative ? Mode.REGULAR : Mode.LONG_ON_HEAP;
    }

    /** True when every segment is native (NULL counts as native). Fixed arities: no varargs array per run. */
    public static boolean allNative(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isNative() && b.isNative() && c.isNative();
    }

    public static boolean allNative(MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d) {
        return a.isNative() && b.isNative() && c.isNative() && d.isNative();
    }

    public static boolean allNative(
            MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d, MemorySegment e) {
        return a.isNative() && b.isNative() && c.isNative() && d.isNative() && e.isNative();
    }

    /** Rows of one critical call over heap memory when {@code rows} rows move {@code bytes}: about MAX_BYTES (at least one row). */
    public static long rowsPerCall(long rows, long bytes) {
        return Math.max(1, (long) ((double) rows * MAX_BYTES / Math.max(1, bytes)));
    }
}
