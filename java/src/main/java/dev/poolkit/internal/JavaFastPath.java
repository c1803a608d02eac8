package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.WindowRule;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The common case of {@link JavaKernel}, equal to its definition bit for bit: dense tensors, sliding or global
 * windows, max, min and average pooling, with or without indices. It works on heap copies because C2
 * vectorizes a loop over heap arrays indexed alike, and neither loops over segments nor a float select.
 *
 * <p>A run handles the kernel's output lines: {@code outs} outputs along w, each a run of {@code width}
 * consecutive elements (1 channels first, all channels channels last), read from input rows that are
 * contiguous as well. For each window row (jd, jh) in order, and for each tap jw in order, the outputs whose
 * window holds jw (a range, as windows slide) get their tap's elements gathered into {@code tap} (from a copy
 * of the row, or straight from the input when stride 1 makes them one run), and {@code acc} folds them in
 * element by element. Every output thus sees its taps in row-major window order.
 *
 * <p>Sums are the definition's sums. Without indices, max and min fold with {@link Math#max} and
 * {@link Math#min}: they return the definition's value except for which zero (on a tie of -0 and +0 the
 * definition keeps the first tap) and which NaN, so an output that is zero or NaN is recomputed by the
 * definition's rule. With indices the rule runs throughout.
 */
final class JavaFastPath {
    /** Longest input row or output line, in elements, so that the per-thread scratch stays small. */
    private static final long MAX_LINE = 1 << 18;

    private final JavaKernel kernel;
    private final Geometry g;
    private final long[][] origin, first, last;
    private final boolean max, extremum, propagateNan;
    private final float identity;
    /** Elements per output and per input pixel: 1 channels first, the channel count channels last. */
    private final int width;
    /** Per tap jw of a window row: the outputs {@code [tapBegin, tapEnd)} whose window holds it. */
    private final int[] tapBegin, tapEnd;
    /** Input column of tap 0 of each output along w (negative in the begin padding). */
    private final int[] originW;

    private final ThreadLocal<Scratch> scratch;
    /**
     * Channels first with fewer outputs along w than taps (global windows, say): each output folds its taps
     * straight from the row, where gathering tap by tap would cost a loop per tap for a few outputs.
     */
    private final boolean foldPerOutput;

    /** Per-thread work arrays: a prepared operation may run on several threads at once. */
    static final class Scratch {
        final float[] row, tap, acc;
        private long[] index;

        Scratch(int rowLength, int lineLength) {
            row = new float[rowLength];
            tap = new float[lineLength];
            acc = new float[lineLength];
        }

        long[] index() {
            if (index == null) index = new long[acc.length];
            return index;
        }
    }

    /** Whether the fast path computes this problem, given the kernel's window tables. */
    static boolean applies(Geometry g, long[][] first, long[][] last) {
        boolean ops = g.op == PoolOp.MAX || g.op == PoolOp.MIN || (g.op == PoolOp.AVG && !g.wideAverage);
        boolean windows = g.windowRule == WindowRule.SLIDING || g.windowRule == WindowRule.GLOBAL;
        long width = g.layout == Layout.NHWC ? g.channels : 1;
        boolean small = g.in[2] * width <= MAX_LINE && g.out[2] * width <= MAX_LINE && g.kernel[2] <= MAX_LINE;
        return g.dense && ops && windows && small && tapRanges(g, first, last) != null;
    }

    /**
     * For each tap jw, the range of outputs along w whose window holds it, as {begin[], end[]}; null if some
     * tap's outputs do not form a range (sliding windows always do).
     */
    private static int[][] tapRanges(Geometry g, long[][] first, long[][] last) {
        int taps = (int) g.kernel[2], outs = (int) g.out[2];
        int[] begin = new int[taps], end = new int[taps];
        for (int jw = 0; jw < taps; jw++) {
            int b = 0;
            while (b < outs && !(first[2][b] <= jw && jw < last[2][b])) b++;
            int e = b;
            while (e < outs && first[2][e] <= jw && jw < last[2][e]) e++;
            for (int ow = e; ow < outs; ow++) if (first[2][ow] <= jw && jw < last[2][ow]) return null;
            begin[jw] = b;
            end[jw] = e;
        }
        return new int[][] {begin, end};
    }

    JavaFastPath(JavaKernel kernel, Geometry g, long[][] origin, long[][] first, long[][] last) {
        this.kernel = kernel;
        this.g = g;
        this.origin = origin;
        this.first = first;
        this.last = last;
        this.max = g.op == PoolOp.MAX;
        this.extremum = g.op != PoolOp.AVG;
        this.propagateNan = g.nanPolicy == NanPolicy.PROPAGATE;
        this.identity = max ? Float.NEGATIVE_INFINITY : g.op == PoolOp.MIN ? Float.POSITIVE_INFINITY : 0f;
        this.width = g.layout == Layout.NHWC ? (int) g.channels : 1;
        this.foldPerOutput = width == 1 && g.out[2] < g.kernel[2];
        int[][] ranges = tapRanges(g, first, last);
        this.tapBegin = ranges[0];
        this.tapEnd = ranges[1];
        this.originW = new int[(int) g.out[2]];
        for (int ow = 0; ow < originW.length; ow++) originW[ow] = (int) origin[2][ow];
        int rowLength = (int) g.in[2] * width, lineLength = (int) g.out[2] * width;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(rowLength, lineLength));
    }

    Scratch scratch() {
        return scratch.get();
    }

    /** The definition's update: the new value replaces the current one when beyond it, or when NaN propagates. */
    private boolean replaces(float v, float current) {
        return (max ? v > current : v < current) || (propagateNan && v != v);
    }

    /** One output line, as {@link JavaKernel#run} counts them: (n, c, d, h) channels first, (n, d, h) channels last. */
    void line(
            Scratch s,
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices,
            long n,
            long c,
            int od,
            int oh) {
        final float[] row = s.row, tap = s.tap, acc = s.acc;
        final long[] index = indices == null ? null : s.index();
        final int outs = (int) g.out[2], rowLength = (int) g.in[2] * width, lineLength = outs * width;
        final int dilation = (int) g.dilation[2];
        final long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
        final long outLine = n * g.outStride[Geometry.N]
                + c * g.outStride[Geometry.C]
                + od * g.outStride[Geometry.D]
                + oh * g.outStride[Geometry.H];
        Arrays.fill(acc, 0, lineLength, identity);
        if (index != null) {
            long rowIndex = (kernel.firstCoordinate(0, od) * g.in[1] + kernel.firstCoordinate(1, oh)) * g.in[2];
            for (int ow = 0; ow < outs; ow++) {
                Arrays.fill(index, ow * width, (ow + 1) * width, rowIndex + kernel.firstCoordinate(2, ow));
            }
        }
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                long inRow = inPlane + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                long tapRowIndex = (id * g.in[1] + ih) * g.in[2];
                if (width == 1 || g.stride[2] != 1)
                    MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, inRow * Float.BYTES, row, 0, rowLength);
                if (foldPerOutput) {
                    foldAlongRow(row, acc, index, tapRowIndex);
                    continue;
                }
                for (int jw = 0; jw < tapBegin.length; jw++) {
                    int begin = tapBegin[jw], end = tapEnd[jw], shift = jw * dilation;
                    if (begin == end) continue;
                    if (width > 1
                            && g.stride[2] == 1) { // consecutive outputs, consecutive pixels: straight from the input
                        MemorySegment.copy(
                                input,
                                JAVA_FLOAT_UNALIGNED,
                                (inRow + (long) (originW[begin] + shift) * width) * Float.BYTES,
                                tap,
                                begin * width,
                                (end - begin) * width);
                    } else if (width == 1) {
                        for (int ow = begin; ow < end; ow++) tap[ow] = row[originW[ow] + shift];
                    } else {
                        for (int ow = begin; ow < end; ow++)
                            System.arraycopy(row, (originW[ow] + shift) * width, tap, ow * width, width);
                    }
                    int from = begin * width, to = end * width;
                    if (index != null) {
                        for (int ow = begin; ow < end; ow++) {
                            long tapIndex = tapRowIndex + originW[ow] + shift;
                            for (int i = ow * width; i < (ow + 1) * width; i++) {
                                if (replaces(tap[i], acc[i])) {
                                    acc[i] = tap[i];
                                    index[i] = tapIndex;
                                }
                            }
                        }
                    } else if (!extremum) {
                        for (int i = from; i < to; i++) acc[i] += tap[i];
                    } else if (max) {
                        for (int i = from; i < to; i++) acc[i] = Math.max(acc[i], tap[i]);
                    } else {
                        for (int i = from; i < to; i++) acc[i] = Math.min(acc[i], tap[i]);
                    }
                }
            }
        }
        if (!extremum) {
            for (int ow = 0; ow < outs; ow++) {
                float divisor = kernel.averageDivisor(od, oh, ow);
                for (int i = ow * width; i < (ow + 1) * width; i++) acc[i] = divisor == 0f ? 0f : acc[i] / divisor;
            }
        } else if (index == null) {
            for (int i = 0; i < lineLength; i++) {
                if (acc[i] == 0f || acc[i] != acc[i])
                    acc[i] = extremumByRule(input, inPlane + i % width, od, oh, i / width);
            }
        }
        MemorySegment.copy(acc, 0, output, JAVA_FLOAT_UNALIGNED, outLine * Float.BYTES, lineLength);
        if (index != null) MemorySegment.copy(index, 0, indices, JAVA_LONG_UNALIGNED, outLine * Long.BYTES, lineLength);
    }

    /** Channels first: every output of the line folds its taps of one window row, in order, from the row. */
    private void foldAlongRow(float[] row, float[] acc, long[] index, long tapRowIndex) {
        final int dilation = (int) g.dilation[2];
        for (int ow = 0; ow < originW.length; ow++) {
            int begin = originW[ow] + (int) first[2][ow] * dilation, end = originW[ow] + (int) last[2][ow] * dilation;
            float a = acc[ow];
            if (index != null) {
                long bestIndex = index[ow];
                for (int iw = begin; iw < end; iw += dilation) {
                    if (replaces(row[iw], a)) {
                        a = row[iw];
                        bestIndex = tapRowIndex + iw;
                    }
                }
                index[ow] = bestIndex;
            } else if (!extremum) {
                for (int iw = begin; iw < end; iw += dilation) a += row[iw];
            } else if (max) {
                for (int iw = begin; iw < end; iw += dilation) a = Math.max(a, row[iw]);
            } else {
                for (int iw = begin; iw < end; iw += dilation) a = Math.min(a, row[iw]);
            }
            acc[ow] = a;
        }
    }

    /** One output of max or min pooling by the definition's rule, its taps read from the input in window order. */
    private float extremumByRule(MemorySegment input, long inPlane, int od, int oh, int ow) {
        float best = identity;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                long inRow = inPlane + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    float v = input.getAtIndex(JAVA_FLOAT_UNALIGNED, inRow + iw * g.inStride[Geometry.W]);
                    if (replaces(v, best)) best = v;
                }
            }
        }
        return best;
    }
}
