package dev.poolkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedRunTest {
    @Test
    void eachParticipantClaimsItsOwnShareFirstThenTheOthersFromTheirBackEnds() {
        // an executor that runs each task at once, inside execute: the helper of share 1 runs before the caller,
        // takes its own share front to back, then the caller's share back to front, and leaves the caller nothing
        List<Long> order = new ArrayList<>();
        SharedRun.run(Runnable::run, 2, 160, 10, (begin, end) -> order.add(begin));
        assertEquals(
                List.of(80L, 90L, 100L, 110L, 120L, 130L, 140L, 150L, 70L, 60L, 50L, 40L, 30L, 20L, 10L, 0L), order);
    }

    @Test
    void aLateHelperFindsItsShareTakenFromTheBack() {
        // the helper is held until the caller is done: the caller takes its share, then the helper's back to front
        List<Runnable> held = new ArrayList<>();
        List<Long> order = new ArrayList<>();
        SharedRun.run(held::add, 3, 9, 1, (begin, end) -> order.add(begin));
        assertEquals(List.of(0L, 1L, 2L, 5L, 4L, 3L, 8L, 7L, 6L), order);
        held.forEach(Runnable::run);
        assertEquals(9, order.size(), "nothing is left for tasks that start after the run");
    }
}
