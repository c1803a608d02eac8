package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import dev.poolkit.WindowRule;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The Java backend's path for runs without indices of max, min and average pooling over dense tensors with sliding
 * or global windows, equal to {@link JavaKernel}'s definition bit for bit, organized as element-wise loops over heap
 * arrays ({@link JavaLanes}) that C2 or the Vector API vectorize.
 *
 * <p>Taps are read straight from the input where they lie inside it, as whole vectors of the Vector API (a copy
 * costs more than the pass that reads it): channels last, each output's channels fold the taps of its window that lie
 * inside the input, in window order, which is the definition's order for sums (it skips the padding); channels first,
 * lines of max and min with 3x3 windows or larger fold each line's rows into a padded row of a chunk of lines, then
 * the taps along w at every position of the chunk in one pass ({@link #foldedLines}: rows stored a chunk earlier, not
 * read back at unaligned offsets just after being stored, which stalls); smaller windows fold, at every position
 * along w whose taps all lie inside the input, every tap of the window in one pass, the few border positions one by
 * one. Both keep every stride-th position; folded lines whose loops gather (the Vector API's) fold the taps at those
 * positions only.
 *
 * <p>Other lines copy each input row a window row reads into a row buffer padded on both sides with the op's identity
 * (0 for sums): a tap in the padding then changes nothing (+0 added to a sum that starts at +0 never changes its bits;
 * the identity loses every max and min), so borders need no bounds or cases. Along w, tap {@code jw} of output
 * {@code ow} sits at {@code ow * stride + jw * dilation} of the padded row. Channels first, small planes are laid out
 * by blocks as padded images (planes without padding as copies of the input): with stride 1 along w, every output
 * takes all its taps at once and is divided as it is stored, in place ({@link JavaLanes#foldLines}); with other
 * strides, one loop per tap computes that tap at every position of the block and the outputs' positions are picked out
 * afterwards, or, with output lines of a vector or more, loops that gather (the Vector API's) compute each output
 * line's taps at its outputs' positions only; max and min of windows two wide with stride
 * two along w combine each output line's window rows lane-wise, then the even and the odd positions
 * ({@link JavaLanes#pairs}). Averages over larger planes copy each plane and go line by line.
 *
 * <p>Sums keep the definition's order: every output adds its taps row by row, tap by tap, and divides once, by the
 * definition's divisor. Max and min fold in any order: {@link Math#max} and {@link Math#min} give the definition's
 * value in any order except which zero wins a tie of -0 and +0 and which NaN comes out, so an output that is zero or
 * NaN is computed again by the definition's rule, and a NaN is made the canonical one, as {@link JavaKernel} does.
 * Channels-first global windows (a plane per output) fold sixteen planes at a time, one per lane
 * ({@link JavaLanes#foldPlanes}), each in memory order, which is window order.
 *
 * <p>Every buffer has room past its end ({@link #SLACK}), so that a masked last vector never takes the Vector API's
 * slow path, which checks each lane when a whole vector would reach past the array's end.
 */
final class JavaDensePath {
    /** Longest padded row (elements), and largest plane in or out (channels first), kept on the heap per thread. */
    private static final long MAX_BUFFER = 1 << 18;
    /** The offsets of a single tap at 0. */
    private static final int[] FIRST_TAP = {0};
    /** Elements of padded planes per block, so that a block and its sums stay in the first-level cache. */
    private static final int BLOCK = 1 << 12;
    /** Channels-first global windows: most planes summed side by side, each its own chain of adds. */
    private static final int PLANES = 16;
    /** Floats past the end of every buffer: more than a vector of any species has lanes. */
    private static final int SLACK = 64;

    /** Most taps per window read straight from the input (channels last). */
    private static final int MAX_WINDOW = 1 << 16;

    private final JavaKernel kernel;
    private final Geometry g;
    private final JavaLanes lanes;
    private final long[][] origin, first, last;
    private final boolean max, min, average, propagateNan, channelsFirst, global;
    private final float identity;
    /** The op as {@link JavaLanes#fold} takes it. */
    private final int foldOp;
    /** Per tap jw, its offset along the padded row in elements ({@code jw * dilation * width}). */
    private final int[] rowTaps;
    /**
     * Channels last: the kernel's window rows (jd, jh) of a line copied side by side into one buffer of padded rows
     * (rows outside the input left as padding), and each tap's offset in it, in window order; so that every output
     * folds all its taps in one pass. Null when they do not fit.
     */
    private final int[] windowTaps;

    private final int windowRows;
    /**
     * Channels last, each tap (jd, jh, jw) of a window in window order, as a byte offset from the window's first
     * tap: lines whose windows all lie inside the input read their taps straight from it ({@link #directLine}).
     * Null when windows have too many taps.
     */
    private final long[] windowBytes;
    /** Whether every output along w has all its taps inside the input (no padding along w). */
    private final boolean insideW;
    /** Elements per pixel: the channel count channels last, 1 channels first. */
    private final int width;

    private final int inW, outW, stride, dilation, taps, padBegin, paddedLength;
    /** Window rows (jd, jh) per window, at most {@link #MAX_BUFFER} (channels first: beyond it, averages only). */
    private final int rowCount;
    /** Channels first: elements of an input and of an output plane, and output lines per plane. */
    private final int inPlane, outPlane, linesPerPlane;
    /**
     * Channels first, planes as padded images: each plane copied into a buffer padded with the identity on every
     * axis to {@code paddedD x paddedH x paddedW} (0 ... the last tap), so that the tap (jd, jh, jw) of the output at
     * position q of the buffer sits at {@code q + tapOffset[t]}: one element-wise loop per tap over a block of planes
     * computes that tap for every position, and the outputs' positions ({@code outputAt}) are then picked out. Null
     * when planes are too large, or strides would waste too many positions.
     */
    private final int[] tapOffset, outputAt;

    private final int paddedPlane, planesPerBlock;
    /**
     * Channels first by blocks of planes, max and min of windows two wide with stride two along w: the offsets of a
     * window's rows (its taps at jw = 0), whose pairs {@link JavaLanes#pairs} combines, and where each output line of
     * a whole block starts in its images; else null.
     */
    private final int[] pairRows, pairLines;
    /**
     * Channels first by blocks of planes with stride 1 along w: where each output line of a plane starts in its image,
     * and the offsets of a window's rows (jd, jh) and of its columns jw there, so that every output takes all its taps
     * at once, straight into its place ({@link JavaLanes#foldLines}); else null.
     */
    private final int[] lineStarts, imageRows, imageColumns;

    private final boolean rawPlanes;
    /** Averages: each output's divisor (channels first) or each (od, oh, ow)'s (channels last), and whether one is 0. */
    private final float[] divisors;

    private final boolean zeroDivisor;
    /**
     * Channels-first global windows: planes copied and folded at a time ({@link #PLANES}, half as many for planes
     * above {@link #BLOCK} elements, as before), and the start of each in the copy ({@code k * inPlane}).
     */
    private final int globalGroup;
    /** Channels first, max and min line by line: lines folded per chunk ({@link #foldedLines}). */
    private final int chunkLines;
    /**
     * Channels first, max and min line by line: whether lines fold their rows first ({@link #foldedLines}), when that
     * reads fewer elements per position than all the window's taps at once ({@link #planeLine}): rows + taps along w,
     * and a store and a load of the folded row, against rows x taps (3x3 windows: 8 against 9, measured 536 against
     * 758 us on S1-resnet-stem; 2x2: 6 against 4, 2,211 against 1,689 us on S2-vgg-block1). Lines by pairs
     * ({@link #pairsInside}) take {@link #planeLine} either way.
     */
    private final boolean rowsFirst;
    /**
     * Channels first, max and min: whether windows are two wide with stride two along w and lie inside the row, so
     * that a line's outputs pair up its rows' elements ({@link JavaLanes#pairs}, straight from the input).
     */
    private final boolean pairsInside;
    /**
     * Channels first, max and min: whether windows are three wide with stride two along w (the ResNet stem's), so that
     * a line's outputs take their rows' elements by vectors of evens and odds ({@link JavaLanes#triples}, straight from
     * the input).
     */
    private final boolean triplesAlongW;

    private final int[] planeStarts;
    private final long[] paddedSize;
    private final ThreadLocal<Scratch> scratch;

    /** Per-thread buffers: a prepared operation may run on several threads at once. */
    private static final class Scratch {
        final float[] padded, row, line, planeIn, planeOut, taps, images, sums, windows, results, foldedRows, positions;
        /** Channels first: the byte offsets of a line's window rows inside the input, from its plane. */
        final long[] rows;
        /** Channels first: the byte offsets of all taps of a line's window (rows, then taps along w) from its first. */
        final long[] lineTaps;
        /** Channels last: the byte offsets of an output's taps inside the input, from its image. */
        final long[] windowTaps;

        Scratch(JavaDensePath p) {
            windows = buffer(p.windowRows * p.paddedLength * p.width);
            Arrays.fill(windows, p.identity); // the padding; rows are copied inside it
            int block = p.planesPerBlock;
            images = buffer(block * p.paddedPlane);
            Arrays.fill(images, p.average ? 0f : p.identity); // the padding; planes are copied inside it
            sums = buffer(p.lineStarts == null ? block * p.paddedPlane : 0);
            padded = buffer(p.paddedLength * p.width);
            Arrays.fill(padded, p.average ? 0f : p.identity); // the padding; rows are copied between its two sides
            row = buffer(p.channelsFirst ? 0 : p.inW * p.width);
            line = buffer(p.channelsFirst ? 0 : p.outW * p.width);
            planeIn = buffer(
                    p.channelsFirst ? Math.max(1, Math.max(block, p.global ? p.globalGroup : 1)) * p.inPlane : 0);
            results = buffer(p.global ? p.globalGroup : 0);
            planeOut = buffer(p.channelsFirst && !p.global ? Math.max(1, block) * p.outPlane : 0);
            taps = buffer(p.channelsFirst ? p.paddedLength : 0);
            rows = new long[p.channelsFirst ? p.rowCount : 0];
            windowTaps = new long[p.windowBytes == null ? 0 : p.windowBytes.length];
            foldedRows = buffer(p.channelsFirst ? p.chunkLines * p.paddedLength : 0);
            Arrays.fill(foldedRows, p.identity); // the padding; each line's rows are folded inside it
            positions = buffer(p.channelsFirst ? p.chunkLines * p.paddedLength : 0);
            lineTaps = new long[p.channelsFirst ? (int) Math.min((long) p.rowCount * p.taps, MAX_WINDOW) : 0];
        }
    }

    /**
     * A buffer of {@code n} floats and {@link #SLACK} more: a masked last vector that would reach past an array's end
     * takes the Vector API's slow path, which checks each lane.
     */
    private static float[] buffer(int n) {
        return new float[n + SLACK];
    }

    /** Whether this path computes the problem's runs without indices. */
    static boolean applies(Geometry g, long[][] origin, long[][] first, long[][] last) {
        boolean ops = g.op == PoolOp.MAX || g.op == PoolOp.MIN || (g.op == PoolOp.AVG && !g.wideAverage);
        boolean windows = g.windowRule == WindowRule.SLIDING || g.windowRule == WindowRule.GLOBAL;
        if (!g.dense || !ops || !windows) return false;
        long width = g.layout == Layout.NHWC ? g.channels : 1;
        long padded = paddedLength(g); // each size here is at most 2^42: bounded before any product
        if (padded > MAX_BUFFER || width > MAX_BUFFER || padded * width > MAX_BUFFER) return false;
        // the divisors of averages are tabulated per output of a plane; channels first, planes are copied whole
        boolean smallOut = g.out[0] * g.out[1] * g.out[2] <= MAX_BUFFER,
                smallIn = g.in[0] * g.in[1] * g.in[2] <= MAX_BUFFER;
        return g.layout == Layout.NHWC ? smallOut || g.op != PoolOp.AVG : smallOut && smallIn;
    }

    /** Pixels of the padded row: the begin padding, the row, and the end padding as far as the last tap reaches. */
    private static long paddedLength(Geometry g) {
        long lastTap = (g.out[2] - 1) * g.stride[2] + (g.kernel[2] - 1) * g.dilation[2];
        return Math.max(g.padBegin[2] + g.in[2], lastTap + 1);
    }

    JavaDensePath(JavaKernel kernel, Geometry g, JavaLanes lanes, long[][] origin, long[][] first, long[][] last) {
        this.kernel = kernel;
        this.g = g;
        this.lanes = lanes;
        this.origin = origin;
        this.first = first;
        this.last = last;
        this.max = g.op == PoolOp.MAX;
        this.min = g.op == PoolOp.MIN;
        this.average = g.op == PoolOp.AVG;
        this.propagateNan = g.nanPolicy == NanPolicy.PROPAGATE;
        this.identity = max ? Float.NEGATIVE_INFINITY : min ? Float.POSITIVE_INFINITY : 0f;
        this.foldOp = max ? JavaLanes.MAX : min ? JavaLanes.MIN : JavaLanes.ADD;
        this.channelsFirst = g.layout == Layout.NCHW;
        this.width = channelsFirst ? 1 : (int) g.channels;
        this.inW = (int) g.in[2];
        this.outW = (int) g.out[2];
        this.stride = (int) g.stride[2];
        this.dilation = (int) g.dilation[2];
        this.taps = (int) g.kernel[2];
        this.padBegin = (int) g.padBegin[2];
        this.pairsInside = channelsFirst
                && !average
                && taps == 2
                && stride == 2
                && dilation == 1
                && padBegin == 0
                && 2L * outW <= inW;
        this.triplesAlongW = channelsFirst && !average && taps == 3 && stride == 2 && dilation == 1;
        this.paddedLength = (int) paddedLength(g);
        this.rowTaps = new int[(int) g.kernel[2]];
        for (int jw = 0; jw < rowTaps.length; jw++) rowTaps[jw] = (int) (jw * g.dilation[2] * width);
        long rows = g.kernel[0] * g.kernel[1]; // each at most 2^40: bounded before the product below
        this.rowCount = (int) Math.min(rows, MAX_BUFFER);
        boolean insideW = true;
        for (int ow = 0; ow < outW; ow++) insideW &= first[2][ow] == 0 && last[2][ow] == g.kernel[2];
        this.insideW = insideW;
        if (!channelsFirst && g.kernel[0] <= MAX_WINDOW && g.kernel[1] <= MAX_WINDOW && rows * taps <= MAX_WINDOW) {
            this.windowBytes = new long[(int) rows * taps];
            int t = 0;
            for (long jd = 0; jd < g.kernel[0]; jd++) {
                for (long jh = 0; jh < g.kernel[1]; jh++) {
                    for (long jw = 0; jw < taps; jw++) {
                        windowBytes[t++] = (jd * g.dilation[0] * g.inStride[Geometry.D]
                                        + jh * g.dilation[1] * g.inStride[Geometry.H]
                                        + jw * g.dilation[2] * g.inStride[Geometry.W])
                                * Float.BYTES;
                    }
                }
            }
        } else {
            this.windowBytes = null;
        }
        if (!channelsFirst
                && g.kernel[0] <= 1024
                && g.kernel[1] <= 1024
                && rows * taps <= 1024
                && rows * paddedLength * width <= MAX_BUFFER) {
            this.windowRows = (int) rows;
            this.windowTaps = new int[(int) rows * taps];
            for (int slot = 0, t = 0; slot < rows; slot++) {
                for (int jw = 0; jw < taps; jw++) windowTaps[t++] = slot * paddedLength * width + rowTaps[jw];
            }
        } else {
            this.windowRows = 0;
            this.windowTaps = null;
        }
        // used channels first and for the divisors of averages, where applies() bounds them; capped for the others
        this.inPlane = (int) Math.min(g.in[0] * g.in[1] * g.in[2], MAX_BUFFER);
        this.outPlane = (int) Math.min(g.out[0] * g.out[1] * g.out[2], MAX_BUFFER);
        this.linesPerPlane = (int) Math.min(g.out[0] * g.out[1], MAX_BUFFER);
        boolean whole = true; // every window is its whole plane, its taps in memory order
        for (int a = 0; a < 3; a++) {
            whole &= g.out[a] == 1
                    && origin[a][0] == 0
                    && first[a][0] == 0
                    && last[a][0] == g.in[a]
                    && g.dilation[a] == 1;
        }
        this.global = channelsFirst && whole;
        this.globalGroup = inPlane <= BLOCK ? PLANES : PLANES / 2;
        this.chunkLines = (int) Math.max(1, Math.min(linesPerPlane, 4 * BLOCK / paddedLength));
        this.rowsFirst = rows * taps >= rows + taps + 2;
        this.planeStarts = new int[global ? globalGroup : 0];
        for (int k = 0; k < planeStarts.length; k++) planeStarts[k] = k * inPlane;
        long[] size = new long[3];
        long padded = 1, volume = g.kernel[0] * g.kernel[1] * g.kernel[2];
        boolean raw = true;
        for (int a = 0; a < 3; a++) {
            size[a] = Math.max(
                    g.padBegin[a] + g.in[a], (g.out[a] - 1) * g.stride[a] + (g.kernel[a] - 1) * g.dilation[a] + 1);
            padded = Math.min(padded * Math.min(size[a], MAX_BUFFER + 1), MAX_BUFFER + 1); // saturated: never overflows
            raw &= g.padBegin[a] == 0 && size[a] == g.in[a];
        }
        // every position of the padded planes is computed: worth it while positions are few per output
        boolean images =
                channelsFirst && !global && padded <= BLOCK && padded <= 16 * (long) outPlane && volume <= 1024;
        if (images) {
            this.tapOffset = new int[(int) volume];
            int t = 0;
            for (int jd = 0; jd < g.kernel[0]; jd++) {
                for (int jh = 0; jh < g.kernel[1]; jh++) {
                    for (int jw = 0; jw < g.kernel[2]; jw++) {
                        tapOffset[t++] = (int)
                                (((jd * g.dilation[0]) * size[1] + jh * g.dilation[1]) * size[2] + jw * g.dilation[2]);
                    }
                }
            }
            this.outputAt = new int[outPlane];
            for (int od = 0, i = 0; od < g.out[0]; od++) {
                for (int oh = 0; oh < g.out[1]; oh++) {
                    for (int ow = 0; ow < outW; ow++, i++) {
                        outputAt[i] =
                                (int) (((od * g.stride[0]) * size[1] + oh * g.stride[1]) * size[2] + ow * g.stride[2]);
                    }
                }
            }
            this.paddedPlane = (int) padded;
            // a block and its sums of every position, or its outputs (stride 1 along w), in the first-level cache
            this.planesPerBlock = (int) Math.max(1, BLOCK / (g.stride[2] == 1 ? padded + outPlane : padded));
            boolean pairs = !average && g.kernel[2] == 2 && g.stride[2] == 2 && g.dilation[2] == 1;
            this.pairRows = pairs ? new int[(int) volume / 2] : null;
            for (int r = 0; pairs && r < pairRows.length; r++) pairRows[r] = tapOffset[2 * r];
            this.pairLines = pairs ? new int[planesPerBlock * linesPerPlane] : null;
            for (int l = 0; pairs && l < pairLines.length; l++)
                pairLines[l] = l / linesPerPlane * paddedPlane + outputAt[l % linesPerPlane * outW];
            boolean lines = g.stride[2] == 1 && !pairs;
            this.lineStarts = lines ? new int[linesPerPlane] : null;
            for (int l = 0; lines && l < linesPerPlane; l++) lineStarts[l] = outputAt[l * outW];
            this.imageRows = lines ? new int[(int) (g.kernel[0] * g.kernel[1])] : null;
            for (int r = 0; lines && r < imageRows.length; r++) imageRows[r] = tapOffset[r * (int) g.kernel[2]];
            this.imageColumns = lines ? new int[(int) g.kernel[2]] : null;
            for (int jw = 0; lines && jw < imageColumns.length; jw++) imageColumns[jw] = tapOffset[jw];
        } else {
            this.lineStarts = null;
            this.imageRows = null;
            this.imageColumns = null;
            this.pairRows = null;
            this.pairLines = null;
            this.tapOffset = null;
            this.outputAt = null;
            this.paddedPlane = 0;
            this.planesPerBlock = 0;
        }
        this.rawPlanes = raw;
        this.paddedSize = size;
        float[] table = null;
        boolean zero = false;
        if (average) {
            table = buffer(outPlane); // room past the end, as JavaLanes.foldLines reads it
            for (int od = 0, i = 0; od < g.out[0]; od++) {
                for (int oh = 0; oh < g.out[1]; oh++) {
                    for (int ow = 0; ow < outW; ow++, i++) {
                        table[i] = kernel.averageDivisor(od, oh, ow);
                        zero |= table[i] == 0f;
                    }
                }
            }
        }
        this.divisors = table;
        this.zeroDivisor = zero;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(this));
    }

    /** The name of the loops: {@code vector} or {@code scalar}. */
    String lanes() {
        return lanes.name();
    }

    /** Output rows {@code [rowBegin, rowEnd)} as {@link JavaKernel#run} counts them. */
    void run(MemorySegment input, MemorySegment output, long rowBegin, long rowEnd) {
        Scratch s = scratch.get();
        if (global) globalPlanes(s, input, output, rowBegin, rowEnd);
        else if (tapOffset != null) images(s, input, output, rowBegin, rowEnd);
        else if (channelsFirst) planes(s, input, output, rowBegin, rowEnd);
        else lines(s, input, output, rowBegin, rowEnd);
    }

    /** Channels last: one line per (n, d, h), all channels of every output along w. */
    private void lines(Scratch s, MemorySegment input, MemorySegment output, long rowBegin, long rowEnd) {
        final float[] padded = s.padded, row = s.row, line = s.line;
        final int rowLength = inW * width, lineLength = outW * width, inside = padBegin * width;
        for (long r = rowBegin; r < rowEnd; r++) {
            int oh = (int) (r % g.out[1]), od = (int) (r / g.out[1] % g.out[0]);
            long n = r / g.out[1] / g.out[0];
            long image = n * g.inStride[Geometry.N];
            if (windowBytes != null) {
                directLine(s, input, image, od, oh);
            } else if (windowTaps != null) {
                windowLine(s, input, image, od, oh);
            } else if (average) {
                Arrays.fill(line, 0, lineLength, 0f);
                for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                    long id = origin[0][od] + jd * g.dilation[0];
                    for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                        long ih = origin[1][oh] + jh * g.dilation[1];
                        long at = image + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                        MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, at * Float.BYTES, padded, inside, rowLength);
                        alongWidth(padded, line, 0);
                    }
                }
                int divisorRow = (od * (int) g.out[1] + oh) * outW;
                for (int ow = 0; ow < outW; ow++) {
                    float divisor = divisors[divisorRow + ow];
                    if (divisor == 0f) Arrays.fill(line, ow * width, (ow + 1) * width, 0f);
                    else lanes.divide(line, ow * width, width, divisor);
                }
            } else { // max and min: rows folded first, then the taps along w
                boolean any = false;
                for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                    long id = origin[0][od] + jd * g.dilation[0];
                    for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                        long ih = origin[1][oh] + jh * g.dilation[1];
                        long at = (image + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H]) * Float.BYTES;
                        if (!any) {
                            MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, at, padded, inside, rowLength);
                            any = true;
                        } else {
                            lanes.fold(foldOp, padded, inside, input, at, row, FIRST_TAP, 1, rowLength);
                        }
                    }
                }
                if (!any) Arrays.fill(padded, inside, inside + rowLength, identity);
                Arrays.fill(line, 0, lineLength, identity);
                if (stride == 1) lanes.fold(foldOp, line, 0, padded, 0, rowTaps, taps, lineLength);
                else
                    for (int ow = 0; ow < outW; ow++)
                        lanes.fold(foldOp, line, ow * width, padded, ow * stride * width, rowTaps, taps, width);
                for (int i = lanes.nextZeroOrNaN(line, 0, lineLength);
                        i < lineLength;
                        i = lanes.nextZeroOrNaN(line, i + 1, lineLength))
                    line[i] = byRule(input, image + i % width, od, oh, i / width);
            }
            long outLine = n * g.outStride[Geometry.N] + od * g.outStride[Geometry.D] + oh * g.outStride[Geometry.H];
            MemorySegment.copy(line, 0, output, JAVA_FLOAT_UNALIGNED, outLine * Float.BYTES, lineLength);
        }
    }

    /** Whether the window rows (jd, jh) of line (od, oh) all lie inside the input. */
    private boolean insideRows(int od, int oh) {
        return first[0][od] == 0 && last[0][od] == g.kernel[0] && first[1][oh] == 0 && last[1][oh] == g.kernel[1];
    }

    /**
     * Channels last, one line into {@code s.line}: each output's channels fold its taps inside the input in window
     * order straight from it, no copy (for a global window, each position's channels in memory order). Sums add
     * exactly the definition's taps in its order, which skips the padding.
     */
    private void directLine(Scratch s, MemorySegment input, long image, int od, int oh) {
        final float[] line = s.line;
        final int lineLength = outW * width;
        final boolean rowsInside = insideRows(od, oh);
        final long rowsAt = image + origin[0][od] * g.inStride[Geometry.D] + origin[1][oh] * g.inStride[Geometry.H];
        Arrays.fill(line, 0, lineLength, identity);
        if (rowsInside && insideW && stride == 1) { // the taps of consecutive outputs are consecutive
            long at = (rowsAt + origin[2][0] * g.inStride[Geometry.W]) * Float.BYTES;
            lanes.fold(foldOp, line, 0, input, at, windowBytes, windowBytes.length, lineLength);
        } else {
            for (int ow = 0; ow < outW; ow++) {
                if (rowsInside && first[2][ow] == 0 && last[2][ow] == g.kernel[2]) {
                    long at = (rowsAt + origin[2][ow] * g.inStride[Geometry.W]) * Float.BYTES;
                    lanes.fold(foldOp, line, ow * width, input, at, windowBytes, windowBytes.length, width);
                } else { // the taps inside the input, from the image
                    final long[] taps = s.windowTaps;
                    int count = 0;
                    for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                        long id = origin[0][od] + jd * g.dilation[0];
                        for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                            long ih = origin[1][oh] + jh * g.dilation[1];
                            long row = id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                            for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                                long iw = origin[2][ow] + jw * g.dilation[2];
                                taps[count++] = (row + iw * g.inStride[Geometry.W]) * Float.BYTES;
                            }
                        }
                    }
                    lanes.fold(foldOp, line, ow * width, input, image * Float.BYTES, taps, count, width);
                }
            }
        }
        finishLine(line, input, image, od, oh);
    }

    /** Channels last, one line into {@code s.line}: its window rows side by side, then every tap in one pass. */
    private void windowLine(Scratch s, MemorySegment input, long image, int od, int oh) {
        final float[] windows = s.windows, line = s.line;
        final int rowLength = inW * width, lineLength = outW * width, slotLength = paddedLength * width;
        int slot = 0;
        for (int jd = 0; jd < g.kernel[0]; jd++) {
            for (int jh = 0; jh < g.kernel[1]; jh++, slot++) {
                int at = slot * slotLength + padBegin * width;
                if (jd >= first[0][od] && jd < last[0][od] && jh >= first[1][oh] && jh < last[1][oh]) {
                    long id = origin[0][od] + jd * g.dilation[0], ih = origin[1][oh] + jh * g.dilation[1];
                    long from = image + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                    MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, from * Float.BYTES, windows, at, rowLength);
                } else { // a row outside the input: padding, whatever an earlier line left there
                    Arrays.fill(windows, at, at + rowLength, identity);
                }
            }
        }
        Arrays.fill(line, 0, lineLength, identity);
        if (stride == 1) {
            lanes.fold(foldOp, line, 0, windows, 0, windowTaps, windowTaps.length, lineLength);
        } else {
            for (int ow = 0; ow < outW; ow++) {
                lanes.fold(
                        foldOp, line, ow * width, windows, ow * stride * width, windowTaps, windowTaps.length, width);
            }
        }
        finishLine(line, input, image, od, oh);
    }

    /** Channels last: divides a line's sums, or computes its zero and NaN extrema again by the definition's rule. */
    private void finishLine(float[] line, MemorySegment input, long image, int od, int oh) {
        final int lineLength = outW * width;
        if (average) {
            int divisorRow = (od * (int) g.out[1] + oh) * outW;
            for (int ow = 0; ow < outW; ow++) {
                float divisor = divisors[divisorRow + ow];
                if (divisor == 0f) Arrays.fill(line, ow * width, (ow + 1) * width, 0f);
                else lanes.divide(line, ow * width, width, divisor);
            }
        } else {
            for (int i = lanes.nextZeroOrNaN(line, 0, lineLength);
                    i < lineLength;
                    i = lanes.nextZeroOrNaN(line, i + 1, lineLength))
                line[i] = byRule(input, image + i % width, od, oh, i / width);
        }
    }

    /** Sums: adds every tap of the padded row, in tap order, to each output of the line at {@code at}. */
    private void alongWidth(float[] padded, float[] line, int at) {
        if (stride == 1) {
            lanes.fold(JavaLanes.ADD, line, at, padded, 0, rowTaps, taps, outW * width);
        } else if (width > 1) {
            for (int ow = 0; ow < outW; ow++)
                lanes.fold(JavaLanes.ADD, line, at + ow * width, padded, ow * stride * width, rowTaps, taps, width);
        } else {
            for (int jw = 0; jw < taps; jw++) {
                int shift = jw * dilation;
                for (int ow = 0; ow < outW; ow++) line[at + ow] += padded[ow * stride + shift];
            }
        }
    }

    /** Channels first, by blocks of planes as padded images: one loop per tap over the block. */
    private void images(Scratch s, MemorySegment input, MemorySegment output, long rowBegin, long rowEnd) {
        final float[] raw = s.planeIn, images = s.images, sums = s.sums, out = s.planeOut;
        final int pitchH = (int) paddedSize[2], pitchD = (int) (paddedSize[1] * paddedSize[2]);
        final int inH = (int) g.in[1], inD = (int) g.in[0];
        final int inside = (int) ((g.padBegin[0] * paddedSize[1] + g.padBegin[1]) * paddedSize[2] + g.padBegin[2]);
        // strides along w: where gathers are cheap, the outputs' positions only, else every position then a pick
        final boolean strided = stride != 1 && lanes.gathers(outW);
        for (long plane = rowBegin / linesPerPlane; plane * linesPerPlane < rowEnd; ) {
            int count = (int) Math.min(planesPerBlock, g.batch * g.channels - plane);
            long inAt = plane * g.inStride[Geometry.C];
            float[] source = raw; // the padded images, or with unpadded planes the input's copy
            if (rawPlanes) {
                if (lineStarts != null || strided || pairRows != null)
                    MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, inAt * Float.BYTES, raw, 0, count * inPlane);
            } else {
                for (int p = 0; p < count; p++) { // each row straight into its image
                    for (int id = 0; id < inD; id++) {
                        for (int ih = 0; ih < inH; ih++) {
                            MemorySegment.copy(
                                    input,
                                    JAVA_FLOAT_UNALIGNED,
                                    (inAt + p * inPlane + (id * inH + ih) * inW) * Float.BYTES,
                                    images,
                                    p * paddedPlane + inside + id * pitchD + ih * pitchH,
                                    inW);
                        }
                    }
                }
                source = images;
            }
            // the sums start at the identity: +0 + x is x but for x = -0, as the definition's sum starting at +0
            final boolean divided = average && lineStarts != null && !zeroDivisor;
            if (lineStarts != null) { // stride 1 along w: each output line is a run of positions, computed in place
                for (int p = 0; p < count; p++) {
                    lanes.foldLines(
                            foldOp,
                            out,
                            p * outPlane,
                            source,
                            p * paddedPlane,
                            lineStarts,
                            linesPerPlane,
                            outW,
                            imageRows,
                            imageRows.length,
                            imageColumns,
                            imageColumns.length,
                            identity,
                            divided ? divisors : null);
                }
            } else if (pairRows != null) { // max and min of windows two wide with stride two along w
                lanes.pairs(foldOp, out, 0, source, pairLines, count * linesPerPlane, pairRows, pairRows.length, outW);
            } else if (strided) {
                gatheredLines(source, out, count);
            } else { // every position of the images, then the outputs' positions picked out
                int positions = (count - 1) * paddedPlane + outputAt[outPlane - 1] + 1;
                Arrays.fill(sums, 0, positions, identity);
                if (rawPlanes) { // unpadded planes are the input itself: taps are read from it
                    lanes.fold(
                            foldOp, sums, 0, input, inAt * Float.BYTES, images, tapOffset, tapOffset.length, positions);
                } else {
                    lanes.fold(foldOp, sums, 0, images, 0, tapOffset, tapOffset.length, positions);
                }
                for (int p = 0; p < count; p++) {
                    int from = p * paddedPlane, to = p * outPlane;
                    for (int i = 0; i < outPlane; i++) out[to + i] = sums[from + outputAt[i]];
                }
            }
            if (average) {
                for (int p = 0; p < (divided ? 0 : count); p++) { // else divided as they were stored
                    if (zeroDivisor) {
                        for (int i = 0; i < outPlane; i++)
                            out[p * outPlane + i] = divisors[i] == 0f ? 0f : out[p * outPlane + i] / divisors[i];
                    } else {
                        lanes.divide(out, p * outPlane, divisors, 0, outPlane);
                    }
                }
            } else {
                final int end = count * outPlane;
                for (int i = lanes.nextZeroOrNaN(out, 0, end); i < end; i = lanes.nextZeroOrNaN(out, i + 1, end)) {
                    int at = i % outPlane,
                            ow = at % outW,
                            oh = at / outW % (int) g.out[1],
                            od = at / outW / (int) g.out[1];
                    out[i] = byRule(input, (plane + i / outPlane) * g.inStride[Geometry.C], od, oh, ow);
                }
            }
            long first = Math.max(rowBegin, plane * linesPerPlane),
                    last = Math.min(rowEnd, (plane + count) * linesPerPlane);
            MemorySegment.copy(
                    out,
                    (int) (first - plane * linesPerPlane) * outW,
                    output,
                    JAVA_FLOAT_UNALIGNED,
                    first * outW * Float.BYTES,
                    (int) (last - first) * outW);
            plane += count;
        }
    }

    /**
     * Channels first, strides along w where gathers are cheap: {@code count} padded images (or unpadded planes) of
     * {@code source} into {@code out}, each output line's taps gathered at its outputs' positions only.
     */
    private void gatheredLines(float[] source, float[] out, int count) {
        Arrays.fill(out, 0, count * outPlane, identity);
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < outPlane; i += outW) {
                lanes.foldStrided(
                        foldOp,
                        out,
                        p * outPlane + i,
                        source,
                        p * paddedPlane + outputAt[i],
                        stride,
                        tapOffset,
                        tapOffset.length,
                        outW);
            }
        }
    }

    /** Channels first: whole planes copied in and out, one line per (d, h) of each. */
    private void planes(Scratch s, MemorySegment input, MemorySegment output, long rowBegin, long rowEnd) {
        final float[] planeIn = s.planeIn, planeOut = s.planeOut;
        long r = rowBegin;
        while (r < rowEnd) {
            long plane = r / linesPerPlane;
            int from = (int) (r % linesPerPlane), to = (int) Math.min(linesPerPlane, from + (rowEnd - r));
            long inAt = plane * g.inStride[Geometry.C];
            // sums add row by row from the copy; max and min read their rows straight from the input
            if (average) MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, inAt * Float.BYTES, planeIn, 0, inPlane);
            if (average || !rowsFirst || pairsInside || triplesAlongW) {
                for (int l = from; l < to; l++) {
                    planeLine(s, input, inAt, l / (int) g.out[1], l % (int) g.out[1], l * outW);
                }
                // max and min: zero and NaN results again by the rule, found in one pass over the lines (a pass per
                // line cost a masked vector per line: S7 has 28 outputs a line)
                if (!average) {
                    final float[] out = s.planeOut;
                    final int end = to * outW, lineCount = (int) g.out[1];
                    for (int i = lanes.nextZeroOrNaN(out, from * outW, end);
                            i < end;
                            i = lanes.nextZeroOrNaN(out, i + 1, end)) {
                        int l = i / outW;
                        out[i] = byRule(input, inAt, l / lineCount, l % lineCount, i - l * outW);
                    }
                }
            } else {
                foldedLines(s, input, inAt, from, to);
            }
            MemorySegment.copy(
                    planeOut,
                    from * outW,
                    output,
                    JAVA_FLOAT_UNALIGNED,
                    (plane * g.outStride[Geometry.C] + (long) from * outW) * Float.BYTES,
                    (to - from) * outW);
            r += to - from;
        }
    }

    /**
     * One line (od, oh) of the plane at element {@code inAt} into {@code s.planeOut} at {@code at}: sums from the
     * plane's copy in {@code s.planeIn}, max and min folding the line's rows straight from the input (whose zero and
     * NaN results the caller computes again by the rule).
     */
    private void planeLine(Scratch s, MemorySegment input, long inAt, int od, int oh, int at) {
        final float[] padded = s.padded, planeIn = s.planeIn, out = s.planeOut;
        final int rowStrideD = (int) g.inStride[Geometry.D], rowStrideH = (int) g.inStride[Geometry.H];
        if (average) {
            Arrays.fill(out, at, at + outW, 0f);
            for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                int id = (int) (origin[0][od] + jd * g.dilation[0]);
                for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                    int ih = (int) (origin[1][oh] + jh * g.dilation[1]);
                    System.arraycopy(planeIn, id * rowStrideD + ih * rowStrideH, padded, padBegin, inW);
                    alongWidth(padded, out, at);
                }
            }
            if (zeroDivisor) {
                for (int ow = 0; ow < outW; ow++) {
                    float divisor = divisors[at + ow];
                    out[at + ow] = divisor == 0f ? 0f : out[at + ow] / divisor;
                }
            } else {
                lanes.divide(out, at, divisors, at, outW);
            }
            return;
        }
        // the line's window rows inside the input, folded in one pass straight from it
        final long[] rows = s.rows;
        int count = 0;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                rows[count++] = (id * rowStrideD + ih * rowStrideH) * Float.BYTES;
            }
        }
        // windows two wide with stride two along w inside the row: the outputs' positions only, each input read once
        if (pairsInside && count > 0) {
            lanes.pairs(foldOp, out, at, input, inAt * Float.BYTES, rows, count, outW);
        } else if (triplesAlongW && count > 0) {
            lanes.triples(foldOp, out, at, input, inAt * Float.BYTES, rows, count, outW, padBegin, inW);
        } else {
            lineByPositions(s, input, inAt, count, at);
        }
    }

    /**
     * Max and min, one line of the plane at element {@code inAt} from its {@code count} window rows in {@code s.rows}
     * into {@code s.planeOut} at {@code at}, by the taps of every position along w, every stride-th kept.
     */
    private void lineByPositions(Scratch s, MemorySegment input, long inAt, int count, int at) {
        final float[] out = s.planeOut;
        final long[] rows = s.rows;
        // positions [0, span) of the padded row, whose taps every stride-th is an output's; those in [lo, hi) read
        // no padding: all their taps, rows by taps along w, are folded in one pass straight from the input; a row
        // folded just before would be read back at unaligned offsets from vectors still being stored, which stalls
        final int span = (outW - 1) * stride + 1;
        final int lo = Math.min(padBegin, span),
                hi = Math.max(lo, Math.min(span, inW + padBegin - (this.taps - 1) * dilation));
        if (count * this.taps <= s.lineTaps.length && hi - lo >= span / 2) {
            final float[] target = stride == 1 ? out : s.taps;
            final int base = stride == 1 ? at : 0;
            for (int p = lo > 0 ? 0 : hi;
                    p < span;
                    p = p == lo - 1 ? hi : p + 1) { // border positions: their taps inside
                float v = identity;
                for (int r = 0; r < count; r++) {
                    for (int jw = 0; jw < this.taps; jw++) {
                        long iw = p + (long) jw * dilation - padBegin;
                        if (iw < 0 || iw >= inW) continue;
                        float x = input.get(JAVA_FLOAT_UNALIGNED, (inAt + iw) * Float.BYTES + rows[r]);
                        v = max ? Math.max(v, x) : Math.min(v, x);
                    }
                }
                target[base + p] = v;
            }
            final long[] lineTaps = s.lineTaps;
            for (int r = 0, t = 0; r < count; r++) {
                for (int jw = 0; jw < this.taps; jw++) lineTaps[t++] = rows[r] + (long) jw * dilation * Float.BYTES;
            }
            Arrays.fill(target, base + lo, base + hi, identity);
            long from = (inAt + lo - padBegin) * Float.BYTES;
            lanes.fold(foldOp, target, base + lo, input, from, lineTaps, count * this.taps, hi - lo);
            if (stride != 1) for (int ow = 0; ow < outW; ow++) out[at + ow] = target[ow * stride];
        } else {
            planeLineFromRow(s, input, inAt, count, at);
        }
    }

    /**
     * Max and min, lines {@code [from, to)} of the plane at element {@code inAt} into {@code s.planeOut}, by chunks:
     * each line's rows folded straight from the input into a padded row of the chunk, then the taps along w at every
     * position of the whole chunk in one pass, every stride-th kept. The rows were stored a chunk earlier, not just
     * before they are read at unaligned offsets.
     */
    private void foldedLines(Scratch s, MemorySegment input, long inAt, int from, int to) {
        final float[] rowsOut = s.foldedRows, positions = s.positions, out = s.planeOut;
        final long[] rows = s.rows;
        final int pitch = paddedLength, span = (outW - 1) * stride + 1;
        final int outH = (int) g.out[1];
        final int rowStrideD = (int) g.inStride[Geometry.D], rowStrideH = (int) g.inStride[Geometry.H];
        for (int l0 = from; l0 < to; l0 += chunkLines) {
            int l1 = Math.min(to, l0 + chunkLines);
            for (int l = l0; l < l1; l++) {
                int od = l / outH, oh = l % outH, count = 0;
                for (long jd = first[0][od]; jd < last[0][od]; jd++) {
                    long id = origin[0][od] + jd * g.dilation[0];
                    for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                        long ih = origin[1][oh] + jh * g.dilation[1];
                        rows[count++] = (id * rowStrideD + ih * rowStrideH) * Float.BYTES;
                    }
                }
                int at = (l - l0) * pitch + padBegin;
                Arrays.fill(rowsOut, at, at + inW, identity);
                lanes.fold(foldOp, rowsOut, at, input, inAt * Float.BYTES, rows, count, inW);
            }
            final boolean strided = stride != 1 && lanes.gathers(outW);
            if (strided) { // each line's taps gathered at its outputs' positions
                Arrays.fill(out, l0 * outW, l1 * outW, identity);
                for (int l = l0; l < l1; l++)
                    lanes.foldStrided(foldOp, out, l * outW, rowsOut, (l - l0) * pitch, stride, rowTaps, taps, outW);
            } else {
                int n = (l1 - l0 - 1) * pitch + span;
                Arrays.fill(positions, 0, n, identity);
                lanes.fold(foldOp, positions, 0, rowsOut, 0, rowTaps, taps, n);
            }
            for (int l = l0; l < l1; l++) {
                int base = (l - l0) * pitch, at = l * outW;
                if (stride == 1) System.arraycopy(positions, base, out, at, outW);
                else if (!strided) for (int ow = 0; ow < outW; ow++) out[at + ow] = positions[base + ow * stride];
                for (int i = lanes.nextZeroOrNaN(out, at, at + outW);
                        i < at + outW;
                        i = lanes.nextZeroOrNaN(out, i + 1, at + outW))
                    out[i] = byRule(input, inAt, l / outH, l % outH, i - at);
            }
        }
    }

    /** Max and min, one line from its {@code count} rows in {@code s.rows}: folded into a row, then along w. */
    private void planeLineFromRow(Scratch s, MemorySegment input, long inAt, int count, int at) {
        final float[] padded = s.padded, out = s.planeOut;
        Arrays.fill(padded, padBegin, padBegin + inW, identity);
        lanes.fold(foldOp, padded, padBegin, input, inAt * Float.BYTES, s.rows, count, inW);
        if (stride == 1) { // the taps of consecutive outputs are consecutive
            Arrays.fill(out, at, at + outW, identity);
            lanes.fold(foldOp, out, at, padded, 0, rowTaps, this.taps, outW);
        } else { // fold the taps at every position, then keep every stride-th
            final float[] taps = s.taps;
            int span = (outW - 1) * stride + 1;
            Arrays.fill(taps, 0, span, identity);
            lanes.fold(foldOp, taps, 0, padded, 0, rowTaps, this.taps, span);
            for (int ow = 0; ow < outW; ow++) out[at + ow] = taps[ow * stride];
        }
    }

    /**
     * Channels first, each window its whole plane: {@link #globalGroup} planes at a time copied in, each summed or
     * folded in memory order, which is window order ({@link JavaLanes#foldPlanes}: the Vector API's loops take one
     * plane per lane).
     */
    private void globalPlanes(Scratch s, MemorySegment input, MemorySegment output, long rowBegin, long rowEnd) {
        final float[] b = s.planeIn, results = s.results;
        final int size = inPlane;
        for (long plane = rowBegin; plane < rowEnd; ) {
            int count = (int) Math.min(globalGroup, rowEnd - plane);
            MemorySegment.copy(input, JAVA_FLOAT_UNALIGNED, plane * size * Float.BYTES, b, 0, count * size);
            lanes.foldPlanes(foldOp, b, size, count, identity, results, planeStarts);
            for (int p = 0; p < count; p++) writeGlobal(output, b, p, plane + p, results[p]);
            plane += count;
        }
    }

    /** The output of plane {@code plane} (the {@code p}-th in {@code b}) from its sum or fold. */
    private void writeGlobal(MemorySegment output, float[] b, int p, long plane, float a) {
        if (average) {
            a = divisors[0] == 0f ? 0f : a / divisors[0];
        } else if (a == 0f || a != a) { // the definition's rule, in memory order
            a = identity;
            for (int k = p * inPlane; k < (p + 1) * inPlane; k++) if (replaces(b[k], a)) a = b[k];
            if (a != a) a = Float.NaN;
        }
        output.setAtIndex(JAVA_FLOAT_UNALIGNED, plane * g.outStride[Geometry.C], a);
    }

    /** The definition's update: the new value replaces the current one when beyond it, or when NaN propagates. */
    private boolean replaces(float v, float current) {
        return (max ? v > current : v < current) || (propagateNan && v != v);
    }

    /**
     * One max or min output by the definition's rule, its taps read from the input in window order, from element
     * {@code base} of (n, c); a NaN result is the canonical one.
     */
    private float byRule(MemorySegment input, long base, int od, int oh, int ow) {
        float best = identity;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                long inRow = base + id * g.inStride[Geometry.D] + ih * g.inStride[Geometry.H];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    float v = input.getAtIndex(JAVA_FLOAT_UNALIGNED, inRow + iw * g.inStride[Geometry.W]);
                    if (replaces(v, best)) best = v;
                }
            }
        }
        return best != best ? Float.NaN : best;
    }
}
