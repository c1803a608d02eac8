package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the JDK's own {@code javac} and {@code java} (the JDK running the tests) as a consumer of the library would. */
final class JdkTools {
    private JdkTools() {}

    /** Exit status and the merged standard output and error of a tool. */
    record Result(int exit, String output) {}

    /** The compiled main classes (with the module descriptor and, when built, the native library). */
    static Path mainClasses() {
        String dir = System.getProperty("test.poolkit.classes");
        return Path.of(dir != null ? dir : "target/classes").toAbsolutePath();
    }

    static Path readme() {
        String file = System.getProperty("test.poolkit.readme");
        return Path.of(file != null ? file : "../README.md").toAbsolutePath();
    }

    static Result run(String tool, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    static Result javac(String... arguments) throws IOException, InterruptedException {
        return run("javac", List.of(arguments));
    }

    static Result java(String... arguments) throws IOException, InterruptedException {
        return run("java", List.of(arguments));
    }

    static String succeed(Result result, String what) {
        assertEquals(0, result.exit(), what + " failed:\n" + result.output());
        return result.output();
    }

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }
}
