package dev.poolkit.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A run shared by the calling thread and helper tasks on a caller's executor, for every prepared operation that splits
 * its work into ranges (rows, boxes). The work is cut into pieces of whole units that every participant claims one at
 * a time, so a task that starts late takes fewer pieces (none once all are claimed) and the caller waits only for
 * pieces already running, never for a task to start. No thread is created here. A task the executor rejects (with
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
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(pieces);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable work = () -> {
            for (int piece; (piece = next.getAndIncrement()) < pieces; ) {
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
        };
        // an executor may throw anything, Errors included, after handing out earlier tasks: those must finish before
        // this run returns, so every failure of execute waits, with the rest, for the pieces to complete
        Throwable rejected = null;
        for (int w = 1; w < workers && rejected == null; w++) {
            try {
                executor.execute(work);
            } catch (Throwable e) {
                rejected = e;
            }
        }
        work.run();
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
}
