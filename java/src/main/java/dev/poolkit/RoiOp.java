package dev.poolkit;

/** Region pooling operations (2d); the exact formulas are in {@link RoiSpec}. */
public enum RoiOp {
    /** torchvision {@code roi_pool} = ONNX {@code MaxRoiPool}: max over integer bins, with an argmax. */
    POOL,
    /** torchvision {@code roi_align} = ONNX {@code RoiAlign} mode {@code avg}: the mean of bilinear samples. */
    ALIGN_AVG,
    /** The max over a bin's sampling points of their bilinear values (NaN wins, the first sample on ties). */
    ALIGN_MAX,
    /**
     * ONNX {@code RoiAlign} mode {@code max} as ONNX Runtime and the ONNX reference compute it: per sample the
     * largest of the four weighted corner terms {@code w_i*v_i} (not the bilinear value), then the max over samples,
     * in {@code std::max}'s order.
     */
    ALIGN_MAX_ONNX_RUNTIME
}
