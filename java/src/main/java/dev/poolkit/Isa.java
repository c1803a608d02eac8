package dev.poolkit;

import java.util.Locale;

/** Instruction-set levels of the native kernels. */
public enum Isa {
    /** Portable C, the readable definition of every kernel; any CPU. */
    SCALAR,
    /** x86-64 AVX2 and FMA, 8 floats per vector. */
    AVX2,
    /** x86-64 AVX-512 F, 16 floats per vector. */
    AVX512;

    /** Parses {@code scalar}, {@code avx2} or {@code avx512}, naming {@code source} in the error. */
    static Isa parse(String text, String source) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " = \"" + text + "\": expected scalar, avx2 or avx512");
        }
    }
}
