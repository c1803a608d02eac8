package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link JavaLanes} by the Vector API: whole vectors of the preferred species, then a masked last vector. Lane-wise
 * MAX and MIN are {@link Math#max} and {@link Math#min}, ADD and DIV IEEE's, so every element gets the scalar loop's
 * value. Loaded only when {@code jdk.incubator.vector} is present (see {@link JavaLanes#preferred()}).
 */
final class JavaVectorLanes implements JavaLanes {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final long VECTOR_BYTES = (long) LANES * Float.BYTES;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** The gathers' index maps of {@link #foldStrided}: {@code STRIDED[s][i] = i * s}, for strides up to 8. */
    private static final int[][] STRIDED = new int[9][LANES];

    static {
        for (int s = 0; s < STRIDED.length; s++) for (int i = 0; i < LANES; i++) STRIDED[s][i] = i * s;
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public void max(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i)
                    .max(FloatVector.fromArray(SPECIES, b, from + i))
                    .intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m)
                    .max(FloatVector.fromArray(SPECIES, b, from + i, m))
                    .intoArray(a, at + i, m);
        }
    }

    @Override
    public void min(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i)
                    .min(FloatVector.fromArray(SPECIES, b, from + i))
                    .intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m)
                    .min(FloatVector.fromArray(SPECIES, b, from + i, m))
                    .intoArray(a, at + i, m);
        }
    }

    @Override
    public void add(float[] a, int at, float[] b, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i)
                    .add(FloatVector.fromArray(SPECIES, b, from + i))
                    .intoArray(a, at + i);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector.fromArray(SPECIES, a, at + i, m)
                    .add(FloatVector.fromArray(SPECIES, b, from + i, m))
                    .intoArray(a, at + i, m);
        }
    }

    @Override
    public boolean gathers(int n) {
        return n >= LANES;
    }

    /** {@link #pairs}' short lines: four outputs from eight inputs of a row. */
    private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;
    /**
     * The even and the odd elements of two vectors side by side (the second's as exceptional indices), and of one
     * vector of eight (twice).
     */
    private static final VectorShuffle<Float>
            EVEN = VectorShuffle.fromOp(SPECIES, i -> 2 * i < LANES ? 2 * i : 2 * i - 2 * LANES),
            ODD = VectorShuffle.fromOp(SPECIES, i -> 2 * i + 1 < LANES ? 2 * i + 1 : 2 * i + 1 - 2 * LANES),
            // lane 0 the first vector's last, lane i the second's i - 1: the second moved up one lane
            UP_ONE = VectorShuffle.fromOp(SPECIES, i -> i == 0 ? LANES - 1 : i - 1 - LANES),
            EVEN_OF_EIGHT = VectorShuffle.fromOp(EIGHT, i -> 2 * i % 8),
            ODD_OF_EIGHT = VectorShuffle.fromOp(EIGHT, i -> (2 * i + 1) % 8);
    /** The four outputs of a vector of eight inputs. */
    private static final VectorMask<Float> FOUR = VectorMask.fromLong(EIGHT, 0xF);

    /**
     * Line by line: whole vectors of outputs, each window row's two vectors of inputs combined lane-wise, then the even
     * and the odd lanes of the result; then four outputs at a time from vectors of eight; the last three at most one
     * by one. Max or min by a branch on each call, so that the Vector API's calls are intrinsics (an operator passed
     * as a value is not).
     */
    @Override
    public void pairs(
            int op, float[] a, int at, float[] b, int[] lineFrom, int lines, int[] rowOffsets, int rows, int n) {
        if (LANES < 8) {
            JavaLanes.super.pairs(op, a, at, b, lineFrom, lines, rowOffsets, rows, n);
            return;
        }
        final boolean max = op == MAX;
        for (int l = 0; l < lines; l++) {
            int i = 0, from = lineFrom[l], to = at + l * n;
            for (; i + LANES <= n; i += LANES) {
                int e = from + 2 * i;
                FloatVector low = FloatVector.fromArray(SPECIES, b, e + rowOffsets[0]),
                        high = FloatVector.fromArray(SPECIES, b, e + rowOffsets[0] + LANES);
                for (int r = 1; r < rows; r++) {
                    FloatVector nextLow = FloatVector.fromArray(SPECIES, b, e + rowOffsets[r]),
                            nextHigh = FloatVector.fromArray(SPECIES, b, e + rowOffsets[r] + LANES);
                    low = max ? low.max(nextLow) : low.min(nextLow);
                    high = max ? high.max(nextHigh) : high.min(nextHigh);
                }
                FloatVector even = low.rearrange(EVEN, high), odd = low.rearrange(ODD, high);
                (max ? even.max(odd) : even.min(odd)).intoArray(a, to + i);
            }
            for (; i + 4 <= n; i += 4) {
                int e = from + 2 * i;
                FloatVector m = FloatVector.fromArray(EIGHT, b, e + rowOffsets[0]);
                for (int r = 1; r < rows; r++) {
                    FloatVector next = FloatVector.fromArray(EIGHT, b, e + rowOffsets[r]);
                    m = max ? m.max(next) : m.min(next);
                }
                FloatVector even = m.rearrange(EVEN_OF_EIGHT), odd = m.rearrange(ODD_OF_EIGHT);
                (max ? even.max(odd) : even.min(odd)).intoArray(a, to + i, FOUR);
            }
            if (i < n) JavaLanes.pairsOfLine(op, a, to + i, b, from + 2 * i, rowOffsets, rows, n - i);
        }
    }

    /**
     * Three-wide windows by vectors of outputs: with x = 2 i - padBegin + 1, output i's taps are x - 1, x and x + 1,
     * so a vector's rows are folded over the stretch [x, x + 2 LANES) in registers, its evens and odds are the
     * second and third taps, and the odds moved up one lane, the element before the stretch coming in, the first. A
     * line of a vector or more ends with a whole vector over its last outputs; vectors whose stretch leaves the row
     * go element by element.
     */
    @Override
    public void triples(
            int op,
            float[] a,
            int at,
            MemorySegment s,
            long byteOffset,
            long[] rowBytes,
            int rows,
            int n,
            int padBegin,
            int inW) {
        if (LANES < 8 || n < LANES || rows == 0) {
            JavaLanes.triplesOfLine(op, a, at, s, byteOffset, rowBytes, rows, 0, n, padBegin, inW);
            return;
        }
        final boolean max = op == MAX;
        final float identity = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        int i = 0;
        // two vectors at a time while both stretches lie in the row: the second's element before is the first's
        // last odd; their chains overlap
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            long x = 2L * i - padBegin + 1;
            if (x < 0 || x + 4 * LANES > inW) break;
            long e = byteOffset + x * Float.BYTES, o = e + rowBytes[0];
            FloatVector low = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                    high = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER),
                    low2 = FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER),
                    high2 = FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER);
            float before = x > 0 ? s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, o - Float.BYTES) : identity;
            for (int r = 1; r < rows; r++) {
                o = e + rowBytes[r];
                FloatVector l = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                        h = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER),
                        l2 = FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER),
                        h2 = FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER);
                low = max ? low.max(l) : low.min(l);
                high = max ? high.max(h) : high.min(h);
                low2 = max ? low2.max(l2) : low2.min(l2);
                high2 = max ? high2.max(h2) : high2.min(h2);
                if (x > 0) {
                    float b = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, o - Float.BYTES);
                    before = max ? Math.max(before, b) : Math.min(before, b);
                }
            }
            FloatVector even = low.rearrange(EVEN, high), odd = low.rearrange(ODD, high);
            FloatVector even2 = low2.rearrange(EVEN, high2), odd2 = low2.rearrange(ODD, high2);
            FloatVector first = FloatVector.broadcast(SPECIES, before).rearrange(UP_ONE, odd),
                    first2 = odd.rearrange(UP_ONE, odd2);
            (max ? first.max(even).max(odd) : first.min(even).min(odd)).intoArray(a, at + i);
            (max ? first2.max(even2).max(odd2) : first2.min(even2).min(odd2)).intoArray(a, at + i + LANES);
        }
        for (; i < n; i += LANES) {
            int first = Math.min(i, n - LANES);
            long x = 2L * first - padBegin + 1;
            if (x < 0 || x + 2 * LANES > inW) {
                JavaLanes.triplesOfLine(
                        op, a, at, s, byteOffset, rowBytes, rows, i, Math.min(n, i + LANES), padBegin, inW);
                continue;
            }
            long e = byteOffset + x * Float.BYTES, o = e + rowBytes[0];
            FloatVector low = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                    high = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER);
            float before = x > 0 ? s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, o - Float.BYTES) : identity;
            for (int r = 1; r < rows; r++) {
                o = e + rowBytes[r];
                FloatVector l = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                        h = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER);
                low = max ? low.max(l) : low.min(l);
                high = max ? high.max(h) : high.min(h);
                if (x > 0) {
                    float b = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, o - Float.BYTES);
                    before = max ? Math.max(before, b) : Math.min(before, b);
                }
            }
            FloatVector even = low.rearrange(EVEN, high), odd = low.rearrange(ODD, high);
            FloatVector firstTaps = FloatVector.broadcast(SPECIES, before).rearrange(UP_ONE, odd);
            (max ? firstTaps.max(even).max(odd) : firstTaps.min(even).min(odd)).intoArray(a, at + first);
        }
    }

    /**
     * As the heap pairs of a line, the rows read straight from the segment; a line of a vector or more ends with a whole
     * vector over its last outputs (S7: 28 outputs a line, 16 and 16 rather than 16 and three fours).
     */
    @Override
    public void pairs(int op, float[] a, int at, MemorySegment s, long byteOffset, long[] rowBytes, int rows, int n) {
        if (LANES < 8) {
            JavaLanes.pairsOfLine(op, a, at, s, byteOffset, rowBytes, rows, n);
            return;
        }
        final boolean max = op == MAX;
        int i = 0;
        for (; i + LANES <= n; i += LANES) pairsVector(max, a, at, s, byteOffset, rowBytes, rows, i);
        if (i < n && n >= LANES) { // the last outputs as one whole vector ending at the line's end, some computed again
            pairsVector(max, a, at, s, byteOffset, rowBytes, rows, n - LANES);
            return;
        }
        for (; i + 4 <= n; i += 4) {
            long e = byteOffset + 2L * i * Float.BYTES;
            FloatVector m = FloatVector.fromMemorySegment(EIGHT, s, e + rowBytes[0], ORDER);
            for (int r = 1; r < rows; r++) {
                FloatVector next = FloatVector.fromMemorySegment(EIGHT, s, e + rowBytes[r], ORDER);
                m = max ? m.max(next) : m.min(next);
            }
            FloatVector even = m.rearrange(EVEN_OF_EIGHT), odd = m.rearrange(ODD_OF_EIGHT);
            (max ? even.max(odd) : even.min(odd)).intoArray(a, at + i, FOUR);
        }
        if (i < n) JavaLanes.pairsOfLine(op, a, at + i, s, byteOffset + 2L * i * Float.BYTES, rowBytes, rows, n - i);
    }

    /** Outputs [i, i + LANES) of a line by pairs: its rows' stretch folded, then its evens and odds. */
    private static void pairsVector(
            boolean max, float[] a, int at, MemorySegment s, long byteOffset, long[] rowBytes, int rows, int i) {
        long e = byteOffset + 2L * i * Float.BYTES, o = e + rowBytes[0];
        FloatVector low = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                high = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER);
        for (int r = 1; r < rows; r++) {
            o = e + rowBytes[r];
            FloatVector nextLow = FloatVector.fromMemorySegment(SPECIES, s, o, ORDER),
                    nextHigh = FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER);
            low = max ? low.max(nextLow) : low.min(nextLow);
            high = max ? high.max(nextHigh) : high.min(nextHigh);
        }
        FloatVector even = low.rearrange(EVEN, high), odd = low.rearrange(ODD, high);
        (max ? even.max(odd) : even.min(odd)).intoArray(a, at + i);
    }

    /**
     * Each vector's taps by gathers, two vectors at a time, so that their chains overlap; the last elements by masked
     * gathers (a scalar loop there kept C2 from compiling the method's vector code: four times slower).
     */
    @Override
    public void foldStrided(
            int op, float[] a, int at, float[] b, int from, int stride, int[] offsets, int taps, int n) {
        if (stride >= STRIDED.length) {
            JavaLanes.super.foldStrided(op, a, at, b, from, stride, offsets, taps, n);
            return;
        }
        final int[] map = STRIDED[stride];
        int i = stride == 2 ? foldEvenPositions(op, a, at, b, from, offsets, taps, n) : 0;
        for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES);
            int e0 = from + i * stride, e1 = e0 + LANES * stride;
            for (int t = 0; t < taps; t++) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, b, e0 + offsets[t], map, 0),
                        x1 = FloatVector.fromArray(SPECIES, b, e1 + offsets[t], map, 0);
                v0 = combine(op, v0, x0);
                v1 = combine(op, v1, x1);
            }
            v0.intoArray(a, at + i);
            v1.intoArray(a, at + i + LANES);
        }
        for (; i < n; i += LANES) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i, m);
            int e = from + i * stride;
            for (int t = 0; t < taps; t++) {
                FloatVector x = FloatVector.fromArray(SPECIES, b, e + offsets[t], map, 0, m);
                v = combine(op, v, x);
            }
            v.intoArray(a, at + i, m);
        }
    }

    /** {@code v + x}, {@code max(v, x)} or {@code min(v, x)}: a branch on op, so that each is the Vector API's intrinsic. */
    private static FloatVector combine(int op, FloatVector v, FloatVector x) {
        return op == ADD ? v.add(x) : op == MAX ? v.max(x) : v.min(x);
    }

    /**
     * {@link #foldStrided} with stride 2, whole vectors while {@code b} holds them: each tap's elements are the even
     * lanes of the two vectors from its first (one two-vector {@code rearrange}), no gather. The outputs done.
     */
    private static int foldEvenPositions(
            int op, float[] a, int at, float[] b, int from, int[] offsets, int taps, int n) {
        int reach = 0;
        for (int t = 0; t < taps; t++) reach = Math.max(reach, offsets[t]);
        // the two vectors of output i read b[from + 2 i + offset, ... + 2 LANES): one past its last tap
        final int end = Math.min(n, (b.length - from - reach) / 2);
        int i = 0;
        for (int bound = end - 2 * LANES; i <= bound; i += 2 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES);
            int e0 = from + 2 * i, e1 = e0 + 2 * LANES;
            for (int t = 0; t < taps; t++) {
                int o0 = e0 + offsets[t], o1 = e1 + offsets[t];
                FloatVector
                        x0 =
                                FloatVector.fromArray(SPECIES, b, o0)
                                        .rearrange(EVEN, FloatVector.fromArray(SPECIES, b, o0 + LANES)),
                        x1 =
                                FloatVector.fromArray(SPECIES, b, o1)
                                        .rearrange(EVEN, FloatVector.fromArray(SPECIES, b, o1 + LANES));
                v0 = combine(op, v0, x0);
                v1 = combine(op, v1, x1);
            }
            v0.intoArray(a, at + i);
            v1.intoArray(a, at + i + LANES);
        }
        return i;
    }

    /**
     * Each vector of {@code a} takes all its taps before it is stored again: one pass however many taps. Four
     * vectors at a time, so that four chains of dependent adds (or max, min) overlap.
     */
    @Override
    public void fold(int op, float[] a, int at, float[] b, int from, int[] offsets, int taps, int n) {
        int i = 0;
        for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES),
                    v2 = FloatVector.fromArray(SPECIES, a, at + i + 2 * LANES),
                    v3 = FloatVector.fromArray(SPECIES, a, at + i + 3 * LANES);
            for (int t = 0; t < taps; t++) {
                int o = from + i + offsets[t];
                FloatVector x0 = FloatVector.fromArray(SPECIES, b, o),
                        x1 = FloatVector.fromArray(SPECIES, b, o + LANES),
                        x2 = FloatVector.fromArray(SPECIES, b, o + 2 * LANES),
                        x3 = FloatVector.fromArray(SPECIES, b, o + 3 * LANES);
                if (op == ADD) {
                    v0 = v0.add(x0);
                    v1 = v1.add(x1);
                    v2 = v2.add(x2);
                    v3 = v3.add(x3);
                } else if (op == MAX) {
                    v0 = v0.max(x0);
                    v1 = v1.max(x1);
                    v2 = v2.max(x2);
                    v3 = v3.max(x3);
                } else {
                    v0 = v0.min(x0);
                    v1 = v1.min(x1);
                    v2 = v2.min(x2);
                    v3 = v3.min(x3);
                }
            }
            v0.intoArray(a, at + i);
            v1.intoArray(a, at + i + LANES);
            v2.intoArray(a, at + i + 2 * LANES);
            v3.intoArray(a, at + i + 3 * LANES);
        }
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i);
            if (op == ADD) {
                for (int t = 0; t < taps; t++) v = v.add(FloatVector.fromArray(SPECIES, b, from + i + offsets[t]));
            } else if (op == MAX) {
                for (int t = 0; t < taps; t++) v = v.max(FloatVector.fromArray(SPECIES, b, from + i + offsets[t]));
            } else {
                for (int t = 0; t < taps; t++) v = v.min(FloatVector.fromArray(SPECIES, b, from + i + offsets[t]));
            }
            v.intoArray(a, at + i);
        }
        for (; i < n; i++) {
            float v = a[at + i];
            for (int t = 0; t < taps; t++) {
                float x = b[from + i + offsets[t]];
                v = op == ADD ? v + x : op == MAX ? Math.max(v, x) : Math.min(v, x);
            }
            a[at + i] = v;
        }
    }

    /**
     * Each vector takes all its taps from a fresh start and is divided before its one store; whole vectors only, the
     * last of a line reaching past its end (the contract allows it), so that no line ends in a masked or scalar tail
     * (lines of 28: a scalar tail of 12 elements cost as much as the rest). Sums of windows three columns wide whose
     * consecutive lines are consecutive rows (stride 1 along h) go three lines at a time ({@link #sumThreeLines}).
     */
    @Override
    public void foldLines(
            int op,
            float[] a,
            int at,
            float[] b,
            int from,
            int[] lineFrom,
            int lines,
            int n,
            int[] rowOffsets,
            int rows,
            int[] columnOffsets,
            int columns,
            float start,
            float[] divisors) {
        final int step = rows > 1 ? rowOffsets[1] - rowOffsets[0] : 0;
        boolean threes = op == ADD && columns == 3 && rows > 1;
        for (int r = 2; r < rows; r++) threes &= rowOffsets[r] - rowOffsets[r - 1] == step;
        for (int l = 0; l < lines; ) {
            if (threes
                    && l + 3 <= lines
                    && lineFrom[l + 1] - lineFrom[l] == step
                    && lineFrom[l + 2] - lineFrom[l + 1] == step) {
                sumThreeLines(
                        a,
                        at + l * n,
                        b,
                        from + lineFrom[l] + rowOffsets[0],
                        step,
                        n,
                        rows,
                        columnOffsets,
                        divisors,
                        l * n);
                l += 3;
                continue;
            }
            final int line = from + lineFrom[l], out = at + l * n, divisorsAt = l * n;
            for (int i = 0; i < n; i += LANES) {
                FloatVector v = FloatVector.broadcast(SPECIES, start);
                for (int r = 0; r < rows; r++) {
                    final int row = line + rowOffsets[r] + i;
                    for (int c = 0; c < columns; c++)
                        v = combine(op, v, FloatVector.fromArray(SPECIES, b, row + columnOffsets[c]));
                }
                if (divisors != null) v = v.div(FloatVector.fromArray(SPECIES, divisors, divisorsAt + i));
                v.intoArray(a, out + i);
            }
            l++;
        }
    }

    /**
     * Sums of three lines whose windows are three columns wide and whose rows are consecutive rows {@code step} apart,
     * the first line's first row at {@code b[row0]}: each of the {@code rows + 2} rows they read is loaded once and
     * added to the lines whose windows hold it, in row order (window order for each line): 15 loads for the three
     * outputs of 3x3 windows, not 27. The columns unrolled: with a loop over them, 153 against 137 us on
     * S4-inception-avg channels first (Zen 4, 16 lanes; 160 one line at a time). The vectors go from a line's last to
     * its first, so that what a line's last vector stores past its end is overwritten by the next line's first,
     * stored later.
     */
    private static void sumThreeLines(
            float[] a,
            int out,
            float[] b,
            int row0,
            int step,
            int n,
            int rows,
            int[] columnOffsets,
            float[] divisors,
            int divisorsAt) {
        final int c0 = columnOffsets[0], c1 = columnOffsets[1], c2 = columnOffsets[2];
        for (int i = (n - 1) / LANES * LANES; i >= 0; i -= LANES) {
            int row = row0 + i;
            FloatVector x0 = FloatVector.fromArray(SPECIES, b, row + c0),
                    x1 = FloatVector.fromArray(SPECIES, b, row + c1),
                    x2 = FloatVector.fromArray(SPECIES, b, row + c2);
            FloatVector v0 = FloatVector.zero(SPECIES).add(x0).add(x1).add(x2);
            row += step;
            x0 = FloatVector.fromArray(SPECIES, b, row + c0);
            x1 = FloatVector.fromArray(SPECIES, b, row + c1);
            x2 = FloatVector.fromArray(SPECIES, b, row + c2);
            v0 = v0.add(x0).add(x1).add(x2);
            FloatVector v1 = FloatVector.zero(SPECIES).add(x0).add(x1).add(x2);
            FloatVector v2 = FloatVector.zero(SPECIES);
            for (int r = 2; r < rows; r++) {
                row += step;
                x0 = FloatVector.fromArray(SPECIES, b, row + c0);
                x1 = FloatVector.fromArray(SPECIES, b, row + c1);
                x2 = FloatVector.fromArray(SPECIES, b, row + c2);
                v0 = v0.add(x0).add(x1).add(x2);
                v1 = v1.add(x0).add(x1).add(x2);
                v2 = v2.add(x0).add(x1).add(x2);
            }
            row += step;
            x0 = FloatVector.fromArray(SPECIES, b, row + c0);
            x1 = FloatVector.fromArray(SPECIES, b, row + c1);
            x2 = FloatVector.fromArray(SPECIES, b, row + c2);
            v1 = v1.add(x0).add(x1).add(x2);
            v2 = v2.add(x0).add(x1).add(x2);
            row += step;
            x0 = FloatVector.fromArray(SPECIES, b, row + c0);
            x1 = FloatVector.fromArray(SPECIES, b, row + c1);
            x2 = FloatVector.fromArray(SPECIES, b, row + c2);
            v2 = v2.add(x0).add(x1).add(x2);
            if (divisors != null) {
                v0 = v0.div(FloatVector.fromArray(SPECIES, divisors, divisorsAt + i));
                v1 = v1.div(FloatVector.fromArray(SPECIES, divisors, divisorsAt + n + i));
                v2 = v2.div(FloatVector.fromArray(SPECIES, divisors, divisorsAt + 2 * n + i));
            }
            v0.intoArray(a, out + i);
            v1.intoArray(a, out + n + i);
            v2.intoArray(a, out + 2 * n + i);
        }
    }

    /**
     * As the heap fold: four vectors at a time, each taking all its taps before it is stored, then one vector at a
     * time under a mask. One method per op: small enough for C2 to inline the Vector API's calls whichever loops run.
     */
    @Override
    public void fold(int op, float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        if (op == ADD) addTaps(a, at, s, byteOffset, tapBytes, taps, n);
        else if (op == MAX) maxTaps(a, at, s, byteOffset, tapBytes, taps, n);
        else minTaps(a, at, s, byteOffset, tapBytes, taps, n);
    }

    private static void addTaps(float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        int i = 0;
        for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES),
                    v2 = FloatVector.fromArray(SPECIES, a, at + i + 2 * LANES),
                    v3 = FloatVector.fromArray(SPECIES, a, at + i + 3 * LANES);
            long element = byteOffset + (long) i * Float.BYTES;
            for (int t = 0; t < taps; t++) {
                long o = element + tapBytes[t];
                v0 = v0.add(FloatVector.fromMemorySegment(SPECIES, s, o, ORDER));
                v1 = v1.add(FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER));
                v2 = v2.add(FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER));
                v3 = v3.add(FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER));
            }
            v0.intoArray(a, at + i);
            v1.intoArray(a, at + i + LANES);
            v2.intoArray(a, at + i + 2 * LANES);
            v3.intoArray(a, at + i + 3 * LANES);
        }
        final long lastWhole = s.byteSize() - VECTOR_BYTES - reach(tapBytes, taps);
        for (; i < n; i += LANES) {
            long element = byteOffset + (long) i * Float.BYTES;
            if (element > lastWhole) {
                foldElements(ADD, a, at + i, s, element, tapBytes, taps, n - i);
                return;
            }
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i, m);
            for (int t = 0; t < taps; t++)
                v = v.add(FloatVector.fromMemorySegment(SPECIES, s, element + tapBytes[t], ORDER, m));
            v.intoArray(a, at + i, m);
        }
    }

    /** The largest of the taps' byte offsets (0 for none). */
    private static long reach(long[] tapBytes, int taps) {
        long reach = 0;
        for (int t = 0; t < taps; t++) reach = Math.max(reach, tapBytes[t]);
        return reach;
    }

    /**
     * Outputs [0, n) of a fold from {@code a[at]} on, element by element, each lane's taps in the vector loops' order
     * ({@code Math.max} and {@code Math.min} are what {@code FloatVector.max} and {@code min} compute per lane). For
     * the last vectors of a segment, whose whole loads would reach past its end: a masked load there takes the Vector
     * API's lane-checked path, which allocated on every call (JDK 25).
     */
    private static void foldElements(
            int op, float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        for (int k = 0; k < n; k++) {
            long element = byteOffset + (long) k * Float.BYTES;
            float v = a[at + k], w = v;
            for (int t = 0; t < taps; t++) {
                float x = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, element + tapBytes[t]);
                if (op == ADD) v += x;
                else if ((t & 1) == 0) v = op == MAX ? Math.max(v, x) : Math.min(v, x);
                else w = op == MAX ? Math.max(w, x) : Math.min(w, x);
            }
            a[at + k] = op == ADD ? v : op == MAX ? Math.max(v, w) : Math.min(v, w);
        }
    }

    /**
     * The fold for max, whose value does not depend on the order of taps but through the zeros and NaN the dense path
     * computes again: two chains per vector, even and odd taps, so that each chain is half as long.
     */
    private static void maxTaps(float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        final long limit = s.byteSize() - VECTOR_BYTES;
        int i = 0;
        for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES),
                    v2 = FloatVector.fromArray(SPECIES, a, at + i + 2 * LANES),
                    v3 = FloatVector.fromArray(SPECIES, a, at + i + 3 * LANES);
            FloatVector w0 = v0, w1 = v1, w2 = v2, w3 = v3;
            long element = byteOffset + (long) i * Float.BYTES;
            int t = 0;
            for (; t + 1 < taps; t += 2) {
                long o = element + tapBytes[t], p = element + tapBytes[t + 1];
                v0 = v0.max(FloatVector.fromMemorySegment(SPECIES, s, o, ORDER));
                v1 = v1.max(FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER));
                v2 = v2.max(FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER));
                v3 = v3.max(FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER));
                w0 = w0.max(FloatVector.fromMemorySegment(SPECIES, s, p, ORDER));
                w1 = w1.max(FloatVector.fromMemorySegment(SPECIES, s, p + VECTOR_BYTES, ORDER));
                w2 = w2.max(FloatVector.fromMemorySegment(SPECIES, s, p + 2 * VECTOR_BYTES, ORDER));
                w3 = w3.max(FloatVector.fromMemorySegment(SPECIES, s, p + 3 * VECTOR_BYTES, ORDER));
            }
            if (t < taps) {
                long o = element + tapBytes[t];
                v0 = v0.max(FloatVector.fromMemorySegment(SPECIES, s, o, ORDER));
                v1 = v1.max(FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER));
                v2 = v2.max(FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER));
                v3 = v3.max(FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER));
            }
            v0.max(w0).intoArray(a, at + i);
            v1.max(w1).intoArray(a, at + i + LANES);
            v2.max(w2).intoArray(a, at + i + 2 * LANES);
            v3.max(w3).intoArray(a, at + i + 3 * LANES);
        }
        final long lastWhole = limit - reach(tapBytes, taps);
        for (; i < n; i += LANES) {
            long element = byteOffset + (long) i * Float.BYTES;
            if (element > lastWhole) {
                foldElements(MAX, a, at + i, s, element, tapBytes, taps, n - i);
                return;
            }
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i, m), w = v;
            for (int t = 0; t < taps; t++) {
                // lanes past n are never stored: whole vectors are read, all inside the segment
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, s, element + tapBytes[t], ORDER);
                if ((t & 1) == 0) v = v.max(x);
                else w = w.max(x);
            }
            v.max(w).intoArray(a, at + i, m);
        }
    }

    /**
     * The fold for min, whose value does not depend on the order of taps but through the zeros and NaN the dense path
     * computes again: two chains per vector, even and odd taps, so that each chain is half as long.
     */
    private static void minTaps(float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        final long limit = s.byteSize() - VECTOR_BYTES;
        int i = 0;
        for (int bound = n - 4 * LANES; i <= bound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, a, at + i),
                    v1 = FloatVector.fromArray(SPECIES, a, at + i + LANES),
                    v2 = FloatVector.fromArray(SPECIES, a, at + i + 2 * LANES),
                    v3 = FloatVector.fromArray(SPECIES, a, at + i + 3 * LANES);
            FloatVector w0 = v0, w1 = v1, w2 = v2, w3 = v3;
            long element = byteOffset + (long) i * Float.BYTES;
            int t = 0;
            for (; t + 1 < taps; t += 2) {
                long o = element + tapBytes[t], p = element + tapBytes[t + 1];
                v0 = v0.min(FloatVector.fromMemorySegment(SPECIES, s, o, ORDER));
                v1 = v1.min(FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER));
                v2 = v2.min(FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER));
                v3 = v3.min(FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER));
                w0 = w0.min(FloatVector.fromMemorySegment(SPECIES, s, p, ORDER));
                w1 = w1.min(FloatVector.fromMemorySegment(SPECIES, s, p + VECTOR_BYTES, ORDER));
                w2 = w2.min(FloatVector.fromMemorySegment(SPECIES, s, p + 2 * VECTOR_BYTES, ORDER));
                w3 = w3.min(FloatVector.fromMemorySegment(SPECIES, s, p + 3 * VECTOR_BYTES, ORDER));
            }
            if (t < taps) {
                long o = element + tapBytes[t];
                v0 = v0.min(FloatVector.fromMemorySegment(SPECIES, s, o, ORDER));
                v1 = v1.min(FloatVector.fromMemorySegment(SPECIES, s, o + VECTOR_BYTES, ORDER));
                v2 = v2.min(FloatVector.fromMemorySegment(SPECIES, s, o + 2 * VECTOR_BYTES, ORDER));
                v3 = v3.min(FloatVector.fromMemorySegment(SPECIES, s, o + 3 * VECTOR_BYTES, ORDER));
            }
            v0.min(w0).intoArray(a, at + i);
            v1.min(w1).intoArray(a, at + i + LANES);
            v2.min(w2).intoArray(a, at + i + 2 * LANES);
            v3.min(w3).intoArray(a, at + i + 3 * LANES);
        }
        final long lastWhole = limit - reach(tapBytes, taps);
        for (; i < n; i += LANES) {
            long element = byteOffset + (long) i * Float.BYTES;
            if (element > lastWhole) {
                foldElements(MIN, a, at + i, s, element, tapBytes, taps, n - i);
                return;
            }
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(SPECIES, a, at + i, m), w = v;
            for (int t = 0; t < taps; t++) {
                // lanes past n are never stored: whole vectors are read, all inside the segment
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, s, element + tapBytes[t], ORDER);
                if ((t & 1) == 0) v = v.min(x);
                else w = w.min(x);
            }
            v.min(w).intoArray(a, at + i, m);
        }
    }

    /**
     * One plane per lane, each lane's chain its plane's in memory order. Sums of whole vectors of planes of a vector's
     * elements or more are {@link JavaPlaneTransposes transposed} (on x86); the other sums take the plain loops' eight
     * chains side by side (2048 planes of 7x7 on a Zen 5: 24 us gathered against 12.4 chained; its gathers are slow).
     * Max and min gather element k of {@link #LANES} planes at once. The last planes take the plain loop.
     */
    @Override
    public void foldPlanes(int op, float[] b, int size, int n, float start, float[] results, int[] starts) {
        int p = 0;
        if (op == ADD) {
            if (size >= LANES) p = JavaPlaneTransposes.sums(b, size, n, start, results, starts);
            p = JavaLanes.sumPlanesSideBySide(b, size, p, n, start, results, starts);
        } else {
            for (; p + LANES <= n; p += LANES) {
                FloatVector v = FloatVector.broadcast(SPECIES, start);
                if (op == MAX) { // lane j reads b[k + starts[p + j]]
                    for (int k = 0; k < size; k++) v = v.max(FloatVector.fromArray(SPECIES, b, k, starts, p));
                } else {
                    for (int k = 0; k < size; k++) v = v.min(FloatVector.fromArray(SPECIES, b, k, starts, p));
                }
                v.intoArray(results, p);
            }
        }
        for (; p < n; p++) {
            float v = start;
            int at = starts[p];
            for (int k = 0; k < size; k++) {
                float x = b[at + k];
                v = op == ADD ? v + x : op == MAX ? Math.max(v, x) : Math.min(v, x);
            }
            results[p] = v;
        }
    }

    @Override
    public void divide(float[] a, int at, int n, float divisor) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i).div(divisor).intoArray(a, at + i);
        }
        for (; i < n; i++) a[at + i] /= divisor;
    }

    @Override
    public void divide(float[] a, int at, float[] divisors, int from, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            FloatVector.fromArray(SPECIES, a, at + i)
                    .div(FloatVector.fromArray(SPECIES, divisors, from + i))
                    .intoArray(a, at + i);
        }
        for (; i < n; i++) a[at + i] /= divisors[from + i];
    }

    @Override
    public int nextZeroOrNaN(float[] a, int from, int to) {
        int i = from;
        for (int bound = to - LANES; i <= bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, a, i);
            VectorMask<Float> hit = v.compare(VectorOperators.EQ, 0f).or(v.test(VectorOperators.IS_NAN));
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        if (i < to) { // masked: the arrays of the dense path have room past their ends (JavaDensePath.buffer)
            VectorMask<Float> m = SPECIES.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(SPECIES, a, i, m);
            // unmasked tests, then the mask: a masked test is not intrinsified (JDK 25) and allocated on every call
            VectorMask<Float> hit = v.compare(VectorOperators.EQ, 0f)
                    .or(v.test(VectorOperators.IS_NAN))
                    .and(m);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        return to;
    }
}
