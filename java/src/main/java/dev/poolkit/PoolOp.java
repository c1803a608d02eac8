package dev.poolkit;

/** The pooling operation. */
public enum PoolOp {
    /** Maximum over the window; padding never wins. Can report the argmax (indices). */
    MAX,
    /** Average over the window, with a divisor chosen by {@link AvgDivisor}. */
    AVG,
    /** Minimum over the window, the mirror of {@link #MAX}: {@code min(x) = -max(-x)}, first tap on ties, same NaN policies. */
    MIN,
    /** Power average {@code (sum |x|^p)^(1/p)} or PyTorch's signed variant, chosen by {@link LpForm}. */
    LP
}
