package dev.poolkit.internal;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A run shared by the calling thread and helper tasks on a caller's executor, for every prepared operation that splits
 * its work into ranges (rows, boxes). The work is cut into pieces of whole units. Each participant has a home share of
 * consecutive pieces, which it claims from the front; once its share is done it takes what is left of the others'
 * shares from their back ends. So a task that starts late takes fewer pieces (none once all are claimed), the caller
 * waits only for pieces already running, never for a task to start, and from one run to the next each participant
 * touches mostly the same part of the tensors, which stays in its core's cache (claiming every piece from one shared
 * counter mixed the parts up on every run, and shapes that fit in a core's L2 gained little from a second thread).
 * No thread is created here. A task the executor rejects (with any throwable) leaves its pieces to the others; failures
 * are rethrown once every piece is complete, so no piece runs after the run returns.
 *
 * <p>A prepared operation owns one {@code SharedRun}, and a run allocates nothing: its state (the shares, the helper
 * tasks, the run's arguments) is kept for the next run. One run at a time holds it; a run that finds it held (runs of
 * one operation from several threads at once) makes a state of its own. A helper task that starts after its run has
 * returned finds every share of that run claimed; if the next run has begun by then, the task takes part in that run
 * instead, on that run's arguments, and that run waits for the pieces the task claimed like for any other.
 *
 * @param <A> the arguments of one run (its tensors), set by the caller before each run and cleared after it
 */
public final class SharedRun<A extends SharedRun.Arguments> {
    /** A run's arguments, held between {@link #take} and the end of {@link #run}. */
    public interface Arguments {
        /** Drops the references to the run's tensors, so that a kept state does not keep them alive. */
        void clear();
    }

    /** Runs one range of the work, {@code [begin, end)}, on a run's arguments. */
    @FunctionalInterface
    public interface Range<A> {
        void run(A arguments, long begin, long end);
    }

    /** Pieces per participant: enough that a late start costs little, few enough that each piece's call is negligible. */
    private static final int PIECES_PER_WORKER = 8;
    /** Spins while the last pieces (short ones) finish before parking the caller. */
    private static final int SPINS = 20_000;

    private final Supplier<A> newArguments;
    private final Range<A> range;
    /** The kept state, while no run holds it. */
    private final AtomicReference<State<A>> idle = new AtomicReference<>();

    public SharedRun(Supplier<A> newArguments, Range<A> range) {
        this.newArguments = newArguments;
        this.range = range;
    }

    /** The checks of a shared run's arguments, made before any tensor is checked. */
    public static void checkArguments(Executor executor, int slices) {
        if (executor == null) throw new NullPointerException("executor");
        if (slices < 1) throw new IllegalArgumentException("slices = " + slices + ": must be positive");
    }

    /** A state for one run: the kept one, or a new one while another run holds it. Set its arguments, then run it. */
    public State<A> take() {
        State<A> state = idle.getAndSet(null);
        return state != null ? state : new State<>(newArguments.get(), range);
    }

    /**
     * Runs {@code [0, total)} on {@code state}'s arguments with up to {@code slices} participants (the caller one of
     * them), in pieces of whole {@code unit}s (the last possibly shorter); then clears the arguments and keeps the
     * state. The caller waits for every piece even when interrupted, and keeps its interrupt status.
     */
    public void run(State<A> state, Executor executor, int slices, long total, long unit) {
        try {
            state.run(executor, slices, total, unit);
        } finally {
            state.arguments.clear();
            idle.set(state);
        }
    }

    /** The state of a run: its arguments, the shares of its pieces, and the helper tasks that claim them. */
    public static final class State<A> {
        public final A arguments;
        private final Range<A> range;
        private Runnable[] helpers = new Runnable[0];
        private AtomicLongArray shares = new AtomicLongArray(0);
        // the run's sizes: written before the shares are set, read by a participant after it claims a piece
        private int workers, pieces;
        private long total, unit, units;
        private Thread caller;
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        private State(A arguments, Range<A> range) {
            this.arguments = arguments;
            this.range = range;
        }

        private void run(Executor executor, int slices, long total, long unit) {
            if (total <= 0) return;
            long units = (total + unit - 1) / unit;
            int workers = (int) Math.min(slices, units);
            int pieces = workers <= 1 ? 1 : (int) Math.min(units, (long) workers * PIECES_PER_WORKER);
            if (shares.length() < workers) { // grows with the largest slices asked for, then stays
                AtomicLongArray grown = new AtomicLongArray(workers);
                for (int w = 0; w < shares.length(); w++) grown.set(w, shares.get(w));
                shares = grown;
            }
            if (helpers.length < workers) {
                Runnable[] grown = Arrays.copyOf(helpers, workers);
                for (int w = helpers.length; w < workers; w++) {
                    int home = w;
                    grown[w] = () -> participate(home);
                }
                helpers = grown;
            }
            this.workers = workers;
            this.pieces = pieces;
            this.total = total;
            this.unit = unit;
            this.units = units;
            this.caller = Thread.currentThread();
            failure.set(null);
            pending.set(pieces);
            // share w is pieces [pieces * w / workers, pieces * (w + 1) / workers): its next piece and its end,
            // packed; setting them publishes the sizes and arguments above to whoever claims a piece
            for (int w = 0; w < workers; w++)
                shares.set(w, pack((long) pieces * w / workers, (long) pieces * (w + 1) / workers));
            // an executor may throw anything, Errors included, after handing out earlier tasks: those must finish
            // before this run returns, so every failure of execute waits, with the rest, for the pieces to complete
            Throwable rejected = null;
            for (int w = 1; w < workers && rejected == null; w++) {
                try {
                    executor.execute(helpers[w]);
                } catch (Throwable e) {
                    rejected = e;
                }
            }
            participate(0);
            boolean interrupted = false;
            for (int spin = 0; spin < SPINS && pending.get() > 0; spin++) Thread.onSpinWait();
            while (pending.get() > 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            caller = null;
            if (interrupted) Thread.currentThread().interrupt();
            Throwable t = failure.getAndSet(null);
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (rejected instanceof RuntimeException r) throw r;
            if (rejected instanceof Error e) throw e;
            if (rejected != null) throw new IllegalStateException("executor failed: " + rejected, rejected);
        }

        /**
         * Claims and runs pieces: the home share's from its front, then the others' from their backs. A task of an
         * earlier run may get here during a later one, with a home share the later run does not have.
         */
        private void participate(int home) {
            AtomicLongArray shares = this.shares;
            int workers = Math.min(this.workers, shares.length());
            for (int i = 0; i < workers; i++) {
                int share = (home + i) % workers;
                for (long piece; (piece = claim(shares, share, share == home)) >= 0; ) {
                    Thread waiting = caller; // this run's: it cannot end before this piece does
                    try {
                        range.run(
                                arguments,
                                Math.min(total, units * piece / pieces * unit),
                                Math.min(total, units * (piece + 1) / pieces * unit));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        if (pending.decrementAndGet() == 0) LockSupport.unpark(waiting);
                    }
                }
            }
        }
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
