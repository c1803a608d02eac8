package dev.poolkit;

/**
 * A failure reported by a backend: a native status (which the Java validation should have prevented, so it
 * points at a bug) or a cross-check mismatch between the native and Java results.
 */
public final class PoolingException extends RuntimeException {
    private final int status;

    public PoolingException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The native status code ({@code PK_ERR_*}), or 0 for a cross-check mismatch. */
    public int status() {
        return status;
    }
}
