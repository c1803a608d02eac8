package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolkit.internal.Geometry;
import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_pool_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One rule set: the Java façade and the native library accept and refuse exactly the same problems. Hostile values
 * (zero, negative, at and past 2^40, past 2^31 and 2^32, near 2^63) are drawn for every size, kernel, stride,
 * dilation and padding and given to both sides, which must agree on every one.
 */
class RuleSetTest {
    private static final long LIMIT = PoolkitFFI.PK_MAX_EXTENT();
    private static final long[] HOSTILE = {
        Long.MIN_VALUE,
        -3,
        -1,
        0,
        1,
        2,
        3,
        5,
        (1L << 24) + 1,
        (1L << 31) + 5,
        (1L << 32) + 3,
        LIMIT / 2,
        LIMIT - 1,
        LIMIT,
        LIMIT + 1,
        1L << 62,
        Long.MAX_VALUE
    };

    private static long draw(SplittableRandom r, int smallBound) {
        return r.nextInt(4) == 0 ? HOSTILE[r.nextInt(HOSTILE.length)] : r.nextInt(smallBound);
    }

    @Test
    void limitsAreTheHeadersOnes() {
        assertEquals(1L << 40, LIMIT);
        assertEquals(LIMIT, Geometry.MAX_EXTENT);
        assertEquals(PoolkitFFI.PK_AVG_WIDE_TAPS(), Geometry.AVG_WIDE_TAPS);
    }

    @Test
    void outputSizesAgree() {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        SplittableRandom r = new SplittableRandom(1);
        for (int trial = 0; trial < 200_000; trial++) {
            long in = draw(r, 50), k = draw(r, 6), s = draw(r, 4), d = draw(r, 3), pb = draw(r, 4), pe = draw(r, 4);
            boolean ceil = r.nextBoolean();
            long expected = PoolkitFFI.pk_pool_output_size(in, k, s, d, pb, pe, ceil ? 1 : 0);
            assertEquals(
                    expected,
                    Pooling.outputSize(in, k, s, d, pb, pe, ceil),
                    () -> "outputSize(" + in + ", " + k + ", " + s + ", " + d + ", " + pb + ", " + pe + ", " + ceil
                            + ")");
        }
    }

    @Test
    void unpooledSizesAgree() {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        SplittableRandom r = new SplittableRandom(2);
        int accepted = 0;
        for (int trial = 0; trial < 100_000; trial++) {
            long in = draw(r, 50), k = draw(r, 6), s = draw(r, 4), pb = draw(r, 4), pe = draw(r, 4);
            long expected = PoolkitFFI.pk_unpool_output_size(in, k, s, pb, pe);
            long got;
            try {
                got = UnpoolSpec.of(k)
                        .stride(s)
                        .padding(new long[] {pb}, new long[] {pe})
                        .build()
                        .outputShape(new long[] {1, 1, in})[2];
            } catch (IllegalArgumentException e) {
                got = -1;
            }
            long nativeOutcome = expected < 1 ? -1 : expected;
            assertEquals(
                    nativeOutcome,
                    got,
                    "unpooled size of " + in + " by kernel " + k + ", stride " + s + ", padding " + pb + "/" + pe);
            if (got > 0) accepted++;
        }
        assertTrue(accepted > 10_000, "only " + accepted + " accepted: the draw must test both outcomes");
    }

    /** Sliding max pooling specs over hostile shapes: Geometry (the Java normaliser) accepts exactly what pk_pool_check does. */
    @Test
    void preparedProblemsAgree() {
        assumeTrue(Pooling.nativeAvailable(), "native code unavailable");
        SplittableRandom r = new SplittableRandom(3);
        int accepted = 0, trials = 100_000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment spec = pk_pool_spec.allocate(arena),
                    in = pk_tensor_desc.allocate(arena),
                    out = pk_tensor_desc.allocate(arena);
            for (int trial = 0; trial < trials; trial++) {
                int rank = r.nextInt(1, 4);
                long[] shape = new long[rank + 2],
                        k = new long[rank],
                        s = new long[rank],
                        d = new long[rank],
                        pb = new long[rank],
                        pe = new long[rank];
                shape[0] = r.nextInt(8) == 0 ? draw(r, 3) : 1;
                shape[1] = r.nextInt(8) == 0 ? draw(r, 5) : r.nextInt(1, 5);
                boolean ceil = r.nextBoolean();
                for (int i = 0; i < rank; i++) {
                    shape[i + 2] = r.nextInt(6) == 0 ? draw(r, 30) : r.nextInt(1, 30);
                    k[i] = r.nextInt(6) == 0 ? draw(r, 5) : r.nextInt(1, 5);
                    s[i] = r.nextInt(8) == 0 ? draw(r, 3) : r.nextInt(1, 3);
                    d[i] = r.nextInt(8) == 0 ? draw(r, 3) : r.nextInt(1, 3);
                    pb[i] = r.nextInt(8) == 0 ? draw(r, 3) : r.nextInt(0, 3);
                    pe[i] = r.nextInt(8) == 0 ? draw(r, 3) : r.nextInt(0, 3);
                }
                boolean javaAccepts;
                String javaReason = "";
                try {
                    PoolSpec p = PoolSpec.max(k)
                            .stride(s)
                            .dilation(d)
                            .padding(pb, pe)
                            .ceilMode(ceil)
                            .conventions(Conventions.ONNX)
                            .build();
                    Geometry.of(p, Layout.NCHW, shape);
                    javaAccepts = true;
                } catch (IllegalArgumentException e) {
                    javaAccepts = false;
                    javaReason = e.getMessage();
                }
                spec.fill((byte) 0);
                in.fill((byte) 0);
                pk_pool_spec.op(spec, PoolkitFFI.PK_OP_MAX());
                pk_pool_spec.window(spec, PoolkitFFI.PK_WINDOW_SLIDING());
                pk_pool_spec.spatial_rank(spec, rank);
                pk_pool_spec.ceil_mode(spec, ceil ? 1 : 0);
                pk_pool_spec.isa(spec, PoolkitFFI.PK_ISA_AUTO());
                pk_tensor_desc.layout(in, PoolkitFFI.PK_LAYOUT_NCHW());
                pk_tensor_desc.spatial_rank(in, rank);
                // an empty batch or no channels: the façade returns before any native call, so native code never sees
                // such a problem; every other rule must agree, so the native side judges it with one image and channel
                pk_tensor_desc.batch(in, shape[0] == 0 ? 1 : shape[0]);
                pk_tensor_desc.channels(in, shape[1] == 0 ? 1 : shape[1]);
                for (int i = 0; i < rank; i++) {
                    pk_pool_spec.kernel(spec, i, k[i]);
                    pk_pool_spec.stride(spec, i, s[i]);
                    pk_pool_spec.dilation(spec, i, d[i]);
                    pk_pool_spec.pad_begin(spec, i, pb[i]);
                    pk_pool_spec.pad_end(spec, i, pe[i]);
                    pk_tensor_desc.spatial(in, i, shape[i + 2]);
                }
                out.copyFrom(in);
                for (int i = 0; i < rank; i++) {
                    long o = PoolkitFFI.pk_pool_output_size(shape[i + 2], k[i], s[i], d[i], pb[i], pe[i], ceil ? 1 : 0);
                    pk_tensor_desc.spatial(out, i, Math.max(o, 1)); // a size below 1 is refused by the check itself
                }
                int status = PoolkitFFI.pk_pool_check(spec, in, out);
                boolean nativeAccepts = status == PoolkitFFI.PK_OK();
                String problem = "max k=" + Arrays.toString(k) + " s=" + Arrays.toString(s) + " d=" + Arrays.toString(d)
                        + " pad=" + Arrays.toString(pb) + "/" + Arrays.toString(pe) + " ceil=" + ceil + " on "
                        + Arrays.toString(shape);
                assertEquals(
                        nativeAccepts, javaAccepts, problem + ": native status " + status + ", java: " + javaReason);
                if (javaAccepts) accepted++;
            }
        }
        assertTrue(
                accepted > trials / 10 && accepted < trials * 9 / 10,
                accepted + " of " + trials + " accepted: both outcomes must be drawn");
    }
}
