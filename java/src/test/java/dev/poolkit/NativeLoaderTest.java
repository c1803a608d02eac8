package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Loading and backend choice, each in a fresh JVM (the library loads once per JVM): the bundled library loads
 * from the jar's resources, a bad path falls back to Java with the reason, and the system properties choose
 * the backend and level.
 */
class NativeLoaderTest {

    /** Runs {@link Probe} in a new JVM with the test class path and returns its output lines. */
    private static List<String> probe(String... properties) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        for (String p : properties) command.add("-D" + p);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Probe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output.lines().toList();
    }

    /** Prints what a user would query. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("native=" + Pooling.nativeAvailable());
            System.out.println("reason=" + Pooling.nativeUnavailableReason().orElse(""));
            PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NHWC, 1, 3, 4, 4);
            System.out.println("backend=" + pool.backend());
            System.out.println("implementation=" + pool.implementation());
            float[] out = new float[12];
            float[] in = new float[48];
            for (int i = 0; i < in.length; i++) in[i] = i;
            pool.run(Tensor.of(in, Layout.NHWC, 1, 3, 4, 4), Tensor.of(out, Layout.NHWC, 1, 3, 2, 2));
            System.out.println("first=" + out[0]);
        }
    }

    @Test
    void bundledLibraryLoadsAndIsChosen() throws Exception {
        List<String> out = probe();
        assertTrue(out.contains("native=true"), out.toString());
        assertTrue(out.contains("backend=NATIVE"), out.toString());
        assertTrue(out.contains("first=15.0"), out.toString()); // max of channel 0 over pixels 0,1,4,5 = 5*3
    }

    @Test
    void missingLibraryFallsBackToJavaWithTheReason() throws Exception {
        List<String> out = probe("poolkit.library.path=/nonexistent/libpoolkit.so");
        assertTrue(out.contains("native=false"), out.toString());
        assertTrue(
                out.contains("reason=poolkit.library.path = /nonexistent/libpoolkit.so: no such file"), out.toString());
        assertTrue(out.contains("backend=JAVA"), out.toString());
        assertTrue(out.contains("first=15.0"), out.toString());
    }

    @Test
    void propertiesChooseBackendAndLevel() throws Exception {
        assertTrue(
                probe("poolkit.backend=java").contains("implementation=java:scalar")); // a JVM without the Vector API
        List<String> scalar = probe("poolkit.isa=scalar");
        assertTrue(scalar.contains("implementation=native:scalar"), scalar.toString());
        List<String> checked = probe("poolkit.backend=cross-check");
        assertTrue(
                checked.stream().anyMatch(l -> l.startsWith("implementation=cross-check(native:")), checked.toString());
    }
}
