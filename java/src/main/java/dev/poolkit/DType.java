package dev.poolkit;

import java.lang.foreign.ValueLayout;

/** Element types. Pooling takes f32 tensors; indices are i64. */
public enum DType {
    F32(ValueLayout.JAVA_FLOAT),
    I64(ValueLayout.JAVA_LONG);

    private final ValueLayout layout;

    DType(ValueLayout layout) {
        this.layout = layout;
    }

    public long byteSize() {
        return layout.byteSize();
    }
}
