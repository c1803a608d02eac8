package dev.poolkit;

import java.lang.foreign.ValueLayout;

/** Element types. Pooling takes f32 tensors; indices are i64. */
public enum DType {
    /** 32-bit IEEE 754 floats, the values pooled. */
    F32(ValueLayout.JAVA_FLOAT),
    /** 64-bit signed integers, the argmax indices. */
    I64(ValueLayout.JAVA_LONG);

    private final ValueLayout layout;

    DType(ValueLayout layout) {
        this.layout = layout;
    }

    /**
     * The size of one element.
     *
     * @return 4 or 8 bytes
     */
    public long byteSize() {
        return layout.byteSize();
    }
}
