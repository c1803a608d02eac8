package dev.poolkit;

/**
 * The framework whose rules a spec follows where frameworks disagree. It sets defaults (which the builder
 * can override) and the padding limit.
 *
 * <table>
 *   <caption>Differences</caption>
 *   <tr><th></th><th>PYTORCH</th><th>ONNX</th><th>TENSORFLOW</th></tr>
 *   <tr><td>padding limit per side</td><td>{@code pad <= effective_kernel / 2}</td><td>{@code pad < effective_kernel}</td>
 *       <td>{@code pad < effective_kernel}</td></tr>
 *   <tr><td>default average divisor</td><td>{@link AvgDivisor#INCLUDE_PADDING}</td><td>{@link AvgDivisor#EXCLUDE_PADDING}</td>
 *       <td>{@link AvgDivisor#EXCLUDE_PADDING}</td></tr>
 *   <tr><td>default NaN policy (max, min)</td><td>{@link NanPolicy#PROPAGATE}</td><td>{@link NanPolicy#IGNORE} (as ONNX Runtime)</td>
 *       <td>{@link NanPolicy#IGNORE}</td></tr>
 *   <tr><td>auto padding</td><td>not allowed</td><td>SAME_UPPER, SAME_LOWER, VALID (without ceil mode)</td>
 *       <td>SAME_UPPER (TF's SAME), VALID</td></tr>
 *   <tr><td>default index format</td><td>{@link IndexFormat#PLANE}</td><td>{@link IndexFormat#FLAT_ROW_MAJOR}</td>
 *       <td>{@link IndexFormat#CHANNELS_LAST}</td></tr>
 *   <tr><td>default LP form</td><td>{@link LpForm#PYTORCH}</td><td>{@link LpForm#ABS}</td><td>{@link LpForm#ABS}</td></tr>
 * </table>
 * All use the same output-size rule: with ceil mode, a last window that would start in the end padding is
 * dropped.
 */
public enum Conventions {
    /** PyTorch's rules ({@code torch.nn.functional}), the default. */
    PYTORCH(AvgDivisor.INCLUDE_PADDING, NanPolicy.PROPAGATE, IndexFormat.PLANE, LpForm.PYTORCH),
    /** ONNX's operator definitions, as ONNX Runtime implements them. */
    ONNX(AvgDivisor.EXCLUDE_PADDING, NanPolicy.IGNORE, IndexFormat.FLAT_ROW_MAJOR, LpForm.ABS),
    /** TensorFlow's {@code tf.nn} pooling. */
    TENSORFLOW(AvgDivisor.EXCLUDE_PADDING, NanPolicy.IGNORE, IndexFormat.CHANNELS_LAST, LpForm.ABS);

    private final AvgDivisor defaultDivisor;
    private final NanPolicy defaultNanPolicy;
    private final IndexFormat defaultIndexFormat;
    private final LpForm defaultLpForm;

    Conventions(
            AvgDivisor defaultDivisor,
            NanPolicy defaultNanPolicy,
            IndexFormat defaultIndexFormat,
            LpForm defaultLpForm) {
        this.defaultDivisor = defaultDivisor;
        this.defaultNanPolicy = defaultNanPolicy;
        this.defaultIndexFormat = defaultIndexFormat;
        this.defaultLpForm = defaultLpForm;
    }

    /**
     * The average divisor a spec of these conventions takes unless set.
     *
     * @return the default divisor
     */
    public AvgDivisor defaultDivisor() {
        return defaultDivisor;
    }

    /**
     * How max and min treat NaN unless set.
     *
     * @return the default NaN policy
     */
    public NanPolicy defaultNanPolicy() {
        return defaultNanPolicy;
    }

    /**
     * How argmax indices are numbered unless set.
     *
     * @return the default index format
     */
    public IndexFormat defaultIndexFormat() {
        return defaultIndexFormat;
    }

    /**
     * Which LP pooling formula applies unless set.
     *
     * @return the default LP form
     */
    public LpForm defaultLpForm() {
        return defaultLpForm;
    }
}
