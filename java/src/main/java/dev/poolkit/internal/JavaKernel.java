package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.poolkit.AvgDivisor;
import dev.poolkit.IndexFormat;
import dev.poolkit.Layout;
import dev.poolkit.LpForm;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.PoolingException;
import dev.poolkit.WindowRule;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Pure-Java pooling: the definition of the native scalar kernels, organized for memory order. Per axis, the
 * window of every output is tabulated once when the operation is prepared: taps {@code [first, last)} lie
 * inside the input, taps {@code [0, padded)} inside the padded input, and tap 0 sits at {@code origin}.
 *
 * <p>A run handles one output line at a time (per (n, c, d, h) for channels first, per (n, d, h) for channels
 * last): it initializes the line, then for each window row (jd, jh) in order updates every output of the line
 * with its taps along w, channels innermost for channels last. Every output therefore still sees its own taps
 * in row-major order, so values, indices, ties and NaN handling equal the definition's exactly. Fractional
 * windows differ per (n, c), so they are computed one output at a time.
 *
 * <p>Dense max, min and average pooling over sliding or global windows take {@link JavaDensePath} when run without
 * indices and the JVM has the Vector API ({@code java:vector}), and {@link JavaFastPath} otherwise
 * ({@code java:scalar}); both compute the same values from heap copies of the data. The code here stays the
 * definition for every case.
 */
public final class JavaKernel implements Kernel {
    private final Geometry g;
    private final long[][] origin = new long[3][], first = new long[3][], last = new long[3][], padded = new long[3][];
    private final boolean propagateNan, extremum, min, lp, pytorchLp, infiniteP;
    private final IndexSpace indexSpace;
    /** Adaptive averages with an output size above 1 divide by each axis's bin length in turn, as PyTorch does. */
    private final boolean adaptivePerAxis;
    /** The common case (dense, sliding or global windows, max, min or average), or null. */
    private final JavaFastPath fast;
    /** Runs without indices of dense max, min and average pooling over sliding or global windows, or null. */
    private final JavaDensePath dense;
    /** The methods of the literature (SoftPool, GeM, mixed, stochastic, LIP), or null. */
    private final JavaMethods methods;
    /** Their parameters fixed by the spec, as a segment made once, or null. */
    private final MemorySegment fixedParams;

    public JavaKernel(Geometry g) {
        // the dense path's loops pay with the Vector API; in plain Java, C2 vectorizes JavaFastPath's (same-index)
        // loops
        // and not the dense path's (offset) ones, so without the module the fast path stays
        this(g, JavaLanes.preferred(), JavaLanes.preferred() != JavaLanes.SCALAR);
    }

    /** With the given loops, and without the dense path when {@code densePath} is false (the definition's paths only). */
    JavaKernel(Geometry g, JavaLanes lanes, boolean densePath) {
        this.g = g;
        this.propagateNan = g.nanPolicy == NanPolicy.PROPAGATE;
        this.min = g.op == PoolOp.MIN;
        this.extremum = g.op == PoolOp.MAX || min;
        this.lp = g.op == PoolOp.LP;
        this.pytorchLp = lp && g.lpForm == LpForm.PYTORCH;
        this.infiniteP = lp && Double.isInfinite(g.p);
        this.indexSpace = new IndexSpace(g.indexFormat, g.batch, g.channels, g.in.clone(), g.rank);
        this.adaptivePerAxis = g.windowRule == WindowRule.ADAPTIVE && (g.out[0] > 1 || g.out[1] > 1 || g.out[2] > 1);
        this.fixedParams = g.fixedParams == null ? null : MemorySegment.ofArray(g.fixedParams);
        if (g.windowRule == WindowRule.FRACTIONAL) {
            this.fast = null;
            this.methods = null;
            this.dense = null;
            return;
        }
        for (int a = 0; a < 3; a++) { // the window tables are arrays, indexed by int
            if (g.out[a] > Integer.MAX_VALUE - 8) {
                throw new UnsupportedOperationException("output size " + g.out[a] + " along an axis of "
                        + java.util.Arrays.toString(g.outputShape)
                        + ": the Java backend handles at most 2^31 - 9 outputs per axis;"
                        + " use the native one");
            }
        }
        for (int a = 0; a < 3; a++) {
            int outs = (int) g.out[a];
            origin[a] = new long[outs];
            first[a] = new long[outs];
            last[a] = new long[outs];
            padded[a] = new long[outs];
            for (int o = 0; o < outs; o++) {
                long[] w = g.window(a, o);
                origin[a][o] = w[0];
                first[a][o] = w[1];
                last[a][o] = w[2];
                padded[a][o] = w[3];
            }
        }
        this.fast = JavaFastPath.applies(g, first, last) ? new JavaFastPath(this, g, origin, first, last) : null;
        this.methods = g.op.ordinal() >= PoolOp.SOFT.ordinal() ? new JavaMethods(this, g, origin, first, last) : null;
        this.dense = densePath && JavaDensePath.applies(g, origin, first, last)
                ? new JavaDensePath(this, g, lanes, origin, first, last)
                : null;
    }

    /** Whether runs without indices take {@link JavaDensePath}. */
    boolean usesDensePath() {
        return dense != null;
    }

    @Override
    public String name() {
        return dense == null ? "java:scalar" : "java:" + dense.lanes();
    }

    @Override
    public void run(
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices,
            MemorySegment params,
            long rowBegin,
            long rowEnd) {
        if (dense != null && indices == null) {
            dense.run(input, output, rowBegin, rowEnd);
            return;
        }
        long oh = rowBegin % g.out[1], od = rowBegin / g.out[1] % g.out[0], rest = rowBegin / g.out[1] / g.out[0];
        long c = g.layout == Layout.NCHW ? rest % g.channels : 0,
                n = g.layout == Layout.NCHW ? rest / g.channels : rest;
        JavaFastPath.Scratch scratch = fast == null ? null : fast.scratch();
        JavaMethods.Scratch taps = methods == null ? null : methods.scratch();
        MemorySegment methodParams = params != null ? params : fixedParams;
        for (long row = rowBegin; row < rowEnd; row++) {
            if (g.windowRule == WindowRule.FRACTIONAL) fractionalLine(input, output, indices, n, c, od, oh);
            else if (methods != null)
                methods.line(taps, input, output, indices, methodParams, n, c, (int) od, (int) oh);
            else if (g.wideAverage) wideAverageLine(input, output, n, c, (int) od, (int) oh);
            else if (fast != null) fast.line(scratch, input, output, indices, n, c, (int) od, (int) oh);
            else line(input, output, indices, n, c, (int) od, (int) oh);
            if (extremum && propagateNan) canonicalNanLine(output, n, c, od, oh);
            if (indices != null && g.indexFormat != IndexFormat.PLANE) encodeLine(indices, n, c, od, oh);
            if (++oh == g.out[1]) { // next line: (n, c, d, h) counting like an odometer
                oh = 0;
                if (++od == g.out[0]) {
                    od = 0;
                    if (g.layout == Layout.NCHW && ++c < g.channels) continue;
                    c = 0;
                    n++;
                }
            }
        }
    }

    /** Argmax coordinate along an axis: the first tap inside the input, or the origin clamped into it. */
    long firstCoordinate(int a, int o) {
        if (first[a][o] < last[a][o]) return origin[a][o] + first[a][o] * g.dilation[a];
        return Math.min(Math.max(origin[a][o], 0), g.in[a] - 1);
    }

    private long outLine(long n, long c, long od, long oh) {
        return n * g.outStride[Geometry.N]
                + c * g.outStride[Geometry.C]
                + od * g.outStride[Geometry.D]
                + oh * g.outStride[Geometry.H];
    }

    /** One output line: outputs (od, oh, ow) for all ow, of channel c (channels first) or all channels. */
    private void line(
            MemorySegment input, MemorySegment output, MemorySegment indices, long n, long c, int od, int oh) {
        final long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        final long outLine = outLine(n, c, od, oh);
        final long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
        final long outW = g.outStride[Geometry.W], inW = g.inStride[Geometry.W];
        final long outC = g.outStride[Geometry.C], inC = g.inStride[Geometry.C];
        final int outs = (int) g.out[2];
        // initialize: the identity of the reduction, with the first tap's index
        final float identity = g.op == PoolOp.MAX ? Float.NEGATIVE_INFINITY : min ? Float.POSITIVE_INFINITY : 0f;
        long rowIndex = (firstCoordinate(0, od) * g.in[1] + firstCoordinate(1, oh)) * g.in[2];
        for (int ow = 0; ow < outs; ow++) {
            long o = outLine + ow * outW, firstIndex = rowIndex + firstCoordinate(2, ow);
            for (long ch = 0; ch < channels; ch++) {
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, o + ch * outC, identity);
                if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, o + ch * outC, firstIndex);
            }
        }
        // window rows (jd, jh) in order; within each, every output's taps along w in order
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                long inRow = inPlane + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                long tapRowIndex = (id * g.in[1] + ih) * g.in[2];
                for (int ow = 0; ow < outs; ow++) {
                    for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                        long iw = origin[2][ow] + jw * g.dilation[2];
                        long in = inRow + iw * inW, o = outLine + ow * outW;
                        if (extremum) {
                            for (long ch = 0; ch < channels; ch++) {
                                float v = input.getAtIndex(JAVA_FLOAT_UNALIGNED, in + ch * inC);
                                long at = o + ch * outC;
                                float current = output.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
                                if ((min ? v < current : v > current) || (propagateNan && Float.isNaN(v))) {
                                    output.setAtIndex(JAVA_FLOAT_UNALIGNED, at, v);
                                    if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, at, tapRowIndex + iw);
                                }
                            }
                        } else if (!lp) { // the plain sum of averages, kept free of LP's branches
                            for (long ch = 0; ch < channels; ch++) {
                                long at = o + ch * outC;
                                output.setAtIndex(
                                        JAVA_FLOAT_UNALIGNED,
                                        at,
                                        output.getAtIndex(JAVA_FLOAT_UNALIGNED, at)
                                                + input.getAtIndex(JAVA_FLOAT_UNALIGNED, in + ch * inC));
                            }
                        } else {
                            for (long ch = 0; ch < channels; ch++) {
                                long at = o + ch * outC;
                                output.setAtIndex(
                                        JAVA_FLOAT_UNALIGNED,
                                        at,
                                        accumulate(
                                                output.getAtIndex(JAVA_FLOAT_UNALIGNED, at),
                                                input.getAtIndex(JAVA_FLOAT_UNALIGNED, in + ch * inC)));
                            }
                        }
                    }
                }
            }
        }
        if (extremum) return;
        for (int ow = 0; ow < outs; ow++) { // finish each sum once
            long o = outLine + ow * outW;
            for (long ch = 0; ch < channels; ch++) {
                float sum = output.getAtIndex(JAVA_FLOAT_UNALIGNED, o + ch * outC);
                output.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, o + ch * outC, lp ? lpResult(sum, od, oh, ow) : average(sum, od, oh, ow));
            }
        }
    }

    /** One output line of an average over wide windows: each output's taps added in double in row-major order. */
    private void wideAverageLine(MemorySegment input, MemorySegment output, long n, long c0, int od, int oh) {
        final long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (int ow = 0; ow < g.out[2]; ow++) {
            for (long c = c0; c < c0 + channels; c++) {
                long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                double sum = 0;
                for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                    long id = origin[0][od] + jd * g.dilation[0];
                    for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                        long row = inPlane
                                + id * g.inStride[Geometry.D]
                                + (origin[1][oh] + jh * g.dilation[1]) * g.inStride[Geometry.H];
                        for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                            sum += input.getAtIndex(
                                    JAVA_FLOAT_UNALIGNED,
                                    row + (origin[2][ow] + jw * g.dilation[2]) * g.inStride[Geometry.W]);
                        }
                    }
                }
                float average;
                if (adaptivePerAxis) {
                    average = (float) (sum
                            / (last[0][od] - first[0][od])
                            / (last[1][oh] - first[1][oh])
                            / (last[2][ow] - first[2][ow]));
                } else {
                    long divisor = divisor(od, oh, ow);
                    average = divisor == 0 ? 0f : (float) (sum / divisor);
                }
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, outLine(n, c, od, oh) + ow * g.outStride[Geometry.W], average);
            }
        }
    }

    /** A sum (average), a sum of powers or, for p = infinity, the largest |x| (LP). */
    private float accumulate(float current, float v) {
        if (!lp) return current + v;
        if (infiniteP) {
            float a = Math.abs(v);
            return a > current || Float.isNaN(a) ? a : current;
        }
        return current + power(v);
    }

    /** |x|^p, or signed x^p for the PyTorch form: p = 1 and 2 exactly, others through double (as the native code). */
    private float power(float x) {
        float base = pytorchLp ? x : Math.abs(x);
        if (g.p == 1) return base;
        if (g.p == 2) return base * base;
        return (float) Math.pow(base, g.p);
    }

    /** An LP output; a NaN one is the canonical quiet NaN, as natively (powers and roots do not keep payloads alike). */
    private float lpResult(float sum, int od, int oh, int ow) {
        float r = lpValue(sum, od, oh, ow);
        return Float.isNaN(r) ? Float.NaN : r;
    }

    private float lpValue(float sum, int od, int oh, int ow) {
        if (infiniteP) return sum;
        if (pytorchLp) { // PyTorch averages x^p over the taps, then scales by the whole kernel
            long taps = (last[0][od] - first[0][od]) * (last[1][oh] - first[1][oh]) * (last[2][ow] - first[2][ow]);
            if (taps == 0) return 0f;
            sum = sum / (float) taps * (float) g.kernelVolume();
        }
        if (g.p == 1) return sum;
        if (g.p == 2) return (float) Math.sqrt(sum);
        return (float) Math.pow(sum, 1.0 / g.p);
    }

    float average(float sum, int od, int oh, int ow) {
        if (adaptivePerAxis) return sum / binLength(0, od) / binLength(1, oh) / binLength(2, ow);
        long divisor = divisor(od, oh, ow);
        return divisor == 0 ? 0f : sum / (float) divisor;
    }

    /** The divisor of a sliding or global window's average as a float; 0 for a window whose average is 0. */
    float averageDivisor(int od, int oh, int ow) {
        return (float) divisor(od, oh, ow);
    }

    private float binLength(int a, int o) {
        return (float) (last[a][o] - first[a][o]);
    }

    /** The average divisor of one window; 0 (giving 0) for a window without input under EXCLUDE_PADDING. */
    private long divisor(int od, int oh, int ow) {
        if (g.divisorOverride > 0) return g.divisorOverride;
        if (g.divisor == AvgDivisor.EXCLUDE_PADDING) {
            return saturatingProduct(
                    last[0][od] - first[0][od], last[1][oh] - first[1][oh], last[2][ow] - first[2][ow]);
        }
        if (g.divisor == AvgDivisor.INCLUDE_PADDING)
            return saturatingProduct(padded[0][od], padded[1][oh], padded[2][ow]);
        return saturatingProduct(g.kernel[0], g.kernel[1], g.kernel[2]);
    }

    /** a*b*c for non-negative factors, Long.MAX_VALUE past it: padded windows can hold more than 2^63 taps (as native). */
    private static long saturatingProduct(long a, long b, long c) {
        long ab = Math.multiplyHigh(a, b) != 0 || a * b < 0 ? Long.MAX_VALUE : a * b;
        if (ab == Long.MAX_VALUE && c > 0 && a != 0 && b != 0) return Long.MAX_VALUE;
        return Math.multiplyHigh(ab, c) != 0 || ab * c < 0 ? Long.MAX_VALUE : ab * c;
    }

    /** One output line of fractional max or min pooling: each (n, c) places its windows from its own samples. */
    private void fractionalLine(
            MemorySegment input, MemorySegment output, MemorySegment indices, long n, long c0, long od, long oh) {
        long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (long c = c0; c < c0 + channels; c++) {
            int sample = (int) ((n * g.channels + c) * g.rank); // PyTorch's order: (w, h) in 2d, (d, h, w) in 3d
            long[] start = new long[3];
            long[] o = {od, oh, 0};
            for (int a = 0; a < 2; a++)
                start[a] = a >= 3 - g.rank ? g.fractionalStart(a, o[a], g.samples[sample + sampleOf(a)]) : 0;
            long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
            for (long ow = 0; ow < g.out[2]; ow++) {
                start[2] = g.fractionalStart(2, ow, g.samples[sample + sampleOf(2)]);
                float best = min ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                long bestIndex = (start[0] * g.in[1] + start[1]) * g.in[2] + start[2];
                for (long id = start[0]; id < start[0] + g.kernel[0]; id++) {
                    for (long ih = start[1]; ih < start[1] + g.kernel[1]; ih++) {
                        for (long iw = start[2]; iw < start[2] + g.kernel[2]; iw++) {
                            float v = input.getAtIndex(
                                    JAVA_FLOAT_UNALIGNED,
                                    inPlane
                                            + id * g.inStride[Geometry.D]
                                            + ih * g.inStride[Geometry.H]
                                            + iw * g.inStride[Geometry.W]);
                            if ((min ? v < best : v > best) || (propagateNan && Float.isNaN(v))) {
                                best = v;
                                bestIndex = (id * g.in[1] + ih) * g.in[2] + iw;
                            }
                        }
                    }
                }
                long at = outLine(n, c, od, oh) + ow * g.outStride[Geometry.W];
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, at, best);
                if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, at, bestIndex);
            }
        }
    }

    /** The sample entry that drives normalized axis {@code a} (d, h, w): PyTorch reverses 1d/2d but not 3d. */
    private int sampleOf(int a) {
        return g.rank == 3 ? a : 2 - a;
    }

    /**
     * A NaN max or min is the canonical quiet NaN ({@link Float#NaN}, 0x7fc00000), whatever the input NaN's sign and
     * payload, as at every native level.
     */
    private void canonicalNanLine(MemorySegment output, long n, long c0, long od, long oh) {
        long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (long ow = 0; ow < g.out[2]; ow++) {
            for (long c = c0; c < c0 + channels; c++) {
                long at = outLine(n, c, od, oh) + ow * g.outStride[Geometry.W];
                if (Float.isNaN(output.getAtIndex(JAVA_FLOAT_UNALIGNED, at)))
                    output.setAtIndex(JAVA_FLOAT_UNALIGNED, at, Float.NaN);
            }
        }
    }

    /** Rewrites a line's plane indices into the requested format. */
    private void encodeLine(MemorySegment indices, long n, long c0, long od, long oh) {
        long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (long ow = 0; ow < g.out[2]; ow++) {
            for (long c = c0; c < c0 + channels; c++) {
                long at = outLine(n, c, od, oh) + ow * g.outStride[Geometry.W];
                indices.setAtIndex(
                        JAVA_LONG_UNALIGNED, at, indexSpace.encode(n, c, indices.getAtIndex(JAVA_LONG_UNALIGNED, at)));
            }
        }
    }

    // ---- backward: outputs visited n, c, then spatially in row-major order; taps in row-major window order ----

    @Override
    public void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices) {
        if (methods != null) {
            methods.backward(gradOutput, gradInput, input, fixedParams, null);
            return;
        }
        if (extremum) { // every index checked before anything is written, as the native code does
            forEachOutput((n, c, o, at) -> target(n, c, indices.getAtIndex(JAVA_LONG_UNALIGNED, at), at));
        }
        forEachInput((n, c, id, ih, iw, at) -> gradInput.setAtIndex(JAVA_FLOAT_UNALIGNED, at, 0f));
        forEachOutput((n, c, o, at) -> {
            float grad = gradOutput.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
            long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
            if (extremum) {
                long t = target(n, c, indices.getAtIndex(JAVA_LONG_UNALIGNED, at), at);
                gradInput.setAtIndex(JAVA_FLOAT_UNALIGNED, t, gradInput.getAtIndex(JAVA_FLOAT_UNALIGNED, t) + grad);
                return;
            }
            int od = (int) o[0], oh = (int) o[1], ow = (int) o[2];
            if (!lp) { // average: the same share to every tap inside the input
                long divisor = divisor(od, oh, ow);
                if (divisor == 0) return;
                float share = adaptivePerAxis
                        ? grad / binLength(0, od) / binLength(1, oh) / binLength(2, ow)
                        : grad / (float) divisor;
                forEachTap(
                        inPlane,
                        od,
                        oh,
                        ow,
                        t -> gradInput.setAtIndex(
                                JAVA_FLOAT_UNALIGNED, t, gradInput.getAtIndex(JAVA_FLOAT_UNALIGNED, t) + share));
                return;
            }
            float out = output.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
            if (out == 0f) return; // the root's derivative is undefined there: no contribution
            if (infiniteP) { // all to the first tap with the largest |x|
                long[] best = {-1};
                float[] largest = {-1f};
                forEachTap(inPlane, od, oh, ow, t -> {
                    float a = Math.abs(input.getAtIndex(JAVA_FLOAT_UNALIGNED, t));
                    if (a > largest[0]) {
                        largest[0] = a;
                        best[0] = t;
                    }
                });
                if (best[0] >= 0) {
                    float x = input.getAtIndex(JAVA_FLOAT_UNALIGNED, best[0]);
                    gradInput.setAtIndex(
                            JAVA_FLOAT_UNALIGNED,
                            best[0],
                            gradInput.getAtIndex(JAVA_FLOAT_UNALIGNED, best[0]) + (float) (grad * Math.signum(x)));
                }
                return;
            }
            long taps = (last[0][od] - first[0][od]) * (last[1][oh] - first[1][oh]) * (last[2][ow] - first[2][ow]);
            double scale = pytorchLp ? (double) g.kernelVolume() / taps : 1.0;
            double outFactor = Math.pow(out, 1 - g.p);
            forEachTap(inPlane, od, oh, ow, t -> {
                double x = input.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
                double power = pytorchLp ? Math.pow(x, g.p - 1) : Math.signum(x) * Math.pow(Math.abs(x), g.p - 1);
                gradInput.setAtIndex(
                        JAVA_FLOAT_UNALIGNED,
                        t,
                        gradInput.getAtIndex(JAVA_FLOAT_UNALIGNED, t) + (float) (grad * scale * power * outFactor));
            });
        });
    }

    @Override
    public void backwardWithParameters(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment params,
            MemorySegment gradParams) {
        methods.backward(gradOutput, gradInput, input, params != null ? params : fixedParams, gradParams);
    }

    private interface OutputVisitor {
        void visit(long n, long c, long[] o, long offset);
    }

    private interface InputVisitor {
        void visit(long n, long c, long id, long ih, long iw, long offset);
    }

    private interface TapVisitor {
        void visit(long offset);
    }

    private void forEachOutput(OutputVisitor visitor) {
        long[] o = new long[3];
        for (long n = 0; n < g.batch; n++)
            for (long c = 0; c < g.channels; c++)
                for (o[0] = 0; o[0] < g.out[0]; o[0]++)
                    for (o[1] = 0; o[1] < g.out[1]; o[1]++)
                        for (o[2] = 0; o[2] < g.out[2]; o[2]++)
                            visitor.visit(n, c, o, outLine(n, c, o[0], o[1]) + o[2] * g.outStride[Geometry.W]);
    }

    private void forEachInput(InputVisitor visitor) {
        for (long n = 0; n < g.batch; n++)
            for (long c = 0; c < g.channels; c++)
                for (long id = 0; id < g.in[0]; id++)
                    for (long ih = 0; ih < g.in[1]; ih++)
                        for (long iw = 0; iw < g.in[2]; iw++)
                            visitor.visit(
                                    n,
                                    c,
                                    id,
                                    ih,
                                    iw,
                                    n * g.inStride[Geometry.N]
                                            + c * g.inStride[Geometry.C]
                                            + id * g.inStride[Geometry.D]
                                            + ih * g.inStride[Geometry.H]
                                            + iw * g.inStride[Geometry.W]);
    }

    /** Offsets of the taps of window (od, oh, ow) inside the input, in row-major window order. */
    private void forEachTap(long inPlane, int od, int oh, int ow, TapVisitor visitor) {
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    visitor.visit(inPlane
                            + id * g.inStride[Geometry.D]
                            + ih * g.inStride[Geometry.H]
                            + iw * g.inStride[Geometry.W]);
                }
            }
        }
    }

    /** The input offset an index names, for the output at (n, c); a PoolingException when it lies outside. */
    private long target(long n, long c, long index, long outputOffset) {
        long[] t = indexSpace.decode(n, c, index);
        if (t == null) {
            throw new PoolingException(
                    "indices: " + index + " at output offset " + outputOffset + " lies outside the input "
                            + Arrays.toString(g.inputShape) + " (" + g.indexFormat + " format)",
                    PoolingException.INVALID_INDEX);
        }
        long p = t[2], iw = p % g.in[2], ih = p / g.in[2] % g.in[1], id = p / g.in[2] / g.in[1];
        return t[0] * g.inStride[Geometry.N]
                + t[1] * g.inStride[Geometry.C]
                + id * g.inStride[Geometry.D]
                + ih * g.inStride[Geometry.H]
                + iw * g.inStride[Geometry.W];
    }
}
