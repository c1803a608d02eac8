package dev.poolkit.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sums of whole planes, one plane per lane, by transposes: {@link JavaVectorLanes#foldPlanes}'s sums of planes of a
 * vector's elements or more (global averages channels first, S5 NCHW). Each lane's chain is its plane's in memory
 * order, the definition's bits. Loaded only with {@link JavaVectorLanes}, when {@code jdk.incubator.vector} is present.
 */
final class JavaPlaneTransposes {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private JavaPlaneTransposes() {}

    /**
     * The transposes' index vectors for two-vector selections ({@code index.selectFrom(x, y)}: indices below LANES
     * are x's lanes, the others y's): at step d, {@code KEEP_d} keeps x's lanes whose bit d is clear and takes y's
     * lanes d below into the others, {@code SWAP_d} takes x's lanes d above into the lanes whose bit d is clear and
     * keeps y's others. Steps 8, 4, 2 and 1 (or 4, 2 and 1) turn vector i's lane j into vector j's lane i.
     */
    private static final FloatVector KEEP_1 = butterfly(1, false),
            SWAP_1 = butterfly(1, true),
            KEEP_2 = butterfly(2, false),
            SWAP_2 = butterfly(2, true),
            KEEP_4 = butterfly(4, false),
            SWAP_4 = butterfly(4, true),
            KEEP_8 = butterfly(8, false),
            SWAP_8 = butterfly(8, true);

    private static FloatVector butterfly(int d, boolean swap) {
        float[] index = new float[LANES];
        for (int l = 0; l < LANES; l++) {
            boolean clear = (l & d) == 0;
            index[l] = swap ? (clear ? l + d : LANES + l) : (clear ? l : LANES + l - d);
        }
        return FloatVector.fromArray(SPECIES, index, 0);
    }

    /**
     * Whether two-vector selections were measured fast on this architecture: x86, where the JIT makes each one
     * permute (AVX-512) or a few (AVX2). Elsewhere the transposes are not taken: where a JIT lacks the intrinsic, each
     * selection would run as plain Java.
     */
    private static final boolean SELECTIONS_MEASURED =
            switch (System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT)) {
                case "amd64", "x86_64" -> true;
                default -> false;
            };

    /**
     * The sums of whole vectors of planes of at least {@link #LANES} elements, one plane per lane: the next LANES
     * elements of LANES planes loaded as LANES vectors and transposed (each selection one permute at AVX-512), so that
     * each vector is one position of every plane, and added position by position; the last positions gathered. The
     * planes done. 2048 planes of 7x7 on a Zen 4: the sums alone 19.9 us by eight chains side by side, 11.1
     * transposed; the whole run 42 -> 18 us (AVX2: 39 -> 29). The vectors are named locals: in an array they were not kept in registers
     * (165 us); and sums only: max and min in the same method took more than the compiler inlines, and its vectors
     * went to the heap.
     */
    static int sums(float[] b, int size, int n, float start, float[] results, int[] starts) {
        if (!SELECTIONS_MEASURED) return 0;
        return LANES == 16
                ? at16(b, size, n, start, results, starts)
                : LANES == 8 ? at8(b, size, n, start, results, starts) : 0;
    }

    /** {@link #sums} at 16 lanes. */
    private static int at16(float[] b, int size, int n, float start, float[] results, int[] starts) {
        int p = 0;
        for (; p + 16 <= n; p += 16) {
            FloatVector v = FloatVector.broadcast(SPECIES, start);
            final int s0 = starts[p],
                    s1 = starts[p + 1],
                    s2 = starts[p + 2],
                    s3 = starts[p + 3],
                    s4 = starts[p + 4],
                    s5 = starts[p + 5],
                    s6 = starts[p + 6],
                    s7 = starts[p + 7],
                    s8 = starts[p + 8],
                    s9 = starts[p + 9],
                    s10 = starts[p + 10],
                    s11 = starts[p + 11],
                    s12 = starts[p + 12],
                    s13 = starts[p + 13],
                    s14 = starts[p + 14],
                    s15 = starts[p + 15];
            int k = 0;
            for (; k + 16 <= size; k += 16) {
                FloatVector r0 = FloatVector.fromArray(SPECIES, b, s0 + k),
                        r1 = FloatVector.fromArray(SPECIES, b, s1 + k),
                        r2 = FloatVector.fromArray(SPECIES, b, s2 + k),
                        r3 = FloatVector.fromArray(SPECIES, b, s3 + k),
                        r4 = FloatVector.fromArray(SPECIES, b, s4 + k),
                        r5 = FloatVector.fromArray(SPECIES, b, s5 + k),
                        r6 = FloatVector.fromArray(SPECIES, b, s6 + k),
                        r7 = FloatVector.fromArray(SPECIES, b, s7 + k),
                        r8 = FloatVector.fromArray(SPECIES, b, s8 + k),
                        r9 = FloatVector.fromArray(SPECIES, b, s9 + k),
                        r10 = FloatVector.fromArray(SPECIES, b, s10 + k),
                        r11 = FloatVector.fromArray(SPECIES, b, s11 + k),
                        r12 = FloatVector.fromArray(SPECIES, b, s12 + k),
                        r13 = FloatVector.fromArray(SPECIES, b, s13 + k),
                        r14 = FloatVector.fromArray(SPECIES, b, s14 + k),
                        r15 = FloatVector.fromArray(SPECIES, b, s15 + k);
                // blocks of 8 lanes exchanged between vectors 8 apart
                FloatVector t0 = KEEP_8.selectFrom(r0, r8), t8 = SWAP_8.selectFrom(r0, r8);
                FloatVector t1 = KEEP_8.selectFrom(r1, r9), t9 = SWAP_8.selectFrom(r1, r9);
                FloatVector t2 = KEEP_8.selectFrom(r2, r10), t10 = SWAP_8.selectFrom(r2, r10);
                FloatVector t3 = KEEP_8.selectFrom(r3, r11), t11 = SWAP_8.selectFrom(r3, r11);
                FloatVector t4 = KEEP_8.selectFrom(r4, r12), t12 = SWAP_8.selectFrom(r4, r12);
                FloatVector t5 = KEEP_8.selectFrom(r5, r13), t13 = SWAP_8.selectFrom(r5, r13);
                FloatVector t6 = KEEP_8.selectFrom(r6, r14), t14 = SWAP_8.selectFrom(r6, r14);
                FloatVector t7 = KEEP_8.selectFrom(r7, r15), t15 = SWAP_8.selectFrom(r7, r15);
                // blocks of 4 lanes exchanged between vectors 4 apart
                FloatVector u0 = KEEP_4.selectFrom(t0, t4), u4 = SWAP_4.selectFrom(t0, t4);
                FloatVector u1 = KEEP_4.selectFrom(t1, t5), u5 = SWAP_4.selectFrom(t1, t5);
                FloatVector u2 = KEEP_4.selectFrom(t2, t6), u6 = SWAP_4.selectFrom(t2, t6);
                FloatVector u3 = KEEP_4.selectFrom(t3, t7), u7 = SWAP_4.selectFrom(t3, t7);
                FloatVector u8 = KEEP_4.selectFrom(t8, t12), u12 = SWAP_4.selectFrom(t8, t12);
                FloatVector u9 = KEEP_4.selectFrom(t9, t13), u13 = SWAP_4.selectFrom(t9, t13);
                FloatVector u10 = KEEP_4.selectFrom(t10, t14), u14 = SWAP_4.selectFrom(t10, t14);
                FloatVector u11 = KEEP_4.selectFrom(t11, t15), u15 = SWAP_4.selectFrom(t11, t15);
                // blocks of 2 lanes exchanged between vectors 2 apart
                FloatVector w0 = KEEP_2.selectFrom(u0, u2), w2 = SWAP_2.selectFrom(u0, u2);
                FloatVector w1 = KEEP_2.selectFrom(u1, u3), w3 = SWAP_2.selectFrom(u1, u3);
                FloatVector w4 = KEEP_2.selectFrom(u4, u6), w6 = SWAP_2.selectFrom(u4, u6);
                FloatVector w5 = KEEP_2.selectFrom(u5, u7), w7 = SWAP_2.selectFrom(u5, u7);
                FloatVector w8 = KEEP_2.selectFrom(u8, u10), w10 = SWAP_2.selectFrom(u8, u10);
                FloatVector w9 = KEEP_2.selectFrom(u9, u11), w11 = SWAP_2.selectFrom(u9, u11);
                FloatVector w12 = KEEP_2.selectFrom(u12, u14), w14 = SWAP_2.selectFrom(u12, u14);
                FloatVector w13 = KEEP_2.selectFrom(u13, u15), w15 = SWAP_2.selectFrom(u13, u15);
                // blocks of 1 lane exchanged between vectors 1 apart
                FloatVector c0 = KEEP_1.selectFrom(w0, w1), c1 = SWAP_1.selectFrom(w0, w1);
                FloatVector c2 = KEEP_1.selectFrom(w2, w3), c3 = SWAP_1.selectFrom(w2, w3);
                FloatVector c4 = KEEP_1.selectFrom(w4, w5), c5 = SWAP_1.selectFrom(w4, w5);
                FloatVector c6 = KEEP_1.selectFrom(w6, w7), c7 = SWAP_1.selectFrom(w6, w7);
                FloatVector c8 = KEEP_1.selectFrom(w8, w9), c9 = SWAP_1.selectFrom(w8, w9);
                FloatVector c10 = KEEP_1.selectFrom(w10, w11), c11 = SWAP_1.selectFrom(w10, w11);
                FloatVector c12 = KEEP_1.selectFrom(w12, w13), c13 = SWAP_1.selectFrom(w12, w13);
                FloatVector c14 = KEEP_1.selectFrom(w14, w15), c15 = SWAP_1.selectFrom(w14, w15);
                // vector i is position k + i of every plane
                v = v.add(c0).add(c1).add(c2).add(c3);
                v = v.add(c4).add(c5).add(c6).add(c7);
                v = v.add(c8).add(c9).add(c10).add(c11);
                v = v.add(c12).add(c13).add(c14).add(c15);
            }
            for (; k < size; k++) v = v.add(FloatVector.fromArray(SPECIES, b, k, starts, p));
            v.intoArray(results, p);
        }
        return p;
    }

    /** {@link #sums} at 8 lanes. */
    private static int at8(float[] b, int size, int n, float start, float[] results, int[] starts) {
        int p = 0;
        for (; p + 8 <= n; p += 8) {
            FloatVector v = FloatVector.broadcast(SPECIES, start);
            final int s0 = starts[p],
                    s1 = starts[p + 1],
                    s2 = starts[p + 2],
                    s3 = starts[p + 3],
                    s4 = starts[p + 4],
                    s5 = starts[p + 5],
                    s6 = starts[p + 6],
                    s7 = starts[p + 7];
            int k = 0;
            for (; k + 8 <= size; k += 8) {
                FloatVector r0 = FloatVector.fromArray(SPECIES, b, s0 + k),
                        r1 = FloatVector.fromArray(SPECIES, b, s1 + k),
                        r2 = FloatVector.fromArray(SPECIES, b, s2 + k),
                        r3 = FloatVector.fromArray(SPECIES, b, s3 + k),
                        r4 = FloatVector.fromArray(SPECIES, b, s4 + k),
                        r5 = FloatVector.fromArray(SPECIES, b, s5 + k),
                        r6 = FloatVector.fromArray(SPECIES, b, s6 + k),
                        r7 = FloatVector.fromArray(SPECIES, b, s7 + k);
                // blocks of 4 lanes exchanged between vectors 4 apart
                FloatVector u0 = KEEP_4.selectFrom(r0, r4), u4 = SWAP_4.selectFrom(r0, r4);
                FloatVector u1 = KEEP_4.selectFrom(r1, r5), u5 = SWAP_4.selectFrom(r1, r5);
                FloatVector u2 = KEEP_4.selectFrom(r2, r6), u6 = SWAP_4.selectFrom(r2, r6);
                FloatVector u3 = KEEP_4.selectFrom(r3, r7), u7 = SWAP_4.selectFrom(r3, r7);
                // blocks of 2 lanes exchanged between vectors 2 apart
                FloatVector w0 = KEEP_2.selectFrom(u0, u2), w2 = SWAP_2.selectFrom(u0, u2);
                FloatVector w1 = KEEP_2.selectFrom(u1, u3), w3 = SWAP_2.selectFrom(u1, u3);
                FloatVector w4 = KEEP_2.selectFrom(u4, u6), w6 = SWAP_2.selectFrom(u4, u6);
                FloatVector w5 = KEEP_2.selectFrom(u5, u7), w7 = SWAP_2.selectFrom(u5, u7);
                // blocks of 1 lane exchanged between vectors 1 apart
                FloatVector c0 = KEEP_1.selectFrom(w0, w1), c1 = SWAP_1.selectFrom(w0, w1);
                FloatVector c2 = KEEP_1.selectFrom(w2, w3), c3 = SWAP_1.selectFrom(w2, w3);
                FloatVector c4 = KEEP_1.selectFrom(w4, w5), c5 = SWAP_1.selectFrom(w4, w5);
                FloatVector c6 = KEEP_1.selectFrom(w6, w7), c7 = SWAP_1.selectFrom(w6, w7);
                // vector i is position k + i of every plane
                v = v.add(c0).add(c1).add(c2).add(c3);
                v = v.add(c4).add(c5).add(c6).add(c7);
            }
            for (; k < size; k++) v = v.add(FloatVector.fromArray(SPECIES, b, k, starts, p));
            v.intoArray(results, p);
        }
        return p;
    }
}
