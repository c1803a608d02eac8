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
    /** GeM's clamp when none is given (the paper's code). */
    public static final double DEFAULT_GEM_EPS = 1e-6;

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
    private final Precision precision;
    private final Conventions conventions;
    private final LpForm lpForm;
    private final double p;
    private final IndexFormat indexFormat;
    private final long[] outputSize; // adaptive and fractional; null when a ratio is given
    private final double[] outputRatio; // fractional
    private final float[] samples; // fractional, explicit
    private final Long seed; // fractional, drawn samples
    private final double eps; // GeM
    private final float[] channelP; // GeM, one p per channel; null for one p
    private final double lambda; // mixed, one λ
    private final float[] channelLambda; // mixed, one λ per channel
    private final boolean lambdaMap; // mixed, λ per output given with each run
    private final Double drawnProbability; // mixed, λ drawn per output: u < q
    private final boolean training; // stochastic
    private final boolean logitsBroadcast; // LIP: logits [N, 1, spatial...]
    private final long[] grid; // S3Pool, per axis (default s)
    private final long[] picks; // S3Pool training, explicit

    private PoolSpec(Builder b) {
        this.op = b.op;
        this.windowRule = b.windowRule;
        this.kernel = b.kernel.clone();
        int rank = kernel.length;
        this.stride = b.stride != null ? b.stride.clone() : kernel.clone();
        this.dilation = b.dilation != null ? b.dilation.clone() : filled(rank, 1);
        this.padBegin = b.padBegin != null ? b.padBegin.clone() : filled(rank, 0);
        this.padEnd =
                b.padEnd != null ? b.padEnd.clone() : op == PoolOp.S3POOL ? s3EndPadding(kernel) : padBegin.clone();
        this.autoPad = b.autoPad;
        this.ceilMode = b.ceilMode;
        this.conventions = b.conventions;
        this.divisor = b.divisor != null ? b.divisor : conventions.defaultDivisor();
        this.divisorOverride = b.divisorOverride;
        this.nanPolicy = b.nanPolicy != null ? b.nanPolicy : conventions.defaultNanPolicy();
        this.precision = b.precision != null ? b.precision : Precision.EXACT;
        this.lpForm = b.lpForm != null ? b.lpForm : conventions.defaultLpForm();
        this.p = b.p;
        this.indexFormat = b.indexFormat != null ? b.indexFormat : conventions.defaultIndexFormat();
        this.outputSize = b.outputSize == null ? null : b.outputSize.clone();
        this.outputRatio = b.outputRatio == null ? null : b.outputRatio.clone();
        this.samples = b.samples == null ? null : b.samples.clone();
        this.seed = b.seed;
        this.eps = b.eps != null ? b.eps : (op == PoolOp.GEM ? DEFAULT_GEM_EPS : 0);
        this.channelP = b.channelP == null ? null : b.channelP.clone();
        this.lambda = b.lambda;
        this.channelLambda = b.channelLambda == null ? null : b.channelLambda.clone();
        this.lambdaMap = b.lambdaMap;
        this.drawnProbability = b.drawnProbability;
        this.training = b.training;
        this.logitsBroadcast = b.logitsBroadcast;
        this.grid = b.grid != null ? b.grid.clone() : kernel.clone();
        this.picks = b.picks == null ? null : b.picks.clone();
        validate(b);
    }

    /** S3Pool's end padding, s - 1 per axis: its stride-1 maxima keep the input's size. */
    private static long[] s3EndPadding(long[] s) {
        long[] end = s.clone();
        for (int i = 0; i < end.length; i++) end[i] = Math.max(0, end[i] - 1);
        return end;
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
            if (Math.multiplyHigh(dilation[i], kernel[i] - 1) != 0
                    || dilation[i] * (kernel[i] - 1) < 0
                    || dilation[i] * (kernel[i] - 1) >= MAX_EXTENT) {
                throw new IllegalArgumentException("dilation[" + i + "] = " + dilation[i] + " with kernel[" + i + "] = "
                        + kernel[i] + ": the effective kernel dilation*(kernel-1)+1 must be at most 2^40");
            }
            if (autoPad == AutoPad.NOTSET && op != PoolOp.S3POOL) { // S3Pool's end padding is its definition
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
                throw new IllegalArgumentException(
                        "autoPad = " + autoPad + " with ceilMode = true: " + "ONNX leaves the combination undefined");
            }
        }
        if (divisorOverride < 0 || divisorOverride > MAX_EXTENT) {
            throw new IllegalArgumentException(
                    "divisorOverride = " + divisorOverride + ": must be positive (or 0 for none)");
        }
        if (op != PoolOp.AVG && op != PoolOp.MIXED && (b.divisor != null || divisorOverride != 0)) {
            throw new IllegalArgumentException("divisor options apply to average pooling, not " + op);
        }
        if (op != PoolOp.AVG && b.precision != null) {
            throw new IllegalArgumentException(
                    "precision = " + b.precision + ": applies to average pooling, not " + op);
        }
        boolean extremum = op == PoolOp.MAX || op == PoolOp.MIN || op == PoolOp.MIXED;
        if (!extremum && b.nanPolicy != null) {
            throw new IllegalArgumentException(
                    "nanPolicy applies to max and min pooling, not " + op + " (sums always propagate NaN)");
        }
        if (!extremum && op != PoolOp.STOCHASTIC && op != PoolOp.S3POOL && b.indexFormat != null) {
            throw new IllegalArgumentException("indexFormat applies to max and min pooling, not " + op);
        }
        if (op == PoolOp.LP) {
            if (!(p > 0)) throw new IllegalArgumentException("p = " + p + ": LP pooling needs p > 0");
            if (Double.isInfinite(p) && lpForm != LpForm.ABS) {
                throw new IllegalArgumentException(
                        "p = Infinity needs lpForm = ABS (the PyTorch form has no infinite p)");
            }
            if (lpForm == LpForm.PYTORCH
                    && (b.padBegin != null || b.padEnd != null || b.dilation != null || autoPad != AutoPad.NOTSET)) {
                throw new IllegalArgumentException(
                        "lpForm = PYTORCH takes no padding or dilation (as LPPool1d/2d): use lpForm(LpForm.ABS)");
            }
        } else if (b.lpForm != null) {
            throw new IllegalArgumentException("lpForm applies to LP pooling, not " + op);
        }
        validateMethod(b);
        if (autoPad == AutoPad.SAME_LOWER && conventions == Conventions.TENSORFLOW) {
            throw new IllegalArgumentException("autoPad = SAME_LOWER is not a TensorFlow padding (SAME is SAME_UPPER)");
        }
        validateWindowRule(b);
    }

    private void validateMethod(Builder b) {
        int lambdaSources =
                (b.channelLambda != null ? 1 : 0) + (b.lambdaMap ? 1 : 0) + (b.drawnProbability != null ? 1 : 0);
        if (op != PoolOp.MIXED && lambdaSources > 0) {
            throw new IllegalArgumentException(
                    "lambdaPerChannel, lambdaPerOutput and lambdaDrawn apply to mixed pooling, not " + op);
        }
        if (op == PoolOp.MIXED) {
            if (lambdaSources > 1)
                throw new IllegalArgumentException(
                        "mixed pooling takes one of lambdaPerChannel, lambdaPerOutput and lambdaDrawn");
            if (!Double.isFinite(lambda)) throw new IllegalArgumentException("lambda = " + lambda + ": must be finite");
            if (channelLambda != null) {
                for (int i = 0; i < channelLambda.length; i++) {
                    if (!Float.isFinite(channelLambda[i])) {
                        throw new IllegalArgumentException(
                                "lambdaPerChannel[" + i + "] = " + channelLambda[i] + ": must be finite");
                    }
                }
            }
            if (drawnProbability != null && !(drawnProbability >= 0 && drawnProbability <= 1)) {
                throw new IllegalArgumentException(
                        "lambdaDrawn probability = " + drawnProbability + ": must lie in [0, 1]");
            }
        }
        if (op != PoolOp.STOCHASTIC && op != PoolOp.S3POOL && b.training) {
            throw new IllegalArgumentException("training applies to stochastic pooling and S3Pool, not " + op);
        }
        if (op != PoolOp.S3POOL && (b.grid != null || b.picks != null))
            throw new IllegalArgumentException("grid and picks apply to S3Pool, not " + op);
        if (op == PoolOp.S3POOL) {
            if (b.stride != null
                    || b.padBegin != null
                    || b.dilation != null
                    || b.ceilMode
                    || b.autoPad != AutoPad.NOTSET) {
                throw new IllegalArgumentException(
                        "S3Pool fixes its windows (kernel = stride = s, s - 1 end padding): no stride, padding, dilation or ceilMode");
            }
            for (int i = 0; i < kernel.length; i++) {
                if (grid[i] < 1 || grid[i] % kernel[i] != 0) {
                    throw new IllegalArgumentException(
                            "grid[" + i + "] = " + grid[i] + ": must be a positive multiple of s = " + kernel[i]);
                }
            }
            if (picks != null && !training) throw new IllegalArgumentException("picks apply to S3Pool in training");
            if (training && (picks == null) == (seed == null)) {
                throw new IllegalArgumentException("S3Pool in training needs exactly one of picks(...) and seed(...)");
            }
        }
        if (op != PoolOp.LIP && b.logitsBroadcast)
            throw new IllegalArgumentException("logitsBroadcast applies to LIP, not " + op);
        if ((op == PoolOp.MIXED || op == PoolOp.STOCHASTIC || op == PoolOp.LIP) && windowRule != WindowRule.SLIDING) {
            throw new IllegalArgumentException(op + " pooling takes sliding windows");
        }
        if (op != PoolOp.GEM) {
            if (b.eps != null || b.channelP != null) {
                throw new IllegalArgumentException("eps and pPerChannel apply to GeM pooling, not " + op);
            }
            return;
        }
        if (!(eps > 0) || Double.isInfinite(eps))
            throw new IllegalArgumentException("eps = " + eps + ": GeM needs a positive finite eps");
        if (channelP != null) {
            if (channelP.length == 0)
                throw new IllegalArgumentException("pPerChannel is empty: give one p per channel");
            for (int i = 0; i < channelP.length; i++) {
                if (!(channelP[i] > 0) || Float.isInfinite(channelP[i])) {
                    throw new IllegalArgumentException(
                            "pPerChannel[" + i + "] = " + channelP[i] + ": GeM needs p > 0 and finite");
                }
            }
        } else if (!(p > 0) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("p = " + p + ": GeM needs p > 0 and finite");
        }
    }

    private void validateWindowRule(Builder b) {
        if (windowRule != WindowRule.SLIDING) {
            if (b.stride != null
                    || b.padBegin != null
                    || b.dilation != null
                    || b.autoPad != AutoPad.NOTSET
                    || b.ceilMode) {
                throw new IllegalArgumentException(
                        "stride, padding, dilation, autoPad and ceilMode apply to sliding windows, not " + windowRule
                                + " ones");
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
            boolean seeded = op == PoolOp.MIXED && drawnProbability != null
                    || (op == PoolOp.STOCHASTIC || op == PoolOp.S3POOL) && training;
            if (b.outputRatio != null
                    || b.samples != null
                    || (b.seed != null && !seeded)
                    || (b.outputSize != null && windowRule != WindowRule.ADAPTIVE)) {
                throw new IllegalArgumentException(
                        "outputSize, outputRatio, samples and seed apply to fractional pooling, not " + windowRule
                                + " windows");
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
                throw new IllegalArgumentException("outputRatio = " + Arrays.toString(outputRatio) + " has "
                        + outputRatio.length + " dimensions but kernel has " + kernel.length);
            }
            for (int i = 0; i < outputRatio.length; i++) {
                if (!(outputRatio[i] > 0 && outputRatio[i] < 1)) {
                    throw new IllegalArgumentException(
                            "outputRatio[" + i + "] = " + outputRatio[i] + ": must lie in (0, 1)");
                }
            }
        }
        if ((samples == null) == (seed == null)) {
            throw new IllegalArgumentException(
                    "fractional pooling needs exactly one of samples(...) and seed(...), so runs are reproducible");
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
                throw new IllegalArgumentException(
                        name + ": must be smaller than the effective kernel (" + effective + ")");
            }
        }
    }

    /**
     * {@code dilation*(kernel-1)+1} along an axis.
     *
     * @param axis the spatial axis, 0 for the outermost
     * @return the extent of a dilated window
     */
    public long effectiveKernel(int axis) {
        return dilation[axis] * (kernel[axis] - 1) + 1;
    }

    /**
     * Max pooling ({@code torch.nn.MaxPool1d/2d/3d}, ONNX MaxPool): the largest value of each window, optionally with its index.
     *
     * <pre>{@code
     * PoolSpec stem = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build();   // ResNet's first pooling
     * }</pre>
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder max(long... kernel) {
        return new Builder(PoolOp.MAX, kernel);
    }

    /**
     * Average pooling ({@code torch.nn.AvgPool1d/2d/3d}, ONNX AveragePool): each window's sum divided by the spec's divisor.
     *
     * <pre>{@code
     * PoolSpec onnx = PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1).conventions(Conventions.ONNX).build();
     * }</pre>
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder avg(long... kernel) {
        return new Builder(PoolOp.AVG, kernel);
    }

    /**
     * Min pooling, the mirror of max pooling.
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder min(long... kernel) {
        return new Builder(PoolOp.MIN, kernel);
    }

    /**
     * LP pooling with exponent {@code p} (PyTorch's {@code norm_type}, ONNX's {@code p}).
     *
     * @param p the exponent, positive (infinite with the ABS form)
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder lp(double p, long... kernel) {
        Builder b = new Builder(PoolOp.LP, kernel);
        b.p = p;
        return b;
    }

    /**
     * SoftPool (softmax-weighted pooling) over sliding windows of {@code kernel}; see {@link PoolOp#SOFT}. Takes every
     * sliding option of average pooling but the divisor.
     *
     * <pre>{@code
     * PoolSpec soft = PoolSpec.soft(2, 2).build();                     // the paper's 2x2 SoftPool, stride 2
     * }</pre>
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder soft(long... kernel) {
        return new Builder(PoolOp.SOFT, kernel);
    }

    /**
     * GeM pooling with exponent {@code p} over sliding windows of {@code kernel}; see {@link PoolOp#GEM}. Give one p per
     * channel with {@link Builder#pPerChannel} (then {@code p} is ignored) and the clamp with {@link Builder#eps}.
     *
     * <pre>{@code
     * PoolSpec gem = PoolSpec.gem(3.0, 2, 2).build();                  // p = 3 over 2x2 windows, eps 1e-6
     * }</pre>
     *
     * @param p the exponent, positive and finite (1: the mean of the clamped taps; large p: near their max); ignored with
     *        {@link Builder#pPerChannel}
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder gem(double p, long... kernel) {
        Builder b = new Builder(PoolOp.GEM, kernel);
        b.p = p;
        return b;
    }

    /**
     * SoftPool over each whole (n, c) plane.
     *
     * @param rank the number of spatial axes, 1 to 3
     * @return a builder, to set the other parameters and {@link Builder#build()}
     * @throws IllegalArgumentException when {@code rank} is not 1, 2 or 3
     */
    public static Builder globalSoft(int rank) {
        return global(PoolOp.SOFT, rank);
    }

    /**
     * GeM over each whole (n, c) plane: the paper's global descriptor.
     *
     * <pre>{@code
     * PoolSpec descriptor = PoolSpec.globalGem(3.0, 2).build();        // [N, C, H, W] -> [N, C, 1, 1]
     * }</pre>
     *
     * @param p the exponent, positive and finite (1: the mean of the clamped taps; large p: near their max); ignored with
     *        {@link Builder#pPerChannel}
     * @param rank the number of spatial axes, 1 to 3
     * @return a builder, to set the other parameters and {@link Builder#build()}
     * @throws IllegalArgumentException when {@code rank} is not 1, 2 or 3
     */
    public static Builder globalGem(double p, int rank) {
        Builder b = global(PoolOp.GEM, rank);
        b.p = p;
        return b;
    }

    /**
     * Adaptive SoftPool to {@code outputSize} per spatial axis (PyTorch's bins).
     *
     * @param outputSize the output length per spatial axis, or {@link #KEEP}
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder adaptiveSoft(long... outputSize) {
        return adaptive(PoolOp.SOFT, outputSize);
    }

    /**
     * Adaptive GeM to {@code outputSize} per spatial axis (PyTorch's bins).
     *
     * @param p the exponent, positive and finite (1: the mean of the clamped taps; large p: near their max); ignored with
     *        {@link Builder#pPerChannel}
     * @param outputSize the output length per spatial axis, or {@link #KEEP}
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder adaptiveGem(double p, long... outputSize) {
        Builder b = adaptive(PoolOp.GEM, outputSize);
        b.p = p;
        return b;
    }

    /**
     * Mixed pooling {@code λ max + (1 - λ) avg} with one {@code lambda}, over sliding windows of {@code kernel}; or λ per
     * channel ({@link Builder#lambdaPerChannel}), per output given with each run ({@link Builder#lambdaPerOutput}), or
     * drawn ({@link Builder#lambdaDrawn}). Takes max pooling's NaN policy and index format and average pooling's divisor.
     *
     * <pre>{@code
     * PoolSpec mix = PoolSpec.mixed(0.5, 2, 2).build();                       // half max, half average
     * PoolSpec gated = PoolSpec.mixed(0, 2, 2).lambdaPerOutput().build();     // λ map given with each run
     * }</pre>
     *
     * @param lambda the one λ, finite: 1 gives max pooling and 0 average pooling, bit for bit; unused when λ comes per
     *        channel, per output or drawn
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder mixed(double lambda, long... kernel) {
        Builder b = new Builder(PoolOp.MIXED, kernel);
        b.lambda = lambda;
        return b;
    }

    /**
     * Stochastic pooling over sliding windows of {@code kernel}: inference ({@code Σ a² / Σ a}) unless
     * {@link Builder#training}; see {@link PoolOp#STOCHASTIC}.
     *
     * <pre>{@code
     * PoolSpec drop = PoolSpec.stochastic(2, 2).training().build();   // one uniform in [0, 1) per output with each run
     * }</pre>
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder stochastic(long... kernel) {
        return new Builder(PoolOp.STOCHASTIC, kernel);
    }

    /**
     * Local importance pooling over sliding windows of {@code kernel}; the logits are given with each run (the input's
     * shape, or {@code [N, 1, spatial...]} with {@link Builder#logitsBroadcast}); see {@link PoolOp#LIP}.
     *
     * <pre>{@code
     * PoolSpec lip = PoolSpec.lip(3, 3).stride(2, 2).padding(1, 1).build();
     * }</pre>
     *
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder lip(long... kernel) {
        return new Builder(PoolOp.LIP, kernel);
    }

    /**
     * S3Pool with pool size {@code s} per axis: max pooling with kernel = stride = s and s - 1 end padding (inference), or in
     * {@link Builder#training} each output's window at a picked position ({@link Builder#picks} or {@link Builder#seed}),
     * grids of {@link Builder#grid} (default s).
     *
     * <pre>{@code
     * PoolSpec s3 = PoolSpec.s3pool(2, 2).training().seed(7).build();  // picks drawn once, when prepared
     * }</pre>
     *
     * @param s the pool size per spatial axis, outermost first: 1 to 3 positive values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder s3pool(long... s) {
        return new Builder(PoolOp.S3POOL, s);
    }

    /**
     * Max over each whole (n, c) plane of a {@code rank}-d input (ONNX GlobalMaxPool, Keras GlobalMaxPooling).
     *
     * @param rank the number of spatial axes, 1 to 3
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder globalMax(int rank) {
        return global(PoolOp.MAX, rank);
    }

    /**
     * Average over each whole (n, c) plane (ONNX GlobalAveragePool, the ResNet head).
     *
     * @param rank the number of spatial axes, 1 to 3
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder globalAvg(int rank) {
        return global(PoolOp.AVG, rank);
    }

    /**
     * LP norm over each whole (n, c) plane (ONNX GlobalLpPool: the ABS form by default under every convention).
     *
     * @param p the exponent
     * @param rank the number of spatial axes, 1 to 3
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
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

    /**
     * Adaptive max pooling to {@code outputSize} per spatial axis ({@link #KEEP} keeps the input size).
     *
     * @param outputSize the output length per spatial axis, or {@link #KEEP}
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder adaptiveMax(long... outputSize) {
        return adaptive(PoolOp.MAX, outputSize);
    }

    /**
     * Adaptive average pooling to {@code outputSize} per spatial axis ({@link #KEEP} keeps the input size).
     *
     * @param outputSize the output length per spatial axis, or {@link #KEEP}
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
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
     * @param kernel the window size per spatial axis, outermost first: 1 to 3 values
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder fractionalMax(long... kernel) {
        Builder b = new Builder(PoolOp.MAX, kernel);
        b.windowRule = WindowRule.FRACTIONAL;
        return b;
    }

    /**
     * The operation.
     *
     * @return max, min, average, LP or one of the methods of the literature
     */
    public PoolOp op() {
        return op;
    }
    /**
     * How windows are placed.
     *
     * @return sliding, global, adaptive or fractional
     */
    public WindowRule windowRule() {
        return windowRule;
    }
    /**
     * Mixed pooling's one λ.
     *
     * @return λ as given to {@link #mixed}; 0 for other ops
     */
    public double lambda() {
        return lambda;
    }
    /**
     * Mixed pooling's λ per channel, when given.
     *
     * @return a copy, or empty
     */
    public Optional<float[]> lambdaPerChannel() {
        return Optional.ofNullable(channelLambda).map(float[]::clone);
    }
    /**
     * Whether mixed pooling takes λ per output, given with each run.
     *
     * @return true when set by {@link Builder#lambdaPerOutput()}
     */
    public boolean lambdaPerOutput() {
        return lambdaMap;
    }
    /**
     * Mixed pooling's probability q of λ = 1 when λ is drawn per output.
     *
     * @return q, or empty
     */
    public Optional<Double> lambdaDrawn() {
        return Optional.ofNullable(drawnProbability);
    }
    /**
     * Whether stochastic pooling or S3Pool is in training mode (sampling).
     *
     * @return true when set by {@link Builder#training()}
     */
    public boolean training() {
        return training;
    }
    /**
     * Whether LIP takes logits of one channel, broadcast over the channels.
     *
     * @return true when set by {@link Builder#logitsBroadcast()}
     */
    public boolean logitsBroadcast() {
        return logitsBroadcast;
    }
    /**
     * Whether each run takes a params tensor: mixed λ per output, drawn λ or stochastic training without a seed
     * (uniforms), LIP (logits).
     *
     * @return true when runs need {@link PreparedPool#run(Tensor, Tensor, Tensor, Tensor)} with params
     */
    public boolean takesRunParams() {
        return op == PoolOp.LIP
                || op == PoolOp.MIXED && (lambdaMap || drawnProbability != null && seed == null)
                || op == PoolOp.STOCHASTIC && training && seed == null;
    }
    /**
     * S3Pool's grid size per axis.
     *
     * @return a new array, outermost axis first: as given, else the kernel ({@code s})
     */
    public long[] grid() {
        return grid.clone();
    }
    /**
     * S3Pool's explicit picks, when given.
     *
     * @return a copy, or empty
     */
    public Optional<long[]> picks() {
        return Optional.ofNullable(picks).map(long[]::clone);
    }
    /**
     * GeM's clamp.
     *
     * @return eps, {@value #DEFAULT_GEM_EPS} unless set; 0 for other ops
     */
    public double eps() {
        return eps;
    }
    /**
     * GeM's exponent per channel, when given.
     *
     * @return a copy, or empty
     */
    public Optional<float[]> pPerChannel() {
        return Optional.ofNullable(channelP).map(float[]::clone);
    }
    /**
     * LP pooling's and GeM's exponent (0 for other ops).
     *
     * @return the exponent
     */
    public double p() {
        return p;
    }
    /**
     * The LP formula.
     *
     * @return PyTorch's or ONNX's
     */
    public LpForm lpForm() {
        return lpForm;
    }
    /**
     * How argmax indices are numbered.
     *
     * @return the index format
     */
    public IndexFormat indexFormat() {
        return indexFormat;
    }
    /**
     * Adaptive or fractional output size per spatial axis, when given.
     *
     * @return a copy, or empty
     */
    public Optional<long[]> outputSize() {
        return Optional.ofNullable(outputSize).map(long[]::clone);
    }
    /**
     * Fractional output ratio per spatial axis, when given.
     *
     * @return a copy, or empty
     */
    public Optional<double[]> outputRatio() {
        return Optional.ofNullable(outputRatio).map(double[]::clone);
    }
    /**
     * Fractional samples, when given explicitly: (N, C, rank), in PyTorch's order (see {@link Builder#samples}).
     *
     * @return a copy, or empty
     */
    public Optional<float[]> samples() {
        return Optional.ofNullable(samples).map(float[]::clone);
    }
    /**
     * Fractional seed, when samples are drawn from one.
     *
     * @return the seed, or empty
     */
    public Optional<Long> seed() {
        return Optional.ofNullable(seed);
    }
    /**
     * The number of spatial axes.
     *
     * @return 1, 2 or 3
     */
    public int rank() {
        return kernel.length;
    }
    /**
     * The window size per spatial axis.
     *
     * @return a new array, outermost axis first
     */
    public long[] kernel() {
        return kernel.clone();
    }
    /**
     * The step between windows per spatial axis.
     *
     * @return a new array, outermost axis first
     */
    public long[] stride() {
        return stride.clone();
    }
    /**
     * The step between taps of a window per spatial axis.
     *
     * @return a new array, outermost axis first
     */
    public long[] dilation() {
        return dilation.clone();
    }
    /**
     * Padding before each spatial axis, as given (before auto padding is resolved).
     *
     * @return a new array, outermost axis first
     */
    public long[] padBegin() {
        return padBegin.clone();
    }
    /**
     * Padding after each spatial axis, as given.
     *
     * @return a new array, outermost axis first
     */
    public long[] padEnd() {
        return padEnd.clone();
    }
    /**
     * ONNX's and TensorFlow's automatic padding, or none.
     *
     * @return the auto padding
     */
    public AutoPad autoPad() {
        return autoPad;
    }
    /**
     * Whether a last partial window counts (output sizes rounded up).
     *
     * @return the ceil mode
     */
    public boolean ceilMode() {
        return ceilMode;
    }
    /**
     * What averages divide by.
     *
     * @return the divisor rule
     */
    public AvgDivisor divisor() {
        return divisor;
    }
    /**
     * 0 when the divisor is not overridden.
     *
     * @return the divisor of every average, or 0
     */
    public long divisorOverride() {
        return divisorOverride;
    }
    /**
     * How max and min treat NaN.
     *
     * @return the NaN policy
     */
    public NanPolicy nanPolicy() {
        return nanPolicy;
    }
    /**
     * How exactly averages are computed: {@link Precision#EXACT} (PyTorch's bits, the default) or
     * {@link Precision#RELAXED} (faster, within the bound {@link Precision} states).
     *
     * @return the precision of averages
     */
    public Precision precision() {
        return precision;
    }
    /**
     * The framework whose rules and defaults apply.
     *
     * @return the conventions
     */
    public Conventions conventions() {
        return conventions;
    }

    long kernel(int axis) {
        return kernel[axis];
    }

    long stride(int axis) {
        return stride[axis];
    }

    long dilation(int axis) {
        return dilation[axis];
    }

    long padBegin(int axis) {
        return padBegin[axis];
    }

    long padEnd(int axis) {
        return padEnd[axis];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolSpec s
                && op == s.op
                && windowRule == s.windowRule
                && Arrays.equals(kernel, s.kernel)
                && Arrays.equals(stride, s.stride)
                && Arrays.equals(dilation, s.dilation)
                && Arrays.equals(padBegin, s.padBegin)
                && Arrays.equals(padEnd, s.padEnd)
                && autoPad == s.autoPad
                && ceilMode == s.ceilMode
                && divisor == s.divisor
                && divisorOverride == s.divisorOverride
                && nanPolicy == s.nanPolicy
                && conventions == s.conventions
                && lpForm == s.lpForm
                && Double.compare(p, s.p) == 0
                && indexFormat == s.indexFormat
                && precision == s.precision
                && Arrays.equals(outputSize, s.outputSize)
                && Arrays.equals(outputRatio, s.outputRatio)
                && Arrays.equals(samples, s.samples)
                && Objects.equals(seed, s.seed)
                && Double.compare(eps, s.eps) == 0
                && Arrays.equals(channelP, s.channelP)
                && Double.compare(lambda, s.lambda) == 0
                && Arrays.equals(channelLambda, s.channelLambda)
                && lambdaMap == s.lambdaMap
                && Objects.equals(drawnProbability, s.drawnProbability)
                && training == s.training
                && logitsBroadcast == s.logitsBroadcast
                && Arrays.equals(grid, s.grid)
                && Arrays.equals(picks, s.picks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                op, windowRule, Arrays.hashCode(kernel), Arrays.hashCode(stride), Arrays.hashCode(padBegin), ceilMode);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(op.toString().toLowerCase());
        switch (windowRule) {
            case GLOBAL -> s.insert(0, "global_").append("_pool").append(rank()).append("d(");
            case ADAPTIVE ->
                s.insert(0, "adaptive_")
                        .append("_pool")
                        .append(rank())
                        .append("d(outputSize=")
                        .append(Arrays.toString(outputSize))
                        .append(", ");
            case FRACTIONAL -> {
                s.insert(0, "fractional_")
                        .append("_pool")
                        .append(rank())
                        .append("d(kernel=")
                        .append(Arrays.toString(kernel));
                s.append(
                        outputSize != null
                                ? ", outputSize=" + Arrays.toString(outputSize)
                                : ", outputRatio=" + Arrays.toString(outputRatio));
                s.append(seed != null ? ", seed=" + seed : ", samples=" + samples.length)
                        .append(", ");
            }
            case SLIDING -> {
                s.append("_pool")
                        .append(rank())
                        .append("d(kernel=")
                        .append(Arrays.toString(kernel))
                        .append(", stride=")
                        .append(Arrays.toString(stride));
                if (autoPad != AutoPad.NOTSET) s.append(", autoPad=").append(autoPad);
                else
                    s.append(", padBegin=")
                            .append(Arrays.toString(padBegin))
                            .append(", padEnd=")
                            .append(Arrays.toString(padEnd));
                s.append(", dilation=")
                        .append(Arrays.toString(dilation))
                        .append(", ceilMode=")
                        .append(ceilMode)
                        .append(", ");
            }
        }
        switch (op) {
            case AVG -> {
                if (windowRule == WindowRule.SLIDING)
                    s.append("divisor=").append(divisor).append(", ");
                if (divisorOverride != 0)
                    s.append("divisorOverride=").append(divisorOverride).append(", ");
                if (precision != Precision.EXACT)
                    s.append("precision=").append(precision).append(", ");
            }
            case LP ->
                s.append("p=").append(p).append(", lpForm=").append(lpForm).append(", ");
            case SOFT -> {}
            case MIXED -> {
                s.append(
                        channelLambda != null
                                ? "lambdaPerChannel=" + Arrays.toString(channelLambda)
                                : lambdaMap
                                        ? "lambdaPerOutput"
                                        : drawnProbability != null
                                                ? "lambdaDrawn=" + drawnProbability
                                                        + (seed != null ? ", seed=" + seed : "")
                                                : "lambda=" + lambda);
                s.append(", divisor=")
                        .append(divisor)
                        .append(", nanPolicy=")
                        .append(nanPolicy)
                        .append(", indexFormat=")
                        .append(indexFormat)
                        .append(", ");
            }
            case STOCHASTIC ->
                s.append(training ? "training" + (seed != null ? ", seed=" + seed : "") : "inference")
                        .append(", ");
            case LIP -> s.append(logitsBroadcast ? "logitsBroadcast, " : "");
            case S3POOL ->
                s.append("grid=")
                        .append(Arrays.toString(grid))
                        .append(training ? picks != null ? ", picks=" + picks.length : ", seed=" + seed : ", inference")
                        .append(", indexFormat=")
                        .append(indexFormat)
                        .append(", ");
            case GEM ->
                s.append(channelP != null ? "pPerChannel=" + Arrays.toString(channelP) : "p=" + p)
                        .append(", eps=")
                        .append(eps)
                        .append(", ");
            default ->
                s.append("nanPolicy=")
                        .append(nanPolicy)
                        .append(", indexFormat=")
                        .append(indexFormat)
                        .append(", ");
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
        private Precision precision;
        private Conventions conventions = Conventions.PYTORCH;
        private WindowRule windowRule = WindowRule.SLIDING;
        private double p;
        private LpForm lpForm;
        private IndexFormat indexFormat;
        private long[] outputSize;
        private double[] outputRatio;
        private float[] samples;
        private Long seed;
        private Double eps;
        private float[] channelP;
        private double lambda;
        private float[] channelLambda;
        private boolean lambdaMap;
        private Double drawnProbability;
        private boolean training;
        private boolean logitsBroadcast;
        private long[] grid;
        private long[] picks;

        private Builder(PoolOp op, long[] kernel) {
            this.op = Objects.requireNonNull(op);
            this.kernel = Objects.requireNonNull(kernel, "kernel").clone();
        }

        /**
         * The step between windows per spatial axis (default: the kernel).
         *
         * @param stride one value per spatial axis, each positive
         * @return this builder
         */
        public Builder stride(long... stride) {
            this.stride = stride.clone();
            return this;
        }
        /**
         * The step between taps of a window per spatial axis (default 1).
         *
         * @param dilation one value per spatial axis, each positive
         * @return this builder
         */
        public Builder dilation(long... dilation) {
            this.dilation = dilation.clone();
            return this;
        }
        /**
         * Symmetric padding, PyTorch style: the same amount at both ends of each axis.
         *
         * @param padding one value per spatial axis
         * @return this builder
         */
        public Builder padding(long... padding) {
            this.padBegin = padding.clone();
            this.padEnd = padding.clone();
            return this;
        }
        /**
         * Asymmetric padding, ONNX {@code pads} style.
         *
         * @param begin padding before each spatial axis
         * @param end padding after each spatial axis
         * @return this builder
         */
        public Builder padding(long[] begin, long[] end) {
            this.padBegin = begin.clone();
            this.padEnd = end.clone();
            return this;
        }
        /**
         * ONNX's {@code auto_pad} or TensorFlow's {@code padding}: padding computed from the input size.
         *
         * @param autoPad the rule
         * @return this builder
         */
        public Builder autoPad(AutoPad autoPad) {
            this.autoPad = Objects.requireNonNull(autoPad);
            return this;
        }
        /**
         * Whether a last partial window counts (PyTorch {@code ceil_mode}, ONNX {@code ceil_mode}).
         *
         * @param ceilMode true to round output sizes up
         * @return this builder
         */
        public Builder ceilMode(boolean ceilMode) {
            this.ceilMode = ceilMode;
            return this;
        }
        /**
         * What averages divide by (default: the conventions').
         *
         * @param divisor the rule
         * @return this builder
         */
        public Builder divisor(AvgDivisor divisor) {
            this.divisor = Objects.requireNonNull(divisor);
            return this;
        }
        /**
         * PyTorch {@code count_include_pad}.
         *
         * @param include true to count padding in the divisor
         * @return this builder
         */
        public Builder countIncludePad(boolean include) {
            return divisor(include ? AvgDivisor.INCLUDE_PADDING : AvgDivisor.EXCLUDE_PADDING);
        }
        /**
         * PyTorch's {@code divisor_override}: every average divides by this.
         *
         * @param divisor positive, or 0 for none
         * @return this builder
         */
        public Builder divisorOverride(long divisor) {
            this.divisorOverride = divisor;
            return this;
        }
        /**
         * How max and min treat NaN (default: the conventions').
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder nanPolicy(NanPolicy policy) {
            this.nanPolicy = Objects.requireNonNull(policy);
            return this;
        }
        /**
         * How exactly averages are computed (default {@link Precision#EXACT}: PyTorch's bits).
         * {@link Precision#RELAXED} trades the bit pattern for speed, within the bound {@link Precision} states:
         * <pre>{@code
         * PoolSpec fast = PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1).precision(Precision.RELAXED).build();
         * }</pre>
         *
         * @param precision the precision; average pooling only
         * @return this builder
         */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision);
            return this;
        }
        /**
         * The framework whose rules and defaults apply (default PyTorch's).
         *
         * @param conventions the conventions
         * @return this builder
         */
        public Builder conventions(Conventions conventions) {
            this.conventions = Objects.requireNonNull(conventions);
            return this;
        }
        /**
         * The LP formula (default: the conventions').
         *
         * @param form the form
         * @return this builder
         */
        public Builder lpForm(LpForm form) {
            this.lpForm = Objects.requireNonNull(form);
            return this;
        }
        /**
         * The argmax numbering of max and min pooling (default: the conventions').
         *
         * @param format the format
         * @return this builder
         */
        public Builder indexFormat(IndexFormat format) {
            this.indexFormat = Objects.requireNonNull(format);
            return this;
        }
        /**
         * Fractional pooling's output size per spatial axis.
         *
         * @param size one value per spatial axis
         * @return this builder
         */
        public Builder outputSize(long... size) {
            this.outputSize = size.clone();
            return this;
        }
        /**
         * Fractional pooling's output size as a fraction of the input, per axis: {@code (long) (L * ratio)}.
         *
         * @param ratio one value per spatial axis, in (0, 1)
         * @return this builder
         */
        public Builder outputRatio(double... ratio) {
            this.outputRatio = ratio.clone();
            return this;
        }
        /**
         * Fractional pooling's samples, PyTorch's {@code _random_samples} in memory order: shape (N, C, rank), each in
         * [0, 1); as in PyTorch, entry 0 of each (n, c) drives W and 1 drives H in 1d/2d, but 0 drives D, 1 H and 2 W
         * in 3d.
         * @param samples N * C * rank values
         * @return this builder
         */
        public Builder samples(float... samples) {
            this.samples = samples.clone();
            return this;
        }
        /**
         * Random choices drawn from {@code seed} once, when the operation is prepared, and reused by every run:
         * fractional pooling's samples, mixed pooling's drawn λ ({@link #lambdaDrawn}), stochastic pooling's and S3Pool's
         * choices in {@link #training}. Reproducible, whatever the layout.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * GeM's clamp: each tap counts as {@code max(x, eps)}.
         *
         * @param eps positive and finite (default {@value PoolSpec#DEFAULT_GEM_EPS})
         * @return this builder
         */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }
        /**
         * GeM's exponent per channel (a learned p per channel), replacing the one p.
         *
         * @param p one exponent per channel of the input (checked when prepared), each positive and finite
         * @return this builder
         */
        public Builder pPerChannel(float... p) {
            this.channelP = p.clone();
            return this;
        }

        /**
         * Mixed pooling: one λ per channel, replacing the one λ.
         *
         * @param lambda one finite λ per channel of the input (checked when prepared)
         * @return this builder
         */
        public Builder lambdaPerChannel(float... lambda) {
            this.channelLambda = lambda.clone();
            return this;
        }
        /**
         * Mixed pooling: λ per output element (gated pooling), given as the params tensor (the output's shape and
         * strides, every value finite) of each run.
         *
         * @return this builder
         */
        public Builder lambdaPerOutput() {
            this.lambdaMap = true;
            return this;
        }
        /**
         * Mixed pooling: λ drawn per output, 1 with probability {@code q}: {@code λ = u < q ? 1 : 0} for uniforms {@code u}
         * given as the params tensor of each run, or drawn once from {@link #seed}.
         *
         * @param q the probability of λ = 1, in [0, 1]
         * @return this builder
         */
        public Builder lambdaDrawn(double q) {
            this.drawnProbability = q;
            return this;
        }
        /**
         * Training mode. Stochastic pooling: a tap sampled per output from uniforms in [0, 1) given with each run, or drawn
         * once from {@link #seed}. S3Pool: each output's window at a picked position, from {@link #picks} or
         * {@link #seed} (exactly one of them).
         *
         * @return this builder
         */
        public Builder training() {
            this.training = true;
            return this;
        }
        /**
         * LIP: logits of shape [N, 1, spatial...], dense, shared by the channels (default: the input's shape and strides).
         *
         * @return this builder
         */
        public Builder logitsBroadcast() {
            this.logitsBroadcast = true;
            return this;
        }

        /**
         * S3Pool: the grid size per axis; each grid of g positions holds g/s picks.
         *
         * @param grid one value per spatial axis, each a positive multiple of s (default s)
         * @return this builder
         */
        public Builder grid(long... grid) {
            this.grid = grid.clone();
            return this;
        }
        /**
         * S3Pool in training: the picked positions, per image the output count of positions of each spatial axis in turn
         * (outermost first), each axis's strictly increasing, each grid of g positions holding g/s of them (the last,
         * of r, ceil(r/s)).
         *
         * @param picks N times the sum of the output sizes of the spatial axes, as positions along their axis (checked
         *        when prepared)
         * @return this builder
         */
        public Builder picks(long... picks) {
            this.picks = picks.clone();
            return this;
        }

        /**
         * Validates the parameters against each other (not against a shape: that is {@link Pooling#prepare}'s work).
         *
         * @return the immutable spec
         */
        public PoolSpec build() {
            return new PoolSpec(this);
        }
    }
}
