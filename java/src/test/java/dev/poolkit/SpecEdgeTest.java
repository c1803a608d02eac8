package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Shape calculators and builders refuse what the prepared operations refuse, naming the parameter. */
class SpecEdgeTest {
    @Test
    void sppOutputShapeCountsBinsExactlyAndRefusesWhatPrepareRefuses() {
        assertArrayEquals(
                new long[] {8, 256 * (16 + 4 + 1)}, Pooling.sppOutputShape(new long[] {4, 2, 1}, 8, 256, 13, 13));
        assertArrayEquals(new long[] {2, 3 * (27 + 1)}, Pooling.sppOutputShape(new long[] {3, 1}, 2, 3, 5, 5, 5));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Pooling.sppOutputShape(new long[0], 1, 1, 4, 4))
                .getMessage()
                .startsWith("levels"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> Pooling.sppOutputShape(new long[] {2, (1 << 20) + 1}, 1, 1, 4, 4))
                .getMessage()
                .startsWith("levels[1] = 1048577"));
        // 2^20 bins per axis in 3d is 2^60 per channel: the output size overflows and is refused, not wrapped
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> Pooling.sppOutputShape(new long[] {1 << 20}, 1, 16, 4, 4, 4))
                .getMessage()
                .startsWith("inputShape[1] = 16"));
        assertThrows(NullPointerException.class, () -> Pooling.sppOutputShape(null, 1, 1, 4, 4));
        // the same levels are refused by prepareSpp
        assertThrows(
                IllegalArgumentException.class,
                () -> Pooling.prepareSpp(PoolOp.MAX, new long[0], Layout.NCHW, 1, 1, 4, 4));
    }

    @Test
    void roiModesChooseAmongRoiAlignReductionsOnly() {
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> RoiSpec.align(7, 7).mode(RoiOp.POOL))
                .getMessage()
                .startsWith("mode = POOL"));
        assertThrows(IllegalArgumentException.class, () -> RoiSpec.pool(7, 7).mode(RoiOp.ALIGN_MAX));
        RoiSpec.align(7, 7).mode(RoiOp.ALIGN_MAX).build();
    }
}
