package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolkit.internal.NativeLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What poolkit says about itself, each case in a fresh JVM: the one log line when native code is not used and
 * why (a directory, a file that is no shared library, a library lacking a function), the debug line of each
 * prepared operation, and the validation of {@code POOLKIT_MAX_ISA} and of the system properties.
 */
class DiagnosticsTest {
    @TempDir
    Path dir;

    /** Prints what a user would see; the log goes to standard error, merged with the output. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("native=" + Pooling.nativeAvailable());
            System.out.println("reason=" + Pooling.nativeUnavailableReason().orElse(""));
            try {
                PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NHWC, 1, 3, 4, 4);
                System.out.println("implementation=" + pool.implementation());
            } catch (IllegalArgumentException e) {
                System.out.println("prepare failed: " + e.getMessage());
            }
        }
    }

    private static List<String> probe(Map<String, String> environment, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Probe.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("POOLKIT_MAX_ISA");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output.lines().toList();
    }

    private static void assertLine(List<String> lines, String start) {
        assertTrue(
                lines.stream().anyMatch(l -> l.startsWith(start)),
                "no line starting with \"" + start + "\" in\n" + String.join("\n", lines));
    }

    private static long count(List<String> lines, String part) {
        return lines.stream().filter(l -> l.contains(part)).count();
    }

    @Test
    void directoryAsLibraryIsNamedAndLoggedOnce() throws Exception {
        List<String> out = probe(Map.of(), "-Dpoolkit.library.path=" + dir);
        assertLine(out, "reason=poolkit.library.path = " + dir + ": is a directory, not a library file");
        assertEquals(
                1,
                count(
                        out,
                        "poolkit: native library not used, pooling runs on the Java backend: poolkit.library.path = "
                                + dir + ": is a directory"),
                String.join("\n", out));
        assertLine(out, "implementation=java");
    }

    @Test
    void fileOfTheWrongTypeIsNamed() throws Exception {
        Path text = Files.writeString(dir.resolve("libpoolkit.so"), "not a library\n");
        assertLine(
                probe(Map.of(), "-Dpoolkit.library.path=" + text),
                "reason=poolkit.library.path = " + text
                        + ": not an ELF shared library (14 bytes, starting with \"not a li\")");
        Path relocatable = dir.resolve("object.o");
        Files.write(relocatable, elfHeader(1, 62)); // ET_REL
        assertLine(
                probe(Map.of(), "-Dpoolkit.library.path=" + relocatable),
                "reason=poolkit.library.path = " + relocatable + ": an ELF file of type 1, not a shared library");
        Path arm = dir.resolve("arm.so");
        Files.write(arm, elfHeader(3, 183));
        if (NativeLibrary.platform().equals("linux-x86_64")) {
            assertLine(
                    probe(Map.of(), "-Dpoolkit.library.path=" + arm),
                    "reason=poolkit.library.path = " + arm + ": an ELF library for machine 183, not for x86_64");
        }
        assertLine(probe(Map.of(), "-Dpoolkit.library.path="), "reason=poolkit.library.path = \"\": empty");
    }

    /** The first 64 bytes of a little-endian 64-bit ELF file of this type and machine. */
    private static byte[] elfHeader(int type, int machine) {
        byte[] h = new byte[64];
        h[0] = 0x7F;
        h[1] = 'E';
        h[2] = 'L';
        h[3] = 'F';
        h[4] = 2;
        h[5] = 1;
        h[6] = 1;
        h[16] = (byte) type;
        h[18] = (byte) machine;
        h[19] = (byte) (machine >> 8);
        return h;
    }

    @Test
    void libraryLackingAFunctionIsNamed() throws Exception {
        assumeTrue(NativeLibrary.platform().startsWith("linux-"), "a Linux shared library is built here");
        List<String> functions = NativeLibrary.boundFunctions();
        assertTrue(functions.contains("pk_pool_run_f32") && functions.contains("pk_abi_version"), functions.toString());
        StringBuilder c = new StringBuilder();
        for (String f : functions)
            if (!f.equals("pk_pool_run_f32")) c.append("int ").append(f).append("(void) { return 0; }\n");
        Path source = Files.writeString(dir.resolve("stub.c"), c), library = dir.resolve("libstub.so");
        Process gcc;
        try {
            gcc = new ProcessBuilder("cc", "-shared", "-fPIC", "-o", library.toString(), source.toString())
                    .inheritIO()
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "no C compiler: " + e.getMessage());
            return;
        }
        assertEquals(0, gcc.waitFor());
        List<String> out = probe(Map.of(), "-Dpoolkit.library.path=" + library);
        assertLine(out, "reason=" + library + " lacks pk_pool_run_f32, which the bindings call");
        assertLine(out, "implementation=java");
    }

    @Test
    void maxIsaIsValidated() throws Exception {
        List<String> garbage = probe(Map.of("POOLKIT_MAX_ISA", "garbage"));
        assertLine(
                garbage,
                "prepare failed: environment variable POOLKIT_MAX_ISA = \"garbage\": expected scalar, avx2 or avx512");
        assertTrue(
                count(garbage, "WARNING: poolkit: environment variable POOLKIT_MAX_ISA = \"garbage\"") == 1,
                String.join("\n", garbage));
        List<String> upper = probe(Map.of("POOLKIT_MAX_ISA", "SCALAR"));
        assertLine(upper, Pooling.nativeAvailable() ? "implementation=native:scalar" : "implementation=java");
    }

    @Test
    void propertiesAreValidated() throws Exception {
        assertTrue(
                count(probe(Map.of(), "-Dpoolkit.isa=avx3"), "poolkit.isa = \"avx3\": expected scalar, avx2 or avx512")
                        == 1);
        List<String> typo = probe(Map.of(), "-Dpoolkit.librarypath=/tmp/x.so");
        assertEquals(
                1,
                count(
                        typo,
                        "poolkit: unknown system properties ignored: poolkit.librarypath (known: poolkit.backend, poolkit.isa,"
                                + " poolkit.library.path, poolkit.java.vector)"),
                String.join("\n", typo));
    }

    @Test
    void debugLevelNamesLevelAndVariantOfEachPreparedOperation() throws Exception {
        Path config = Files.writeString(dir.resolve("logging.properties"), """
                handlers = java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level = FINE
                dev.poolkit.level = FINE
                """);
        List<String> out = probe(Map.of(), "-Djava.util.logging.config.file=" + config);
        String level = Pooling.nativeAvailable() ? "level " + Pooling.cpuIsa() + " (default)" : "level none (Java)";
        assertTrue(
                out.stream()
                        .anyMatch(l -> l.contains("poolkit: prepared ")
                                && l.contains("NHWC[1, 3, 4, 4] -> [1, 3, 2, 2]")
                                && l.contains("; " + level + "; variant dense tensors")),
                String.join("\n", out));
        assertTrue(
                probe(Map.of()).stream().noneMatch(l -> l.contains("poolkit: prepared")),
                "debug lines only at debug level");
    }
}
