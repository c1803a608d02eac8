package dev.poolkit;

/** How max pooling treats NaN inputs. */
public enum NanPolicy {
    /** A NaN in the window is the result; the index is the last NaN's (PyTorch). */
    PROPAGATE,
    /**
     * NaNs are skipped, as in ONNX Runtime and oneDNN; a window of only NaNs gives -infinity (both of them start
     * their max at -FLT_MAX and give that there).
     */
    IGNORE
}
