package dev.poolkit;

/**
 * The framework whose rules a spec follows where frameworks disagree. It sets defaults (which the builder
 * can override) and the padding limit.
 *
 * <table>
 *   <caption>Differences</caption>
 *   <tr><th></th><th>PYTORCH</th><th>ONNX</th></tr>
 *   <tr><td>padding limit per side</td><td>{@code pad <= effective_kernel / 2}</td><td>{@code pad < effective_kernel}</td></tr>
 *   <tr><td>default average divisor</td><td>{@link AvgDivisor#INCLUDE_PADDING}</td><td>{@link AvgDivisor#EXCLUDE_PADDING}</td></tr>
 *   <tr><td>default NaN policy</td><td>{@link NanPolicy#PROPAGATE}</td><td>{@link NanPolicy#IGNORE} (as ONNX Runtime)</td></tr>
 *   <tr><td>auto padding</td><td>not allowed</td><td>SAME_UPPER, SAME_LOWER, VALID (without ceil mode)</td></tr>
 * </table>
 * Both use the same output-size rule: with ceil mode, a last window that would start in the end padding is
 * dropped.
 */
public enum Conventions {
    PYTORCH(AvgDivisor.INCLUDE_PADDING, NanPolicy.PROPAGATE),
    ONNX(AvgDivisor.EXCLUDE_PADDING, NanPolicy.IGNORE);

    private final AvgDivisor defaultDivisor;
    private final NanPolicy defaultNanPolicy;

    Conventions(AvgDivisor defaultDivisor, NanPolicy defaultNanPolicy) {
        this.defaultDivisor = defaultDivisor;
        this.defaultNanPolicy = defaultNanPolicy;
    }

    public AvgDivisor defaultDivisor() {
        return defaultDivisor;
    }

    public NanPolicy defaultNanPolicy() {
        return defaultNanPolicy;
    }
}
