package dev.poolkit;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable, validated pooling window specification, independent of any input size.
 *
 * <p>Per spatial axis (outermost first), output {@code o} covers taps
 * {@code o*stride - padBegin + j*dilation}, {@code j = 0..kernel-1}; taps outside the input are padding.
 * Dilation is 1-based: 1 is a dense window. The effective kernel is {@code dilation*(kernel-1)+1}.
 *
 * <pre>{@code
 * PoolSpec spec = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build();          // ResNet stem
 * PoolSpec avg = PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1)
 *         .divisor(AvgDivisor.EXCLUDE_PADDING).build();                            // count_include_pad=False
 * }</pre>
 */
public final class PoolSpec {
    /** Largest kernel, stride, dilation or padding accepted; keeps every size computation exact. */
    static final long MAX_EXTENT = 1L << 40;

    private final PoolOp op;
    private final long[] kernel;
    private final long[] stride;
    private final long[] dilation;
    private final long[] padBegin;
    private final long[] padEnd;
    private final AutoPad autoPad;
    private final boolean ceilMode;
    private final AvgDivisor divisor;
    private final long divisorOverride;
    private final NanPolicy nanPolicy;
    private final Conventions conventions;

    private PoolSpec(Builder b) {
        this.op = b.op;
        this.kernel = b.kernel.clone();
        int rank = kernel.length;
        this.stride = b.stride != null ? b.stride.clone() : kernel.clone();
        this.dilation = b.dilation != null ? b.dilation.clone() : filled(rank, 1);
        this.padBegin = b.padBegin != null ? b.padBegin.clone() : filled(rank, 0);
        this.padEnd = b.padEnd != null ? b.padEnd.clone() : padBegin.clone();
        this.autoPad = b.autoPad;
        this.ceilMode = b.ceilMode;
        this.conventions = b.conventions;
        this.divisor = b.divisor != null ? b.divisor : conventions.defaultDivisor();
        this.divisorOverride = b.divisorOverride;
        this.nanPolicy = b.nanPolicy != null ? b.nanPolicy : conventions.defaultNanPolicy();
        validate(b);
    }

    private static long[] filled(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    private void validate(Builder b) {
        int rank = kernel.length;
        if (rank < 1 || rank > 3) {
            throw new IllegalArgumentException("kernel has " + rank + " dimensions: expected 1, 2 or 3");
        }
        checkRank("stride", stride, rank);
        checkRank("dilation", dilation, rank);
        checkRank("padBegin", padBegin, rank);
        checkRank("padEnd", padEnd, rank);
        for (int i = 0; i < rank; i++) {
            checkRange("kernel", i, kernel[i], 1);
            checkRange("stride", i, stride[i], 1);
            checkRange("dilation", i, dilation[i], 1);
            checkRange("padBegin", i, padBegin[i], 0);
            checkRange("padEnd", i, padEnd[i], 0);
            if (autoPad == AutoPad.NOTSET) {
                checkPadding(i, padBegin[i], padEnd[i]);
            }
        }
        if (autoPad != AutoPad.NOTSET) {
            if (conventions == Conventions.PYTORCH) {
                throw new IllegalArgumentException("autoPad = " + autoPad + " is not a PyTorch convention: "
                        + "use Conventions.ONNX or explicit padding");
            }
            if (b.padBegin != null || b.padEnd != null) {
                throw new IllegalArgumentException("autoPad = " + autoPad + " with explicit padding "
                        + Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd) + ": choose one");
            }
            if (ceilMode) {
                throw new IllegalArgumentException("autoPad = " + autoPad + " with ceilMode = true: "
                        + "ONNX leaves the combination undefined");
            }
        }
        if (divisorOverride < 0 || divisorOverride > MAX_EXTENT) {
            throw new IllegalArgumentException("divisorOverride = " + divisorOverride + ": must be positive (or 0 for none)");
        }
        if (op != PoolOp.AVG && (b.divisor != null || divisorOverride != 0)) {
            throw new IllegalArgumentException("divisor options apply to average pooling, not " + op);
        }
        if (op != PoolOp.MAX && b.nanPolicy != null) {
            throw new IllegalArgumentException("nanPolicy applies to max pooling, not " + op
                    + " (averages always propagate NaN)");
        }
    }

    private static void checkRank(String name, long[] values, int rank) {
        if (values.length != rank) {
            throw new IllegalArgumentException(name + " = " + Arrays.toString(values) + " has " + values.length
                    + " dimensions but kernel has " + rank);
        }
    }

    private static void checkRange(String name, int axis, long value, long min) {
        if (value < min || value > MAX_EXTENT) {
            throw new IllegalArgumentException(name + "[" + axis + "] = " + value + ": must be "
                    + (min == 0 ? "non-negative" : "positive") + (value > MAX_EXTENT ? " and at most 2^40" : ""));
        }
    }

    /** Checks one axis's padding against the limit of the conventions. */
    void checkPadding(int axis, long begin, long end) {
        long effective = effectiveKernel(axis);
        for (int side = 0; side < 2; side++) {
            long pad = side == 0 ? begin : end;
            String name = (side == 0 ? "padBegin[" : "padEnd[") + axis + "] = " + pad;
            if (conventions == Conventions.PYTORCH && pad > effective / 2) {
                throw new IllegalArgumentException(name + ": PyTorch allows at most half the effective kernel ("
                        + effective + " / 2 = " + effective / 2 + ")");
            }
            if (pad >= effective) {
                throw new IllegalArgumentException(name + ": must be smaller than the effective kernel (" + effective + ")");
            }
        }
    }

    /** {@code dilation*(kernel-1)+1} along an axis. */
    public long effectiveKernel(int axis) {
        return dilation[axis] * (kernel[axis] - 1) + 1;
    }

    public static Builder max(long... kernel) {
        return new Builder(PoolOp.MAX, kernel);
    }

    public static Builder avg(long... kernel) {
        return new Builder(PoolOp.AVG, kernel);
    }

    public PoolOp op() { return op; }
    public int rank() { return kernel.length; }
    public long[] kernel() { return kernel.clone(); }
    public long[] stride() { return stride.clone(); }
    public long[] dilation() { return dilation.clone(); }
    public long[] padBegin() { return padBegin.clone(); }
    public long[] padEnd() { return padEnd.clone(); }
    public AutoPad autoPad() { return autoPad; }
    public boolean ceilMode() { return ceilMode; }
    public AvgDivisor divisor() { return divisor; }
    /** 0 when the divisor is not overridden. */
    public long divisorOverride() { return divisorOverride; }
    public NanPolicy nanPolicy() { return nanPolicy; }
    public Conventions conventions() { return conventions; }

    long kernel(int axis) { return kernel[axis]; }
    long stride(int axis) { return stride[axis]; }
    long dilation(int axis) { return dilation[axis]; }
    long padBegin(int axis) { return padBegin[axis]; }
    long padEnd(int axis) { return padEnd[axis]; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSpec s && op == s.op && Arrays.equals(kernel, s.kernel) && Arrays.equals(stride, s.stride)
                && Arrays.equals(dilation, s.dilation) && Arrays.equals(padBegin, s.padBegin)
                && Arrays.equals(padEnd, s.padEnd) && autoPad == s.autoPad && ceilMode == s.ceilMode
                && divisor == s.divisor && divisorOverride == s.divisorOverride && nanPolicy == s.nanPolicy
                && conventions == s.conventions;
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, Arrays.hashCode(kernel), Arrays.hashCode(stride), Arrays.hashCode(padBegin), ceilMode);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(op.toString().toLowerCase()).append("_pool").append(rank()).append("d(kernel=")
                .append(Arrays.toString(kernel)).append(", stride=").append(Arrays.toString(stride));
        if (autoPad != AutoPad.NOTSET) s.append(", autoPad=").append(autoPad);
        else s.append(", padBegin=").append(Arrays.toString(padBegin)).append(", padEnd=").append(Arrays.toString(padEnd));
        s.append(", dilation=").append(Arrays.toString(dilation)).append(", ceilMode=").append(ceilMode);
        if (op == PoolOp.AVG) {
            s.append(", divisor=").append(divisor);
            if (divisorOverride != 0) s.append(", divisorOverride=").append(divisorOverride);
        } else {
            s.append(", nanPolicy=").append(nanPolicy);
        }
        return s.append(", conventions=").append(conventions).append(')').toString();
    }

    /** Builds a {@link PoolSpec}; every value is checked by {@link #build()}. Stride defaults to the kernel. */
    public static final class Builder {
        private final PoolOp op;
        private final long[] kernel;
        private long[] stride;
        private long[] dilation;
        private long[] padBegin;
        private long[] padEnd;
        private AutoPad autoPad = AutoPad.NOTSET;
        private boolean ceilMode;
        private AvgDivisor divisor;
        private long divisorOverride;
        private NanPolicy nanPolicy;
        private Conventions conventions = Conventions.PYTORCH;

        private Builder(PoolOp op, long[] kernel) {
            this.op = Objects.requireNonNull(op);
            this.kernel = Objects.requireNonNull(kernel, "kernel").clone();
        }

        public Builder stride(long... stride) { this.stride = stride.clone(); return this; }
        public Builder dilation(long... dilation) { this.dilation = dilation.clone(); return this; }
        /** Symmetric padding, PyTorch style: the same amount at both ends of each axis. */
        public Builder padding(long... padding) { this.padBegin = padding.clone(); this.padEnd = padding.clone(); return this; }
        /** Asymmetric padding, ONNX {@code pads} style. */
        public Builder padding(long[] begin, long[] end) { this.padBegin = begin.clone(); this.padEnd = end.clone(); return this; }
        public Builder autoPad(AutoPad autoPad) { this.autoPad = Objects.requireNonNull(autoPad); return this; }
        public Builder ceilMode(boolean ceilMode) { this.ceilMode = ceilMode; return this; }
        public Builder divisor(AvgDivisor divisor) { this.divisor = Objects.requireNonNull(divisor); return this; }
        /** PyTorch {@code count_include_pad}. */
        public Builder countIncludePad(boolean include) { return divisor(include ? AvgDivisor.INCLUDE_PADDING : AvgDivisor.EXCLUDE_PADDING); }
        public Builder divisorOverride(long divisor) { this.divisorOverride = divisor; return this; }
        public Builder nanPolicy(NanPolicy policy) { this.nanPolicy = Objects.requireNonNull(policy); return this; }
        public Builder conventions(Conventions conventions) { this.conventions = Objects.requireNonNull(conventions); return this; }

        public PoolSpec build() {
            return new PoolSpec(this);
        }
    }
}
