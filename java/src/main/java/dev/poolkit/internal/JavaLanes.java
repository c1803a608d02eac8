package dev.poolkit.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * The element-wise loops of the Java backend's dense path, over heap arrays: each element on its own, so that a
 * loop computes per element exactly what the scalar definition does ({@link Math#max}, {@link Math#min}, one float
 * add or divide), whatever the lane count. {@link #SCALAR} leaves vectorization to C2 (which does not vectorize these
 * loops over two arrays at different offsets: the kernel then keeps {@link JavaFastPath}); {@link #preferred()} is the
 * Vector API's implementation ({@code JavaVectorLanes}) when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}, the scalar one otherwise. That class is loaded only when the module is
 * present, so the library runs without it.
 */
interface JavaLanes {
    /** Set to {@code false} to keep the scalar loops even when the Vector API is present. */
    String VECTOR_PROPERTY = "poolkit.java.vector";

    /** The plain loops, which C2 vectorizes by itself. */
    JavaLanes SCALAR = new Scalar();

    /** {@code vector} or {@code scalar}, as {@code PreparedPool.implementation()} reports it ({@code java:vector}). */
    String name();

    /** {@code a[at + i] = Math.max(a[at + i], b[from + i])} for {@code i < n}. */
    void max(float[] a, int at, float[] b, int from, int n);

    /** {@code a[at + i] = Math.min(a[at + i], b[from + i])} for {@code i < n}. */
    void min(float[] a, int at, float[] b, int from, int n);

    /** {@code a[at + i] += b[from + i]} for {@code i < n}. */
    void add(float[] a, int at, float[] b, int from, int n);

    /** The ops of {@link #fold}. */
    int ADD = 0, MAX = 1, MIN = 2;

    /**
     * Folds taps into each element, in the order of {@code offsets}: {@code a[at + i] = op(...op(op(a[at + i],
     * b[from + i + offsets[0]]), b[from + i + offsets[1]])...)} for {@code i < n}, op being + (ADD), {@link Math#max}
     * (MAX) or {@link Math#min} (MIN).
     */
    default void fold(int op, float[] a, int at, float[] b, int from, int[] offsets, int taps, int n) {
        for (int t = 0; t < taps; t++) {
            if (op == ADD) add(a, at, b, from + offsets[t], n);
            else if (op == MAX) max(a, at, b, from + offsets[t], n);
            else min(a, at, b, from + offsets[t], n);
        }
    }

    /**
     * Lines of outputs that each take all their taps at once, a window's taps being its rows by its columns: for
     * {@code l < lines} and {@code i < n}, {@code a[at + l n + i] = op(...op(op(start, x(0, 0)), x(0, 1))...)} over
     * rows {@code r < rows} and in each the columns {@code c < columns} (window order), {@code x(r, c)} being
     * {@code b[from + lineFrom[l] + rowOffsets[r] + columnOffsets[c] + i]}; then divided by {@code divisors[l n + i]}
     * unless {@code divisors} is null. {@code start} is the op's identity (+0 for sums). Lines are written in order of
     * their first elements and a loop may store whole vectors: up to a vector's lanes past each line's end, which the
     * next line overwrites, and past the last line's into the room every buffer of the dense path has past its end
     * (as {@code b} and {@code divisors} are read).
     */
    default void foldLines(
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
        for (int l = 0; l < lines; l++) {
            final int line = from + lineFrom[l], out = at + l * n;
            for (int i = 0; i < n; i++) {
                float v = start;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        float x = b[line + rowOffsets[r] + columnOffsets[c] + i];
                        v = op == ADD ? v + x : op == MAX ? Math.max(v, x) : Math.min(v, x);
                    }
                }
                a[out + i] = divisors == null ? v : v / divisors[l * n + i];
            }
        }
    }

    /**
     * Whether {@link #foldStrided} of {@code n} elements reads their taps by whole gathers, which costs less than
     * folding every position and picking every stride-th.
     */
    default boolean gathers(int n) {
        return false;
    }

    /**
     * Max or min (op MAX or MIN) of windows two wide with stride two along lines: line {@code l < lines} starts at
     * {@code b[lineFrom[l]]}, and its outputs are {@code a[at + l n + i] = op over r < rows and k < 2 of b[lineFrom[l]
     * + rowOffsets[r] + 2 i + k]} for {@code i < n}, the taps in any order. That equals the definition's max (or min)
     * wherever the result is neither zero nor NaN, the only results whose bits depend on the order; callers compute
     * those again.
     */
    default void pairs(
            int op, float[] a, int at, float[] b, int[] lineFrom, int lines, int[] rowOffsets, int rows, int n) {
        for (int l = 0; l < lines; l++) pairsOfLine(op, a, at + l * n, b, lineFrom[l], rowOffsets, rows, n);
    }

    /**
     * {@link #pairs} of one line read straight from a segment: {@code a[at + i] = op over r < rows and k < 2 of the
     * float at byte {@code byteOffset + rowBytes[r] + 4 (2 i + k)}} for {@code i < n}, the taps in any order. No copy:
     * each input of the line's rows read once.
     */
    default void pairs(int op, float[] a, int at, MemorySegment s, long byteOffset, long[] rowBytes, int rows, int n) {
        pairsOfLine(op, a, at, s, byteOffset, rowBytes, rows, n);
    }

    /** {@link #pairs} of one line from a segment, element by element. */
    static void pairsOfLine(
            int op, float[] a, int at, MemorySegment s, long byteOffset, long[] rowBytes, int rows, int n) {
        for (int i = 0; i < n; i++) {
            float v = op == MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                long e = byteOffset + rowBytes[r] + 2L * i * Float.BYTES;
                float x = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e),
                        y = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, e + Float.BYTES);
                v = op == MAX ? Math.max(Math.max(v, x), y) : Math.min(Math.min(v, x), y);
            }
            a[at + i] = v;
        }
    }

    /**
     * Max or min (op MAX or MIN) of windows three wide with stride two along one line read straight from a segment:
     * {@code a[at + i] = op over r < rows and k < 3 of the float at byte byteOffset + rowBytes[r] + 4 (2 i - padBegin
     * + k)}, over the elements inside the row ({@code 0 <= 2 i - padBegin + k < inW}), for {@code i < n}, the taps in
     * any order; callers compute zero and NaN results again, as after {@link #pairs}.
     */
    default void triples(
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
        triplesOfLine(op, a, at, s, byteOffset, rowBytes, rows, 0, n, padBegin, inW);
    }

    /** {@link #triples} of outputs {@code [from, to)} of one line, element by element. */
    static void triplesOfLine(
            int op,
            float[] a,
            int at,
            MemorySegment s,
            long byteOffset,
            long[] rowBytes,
            int rows,
            int from,
            int to,
            int padBegin,
            int inW) {
        for (int i = from; i < to; i++) {
            float v = op == MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < 3; k++) {
                    long iw = 2L * i - padBegin + k;
                    if (iw < 0 || iw >= inW) continue;
                    float x = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, byteOffset + rowBytes[r] + iw * Float.BYTES);
                    v = op == MAX ? Math.max(v, x) : Math.min(v, x);
                }
            }
            a[at + i] = v;
        }
    }

    /** {@link #pairs} of one line starting at {@code b[from]}, its outputs from {@code a[at]}. */
    static void pairsOfLine(int op, float[] a, int at, float[] b, int from, int[] rowOffsets, int rows, int n) {
        for (int i = 0; i < n; i++) {
            float v = op == MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                int e = from + rowOffsets[r] + 2 * i;
                v = op == MAX ? Math.max(Math.max(v, b[e]), b[e + 1]) : Math.min(Math.min(v, b[e]), b[e + 1]);
            }
            a[at + i] = v;
        }
    }

    /**
     * {@link #fold(int, float[], int, float[], int, int[], int, int)} at every {@code stride}-th position of {@code b}:
     * {@code a[at + i] = op(...op(op(a[at + i], b[from + i * stride + offsets[0]]), b[from + i * stride +
     * offsets[1]])...)} for {@code i < n}, each element's taps in the order of {@code offsets}.
     */
    default void foldStrided(
            int op, float[] a, int at, float[] b, int from, int stride, int[] offsets, int taps, int n) {
        for (int i = 0; i < n; i++) {
            float v = a[at + i];
            int element = from + i * stride;
            for (int t = 0; t < taps; t++) {
                float x = b[element + offsets[t]];
                v = op == ADD ? v + x : op == MAX ? Math.max(v, x) : Math.min(v, x);
            }
            a[at + i] = v;
        }
    }

    /**
     * As {@link #fold(int, float[], int, float[], int, int[], int, int)} with taps read from {@code n + (the largest
     * offset)} floats of a segment at {@code byteOffset}; {@code buffer} holds at least that many floats and may be
     * used as a copy of them.
     */
    default void fold(
            int op,
            float[] a,
            int at,
            MemorySegment s,
            long byteOffset,
            float[] buffer,
            int[] offsets,
            int taps,
            int n) {
        int extent = 0;
        for (int t = 0; t < taps; t++) extent = Math.max(extent, offsets[t]);
        MemorySegment.copy(s, ValueLayout.JAVA_FLOAT_UNALIGNED, byteOffset, buffer, 0, n + extent);
        fold(op, a, at, buffer, 0, offsets, taps, n);
    }

    /**
     * As {@link #fold(int, float[], int, float[], int, int[], int, int)} with the taps read straight from a segment:
     * tap {@code t} of element {@code i} is the float at byte {@code byteOffset + 4 * i + tapBytes[t]}. No copy: for
     * taps that need no padding, each read once.
     */
    default void fold(int op, float[] a, int at, MemorySegment s, long byteOffset, long[] tapBytes, int taps, int n) {
        for (int i = 0; i < n; i++) {
            float v = a[at + i];
            long element = byteOffset + (long) i * Float.BYTES;
            for (int t = 0; t < taps; t++) {
                float x = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, element + tapBytes[t]);
                v = op == ADD ? v + x : op == MAX ? Math.max(v, x) : Math.min(v, x);
            }
            a[at + i] = v;
        }
    }

    /**
     * Folds each of {@code n} planes of {@code size} elements, plane {@code p} at {@code b[starts[p]]}, in memory
     * order from {@code start}: {@code results[p] = op(...op(op(start, plane[0]), plane[1])...)}. {@code starts[p]}
     * is {@code p * size}, for the gathers of the Vector API's loops.
     */
    default void foldPlanes(int op, float[] b, int size, int n, float start, float[] results, int[] starts) {
        for (int p = op == ADD ? sumPlanesSideBySide(b, size, 0, n, start, results, starts) : 0; p < n; p++) {
            float v = start;
            int at = starts[p];
            if (op == ADD) for (int k = 0; k < size; k++) v += b[at + k];
            else if (op == MAX) for (int k = 0; k < size; k++) v = Math.max(v, b[at + k]);
            else for (int k = 0; k < size; k++) v = Math.min(v, b[at + k]);
            results[p] = v;
        }
    }

    /**
     * The sums of {@link #foldPlanes}, eight planes side by side, each its own chain of adds in memory order, so that
     * the chains overlap rather than each add waiting for the one before (2048 planes of 7x7 on a Zen 5: 12.4 us,
     * against 24 for one plane per lane of gathers), from plane {@code from}; the planes done.
     */
    static int sumPlanesSideBySide(float[] b, int size, int from, int n, float start, float[] results, int[] starts) {
        int p = from;
        for (; p + 8 <= n; p += 8) {
            float v0 = start, v1 = start, v2 = start, v3 = start, v4 = start, v5 = start, v6 = start, v7 = start;
            final int a0 = starts[p], a1 = starts[p + 1], a2 = starts[p + 2], a3 = starts[p + 3];
            final int a4 = starts[p + 4], a5 = starts[p + 5], a6 = starts[p + 6], a7 = starts[p + 7];
            for (int k = 0; k < size; k++) {
                v0 += b[a0 + k];
                v1 += b[a1 + k];
                v2 += b[a2 + k];
                v3 += b[a3 + k];
                v4 += b[a4 + k];
                v5 += b[a5 + k];
                v6 += b[a6 + k];
                v7 += b[a7 + k];
            }
            results[p] = v0;
            results[p + 1] = v1;
            results[p + 2] = v2;
            results[p + 3] = v3;
            results[p + 4] = v4;
            results[p + 5] = v5;
            results[p + 6] = v6;
            results[p + 7] = v7;
        }
        return p;
    }

    /** {@code a[at + i] /= divisor} for {@code i < n}. */
    void divide(float[] a, int at, int n, float divisor);

    /** {@code a[at + i] /= divisors[from + i]} for {@code i < n}. */
    void divide(float[] a, int at, float[] divisors, int from, int n);

    /**
     * The index of the first zero (either sign) or NaN of {@code a[from, to)}, or {@code to} when there is none: the
     * extrema the dense path computes again by the definition's rule, found without visiting every element in turn.
     */
    int nextZeroOrNaN(float[] a, int from, int to);

    /** The Vector API's loops when the module is present (and not switched off), else {@link #SCALAR}. */
    static JavaLanes preferred() {
        return Preferred.LANES;
    }

    /** The Vector API's loops, or empty when {@code jdk.incubator.vector} is not in the boot layer. */
    static Optional<JavaLanes> vector() {
        return Optional.ofNullable(Preferred.VECTOR);
    }

    /** Resolved once, on first use. */
    final class Preferred {
        static final JavaLanes VECTOR = loadVector();
        static final JavaLanes LANES = VECTOR != null
                        && !"false"
                                .equalsIgnoreCase(
                                        System.getProperty(VECTOR_PROPERTY, "").trim())
                ? VECTOR
                : SCALAR;

        private Preferred() {}

        private static JavaLanes loadVector() {
            Optional<Module> module = ModuleLayer.boot().findModule("jdk.incubator.vector");
            if (module.isEmpty()) return null;
            try {
                // a named dev.poolkit reads the module only when told to (module-info cannot name an incubating module
                // and still compile for the release its descriptor targets); on the class path this does nothing
                JavaLanes.class.getModule().addReads(module.get());
                return (JavaLanes) Class.forName("dev.poolkit.internal.JavaVectorLanes")
                        .getDeclaredConstructor()
                        .newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return null; // the plain loops compute the same values
            }
        }
    }

    /** Loops over arrays that C2 turns into vector code where it can. */
    final class Scalar implements JavaLanes {
        private Scalar() {}

        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public void max(float[] a, int at, float[] b, int from, int n) {
            for (int i = 0; i < n; i++) a[at + i] = Math.max(a[at + i], b[from + i]);
        }

        @Override
        public void min(float[] a, int at, float[] b, int from, int n) {
            for (int i = 0; i < n; i++) a[at + i] = Math.min(a[at + i], b[from + i]);
        }

        @Override
        public void add(float[] a, int at, float[] b, int from, int n) {
            for (int i = 0; i < n; i++) a[at + i] += b[from + i];
        }

        @Override
        public void divide(float[] a, int at, int n, float divisor) {
            for (int i = 0; i < n; i++) a[at + i] /= divisor;
        }

        @Override
        public void divide(float[] a, int at, float[] divisors, int from, int n) {
            for (int i = 0; i < n; i++) a[at + i] /= divisors[from + i];
        }

        @Override
        public int nextZeroOrNaN(float[] a, int from, int to) {
            for (int i = from; i < to; i++) {
                float v = a[i];
                if (v == 0f || v != v) return i;
            }
            return to;
        }
    }
}
