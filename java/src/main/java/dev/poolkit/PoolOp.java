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
    LP,
    /**
     * SoftPool, softmax-weighted pooling: {@code m = max x}, {@code y = Σ e^(x_i - m) x_i / Σ e^(x_i - m)} over the taps
     * inside the input, in double; NaN wins, then +∞; −∞ taps weigh 0 (a window of only −∞ gives −∞).
     */
    SOFT,
    /**
     * GeM, the generalized mean: {@code y = (Σ max(x_i, eps)^p / n)^(1/p)} over the {@code n} taps inside the input, with
     * one {@code p} or one per channel; NaN propagates.
     */
    GEM
}
