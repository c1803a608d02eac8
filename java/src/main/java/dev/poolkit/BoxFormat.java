package dev.poolkit;

/** How region pooling reads its boxes. Coordinates are {@code (x1, y1, x2, y2)} in input pixels before the spatial scale. */
public enum BoxFormat {
    /** f32 boxes {@code [K, 5]}: image index (an integral float), x1, y1, x2, y2 (torchvision, ONNX MaxRoiPool). */
    WITH_INDEX,
    /** f32 boxes {@code [K, 4]} and int64 image indices {@code [K]} in their own segment (ONNX RoiAlign). */
    SEPARATE_INDEX
}
