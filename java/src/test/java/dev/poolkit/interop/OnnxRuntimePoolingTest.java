package dev.poolkit.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.poolkit.AutoPad;
import dev.poolkit.Backend;
import dev.poolkit.Conventions;
import dev.poolkit.IndexFormat;
import dev.poolkit.Isa;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random ONNX pooling nodes run by ONNX Runtime (Java, from Maven Central) against poolkit with
 * {@link Conventions#ONNX}, on every backend and level and in both layouts: MaxPool with its Indices (both storage
 * orders), AveragePool, LpPool and the Global* nodes, with asymmetric pads, auto_pad, dilations, ceil_mode and
 * count_include_pad. ONNX Runtime computes the output shape; poolkit must give the same. Max values and indices must
 * be equal bit for bit; averages and LP norms, which each adds in its own order, within a rounding bound. The
 * cases where ONNX Runtime 1.22 departs from ONNX's definitions (listed in the README) are not drawn, or not compared.
 */
class OnnxRuntimePoolingTest {
    private static final int CASES = 600;
    private static final String[] AUTO_PADS = {"NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};

    /** One random node: its ONNX attributes and the same problem as a poolkit spec. */
    private record Node(String op, byte[] model, PoolSpec spec, long[] inputShape, boolean indices) {}

    @Test
    void randomNodesAgreeWithOnnxRuntime() throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        SplittableRandom random = new SplittableRandom(Long.getLong("poolkit.ort.seed", 20261206L));
        List<String> failures = new ArrayList<>();
        int nodes = 0, refusedByOrt = 0;
        for (int c = 0; c < CASES && failures.size() < 10; c++) {
            Node node = node(random);
            // NaN only where ORT's MaxPool skips it (with Indices: `x > max`); its MLAS path (no Indices, no
            // dilation) and GlobalMaxPool keep or drop a NaN depending on where it falls in the window
            float[] x = values(random, count(node.inputShape()), node.indices());
            float[] ortY;
            long[] ortShape, ortIndices = null;
            try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), node.inputShape());
                    OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                try (OrtSession session = env.createSession(node.model(), options);
                        OrtSession.Result result = session.run(Map.of("x", input))) {
                    OnnxTensor y = (OnnxTensor) result.get("y").orElseThrow();
                    ortShape = y.getInfo().getShape();
                    FloatBuffer yb = y.getFloatBuffer();
                    ortY = new float[yb.remaining()];
                    yb.get(ortY);
                    if (node.indices()) {
                        LongBuffer ib = ((OnnxTensor) result.get("indices").orElseThrow()).getLongBuffer();
                        ortIndices = new long[ib.remaining()];
                        ib.get(ortIndices);
                    }
                }
            } catch (OrtException e) { // a node ONNX Runtime rejects (pads not below the kernel, ...)
                refusedByOrt++;
                continue;
            }
            if (ortY.length == 0) { // a kernel larger than the padded input: poolkit refuses it
                refusedByOrt++;
                continue;
            }
            String what = node.op() + " " + node.spec() + " on " + Arrays.toString(node.inputShape());
            long[] shape;
            try {
                shape = Pooling.outputShape(node.spec(), node.inputShape());
            } catch (IllegalArgumentException e) {
                failures.add(what + ": ONNX Runtime ran it, poolkit refused: " + e.getMessage());
                continue;
            }
            if (!Arrays.equals(shape, ortShape)) {
                failures.add(what + ": output shape " + Arrays.toString(shape) + ", ONNX Runtime "
                        + Arrays.toString(ortShape));
                continue;
            }
            nodes++;
            for (Layout layout : Layout.values()) {
                for (Backend backend : Backend.values()) {
                    if (backend == Backend.CROSS_CHECK || backend == Backend.AUTO) continue;
                    for (Isa isa : backend == Backend.JAVA ? new Isa[] {null} : levels()) {
                        String at = what + " " + layout + " " + backend + (isa == null ? "" : " " + isa);
                        String difference = compare(node, x, shape, ortY, ortIndices, layout, backend, isa);
                        if (difference != null) failures.add(at + ": " + difference);
                    }
                }
            }
        }
        if (!failures.isEmpty()) fail(failures.size() + " differences:\n  " + String.join("\n  ", failures));
        assertTrue(nodes >= CASES / 2, "compared " + nodes + " nodes; ONNX Runtime refused " + refusedByOrt);
    }

    private static Isa[] levels() {
        if (!Pooling.nativeAvailable()) return new Isa[0];
        return Arrays.stream(Isa.values())
                .filter(i -> i.ordinal() <= Pooling.cpuIsa().ordinal())
                .toArray(Isa[]::new);
    }

    /** The first difference between poolkit on one backend, level and layout and ONNX Runtime's output, or null. */
    private static String compare(
            Node node,
            float[] x,
            long[] shape,
            float[] ortY,
            long[] ortIndices,
            Layout layout,
            Backend backend,
            Isa isa) {
        float[] y = new float[ortY.length];
        long[] indices = node.indices() ? new long[ortY.length] : null;
        Pooling.prepare(node.spec(), layout, node.inputShape(), backend, isa)
                .run(
                        Tensor.of(toLayout(x, node.inputShape(), layout), layout, node.inputShape()),
                        Tensor.of(y, layout, shape),
                        indices == null ? null : Tensor.i64(MemorySegment.ofArray(indices), layout, shape));
        y = fromLayout(y, shape, layout);
        boolean exact = node.op().contains("Max");
        boolean[] unset = new boolean[y.length];
        for (int i = 0; i < y.length; i++) {
            float want = ortY[i], got = y[i];
            // a max window of only NaN: ORT's max starts from -FLT_MAX and keeps it (and an index before the
            // window), poolkit gives -infinity and the window's first tap (the README's ONNX section)
            unset[i] = want == -Float.MAX_VALUE && got == Float.NEGATIVE_INFINITY;
            boolean same =
                    Float.floatToIntBits(want) == Float.floatToIntBits(got) || (want != want && got != got) || unset[i];
            // averages and norms: each side adds the taps in its own order (|x| < 4 here, windows under 100 taps)
            if (!same && !exact) same = Math.abs(want - got) <= 1e-5f * Math.max(1f, Math.abs(want));
            if (!same) return "element " + i + ": poolkit " + got + ", ONNX Runtime " + want;
        }
        if (indices != null) {
            long[] got = fromLayout(indices, shape, layout);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != ortIndices[i] && !unset[i]) {
                    return "index " + i + ": poolkit " + got[i] + ", ONNX Runtime " + ortIndices[i] + " (value "
                            + ortY[i] + ")";
                }
            }
        }
        return null;
    }

    private static Node node(SplittableRandom random) {
        int rank = 1 + random.nextInt(3);
        long[] inputShape = new long[2 + rank];
        inputShape[0] = 1 + random.nextInt(2);
        inputShape[1] = new long[] {1, 3, 8, 17}[random.nextInt(4)];
        for (int a = 0; a < rank; a++) inputShape[2 + a] = 1 + random.nextInt(rank == 3 ? 6 : 12);
        int kind = random.nextInt(10);
        if (kind >= 8) { // GlobalMaxPool, GlobalAveragePool, GlobalLpPool
            int which = random.nextInt(3);
            long p = 1 + random.nextInt(3);
            String op = new String[] {"GlobalMaxPool", "GlobalAveragePool", "GlobalLpPool"}[which];
            PoolSpec.Builder b = which == 0
                    ? PoolSpec.globalMax(rank)
                    : which == 1 ? PoolSpec.globalAvg(rank) : PoolSpec.globalLp(p, rank);
            OnnxModel.Message[] attributes =
                    which == 2 ? new OnnxModel.Message[] {OnnxModel.integer("p", p)} : new OnnxModel.Message[0];
            return new Node(
                    op,
                    OnnxModel.of(op, 19, inputShape, false, attributes),
                    b.conventions(Conventions.ONNX).build(),
                    inputShape,
                    false);
        }
        String op = kind < 4 ? "MaxPool" : kind < 7 ? "AveragePool" : "LpPool";
        long[] kernel = new long[rank], stride = new long[rank], dilation = new long[rank];
        long[] begin = new long[rank], end = new long[rank];
        for (int a = 0; a < rank; a++) {
            kernel[a] = 1 + random.nextInt(4);
            stride[a] = 1 + random.nextInt(3);
            dilation[a] = random.nextInt(4) == 0 ? 2 : 1;
            begin[a] = random.nextInt((int) kernel[a]); // ONNX Runtime: pads below the kernel
            end[a] = random.nextInt((int) kernel[a]);
            // a dilated kernel longer than the padded input has no output in ONNX; ORT rounds toward zero and runs a
            // window outside the input
            long effective = dilation[a] * (kernel[a] - 1) + 1;
            while (effective > inputShape[2 + a] + begin[a] + end[a]) {
                inputShape[2 + a]++;
            }
        }
        String autoPad = AUTO_PADS[random.nextInt(AUTO_PADS.length)];
        boolean dilated = Arrays.stream(dilation).anyMatch(d -> d > 1);
        if (autoPad.startsWith("SAME") && dilated) autoPad = "NOTSET"; // ORT sizes SAME by the undilated kernel
        for (int a = 0; a < rank && autoPad.startsWith("SAME"); a++) {
            long size = inputShape[2 + a], out = (size + stride[a] - 1) / stride[a];
            // SAME's total padding (O - 1) s + k - L below 0 (a stride above the kernel) is no padding; ORT pads by
            // the negative amount, which moves its windows
            if ((out - 1) * stride[a] + kernel[a] < size) autoPad = "NOTSET";
        }
        for (int a = 0; a < rank && autoPad.equals("VALID"); a++) { // no padding: the input holds a window
            inputShape[2 + a] = Math.max(inputShape[2 + a], dilation[a] * (kernel[a] - 1) + 1);
        }
        boolean ceil = autoPad.equals("NOTSET") && random.nextInt(3) == 0;
        boolean uniform = autoPad.equals("VALID")
                || (autoPad.equals("NOTSET")
                        && Arrays.stream(begin).allMatch(b0 -> b0 == begin[0])
                        && Arrays.equals(begin, end));
        // ORT 1.22 counts the padding of count_include_pad by the wrong entry of pads unless all are equal (the
        // README's ONNX section): poolkit follows ONNX's definition, so those are not compared
        boolean includePad = uniform && random.nextBoolean();
        boolean columnMajor = random.nextBoolean();
        long p = 1 + random.nextInt(3);
        boolean indices = op.equals("MaxPool") && random.nextBoolean();
        List<OnnxModel.Message> attributes = new ArrayList<>(List.of(
                OnnxModel.ints("kernel_shape", kernel),
                OnnxModel.ints("strides", stride),
                OnnxModel.ints("dilations", dilation),
                OnnxModel.string("auto_pad", autoPad),
                OnnxModel.integer("ceil_mode", ceil ? 1 : 0)));
        if (autoPad.equals("NOTSET")) {
            long[] pads = new long[2 * rank];
            System.arraycopy(begin, 0, pads, 0, rank);
            System.arraycopy(end, 0, pads, rank, rank);
            attributes.add(OnnxModel.ints("pads", pads));
        }
        PoolSpec.Builder b;
        switch (op) {
            case "MaxPool" -> {
                b = PoolSpec.max(kernel);
                attributes.add(OnnxModel.integer("storage_order", columnMajor ? 1 : 0));
                b.indexFormat(columnMajor ? IndexFormat.FLAT_COLUMN_MAJOR : IndexFormat.FLAT_ROW_MAJOR);
            }
            case "AveragePool" -> {
                b = PoolSpec.avg(kernel).countIncludePad(includePad);
                attributes.add(OnnxModel.integer("count_include_pad", includePad ? 1 : 0));
            }
            default -> {
                b = PoolSpec.lp(p, kernel);
                attributes.add(OnnxModel.integer("p", p));
            }
        }
        b.stride(stride).dilation(dilation).ceilMode(ceil).conventions(Conventions.ONNX);
        if (autoPad.equals("NOTSET")) b.padding(begin, end);
        else b.autoPad(AutoPad.valueOf(autoPad));
        byte[] model = OnnxModel.of(op, 19, inputShape, indices, attributes.toArray(new OnnxModel.Message[0]));
        return new Node(op, model, b.build(), inputShape, indices);
    }

    /** Uniform in (-4, 4), some rounded to halves (ties); max pooling also gets a few NaN. */
    private static float[] values(SplittableRandom random, long count, boolean nan) {
        float[] x = new float[Math.toIntExact(count)];
        boolean ties = random.nextInt(3) == 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-4, 4);
            if (ties) x[i] = Math.round(x[i] * 2) / 2f;
            if (nan && random.nextInt(40) == 0) x[i] = Float.NaN;
        }
        return x;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Logical (NCHW) element i's offset in the layout. */
    private static int offset(int i, long[] shape, Layout layout) {
        if (layout == Layout.NCHW) return i;
        long plane = count(shape) / shape[0] / shape[1];
        long n = i / (shape[1] * plane), c = i / plane % shape[1], p = i % plane;
        return Math.toIntExact((n * plane + p) * shape[1] + c);
    }

    private static float[] toLayout(float[] logical, long[] shape, Layout layout) {
        float[] stored = new float[logical.length];
        for (int i = 0; i < logical.length; i++) stored[offset(i, shape, layout)] = logical[i];
        return stored;
    }

    private static float[] fromLayout(float[] stored, long[] shape, Layout layout) {
        float[] logical = new float[stored.length];
        for (int i = 0; i < stored.length; i++) logical[i] = stored[offset(i, shape, layout)];
        return logical;
    }

    private static long[] fromLayout(long[] stored, long[] shape, Layout layout) {
        long[] logical = new long[stored.length];
        for (int i = 0; i < stored.length; i++) logical[i] = stored[offset(i, shape, layout)];
        return logical;
    }
}
