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
    GEM,
    /**
     * Mixed pooling: {@code y = λ max + (1 - λ) avg} (max with the NaN policy and its index, avg with the divisor rule);
     * λ one, per channel, per output (gated pooling), or drawn per output ({@code λ = u < q ? 1 : 0}).
     */
    MIXED,
    /**
     * Stochastic pooling over {@code a = max(x, 0)}: in training, the tap sampled with probability {@code a_i / Σ a}
     * from one uniform per output (with its index); in inference {@code Σ a² / Σ a}. A NaN tap gives NaN ({@code max(NaN, 0)}
     * is NaN; training chooses the first NaN tap), then a +∞ tap gives +∞ (the first +∞ tap).
     */
    STOCHASTIC,
    /** Local importance pooling: {@code y = Σ e^(l_i - m) x_i / Σ e^(l_i - m)} with caller-given logits {@code l}. */
    LIP,
    /**
     * S3Pool: max pooling with kernel = stride = s and s - 1 end padding (output {@code ceil(L/s)}), which is inference; in
     * training each output's window moves to a picked position (the stride-1 max pool sampled there).
     */
    S3POOL
}
