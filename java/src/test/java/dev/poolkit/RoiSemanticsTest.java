package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolkit.internal.ffi.PoolkitFFI;
import dev.poolkit.internal.ffi.pk_roi_spec;
import dev.poolkit.internal.ffi.pk_tensor_desc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Region pooling's executable semantics: native (every level) against Java on random problems, bit for bit; gradients
 * against central differences and, for the linear average, the adjoint identity; validation of boxes (each bad box
 * named, natively too); the defined results of boxes outside the map; bounded work for huge boxes (against a naive
 * loop over the whole sampling grid); argmax formats; the Executor split.
 */
class RoiSemanticsTest {
    private static final RoiOp[] OPS = RoiOp.values();

    static RoiSpec randomSpec(SplittableRandom r, RoiOp op, BoxFormat format) {
        long oh = 1 + r.nextInt(4), ow = 1 + r.nextInt(4);
        float scale = new float[] {1f, 0.5f, 0.25f, 0.125f}[r.nextInt(4)];
        RoiSpec.Builder b = op == RoiOp.POOL
                ? RoiSpec.pool(oh, ow)
                : RoiSpec.align(oh, ow).mode(op).aligned(r.nextBoolean()).samplingRatio(r.nextInt(-1, 4));
        return b.spatialScale(scale).boxFormat(format).build();
    }

    /** Boxes in input pixels (before the scale): inside, across, outside, reversed, degenerate. */
    static float[] randomBoxes(SplittableRandom r, int k, long n, long h, long w, double scale, BoxFormat format) {
        int width = format == BoxFormat.WITH_INDEX ? 5 : 4;
        float[] b = new float[k * width];
        for (int i = 0; i < k; i++) {
            int o = i * width;
            if (width == 5) b[o++] = r.nextInt((int) n);
            double sw = w / scale, sh = h / scale;
            double x1 = (r.nextDouble() * 1.6 - 0.3) * sw, y1 = (r.nextDouble() * 1.6 - 0.3) * sh;
            double x2 = x1 + (r.nextDouble() - 0.25) * sw, y2 = y1 + (r.nextDouble() - 0.25) * sh;
            if (i % 7 == 6) {
                x2 = x1;
                y2 = y1;
            }
            if (i % 11 == 10) {
                x1 = -50 * sw;
                x2 = 80 * sw;
            } // far larger than the map
            b[o] = (float) x1;
            b[o + 1] = (float) y1;
            b[o + 2] = (float) x2;
            b[o + 3] = (float) y2;
        }
        return b;
    }

    static long[] randomIndices(SplittableRandom r, int k, long n) {
        long[] idx = new long[k];
        for (int i = 0; i < k; i++) idx[i] = r.nextLong(n);
        return idx;
    }

    @Test
    void nativeEqualsJavaOnRandomProblems() {
        SplittableRandom r = new SplittableRandom(42);
        int runs = 0;
        for (int trial = 0; trial < 300; trial++) {
            RoiOp op = OPS[trial % OPS.length];
            BoxFormat format = BoxFormat.values()[trial / 4 % 2];
            RoiSpec spec = randomSpec(r, op, format);
            long n = 1 + r.nextInt(2),
                    c = 1 + r.nextInt(trial % 3 == 0 ? 40 : 6),
                    h = 1 + r.nextInt(14),
                    w = 1 + r.nextInt(14);
            int k = 1 + r.nextInt(12);
            float[] boxes = randomBoxes(r, k, n, h, w, spec.spatialScale(), format);
            long[] batch = format == BoxFormat.SEPARATE_INDEX ? randomIndices(r, k, n) : null;
            float[] x = new float[(int) (n * c * h * w)];
            for (int i = 0; i < x.length; i++) {
                x[i] = trial % 5 == 0 && i % 9 == 0
                        ? new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f}[i % 4]
                        : (float) Math.round(r.nextDouble() * 16 - 8) / (trial % 2 == 0 ? 4 : 3);
            }
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target t : TestTensors.targets()) {
                    if (t.backend() == Backend.JAVA) continue;
                    PreparedRoi prepared =
                            Pooling.prepareRoi(spec, layout, new long[] {n, c, h, w}, k, Backend.CROSS_CHECK, t.isa());
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor in = Tensor.of(x.clone(), layout, n, c, h, w);
                        // the cross-check backend fails on the first element (value or argmax) where native and Java
                        // differ
                        prepared.run(
                                in,
                                MemorySegment.ofArray(boxes),
                                batch == null ? null : MemorySegment.ofArray(batch),
                                prepared.allocateOutput(arena),
                                op == RoiOp.POOL ? prepared.allocateIndices(arena) : null);
                        runs++;
                    }
                }
            }
        }
        assertTrue(runs >= (Pooling.nativeAvailable() ? 600 : 0), "ran " + runs);
    }

    /** L(x) = sum gy * y(x), in double. */
    private static double loss(PreparedRoi op, float[] x, long[] shape, float[] boxes, float[] gy) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor out = op.allocateOutput(arena);
            op.run(Tensor.of(x, op.layout(), shape), MemorySegment.ofArray(boxes), null, out, null);
            double s = 0;
            for (int i = 0; i < gy.length; i++)
                s += (double) gy[i] * out.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
            return s;
        }
    }

    @Test
    void gradientsMatchCentralDifferencesAndTheAdjoint() {
        SplittableRandom r = new SplittableRandom(5);
        for (RoiOp opKind : OPS) {
            for (Layout layout : Layout.values()) {
                for (int trial = 0; trial < 3; trial++) {
                    // drawn before the targets, so that every machine checks the same problems whatever its levels
                    long[] shape = {2, 3, 6, 7};
                    RoiSpec spec = randomSpec(r, opKind, BoxFormat.WITH_INDEX);
                    float[] boxes = randomBoxes(r, 4, 2, 6, 7, spec.spatialScale(), BoxFormat.WITH_INDEX);
                    float[] x = new float[2 * 3 * 6 * 7];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 2);
                    float[] gy = new float[4 * 3 * (int) spec.outputHeight() * (int) spec.outputWidth()];
                    for (int i = 0; i < gy.length; i++) gy[i] = (float) (r.nextDouble() * 2 - 1);
                    for (TestTensors.Target t : TestTensors.targets()) {
                        checkGradient(opKind, spec, layout, shape, boxes, x, gy, t);
                    }
                }
            }
        }
    }

    private static void checkGradient(
            RoiOp opKind,
            RoiSpec spec,
            Layout layout,
            long[] shape,
            float[] boxes,
            float[] x,
            float[] gy,
            TestTensors.Target t) {
        PreparedRoi op = Pooling.prepareRoi(spec, layout, shape, 4, t.backend(), t.isa());
        assertEquals(gy.length, TestTensors.count(op.outputShape()));
        float[] grad;
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = Tensor.of(x, layout, shape), argmax = null;
            if (opKind == RoiOp.POOL) {
                argmax = op.allocateIndices(arena);
                op.run(in, MemorySegment.ofArray(boxes), null, op.allocateOutput(arena), argmax);
            }
            Tensor gi = Tensor.allocate(arena, DType.F32, layout, shape);
            op.backward(Tensor.of(gy, layout, op.outputShape()), gi, in, MemorySegment.ofArray(boxes), null, argmax);
            grad = gi.segment().toArray(ValueLayout.JAVA_FLOAT);
            float[] again =
                    Tensor.allocate(arena, DType.F32, layout, shape).segment().toArray(ValueLayout.JAVA_FLOAT);
            Tensor gi2 = Tensor.of(again, layout, shape);
            op.backward(Tensor.of(gy, layout, op.outputShape()), gi2, in, MemorySegment.ofArray(boxes), null, argmax);
            assertArrayEquals(grad, again, "backward is deterministic");
        }
        // The loss is piecewise linear in x (a max switches its winner where two candidates meet). Where the two
        // one-sided slopes over [x - eps, x + eps] differ, a switch lies inside and no slope is the gradient: such
        // elements are counted, and may only be a few.
        double eps = 1e-3, at = loss(op, x, shape, boxes, gy);
        int kinks = 0;
        for (int i = 0; i < x.length; i++) {
            float[] plus = x.clone(), minus = x.clone();
            plus[i] += (float) eps;
            minus[i] -= (float) eps;
            double above = loss(op, plus, shape, boxes, gy), below = loss(op, minus, shape, boxes, gy);
            double numeric = (above - below) / (plus[i] - minus[i]);
            double tolerance = 2e-3 * (1 + Math.abs(numeric));
            if (Math.abs((above - at) / (plus[i] - x[i]) - (at - below) / (x[i] - minus[i])) > 2 * tolerance) {
                kinks++;
                continue;
            }
            assertEquals(
                    numeric,
                    grad[i],
                    tolerance,
                    spec + " " + layout + " " + t + ": d/dx[" + i + "] (boxes " + java.util.Arrays.toString(boxes)
                            + ")");
        }
        assertTrue(kinks <= x.length / 20, kinks + " of " + x.length + " elements next to a switch, " + spec);
        if (opKind == RoiOp.ALIGN_AVG) { // linear: <gy, A x> = <A^T gy, x>
            double adjoint = 0;
            for (int i = 0; i < x.length; i++) adjoint += (double) grad[i] * x[i];
            assertEquals(at, adjoint, 1e-4 * (1 + Math.abs(at)), "adjoint identity, " + spec);
        }
    }

    @Test
    void badBoxesAreNamedBeforeNativeCode() {
        long[] shape = {2, 3, 8, 8};
        PreparedRoi align = Pooling.prepareRoi(RoiSpec.align(2, 2).build(), Layout.NCHW, shape, 3);
        PreparedRoi separate = Pooling.prepareRoi(RoiSpec.onnxRoiAlign(2, 2).build(), Layout.NHWC, shape, 2);
        try (Arena arena = Arena.ofConfined()) {
            Tensor in = Tensor.allocate(arena, DType.F32, Layout.NCHW, shape), out = align.allocateOutput(arena);
            float[][] bad = {
                {0, 1, 1, 2, 2, 1, 1, Float.NaN, 2, 2, 0, 0, 0, 1, 1},
                {0, 1, 1, 2, 2, 0, 1, 1, 2, 2, 1, 0, 0, Float.POSITIVE_INFINITY, 1},
                {0, 1, 1, 2, 2, 2, 1, 1, 2, 2, 0, 0, 0, 1, 1},
                {0, 1, 1, 2, 2, 0.5f, 1, 1, 2, 2, 0, 0, 0, 1, 1},
                {0, 1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 1e30f, 1},
                {-1, 1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0, 0, 1, 1},
            };
            String[] box = {"boxes[1]", "boxes[2]", "boxes[1]", "boxes[1]", "boxes[2]", "boxes[0]"};
            for (int i = 0; i < bad.length; i++) {
                float[] b = bad[i];
                IllegalArgumentException e = assertThrows(
                        IllegalArgumentException.class, () -> align.run(in, MemorySegment.ofArray(b), null, out, null));
                assertTrue(e.getMessage().startsWith(box[i]), e.getMessage());
            }
            Tensor inHwc = Tensor.allocate(arena, DType.F32, Layout.NHWC, shape),
                    outHwc = separate.allocateOutput(arena);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> separate.run(
                            inHwc,
                            MemorySegment.ofArray(new float[] {0, 0, 1, 1, 0, 0, 1, 1}),
                            MemorySegment.ofArray(new long[] {0, 2}),
                            outHwc,
                            null));
            assertTrue(
                    e.getMessage().startsWith("boxes[1]") && e.getMessage().contains("batch index 2"), e.getMessage());
            assertThrows(
                    NullPointerException.class,
                    () -> separate.run(inHwc, MemorySegment.ofArray(new float[8]), null, outHwc, null));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> align.run(in, MemorySegment.ofArray(new float[14]), null, out, null));
        }
        assertThrows(IllegalArgumentException.class, () -> RoiSpec.align(0, 2).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> RoiSpec.align(2, 2).spatialScale(Double.NaN).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> RoiSpec.align(2, 2).spatialScale(-1).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> RoiSpec.align(2, 2).samplingRatio(5000).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> RoiSpec.pool(2, 2).aligned(true).build());
    }

    @Test
    void theNativeLibraryChecksBoxesAgain() {
        if (!Pooling.nativeAvailable()) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment spec = pk_roi_spec.allocate(arena),
                    in = pk_tensor_desc.allocate(arena),
                    out = pk_tensor_desc.allocate(arena);
            pk_roi_spec.op(spec, PoolkitFFI.PK_ROI_ALIGN_AVG());
            pk_roi_spec.box_format(spec, PoolkitFFI.PK_ROI_BOXES_WITH_INDEX());
            pk_roi_spec.output_height(spec, 2);
            pk_roi_spec.output_width(spec, 2);
            pk_roi_spec.spatial_scale(spec, 1);
            pk_roi_spec.isa(spec, -1);
            for (MemorySegment d : new MemorySegment[] {in, out}) {
                pk_tensor_desc.layout(d, 0);
                pk_tensor_desc.spatial_rank(d, 2);
                pk_tensor_desc.channels(d, 3);
                pk_tensor_desc.spatial(d, 0, d == in ? 8 : 2);
                pk_tensor_desc.spatial(d, 1, d == in ? 8 : 2);
            }
            pk_tensor_desc.batch(in, 1);
            pk_tensor_desc.batch(out, 1);
            MemorySegment x = arena.allocate(64 * 3 * 4L, 64),
                    y = arena.allocate(12 * 4L, 64),
                    boxes = arena.allocate(20, 64);
            float[][] cases = {{0, 1, 1, Float.NaN, 2}, {1, 1, 1, 2, 2}, {0, 1, 1, 2e30f, 2}, {0.5f, 1, 1, 2, 2}};
            for (float[] b : cases) {
                MemorySegment.copy(b, 0, boxes, ValueLayout.JAVA_FLOAT, 0, 5);
                int status = PoolkitFFI.pk_roi_forward_f32(
                        spec, in, x, 192, boxes, 5, MemorySegment.NULL, 0, out, y, 12, MemorySegment.NULL, 0, 0, 1);
                assertEquals(PoolkitFFI.PK_ERR_INVALID_BOX(), status, java.util.Arrays.toString(b));
            }
            MemorySegment.copy(new float[] {0, 1, 1, 2, 2}, 0, boxes, ValueLayout.JAVA_FLOAT, 0, 5);
            assertEquals(
                    PoolkitFFI.PK_ERR_BUFFER_TOO_SMALL(),
                    PoolkitFFI.pk_roi_forward_f32(
                            spec,
                            in,
                            x,
                            191,
                            boxes,
                            5,
                            MemorySegment.NULL,
                            0,
                            out,
                            y,
                            12,
                            MemorySegment.NULL,
                            0,
                            0,
                            1));
            assertEquals(
                    PoolkitFFI.PK_ERR_BUFFER_TOO_SMALL(),
                    PoolkitFFI.pk_roi_forward_f32(
                            spec,
                            in,
                            x,
                            192,
                            boxes,
                            4,
                            MemorySegment.NULL,
                            0,
                            out,
                            y,
                            12,
                            MemorySegment.NULL,
                            0,
                            0,
                            1));
            assertEquals(
                    PoolkitFFI.PK_ERR_INVALID_RANGE(),
                    PoolkitFFI.pk_roi_forward_f32(
                            spec,
                            in,
                            x,
                            192,
                            boxes,
                            5,
                            MemorySegment.NULL,
                            0,
                            out,
                            y,
                            12,
                            MemorySegment.NULL,
                            0,
                            0,
                            2));
            assertEquals(
                    PoolkitFFI.PK_OK(),
                    PoolkitFFI.pk_roi_forward_f32(
                            spec,
                            in,
                            x,
                            192,
                            boxes,
                            5,
                            MemorySegment.NULL,
                            0,
                            out,
                            y,
                            12,
                            MemorySegment.NULL,
                            0,
                            0,
                            1));
        }
    }

    @Test
    void boxesOutsideTheMapGiveZeros() {
        long[] shape = {1, 2, 5, 5};
        float[] x = new float[50];
        java.util.Arrays.fill(x, 3f);
        float[] boxes = {0, 10, 10, 14, 12, 0, -9, -9, -7, -8};
        for (RoiOp op : OPS) {
            for (TestTensors.Target t : TestTensors.targets()) {
                RoiSpec spec = op == RoiOp.POOL
                        ? RoiSpec.pool(2, 2).build()
                        : RoiSpec.align(2, 2).mode(op).build();
                PreparedRoi p = Pooling.prepareRoi(spec, Layout.NCHW, shape, 2, t.backend(), t.isa());
                try (Arena arena = Arena.ofConfined()) {
                    Tensor out = p.allocateOutput(arena), argmax = op == RoiOp.POOL ? p.allocateIndices(arena) : null;
                    p.run(Tensor.of(x, Layout.NCHW, shape), MemorySegment.ofArray(boxes), null, out, argmax);
                    for (float v : out.segment().toArray(ValueLayout.JAVA_FLOAT)) assertEquals(0f, v, 0f, op + " " + t);
                    if (argmax != null)
                        for (long a : argmax.segment().toArray(ValueLayout.JAVA_LONG)) assertEquals(-1, a);
                }
            }
        }
    }

    /** A huge box's adaptive grid (1000 samples per axis and bin) skips the samples far outside: same as visiting all. */
    @Test
    void hugeBoxesSkipOnlyOutsideSamples() {
        long[] shape = {1, 3, 9, 10};
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[270];
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 4 - 1);
        float[][] boxes = {{0, -990, -1001, 1010, 999}, {0, -1500.5f, 3, 500.25f, 6}, {0, 2, -700, 7, 1300}};
        for (boolean aligned : new boolean[] {false, true}) {
            for (float[] box : boxes) {
                RoiSpec spec = RoiSpec.align(2, 2).aligned(aligned).build();
                float[] expected = naiveAlignAvg(x, shape, box, 2, 2, aligned);
                for (TestTensors.Target t : TestTensors.targets()) {
                    PreparedRoi p = Pooling.prepareRoi(spec, Layout.NCHW, shape, 1, t.backend(), t.isa());
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor out = p.allocateOutput(arena);
                        p.run(Tensor.of(x, Layout.NCHW, shape), MemorySegment.ofArray(box), null, out, null);
                        assertArrayEquals(
                                expected,
                                out.segment().toArray(ValueLayout.JAVA_FLOAT),
                                t + " " + java.util.Arrays.toString(box));
                    }
                }
            }
        }
    }

    /** RoIAlign average visiting every sample of the grid (torchvision's loop), for one box and channels-first input. */
    private static float[] naiveAlignAvg(float[] x, long[] shape, float[] box, int oh, int ow, boolean aligned) {
        int c = (int) shape[1], h = (int) shape[2], w = (int) shape[3];
        float off = aligned ? 0.5f : 0f,
                sw = box[1] - off,
                sh = box[2] - off,
                rw = (box[3] - off) - sw,
                rh = (box[4] - off) - sh;
        if (!aligned) {
            rw = Math.max(rw, 1f);
            rh = Math.max(rh, 1f);
        }
        float bh = rh / oh, bw = rw / ow;
        int gh = (int) Math.ceil(rh / oh), gw = (int) Math.ceil(rw / ow);
        float count = Math.max(gh * gw, 1);
        float[] out = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int ph = 0; ph < oh; ph++) {
                for (int pw = 0; pw < ow; pw++) {
                    float acc = 0;
                    for (int iy = 0; iy < gh; iy++) {
                        float y = sh + ph * bh + (float) (iy + 0.5f) * bh / gh;
                        for (int ix = 0; ix < gw; ix++) {
                            float xx = sw + pw * bw + (float) (ix + 0.5f) * bw / gw, yy = y;
                            if (yy < -1 || yy > h || xx < -1 || xx > w) continue;
                            if (yy <= 0) yy = 0;
                            if (xx <= 0) xx = 0;
                            int yl = (int) yy, xl = (int) xx, yh2, xh2;
                            if (yl >= h - 1) {
                                yh2 = yl = h - 1;
                                yy = yl;
                            } else yh2 = yl + 1;
                            if (xl >= w - 1) {
                                xh2 = xl = w - 1;
                                xx = xl;
                            } else xh2 = xl + 1;
                            float ly = yy - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
                            int p = ch * h * w;
                            acc += hy * hx * x[p + yl * w + xl]
                                    + hy * lx * x[p + yl * w + xh2]
                                    + ly * hx * x[p + yh2 * w + xl]
                                    + ly * lx * x[p + yh2 * w + xh2];
                        }
                    }
                    out[(ch * oh + ph) * ow + pw] = acc / count;
                }
            }
        }
        return out;
    }

    @Test
    void argmaxFormatsNameTheSamePositions() {
        long[] shape = {2, 3, 6, 5};
        SplittableRandom r = new SplittableRandom(9);
        float[] x = new float[180];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        float[] boxes = {1, 0, 0, 4, 5, 0, 1, 2, 3, 3, 1, -3, -3, -1, -1};
        for (TestTensors.Target t : TestTensors.targets()) {
            for (Layout layout : Layout.values()) {
                long[] plane = null;
                float[] planeGrad = null;
                for (IndexFormat format : IndexFormat.values()) {
                    PreparedRoi p = Pooling.prepareRoi(
                            RoiSpec.pool(2, 3).indexFormat(format).build(), layout, shape, 3, t.backend(), t.isa());
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor in = Tensor.of(TestTensors.toLayout(x, shape, layout), layout, shape);
                        Tensor out = p.allocateOutput(arena), argmax = p.allocateIndices(arena);
                        p.run(in, MemorySegment.ofArray(boxes), null, out, argmax);
                        long[] a = TestTensors.fromLayout(
                                argmax.segment().toArray(ValueLayout.JAVA_LONG), p.outputShape(), layout);
                        float[] gy = new float[a.length];
                        java.util.Arrays.fill(gy, 1f);
                        Tensor gi = Tensor.allocate(arena, DType.F32, layout, shape);
                        p.backward(
                                Tensor.of(gy, layout, p.outputShape()),
                                gi,
                                null,
                                MemorySegment.ofArray(boxes),
                                null,
                                argmax);
                        float[] g = gi.segment().toArray(ValueLayout.JAVA_FLOAT);
                        if (format == IndexFormat.PLANE) {
                            plane = a;
                            planeGrad = g;
                            continue;
                        }
                        for (int i = 0; i < a.length; i++) {
                            long k = i / 18, c = i / 6 % 3, image = (long) boxes[(int) k * 5], q = plane[i];
                            long want = q < 0
                                    ? -1
                                    : switch (format) {
                                        case FLAT_ROW_MAJOR -> (image * 3 + c) * 30 + q;
                                        case FLAT_COLUMN_MAJOR -> (image * 3 + c) * 30 + (q % 5) * 6 + q / 5;
                                        case CHANNELS_LAST -> q * 3 + c;
                                        case CHANNELS_LAST_BATCH -> (image * 30 + q) * 3 + c;
                                        default -> q;
                                    };
                            assertEquals(want, a[i], format + " " + layout + " " + t + " at " + i);
                        }
                        assertArrayEquals(planeGrad, g, "backward through " + format);
                        if (format
                                == IndexFormat
                                        .FLAT_ROW_MAJOR) { // an index of another channel is refused, nothing written
                            int first = layout == Layout.NCHW ? 0 : 0;
                            argmax.segment()
                                    .setAtIndex(
                                            ValueLayout.JAVA_LONG,
                                            first,
                                            argmax.segment().getAtIndex(ValueLayout.JAVA_LONG, first) + 30);
                            PoolingException e = assertThrows(
                                    PoolingException.class,
                                    () -> p.backward(
                                            Tensor.of(gy, layout, p.outputShape()),
                                            gi,
                                            null,
                                            MemorySegment.ofArray(boxes),
                                            null,
                                            argmax));
                            assertEquals(PoolingException.INVALID_INDEX, e.status());
                        }
                    }
                }
            }
        }
    }

    @Test
    void anExecutorSplitEqualsOneRun() throws Exception {
        long[] shape = {2, 24, 13, 11};
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[(int) TestTensors.count(shape)];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        float[] boxes = randomBoxes(r, 37, 2, 13, 11, 0.5, BoxFormat.WITH_INDEX);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (RoiOp op : OPS) {
                for (Layout layout : Layout.values()) {
                    RoiSpec spec = op == RoiOp.POOL
                            ? RoiSpec.pool(3, 3).spatialScale(0.5).build()
                            : RoiSpec.align(3, 3)
                                    .mode(op)
                                    .spatialScale(0.5)
                                    .samplingRatio(2)
                                    .build();
                    PreparedRoi p = Pooling.prepareRoi(spec, layout, shape, 37);
                    try (Arena arena = Arena.ofShared()) {
                        Tensor in = Tensor.of(x, layout, shape),
                                one = p.allocateOutput(arena),
                                split = p.allocateOutput(arena);
                        p.run(in, MemorySegment.ofArray(boxes), null, one, null);
                        p.run(in, MemorySegment.ofArray(boxes), null, split, null, pool, 4);
                        assertArrayEquals(
                                one.segment().toArray(ValueLayout.JAVA_FLOAT),
                                split.segment().toArray(ValueLayout.JAVA_FLOAT));
                        Tensor rejectedRun = p.allocateOutput(arena);
                        assertThrows(
                                RejectedExecutionException.class,
                                () -> p.run(
                                        in,
                                        MemorySegment.ofArray(boxes),
                                        null,
                                        rejectedRun,
                                        null,
                                        task -> {
                                            throw new RejectedExecutionException("full");
                                        },
                                        3));
                        assertArrayEquals(
                                one.segment().toArray(ValueLayout.JAVA_FLOAT),
                                rejectedRun.segment().toArray(ValueLayout.JAVA_FLOAT),
                                "the caller did the rejected task's pieces");
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /** The native hot path of a prepared region pooling allocates nothing (after warm-up, so the JIT has compiled it). */
    @Test
    void aPreparedNativeRunAllocatesNothing() {
        if (!Pooling.nativeAvailable()) return;
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long[] shape = {1, 16, 9, 9};
        for (RoiOp op : OPS) {
            RoiSpec spec = op == RoiOp.POOL
                    ? RoiSpec.pool(2, 2).build()
                    : RoiSpec.onnxRoiAlign(2, 2).mode(op).build();
            PreparedRoi p = Pooling.prepareRoi(spec, Layout.NHWC, shape, 4, Backend.NATIVE, null);
            try (Arena arena = Arena.ofConfined()) {
                Tensor in = Tensor.allocate(arena, DType.F32, Layout.NHWC, shape), out = p.allocateOutput(arena);
                Tensor argmax = op == RoiOp.POOL ? p.allocateIndices(arena) : null;
                MemorySegment boxes = arena.allocate(ValueLayout.JAVA_FLOAT, spec.boxWidth() * 4L);
                MemorySegment batch = op == RoiOp.POOL ? null : arena.allocate(ValueLayout.JAVA_LONG, 4);
                for (int i = 0; i < spec.boxWidth() * 4; i++)
                    boxes.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % spec.boxWidth()) * 1.5f);
                long perRun = Long.MAX_VALUE;
                for (int round = 0; round < 10 && perRun > 0; round++) { // a few rounds: compilation may finish late
                    for (int i = 0; i < 20_000; i++) p.run(in, boxes, batch, out, argmax);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 20_000; i++) p.run(in, boxes, batch, out, argmax);
                    perRun = (threads.getCurrentThreadAllocatedBytes() - before) / 20_000;
                }
                assertEquals(0, perRun, op + ": bytes allocated per run");
            }
        }
    }

    /** A run over the first boxes of a prepared count: their outputs as a full run's, the others untouched. */
    @Test
    void aRunOverTheFirstBoxes() {
        long[] shape = {2, 11, 9, 8};
        SplittableRandom r = new SplittableRandom(21);
        float[] x = new float[(int) TestTensors.count(shape)];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        float[] boxes = randomBoxes(r, 9, 2, 9, 8, 1, BoxFormat.SEPARATE_INDEX);
        long[] batch = randomIndices(r, 9, 2);
        for (RoiOp op : OPS) {
            for (Layout layout : Layout.values()) {
                for (TestTensors.Target t : TestTensors.targets()) {
                    RoiSpec spec = op == RoiOp.POOL
                            ? RoiSpec.pool(3, 2)
                                    .boxFormat(BoxFormat.SEPARATE_INDEX)
                                    .build()
                            : RoiSpec.onnxRoiAlign(3, 2).mode(op).build();
                    PreparedRoi p = Pooling.prepareRoi(
                            spec,
                            layout,
                            shape,
                            9,
                            t.backend() == Backend.JAVA ? Backend.JAVA : Backend.CROSS_CHECK,
                            t.isa());
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor in = Tensor.of(x, layout, shape),
                                full = p.allocateOutput(arena),
                                part = p.allocateOutput(arena);
                        p.run(in, MemorySegment.ofArray(boxes), MemorySegment.ofArray(batch), full, null);
                        part.segment().fill((byte) 0x7f);
                        // only the first 5 boxes and indices are given
                        p.run(
                                in,
                                MemorySegment.ofArray(java.util.Arrays.copyOf(boxes, 20)),
                                MemorySegment.ofArray(java.util.Arrays.copyOf(batch, 5)),
                                part,
                                null,
                                5);
                        float[] a = full.segment().toArray(ValueLayout.JAVA_FLOAT),
                                b = part.segment().toArray(ValueLayout.JAVA_FLOAT);
                        int firstRows = 5 * 11 * 3 * 2;
                        assertArrayEquals(
                                java.util.Arrays.copyOf(a, firstRows),
                                java.util.Arrays.copyOf(b, firstRows),
                                op + " " + layout + " " + t);
                        for (int i = firstRows; i < b.length; i++)
                            assertEquals(Float.intBitsToFloat(0x7f7f7f7f), b[i], "untouched");
                        assertThrows(
                                IllegalArgumentException.class,
                                () -> p.run(
                                        in,
                                        MemorySegment.ofArray(boxes),
                                        MemorySegment.ofArray(batch),
                                        part,
                                        null,
                                        10));
                    }
                }
            }
        }
    }
}
