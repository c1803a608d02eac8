package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.poolkit.AvgDivisor;
import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import java.lang.foreign.MemorySegment;

/**
 * Pure-Java pooling: the definition of the native scalar kernel, organized for memory order. Per axis, the
 * window of every output is tabulated once when the operation is prepared: taps {@code [first, last)} lie
 * inside the input, taps {@code [0, padded)} inside the padded input, and tap 0 sits at {@code origin}.
 *
 * <p>A run handles one output line at a time (per (n, c, d, h) for channels first, per (n, d, h) for channels
 * last): it initializes the line, then for each window row (jd, jh) in order updates every output of the line
 * with its taps along w, channels innermost for channels last. Every output therefore still sees its own taps
 * in row-major order, so values, indices, ties and NaN handling equal the definition's exactly.
 */
public final class JavaKernel implements Kernel {
    private final Geometry g;
    private final long[][] origin = new long[3][], first = new long[3][], last = new long[3][], padded = new long[3][];
    private final boolean propagateNan, max;

    public JavaKernel(Geometry g) {
        this.g = g;
        this.propagateNan = g.nanPolicy == NanPolicy.PROPAGATE;
        this.max = g.op == PoolOp.MAX;
        for (int a = 0; a < 3; a++) {
            int outs = (int) g.out[a];
            origin[a] = new long[outs];
            first[a] = new long[outs];
            last[a] = new long[outs];
            padded[a] = new long[outs];
            for (int o = 0; o < outs; o++) {
                long start = o * g.stride[a] - g.padBegin[a]; // always < the input size
                long d = g.dilation[a];
                long f = start < 0 ? Math.ceilDiv(-start, d) : 0;
                origin[a][o] = start;
                first[a][o] = f;
                last[a][o] = Math.max(f, Math.min(g.kernel[a], Math.ceilDiv(g.in[a] - start, d)));
                padded[a][o] = Math.min(g.kernel[a], Math.ceilDiv(g.in[a] + g.padEnd[a] - start, d));
            }
        }
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void run(MemorySegment input, MemorySegment output, MemorySegment indices, long rowBegin, long rowEnd) {
        long oh = rowBegin % g.out[1], od = rowBegin / g.out[1] % g.out[0], rest = rowBegin / g.out[1] / g.out[0];
        long c = g.layout == Layout.NCHW ? rest % g.channels : 0, n = g.layout == Layout.NCHW ? rest / g.channels : rest;
        for (long row = rowBegin; row < rowEnd; row++) {
            line(input, output, indices, n, c, (int) od, (int) oh);
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
    private long firstCoordinate(int a, int o) {
        if (first[a][o] < last[a][o]) return origin[a][o] + first[a][o] * g.dilation[a];
        return Math.min(Math.max(origin[a][o], 0), g.in[a] - 1);
    }

    /** One output line: outputs (od, oh, ow) for all ow, of channel c (channels first) or all channels. */
    private void line(MemorySegment input, MemorySegment output, MemorySegment indices, long n, long c, int od, int oh) {
        final long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        final long outLine = n * g.outStride[Geometry.N] + c * g.outStride[Geometry.C] + od * g.outStride[Geometry.D]
                + oh * g.outStride[Geometry.H];
        final long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
        final long outW = g.outStride[Geometry.W], inW = g.inStride[Geometry.W];
        final int outs = (int) g.out[2];
        // initialize: -inf with the first tap's index, or a zero sum
        long rowIndex = (firstCoordinate(0, od) * g.in[1] + firstCoordinate(1, oh)) * g.in[2];
        for (int ow = 0; ow < outs; ow++) {
            long o = outLine + ow * outW, firstIndex = rowIndex + firstCoordinate(2, ow);
            for (long ch = 0; ch < channels; ch++) {
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, o + ch, max ? Float.NEGATIVE_INFINITY : 0f);
                if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, o + ch, firstIndex);
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
                        for (long ch = 0; ch < channels; ch++) {
                            float v = input.getAtIndex(JAVA_FLOAT_UNALIGNED, in + ch);
                            if (!max) {
                                output.setAtIndex(JAVA_FLOAT_UNALIGNED, o + ch, output.getAtIndex(JAVA_FLOAT_UNALIGNED, o + ch) + v);
                            } else if (v > output.getAtIndex(JAVA_FLOAT_UNALIGNED, o + ch) || (propagateNan && Float.isNaN(v))) {
                                output.setAtIndex(JAVA_FLOAT_UNALIGNED, o + ch, v);
                                if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, o + ch, tapRowIndex + iw);
                            }
                        }
                    }
                }
            }
        }
        if (max) return;
        for (int ow = 0; ow < outs; ow++) { // average: divide each sum once
            long divisor = divisor(od, oh, ow), o = outLine + ow * outW;
            for (long ch = 0; ch < channels; ch++) {
                float sum = output.getAtIndex(JAVA_FLOAT_UNALIGNED, o + ch);
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, o + ch, divisor == 0 ? 0f : sum / (float) divisor);
            }
        }
    }

    /** The average divisor of one window; 0 (giving 0) for a window without input under EXCLUDE_PADDING. */
    private long divisor(int od, int oh, int ow) {
        if (g.divisorOverride > 0) return g.divisorOverride;
        if (g.divisor == AvgDivisor.EXCLUDE_PADDING) {
            return (last[0][od] - first[0][od]) * (last[1][oh] - first[1][oh]) * (last[2][ow] - first[2][ow]);
        }
        if (g.divisor == AvgDivisor.INCLUDE_PADDING) return padded[0][od] * padded[1][oh] * padded[2][ow];
        return g.kernelVolume();
    }
}
