package dev.poolkit;

/**
 * A failure reported by a backend: bad data that only a run can see (an index outside its tensor, two values
 * unpooled to one position), a native status the Java validation should have prevented (a bug), or a
 * cross-check mismatch between the native and Java results. Both backends report bad data with the same status.
 */
public final class PoolingException extends RuntimeException {
    /** The native status code ({@code PK_ERR_*}), or 0 for a cross-check mismatch. */
    private final int status;

    /**
     * A failure with its native status.
     *
     * @param message what went wrong, naming the tensor and element
     * @param status the native status code ({@code PK_ERR_*}), or 0 for a cross-check mismatch
     */
    public PoolingException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** Status of an index outside its tensor ({@code PK_ERR_INVALID_INDEX}). */
    public static final int INVALID_INDEX = 18;
    /** Status of two different values sent to one position ({@code PK_ERR_CONFLICTING_INDEX}). */
    public static final int CONFLICTING_INDEX = 19;

    /**
     * The native status code.
     *
     * @return {@code PK_ERR_*}, or 0 for a cross-check mismatch
     */
    public int status() {
        return status;
    }
}
