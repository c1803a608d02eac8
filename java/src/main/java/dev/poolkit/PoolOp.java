package dev.poolkit;

/** The pooling operation. */
public enum PoolOp {
    /** Maximum over the window; padding never wins. Can report the argmax (indices). */
    MAX,
    /** Average over the window, with a divisor chosen by {@link AvgDivisor}. */
    AVG
}
