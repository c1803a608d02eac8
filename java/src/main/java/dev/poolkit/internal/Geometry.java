package dev.poolkit.internal;

import dev.poolkit.AutoPad;
import dev.poolkit.AvgDivisor;
import dev.poolkit.IndexFormat;
import dev.poolkit.Layout;
import dev.poolkit.LpForm;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.PoolSpec;
import dev.poolkit.Precision;
import dev.poolkit.WindowRule;
import dev.poolkit.internal.ffi.PoolkitFFI;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A pooling problem resolved against one input shape: padding, global and adaptive windows and fractional
 * samples resolved, output sizes computed, everything validated, and the problem normalized to three spatial
 * axes (d, h, w; missing outer axes have size 1) with element strides of both tensors. The Java mirror of the
 * native {@code pk_plan}.
 */
public final class Geometry {
    public static final int N = 0, C = 1, D = 2, H = 3, W = 4;
    /** The largest size, kernel, stride, dilation, padding and element stride accepted: PK_MAX_EXTENT of poolkit.h. */
    public static final long MAX_EXTENT = PoolkitFFI.PK_MAX_EXTENT();
    /** Averages over windows of more than this many taps sum in double: PK_AVG_WIDE_TAPS of poolkit.h. */
    public static final long AVG_WIDE_TAPS = PoolkitFFI.PK_AVG_WIDE_TAPS();

    public final PoolOp op;
    public final WindowRule windowRule;
    public final LpForm lpForm;
    public final double p;
    public final IndexFormat indexFormat;
    /** Fractional windows: (n, c, rank) samples in PyTorch's order; null otherwise. */
    public final float[] samples;

    public final Layout layout;
    public final int rank;
    public final AvgDivisor divisor;
    public final long divisorOverride;
    /** The spec's ceil mode, with which the sliding output sizes were resolved; false for the other window rules. */
    public final boolean ceilMode;

    public final NanPolicy nanPolicy;
    /** Averages only: EXACT for every other op. */
    public final Precision precision;
    /** GeM: the clamp, and one p per channel (null: the scalar {@link #p}). */
    public final double eps;

    public final float[] channelP;
    /** Methods: where the varying parameter comes from, as the native PK_PARAMS_* codes. */
    public static final int PARAMS_SCALAR = 0,
            PARAMS_PER_CHANNEL = 1,
            PARAMS_OUTPUT_MAP = 2,
            PARAMS_UNIFORMS = 3,
            PARAMS_INPUT_MAP = 4,
            PARAMS_CHANNEL_BROADCAST = 5,
            PARAMS_PICKS = 6;

    public final int paramsMode;
    /** Parameters fixed by the spec (GeM's p or mixed λ per channel, uniforms drawn from a seed), or null. */
    public final float[] fixedParams;
    /** Whether each run takes a params tensor (λ map, uniforms, logits). */
    public final boolean runParams;
    /** Mixed pooling: one λ, and q for drawn λ. */
    public final double lambda, probability;

    public final long batch, channels;
    /** Per normalized axis d, h, w. */
    public final long[] in = new long[3],
            out = new long[3],
            kernel = new long[3],
            stride = new long[3],
            dilation = new long[3],
            padBegin = new long[3],
            padEnd = new long[3];
    /** Element strides of n, c, d, h, w. */
    public final long[] inStride = new long[5], outStride = new long[5];
    /** Elements a buffer must hold (largest offset + 1); the element counts for dense tensors. */
    public final long inExtent, outExtent;
    /** Both tensors dense in the layout. */
    public final boolean dense;

    public final long[] inputShape, outputShape;
    public final long inputCount, outputCount;
    /** Rows a run can be split into: per (n, c, d, h) for channels first, per (n, d, h) for channels last. */
    public final long rows;
    /**
     * An average whose kernel volume (longest adaptive bin) exceeds {@link #AVG_WIDE_TAPS}: its taps add in double, in
     * row-major order, and the quotient is rounded to float once, as the native kernels do.
     */
    public final boolean wideAverage;

    private Geometry(PoolSpec spec, Layout layout, long[] inputShape, long[] inputStrides, long[] outputStrides) {
        this.op = spec.op();
        this.windowRule = spec.windowRule();
        this.lpForm = spec.lpForm();
        this.p = spec.p();
        this.indexFormat = spec.indexFormat();
        this.layout = layout;
        this.rank = spec.rank();
        this.divisor = windowRule == WindowRule.SLIDING ? spec.divisor() : AvgDivisor.EXCLUDE_PADDING;
        this.divisorOverride = spec.divisorOverride();
        this.ceilMode = windowRule == WindowRule.SLIDING && spec.ceilMode();
        this.nanPolicy = spec.nanPolicy();
        this.precision = spec.precision();
        this.eps = spec.eps();
        this.channelP = spec.pPerChannel().orElse(null);
        this.inputShape = inputShape.clone();
        if (inputShape.length != rank + 2) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + " has "
                    + (inputShape.length - 2) + " spatial dimensions but the spec has " + rank);
        }
        this.inputCount = countAllowingEmpty("input shape", inputShape);
        this.batch = inputShape[0];
        this.channels = inputShape[1];
        if (channelP != null && channelP.length != channels) {
            throw new IllegalArgumentException("pPerChannel has " + channelP.length + " values: the input "
                    + Arrays.toString(inputShape) + " has " + channels + " channels");
        }
        this.outputShape = new long[rank + 2];
        outputShape[0] = batch;
        outputShape[1] = channels;
        for (int a = 0; a < 3; a++) {
            int i = a - (3 - rank); // axis of the spec, < 0 for the padded outer axes
            if (i < 0) {
                in[a] = out[a] = kernel[a] = stride[a] = dilation[a] = 1;
                continue;
            }
            in[a] = inputShape[i + 2];
            stride[a] = dilation[a] = 1;
            switch (windowRule) {
                case SLIDING -> slidingAxis(spec, a, i);
                case GLOBAL -> {
                    kernel[a] = in[a];
                    out[a] = 1;
                }
                case ADAPTIVE -> {
                    long requested = spec.outputSize().orElseThrow()[i];
                    out[a] = requested == PoolSpec.KEEP ? in[a] : requested;
                    kernel[a] =
                            in[a] % out[a] == 0 ? in[a] / out[a] : Math.min(in[a], in[a] / out[a] + 2); // longest bin
                }
                case FRACTIONAL -> fractionalAxis(spec, a, i);
            }
            outputShape[i + 2] = out[a];
        }
        this.outputCount = countAllowingEmpty("output shape", outputShape);
        this.samples = windowRule == WindowRule.FRACTIONAL ? samples(spec) : null;
        long[] denseIn = denseStrides(in), denseOut = denseStrides(out);
        this.inExtent = resolveStrides("input", inputStrides, inputShape, in, denseIn, inStride, false);
        this.outExtent = resolveStrides("output", outputStrides, outputShape, out, denseOut, outStride, true);
        this.dense = Arrays.equals(inStride, denseIn) && Arrays.equals(outStride, denseOut);
        this.lambda = spec.lambda();
        this.probability = spec.lambdaDrawn().orElse(0.0);
        this.runParams = spec.takesRunParams();
        float[] channelLambda = spec.lambdaPerChannel().orElse(null);
        if (channelLambda != null && channelLambda.length != channels) {
            throw new IllegalArgumentException("lambdaPerChannel has " + channelLambda.length + " values: the input "
                    + Arrays.toString(inputShape) + " has " + channels + " channels");
        }
        boolean uniforms =
                op == PoolOp.MIXED && spec.lambdaDrawn().isPresent() || op == PoolOp.STOCHASTIC && spec.training();
        boolean s3Training = op == PoolOp.S3POOL && spec.training();
        this.paramsMode = s3Training
                ? PARAMS_PICKS
                : channelP != null || channelLambda != null
                        ? PARAMS_PER_CHANNEL
                        : uniforms
                                ? PARAMS_UNIFORMS
                                : op == PoolOp.MIXED && spec.lambdaPerOutput()
                                        ? PARAMS_OUTPUT_MAP
                                        : op == PoolOp.LIP
                                                ? (spec.logitsBroadcast() ? PARAMS_CHANNEL_BROADCAST : PARAMS_INPUT_MAP)
                                                : PARAMS_SCALAR;
        this.fixedParams = s3Training
                ? s3Picks(spec)
                : channelP != null
                        ? channelP
                        : channelLambda != null
                                ? channelLambda
                                : uniforms && spec.seed().isPresent()
                                        ? drawUniforms(spec.seed().get())
                                        : null;
        this.rows = batch * out[0] * out[1] * (layout == Layout.NCHW ? channels : 1);
        this.wideAverage = op == PoolOp.AVG
                && BigInteger.valueOf(kernel[0])
                                .multiply(BigInteger.valueOf(kernel[1]))
                                .multiply(BigInteger.valueOf(kernel[2]))
                                .compareTo(BigInteger.valueOf(AVG_WIDE_TAPS))
                        > 0;
    }

    private void slidingAxis(PoolSpec spec, int a, int i) {
        long size = in[a];
        long k = spec.kernel()[i], s = spec.stride()[i], d = spec.dilation()[i];
        long effective;
        try { // the native rule: an effective kernel must stay below 2^40
            effective = Math.addExact(Math.multiplyExact(d, k - 1), 1);
        } catch (ArithmeticException e) {
            effective = Long.MAX_VALUE;
        }
        if (effective > MAX_EXTENT) {
            throw new IllegalArgumentException("dilation[" + i + "] = " + d + " with kernel[" + i + "] = " + k
                    + ": the effective kernel dilation*(kernel-1)+1 must be at most 2^40");
        }
        long begin = spec.padBegin()[i], end = spec.padEnd()[i];
        if (spec.autoPad() == AutoPad.SAME_UPPER || spec.autoPad() == AutoPad.SAME_LOWER) {
            long o = (size + s - 1) / s;
            long total = Math.max((o - 1) * s + effective - size, 0);
            begin = spec.autoPad() == AutoPad.SAME_UPPER ? total / 2 : (total + 1) / 2;
            end = total - begin;
        } else if (spec.autoPad() == AutoPad.VALID) {
            begin = end = 0;
        }
        long o = outputSize(size, k, s, d, begin, end, spec.ceilMode());
        if (o < 1) {
            throw new IllegalArgumentException("kernel[" + i + "] = " + k
                    + (d > 1 ? " (effective " + effective + " with dilation " + d + ")" : "")
                    + " does not fit the padded input along spatial axis " + i + " (" + size + " + " + begin
                    + " + " + end + " = " + (size + begin + end) + ")");
        }
        out[a] = o;
        kernel[a] = k;
        stride[a] = s;
        dilation[a] = d;
        padBegin[a] = begin;
        padEnd[a] = end;
    }

    private void fractionalAxis(PoolSpec spec, int a, int i) {
        long k = spec.kernel()[i];
        long o = spec.outputSize().isPresent()
                ? spec.outputSize().get()[i]
                : (long) (in[a] * spec.outputRatio().get()[i]);
        if (k > in[a]) {
            throw new IllegalArgumentException("kernel[" + i + "] = " + k
                    + " is larger than the input along spatial axis " + i + " (" + in[a] + ")");
        }
        if (o < 1 || o + k - 1 > in[a]) {
            throw new IllegalArgumentException("fractional output size " + o + " along spatial axis " + i
                    + ": needs 1 <= output and output + kernel - 1 <= input (" + o + " + " + k + " - 1 > " + in[a]
                    + ")");
        }
        out[a] = o;
        kernel[a] = k;
    }

    private float[] samples(PoolSpec spec) {
        long count = batch * channels * rank;
        if (spec.samples().isPresent()) {
            float[] given = spec.samples().get();
            if (given.length != count) {
                throw new IllegalArgumentException("samples has " + given.length + " values: the input "
                        + Arrays.toString(inputShape) + " needs N*C*rank = " + count);
            }
            return given;
        }
        if (count > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("N*C*rank = " + count + " samples exceed an array");
        SplittableRandom random = new SplittableRandom(spec.seed().orElseThrow());
        float[] drawn = new float[(int) count];
        for (int j = 0; j < drawn.length; j++) drawn[j] = (random.nextInt(1 << 24)) * 0x1.0p-24f; // uniform in [0, 1)
        return drawn;
    }

    /**
     * One uniform in [0, 1) per output element, drawn in logical order (n, c, spatial row-major) and stored at the
     * element's offset in the output's extent, so that both layouts and dense and strided outputs of one problem get the
     * same draw for the same element.
     */
    private float[] drawUniforms(long seed) {
        if (outExtent > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(outExtent + " uniforms exceed an array");
        SplittableRandom random = new SplittableRandom(seed);
        float[] drawn = new float[(int) outExtent];
        long[] coordinate = new long[rank + 2]; // n, c, spatial..., counted in logical order
        for (long j = 0; j < outputCount; j++) {
            long offset = coordinate[0] * outStride[N] + coordinate[1] * outStride[C];
            for (int i = 0; i < rank; i++) offset += coordinate[2 + i] * outStride[D + 3 - rank + i];
            drawn[(int) offset] = random.nextInt(1 << 24) * 0x1.0p-24f;
            for (int i = rank + 1; i >= 0 && ++coordinate[i] == outputShape[i]; i--) coordinate[i] = 0;
        }
        return drawn;
    }

    /**
     * S3Pool's picks as the native code takes them: per image, each real axis's output count of positions in turn. Explicit
     * picks are checked (count, order, range, and g/s per grid of g, ceil(r/s) in a last grid of r); a seed draws them per
     * image, axis and grid by ordered sampling without replacement (selection sampling: position t of a grid of m
     * positions is taken with probability needed / (m - t)).
     */
    private float[] s3Picks(PoolSpec spec) {
        long perImage = 0;
        for (int a = 3 - rank; a < 3; a++) perImage += out[a];
        long count = Math.multiplyExact(batch, perImage);
        if (count > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(count + " picks exceed an array");
        float[] picks = new float[(int) count];
        long[] given = spec.picks().orElse(null);
        if (given != null && given.length != count) {
            throw new IllegalArgumentException("picks has " + given.length + " values: the input "
                    + Arrays.toString(inputShape) + " needs N * (sum of output sizes) = " + count);
        }
        SplittableRandom random =
                given == null ? new SplittableRandom(spec.seed().orElseThrow()) : null;
        long[] grid = spec.grid();
        int at = 0;
        for (long n = 0; n < batch; n++) {
            for (int a = 3 - rank; a < 3; a++) {
                long size = in[a], s = kernel[a], g = grid[a - (3 - rank)];
                int axisStart = at;
                for (long begin = 0; begin < size; begin += g) {
                    long m = Math.min(g, size - begin), needed = (m + s - 1) / s;
                    if (given == null) {
                        for (long t = 0; t < m && needed > 0; t++) {
                            if (random.nextDouble() * (m - t) < needed) {
                                picks[at++] = begin + t;
                                needed--;
                            }
                        }
                    } else {
                        for (long k = 0; k < needed; k++, at++) {
                            long v = given[at];
                            if (v < begin || v >= begin + m || (at > axisStart && v <= given[at - 1])) {
                                throw new IllegalArgumentException(
                                        "picks[" + at + "] = " + v + ": image " + n + ", spatial axis "
                                                + (a - (3 - rank)) + " needs " + needed + " increasing positions in ["
                                                + begin + ", " + (begin + m)
                                                + ") (grid " + g + ", s = " + s + ")");
                            }
                            picks[at] = v;
                        }
                    }
                }
            }
        }
        return picks;
    }

    /** Elements of the params tensor each run takes (0 when none): output's or input's extent, or N * plane for broadcast logits. */
    public long runParamsExtent() {
        if (!runParams) return 0;
        return switch (paramsMode) {
            case PARAMS_INPUT_MAP -> inExtent;
            case PARAMS_CHANNEL_BROADCAST -> batch * in[0] * in[1] * in[2];
            default -> outExtent;
        };
    }

    /** Validates a prepared problem with the dense strides of its layout. */
    public static Geometry of(PoolSpec spec, Layout layout, long[] inputShape) {
        return new Geometry(spec, layout, inputShape, null, null);
    }

    /** Validates a prepared problem over strided views ({@code null} strides: dense); strides are N, C, spatial. */
    public static Geometry of(
            PoolSpec spec, Layout layout, long[] inputShape, long[] inputStrides, long[] outputStrides) {
        return new Geometry(spec, layout, inputShape, inputStrides, outputStrides);
    }

    /**
     * Output length along one axis, PyTorch/ONNX rule: {@code floor((L + pb + pe - ke [+ s-1 with ceil]) / s) + 1},
     * minus one in ceil mode when the last window would start inside the end padding. Below 1 when the window
     * does not fit.
     */
    public static long outputSize(
            long in, long kernel, long stride, long dilation, long padBegin, long padEnd, boolean ceil) {
        // pk_pool_output_size's rule exactly: -1 for invalid arguments, 0 when the effective kernel passes the limit
        if (in < 1 || kernel < 1 || stride < 1 || dilation < 1 || padBegin < 0 || padEnd < 0) return -1;
        if (in > MAX_EXTENT
                || kernel > MAX_EXTENT
                || stride > MAX_EXTENT
                || dilation > MAX_EXTENT
                || padBegin > MAX_EXTENT
                || padEnd > MAX_EXTENT) {
            return -1;
        }
        if (Math.multiplyHigh(dilation, kernel - 1) != 0
                || dilation * (kernel - 1) < 0
                || dilation * (kernel - 1) >= MAX_EXTENT) {
            return 0; // the product overflows 64 bits (as __builtin_mul_overflow sees it) or passes the limit
        }
        // rounded toward -infinity as PyTorch does: in ceil mode the added stride - 1 can accept a window
        // that overhangs the end padding; every term is below 2^41, so nothing overflows
        long numerator = in + padBegin + padEnd - (dilation * (kernel - 1) + 1) + (ceil ? stride - 1 : 0);
        if (numerator < 0) return 0;
        long o = numerator / stride + 1;
        if (ceil && (o - 1) * stride >= in + padBegin) o--;
        return o;
    }

    /** Element count of a shape whose dimensions must all be positive, and whose bytes must fit a long. */
    /**
     * As {@link #elementCount}, but N or C may be 0 (an empty batch, no channels: PyTorch gives an empty output);
     * the other dimensions are checked as usual.
     */
    public static long countAllowingEmpty(String name, long[] shape) {
        if (shape.length >= 3 && shape[0] >= 0 && shape[1] >= 0 && (shape[0] == 0 || shape[1] == 0)) {
            long[] nonEmpty = shape.clone();
            nonEmpty[0] = Math.max(1, shape[0]);
            nonEmpty[1] = Math.max(1, shape[1]);
            elementCount(name, nonEmpty);
            return 0;
        }
        return elementCount(name, shape);
    }

    public static long elementCount(String name, long[] shape) {
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + shape[i] + " in " + Arrays.toString(shape)
                        + ": every dimension must be positive");
            }
            if (shape[i] > MAX_EXTENT) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + shape[i] + " in " + Arrays.toString(shape)
                        + ": every dimension must be at most 2^40");
            }
            try {
                count = Math.multiplyExact(count, shape[i]);
                Math.multiplyExact(count, 8L);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(name + " " + Arrays.toString(shape) + ": size overflows a long");
            }
        }
        return count;
    }

    private long[] denseStrides(long[] size) {
        long[] st = new long[5];
        if (layout == Layout.NCHW) {
            st[W] = 1;
            st[H] = size[2];
            st[D] = size[1] * size[2];
            st[C] = size[0] * size[1] * size[2];
            st[N] = channels * st[C];
        } else {
            st[C] = 1;
            st[W] = channels;
            st[H] = size[2] * channels;
            st[D] = size[1] * size[2] * channels;
            st[N] = size[0] * st[D];
        }
        return st;
    }

    /**
     * Fills {@code st} (n, c, d, h, w) from strides given in logical order (N, C, spatial...), or the dense ones;
     * returns the extent. Strides of size-1 axes are free, so a dense view described with other values for them
     * still counts as dense.
     */
    private long resolveStrides(
            String name, long[] given, long[] shape, long[] spatial, long[] denseSt, long[] st, boolean output) {
        if (given == null) {
            System.arraycopy(denseSt, 0, st, 0, 5);
            return countAllowingEmpty(name + " shape", shape);
        }
        if (given.length != shape.length) {
            throw new IllegalArgumentException(name + " strides " + Arrays.toString(given) + " have " + given.length
                    + " entries: expected " + shape.length + " (N, C and each spatial axis)");
        }
        long[] size = {shape[0], shape[1], spatial[0], spatial[1], spatial[2]};
        st[N] = given[0];
        st[C] = given[1];
        for (int a = 0; a < 3; a++) st[D + a] = a - (3 - rank) < 0 ? 1 : given[2 + a - (3 - rank)];
        long last = 0;
        for (int k = 0; k < 5; k++) {
            if (st[k] < 1 || st[k] > MAX_EXTENT) {
                throw new IllegalArgumentException(name + " strides " + Arrays.toString(given)
                        + ": every stride must be positive" + (st[k] > MAX_EXTENT ? " and at most 2^40" : ""));
            }
            try {
                last = Math.addExact(last, Math.multiplyExact(st[k], size[k] - 1));
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        name + " strides " + Arrays.toString(given) + ": extent overflows a long");
            }
        }
        if (last > Long.MAX_VALUE / 8 - 1) {
            throw new IllegalArgumentException(
                    name + " strides " + Arrays.toString(given) + ": extent overflows a long");
        }
        if (output && !nonOverlapping(size, st)) {
            throw new IllegalArgumentException(name + " strides " + Arrays.toString(given) + " for shape "
                    + Arrays.toString(shape) + ": elements overlap, so one would overwrite another");
        }
        boolean denseView = true;
        for (int k = 0; k < 5; k++) denseView &= size[k] == 1 || st[k] == denseSt[k];
        if (denseView) System.arraycopy(denseSt, 0, st, 0, 5);
        return last + 1;
    }

    /** Whether a view's elements (logical shape and strides, N, C, spatial...) are all distinct, by the native rule. */
    public static boolean nonOverlappingView(long[] shape, long[] strides) {
        return nonOverlapping(shape, strides);
    }

    /** Axes sorted by stride, each stride exceeds the extent of those below it (as the native check). */
    private static boolean nonOverlapping(long[] size, long[] st) {
        Integer[] order =
                IntStream.range(0, size.length).filter(k -> size[k] > 1).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (x, y) -> Long.compare(st[x], st[y]));
        long extent = 1;
        for (int k : order) {
            if (st[k] < extent) return false;
            extent = st[k] * (size[k] - 1) + extent;
        }
        return true;
    }

    /** The window of output {@code o} along sliding or adaptive axis {@code a}: {origin, first, last, padded}. */
    public long[] window(int a, long o) {
        if (windowRule == WindowRule.ADAPTIVE) {
            long start = mulDiv(o, in[a], out[a], false), end = mulDiv(o + 1, in[a], out[a], true);
            return new long[] {start, 0, end - start, end - start};
        }
        long start = o * stride[a] - padBegin[a]; // always < the input size
        long d = dilation[a];
        long f = start < 0 ? Math.ceilDiv(-start, d) : 0;
        long last = Math.max(f, Math.min(kernel[a], Math.ceilDiv(in[a] - start, d)));
        long padded = Math.min(kernel[a], Math.ceilDiv(in[a] + padEnd[a] - start, d));
        return new long[] {start, f, last, padded};
    }

    /**
     * Taps inside the input summed over the windows along axis {@code a}, in closed form: sliding windows hold
     * {@code C(L + pb - o*s) - C(pb - o*s)} taps with {@code C(x) = clamp(ceil(x/d), 0, k)}; adaptive bins
     * {@code L + O - gcd(L, O)} in all; fractional windows {@code k} each.
     */
    public BigInteger tapsAlong(int a) {
        BigInteger outs = BigInteger.valueOf(out[a]);
        return switch (windowRule) {
            case FRACTIONAL -> outs.multiply(BigInteger.valueOf(kernel[a]));
            case ADAPTIVE ->
                BigInteger.valueOf(in[a])
                        .add(outs)
                        .subtract(BigInteger.valueOf(in[a]).gcd(outs));
            default -> clampedCeilSum(in[a] + padBegin[a], a).subtract(clampedCeilSum(padBegin[a], a));
        };
    }

    /** The sum over outputs o of {@code clamp(ceil((x - o*s)/d), 0, k)} along axis {@code a}. */
    private BigInteger clampedCeilSum(long x, int a) {
        long k = kernel[a], s = stride[a], d = dilation[a], outs = out[a];
        long reach = x - (k - 1) * d; // the value is k while o*s < reach
        long full = reach > 0 ? Math.min(outs, Math.ceilDiv(reach, s)) : 0;
        long positive = x > 0 ? Math.min(outs, Math.ceilDiv(x, s)) : 0; // and at least 1 while o*s < x
        BigInteger sum = BigInteger.valueOf(k).multiply(BigInteger.valueOf(full));
        if (positive > full) { // ceil((x - o*s)/d) for o in [full, positive), counted from the last as i = positive-1-o
            long base = x - (positive - 1) * s + d - 1;
            sum = sum.add(floorSum(
                    BigInteger.valueOf(positive - full),
                    BigInteger.valueOf(d),
                    BigInteger.valueOf(s),
                    BigInteger.valueOf(base)));
        }
        return sum;
    }

    /** The sum over i in [0, n) of floor((a*i + b) / m), for a, b >= 0 and m > 0, in O(log) steps. */
    static BigInteger floorSum(BigInteger n, BigInteger m, BigInteger a, BigInteger b) {
        BigInteger sum = BigInteger.ZERO;
        while (true) {
            if (a.compareTo(m) >= 0) {
                sum = sum.add(
                        n.multiply(n.subtract(BigInteger.ONE)).shiftRight(1).multiply(a.divide(m)));
                a = a.mod(m);
            }
            if (b.compareTo(m) >= 0) {
                sum = sum.add(n.multiply(b.divide(m)));
                b = b.mod(m);
            }
            BigInteger top = a.multiply(n).add(b);
            if (top.compareTo(m) < 0) return sum;
            n = top.divide(m);
            b = top.mod(m);
            BigInteger t = m;
            m = a;
            a = t;
        }
    }

    /** {@code a*b/c} rounded down or up, exact beyond 64-bit products. */
    private static long mulDiv(long a, long b, long c, boolean ceil) {
        if (Math.multiplyHigh(a, b) == 0 && a * b >= 0) return ceil ? Math.ceilDiv(a * b, c) : a * b / c;
        BigInteger[] qr =
                BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        return qr[0].longValueExact() + (ceil && qr[1].signum() != 0 ? 1 : 0);
    }

    /** Start of fractional window {@code o} along axis {@code a} with sample {@code u}: PyTorch's rule, in float. */
    public long fractionalStart(int a, long o, float u) {
        if (o == out[a] - 1) return in[a] - kernel[a];
        float alpha = (float) (in[a] - kernel[a]) / (float) (out[a] - 1);
        // from 2^23 elements on, float rounding can push a start past the last window that fits
        return Math.min((long) ((o + u) * alpha) - (long) (u * alpha), in[a] - kernel[a]);
    }

    /** Storage offset of the output element that a dense tensor of this layout holds at {@code denseOffset}. */
    public long outputOffset(long denseOffset) {
        if (dense) return denseOffset;
        long[] coordinate = outputCoordinates(denseOffset); // n, c, spatial...
        long offset = coordinate[0] * outStride[N] + coordinate[1] * outStride[C];
        for (int i = 0; i < rank; i++) offset += coordinate[2 + i] * outStride[D + 3 - rank + i];
        return offset;
    }

    /** The resolved begin padding per spatial axis of the spec (after auto padding). */
    public long[] resolvedPadBegin() {
        return Arrays.copyOfRange(padBegin, 3 - rank, 3);
    }

    /** The resolved end padding per spatial axis of the spec (after auto padding). */
    public long[] resolvedPadEnd() {
        return Arrays.copyOfRange(padEnd, 3 - rank, 3);
    }

    /** Taps per window (the kernel volume). */
    public long kernelVolume() {
        return kernel[0] * kernel[1] * kernel[2];
    }

    /** Logical coordinates (n, c, spatial...) of the output element a dense tensor of this layout holds at {@code offset}. */
    public long[] outputCoordinates(long offset) {
        long[] coordinate = new long[rank + 2];
        long rest = offset;
        long[] dims = new long[rank + 2];
        int[] order = new int[rank + 2]; // logical dimension for each storage position, outermost first
        order[0] = 0;
        if (layout == Layout.NCHW) {
            for (int i = 1; i < rank + 2; i++) order[i] = i;
        } else {
            for (int i = 1; i <= rank; i++) order[i] = i + 1;
            order[rank + 1] = 1;
        }
        for (int i = 0; i < rank + 2; i++) dims[i] = outputShape[order[i]];
        for (int i = rank + 1; i >= 0; i--) {
            coordinate[order[i]] = rest % dims[i];
            rest /= dims[i];
        }
        return coordinate;
    }

    /** "[n=0, c=3, h=5, w=7]" for an output element, in the output's layout. */
    public String describeOutputElement(long offset) {
        long[] coordinate = outputCoordinates(offset);
        String[] names = rank == 1
                ? new String[] {"n", "c", "w"}
                : rank == 2 ? new String[] {"n", "c", "h", "w"} : new String[] {"n", "c", "d", "h", "w"};
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < coordinate.length; i++) {
            s.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(coordinate[i]);
        }
        return s.append(']').toString();
    }
}
