package dev.poolkit;

import java.util.Locale;

/** Which implementation runs a prepared operation. */
public enum Backend {
    /** Native when the library loaded and passed its self-test on this CPU, else Java. */
    AUTO,
    /** The native library (C/AVX kernels through FFM); preparing fails if it is unavailable. */
    NATIVE,
    /** The pure-Java implementation. */
    JAVA,
    /** Runs native and Java and fails on the first element where they differ; the caller gets native's result. */
    CROSS_CHECK;

    static Backend parse(String text, String source) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    source + " = \"" + text + "\": expected auto, native, java or cross-check");
        }
    }
}
