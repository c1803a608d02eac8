package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Precision#RELAXED} averages at every level against an exact reference written here from the formulas (sums
 * in BigDecimal): every result within the bound {@link Precision} states, on seeded random 2d problems (sliding
 * windows with each divisor rule and overrides, global and adaptive windows, both layouts, S4- and S5-like shapes)
 * filled with plain values, cancelling ones, huge and tiny magnitudes. The same problems at {@link Precision#EXACT}
 * still equal the Java backend bit for bit, and the cross-check backend accepts relaxed native results.
 */
class RelaxedPrecisionTest {
    static final double U = 0x1p-24;

    static List<Isa> levels() {
        return CrossBackendTest.levels();
    }

    /** A 2d average problem: spec builder (precision set per run), layout, [N, C, H, W]. */
    record Problem(PoolSpec.Builder spec, Layout layout, long[] shape, String window) {}

    private static Problem random(SplittableRandom r) {
        Layout layout = r.nextBoolean() ? Layout.NCHW : Layout.NHWC;
        long[] channels = {1, 3, 8, 9, 16, 17, 37, 64};
        long n = r.nextInt(1, 3), c = channels[r.nextInt(channels.length)];
        int kind = r.nextInt(5);
        switch (kind) {
            case 0 -> { // S4-like: 3x3, stride 1, padding 1, padding excluded
                long h = r.nextInt(3, 31), w = r.nextInt(3, 31);
                return new Problem(
                        PoolSpec.avg(3, 3).stride(1, 1).padding(1, 1).countIncludePad(r.nextBoolean()),
                        layout,
                        new long[] {n, c, h, w},
                        "sliding");
            }
            case 1 -> { // S5-like: a global average
                long h = r.nextInt(1, 12), w = r.nextInt(1, 12);
                return new Problem(PoolSpec.globalAvg(2), layout, new long[] {n, c, h, w}, "global");
            }
            case 2 -> { // adaptive: bins overlap and differ in length; per-axis division in the exact precision
                long h = r.nextInt(1, 20), w = r.nextInt(1, 20);
                return new Problem(
                        PoolSpec.adaptiveAvg(r.nextInt(1, (int) h + 1), r.nextInt(1, (int) w + 1)),
                        layout,
                        new long[] {n, c, h, w},
                        "adaptive");
            }
            case 3 -> { // a global average of a wide plane: summed in double in both precisions
                return new Problem(
                        PoolSpec.globalAvg(2),
                        layout,
                        new long[] {1, c, r.nextInt(33, 40), r.nextInt(33, 40)},
                        "global");
            }
            default -> { // any sliding window, with divisor rules and overrides
                long kh = r.nextInt(1, 5), kw = r.nextInt(1, 5);
                long h = r.nextInt((int) kh, 25), w = r.nextInt((int) kw, 25);
                PoolSpec.Builder b = PoolSpec.avg(kh, kw)
                        .stride(r.nextInt(1, 3), r.nextInt(1, 3))
                        .padding(r.nextInt(0, (int) kh / 2 + 1), r.nextInt(0, (int) kw / 2 + 1))
                        .countIncludePad(r.nextBoolean());
                if (r.nextInt(4) == 0) b.divisorOverride(r.nextInt(1, 30));
                return new Problem(b, layout, new long[] {n, c, h, w}, "sliding");
            }
        }
    }

    /** Values of one of five families: plain, cancelling, huge, tiny (subnormal results), mixed scales. */
    private static float value(SplittableRandom r, int family) {
        return switch (family) {
            case 0 -> r.nextInt(-1_000_000, 1_000_001) / 7919f;
            case 1 ->
                (r.nextBoolean() ? 1 : -1) * (1e6f + r.nextInt(0, 1000) / 64f); // sums cancel to a small remainder
            case 2 -> (float) ((r.nextDouble() * 2 - 1) * 1e35); // S below Float.MAX_VALUE/2 over up to 1600 taps
            case 3 -> (float) ((r.nextDouble() * 2 - 1) * 1e-38); // averages below Float.MIN_NORMAL
            default -> (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(-60, 61)));
        };
    }

    @ParameterizedTest(name = "native:{0} relaxed within the bound")
    @MethodSource("levels")
    void relaxedWithinBound(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        SplittableRandom random = new SplittableRandom(20261205L + isa.ordinal());
        int relaxedKernels = 0;
        for (int problem = 0; problem < 400; problem++) {
            Problem p = random(random);
            PoolSpec relaxed = p.spec.precision(Precision.RELAXED).build(),
                    exact = p.spec.precision(Precision.EXACT).build();
            PreparedPool fast = Pooling.prepare(relaxed, p.layout, p.shape, Backend.NATIVE, isa);
            PreparedPool bits = Pooling.prepare(exact, p.layout, p.shape, Backend.NATIVE, isa);
            PreparedPool java = Pooling.prepare(exact, p.layout, p.shape, Backend.JAVA, null);
            PreparedPool checked = Pooling.prepare(relaxed, p.layout, p.shape, Backend.CROSS_CHECK, isa);
            if (fast.implementation().contains("-relaxed")) relaxedKernels++;
            try (Arena arena = Arena.ofConfined()) {
                Tensor in = Tensor.allocate(arena, DType.F32, p.layout, p.shape);
                int family = random.nextInt(5);
                for (long i = 0; i < in.elementCount(); i++)
                    in.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, value(random, family));
                Tensor fastOut = fast.allocateOutput(arena),
                        bitsOut = bits.allocateOutput(arena),
                        javaOut = java.allocateOutput(arena);
                fast.run(in, fastOut);
                bits.run(in, bitsOut);
                java.run(in, javaOut);
                checked.run(
                        in, checked.allocateOutput(arena)); // throws when native and Java differ beyond twice the bound
                assertNull(CrossBackendTest.firstDifference(bitsOut, null, javaOut, null), () -> "exact: " + bits);
                String where = fast + ", values of family " + family;
                assertNull(outsideBound(p, in, fastOut), () -> "relaxed: " + where);
                assertNull(outsideBound(p, in, javaOut), () -> "exact within the bound too: " + where);
            }
        }
        if (isa != Isa.SCALAR)
            assertTrue(relaxedKernels > 80, "only " + relaxedKernels + " problems ran a relaxed SIMD kernel");
    }

    /** Null when every output of {@code out} is within the bound of the exact average, else the first that is not. */
    static String outsideBound(Problem p, Tensor in, Tensor out) {
        long n = p.shape[0], c = p.shape[1], h = p.shape[2], w = p.shape[3];
        long oh = out.shape()[2], ow = out.shape()[3];
        PoolSpec spec = p.spec.build();
        for (long b = 0; b < n; b++)
            for (long ch = 0; ch < c; ch++)
                for (long y = 0; y < oh; y++)
                    for (long x = 0; x < ow; x++) {
                        long[] rows = window(spec, p.window, 0, y, h, oh), cols = window(spec, p.window, 1, x, w, ow);
                        BigDecimal sum = BigDecimal.ZERO, abs = BigDecimal.ZERO;
                        long taps = 0;
                        for (long i = rows[0]; i < rows[1]; i++)
                            for (long j = cols[0]; j < cols[1]; j++) {
                                float v = in.segment()
                                        .getAtIndex(ValueLayout.JAVA_FLOAT, offset(p.layout, c, h, w, b, ch, i, j));
                                sum = sum.add(new BigDecimal(v));
                                abs = abs.add(new BigDecimal(v).abs());
                                taps++;
                            }
                        long divisor = spec.divisorOverride() > 0
                                ? spec.divisorOverride()
                                : spec.divisor() == AvgDivisor.INCLUDE_PADDING && p.window.equals("sliding")
                                        ? rows[2] * cols[2]
                                        : (rows[1] - rows[0]) * (cols[1] - cols[0]);
                        float got = out.segment()
                                .getAtIndex(ValueLayout.JAVA_FLOAT, offset(p.layout, c, oh, ow, b, ch, y, x));
                        if (taps == 0) {
                            if (got != 0) return "empty window (" + y + ", " + x + ") gave " + got;
                            continue;
                        }
                        MathContext mc = MathContext.DECIMAL128;
                        BigDecimal mean = sum.divide(BigDecimal.valueOf(divisor), mc),
                                scale = abs.divide(BigDecimal.valueOf(divisor), mc);
                        double gamma = (taps + 2) * U / (1 - (taps + 2) * U);
                        BigDecimal bound =
                                scale.multiply(new BigDecimal(gamma), mc).add(new BigDecimal(0x1p-148));
                        BigDecimal error = new BigDecimal(got).subtract(mean).abs();
                        if (!Float.isFinite(got) || error.compareTo(bound) > 0) {
                            return "(" + b + ", " + ch + ", " + y + ", " + x + "): " + got + " vs " + mean.doubleValue()
                                    + ", error " + error.doubleValue() + " > bound " + bound.doubleValue() + " (" + taps
                                    + " taps, divisor " + divisor + ")";
                        }
                    }
        return null;
    }

    /** Output o's taps along axis a: [first, last) inside the input, and the window's length inside the padded input. */
    private static long[] window(PoolSpec spec, String rule, int a, long o, long in, long out) {
        switch (rule) {
            case "global" -> {
                return new long[] {0, in, in};
            }
            case "adaptive" -> {
                long start = Math.floorDiv(o * in, out), end = Math.floorDiv((o + 1) * in + out - 1, out);
                return new long[] {start, end, end - start};
            }
            default -> {
                long origin = o * spec.stride(a) - spec.padBegin(a), k = spec.kernel(a);
                long first = Math.max(origin, 0), last = Math.min(origin + k, in);
                long padded = Math.min(origin + k, in + spec.padEnd(a)) - origin;
                return new long[] {first, Math.max(first, last), padded};
            }
        }
    }

    private static long offset(Layout layout, long c, long h, long w, long b, long ch, long y, long x) {
        return layout == Layout.NCHW ? ((b * c + ch) * h + y) * w + x : ((b * h + y) * w + x) * c + ch;
    }

    /** The shapes the relaxed kernels are for name them, at every SIMD level. */
    @ParameterizedTest(name = "native:{0} names its relaxed kernels")
    @MethodSource("levels")
    void relaxedKernelsNamed(Isa isa) {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        PoolSpec s4 = PoolSpec.avg(3, 3)
                .stride(1, 1)
                .padding(1, 1)
                .countIncludePad(false)
                .precision(Precision.RELAXED)
                .build();
        PoolSpec s5 = PoolSpec.globalAvg(2).precision(Precision.RELAXED).build();
        for (Layout layout : Layout.values()) {
            String a = Pooling.prepare(s4, layout, new long[] {1, 256, 28, 28}, Backend.NATIVE, isa)
                    .implementation();
            String b = Pooling.prepare(s5, layout, new long[] {1, 2048, 7, 7}, Backend.NATIVE, isa)
                    .implementation();
            String level =
                    isa == Isa.SCALAR ? "native:" : "native:" + isa.name().toLowerCase() + ":";
            assertTrue(a.startsWith(level) && a.endsWith("-relaxed"), a);
            assertTrue(b.startsWith(level) && b.endsWith("-relaxed"), b);
            String exact = Pooling.prepare(
                            PoolSpec.globalAvg(2).build(), layout, new long[] {1, 2048, 7, 7}, Backend.NATIVE, isa)
                    .implementation();
            assertTrue(!exact.contains("relaxed"), exact);
        }
    }

    @Test
    void precisionIsForAverages() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> PoolSpec.max(2, 2).precision(Precision.RELAXED).build());
        assertTrue(e.getMessage().contains("precision = RELAXED"), e.getMessage());
        assertEquals(Precision.EXACT, PoolSpec.avg(2, 2).build().precision());
        assertEquals(
                Precision.RELAXED,
                PoolSpec.adaptiveAvg(3, 3).precision(Precision.RELAXED).build().precision());
        assertTrue(!PoolSpec.avg(2, 2)
                .build()
                .equals(PoolSpec.avg(2, 2).precision(Precision.RELAXED).build()));
    }
}
