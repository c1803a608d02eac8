package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A prepared native operation names the level and the strategy its plan chose, as the C plan reports them; kernels of
 * relaxed averages end in {@code -relaxed}, and only those.
 */
class ImplementationNameTest {
    private static final Pattern NAME = Pattern.compile(
            "native:(scalar|(avx2|avx512):(scalar|across|big|along|tiles|whole|planes|pairs|rolling|sweep))(-relaxed)?"
                    + "( \\(with indices: (scalar|across|big|along|tiles|whole|planes)\\))?");

    @Test
    void everyLevelNamesItsStrategy() {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        PoolSpec[] specs = {
            PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(),
            PoolSpec.avg(2, 2).build(),
            PoolSpec.globalAvg(2).build(),
            PoolSpec.lp(2, 2, 2).build(),
            PoolSpec.avg(2, 2).precision(Precision.RELAXED).build(),
            PoolSpec.globalAvg(2).precision(Precision.RELAXED).build()
        };
        for (Isa isa : Isa.values()) {
            if (isa.ordinal() > Pooling.cpuIsa().ordinal()) continue;
            for (PoolSpec spec : specs) {
                for (Layout layout : Layout.values()) {
                    String name = Pooling.prepare(spec, layout, new long[] {1, 16, 12, 12}, Backend.NATIVE, isa)
                            .implementation();
                    Matcher m = NAME.matcher(name);
                    assertTrue(m.matches(), spec + " " + layout + " " + isa + ": " + name);
                    String level = m.group(2) == null ? "scalar" : m.group(2);
                    assertEquals(isa.name().toLowerCase(), level, spec + " " + layout + ": " + name);
                    if (m.group(4) != null) assertEquals(Precision.RELAXED, spec.precision(), name);
                    if (spec.op() == PoolOp.LP) { // LP pooling has no SIMD variants
                        assertTrue(name.endsWith("scalar"), name);
                    }
                }
            }
        }
    }

    /**
     * Channels-first 3x3 stride-1 windows that keep the plane's size (Inception's average pool, S4) run as rolling rows at
     * every SIMD level.
     */
    @Test
    void sameSizeWindowsRunAsRollingRows() {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        for (PoolSpec spec : List.of(
                PoolSpec.avg(3, 3)
                        .stride(1, 1)
                        .padding(1, 1)
                        .countIncludePad(false)
                        .build(),
                PoolSpec.max(3, 3).stride(1, 1).padding(1, 1).build())) {
            for (Isa isa : List.of(Isa.AVX2, Isa.AVX512)) {
                if (isa.ordinal() > Pooling.cpuIsa().ordinal()) continue;
                String expected = "native:" + (isa == Isa.AVX512 ? "avx512" : "avx2") + ":rolling";
                String name = Pooling.prepare(spec, Layout.NCHW, new long[] {1, 32, 28, 28}, Backend.NATIVE, isa)
                        .implementation();
                // the path without indices; max pooling also names the one it takes with them
                assertEquals(expected, name.split(" \\(")[0], spec + " " + isa + ": " + name);
            }
        }
    }

    /**
     * Global pooling of channels last over many channels (ResNet's head, S5) sweeps each plane once at either level,
     * averages exact and relaxed, max and min without indices in either NaN mode; over fewer channels, which across
     * channels holds in registers, and with indices, it runs across channels.
     */
    @Test
    void globalChannelsLastPoolingSweeps() {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        for (Isa isa : List.of(Isa.AVX2, Isa.AVX512)) {
            if (isa.ordinal() > Pooling.cpuIsa().ordinal()) continue;
            String level = "native:" + isa.name().toLowerCase() + ":";
            for (Precision precision : Precision.values()) {
                PoolSpec avg = PoolSpec.globalAvg(2).precision(precision).build();
                String suffix = precision == Precision.RELAXED ? "-relaxed" : "";
                assertEquals(
                        level + "sweep" + suffix,
                        Pooling.prepare(avg, Layout.NHWC, new long[] {1, 2048, 7, 7}, Backend.NATIVE, isa)
                                .implementation());
                assertEquals(
                        level + "across" + suffix,
                        Pooling.prepare(avg, Layout.NHWC, new long[] {1, 64, 7, 7}, Backend.NATIVE, isa)
                                .implementation());
            }
            for (NanPolicy nanPolicy : NanPolicy.values()) {
                for (PoolSpec extremum : List.of(
                        PoolSpec.globalMax(2).nanPolicy(nanPolicy).build(),
                        PoolSpec.min(7, 7).nanPolicy(nanPolicy).build())) { // a window over the whole 7x7 plane
                    String name = Pooling.prepare(
                                    extremum, Layout.NHWC, new long[] {1, 2048, 7, 7}, Backend.NATIVE, isa)
                            .implementation();
                    // without indices it sweeps; the path with indices runs across channels
                    assertEquals(level + "sweep (with indices: across)", name, extremum + " " + isa);
                }
            }
        }
    }

    /**
     * The methods with SIMD kernels name the one they run: along the width channels first for SoftPool, GeM and mixed
     * pooling with sliding windows (past a register of outputs per row), across channels at a SIMD level otherwise
     * (channels last, global GeM), the scalar kernel where it runs (mixed pooling with indices, stochastic pooling).
     */
    @Test
    void methodsNameTheKernelTheyRun() {
        assumeTrue(Pooling.nativeAvailable(), "native library unavailable");
        long[] shape = {1, 16, 12, 12};
        for (Isa isa : Isa.values()) {
            if (isa.ordinal() > Pooling.cpuIsa().ordinal()) continue;
            String level = isa.name().toLowerCase(), simd = isa == Isa.SCALAR ? "scalar" : level + ":across";
            for (Layout layout : Layout.values()) {
                String along = isa == Isa.SCALAR || layout == Layout.NHWC ? simd : level + ":along";
                for (PoolSpec spec : List.of(
                        PoolSpec.soft(3, 3).stride(2, 2).build(),
                        PoolSpec.gem(3, 3, 3).build())) {
                    // two outputs per row: across channels
                    assertEquals(
                            "native:" + simd,
                            Pooling.prepare(spec, layout, new long[] {1, 16, 12, 6}, Backend.NATIVE, isa)
                                    .implementation(),
                            spec + " " + layout);
                    // 12 outputs or more per row whose windows lie inside it: past a register of doubles
                    assertEquals(
                            "native:" + along,
                            Pooling.prepare(spec, layout, new long[] {1, 16, 12, 40}, Backend.NATIVE, isa)
                                    .implementation(),
                            spec + " " + layout + " wide");
                }
                assertEquals(
                        "native:" + simd,
                        Pooling.prepare(PoolSpec.globalGem(3, 2).build(), layout, shape, Backend.NATIVE, isa)
                                .implementation(),
                        "global GeM " + layout);
                String scalar = isa == Isa.SCALAR ? "scalar" : level + ":scalar";
                // mixed pooling goes along the width channels first (20 outputs per row: past half a register),
                // windows three wide with stride two in pairs of taps (20 outputs per row: a register or more)
                Map<String, PoolSpec> mixedByStrategy = Map.of(
                        "along",
                        PoolSpec.mixed(0.3, 2, 2).build(),
                        "pairs",
                        PoolSpec.mixed(0.3, 3, 3).stride(2, 2).padding(1, 1).build());
                for (Map.Entry<String, PoolSpec> mixed : mixedByStrategy.entrySet()) {
                    String expected = isa == Isa.SCALAR || layout == Layout.NHWC ? simd : level + ":" + mixed.getKey();
                    assertEquals(
                            "native:" + expected + (isa == Isa.SCALAR ? "" : " (with indices: scalar)"),
                            Pooling.prepare(mixed.getValue(), layout, new long[] {1, 16, 12, 40}, Backend.NATIVE, isa)
                                    .implementation(),
                            "mixed " + mixed.getKey() + " " + layout);
                }
                assertEquals(
                        "native:" + scalar,
                        Pooling.prepare(PoolSpec.stochastic(2, 2).build(), layout, shape, Backend.NATIVE, isa)
                                .implementation(),
                        "stochastic " + layout);
            }
        }
    }
}
