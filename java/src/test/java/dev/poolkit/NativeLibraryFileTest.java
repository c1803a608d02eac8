package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.poolkit.internal.NativeLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The bundled native library as users get it, read with binutils' {@code readelf}: it needs no glibc symbol
 * version newer than 2.17 (so it loads on RHEL 7 and 8, Amazon Linux 2, Debian 11), exports the pk_* ABI only
 * and carries no symbol table or debug information.
 */
class NativeLibraryFileTest {
    private static final int[] NEWEST_GLIBC = {2, 17};

    private static Path bundledLibrary() {
        Path library =
                JdkTools.mainClasses().resolve("dev/poolkit/native/" + NativeLibrary.platform() + "/libpoolkit.so");
        assumeTrue(Files.isRegularFile(library), "the native library is built into " + library.getParent());
        return library;
    }

    private static String readelf(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("readelf", "-W"));
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "readelf (binutils) is needed: " + e.getMessage());
            throw e;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    /** True when version {@code a} (dotted) is newer than {@code limit}. */
    static boolean newer(String a, int[] limit) {
        String[] parts = a.split("\\.");
        for (int i = 0; i < Math.max(parts.length, limit.length); i++) {
            int x = i < parts.length ? Integer.parseInt(parts[i]) : 0, y = i < limit.length ? limit[i] : 0;
            if (x != y) return x > y;
        }
        return false;
    }

    @Test
    void versionComparison() {
        assertTrue(newer("2.34", NEWEST_GLIBC));
        assertTrue(newer("2.17.1", NEWEST_GLIBC));
        assertFalse(newer("2.17", NEWEST_GLIBC));
        assertFalse(newer("2.2.5", NEWEST_GLIBC));
        assertFalse(newer("2.14", NEWEST_GLIBC));
    }

    @Test
    void needsNoGlibcNewerThan217() throws Exception {
        String symbols = readelf("--dyn-syms", bundledLibrary().toString());
        Matcher m = Pattern.compile("(\\S+)@GLIBC_([0-9.]+)").matcher(symbols);
        TreeSet<String> tooNew = new TreeSet<>(), all = new TreeSet<>();
        while (m.find()) {
            all.add(m.group(1) + "@GLIBC_" + m.group(2));
            if (newer(m.group(2), NEWEST_GLIBC)) tooNew.add(m.group(1) + "@GLIBC_" + m.group(2));
        }
        assertFalse(all.isEmpty(), "no versioned glibc symbol found: is readelf's output as expected?\n" + symbols);
        assertTrue(tooNew.isEmpty(), "symbols need a glibc newer than 2.17: " + tooNew);
        // the version requirements (.gnu.version_r) agree with the symbols
        Matcher needed = Pattern.compile("Name: GLIBC_([0-9.]+)")
                .matcher(readelf("--version-info", bundledLibrary().toString()));
        while (needed.find()) assertFalse(newer(needed.group(1), NEWEST_GLIBC), "needs GLIBC_" + needed.group(1));
    }

    @Test
    void exportsTheAbiOnlyAndIsStripped() throws Exception {
        Path library = bundledLibrary();
        List<String> defined = readelf("--dyn-syms", library.toString())
                .lines()
                .map(String::trim)
                .filter(l -> l.matches("\\d+:.*"))
                .map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 8 && !f[6].equals("UND") && (f[3].equals("FUNC") || f[3].equals("OBJECT")))
                .map(f -> f[7])
                .toList();
        assertFalse(defined.isEmpty());
        assertTrue(defined.stream().allMatch(s -> s.startsWith("pk_")), "exports besides pk_*: " + defined);
        assertTrue(defined.containsAll(NativeLibrary.boundFunctions()), "exports " + defined);
        String sections = readelf("--sections", library.toString());
        assertFalse(sections.contains(".symtab"), "a symbol table is shipped");
        assertFalse(sections.contains(".debug_"), "debug information is shipped");
    }
}
