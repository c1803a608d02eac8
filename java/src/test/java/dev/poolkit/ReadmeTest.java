package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java blocks work as written. A block is either compiled and run as the body of a method (its
 * imports hoisted), against the library and the test dependencies, or, when the line before it is
 * {@code <!-- copied from PATH -->}, found line by line, in order, in that compiled source file.
 */
class ReadmeTest {
    @TempDir
    Path dir;

    private static final Pattern BLOCK =
            Pattern.compile("(?:<!-- copied from (\\S+) -->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);

    record Block(int index, String copiedFrom, String code) {
        boolean isModuleDescriptor() {
            return code.lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("//"))
                    .findFirst()
                    .orElse("")
                    .startsWith("module ");
        }
    }

    static List<Block> blocks() throws IOException {
        Matcher m = BLOCK.matcher(Files.readString(JdkTools.readme()));
        List<Block> blocks = new ArrayList<>();
        while (m.find()) blocks.add(new Block(blocks.size(), m.group(1), m.group(2)));
        return blocks;
    }

    /** The README's example module descriptor (the modular consumer test compiles it). */
    static String moduleDescriptorFromReadme() throws IOException {
        return blocks().stream()
                .filter(Block::isModuleDescriptor)
                .findFirst()
                .orElseThrow()
                .code();
    }

    @Test
    void javaBlocksCompileAndRun() throws Exception {
        List<Block> blocks = blocks();
        StringBuilder imports = new StringBuilder(), methods = new StringBuilder(), calls = new StringBuilder();
        int compiled = 0;
        for (Block b : blocks) {
            if (b.copiedFrom() != null || b.isModuleDescriptor()) continue;
            StringBuilder body = new StringBuilder();
            for (String line : b.code().lines().toList()) {
                if (line.startsWith("import ")) imports.append(line).append('\n');
                else body.append(line).append('\n');
            }
            methods.append("static void block")
                    .append(b.index())
                    .append("() throws Exception {\n")
                    .append(body)
                    .append("}\n");
            calls.append("block")
                    .append(b.index())
                    .append("();\nSystem.out.println(\"block ")
                    .append(b.index())
                    .append(" ran\");\n");
            compiled++;
        }
        assertTrue(compiled >= 2, "the README shows runnable Java: " + compiled + " blocks");
        String source = imports + "\npublic class ReadmeBlocks {\n" + methods
                + "public static void main(String[] args) throws Exception {\n" + calls + "}\n}\n";
        Path file = JdkTools.write(dir.resolve("ReadmeBlocks.java"), source);
        String classPath = System.getProperty("java.class.path");
        JdkTools.succeed(
                JdkTools.javac("-cp", classPath, "-d", dir.toString(), file.toString()),
                "javac of the README's blocks\n" + source);
        String output = JdkTools.succeed(
                JdkTools.java(
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        dir + File.pathSeparator + classPath,
                        "ReadmeBlocks"),
                "running the README's blocks");
        assertEquals(
                compiled,
                output.lines().filter(l -> l.matches("block \\d+ ran")).count(),
                output);
    }

    @Test
    void copiedBlocksMatchTheirCompiledSource() throws Exception {
        Path root = JdkTools.readme().getParent();
        List<Block> copied =
                blocks().stream().filter(b -> b.copiedFrom() != null).toList();
        assertTrue(
                copied.size() >= 3, "the interop examples are copied from their tests: " + copied.size() + " blocks");
        for (Block b : copied) {
            List<String> source = Files.readAllLines(root.resolve(b.copiedFrom())).stream()
                    .map(String::strip)
                    .toList();
            int at = 0;
            for (String line : b.code()
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList()) {
                int found = source.subList(at, source.size()).indexOf(line);
                assertFalse(
                        found < 0,
                        "README block " + b.index() + ": \"" + line + "\" is not in " + b.copiedFrom() + " (after line "
                                + at + ")");
                at += found + 1;
            }
        }
    }
}
