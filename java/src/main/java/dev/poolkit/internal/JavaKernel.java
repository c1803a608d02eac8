package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.poolkit.AvgDivisor;
import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import java.lang.foreign.MemorySegment;

/**
 * Pure-Java pooling: the same definition as the native scalar kernel, written to be read. Per axis, the
 * windows of every output are tabulated once when the operation is prepared: taps {@code [first, last)} lie
 * inside the input, taps {@code [0, padded)} inside the padded input, and tap 0 sits at {@code origin}.
 */
public final class JavaKernel implements Kernel {
    private final Geometry g;
    private final long[][] origin = new long[3][], first = new long[3][], last = new long[3][], padded = new long[3][];
    private final boolean propagateNan;

    public JavaKernel(Geometry g) {
        this.g = g;
        this.propagateNan = g.nanPolicy == NanPolicy.PROPAGATE;
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
        final long channelsPerRow = g.layout == Layout.NCHW ? 1 : g.channels;
        long oh = rowBegin % g.out[1], od = rowBegin / g.out[1] % g.out[0], rest = rowBegin / g.out[1] / g.out[0];
        long c0 = g.layout == Layout.NCHW ? rest % g.channels : 0, n = g.layout == Layout.NCHW ? rest / g.channels : rest;
        for (long row = rowBegin; row < rowEnd; row++) {
            for (int ow = 0; ow < g.out[2]; ow++) {
                for (long c = c0; c < c0 + channelsPerRow; c++) {
                    long inBase = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                    long o = n * g.outStride[Geometry.N] + c * g.outStride[Geometry.C] + od * g.outStride[Geometry.D]
                            + oh * g.outStride[Geometry.H] + ow * g.outStride[Geometry.W];
                    if (g.op == PoolOp.MAX) {
                        maxPixel(input, inBase, (int) od, (int) oh, ow, output, indices, o);
                    } else {
                        output.setAtIndex(JAVA_FLOAT_UNALIGNED, o, avgPixel(input, inBase, (int) od, (int) oh, ow));
                    }
                }
            }
            if (++oh == g.out[1]) { // next row: (n, c, d, h) counting like an odometer
                oh = 0;
                if (++od == g.out[0]) {
                    od = 0;
                    if (g.layout == Layout.NCHW && ++c0 < g.channels) continue;
                    c0 = 0;
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

    private void maxPixel(MemorySegment input, long inBase, int od, int oh, int ow, MemorySegment output,
                          MemorySegment indices, long o) {
        float best = Float.NEGATIVE_INFINITY;
        long bestIndex = (firstCoordinate(0, od) * g.in[1] + firstCoordinate(1, oh)) * g.in[2] + firstCoordinate(2, ow);
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    float v = input.getAtIndex(JAVA_FLOAT_UNALIGNED,
                            inBase + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H] + iw * g.inStride[Geometry.W]);
                    if (v > best || (propagateNan && Float.isNaN(v))) {
                        best = v;
                        bestIndex = (id * g.in[1] + ih) * g.in[2] + iw;
                    }
                }
            }
        }
        output.setAtIndex(JAVA_FLOAT_UNALIGNED, o, best);
        if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, o, bestIndex);
    }

    private float avgPixel(MemorySegment input, long inBase, int od, int oh, int ow) {
        float sum = 0.0f;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    sum += input.getAtIndex(JAVA_FLOAT_UNALIGNED,
                            inBase + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H] + iw * g.inStride[Geometry.W]);
                }
            }
        }
        long divisor;
        if (g.divisorOverride > 0) {
            divisor = g.divisorOverride;
        } else if (g.divisor == AvgDivisor.EXCLUDE_PADDING) {
            divisor = (last[0][od] - first[0][od]) * (last[1][oh] - first[1][oh]) * (last[2][ow] - first[2][ow]);
        } else if (g.divisor == AvgDivisor.INCLUDE_PADDING) {
            divisor = padded[0][od] * padded[1][oh] * padded[2][ow];
        } else {
            divisor = g.kernelVolume();
        }
        return divisor == 0 ? 0.0f : sum / (float) divisor;
    }
}
