package dev.poolkit.internal;

import dev.poolkit.IndexFormat;

/**
 * The index formats of max and min pooling over one tensor's sizes: from a position (n, c, plane offset) to an
 * index and back. The Java mirror of the native {@code pool-index.h}.
 *
 * @param size spatial sizes d, h, w (1 for the axes the rank lacks)
 */
public record IndexSpace(IndexFormat format, long batch, long channels, long[] size, int rank) {
    public long planeSize() {
        return size[0] * size[1] * size[2];
    }

    /** The index of the element at plane offset {@code p} (row-major d, h, w) of (n, c). */
    public long encode(long n, long c, long p) {
        long plane = planeSize();
        return switch (format) {
            case PLANE -> p;
            case FLAT_ROW_MAJOR -> (n * channels + c) * plane + p;
            case FLAT_COLUMN_MAJOR -> {
                long w = p % size[2], h = p / size[2] % size[1], d = p / size[2] / size[1];
                long column = rank == 3 ? (w * size[1] + h) * size[0] + d : rank == 2 ? w * size[1] + h : w;
                yield (n * channels + c) * plane + column;
            }
            case CHANNELS_LAST -> p * channels + c;
            case CHANNELS_LAST_BATCH -> (n * plane + p) * channels + c;
        };
    }

    /**
     * The position {n, c, plane offset} an index names, for a value that came from (n, c); null when the index lies
     * outside the tensor.
     */
    public long[] decode(long n, long c, long index) {
        long plane = planeSize();
        if (index < 0) return null;
        switch (format) {
            case PLANE -> {
                return index < plane ? new long[] {n, c, index} : null;
            }
            case FLAT_ROW_MAJOR, FLAT_COLUMN_MAJOR -> {
                if (index / plane >= batch * channels) return null;
                long q = index % plane;
                if (format == IndexFormat.FLAT_COLUMN_MAJOR) {
                    long d = 0, h = 0, w;
                    if (rank == 3) {
                        d = q % size[0];
                        h = q / size[0] % size[1];
                        w = q / size[0] / size[1];
                    } else if (rank == 2) {
                        h = q % size[1];
                        w = q / size[1];
                    } else w = q;
                    q = (d * size[1] + h) * size[2] + w;
                }
                return new long[] {index / plane / channels, index / plane % channels, q};
            }
            case CHANNELS_LAST -> {
                return index / channels < plane ? new long[] {n, index % channels, index / channels} : null;
            }
            default -> {
                return index / channels / plane < batch
                        ? new long[] {index / channels / plane, index % channels, index / channels % plane}
                        : null;
            }
        }
    }
}
