package dev.poolkit;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable, validated pooling specification, independent of any input size: an operation ({@link PoolOp})
 * and a window rule ({@link WindowRule}).
 *
 * <p>Sliding windows: per spatial axis (outermost first), output {@code o} covers taps
 * {@code o*stride - padBegin + j*dilation}, {@code j = 0..kernel-1}; taps outside the input are padding.
 * Dilation is 1-based: 1 is a dense window. The effective kernel is {@code dilation*(kernel-1)+1}.
 *
 * <pre>{@code
 * PoolSpec spec = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build();          // ResNet stem
 * PoolSpec avg = PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1)
 *         .divisor(AvgDivisor.EXCLUDE_PADDING).build();                            // count_include_pad=False
 * PoolSpec head = PoolSpec.globalAvg(2).build();                                   // ResNet head
 * PoolSpec bins = PoolSpec.adaptiveMax(6, PoolSpec.KEEP).build();                  // 6 rows, width kept
 * PoolSpec frac = PoolSpec.fractionalMax(2, 2).outputRatio(0.5, 0.5).seed(42).build();
 * PoolSpec lp = PoolSpec.lp(2.0, 3, 3).stride(2, 2).build();                       // PyTorch LPPool2d(2, 3, 2)
 * }</pre>
 */
public final class PoolSpec {
    /** Largest kernel, stride, dilation or padding accepted; keeps every size computation exact. */
    static final long MAX_EXTENT = dev.poolkit.internal.Geometry.MAX_EXTENT;
    /** An adaptive output size that keeps the input's size along that axis (PyTorch's {@code None}). */
    public static final long KEEP = 0;

    private final PoolOp op;
    private final WindowRule windowRule;
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
    private final LpForm lpForm;
    private final double p;
    private final IndexFormat indexFormat;
    private final long[] outputSize;    // adaptive and fractional; null when a ratio is given
    private final double[] outputRatio; // fractional
    private final float[] samples;      // fractional, explicit
    private final Long seed;            // fractional, drawn samples

    private PoolSpec(Builder b) {
        this.op = b.op;
        this.windowRule = b.windowRule;
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
        this.lpForm = b.lpForm != null ? b.lpForm : conventions.defaultLpForm();
        this.p = b.p;
        this.indexFormat = b.indexFormat != null ? b.indexFormat : conventions.defaultIndexFormat();
        this.outputSize = b.outputSize == null ? null : b.outputSize.clone();
        this.outputRatio = b.outputRatio == null ? null : b.outputRatio.clone();
        this.samples = b.samples == null ? null : b.samples.clone();
        this.seed = b.seed;
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
            if (Math.multiplyHigh(dilation[i], kernel[i] - 1) != 0 || dilation[i] * (kernel[i] - 1) < 0
                    || dilation[i] * (kernel[i] - 1) >= MAX_EXTENT) {
                throw new IllegalArgumentException("dilation[" + i + "] = " + dilation[i] + " with kernel[" + i + "] = " + kernel[i]
                        + ": the effective kernel dilation*(kernel-1)+1 must be at most 2^40");
            }
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
        boolean extremum = op == PoolOp.MAX || op == PoolOp.MIN;
        if (!extremum && b.nanPolicy != null) {
            throw new IllegalArgumentException("nanPolicy applies to max and min pooling, not " + op
                    + " (sums always propagate NaN)");
        }
        if (!extremum && b.indexFormat != null) {
            throw new IllegalArgumentException("indexFormat applies to max and min pooling, not " + op);
        }
        if (op == PoolOp.LP) {
            if (!(p > 0)) throw new IllegalArgumentException("p = " + p + ": LP pooling needs p > 0");
            if (Double.isInfinite(p) && lpForm != LpForm.ABS) {
                throw new IllegalArgumentException("p = Infinity needs lpForm = ABS (the PyTorch form has no infinite p)");
            }
            if (lpForm == LpForm.PYTORCH && (b.padBegin != null || b.padEnd != null || b.dilation != null
                    || autoPad != AutoPad.NOTSET)) {
                throw new IllegalArgumentException("lpForm = PYTORCH takes no padding or dilation (as LPPool1d/2d): use lpForm(LpForm.ABS)");
            }
        } else if (b.lpForm != null) {
            throw new IllegalArgumentException("lpForm applies to LP pooling, not " + op);
        }
        if (autoPad == AutoPad.SAME_LOWER && conventions == Conventions.TENSORFLOW) {
            throw new IllegalArgumentException("autoPad = SAME_LOWER is not a TensorFlow padding (SAME is SAME_UPPER)");
        }
        validateWindowRule(b);
    }

    private void validateWindowRule(Builder b) {
        if (windowRule != WindowRule.SLIDING) {
            if (b.stride != null || b.padBegin != null || b.dilation != null || b.autoPad != AutoPad.NOTSET || b.ceilMode) {
                throw new IllegalArgumentException("stride, padding, dilation, autoPad and ceilMode apply to sliding windows, not "
                        + windowRule + " ones");
            }
            if (b.divisor != null || divisorOverride != 0) {
                throw new IllegalArgumentException("divisor options apply to sliding windows: " + windowRule
                        + " averages divide by the window's size");
            }
        }
        if (windowRule == WindowRule.ADAPTIVE) {
            for (int i = 0; i < outputSize.length; i++) {
                if (outputSize[i] < 0 || outputSize[i] > MAX_EXTENT) {
                    throw new IllegalArgumentException("outputSize[" + i + "] = " + outputSize[i]
                            + ": must be positive, or PoolSpec.KEEP (0) to keep the input size");
                }
            }
        }
        if (windowRule != WindowRule.FRACTIONAL) {
            if (b.outputRatio != null || b.samples != null || b.seed != null
                    || (b.outputSize != null && windowRule != WindowRule.ADAPTIVE)) {
                throw new IllegalArgumentException("outputSize, outputRatio, samples and seed apply to fractional pooling, not "
                        + windowRule + " windows");
            }
            return;
        }
        if ((outputSize == null) == (outputRatio == null)) {
            throw new IllegalArgumentException("fractional pooling needs exactly one of outputSize and outputRatio");
        }
        if (outputSize != null) {
            checkRank("outputSize", outputSize, kernel.length);
            for (int i = 0; i < outputSize.length; i++) checkRange("outputSize", i, outputSize[i], 1);
        } else {
            if (outputRatio.length != kernel.length) {
                throw new IllegalArgumentException("outputRatio = " + Arrays.toString(outputRatio) + " has " + outputRatio.length
                        + " dimensions but kernel has " + kernel.length);
            }
            for (int i = 0; i < outputRatio.length; i++) {
                if (!(outputRatio[i] > 0 && outputRatio[i] < 1)) {
                    throw new IllegalArgumentException("outputRatio[" + i + "] = " + outputRatio[i] + ": must lie in (0, 1)");
                }
            }
        }
        if ((samples == null) == (seed == null)) {
            throw new IllegalArgumentException("fractional pooling needs exactly one of samples(...) and seed(...), so runs are reproducible");
        }
        if (samples != null) {
            for (int i = 0; i < samples.length; i++) {
                if (!(samples[i] >= 0 && samples[i] < 1)) {
                    throw new IllegalArgumentException("samples[" + i + "] = " + samples[i] + ": must lie in [0, 1)");
                }
            }
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

    /** Min pooling, the mirror of max pooling. */
    public static Builder min(long... kernel) {
        return new Builder(PoolOp.MIN, kernel);
    }

    /** LP pooling with exponent {@code p} (PyTorch's {@code norm_type}, ONNX's {@code p}). */
    public static Builder lp(double p, long... kernel) {
        Builder b = new Builder(PoolOp.LP, kernel);
        b.p = p;
        return b;
    }

    /** Max over each whole (n, c) plane of a {@code rank}-d input (ONNX GlobalMaxPool, Keras GlobalMaxPooling). */
    public static Builder globalMax(int rank) {
        return global(PoolOp.MAX, rank);
    }

    /** Average over each whole (n, c) plane (ONNX GlobalAveragePool, the ResNet head). */
    public static Builder globalAvg(int rank) {
        return global(PoolOp.AVG, rank);
    }

    /** LP norm over each whole (n, c) plane (ONNX GlobalLpPool: the ABS form by default under every convention). */
    public static Builder globalLp(double p, int rank) {
        Builder b = global(PoolOp.LP, rank);
        b.p = p;
        b.lpForm = LpForm.ABS;
        return b;
    }

    private static Builder global(PoolOp op, int rank) {
        if (rank < 1 || rank > 3) throw new IllegalArgumentException("rank = " + rank + ": expected 1, 2 or 3");
        Builder b = new Builder(op, filled(rank, 1));
        b.windowRule = WindowRule.GLOBAL;
        return b;
    }

    /** Adaptive max pooling to {@code outputSize} per spatial axis ({@link #KEEP} keeps the input size). */
    public static Builder adaptiveMax(long... outputSize) {
        return adaptive(PoolOp.MAX, outputSize);
    }

    /** Adaptive average pooling to {@code outputSize} per spatial axis ({@link #KEEP} keeps the input size). */
    public static Builder adaptiveAvg(long... outputSize) {
        return adaptive(PoolOp.AVG, outputSize);
    }

    private static Builder adaptive(PoolOp op, long[] outputSize) {
        Objects.requireNonNull(outputSize, "outputSize");
        Builder b = new Builder(op, filled(outputSize.length, 1));
        b.windowRule = WindowRule.ADAPTIVE;
        b.outputSize = outputSize.clone();
        return b;
    }

    /**
     * Fractional max pooling (2d or 3d as PyTorch, 1d too) with windows of {@code kernel}; give the output by
     * {@link Builder#outputSize} or {@link Builder#outputRatio}, and the window placement by
     * {@link Builder#samples} or {@link Builder#seed}.
     */
    public static Builder fractionalMax(long... kernel) {
        Builder b = new Builder(PoolOp.MAX, kernel);
        b.windowRule = WindowRule.FRACTIONAL;
        return b;
    }

    public PoolOp op() { return op; }
    public WindowRule windowRule() { return windowRule; }
    /** LP pooling's exponent (0 for other ops). */
    public double p() { return p; }
    public LpForm lpForm() { return lpForm; }
    public IndexFormat indexFormat() { return indexFormat; }
    /** Adaptive or fractional output size per spatial axis, when given. */
    public Optional<long[]> outputSize() { return Optional.ofNullable(outputSize).map(long[]::clone); }
    /** Fractional output ratio per spatial axis, when given. */
    public Optional<double[]> outputRatio() { return Optional.ofNullable(outputRatio).map(double[]::clone); }
    /** Fractional samples, when given explicitly: (N, C, rank), in PyTorch's order (see {@link Builder#samples}). */
    public Optional<float[]> samples() { return Optional.ofNullable(samples).map(float[]::clone); }
    /** Fractional seed, when samples are drawn from one. */
    public Optional<Long> seed() { return Optional.ofNullable(seed); }
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
        return o instanceof PoolSpec s && op == s.op && windowRule == s.windowRule && Arrays.equals(kernel, s.kernel) && Arrays.equals(stride, s.stride)
                && Arrays.equals(dilation, s.dilation) && Arrays.equals(padBegin, s.padBegin)
                && Arrays.equals(padEnd, s.padEnd) && autoPad == s.autoPad && ceilMode == s.ceilMode
                && divisor == s.divisor && divisorOverride == s.divisorOverride && nanPolicy == s.nanPolicy
                && conventions == s.conventions && lpForm == s.lpForm && Double.compare(p, s.p) == 0
                && indexFormat == s.indexFormat && Arrays.equals(outputSize, s.outputSize)
                && Arrays.equals(outputRatio, s.outputRatio) && Arrays.equals(samples, s.samples) && Objects.equals(seed, s.seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, windowRule, Arrays.hashCode(kernel), Arrays.hashCode(stride), Arrays.hashCode(padBegin), ceilMode);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(op.toString().toLowerCase());
        switch (windowRule) {
            case GLOBAL -> s.insert(0, "global_").append("_pool").append(rank()).append("d(");
            case ADAPTIVE -> s.insert(0, "adaptive_").append("_pool").append(rank()).append("d(outputSize=")
                    .append(Arrays.toString(outputSize)).append(", ");
            case FRACTIONAL -> {
                s.insert(0, "fractional_").append("_pool").append(rank()).append("d(kernel=").append(Arrays.toString(kernel));
                s.append(outputSize != null ? ", outputSize=" + Arrays.toString(outputSize) : ", outputRatio=" + Arrays.toString(outputRatio));
                s.append(seed != null ? ", seed=" + seed : ", samples=" + samples.length).append(", ");
            }
            case SLIDING -> {
                s.append("_pool").append(rank()).append("d(kernel=").append(Arrays.toString(kernel)).append(", stride=")
                        .append(Arrays.toString(stride));
                if (autoPad != AutoPad.NOTSET) s.append(", autoPad=").append(autoPad);
                else s.append(", padBegin=").append(Arrays.toString(padBegin)).append(", padEnd=").append(Arrays.toString(padEnd));
                s.append(", dilation=").append(Arrays.toString(dilation)).append(", ceilMode=").append(ceilMode).append(", ");
            }
        }
        switch (op) {
            case AVG -> {
                if (windowRule == WindowRule.SLIDING) s.append("divisor=").append(divisor).append(", ");
                if (divisorOverride != 0) s.append("divisorOverride=").append(divisorOverride).append(", ");
            }
            case LP -> s.append("p=").append(p).append(", lpForm=").append(lpForm).append(", ");
            default -> s.append("nanPolicy=").append(nanPolicy).append(", indexFormat=").append(indexFormat).append(", ");
        }
        return s.append("conventions=").append(conventions).append(')').toString();
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
        private WindowRule windowRule = WindowRule.SLIDING;
        private double p;
        private LpForm lpForm;
        private IndexFormat indexFormat;
        private long[] outputSize;
        private double[] outputRatio;
        private float[] samples;
        private Long seed;

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
        public Builder lpForm(LpForm form) { this.lpForm = Objects.requireNonNull(form); return this; }
        /** The argmax numbering of max and min pooling (default: the conventions'). */
        public Builder indexFormat(IndexFormat format) { this.indexFormat = Objects.requireNonNull(format); return this; }
        /** Fractional pooling's output size per spatial axis. */
        public Builder outputSize(long... size) { this.outputSize = size.clone(); return this; }
        /** Fractional pooling's output size as a fraction of the input, per axis: {@code (long) (L * ratio)}. */
        public Builder outputRatio(double... ratio) { this.outputRatio = ratio.clone(); return this; }
        /**
         * Fractional pooling's samples, PyTorch's {@code _random_samples} in memory order: shape (N, C, rank), each in
         * [0, 1); as in PyTorch, entry 0 of each (n, c) drives W and 1 drives H in 1d/2d, but 0 drives D, 1 H and 2 W
         * in 3d.
         */
        public Builder samples(float... samples) { this.samples = samples.clone(); return this; }
        /** Fractional pooling's samples drawn from {@code seed} when the operation is prepared: reproducible runs. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        public PoolSpec build() {
            return new PoolSpec(this);
        }
    }
}
