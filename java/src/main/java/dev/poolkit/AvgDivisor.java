package dev.poolkit;

/** What an average window is divided by (before any divisor override). */
public enum AvgDivisor {
    /** Taps inside the input (PyTorch {@code count_include_pad=False}, ONNX default, TensorFlow, XNNPACK). */
    EXCLUDE_PADDING,
    /**
     * Taps inside the padded input {@code [-pad_begin, L + pad_end)} (PyTorch {@code count_include_pad=True},
     * the PyTorch default, and ONNX {@code count_include_pad=1}): a ceil-mode overhang past the end padding is
     * not counted.
     */
    INCLUDE_PADDING,
    /** The whole kernel volume, always (oneDNN {@code pooling_avg_include_padding}). */
    FULL_KERNEL
}
