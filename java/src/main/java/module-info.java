/**
 * poolkit: CNN pooling (max, min, average, LP, global, adaptive, fractional, unpooling and backward) on
 * caller-owned {@link java.lang.foreign.MemorySegment} tensors, by C/AVX kernels called through FFM or by a
 * plain Java implementation.
 *
 * <p>Only {@code dev.poolkit} is exported. The native library is called through restricted methods of
 * {@code java.lang.foreign}: run with {@code --enable-native-access=dev.poolkit} on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} on the class path.
 *
 * <pre>{@code
 * module my.app {
 *     requires dev.poolkit;
 * }
 * }</pre>
 */
module dev.poolkit {
    exports dev.poolkit;
}
