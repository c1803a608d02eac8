package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer module, compiled and run on the module path against the built library module: {@code requires
 * dev.poolkit} resolves, the exported package works with native access granted to the module, and the internal
 * packages (the façade's internals and the generated bindings) cannot be reached.
 */
class ModularConsumerTest {
    @TempDir
    Path dir;

    private static final String APP = """
            package com.example.app;

            import dev.poolkit.Layout;
            import dev.poolkit.PoolSpec;
            import dev.poolkit.Pooling;
            import dev.poolkit.PreparedPool;
            import dev.poolkit.Tensor;

            public class Main {
                public static void main(String[] args) {
                    PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NCHW, 1, 1, 4, 4);
                    float[] in = new float[16];
                    for (int i = 0; i < in.length; i++) in[i] = i;
                    float[] out = new float[4];
                    pool.run(Tensor.of(in, Layout.NCHW, 1, 1, 4, 4), Tensor.of(out, Layout.NCHW, 1, 1, 2, 2));
                    System.out.println("module=" + Pooling.class.getModule().getName());
                    System.out.println("native=" + Pooling.nativeAvailable());
                    System.out.println("out=" + java.util.Arrays.toString(out));
                }
            }
            """;

    @Test
    void requiresTheModuleAndRunsOnTheModulePath() throws Exception {
        Path src = dir.resolve("src"), out = dir.resolve("out");
        JdkTools.write(src.resolve("module-info.java"), ReadmeTest.moduleDescriptorFromReadme());
        JdkTools.write(src.resolve("com/example/app/Main.java"), APP);
        String modulePath = JdkTools.mainClasses().toString();
        JdkTools.succeed(
                JdkTools.javac(
                        "--module-path",
                        modulePath,
                        "-d",
                        out.toString(),
                        src.resolve("module-info.java").toString(),
                        src.resolve("com/example/app/Main.java").toString()),
                "javac");

        String output = JdkTools.succeed(
                JdkTools.java(
                        "--enable-native-access=dev.poolkit",
                        "--module-path",
                        modulePath + File.pathSeparator + out,
                        "-m",
                        "com.example.app/com.example.app.Main"),
                "java");
        List<String> lines = output.lines().toList();
        assertTrue(lines.contains("module=dev.poolkit"), output);
        // 2x2 max of 0..15 in a 4x4 plane: the bottom-right corner of each window
        assertTrue(lines.contains("out=[5.0, 7.0, 13.0, 15.0]"), output);
        assertFalse(
                output.contains("restricted method"), "native access granted to the module, no warning:\n" + output);
        assertTrue(lines.contains("native=" + Pooling.nativeAvailable()), output);
    }

    private static final String JAVA_APP = """
            package com.example.app;

            import dev.poolkit.Backend;
            import dev.poolkit.Layout;
            import dev.poolkit.PoolSpec;
            import dev.poolkit.Pooling;
            import dev.poolkit.PreparedPool;
            import dev.poolkit.Tensor;

            public class Main {
                public static void main(String[] args) {
                    PreparedPool pool = Pooling.prepare(PoolSpec.max(2, 2).build(), Layout.NCHW, new long[] {1, 1, 4, 4}, Backend.JAVA, null);
                    float[] in = new float[16];
                    for (int i = 0; i < in.length; i++) in[i] = i;
                    float[] out = new float[4];
                    pool.run(Tensor.of(in, Layout.NCHW, 1, 1, 4, 4), Tensor.of(out, Layout.NCHW, 1, 1, 2, 2));
                    System.out.println("implementation=" + pool.implementation());
                    System.out.println("out=" + java.util.Arrays.toString(out));
                }
            }
            """;

    /** The module reads the Vector API's module when the JVM has it (module-info does not name it), and runs without it. */
    @Test
    void javaBackendTakesTheVectorApiOnTheModulePathOnlyWhenPresent() throws Exception {
        Path src = dir.resolve("src"), out = dir.resolve("out");
        JdkTools.write(src.resolve("module-info.java"), ReadmeTest.moduleDescriptorFromReadme());
        JdkTools.write(src.resolve("com/example/app/Main.java"), JAVA_APP);
        String modulePath = JdkTools.mainClasses().toString();
        JdkTools.succeed(
                JdkTools.javac(
                        "--module-path",
                        modulePath,
                        "-d",
                        out.toString(),
                        src.resolve("module-info.java").toString(),
                        src.resolve("com/example/app/Main.java").toString()),
                "javac");
        for (boolean vector : new boolean[] {false, true}) {
            List<String> arguments = new java.util.ArrayList<>(List.of("--enable-native-access=dev.poolkit"));
            if (vector) arguments.add("--add-modules=jdk.incubator.vector");
            arguments.addAll(List.of(
                    "--module-path",
                    modulePath + File.pathSeparator + out,
                    "-m",
                    "com.example.app/com.example.app.Main"));
            String output = JdkTools.succeed(JdkTools.java(arguments.toArray(String[]::new)), "java");
            List<String> lines = output.lines().toList();
            assertTrue(lines.contains("implementation=java:" + (vector ? "vector" : "scalar")), output);
            assertTrue(lines.contains("out=[5.0, 7.0, 13.0, 15.0]"), output);
        }
    }

    @Test
    void internalPackagesAreNotExported() throws Exception {
        for (String internal : List.of("dev.poolkit.internal.NativeLibrary", "dev.poolkit.internal.ffi.PoolkitFFI")) {
            Path src = dir.resolve(internal.replace('.', '_')), out = src.resolve("out");
            JdkTools.write(src.resolve("module-info.java"), "module com.example.peek { requires dev.poolkit; }\n");
            JdkTools.write(
                    src.resolve("com/example/peek/Peek.java"),
                    "package com.example.peek;\npublic class Peek { Class<?> c = " + internal + ".class; }\n");
            JdkTools.Result result = JdkTools.javac(
                    "--module-path",
                    JdkTools.mainClasses().toString(),
                    "-d",
                    out.toString(),
                    src.resolve("module-info.java").toString(),
                    src.resolve("com/example/peek/Peek.java").toString());
            assertNotEquals(0, result.exit(), internal + " compiled from another module");
            assertTrue(result.output().contains("does not export"), result.output());
        }
    }

    @Test
    void descriptorExportsOnlyTheApi() {
        Module module = Pooling.class.getModule();
        // the tests run on the class path: read the descriptor the build produced
        var descriptor = ModuleLayer.boot()
                .configuration()
                .resolve(
                        java.lang.module.ModuleFinder.of(JdkTools.mainClasses()),
                        java.lang.module.ModuleFinder.of(),
                        List.of("dev.poolkit"))
                .findModule("dev.poolkit")
                .orElseThrow()
                .reference()
                .descriptor();
        assertEquals(
                List.of("dev.poolkit"),
                descriptor.exports().stream().map(e -> e.source()).sorted().toList());
        assertTrue(descriptor.exports().stream().noneMatch(java.lang.module.ModuleDescriptor.Exports::isQualified));
        assertFalse(module.isNamed(), "white-box tests run on the class path");
    }
}
