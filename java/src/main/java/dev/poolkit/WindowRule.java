package dev.poolkit;

/** How a spec places the pooling windows along each spatial axis. */
public enum WindowRule {
    /** Kernel, stride, dilation and padding: output {@code o} covers taps {@code o*stride - padBegin + j*dilation}. */
    SLIDING,
    /** One window over all of each spatial axis: the output is 1 along every spatial axis. */
    GLOBAL,
    /**
     * A requested output size; bin {@code o} of {@code O} over {@code L} covers {@code [floor(o*L/O), ceil((o+1)*L/O))}
     * (PyTorch adaptive pooling: bins may overlap, {@code O > L} is allowed).
     */
    ADAPTIVE,
    /**
     * PyTorch fractional max pooling: windows of the kernel size placed pseudo-randomly from one sample per
     * (n, c) and axis, so the output size can be any fraction of the input.
     */
    FRACTIONAL
}
