package dev.poolkit;

/**
 * What one run of an operation costs: bytes it must read and write (each input element once, each output
 * element and index once) and arithmetic operations (one compare or add per window tap, one divide per
 * average output).
 *
 * @param bytesRead bytes of input read
 * @param bytesWritten bytes of output and indices written
 * @param operations compares, adds, powers and divides
 */
public record Cost(long bytesRead, long bytesWritten, long operations) {
    /**
     * Bytes read and written.
     *
     * @return {@code bytesRead + bytesWritten}
     */
    public long bytesMoved() {
        return bytesRead + bytesWritten;
    }

    /**
     * Operations per byte moved: far below 1 for pooling, which is bound by memory bandwidth.
     *
     * @return {@code operations / bytesMoved()}
     */
    public double arithmeticIntensity() {
        return (double) operations / bytesMoved();
    }
}
