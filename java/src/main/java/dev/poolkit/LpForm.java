package dev.poolkit;

/** The definition of LP pooling, over the taps inside the input. */
public enum LpForm {
    /** ONNX LpPool: {@code (sum |x|^p)^(1/p)}; {@code p = infinity} gives {@code max |x|}. */
    ABS,
    /**
     * PyTorch LPPool1d/2d: {@code (sum x^p * K / n)^(1/p)} with signed {@code x} (negative inputs give NaN for
     * fractional p), {@code K} the kernel volume and {@code n} the taps inside the input (they differ only for a
     * partial last window in ceil mode). No padding or dilation.
     */
    PYTORCH
}
