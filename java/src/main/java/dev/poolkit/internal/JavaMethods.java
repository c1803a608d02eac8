package dev.poolkit.internal;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.poolkit.Layout;
import dev.poolkit.NanPolicy;
import dev.poolkit.PoolOp;
import java.lang.foreign.MemorySegment;

/**
 * The methods of the literature (SoftPool, GeM, mixed, stochastic, LIP, S3Pool) in Java: the same definitions as the
 * native scalar kernels ({@code native/src/methods}; SoftPool's, GeM's, stochastic pooling's and LIP's windows in
 * {@link JavaSoftPool}, {@link JavaGem}, {@link JavaStochastic} and {@link JavaLip}), one window at a time, taps in
 * row-major order, sums in double
 * rounded once (mixed pooling's average is average pooling's own float sum). Windows come from {@link JavaKernel}'s
 * tables, so every window rule and option applies unchanged.
 */
final class JavaMethods {
    private final JavaKernel kernel;
    private final Geometry g;
    private final boolean propagateNan;
    private final long[][] origin, first, last;
    /** The most taps a window has inside the input. */
    private final int maxTaps;

    JavaMethods(JavaKernel kernel, Geometry g, long[][] origin, long[][] first, long[][] last) {
        this.kernel = kernel;
        this.g = g;
        this.propagateNan =
                g.nanPolicy == NanPolicy.PROPAGATE || g.op == PoolOp.S3POOL; // S3Pool: PyTorch's max pooling
        this.origin = origin;
        this.first = first;
        this.last = last;
        long most = 1;
        for (int a = 0; a < 3; a++) {
            long longest = 0;
            for (int o = 0; o < first[a].length; o++) longest = Math.max(longest, last[a][o] - first[a][o]);
            most *= longest;
        }
        if (most > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("windows of " + most + " taps exceed an array");
        this.maxTaps = (int) most;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(maxTaps));
    }

    /**
     * What one window's reduction writes besides the output, sized here once: the window's tap offsets (then their
     * plane indices after {@link #maxTaps}), LIP's logits' offsets, the chosen tap's plane index, S3Pool's window
     * corners. One per thread, so
     * that concurrent runs of one prepared operation share nothing and a run allocates nothing.
     */
    static final class Scratch {
        final long[] taps;
        final long[] logitTaps;
        final long[] index = new long[1];
        final long[] start = new long[3], end = new long[3];

        private Scratch(int maxTaps) {
            this.taps = new long[2 * maxTaps];
            this.logitTaps = new long[maxTaps];
        }
    }

    private final ThreadLocal<Scratch> scratch;

    /** This thread's scratch. */
    Scratch scratch() {
        return scratch.get();
    }

    /** One output line, as the native row loop: outputs (od, oh, ow) of channel c (channels first) or all channels. */
    void line(
            Scratch room,
            MemorySegment input,
            MemorySegment output,
            MemorySegment indices,
            MemorySegment params,
            long n,
            long c0,
            int od,
            int oh) {
        long[] scratch = room.taps, index = room.index;
        long channels = g.layout == Layout.NCHW ? 1 : g.channels;
        for (int ow = 0; ow < g.out[2]; ow++) {
            for (long c = c0; c < c0 + channels; c++) {
                long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                long at = n * g.outStride[Geometry.N]
                        + c * g.outStride[Geometry.C]
                        + od * g.outStride[Geometry.D]
                        + oh * g.outStride[Geometry.H]
                        + ow * g.outStride[Geometry.W];
                int count = taps(inPlane, od, oh, ow, scratch);
                float y = switch (g.op) {
                    case SOFT -> JavaSoftPool.value(input, scratch, count);
                    case GEM -> JavaGem.value(input, scratch, count, param(params, c), g.eps);
                    case MIXED -> {
                        float max = max(input, scratch, count, od, oh, ow, index);
                        if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, at, index[0]);
                        yield mixedValue(lambda(params, c, at), max, avg(input, scratch, count, od, oh, ow));
                    }
                    case STOCHASTIC -> {
                        if (g.paramsMode != Geometry.PARAMS_UNIFORMS)
                            yield JavaStochastic.inference(input, scratch, count);
                        int chosen = JavaStochastic.chosenTap(
                                input, scratch, count, params.getAtIndex(JAVA_FLOAT_UNALIGNED, at));
                        if (indices != null)
                            indices.setAtIndex(
                                    JAVA_LONG_UNALIGNED,
                                    at,
                                    chosen >= 0 ? scratch[maxTaps + chosen] : firstIndex(od, oh, ow));
                        yield chosen >= 0 ? input.getAtIndex(JAVA_FLOAT_UNALIGNED, scratch[chosen]) : 0f;
                    }
                    case LIP -> JavaLip.value(input, params, scratch, logitTaps(room, count, n), count);
                    case S3POOL -> {
                        int taps = s3Taps(room, inPlane, n, od, oh, ow, params);
                        float max = max(
                                input, scratch, taps, scratch[maxTaps], index); // a window of -inf: its own first tap
                        if (indices != null) indices.setAtIndex(JAVA_LONG_UNALIGNED, at, index[0]);
                        yield max;
                    }
                    default -> throw new IllegalStateException(g.op + " is not a method of this class");
                };
                output.setAtIndex(JAVA_FLOAT_UNALIGNED, at, y);
            }
        }
    }

    /** GeM's p of channel c: per channel from params, else the spec's one. */
    private double param(MemorySegment params, long c) {
        return g.paramsMode == Geometry.PARAMS_PER_CHANNEL ? params.getAtIndex(JAVA_FLOAT_UNALIGNED, c) : g.p;
    }

    /** The plane index of a window without a chosen tap: its first input tap, or its origin clamped into the input. */
    private long firstIndex(int od, int oh, int ow) {
        return (kernel.firstCoordinate(0, od) * g.in[1] + kernel.firstCoordinate(1, oh)) * g.in[2]
                + kernel.firstCoordinate(2, ow);
    }

    // ---- S3Pool ----

    /**
     * The taps of S3Pool's window (od, oh, ow) of image n into {@code offsets} (and plane indices): along each axis
     * [start, start + s) clipped at the input's end, start the picked position in training, else o s.
     */
    private int s3Taps(Scratch room, long inPlane, long n, int od, int oh, int ow, MemorySegment picks) {
        long[] start = room.start, end = room.end, offsets = room.taps;
        long perImage = 0;
        for (int a = 3 - g.rank; a < 3; a++) perImage += g.out[a];
        long before = 0;
        for (int a = 0; a < 3; a++) {
            if (a < 3 - g.rank) {
                start[a] = 0;
                end[a] = 1;
                continue;
            }
            int o = a == 0 ? od : a == 1 ? oh : ow;
            start[a] = g.paramsMode == Geometry.PARAMS_PICKS
                    ? (long) picks.getAtIndex(JAVA_FLOAT_UNALIGNED, n * perImage + before + o)
                    : o * g.stride[a];
            end[a] = Math.min(start[a] + g.kernel[a], g.in[a]);
            before += g.out[a];
        }
        int count = 0;
        for (long id = start[0]; id < end[0]; id++)
            for (long ih = start[1]; ih < end[1]; ih++)
                for (long iw = start[2]; iw < end[2]; iw++) {
                    offsets[maxTaps + count] = (id * g.in[1] + ih) * g.in[2] + iw;
                    offsets[count++] = inPlane
                            + id * g.inStride[Geometry.D]
                            + ih * g.inStride[Geometry.H]
                            + iw * g.inStride[Geometry.W];
                }
        return count;
    }

    // ---- mixed pooling ----

    private double lambda(MemorySegment params, long c, long at) {
        return switch (g.paramsMode) {
            case Geometry.PARAMS_PER_CHANNEL -> params.getAtIndex(JAVA_FLOAT_UNALIGNED, c);
            case Geometry.PARAMS_OUTPUT_MAP -> params.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
            case Geometry.PARAMS_UNIFORMS -> params.getAtIndex(JAVA_FLOAT_UNALIGNED, at) < g.probability ? 1 : 0;
            default -> g.lambda;
        };
    }

    private static float mixedValue(double lambda, float max, float avg) {
        if (lambda == 1) return max;
        if (lambda == 0) return avg;
        return (float) (lambda * max + (1 - lambda) * avg);
    }

    /** Max pooling's value of the window (its NaN policy, first tap on ties), with its plane index in {@code index[0]}. */
    private float max(MemorySegment in, long[] taps, int count, int od, int oh, int ow, long[] index) {
        return max(in, taps, count, firstIndex(od, oh, ow), index);
    }

    /** As above, reporting {@code initial} when no tap beats −∞. */
    private float max(MemorySegment in, long[] taps, int count, long initial, long[] index) {
        float best = Float.NEGATIVE_INFINITY;
        index[0] = initial;
        for (int k = 0; k < count; k++) {
            float v = in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
            if (v > best || propagateNan && Float.isNaN(v)) {
                best = v;
                index[0] = taps[maxTaps + k];
            }
        }
        return best;
    }

    /** Average pooling's value of the window: the float sum in tap order, divided as average pooling divides. */
    private float avg(MemorySegment in, long[] taps, int count, int od, int oh, int ow) {
        float sum = 0f;
        for (int k = 0; k < count; k++) sum += in.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]);
        return kernel.average(sum, od, oh, ow);
    }

    /** Adds the window's gradients; returns dL/dλ. */
    private double mixedBackward(
            MemorySegment in,
            MemorySegment gradIn,
            long[] taps,
            long[] index,
            int count,
            int od,
            int oh,
            int ow,
            float grad,
            double lambda) {
        float max = max(in, taps, count, od, oh, ow, index);
        if (count > 0 && lambda != 0) {
            for (int k = 0; k < count; k++) {
                if (taps[maxTaps + k] == index[0]) {
                    gradIn.setAtIndex(
                            JAVA_FLOAT_UNALIGNED,
                            taps[k],
                            gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + (float) (lambda * grad));
                    break;
                }
            }
        }
        if (lambda != 1) {
            float divisor = kernel.averageDivisor(od, oh, ow);
            float share = divisor == 0 ? 0f : (float) ((1 - lambda) * grad / divisor);
            for (int k = 0; k < count; k++) {
                gradIn.setAtIndex(
                        JAVA_FLOAT_UNALIGNED, taps[k], gradIn.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + share);
            }
        }
        return grad * ((double) max - avg(in, taps, count, od, oh, ow));
    }

    /**
     * LIP's logit offsets of the window whose taps {@link #taps} gave, into the scratch: the inputs' offsets (logits
     * shaped like the input) or n * plane + plane index (one channel, broadcast).
     */
    private long[] logitTaps(Scratch room, int count, long n) {
        long[] taps = room.taps, logitTaps = room.logitTaps;
        long plane = g.in[0] * g.in[1] * g.in[2];
        for (int k = 0; k < count; k++)
            logitTaps[k] = g.paramsMode == Geometry.PARAMS_INPUT_MAP ? taps[k] : n * plane + taps[maxTaps + k];
        return logitTaps;
    }

    /**
     * Offsets of window (od, oh, ow)'s taps inside the input, in row-major order, into {@code offsets}, and their plane
     * indices after {@link #maxTaps}; returns the count.
     */
    private int taps(long inPlane, int od, int oh, int ow, long[] offsets) {
        int count = 0;
        for (long jd = first[0][od]; jd < last[0][od]; jd++) {
            long id = origin[0][od] + jd * g.dilation[0];
            for (long jh = first[1][oh]; jh < last[1][oh]; jh++) {
                long ih = origin[1][oh] + jh * g.dilation[1];
                for (long jw = first[2][ow]; jw < last[2][ow]; jw++) {
                    long iw = origin[2][ow] + jw * g.dilation[2];
                    offsets[maxTaps + count] = (id * g.in[1] + ih) * g.in[2] + iw;
                    offsets[count++] = inPlane
                            + id * g.inStride[Geometry.D]
                            + ih * g.inStride[Geometry.H]
                            + iw * g.inStride[Geometry.W];
                }
            }
        }
        return count;
    }

    /**
     * Gradients with respect to the input (over all of {@code gradInput}) and, when {@code gradParams} is not null, the
     * parameter: GeM's p and mixed λ (one value, one per channel, or per output with the output's strides), LIP's logits
     * (shaped as the logits). Channels outermost, as the native code, so each sum has a fixed order.
     */
    void backward(
            MemorySegment gradOutput,
            MemorySegment gradInput,
            MemorySegment input,
            MemorySegment params,
            MemorySegment gradParams) {
        for (long n = 0; n < g.batch; n++)
            for (long c = 0; c < g.channels; c++)
                for (long id = 0; id < g.in[0]; id++)
                    for (long ih = 0; ih < g.in[1]; ih++)
                        for (long iw = 0; iw < g.in[2]; iw++) {
                            long at = n * g.inStride[Geometry.N]
                                    + c * g.inStride[Geometry.C]
                                    + id * g.inStride[Geometry.D]
                                    + ih * g.inStride[Geometry.H]
                                    + iw * g.inStride[Geometry.W];
                            gradInput.setAtIndex(JAVA_FLOAT_UNALIGNED, at, 0f);
                            if (gradParams != null && g.paramsMode == Geometry.PARAMS_INPUT_MAP)
                                gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, at, 0f);
                        }
        if (gradParams != null && g.paramsMode == Geometry.PARAMS_CHANNEL_BROADCAST) {
            for (long i = 0; i < g.batch * g.in[0] * g.in[1] * g.in[2]; i++)
                gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, i, 0f);
        }
        Scratch room = scratch();
        long[] taps = room.taps, index = room.index;
        double total = 0;
        for (long c = 0; c < g.channels; c++) {
            double channel = 0;
            for (long n = 0; n < g.batch; n++) {
                long inPlane = n * g.inStride[Geometry.N] + c * g.inStride[Geometry.C];
                for (int od = 0; od < g.out[0]; od++)
                    for (int oh = 0; oh < g.out[1]; oh++)
                        for (int ow = 0; ow < g.out[2]; ow++) {
                            long at = n * g.outStride[Geometry.N]
                                    + c * g.outStride[Geometry.C]
                                    + od * g.outStride[Geometry.D]
                                    + oh * g.outStride[Geometry.H]
                                    + ow * g.outStride[Geometry.W];
                            float grad = gradOutput.getAtIndex(JAVA_FLOAT_UNALIGNED, at);
                            int count = taps(inPlane, od, oh, ow, taps);
                            switch (g.op) {
                                case SOFT -> JavaSoftPool.backward(input, gradInput, taps, count, grad);
                                case GEM ->
                                    channel += JavaGem.backward(
                                            input, gradInput, taps, count, grad, param(params, c), g.eps);
                                case STOCHASTIC -> {
                                    if (g.paramsMode == Geometry.PARAMS_UNIFORMS)
                                        JavaStochastic.backwardChosen(
                                                input,
                                                gradInput,
                                                taps,
                                                count,
                                                params.getAtIndex(JAVA_FLOAT_UNALIGNED, at),
                                                grad);
                                    else JavaStochastic.backwardInference(input, gradInput, taps, count, grad);
                                }
                                case LIP ->
                                    JavaLip.backward(
                                            input,
                                            gradInput,
                                            params,
                                            gradParams,
                                            taps,
                                            logitTaps(room, count, n),
                                            count,
                                            grad);
                                case S3POOL -> {
                                    int k3 = s3Taps(room, inPlane, n, od, oh, ow, params);
                                    max(input, taps, k3, taps[maxTaps], index);
                                    for (int k = 0; k < k3; k++) {
                                        if (taps[maxTaps + k] == index[0]) {
                                            gradInput.setAtIndex(
                                                    JAVA_FLOAT_UNALIGNED,
                                                    taps[k],
                                                    gradInput.getAtIndex(JAVA_FLOAT_UNALIGNED, taps[k]) + grad);
                                            break;
                                        }
                                    }
                                }
                                default -> {
                                    double lambdaGrad = mixedBackward(
                                            input,
                                            gradInput,
                                            taps,
                                            index,
                                            count,
                                            od,
                                            oh,
                                            ow,
                                            grad,
                                            lambda(params, c, at));
                                    if (gradParams != null && g.paramsMode == Geometry.PARAMS_OUTPUT_MAP) {
                                        gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, at, (float) lambdaGrad);
                                    }
                                    channel += lambdaGrad;
                                }
                            }
                        }
            }
            if (gradParams != null && g.paramsMode == Geometry.PARAMS_PER_CHANNEL)
                gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, c, (float) channel);
            total += channel;
        }
        if (gradParams != null
                && g.paramsMode == Geometry.PARAMS_SCALAR
                && (g.op == PoolOp.GEM || g.op == PoolOp.MIXED)) {
            gradParams.setAtIndex(JAVA_FLOAT_UNALIGNED, 0, (float) total);
        }
    }
}
