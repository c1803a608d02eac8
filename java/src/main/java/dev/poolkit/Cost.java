package dev.poolkit;

/**
 * What one run of an operation costs: bytes it must read and write (each input element once, each output
 * element and index once) and arithmetic operations (one compare or add per window tap, one divide per
 * average output).
 */
public record Cost(long bytesRead, long bytesWritten, long operations) {
    public long bytesMoved() {
        return bytesRead + bytesWritten;
    }

    /** Operations per byte moved: far below 1 for pooling, which is bound by memory bandwidth. */
    public double arithmeticIntensity() {
        return (double) operations / bytesMoved();
    }
}
