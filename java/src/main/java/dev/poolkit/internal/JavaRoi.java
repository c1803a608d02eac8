package dev.poolkit.internal;

import dev.poolkit.IndexFormat;
import dev.poolkit.PoolingException;
import dev.poolkit.RoiOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Java definition of region pooling, operation for operation the one of native/src/roi/roi.c (float arithmetic
 * in the same order, so both agree bit for bit). Boxes must have been validated ({@link #checkBox}). Immutable.
 */
public final class JavaRoi implements RoiKernel {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int SKIP_GRID = 64;

    private final RoiOp op;
    private final boolean aligned, separateIndex;
    private final long batch, channels, height, width, outH, outW, samplingRatio;
    private final float scale;
    private final long[] in, out; // element strides n, c, h, w
    private final IndexSpace space;

    public JavaRoi(
            RoiOp op,
            boolean aligned,
            boolean separateIndex,
            float scale,
            long samplingRatio,
            IndexFormat format,
            long[] inputShape,
            long[] inStrides,
            long outH,
            long outW,
            long[] outStrides) {
        this.op = op;
        this.aligned = aligned;
        this.separateIndex = separateIndex;
        this.scale = scale;
        this.samplingRatio = samplingRatio;
        this.batch = inputShape[0];
        this.channels = inputShape[1];
        this.height = inputShape[2];
        this.width = inputShape[3];
        this.outH = outH;
        this.outW = outW;
        this.in = inStrides.clone();
        this.out = outStrides.clone();
        this.space = new IndexSpace(format, batch, channels, new long[] {1, height, width}, 2);
    }

    /** Null when box k is valid, else what is wrong with it. */
    public static String checkBox(
            MemorySegment boxes, MemorySegment batchIndices, long k, boolean separateIndex, long batch, float scale) {
        long base = k * (separateIndex ? 4 : 5);
        if (separateIndex) {
            long image = batchIndices.getAtIndex(L, k);
            if (image < 0 || image >= batch) return "batch index " + image + " outside [0, " + batch + ")";
        } else {
            float image = boxes.getAtIndex(F, base);
            if (!(image >= 0f && image < (float) batch) || image != (float) Math.floor(image)) {
                return "image index " + image + " is not an integer in [0, " + batch + ")";
            }
            base++;
        }
        for (int i = 0; i < 4; i++) {
            float c = boxes.getAtIndex(F, base + i), s = c * scale;
            if (!(Math.abs(s) <= dev.poolkit.RoiSpec.MAX_SCALED_COORDINATE)) {
                return "coordinate " + "x1y1x2y2".substring(2 * i, 2 * i + 2) + " = " + c
                        + (Float.isFinite(c) ? " scales to " + s + ", beyond 2^24" : " is not finite");
            }
        }
        return null;
    }

    private long image(MemorySegment boxes, MemorySegment batchIndices, long k) {
        return separateIndex ? batchIndices.getAtIndex(L, k) : (long) boxes.getAtIndex(F, k * 5);
    }

    private float scaled(MemorySegment boxes, long k, int i) {
        return boxes.getAtIndex(F, k * (separateIndex ? 4 : 5) + (separateIndex ? 0 : 1) + i) * scale;
    }

    /** Geometry of one RoIAlign box: start h, start w, bin h, bin w, count; grid h, grid w. */
    private final class AlignBox {
        final float startH, startW, binH, binW, count;
        final long gridH, gridW;

        AlignBox(float x1, float y1, float x2, float y2) {
            float offset = aligned ? 0.5f : 0f;
            startW = x1 - offset;
            startH = y1 - offset;
            float w = (x2 - offset) - startW, h = (y2 - offset) - startH;
            if (!aligned) {
                w = w < 1f ? 1f : w;
                h = h < 1f ? 1f : h;
            }
            binH = h / (float) outH;
            binW = w / (float) outW;
            gridH = samplingRatio > 0 ? samplingRatio : (long) Math.ceil(h / (float) outH);
            gridW = samplingRatio > 0 ? samplingRatio : (long) Math.ceil(w / (float) outW);
            long samples = gridH * gridW;
            count = (float) (samples > 1 ? samples : 1);
        }
    }

    private static float sampleAt(float start, float bin, long b, long i, long grid) {
        return start + (float) b * bin + (float) ((float) i + 0.5f) * bin / (float) grid;
    }

    /** {lo, hi}: see sample_range in roi.c. */
    private void sampleRange(float start, float bin, long b, long grid, long size, long[] range) {
        range[0] = 0;
        range[1] = grid > 0 ? grid : 0;
        if (samplingRatio > 0 || grid <= SKIP_GRID) return;
        double base = start + (float) b * bin, step = (double) bin / (double) grid;
        double first = Math.floor((-1.0 - base) / step - 0.5) - 16.0,
                last = Math.ceil(((double) size - base) / step - 0.5) + 16.0;
        if (first > 0.0) range[0] = first >= (double) grid ? grid : (long) first;
        if (last + 1.0 < (double) grid) range[1] = last + 1.0 <= (double) range[0] ? range[0] : (long) (last + 1.0);
    }

    /** torchvision's bilinear_interpolate into pos (element offsets) and w; false for a sample outside. */
    private boolean bilinear(float y, float x, long[] pos, float[] w) {
        if ((double) y < -1.0 || (double) y > (double) height || (double) x < -1.0 || (double) x > (double) width)
            return false;
        if (y <= 0f) y = 0f;
        if (x <= 0f) x = 0f;
        long yLow = (long) y, xLow = (long) x, yHigh, xHigh;
        if (yLow >= height - 1) {
            yHigh = yLow = height - 1;
            y = (float) yLow;
        } else {
            yHigh = yLow + 1;
        }
        if (xLow >= width - 1) {
            xHigh = xLow = width - 1;
            x = (float) xLow;
        } else {
            xHigh = xLow + 1;
        }
        float ly = y - (float) yLow, lx = x - (float) xLow, hy = 1f - ly, hx = 1f - lx;
        w[0] = hy * hx;
        w[1] = hy * lx;
        w[2] = ly * hx;
        w[3] = ly * lx;
        pos[0] = yLow * in[2] + xLow * in[3];
        pos[1] = yLow * in[2] + xHigh * in[3];
        pos[2] = yHigh * in[2] + xLow * in[3];
        pos[3] = yHigh * in[2] + xHigh * in[3];
        return true;
    }

    /** pk_roi_sample_one: a channel's update by one sample. */
    private float sampleOne(float acc, float v0, float v1, float v2, float v3, float[] w, boolean first) {
        if (op == RoiOp.ALIGN_MAX_ONNX_RUNTIME) {
            float t = w[0] * v0, u = w[1] * v1;
            t = t < u ? u : t;
            u = w[2] * v2;
            t = t < u ? u : t;
            u = w[3] * v3;
            t = t < u ? u : t;
            return first ? t : (acc < t ? t : acc);
        }
        float value = w[0] * v0 + w[1] * v1 + w[2] * v2 + w[3] * v3;
        if (op == RoiOp.ALIGN_AVG) return acc + value;
        return first || value > acc || value != value ? value : acc;
    }

    @Override
    public String name() {
        return "java";
    }

    /** Forward for boxes [begin, end). */
    @Override
    public void forward(
            MemorySegment input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment output,
            MemorySegment argmax,
            long begin,
            long end) {
        long[] pos = new long[4], range = new long[4], r2 = new long[2];
        float[] w = new float[4], zero = new float[4];
        for (long k = begin; k < end; k++) {
            long image = image(boxes, batchIndices, k);
            long inBase = image * in[0];
            float x1 = scaled(boxes, k, 0),
                    y1 = scaled(boxes, k, 1),
                    x2 = scaled(boxes, k, 2),
                    y2 = scaled(boxes, k, 3);
            if (op == RoiOp.POOL) {
                long startW = roundHalfAway(x1), startH = roundHalfAway(y1);
                long roiW = Math.max(roundHalfAway(x2) - startW + 1, 1),
                        roiH = Math.max(roundHalfAway(y2) - startH + 1, 1);
                float binH = (float) roiH / (float) outH, binW = (float) roiW / (float) outW;
                for (long ph = 0; ph < outH; ph++) {
                    for (long pw = 0; pw < outW; pw++) {
                        long h0 = clip((long) Math.floor((float) ph * binH) + startH, height);
                        long h1 = clip((long) Math.ceil((float) (ph + 1) * binH) + startH, height);
                        long w0 = clip((long) Math.floor((float) pw * binW) + startW, width);
                        long w1 = clip((long) Math.ceil((float) (pw + 1) * binW) + startW, width);
                        boolean empty = h1 <= h0 || w1 <= w0;
                        for (long c = 0; c < channels; c++) {
                            long plane = inBase + c * in[1];
                            float best = empty ? 0f : -Float.MAX_VALUE;
                            long at = -1;
                            for (long h = h0; h < h1; h++) {
                                for (long x = w0; x < w1; x++) {
                                    float v = input.getAtIndex(F, plane + h * in[2] + x * in[3]);
                                    if (v > best) {
                                        best = v;
                                        at = h * width + x;
                                    }
                                }
                            }
                            long o = k * out[0] + c * out[1] + ph * out[2] + pw * out[3];
                            output.setAtIndex(F, o, best);
                            if (argmax != null) argmax.setAtIndex(L, o, at < 0 ? -1 : space.encode(image, c, at));
                        }
                    }
                }
                continue;
            }
            AlignBox g = new AlignBox(x1, y1, x2, y2);
            for (long ph = 0; ph < outH; ph++) {
                sampleRange(g.startH, g.binH, ph, g.gridH, height, r2);
                range[0] = r2[0];
                range[1] = r2[1];
                for (long pw = 0; pw < outW; pw++) {
                    sampleRange(g.startW, g.binW, pw, g.gridW, width, r2);
                    range[2] = r2[0];
                    range[3] = r2[1];
                    long o0 = k * out[0] + ph * out[2] + pw * out[3];
                    for (long c = 0; c < channels; c++) output.setAtIndex(F, o0 + c * out[1], 0f);
                    boolean first = true;
                    for (long iy = range[0]; iy < range[1]; iy++) {
                        float y = sampleAt(g.startH, g.binH, ph, iy, g.gridH);
                        for (long ix = range[2]; ix < range[3]; ix++) {
                            float x = sampleAt(g.startW, g.binW, pw, ix, g.gridW);
                            boolean inside = bilinear(y, x, pos, w);
                            if (!inside && op == RoiOp.ALIGN_AVG) continue;
                            for (long c = 0; c < channels; c++) {
                                long o = o0 + c * out[1], plane = inBase + c * in[1];
                                float acc = output.getAtIndex(F, o);
                                output.setAtIndex(
                                        F,
                                        o,
                                        inside
                                                ? sampleOne(
                                                        acc,
                                                        input.getAtIndex(F, plane + pos[0]),
                                                        input.getAtIndex(F, plane + pos[1]),
                                                        input.getAtIndex(F, plane + pos[2]),
                                                        input.getAtIndex(F, plane + pos[3]),
                                                        w,
                                                        first)
                                                : sampleOne(acc, 0f, 0f, 0f, 0f, zero, first));
                            }
                            first = false;
                        }
                    }
                    if (op == RoiOp.ALIGN_AVG) {
                        for (long c = 0; c < channels; c++) {
                            long o = o0 + c * out[1];
                            output.setAtIndex(F, o, output.getAtIndex(F, o) / g.count);
                        }
                    } else if (!first && (range[1] - range[0]) * (range[3] - range[2]) < g.gridH * g.gridW) {
                        for (long c = 0; c < channels; c++) {
                            long o = o0 + c * out[1];
                            output.setAtIndex(F, o, sampleOne(output.getAtIndex(F, o), 0f, 0f, 0f, 0f, zero, false));
                        }
                    }
                }
            }
        }
    }

    /** Gradient with respect to the input, over all of gradInput (see pk_roi_backward_f32). */
    @Override
    public void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment boxes,
            MemorySegment batchIndices,
            MemorySegment argmax,
            long boxCount) {
        if (op == RoiOp.POOL) { // every index first, so that a bad one leaves gradInput untouched
            for (long k = 0; k < boxCount; k++) {
                long image = image(boxes, batchIndices, k);
                for (long c = 0; c < channels; c++) {
                    for (long ph = 0; ph < outH; ph++) {
                        for (long pw = 0; pw < outW; pw++) {
                            long index = argmax.getAtIndex(L, k * out[0] + c * out[1] + ph * out[2] + pw * out[3]);
                            long[] t = index == -1 ? null : space.decode(image, c, index);
                            if (index != -1 && (t == null || t[0] != image || t[1] != c)) {
                                throw new PoolingException(
                                        "argmax: " + index + " (box " + k + ", channel " + c + ", bin " + ph + ", " + pw
                                                + ") names no position of its image and channel",
                                        PoolingException.INVALID_INDEX);
                            }
                        }
                    }
                }
            }
        }
        for (long n = 0; n < batch; n++) {
            for (long c = 0; c < channels; c++) {
                for (long h = 0; h < height; h++) {
                    for (long x = 0; x < width; x++)
                        gradInput.setAtIndex(F, n * in[0] + c * in[1] + h * in[2] + x * in[3], 0f);
                }
            }
        }
        long[] pos = new long[4], r2 = new long[2];
        float[] w = new float[4];
        for (long k = 0; k < boxCount; k++) {
            long image = image(boxes, batchIndices, k);
            AlignBox g = op == RoiOp.POOL
                    ? null
                    : new AlignBox(scaled(boxes, k, 0), scaled(boxes, k, 1), scaled(boxes, k, 2), scaled(boxes, k, 3));
            for (long c = 0; c < channels; c++) {
                long plane = image * in[0] + c * in[1];
                for (long ph = 0; ph < outH; ph++) {
                    for (long pw = 0; pw < outW; pw++) {
                        long o = k * out[0] + c * out[1] + ph * out[2] + pw * out[3];
                        float grad = gradOutput.getAtIndex(F, o);
                        if (op == RoiOp.POOL) {
                            long index = argmax.getAtIndex(L, o);
                            if (index == -1) continue;
                            long p = space.decode(image, c, index)[2];
                            add(gradInput, plane + p / width * in[2] + p % width * in[3], grad);
                        } else if (op == RoiOp.ALIGN_AVG) {
                            sampleRange(g.startH, g.binH, ph, g.gridH, height, r2);
                            long yLo = r2[0], yHi = r2[1];
                            sampleRange(g.startW, g.binW, pw, g.gridW, width, r2);
                            for (long iy = yLo; iy < yHi; iy++) {
                                float y = sampleAt(g.startH, g.binH, ph, iy, g.gridH);
                                for (long ix = r2[0]; ix < r2[1]; ix++) {
                                    if (!bilinear(y, sampleAt(g.startW, g.binW, pw, ix, g.gridW), pos, w)) continue;
                                    for (int i = 0; i < 4; i++) add(gradInput, plane + pos[i], grad * w[i] / g.count);
                                }
                            }
                        } else {
                            int corners = maxWinner(g, ph, pw, input, plane, pos, w, r2);
                            for (int i = 0; i < corners; i++) add(gradInput, plane + pos[i], grad * w[i]);
                        }
                    }
                }
            }
        }
    }

    private int maxWinner(
            AlignBox g, long ph, long pw, MemorySegment input, long plane, long[] pos, float[] w, long[] r2) {
        sampleRange(g.startH, g.binH, ph, g.gridH, height, r2);
        long yLo = r2[0], yHi = r2[1];
        sampleRange(g.startW, g.binW, pw, g.gridW, width, r2);
        long xLo = r2[0], xHi = r2[1];
        long[] sp = new long[4];
        float[] sw = new float[4];
        float best = 0f;
        int corners = 0;
        boolean first = true;
        for (long iy = yLo; iy < yHi; iy++) {
            float y = sampleAt(g.startH, g.binH, ph, iy, g.gridH);
            for (long ix = xLo; ix < xHi; ix++) {
                boolean inside = bilinear(y, sampleAt(g.startW, g.binW, pw, ix, g.gridW), sp, sw);
                float value = 0f;
                int corner = 0;
                if (inside && op == RoiOp.ALIGN_MAX) {
                    value = sw[0] * input.getAtIndex(F, plane + sp[0])
                            + sw[1] * input.getAtIndex(F, plane + sp[1])
                            + sw[2] * input.getAtIndex(F, plane + sp[2])
                            + sw[3] * input.getAtIndex(F, plane + sp[3]);
                } else if (inside) {
                    value = sw[0] * input.getAtIndex(F, plane + sp[0]);
                    for (int i = 1; i < 4; i++) {
                        float t = sw[i] * input.getAtIndex(F, plane + sp[i]);
                        if (value < t) {
                            value = t;
                            corner = i;
                        }
                    }
                }
                boolean take = op == RoiOp.ALIGN_MAX ? first || value > best || value != value : first || best < value;
                first = false;
                if (!take) continue;
                best = value;
                if (!inside) {
                    corners = 0;
                } else if (op == RoiOp.ALIGN_MAX) {
                    System.arraycopy(sp, 0, pos, 0, 4);
                    System.arraycopy(sw, 0, w, 0, 4);
                    corners = 4;
                } else {
                    pos[0] = sp[corner];
                    w[0] = sw[corner];
                    corners = 1;
                }
            }
        }
        if (!first && (yHi - yLo) * (xHi - xLo) < g.gridH * g.gridW) {
            if (op == RoiOp.ALIGN_MAX ? 0f > best : best < 0f) corners = 0;
        }
        return corners;
    }

    private static void add(MemorySegment s, long i, float v) {
        s.setAtIndex(F, i, s.getAtIndex(F, i) + v);
    }

    private static long clip(long v, long size) {
        return v < 0 ? 0 : v > size ? size : v;
    }

    /** C's roundf: half away from zero (exact for |v| <= 2^24 in double). */
    static long roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (long) (v < 0 ? -r : r);
    }
}
