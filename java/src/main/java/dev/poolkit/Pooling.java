package dev.poolkit;

import dev.poolkit.internal.Geometry;
import dev.poolkit.internal.NativeStatus;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Optional;

/**
 * Entry point: prepares pooling operations and reports which backend runs them.
 *
 * <pre>{@code
 * PoolSpec spec = PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build();
 * PreparedPool pool = Pooling.prepare(spec, Layout.NHWC, 1, 64, 112, 112);
 * try (Arena arena = Arena.ofConfined()) {
 *     MemorySegment pixels = arena.allocate(1 * 64 * 112 * 112 * Float.BYTES, 64); // or any segment of yours
 *     Tensor in = Tensor.f32(pixels, Layout.NHWC, 1, 64, 112, 112);
 *     Tensor out = pool.allocateOutput(arena);                                    // [1, 64, 56, 56]
 *     pool.run(in, out);
 * }
 * }</pre>
 *
 * <p>System properties: {@value #BACKEND_PROPERTY} ({@code auto}, {@code native}, {@code java},
 * {@code cross-check}) sets the default backend; {@value #ISA_PROPERTY} ({@code scalar}, {@code avx2},
 * {@code avx512}) the default native level; {@code poolkit.library.path} loads the native library from a file
 * instead of the jar. The environment variable {@code POOLKIT_MAX_ISA} ({@code scalar}, {@code avx2},
 * {@code avx512}, any case) caps the native library's own choice. Invalid values are errors, naming them.
 *
 * <p>Diagnostics go to the {@link System.Logger} {@code dev.poolkit}: one warning when the native library is
 * not used, with the reason; at debug level, the backend, level and variant of each prepared operation.
 */
public final class Pooling {
    /** The system property that sets the default backend. */
    public static final String BACKEND_PROPERTY = "poolkit.backend";
    /** The system property that sets the default native level. */
    public static final String ISA_PROPERTY = "poolkit.isa";

    private Pooling() {}

    /**
     * Prepares with the default backend and level (system properties, else automatic).
     *
     * <pre>{@code
     * PreparedPool pool = Pooling.prepare(PoolSpec.avg(2, 2).build(), Layout.NCHW, 8, 256, 14, 14);
     * }</pre>
     *
     * @param spec what to compute
     * @param layout how inputs and outputs are stored
     * @param inputShape the logical input shape {@code [N, C, spatial...]}
     * @return the validated operation, to run any number of times
     * @throws IllegalArgumentException when the spec does not fit the shape, naming the parameter
     */
    public static PreparedPool prepare(PoolSpec spec, Layout layout, long... inputShape) {
        return prepare(spec, layout, inputShape, defaultBackend(), null);
    }

    /**
     * Prepares with an explicit backend and, for native code, an instruction-set level (null: the default).
     *
     * @param spec what to compute
     * @param layout how inputs and outputs are stored
     * @param inputShape the logical input shape {@code [N, C, spatial...]}
     * @param backend which implementation runs it
     * @param isa the native level, or null for the default
     * @return the validated operation
     * @throws IllegalArgumentException when the spec does not fit the shape, naming the parameter
     * @throws UnsupportedOperationException when native code is requested but unavailable, or the level is not supported
     */
    public static PreparedPool prepare(PoolSpec spec, Layout layout, long[] inputShape, Backend backend, Isa isa) {
        if (inputShape == null) throw new NullPointerException("inputShape");
        return prepare(spec, layout, inputShape, null, null, backend, isa);
    }

    /**
     * Prepares for these input and output views, with their strides (a channel slice, a crop, rows with
     * padding...): runs must then pass views of the same shapes and strides. The output view's shape must be
     * the one the spec gives.
     *
     * <pre>{@code
     * Tensor crop = image.crop(new long[] {16, 16}, new long[] {64, 64});   // a view, no copy
     * PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), crop, out);
     * pool.run(crop, out);
     * }</pre>
     *
     * @param spec what to compute
     * @param input a view with the input's shape and strides
     * @param output a view with the output's shape and strides
     * @return the validated operation
     */
    public static PreparedPool prepare(PoolSpec spec, Tensor input, Tensor output) {
        return prepare(spec, input, output, defaultBackend(), null);
    }

    /**
     * As {@link #prepare(PoolSpec, Tensor, Tensor)}, with an explicit backend and level.
     *
     * @param spec what to compute
     * @param input a view with the input's shape and strides
     * @param output a view with the output's shape and strides
     * @param backend which implementation runs it
     * @param isa the native level, or null for the default
     * @return the validated operation
     */
    public static PreparedPool prepare(PoolSpec spec, Tensor input, Tensor output, Backend backend, Isa isa) {
        if (input == null) throw new NullPointerException("input");
        if (output == null) throw new NullPointerException("output");
        if (output.layout() != input.layout()) {
            throw new IllegalArgumentException(
                    "output layout = " + output.layout() + ": the input's is " + input.layout());
        }
        long[] expected = outputShape(spec, input.shape());
        if (!Arrays.equals(expected, output.shape())) {
            throw new IllegalArgumentException("output shape = " + Arrays.toString(output.shape()) + ": the spec gives "
                    + Arrays.toString(expected) + " for input " + Arrays.toString(input.shape()));
        }
        return prepare(
                spec,
                input.layout(),
                input.shape(),
                input.isDense() ? null : input.strides(),
                output.isDense() ? null : output.strides(),
                backend,
                isa);
    }

    private static PreparedPool prepare(
            PoolSpec spec,
            Layout layout,
            long[] inputShape,
            long[] inputStrides,
            long[] outputStrides,
            Backend backend,
            Isa isa) {
        if (spec == null) throw new NullPointerException("spec");
        if (layout == null) throw new NullPointerException("layout");
        if (backend == null) throw new NullPointerException("backend");
        Geometry geometry = Geometry.of(spec, layout, inputShape, inputStrides, outputStrides);
        Backend resolved =
                backend == Backend.AUTO ? (NativeStatus.available() ? Backend.NATIVE : Backend.JAVA) : backend;
        if (resolved != Backend.JAVA && !NativeStatus.available()) {
            throw new UnsupportedOperationException(
                    "backend = " + backend + ": native code is unavailable: " + NativeStatus.unavailableReason());
        }
        Isa level = isa != null ? isa : defaultIsa();
        if (resolved != Backend.JAVA && level.ordinal() > cpuIsa().ordinal()) {
            throw new UnsupportedOperationException("isa = " + level + ": this CPU supports up to " + cpuIsa());
        }
        PreparedPool pool = new PreparedPool(spec, geometry, resolved, level, inputStrides, outputStrides);
        logPrepared(
                pool,
                isa != null ? "given" : System.getProperty(ISA_PROPERTY) != null ? ISA_PROPERTY : "default",
                inputStrides == null && outputStrides == null ? "dense tensors" : "strided views");
        return pool;
    }

    /** At debug level, what a prepared operation runs: its backend, level and kernel variant. */
    private static void logPrepared(Object pool, String levelSource, String variant) {
        if (NativeStatus.LOG.isLoggable(System.Logger.Level.DEBUG)) {
            String level = pool instanceof PreparedPool p
                    ? p.isa().map(i -> i + " (" + levelSource + ")").orElse("none (Java)")
                    : levelSource;
            NativeStatus.LOG.log(
                    System.Logger.Level.DEBUG,
                    "poolkit: prepared " + pool + "; level " + level + "; variant " + variant);
        }
    }

    /**
     * Prepares max unpooling of values (and indices) of {@code inputShape}, with the default backend and level.
     *
     * <pre>{@code
     * PoolSpec spec = PoolSpec.max(2, 2).build();
     * PreparedUnpool unpool = Pooling.prepareUnpool(UnpoolSpec.inverseOf(spec).build(), Layout.NCHW, 1, 16, 8, 8);
     * unpool.run(pooled, argmax, restored);   // restored: [1, 16, 16, 16], zero but at the argmax positions
     * }</pre>
     *
     * @param spec the unpooling
     * @param layout how values, indices and output are stored
     * @param inputShape the logical shape of the values and indices
     * @return the validated operation
     */
    public static PreparedUnpool prepareUnpool(UnpoolSpec spec, Layout layout, long... inputShape) {
        return prepareUnpool(spec, layout, inputShape, defaultBackend(), null);
    }

    /**
     * Prepares max unpooling with an explicit backend ({@link Backend#CROSS_CHECK} runs native) and level.
     *
     * @param spec the unpooling
     * @param layout how values, indices and output are stored
     * @param inputShape the logical shape of the values and indices
     * @param backend which implementation runs it
     * @param isa the native level, or null for the default
     * @return the validated operation
     */
    public static PreparedUnpool prepareUnpool(
            UnpoolSpec spec, Layout layout, long[] inputShape, Backend backend, Isa isa) {
        if (spec == null) throw new NullPointerException("spec");
        if (layout == null) throw new NullPointerException("layout");
        if (inputShape == null) throw new NullPointerException("inputShape");
        if (backend == null) throw new NullPointerException("backend");
        Backend resolved = backend == Backend.AUTO
                ? (NativeStatus.available() ? Backend.NATIVE : Backend.JAVA)
                : backend == Backend.CROSS_CHECK ? Backend.NATIVE : backend;
        if (resolved != Backend.JAVA && !NativeStatus.available()) {
            throw new UnsupportedOperationException(
                    "backend = " + backend + ": native code is unavailable: " + NativeStatus.unavailableReason());
        }
        PreparedUnpool unpool =
                new PreparedUnpool(spec, layout, inputShape, null, null, resolved, isa != null ? isa : defaultIsa());
        logPrepared(
                unpool,
                (isa != null ? isa : defaultIsa()) + (resolved == Backend.JAVA ? ", unused by the Java backend" : ""),
                "dense tensors");
        return unpool;
    }

    /**
     * Prepares max unpooling for these views of values (indices must have the same shape and strides) and output,
     * e.g. a crop or channel slice of bigger buffers.
     *
     * @param spec the unpooling
     * @param values a view with the values' shape and strides
     * @param output a view with the output's shape and strides
     * @param backend which implementation runs it
     * @param isa the native level, or null for the default
     * @return the validated operation
     */
    public static PreparedUnpool prepareUnpool(
            UnpoolSpec spec, Tensor values, Tensor output, Backend backend, Isa isa) {
        if (values == null) throw new NullPointerException("values");
        if (output == null) throw new NullPointerException("output");
        if (output.layout() != values.layout()) {
            throw new IllegalArgumentException(
                    "output layout = " + output.layout() + ": the values' is " + values.layout());
        }
        long[] expected = spec.outputShape(values.shape());
        if (!Arrays.equals(expected, output.shape())) {
            throw new IllegalArgumentException("output shape = " + Arrays.toString(output.shape()) + ": the spec gives "
                    + Arrays.toString(expected) + " for values " + Arrays.toString(values.shape()));
        }
        if (!output.isDense() && !Geometry.nonOverlappingView(output.shape(), output.strides())) {
            throw new IllegalArgumentException("output strides " + Arrays.toString(output.strides()) + " for shape "
                    + Arrays.toString(output.shape()) + ": elements overlap, so one would overwrite another");
        }
        PreparedUnpool dense =
                prepareUnpool(spec, values.layout(), values.shape(), backend, isa); // checks backend and level
        return new PreparedUnpool(
                spec,
                values.layout(),
                values.shape(),
                values.isDense() ? null : values.strides(),
                output.isDense() ? null : output.strides(),
                dense.backend(),
                isa != null ? isa : defaultIsa());
    }

    /**
     * Prepares region pooling (RoIPool, RoIAlign) of {@code boxCount} boxes over a feature map {@code [N, C, H, W]}, with
     * the default backend and level (system properties, else automatic).
     *
     * <pre>{@code
     * RoiSpec head = RoiSpec.align(7, 7).spatialScale(1.0 / 16).samplingRatio(2).aligned(true).build(); // Faster R-CNN box head
     * PreparedRoi roi = Pooling.prepareRoi(head, Layout.NHWC, new long[] {1, 256, 50, 68}, 1000);
     * roi.run(features, boxes, null, roi.allocateOutput(arena), null);  // boxes: 1000 x 5 floats (image, x1, y1, x2, y2)
     * }</pre>
     *
     * @param spec the region pooling
     * @param layout how the feature map, the outputs and the argmax are stored
     * @param inputShape the feature map's logical shape {@code [N, C, H, W]}: H and W positive, N and C not negative
     * @param boxCount K, the boxes a run pools (at most: a run may take the first {@code count}), positive
     * @return the validated operation, to run any number of times
     * @throws NullPointerException when {@code spec}, {@code layout} or {@code inputShape} is null
     * @throws IllegalArgumentException naming the parameter: a shape that is not 4-d or has a negative size or an empty
     *         plane, or a box count below 1
     * @throws UnsupportedOperationException when native code is requested but unavailable, or the level is above the CPU's
     */
    public static PreparedRoi prepareRoi(RoiSpec spec, Layout layout, long[] inputShape, long boxCount) {
        return prepareRoi(spec, layout, inputShape, boxCount, defaultBackend(), null);
    }

    /**
     * Prepares region pooling with an explicit backend ({@link Backend#CROSS_CHECK} runs native and Java) and level.
     *
     * @param spec the region pooling
     * @param layout how the feature map, the outputs and the argmax are stored
     * @param inputShape the feature map's logical shape {@code [N, C, H, W]}: H and W positive, N and C not negative
     * @param boxCount K, the boxes a run pools (at most: a run may take the first {@code count}), positive
     * @param backend which implementation runs it: {@link Backend#AUTO} is native when available, else Java;
     *        {@link Backend#CROSS_CHECK} runs native, then checks the output and argmax against Java's bit for bit
     * @param isa the native level, or null for the default
     * @return the validated operation, to run any number of times
     * @throws NullPointerException when {@code spec}, {@code layout}, {@code inputShape} or {@code backend} is null
     * @throws IllegalArgumentException naming the parameter: a shape that is not 4-d or has a negative size or an empty
     *         plane, or a box count below 1
     * @throws UnsupportedOperationException when native code is requested but unavailable, or the level is above the CPU's
     */
    public static PreparedRoi prepareRoi(
            RoiSpec spec, Layout layout, long[] inputShape, long boxCount, Backend backend, Isa isa) {
        if (spec == null) throw new NullPointerException("spec");
        if (layout == null) throw new NullPointerException("layout");
        if (inputShape == null) throw new NullPointerException("inputShape");
        if (backend == null) throw new NullPointerException("backend");
        Backend resolved =
                backend == Backend.AUTO ? (NativeStatus.available() ? Backend.NATIVE : Backend.JAVA) : backend;
        if (resolved != Backend.JAVA && !NativeStatus.available()) {
            throw new UnsupportedOperationException(
                    "backend = " + backend + ": native code is unavailable: " + NativeStatus.unavailableReason());
        }
        Isa level = isa != null ? isa : defaultIsa();
        if (resolved != Backend.JAVA && level.ordinal() > cpuIsa().ordinal()) {
            throw new UnsupportedOperationException("isa = " + level + ": this CPU supports up to " + cpuIsa());
        }
        return new PreparedRoi(spec, layout, inputShape, boxCount, resolved, level);
    }

    /**
     * Prepares spatial pyramid pooling of {@code inputShape} (dense in {@code layout}): adaptive {@code op} (MAX or AVG)
     * pooling to each of {@code levels} bins per axis, concatenated into {@code [N, C·Σ n^rank]}; see {@link PreparedSpp}.
     * Default backend and level (system properties, else automatic).
     *
     * <pre>{@code
     * PreparedSpp spp = Pooling.prepareSpp(PoolOp.MAX, new long[] {4, 2, 1}, Layout.NCHW, 8, 256, 13, 13);
     * long[] shape = spp.outputShape();                                 // [8, 5376]: 256 * (16 + 4 + 1)
     * }</pre>
     *
     * @param op {@link PoolOp#MAX} or {@link PoolOp#AVG}
     * @param levels bins per spatial axis of each level, in output order, each 1 to 2^20 (e.g. 4, 2, 1)
     * @param layout how the input is stored (the output is row-major whatever the layout)
     * @param inputShape the logical input shape {@code [N, C, spatial...]} with 1 to 3 spatial axes
     * @return the validated operation, to run any number of times
     * @throws NullPointerException when {@code op}, {@code layout} or {@code inputShape} is null
     * @throws IllegalArgumentException naming the parameter: another op, no level, a level out of range, or a shape
     *         without 1 to 3 spatial axes or with a size below 1
     */
    public static PreparedSpp prepareSpp(PoolOp op, long[] levels, Layout layout, long... inputShape) {
        return prepareSpp(op, levels, layout, inputShape, defaultBackend(), null);
    }

    /**
     * As {@link #prepareSpp(PoolOp, long[], Layout, long...)} with an explicit backend and level.
     *
     * @param op {@link PoolOp#MAX} or {@link PoolOp#AVG}
     * @param levels bins per spatial axis of each level, in output order, each 1 to 2^20 (e.g. 4, 2, 1)
     * @param layout how the input is stored (the output is row-major whatever the layout)
     * @param inputShape the logical input shape {@code [N, C, spatial...]} with 1 to 3 spatial axes
     * @param backend which implementation runs every level
     * @param isa the native level, or null for the default
     * @return the validated operation, to run any number of times
     * @throws NullPointerException when {@code op}, {@code layout} or {@code inputShape} is null
     * @throws IllegalArgumentException naming the parameter: another op, no level, a level out of range, or a shape
     *         without 1 to 3 spatial axes or with a size below 1
     * @throws UnsupportedOperationException when native code is requested but unavailable, or the level is not supported
     */
    public static PreparedSpp prepareSpp(
            PoolOp op, long[] levels, Layout layout, long[] inputShape, Backend backend, Isa isa) {
        if (op == null) throw new NullPointerException("op");
        if (layout == null) throw new NullPointerException("layout");
        return new PreparedSpp(op, levels, layout, inputShape, backend, isa);
    }

    /**
     * The output shape of spatial pyramid pooling at {@code levels}, without preparing anything.
     *
     * <pre>{@code
     * Pooling.sppOutputShape(new long[] {4, 2, 1}, 8, 256, 13, 13);     // [8, 5376]
     * }</pre>
     *
     * @param levels bins per spatial axis of each level, each positive
     * @param inputShape the logical input shape {@code [N, C, spatial...]} with 1 to 3 spatial axes
     * @return a new array {@code [N, C·Σ n^rank]}
     * @throws IllegalArgumentException naming the parameter: a shape without 1 to 3 spatial axes, no level, a level outside
     *         [1, 2^20], or an output size past 2^63
     * @throws NullPointerException when {@code levels} or {@code inputShape} is null
     */
    public static long[] sppOutputShape(long[] levels, long... inputShape) {
        if (levels == null) throw new NullPointerException("levels");
        if (inputShape == null) throw new NullPointerException("inputShape");
        int rank = inputShape.length - 2;
        if (rank < 1 || rank > 3)
            throw new IllegalArgumentException(
                    "input shape " + Arrays.toString(inputShape) + ": expected 1 to 3 spatial axes");
        if (levels.length == 0) throw new IllegalArgumentException("levels = []: at least one level is needed");
        long bins = 0;
        for (int l = 0; l < levels.length; l++) {
            // at most 2^20 bins per axis, as PreparedSpp takes them, so n^rank (at most 2^60) needs no overflow check
            if (levels[l] < 1 || levels[l] > 1 << 20) {
                throw new IllegalArgumentException("levels[" + l + "] = " + levels[l] + ": must be in [1, 2^20]");
            }
            long perLevel = 1;
            for (int a = 0; a < rank; a++) perLevel *= levels[l];
            bins = Math.addExact(bins, perLevel);
        }
        try {
            return new long[] {inputShape[0], Math.multiplyExact(inputShape[1], bins)};
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "inputShape[1] = " + inputShape[1] + " with " + bins + " bins per channel: the output"
                            + " size exceeds 2^63",
                    e);
        }
    }

    /**
     * The output shape {@code spec} gives for an input shape, without preparing anything.
     *
     * <pre>{@code
     * Pooling.outputShape(PoolSpec.max(3, 3).stride(2, 2).padding(1, 1).build(), 1, 64, 112, 112); // [1, 64, 56, 56]
     * }</pre>
     *
     * @param spec what to compute
     * @param inputShape the logical input shape {@code [N, C, spatial...]}
     * @return the logical output shape
     */
    public static long[] outputShape(PoolSpec spec, long... inputShape) {
        return Geometry.of(spec, Layout.NCHW, inputShape).outputShape.clone();
    }

    /**
     * Output length along one axis, PyTorch/ONNX rule: {@code floor((L + pb + pe - ke [+ s-1 with ceil]) / s) + 1},
     * minus one in ceil mode when the last window would start in the end padding; 0 when the window does not fit (or its
     * effective kernel exceeds 2^40), -1 for invalid arguments (a size below 1, a negative padding, a value above 2^40),
     * exactly as the native {@code pk_pool_output_size}.
     *
     * @param input the input length
     * @param kernel the window length
     * @param stride the step between windows
     * @param dilation the step between taps of a window
     * @param padBegin padding before the input
     * @param padEnd padding after the input
     * @param ceilMode whether a last partial window counts
     * @return the output length
     */
    public static long outputSize(
            long input, long kernel, long stride, long dilation, long padBegin, long padEnd, boolean ceilMode) {
        return Geometry.outputSize(input, kernel, stride, dilation, padBegin, padEnd, ceilMode);
    }

    /**
     * What one run costs, without preparing anything; computed in closed form, so in constant time for any shape.
     * A count beyond {@link Long#MAX_VALUE} is reported as {@link Long#MAX_VALUE}.
     *
     * @param spec what to compute
     * @param withIndices whether max or min pooling writes indices too
     * @param inputShape the logical input shape {@code [N, C, spatial...]}
     * @return bytes read and written, and operations
     */
    public static Cost cost(PoolSpec spec, boolean withIndices, long... inputShape) {
        return cost(spec, Geometry.of(spec, Layout.NCHW, inputShape), withIndices);
    }

    static Cost cost(PoolSpec spec, Geometry g, boolean withIndices) {
        boolean extremum = spec.op() == PoolOp.MAX
                || spec.op() == PoolOp.MIN
                || spec.op() == PoolOp.MIXED
                || spec.op() == PoolOp.S3POOL
                || spec.op() == PoolOp.STOCHASTIC && spec.training();
        BigInteger read = BigInteger.valueOf(g.inputCount)
                .add(BigInteger.valueOf(g.runParamsExtent()))
                .multiply(BigInteger.valueOf(Float.BYTES));
        BigInteger written = BigInteger.valueOf(g.outputCount)
                .multiply(BigInteger.valueOf(Float.BYTES + (withIndices && extremum ? Long.BYTES : 0)));
        // taps inside the input, summed over all windows in closed form (no loop over outputs): one compare, add or
        // power each
        BigInteger taps = BigInteger.valueOf(g.batch).multiply(BigInteger.valueOf(g.channels));
        for (int a = 0; a < 3; a++) taps = taps.multiply(g.tapsAlong(a));
        if (spec.op().ordinal() >= PoolOp.SOFT.ordinal()
                && spec.op() != PoolOp.S3POOL) { // S3Pool: one compare per tap, as max
            // two passes over each window (SoftPool, GeM, LIP: its maximum, then exp or pow and the sums; mixed: max
            // and
            // sum; stochastic: the sum, then the sampled tap or the squares), one division or root per output
            return new Cost(
                    saturated(read),
                    saturated(written),
                    saturated(taps.shiftLeft(1).add(BigInteger.valueOf(g.outputCount))));
        }
        // one divide per average, one root (and a scale for PyTorch's form) per LP output
        long finishing = spec.op() == PoolOp.AVG || spec.op() == PoolOp.LP ? g.outputCount : 0;
        return new Cost(saturated(read), saturated(written), saturated(taps.add(BigInteger.valueOf(finishing))));
    }

    /** Counts past a long's range are reported as {@link Long#MAX_VALUE}. */
    private static long saturated(BigInteger count) {
        return count.bitLength() < Long.SIZE ? count.longValueExact() : Long.MAX_VALUE;
    }

    /**
     * Whether native code is used by {@link Backend#AUTO}: the library loaded and passed its self-test.
     *
     * @return true when native code is available
     */
    public static boolean nativeAvailable() {
        return NativeStatus.available();
    }

    /**
     * Why native code is unavailable: no library for this platform, a bad {@code poolkit.library.path}, a
     * library lacking a function or of another ABI version, a failed self-test.
     *
     * @return the reason, or empty when native code is available
     */
    public static Optional<String> nativeUnavailableReason() {
        return Optional.ofNullable(NativeStatus.unavailableReason());
    }

    /**
     * The best level this CPU and OS support.
     *
     * @return the level, SCALAR when native code is unavailable
     */
    public static Isa cpuIsa() {
        return NativeStatus.cpuIsa();
    }

    /**
     * The level used when none is given: {@value #ISA_PROPERTY}, else the native library's choice capped by
     * {@code POOLKIT_MAX_ISA}.
     *
     * @return the default level
     * @throws IllegalArgumentException when the property or {@code POOLKIT_MAX_ISA} names no level
     */
    public static Isa defaultIsa() {
        Isa capped = NativeStatus.defaultIsa(); // validates POOLKIT_MAX_ISA in any case
        String property = System.getProperty(ISA_PROPERTY);
        return property != null ? Isa.parse(property, ISA_PROPERTY) : capped;
    }

    /**
     * The backend used when none is given: {@value #BACKEND_PROPERTY}, else AUTO.
     *
     * @return the default backend
     * @throws IllegalArgumentException when the property names no backend
     */
    public static Backend defaultBackend() {
        String property = System.getProperty(BACKEND_PROPERTY);
        return property != null ? Backend.parse(property, BACKEND_PROPERTY) : Backend.AUTO;
    }
}
