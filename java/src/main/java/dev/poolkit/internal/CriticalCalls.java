package dev.poolkit.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The one rule for choosing between a critical and a regular downcall. A critical downcall makes no thread-state
 * transition and may pass heap arrays without copying, but it holds up every safepoint (and so every other thread
 * that needs one) until it returns, so none may last longer than about a millisecond. Calls moving fewer bytes than
 * {@link #MAX_BYTES} finish well within it and are critical; longer calls are regular downcalls on native memory;
 * heap memory, which only critical calls may pass, is then either split into short critical calls (row ranges of a
 * forward run) or copied to native memory in pieces of {@link #MAX_BYTES} (entry points that run whole: backward,
 * unpooling).
 */
public final class CriticalCalls {
    private CriticalCalls() {}

    /** Bytes a critical call may move: calls below it finish well within a millisecond. */
    public static final long MAX_BYTES = 1L << 20;

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

    public static boolean allNative(MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment d, MemorySegment e) {
        return a.isNative() && b.isNative() && c.isNative() && d.isNative() && e.isNative();
    }

    /** Rows of one critical call over heap memory when {@code rows} rows move {@code bytes}: about MAX_BYTES (at least one row). */
    public static long rowsPerCall(long rows, long bytes) {
        return Math.max(1, (long) ((double) rows * MAX_BYTES / Math.max(1, bytes)));
    }

    /**
     * {@code segment} itself when native (or NULL); otherwise a native copy of it (its contents copied when
     * {@code contents}), 8-byte aligned.
     */
    public static MemorySegment nativeCopy(Arena arena, MemorySegment segment, boolean contents) {
        if (segment.isNative()) return segment;
        MemorySegment copy = arena.allocate(segment.byteSize(), Long.BYTES);
        if (contents) copyInPieces(segment, copy);
        return copy;
    }

    /** Copies all of {@code from} to {@code to} in pieces of at most MAX_BYTES, each a short uninterruptible copy. */
    public static void copyInPieces(MemorySegment from, MemorySegment to) {
        for (long at = 0, size = from.byteSize(); at < size; at += MAX_BYTES) {
            MemorySegment.copy(from, at, to, at, Math.min(MAX_BYTES, size - at));
        }
    }
}
