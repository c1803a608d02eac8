package dev.poolkit.internal;

import dev.poolkit.internal.ffi.PoolkitFFI;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads libpoolkit once: from the path in system property {@value #PATH_PROPERTY} when set, else from the copy
 * bundled in the jar under {@code dev/poolkit/native/<os>-<arch>/}. The library must report the ABI version
 * of the bindings. Any failure leaves native code unavailable with a reason instead of failing the caller.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "poolkit.library.path";

    private static final String FAILURE = load();

    private NativeLibrary() {}

    /** Null when the library loaded, else why not. */
    public static String loadFailure() {
        return FAILURE;
    }

    /** {@code linux-x86_64}, {@code linux-aarch64}, ...: where the jar keeps this platform's library. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        os = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "darwin" : os.startsWith("windows") ? "windows" : os;
        arch = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return os + "-" + arch;
    }

    private static String load() {
        try {
            String override = System.getProperty(PATH_PROPERTY);
            if (override != null && !override.isBlank()) {
                Path path = Path.of(override).toAbsolutePath();
                if (!Files.isRegularFile(path)) {
                    return PATH_PROPERTY + " = " + override + ": no such file";
                }
                System.load(path.toString());
            } else {
                String resource = "/dev/poolkit/native/" + platform() + "/" + System.mapLibraryName("poolkit");
                try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return "no native library for " + platform() + " in the jar (" + resource + "); build from source or set "
                                + PATH_PROPERTY;
                    }
                    Path copy = Files.createTempFile("libpoolkit-", ".so");
                    try {
                        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                        System.load(copy.toString());
                    } finally {
                        Files.deleteIfExists(copy); // the mapping stays valid once loaded
                    }
                }
            }
            int abi = PoolkitFFI.pk_abi_version();
            if (abi != PoolkitFFI.PK_ABI_VERSION()) {
                return "library ABI version " + abi + " does not match the bindings' " + PoolkitFFI.PK_ABI_VERSION();
            }
            return null;
        } catch (IOException | RuntimeException | LinkageError e) {
            return "loading failed: " + e;
        }
    }
}
