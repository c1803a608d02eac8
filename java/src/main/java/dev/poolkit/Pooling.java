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
 *     Tensor in = Tensor.f32(mySegment, Layout.NHWC, 1, 64, 112, 112);
 *     Tensor out = pool.allocateOutput(arena);
 *     pool.run(in, out);
 * }
 * }</pre>
 *
 * <p>System properties: {@value #BACKEND_PROPERTY} ({@code auto}, {@code native}, {@code java},
 * {@code cross-check}) sets the default backend; {@value #ISA_PROPERTY} ({@code scalar}, {@code avx2},
 * {@code avx512}) the default native level; {@code poolkit.library.path} loads the native library from a file
 * instead of the jar. The environment variable {@code POOLKIT_MAX_ISA} caps the native library's own choice.
 */
public final class Pooling {
    public static final String BACKEND_PROPERTY = "poolkit.backend";
    public static final String ISA_PROPERTY = "poolkit.isa";

    private Pooling() {}

    /** Prepares with the default backend and level (system properties, else automatic). */
    public static PreparedPool prepare(PoolSpec spec, Layout layout, long... inputShape) {
        return prepare(spec, layout, inputShape, defaultBackend(), null);
    }

    /**
     * Prepares with an explicit backend and, for native code, an instruction-set level (null: the default).
     *
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
     */
    public static PreparedPool prepare(PoolSpec spec, Tensor input, Tensor output) {
        return prepare(spec, input, output, defaultBackend(), null);
    }

    /** As {@link #prepare(PoolSpec, Tensor, Tensor)}, with an explicit backend and level. */
    public static PreparedPool prepare(PoolSpec spec, Tensor input, Tensor output, Backend backend, Isa isa) {
        if (input == null) throw new NullPointerException("input");
        if (output == null) throw new NullPointerException("output");
        if (output.layout() != input.layout()) {
            throw new IllegalArgumentException("output layout = " + output.layout() + ": the input's is " + input.layout());
        }
        long[] expected = outputShape(spec, input.shape());
        if (!Arrays.equals(expected, output.shape())) {
            throw new IllegalArgumentException("output shape = " + Arrays.toString(output.shape()) + ": the spec gives "
                    + Arrays.toString(expected) + " for input " + Arrays.toString(input.shape()));
        }
        return prepare(spec, input.layout(), input.shape(), input.isDense() ? null : input.strides(),
                output.isDense() ? null : output.strides(), backend, isa);
    }

    private static PreparedPool prepare(PoolSpec spec, Layout layout, long[] inputShape, long[] inputStrides, long[] outputStrides,
                                        Backend backend, Isa isa) {
        if (spec == null) throw new NullPointerException("spec");
        if (layout == null) throw new NullPointerException("layout");
        if (backend == null) throw new NullPointerException("backend");
        Geometry geometry = Geometry.of(spec, layout, inputShape, inputStrides, outputStrides);
        Backend resolved = backend == Backend.AUTO ? (NativeStatus.available() ? Backend.NATIVE : Backend.JAVA) : backend;
        if (resolved != Backend.JAVA && !NativeStatus.available()) {
            throw new UnsupportedOperationException("backend = " + backend + ": native code is unavailable: " + NativeStatus.unavailableReason());
        }
        Isa level = isa != null ? isa : defaultIsa();
        if (resolved != Backend.JAVA && level.ordinal() > cpuIsa().ordinal()) {
            throw new UnsupportedOperationException("isa = " + level + ": this CPU supports up to " + cpuIsa());
        }
        return new PreparedPool(spec, geometry, resolved, level, inputStrides, outputStrides);
    }

    /** Prepares max unpooling of values (and indices) of {@code inputShape}, with the default backend and level. */
    public static PreparedUnpool prepareUnpool(UnpoolSpec spec, Layout layout, long... inputShape) {
        return prepareUnpool(spec, layout, inputShape, defaultBackend(), null);
    }

    /** Prepares max unpooling with an explicit backend ({@link Backend#CROSS_CHECK} runs native) and level. */
    public static PreparedUnpool prepareUnpool(UnpoolSpec spec, Layout layout, long[] inputShape, Backend backend, Isa isa) {
        if (spec == null) throw new NullPointerException("spec");
        if (layout == null) throw new NullPointerException("layout");
        if (inputShape == null) throw new NullPointerException("inputShape");
        if (backend == null) throw new NullPointerException("backend");
        Backend resolved = backend == Backend.AUTO ? (NativeStatus.available() ? Backend.NATIVE : Backend.JAVA)
                : backend == Backend.CROSS_CHECK ? Backend.NATIVE : backend;
        if (resolved != Backend.JAVA && !NativeStatus.available()) {
            throw new UnsupportedOperationException("backend = " + backend + ": native code is unavailable: " + NativeStatus.unavailableReason());
        }
        return new PreparedUnpool(spec, layout, inputShape, null, null, resolved, isa != null ? isa : defaultIsa());
    }

    /**
     * Prepares max unpooling for these views of values (indices must have the same shape and strides) and output,
     * e.g. a crop or channel slice of bigger buffers.
     */
    public static PreparedUnpool prepareUnpool(UnpoolSpec spec, Tensor values, Tensor output, Backend backend, Isa isa) {
        if (values == null) throw new NullPointerException("values");
        if (output == null) throw new NullPointerException("output");
        if (output.layout() != values.layout()) {
            throw new IllegalArgumentException("output layout = " + output.layout() + ": the values' is " + values.layout());
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
        PreparedUnpool dense = prepareUnpool(spec, values.layout(), values.shape(), backend, isa); // checks backend and level
        return new PreparedUnpool(spec, values.layout(), values.shape(), values.isDense() ? null : values.strides(),
                output.isDense() ? null : output.strides(), dense.backend(), isa != null ? isa : defaultIsa());
    }

    /** The output shape {@code spec} gives for an input shape {@code [N, C, spatial...]}, without preparing anything. */
    public static long[] outputShape(PoolSpec spec, long... inputShape) {
        return Geometry.of(spec, Layout.NCHW, inputShape).outputShape.clone();
    }

    /**
     * Output length along one axis, PyTorch/ONNX rule: {@code floor((L + pb + pe - ke [+ s-1 with ceil]) / s) + 1},
     * minus one in ceil mode when the last window would start in the end padding; 0 when the window does not fit (or its
     * effective kernel exceeds 2^40), -1 for invalid arguments (a size below 1, a negative padding, a value above 2^40),
     * exactly as the native {@code pk_pool_output_size}.
     */
    public static long outputSize(long input, long kernel, long stride, long dilation, long padBegin, long padEnd, boolean ceilMode) {
        return Geometry.outputSize(input, kernel, stride, dilation, padBegin, padEnd, ceilMode);
    }

    /**
     * What one run costs, without preparing anything; computed in closed form, so in constant time for any shape.
     * A count beyond {@link Long#MAX_VALUE} is reported as {@link Long#MAX_VALUE}.
     */
    public static Cost cost(PoolSpec spec, boolean withIndices, long... inputShape) {
        return cost(spec, Geometry.of(spec, Layout.NCHW, inputShape), withIndices);
    }

    static Cost cost(PoolSpec spec, Geometry g, boolean withIndices) {
        boolean extremum = spec.op() == PoolOp.MAX || spec.op() == PoolOp.MIN;
        BigInteger read = BigInteger.valueOf(g.inputCount).multiply(BigInteger.valueOf(Float.BYTES));
        BigInteger written = BigInteger.valueOf(g.outputCount).multiply(BigInteger.valueOf(Float.BYTES + (withIndices && extremum ? Long.BYTES : 0)));
        // taps inside the input, summed over all windows in closed form (no loop over outputs): one compare, add or power each
        BigInteger taps = BigInteger.valueOf(g.batch).multiply(BigInteger.valueOf(g.channels));
        for (int a = 0; a < 3; a++) taps = taps.multiply(g.tapsAlong(a));
        // one divide per average, one root (and a scale for PyTorch's form) per LP output
        long finishing = spec.op() == PoolOp.AVG || spec.op() == PoolOp.LP ? g.outputCount : 0;
        return new Cost(saturated(read), saturated(written), saturated(taps.add(BigInteger.valueOf(finishing))));
    }

    /** Counts past a long's range are reported as {@link Long#MAX_VALUE}. */
    private static long saturated(BigInteger count) {
        return count.bitLength() < Long.SIZE ? count.longValueExact() : Long.MAX_VALUE;
    }

    /** True when the native library loaded and passed its self-test. */
    public static boolean nativeAvailable() {
        return NativeStatus.available();
    }

    /** Why native code is unavailable, or empty. */
    public static Optional<String> nativeUnavailableReason() {
        return Optional.ofNullable(NativeStatus.unavailableReason());
    }

    /** The best level this CPU and OS support (SCALAR when native code is unavailable). */
    public static Isa cpuIsa() {
        return NativeStatus.cpuIsa();
    }

    /** The level used when none is given: {@value #ISA_PROPERTY}, else the native library's choice. */
    public static Isa defaultIsa() {
        String property = System.getProperty(ISA_PROPERTY);
        return property != null ? Isa.parse(property, ISA_PROPERTY) : NativeStatus.defaultIsa();
    }

    /** The backend used when none is given: {@value #BACKEND_PROPERTY}, else AUTO. */
    public static Backend defaultBackend() {
        String property = System.getProperty(BACKEND_PROPERTY);
        return property != null ? Backend.parse(property, BACKEND_PROPERTY) : Backend.AUTO;
    }
}
