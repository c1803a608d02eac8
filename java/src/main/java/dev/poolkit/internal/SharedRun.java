package dev.poolkit.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A run shared by the calling thread and helper tasks on a caller's executor, for every prepared operation that splits
 * its work into ranges (rows, boxes). The work is cut into pieces of whole units. Each participant has a home share of
 * consecutive pieces, which it claims from the front; once its share is done it takes what is left of the others'
 * shares from their back ends. So a task that starts late takes fewer pieces (none once all are claimed), the caller
 * waits only for pieces already running, never for a task to start, and from one run to the next each participant
 * touches mostly the same part of the tensors, which stays in its core's cache (claiming every piece from one shared
 * counter mixed the parts up on every run, and shapes that fit in a core's L2 gained little from a second thread).
 * No thread is created here. A task the executor rejects (with
 * any throwable) leaves its pieces to the others; failures are rethrown once every piece is complete, so no piece
 * runs after the run returns.
 */
public final class SharedRun {
    private SharedRun() {}

    /** Runs one range of the work, {@code [begin, end)}. */
    @FunctionalInterface
    public interface Range {
        void run(long begin, long end);
    }

    /** Pieces per participant: enough that a late start costs little, few enough that each piece's call is negligible. */
    private static final int PIECES_PER_WORKER = 8;
    /** Spins while the last pieces (short ones) finish before parking the caller. */
    private static final int SPINS = 20_000;

    /** The checks of a shared run's arguments, made before any tensor is checked. */
    public static void checkArguments(Executor executor, int slices) {
        if (executor == null) throw new NullPointerException("executor");
        if (slices < 1) throw new IllegalArgumentException("slices = " + slices + ": must be positive");
    }

    /**
     * Runs {@code [0, total)} with up to {@code slices} participants (the caller one of them), in pieces of whole
     * {@code unit}s (the last possibly shorter).
     */
    public static void run(Executor executor, int slices, long total, long unit, Range range) {
        long units = (total + unit - 1) / unit;
        int workers = (int) Math.min(slices, units);
        int pieces = workers <= 1 ? 1 : (int) Math.min(units, (long) workers * PIECES_PER_WORKER);
        // share w is pieces [pieces * w / workers, pieces * (w + 1) / workers): its next piece and its end, packed
        AtomicLongArray shares = new AtomicLongArray(workers);
        for (int w = 0; w < workers; w++)
            shares.set(w, pack((long) pieces * w / workers, (long) pieces * (w + 1) / workers));
        CountDownLatch done = new CountDownLatch(pieces);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable[] work = new Runnable[workers];
        for (int w = 0; w < workers; w++) {
            int home = w;
            work[w] = () -> {
                for (int i = 0; i < workers; i++) {
                    int share = (home + i) % workers;
                    for (long piece; (piece = claim(shares, share, share == home)) >= 0; ) {
                        try {
                            range.run(
                                    Math.min(total, units * piece / pieces * unit),
                                    Math.min(total, units * (piece + 1) / pieces * unit));
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        } finally {
                            done.countDown();
                        }
                    }
                }
            };
        }
        // an executor may throw anything, Errors included, after handing out earlier tasks: those must finish before
        // this run returns, so every failure of execute waits, with the rest, for the pieces to complete
        Throwable rejected = null;
        for (int w = 1; w < workers && rejected == null; w++) {
            try {
                executor.execute(work[w]);
            } catch (Throwable e) {
                rejected = e;
            }
        }
        work[0].run();
        try {
            for (int spin = 0; spin < SPINS && done.getCount() > 0; spin++) Thread.onSpinWait();
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pieces of the run", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (rejected instanceof RuntimeException r) throw r;
        if (rejected instanceof Error e) throw e;
        if (rejected != null) throw new IllegalStateException("executor failed: " + rejected, rejected);
    }

    private static long pack(long next, long end) {
        return next << 32 | end;
    }

    /** The next unclaimed piece of a share, from its front (its owner) or its back (the others); -1 when none is left. */
    private static long claim(AtomicLongArray shares, int share, boolean front) {
        while (true) {
            long state = shares.get(share), next = state >>> 32, end = state & 0xFFFF_FFFFL;
            if (next >= end) return -1;
            long claimed = front ? pack(next + 1, end) : pack(next, end - 1);
            if (shares.compareAndSet(share, state, claimed)) return front ? next : end - 1;
        }
    }
}
