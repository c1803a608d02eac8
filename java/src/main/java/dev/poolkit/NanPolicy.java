package dev.poolkit;

/** How max pooling treats NaN inputs. */
public enum NanPolicy {
    /** A NaN in the window is the result; the index is the last NaN's (PyTorch). */
    PROPAGATE,
    /** NaNs are skipped; a window of only NaNs gives -infinity (ONNX Runtime, oneDNN). */
    IGNORE
}
