package dev.poolkit;

/**
 * Memory layout of a tensor, for every spatial rank. Shapes are always given in logical order
 * {@code [N, C, spatial...]} (outermost spatial axis first); the layout says how they are stored.
 */
public enum Layout {
    /** Channels first: NCW, NCHW, NCDHW. */
    NCHW,
    /** Channels last: NWC, NHWC, NDHWC. */
    NHWC
}
