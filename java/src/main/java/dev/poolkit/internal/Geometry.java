package dev.poolkit.internal;

import dev.poolkit.AutoPad;
import dev.poolkit.AvgDivisor;
import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.PoolSpec;
import java.util.Arrays;

/**
 * A pooling problem resolved against one input shape: padding resolved, output sizes computed, everything
 * validated, and the problem normalized to three spatial axes (d, h, w; missing outer axes have size 1) with
 * element strides for its layout. The Java mirror of the native {@code pk_plan}.
 */
public final class Geometry {
    public static final int N = 0, C = 1, D = 2, H = 3, W = 4;

    public final PoolOp op;
    public final Layout layout;
    public final int rank;
    public final AvgDivisor divisor;
    public final long divisorOverride;
    public final NanPolicy nanPolicy;
    public final long batch, channels;
    /** Per normalized axis d, h, w. */
    public final long[] in = new long[3], out = new long[3], kernel = new long[3], stride = new long[3],
            dilation = new long[3], padBegin = new long[3], padEnd = new long[3];
    public final long[] inStride = new long[5], outStride = new long[5];
    public final long[] inputShape, outputShape;
    public final long inputCount, outputCount;
    /** Rows a run can be split into: per (n, c, d, h) for channels first, per (n, d, h) for channels last. */
    public final long rows;

    private Geometry(PoolSpec spec, Layout layout, long[] inputShape) {
        this.op = spec.op();
        this.layout = layout;
        this.rank = spec.rank();
        this.divisor = spec.divisor();
        this.divisorOverride = spec.divisorOverride();
        this.nanPolicy = spec.nanPolicy();
        this.inputShape = inputShape.clone();
        if (inputShape.length != rank + 2) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + " has " + (inputShape.length - 2)
                    + " spatial dimensions but the spec has " + rank);
        }
        this.inputCount = elementCount("input shape", inputShape);
        this.batch = inputShape[0];
        this.channels = inputShape[1];
        long[] k = spec.kernel(), s = spec.stride(), d = spec.dilation(), pb = spec.padBegin(), pe = spec.padEnd();
        this.outputShape = new long[rank + 2];
        outputShape[0] = batch;
        outputShape[1] = channels;
        for (int a = 0; a < 3; a++) {
            int i = a - (3 - rank); // axis of the spec, < 0 for the padded outer axes
            if (i < 0) {
                in[a] = out[a] = kernel[a] = stride[a] = dilation[a] = 1;
                continue;
            }
            long size = inputShape[i + 2];
            long effective = d[i] * (k[i] - 1) + 1;
            long begin = pb[i], end = pe[i];
            if (spec.autoPad() == AutoPad.SAME_UPPER || spec.autoPad() == AutoPad.SAME_LOWER) {
                long o = (size + s[i] - 1) / s[i];
                long total = Math.max((o - 1) * s[i] + effective - size, 0);
                begin = spec.autoPad() == AutoPad.SAME_UPPER ? total / 2 : (total + 1) / 2;
                end = total - begin;
            } else if (spec.autoPad() == AutoPad.VALID) {
                begin = end = 0;
            }
            long o = outputSize(size, k[i], s[i], d[i], begin, end, spec.ceilMode());
            if (o < 1) {
                throw new IllegalArgumentException("kernel[" + i + "] = " + k[i]
                        + (d[i] > 1 ? " (effective " + effective + " with dilation " + d[i] + ")" : "")
                        + " does not fit the padded input along spatial axis " + i + " (" + size + " + " + begin
                        + " + " + end + " = " + (size + begin + end) + ")");
            }
            in[a] = size;
            out[a] = o;
            kernel[a] = k[i];
            stride[a] = s[i];
            dilation[a] = d[i];
            padBegin[a] = begin;
            padEnd[a] = end;
            outputShape[i + 2] = o;
        }
        this.outputCount = elementCount("output shape", outputShape);
        setStrides(inStride, in);
        setStrides(outStride, out);
        this.rows = batch * out[0] * out[1] * (layout == Layout.NCHW ? channels : 1);
    }

    /** Validates {@code spec} against an input shape and resolves it. */
    public static Geometry of(PoolSpec spec, Layout layout, long[] inputShape) {
        return new Geometry(spec, layout, inputShape);
    }

    /**
     * Output length along one axis, PyTorch/ONNX rule: {@code floor((L + pb + pe - ke [+ s-1 with ceil]) / s) + 1},
     * minus one in ceil mode when the last window would start inside the end padding. Below 1 when the window
     * does not fit.
     */
    public static long outputSize(long in, long kernel, long stride, long dilation, long padBegin, long padEnd, boolean ceil) {
        // rounded toward -infinity as PyTorch does: in ceil mode the added stride - 1 can accept a window
        // that overhangs the end padding
        long numerator = in + padBegin + padEnd - (dilation * (kernel - 1) + 1) + (ceil ? stride - 1 : 0);
        if (numerator < 0) return 0;
        long o = numerator / stride + 1;
        if (ceil && (o - 1) * stride >= in + padBegin) o--;
        return o;
    }

    /** Element count of a shape whose dimensions must all be positive, and whose bytes must fit a long. */
    public static long elementCount(String name, long[] shape) {
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 1) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + shape[i] + " in " + Arrays.toString(shape)
                        + ": every dimension must be positive");
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

    private void setStrides(long[] st, long[] size) {
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

    /** "[n=0, c=3, h=5, w=7]" for an output element, in the output's layout. */
    public String describeOutputElement(long offset) {
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
        String[] names = rank == 1 ? new String[] {"n", "c", "w"}
                : rank == 2 ? new String[] {"n", "c", "h", "w"} : new String[] {"n", "c", "d", "h", "w"};
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < coordinate.length; i++) {
            s.append(i == 0 ? "" : ", ").append(names[i]).append('=').append(coordinate[i]);
        }
        return s.append(']').toString();
    }
}
