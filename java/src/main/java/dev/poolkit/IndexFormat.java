package dev.poolkit;

/**
 * How max and min pooling number the argmax they report, and how unpooling and backward read it. Coordinates
 * are logical (the same in both layouts); {@code plane} is the spatial volume {@code D*H*W}.
 */
public enum IndexFormat {
    /** PyTorch: {@code (d*H + h)*W + w}, inside each (n, c) plane. */
    PLANE,
    /** ONNX MaxPool, {@code storage_order = 0}: {@code (((n*C + c)*D + d)*H + h)*W + w}, flat over the tensor. */
    FLAT_ROW_MAJOR,
    /**
     * ONNX MaxPool, {@code storage_order = 1}: {@code (n*C + c)*plane} plus the spatial position column-major,
     * the first spatial axis fastest ({@code w*H + h} in 2d, {@code (w*H + h)*D + d} in 3d).
     */
    FLAT_COLUMN_MAJOR,
    /** TensorFlow {@code max_pool_with_argmax}: {@code ((d*H + h)*W + w)*C + c}. */
    CHANNELS_LAST,
    /** TensorFlow with {@code include_batch_in_index}: {@code (((n*D + d)*H + h)*W + w)*C + c}. */
    CHANNELS_LAST_BATCH
}
