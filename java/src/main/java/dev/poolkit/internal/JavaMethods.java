package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import dev.poolkit.Layout;
import dev.poolkit.PoolOp;
import java.lang.foreign.MemorySegment;

/**
 * The methods of the literature (SoftPool, GeM) in Java: the same definitions as the native scalar kernels
 * ({@code native/src/methods}), one window at a time, taps in row-major order, sums in double rounded once.
 * Windows come from {@link JavaKernel}'s tables, so every window rule and option applies unchanged.
 */
final class JavaMethods {
    private final Geometry g;
    private final long[][] origin, first, last;
    /** The most taps a window has inside the input. */
    private final int maxTaps;

    JavaMethods(Geometry g, long[][] origin, long[][] first, long[][] last) {
        this.g = g;
        this.origin = origin;
        this.first = first;
        this.last = last;
        long most = 1;
        for (int a = 0; a < 3; a++) {
            long longest = 0;
            for (int o = 0; o < first[a].length; o++) longest = Math.max(longest, last[a][o] - first[a][o]);
            most *= longest;
        }
        if (most > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("windows of " + most + " taps exceed an array");
        this.maxTaps = (int) most;
    }

    /** Room for one window's tap offsets: one per run, so that runs on several threads share nothing. */
    long[] scratch() {
        return new long[maxTaps];
    }

    /** One output line, as the native row loop: outputs (od, oh, ow) of channel c (channels first) or all channels. */
    void line(long[] scratch, MemorySegment input, MemorySegment output, long n, long c0, int od, int oh) {
        long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (int ow = 0; ow < g.out[2]; ow++) {
            for (long c = c0; c < c0 + channels; c++) {
                long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                long at = n * g.outStride[Geometry.N] + c * g.outStride[Geometry.C] + od * g.outStride[Geometry.D]
                        + oh * g.outStride[Geometry.H] + ow * g.outStride[Geometry.W];
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, at, g.op == PoolOp.SOFT ? soft(input, scratch, taps(inPlane, od, oh, ow, scratch))
                        : gem(input, scratch, taps(inPlane, od, oh, ow, scratch), p(c)));
            }
        }
    }

    private double p(long c) {
        return g.channelP != null ? g.channelP[(int) c] : g.p;
    }

    /** Offsets of window (od, oh, ow)'s taps inside the input, in row-major order, into {@code offsets}; returns the count. */
    private int taps(long inPlane, int od, int oh, int ow, long[] offsets) {
        int count = 0;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    offsets[count++] = inPlane + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H] + iw * g.inStride[Geometry.W];
                }
            }
        }
        return count;
    }

    // ---- SoftPool ----

    /** NaN if a tap is NaN, else the largest tap (−∞ when all are). */
    private static float softMax(MemorySegment in, long[] taps, int count) {
        float m = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            nan |= Float.isNaN(v);
            if (v > m) m = v;
        }
        return nan ? Float.NaN : m;
    }

    float soft(MemorySegment in, long[] taps, int count) {
        if (count == 0) return 0f;
        float m = softMax(in, taps, count);
        if (!Float.isFinite(m)) return m;
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue; // weight 0, and 0 * -inf would be NaN
            double e = Math.exp((double) v - m);
            num += e * v;
            den += e;
        }
        return (float) (num / den);
    }

    private void softBackward(MemorySegment in, MemorySegment gradIn, long[] taps, int count, float grad) {
        if (count == 0) return;
        float m = softMax(in, taps, count);
        if (!Float.isFinite(m)) { // the output is NaN or infinite: no derivative
            for (int k = 0; k < count; k++) gradIn.setAtIndex(JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
            return;
        }
        double num = 0, den = 0;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue;
            double e = Math.exp((double) v - m);
            num += e * v;
            den += e;
        }
        double y = num / den;
        for (int k = 0; k < count; k++) {
            long t = taps[k];
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, t);
            if (v == Float.NEGATIVE_INFINITY) continue;
            double weight = Math.exp((double) v - m) / den;
            gradIn.setAtIndex(JAVA_FLOAT_UNALIGNED, t, gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, t) + (float) (grad * weight * (1 + (v - y))));
        }
    }

    // ---- GeM: y = zmax (Σ (z_i / zmax)^p / n)^(1/p), z = max(x, eps) with NaN kept ----

    private double clamped(float x) {
        return Float.isNaN(x) ? Double.NaN : x > g.eps ? x : g.eps;
    }

    private double zmax(MemorySegment in, long[] taps, int count) {
        double m = 0;
        boolean nan = false;
        for (int k = 0; k < count; k++) {
            double z = clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]));
            nan |= Double.isNaN(z);
            if (z > m) m = z;
        }
        return nan ? Double.NaN : m;
    }

    /** S = Σ (z/zmax)^p / n. */
    private double meanPower(MemorySegment in, long[] taps, int count, double p, double zmax) {
        double s = 0;
        for (int k = 0; k < count; k++) s += Math.pow(clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k])) / zmax, p);
        return s / count;
    }

    /** T = Σ (z/zmax)^p ln(z/zmax) / (n S), given S. */
    private double meanLogPower(MemorySegment in, long[] taps, int count, double p, double zmax, double meanPower) {
        double sl = 0;
        for (int k = 0; k < count; k++) {
            double r = clamped(in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k])) / zmax;
            sl += Math.pow(r, p) * Math.log(r);
        }
        return sl / (meanPower * count);
    }

    float gem(MemorySegment in, long[] taps, int count, double p) {
        if (count == 0) return 0f;
        double zmax = zmax(in, taps, count);
        if (!Double.isFinite(zmax)) return (float) zmax;
        return (float) (zmax * Math.pow(meanPower(in, taps, count, p, zmax), 1 / p));
    }

    /** Adds window (od, oh, ow)'s gradients; returns its contribution to dL/dp. */
    private double gemBackward(MemorySegment in, MemorySegment gradIn, long[] taps, int count, float grad, double p) {
        if (count == 0) return 0;
        double zmax = zmax(in, taps, count);
        if (!Double.isFinite(zmax)) {
            for (int k = 0; k < count; k++) {
                gradIn.setAtIndex(JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + Float.NaN);
            }
            return Double.NaN;
        }
        double s = meanPower(in, taps, count, p, zmax), t = meanLogPower(in, taps, count, p, zmax, s);
        double y = zmax * Math.pow(s, 1 / p), n = count;
        for (int k = 0; k < count; k++) {
            long at = taps[k];
            float x = in.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
            if (!(x > g.eps)) continue;
            gradIn.setAtIndex(JAVA_FLOAT_UNALIGNED, at, gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, at)
                    + (float) (grad * Math.pow(x / y, p - 1) / n));
        }
        return grad * y * (t / p - Math.log(s) / (p * p));
    }

    /**
     * Gradients with respect to the input (over all of {@code gradInput}) and, for GeM when {@code gradParams} is not
     * null, p (one value, or one per channel). Channels outermost, as the native code, so each sum has a fixed order.
     */
    void backward(MemorySegment gradOutput, MemorySegment gradInput, MemorySegment input, MemorySegment gradParams) {
        for (long n = 0; n < g.batch; n++)
            for (long c = 0; c < g.channels; c++)
                for (long id = 0; id < g.in[0]; id++)
                    for (long ih = 0; ih < g.in[1]; ih++)
                        for (long iw = 0; iw < g.in[2]; iw++)
                            gradInput.setAtIndex(JAVA_FLOAT_UNALIGNED, n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C]
                                    + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H] + iw * g.inStride[Geometry.W], 0f);
        long[] taps = scratch();
        double total = 0;
        for (long c = 0; c < g.channels; c++) {
            double channel = 0;
            for (long n = 0; n < g.batch; n++) {
                long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                for (int od = 0; od < g.out[0]; od++)
                    for (int oh = 0; oh < g.out[1]; oh++)
                        for (int ow = 0; ow < g.out[2]; ow++) {
                            float grad = gradOutput.getAtIndex(JAVA_FLOAT_UNALIGNED, n * g.outStride[Geometry.N] + c * g.outStride[Geometry.C]
                                    + od * g.outStride[Geometry.D] + oh * g.outStride[Geometry.H] + ow * g.outStride[Geometry.W]);
                            int count = taps(inPlane, od, oh, ow, taps);
                            if (g.op == PoolOp.SOFT) softBackward(input, gradInput, taps, count, grad);
                            else channel += gemBackward(input, gradInput, taps, count, grad, p(c));
                        }
            }
            if (gradParams != null && g.channelP != null) gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, c, (float) channel);
            total += channel;
        }
        if (gradParams != null && g.channelP == null) gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, 0, (float) total);
    }
}
