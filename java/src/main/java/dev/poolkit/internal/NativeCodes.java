package dev.poolkit.internal;

import dev.poolkit.AvgDivisor;
import dev.poolkit.BoxFormat;
import dev.poolkit.IndexFormat;
import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.LpForm;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.Precision;
import dev.poolkit.RoiOp;
import dev.poolkit.WindowRule;
import dev.poolkit.internal.ffi.PoolkitFFI;

/**
 * The C code of every public enum constant, by name from the header's constants: the only place Java enums meet
 * {@code PK_*} codes, so reordering an enum can never change what the library is told.
 */
public final class NativeCodes {
    private NativeCodes() {}

    public static long op(PoolOp op) {
        return switch (op) {
            case MAX -> PoolkitFFI.PK_OP_MAX();
            case AVG -> PoolkitFFI.PK_OP_AVG();
            case MIN -> PoolkitFFI.PK_OP_MIN();
            case LP -> PoolkitFFI.PK_OP_LP();
            case SOFT -> PoolkitFFI.PK_OP_SOFT();
            case GEM -> PoolkitFFI.PK_OP_GEM();
            case MIXED -> PoolkitFFI.PK_OP_MIXED();
            case STOCHASTIC -> PoolkitFFI.PK_OP_STOCHASTIC();
            case LIP -> PoolkitFFI.PK_OP_LIP();
            case S3POOL -> PoolkitFFI.PK_OP_S3POOL();
        };
    }

    /** Global windows are sliding ones that cover each axis. */
    public static long window(WindowRule rule) {
        return switch (rule) {
            case SLIDING, GLOBAL -> PoolkitFFI.PK_WINDOW_SLIDING();
            case ADAPTIVE -> PoolkitFFI.PK_WINDOW_ADAPTIVE();
            case FRACTIONAL -> PoolkitFFI.PK_WINDOW_FRACTIONAL();
        };
    }

    public static long divisor(AvgDivisor divisor) {
        return switch (divisor) {
            case EXCLUDE_PADDING -> PoolkitFFI.PK_DIVISOR_EXCLUDE_PADDING();
            case INCLUDE_PADDING -> PoolkitFFI.PK_DIVISOR_INCLUDE_PADDING();
            case FULL_KERNEL -> PoolkitFFI.PK_DIVISOR_FULL_KERNEL();
        };
    }

    public static long nanMode(NanPolicy policy) {
        return switch (policy) {
            case PROPAGATE -> PoolkitFFI.PK_NAN_PROPAGATE();
            case IGNORE -> PoolkitFFI.PK_NAN_IGNORE();
        };
    }

    public static long precision(Precision precision) {
        return switch (precision) {
            case EXACT -> PoolkitFFI.PK_PRECISION_EXACT();
            case RELAXED -> PoolkitFFI.PK_PRECISION_RELAXED();
        };
    }

    public static long lpForm(LpForm form) {
        return switch (form) {
            case PYTORCH -> PoolkitFFI.PK_LP_PYTORCH();
            case ABS -> PoolkitFFI.PK_LP_ABS();
        };
    }

    public static long indexFormat(IndexFormat format) {
        return switch (format) {
            case PLANE -> PoolkitFFI.PK_INDEX_PLANE();
            case FLAT_ROW_MAJOR -> PoolkitFFI.PK_INDEX_FLAT_ROW_MAJOR();
            case FLAT_COLUMN_MAJOR -> PoolkitFFI.PK_INDEX_FLAT_COLUMN_MAJOR();
            case CHANNELS_LAST -> PoolkitFFI.PK_INDEX_CHANNELS_LAST();
            case CHANNELS_LAST_BATCH -> PoolkitFFI.PK_INDEX_CHANNELS_LAST_BATCH();
        };
    }

    public static long layout(Layout layout) {
        return switch (layout) {
            case NCHW -> PoolkitFFI.PK_LAYOUT_NCHW();
            case NHWC -> PoolkitFFI.PK_LAYOUT_NHWC();
        };
    }

    public static long isa(Isa isa) {
        return switch (isa) {
            case SCALAR -> PoolkitFFI.PK_ISA_SCALAR();
            case AVX2 -> PoolkitFFI.PK_ISA_AVX2();
            case AVX512 -> PoolkitFFI.PK_ISA_AVX512();
        };
    }

    /** The level a {@code PK_ISA_*} code the library reports names. */
    public static Isa isaOf(long code) {
        for (Isa isa : Isa.values()) if (isa(isa) == code) return isa;
        throw new IllegalStateException("native library reported an unknown instruction-set level " + code);
    }

    public static long roiOp(RoiOp op) {
        return switch (op) {
            case POOL -> PoolkitFFI.PK_ROI_POOL();
            case ALIGN_AVG -> PoolkitFFI.PK_ROI_ALIGN_AVG();
            case ALIGN_MAX -> PoolkitFFI.PK_ROI_ALIGN_MAX();
            case ALIGN_MAX_ONNX_RUNTIME -> PoolkitFFI.PK_ROI_ALIGN_MAX_ONNXRUNTIME();
        };
    }

    public static long boxFormat(BoxFormat format) {
        return switch (format) {
            case WITH_INDEX -> PoolkitFFI.PK_ROI_BOXES_WITH_INDEX();
            case SEPARATE_INDEX -> PoolkitFFI.PK_ROI_BOXES_SEPARATE_INDEX();
        };
    }
}
