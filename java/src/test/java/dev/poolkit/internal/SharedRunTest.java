package dev.poolkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SharedRunTest {
    /** A run's arguments: the list its pieces' first units go to. */
    private static final class Order implements SharedRun.Arguments {
        List<Long> firsts;

        @Override
        public void clear() {
            firsts = null;
        }
    }

    private static final SharedRun<Order> SHARED = new SharedRun<>(Order::new, (o, begin, end) -> o.firsts.add(begin));

    private static void run(
            SharedRun<Order> shared, List<Long> firsts, Executor executor, int slices, long total, long unit) {
        SharedRun.State<Order> state = shared.take();
        state.arguments.firsts = firsts;
        shared.run(state, executor, slices, total, unit);
    }

    @Test
    void eachParticipantClaimsItsOwnShareFirstThenTheOthersFromTheirBackEnds() {
        // an executor that runs each task at once, inside execute: the helper of share 1 runs before the caller,
        // takes its own share front to back, then the caller's share back to front, and leaves the caller nothing
        List<Long> order = new ArrayList<>();
        run(SHARED, order, Runnable::run, 2, 160, 10);
        assertEquals(
                List.of(80L, 90L, 100L, 110L, 120L, 130L, 140L, 150L, 70L, 60L, 50L, 40L, 30L, 20L, 10L, 0L), order);
    }

    @Test
    void aLateHelperFindsItsShareTakenFromTheBack() {
        // the helper is held until the caller is done: the caller takes its share, then the helper's back to front
        SharedRun<Order> shared = new SharedRun<>(Order::new, (o, begin, end) -> o.firsts.add(begin));
        List<Runnable> held = new ArrayList<>();
        List<Long> order = new ArrayList<>();
        run(shared, order, held::add, 3, 9, 1);
        assertEquals(List.of(0L, 1L, 2L, 5L, 4L, 3L, 8L, 7L, 6L), order);
        held.forEach(Runnable::run);
        assertEquals(9, order.size(), "nothing is left for tasks that start after the run");
    }

    @Test
    void aHelperThatStartsDuringTheNextRunTakesPartInThatRunOnItsArguments() {
        SharedRun<Order> shared = new SharedRun<>(Order::new, (o, begin, end) -> o.firsts.add(begin));
        List<Runnable> held = new ArrayList<>();
        List<Long> first = new ArrayList<>(), second = new ArrayList<>();
        run(shared, first, held::add, 2, 4, 1);
        assertEquals(List.of(0L, 1L, 3L, 2L), first);
        // the next run's executor first starts the task held from the first run: it takes the second run's share 1
        // (its own home share) to the second run's list, before the second run's own helper or the caller
        run(
                shared,
                second,
                task -> {
                    held.forEach(Runnable::run);
                    held.clear();
                },
                2,
                4,
                1);
        assertEquals(List.of(2L, 3L, 1L, 0L), second);
        assertEquals(4, first.size(), "nothing went to the first run's list");
    }

    @Test
    void anInterruptedCallerWaitsForEveryPieceAndKeepsItsInterruptStatus() throws Exception {
        // the caller's first piece waits for the helper to claim one; the helper holds it until the caller,
        // interrupted,
        // has done all the others and waits for it
        Thread caller = Thread.currentThread();
        AtomicBoolean helperClaimed = new AtomicBoolean();
        SharedRun<Order> shared = new SharedRun<>(Order::new, (o, begin, end) -> {
            if (Thread.currentThread() != caller) {
                helperClaimed.set(true);
                while (caller.getState() != Thread.State.WAITING) Thread.onSpinWait();
            } else {
                while (!helperClaimed.get()) Thread.onSpinWait();
            }
            synchronized (o) {
                o.firsts.add(begin);
            }
        });
        List<Long> firsts = new ArrayList<>();
        caller.interrupt();
        try {
            run(shared, firsts, task -> new Thread(task).start(), 2, 16, 1);
            assertTrue(caller.isInterrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
        assertEquals(16, firsts.size(), "every piece was done before the run returned");
    }

    @Test
    void theStateIsKeptWithItsArgumentsClearedAndARunThatFindsItHeldMakesItsOwn() {
        SharedRun<Order> shared = new SharedRun<>(Order::new, (o, begin, end) -> o.firsts.add(begin));
        SharedRun.State<Order> a = shared.take();
        a.arguments.firsts = new ArrayList<>();
        SharedRun.State<Order> b = shared.take(); // while a is held
        b.arguments.firsts = new ArrayList<>();
        assertNotSame(a, b);
        shared.run(b, Runnable::run, 2, 8, 1);
        shared.run(a, Runnable::run, 2, 8, 1);
        assertNull(a.arguments.firsts);
        assertSame(a, shared.take(), "the state last returned is kept");
    }
}
