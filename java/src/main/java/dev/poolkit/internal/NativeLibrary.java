package dev.poolkit.internal;

import dev.poolkit.internal.ffi.PoolkitFFI;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.SymbolLookup;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Loads libpoolkit once: from the path in system property {@value #PATH_PROPERTY} when set, else from the copy
 * bundled in the jar under {@code dev/poolkit/native/<os>-<arch>/}. The library must report the ABI version
 * of the bindings. Any failure leaves native code unavailable with a reason instead of failing the caller: a
 * path that is a directory or not a shared library for this platform (checked from its ELF header before the
 * JVM loads it), or a library that lacks a function the bindings call (named).
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
        os = os.startsWith("linux")
                ? "linux"
                : os.startsWith("mac") ? "darwin" : os.startsWith("windows") ? "windows" : os;
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
            Path library;
            if (override != null) {
                if (override.isBlank()) {
                    return PATH_PROPERTY + " = \"" + override
                            + "\": empty; unset it to load the library bundled in the jar";
                }
                library = Path.of(override).toAbsolutePath();
                String problem = checkFile(library);
                if (problem != null) return PATH_PROPERTY + " = " + override + ": " + problem;
                System.load(library.toString());
            } else {
                String resource = "/dev/poolkit/native/" + platform() + "/" + System.mapLibraryName("poolkit");
                try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return "no native library for " + platform() + " in the jar (" + resource
                                + "); build from source or set " + PATH_PROPERTY;
                    }
                    Path copy = Files.createTempFile("libpoolkit-", ".so");
                    try {
                        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                        String problem = checkFile(copy);
                        if (problem != null) return "the library bundled in the jar (" + resource + "): " + problem;
                        System.load(copy.toString());
                    } finally {
                        Files.deleteIfExists(copy); // the mapping stays valid once loaded
                    }
                    library = Path.of(resource);
                }
            }
            List<String> missing = missingSymbols(SymbolLookup.loaderLookup());
            if (!missing.isEmpty()) {
                return library + " lacks " + String.join(", ", missing)
                        + ", which the bindings call: it was built from another" + " version of poolkit.h";
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

    /**
     * The native functions the generated bindings call: jextract gives each one a holder class named after the
     * function, with its address in a field {@code ADDR}, resolved when the function is first called.
     */
    public static List<String> boundFunctions() {
        List<String> names = new ArrayList<>();
        for (Class<?> holder : PoolkitFFI.class.getDeclaredClasses()) {
            if (Arrays.stream(holder.getDeclaredFields())
                    .anyMatch(f -> f.getName().equals("ADDR") && Modifier.isStatic(f.getModifiers()))) {
                names.add(holder.getSimpleName());
            }
        }
        names.sort(null);
        return names;
    }

    /** The bound functions {@code lookup} does not find, in name order. */
    static List<String> missingSymbols(SymbolLookup lookup) {
        return boundFunctions().stream()
                .filter(name -> lookup.find(name).isEmpty())
                .toList();
    }

    /** Why {@code file} cannot be this platform's shared library, from its ELF header; null when it may be. */
    static String checkFile(Path file) throws IOException {
        if (Files.isDirectory(file)) return "is a directory, not a library file";
        if (!Files.exists(file)) return "no such file";
        if (!Files.isRegularFile(file)) return "not a regular file";
        if (!Files.isReadable(file)) return "not readable";
        if (!platform().startsWith("linux-")) return null; // other formats are left to the JVM's loader
        ByteBuffer header = ByteBuffer.allocate(20);
        try (FileChannel channel = FileChannel.open(file)) {
            while (header.hasRemaining() && channel.read(header) >= 0) {}
        }
        header.flip();
        if (header.limit() < 20 || header.getInt(0) != 0x7F454C46) {
            return "not an ELF shared library (" + Files.size(file) + " bytes, starting with " + preview(header) + ")";
        }
        int elfClass = header.get(4), data = header.get(5);
        ByteOrder order = data == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int type = header.order(order).getShort(16) & 0xFFFF, machine = header.getShort(18) & 0xFFFF;
        if (type != 3) return "an ELF file of type " + type + ", not a shared library (type 3, ET_DYN)";
        String arch = platform().substring("linux-".length());
        int expected = switch (arch) {
            case "x86_64" -> 62;
            case "aarch64" -> 183;
            default -> -1;
        };
        if (expected >= 0 && (machine != expected || elfClass != 2)) {
            return "an ELF library for machine " + machine + (elfClass == 1 ? " (32-bit)" : "") + ", not for " + arch
                    + " (machine " + expected + ", 64-bit)";
        }
        return null;
    }

    private static String preview(ByteBuffer header) {
        StringBuilder text = new StringBuilder("\"");
        for (int i = 0; i < Math.min(8, header.limit()); i++) {
            int b = header.get(i) & 0xFF;
            text.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return text.append('"').toString();
    }
}
