package dev.poolkit;

/**
 * Automatic padding, as ONNX {@code auto_pad} and TensorFlow {@code padding}. Resolved per axis against
 * the input size when an operation is prepared.
 */
public enum AutoPad {
    /** Explicit padding from the spec. */
    NOTSET,
    /** Output {@code ceil(L / s)}; total padding {@code P = max((O-1)s + ke - L, 0)}, the extra cell at the end (TensorFlow SAME). */
    SAME_UPPER,
    /** As {@link #SAME_UPPER}, with the extra cell at the beginning. */
    SAME_LOWER,
    /** No padding: output {@code floor((L - ke) / s) + 1}. */
    VALID
}
