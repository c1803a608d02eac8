package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.poolkit.internal.NativeCodes;
import java.util.HashSet;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * Every public enum constant the library is told about has its own C code (global windows excepted: they are sliding
 * ones), and levels read back from the library map to the level they name.
 */
class NativeCodesTest {
    private static <E extends Enum<E>> void distinct(Class<E> type, ToLongFunction<E> code) {
        Set<Long> seen = new HashSet<>();
        for (E e : type.getEnumConstants()) {
            if (!seen.add(code.applyAsLong(e)))
                throw new AssertionError(type.getSimpleName() + "." + e + " shares its code " + code.applyAsLong(e));
        }
    }

    @Test
    void everyConstantHasItsOwnCode() {
        distinct(PoolOp.class, NativeCodes::op);
        distinct(AvgDivisor.class, NativeCodes::divisor);
        distinct(NanPolicy.class, NativeCodes::nanMode);
        distinct(Precision.class, NativeCodes::precision);
        distinct(LpForm.class, NativeCodes::lpForm);
        distinct(IndexFormat.class, NativeCodes::indexFormat);
        distinct(Layout.class, NativeCodes::layout);
        distinct(Isa.class, NativeCodes::isa);
        distinct(RoiOp.class, NativeCodes::roiOp);
        distinct(BoxFormat.class, NativeCodes::boxFormat);
        assertEquals(NativeCodes.window(WindowRule.SLIDING), NativeCodes.window(WindowRule.GLOBAL));
        assertEquals(
                3,
                Set.of(
                                NativeCodes.window(WindowRule.SLIDING),
                                NativeCodes.window(WindowRule.ADAPTIVE),
                                NativeCodes.window(WindowRule.FRACTIONAL))
                        .size());
    }

    @Test
    void levelsReadBack() {
        for (Isa isa : Isa.values()) assertEquals(isa, NativeCodes.isaOf(NativeCodes.isa(isa)));
        assertThrows(IllegalStateException.class, () -> NativeCodes.isaOf(-1));
    }
}
