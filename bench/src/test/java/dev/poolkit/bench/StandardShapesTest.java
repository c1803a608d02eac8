package dev.poolkit.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shapes in {@link StandardShapes} are those of the shared shapes.json, when that file is at hand. */
class StandardShapesTest {
    @Test
    void matchSharedShapes() throws Exception {
        Path file = Path.of(System.getProperty("poolkit.shapes", "../../shared/bench/shapes.json"));
        assumeTrue(Files.exists(file), "shapes.json not found at " + file);
        Matcher m = Pattern.compile(
                        "\\{\"name\":\\s*\"([^\"]+)\",\\s*\"op\":\\s*\"([^\"]+)\",\\s*\"input\":\\s*\\[([^]]*)\\]([^}]*)\\}")
                .matcher(Files.readString(file));
        int count = 0;
        while (m.find()) {
            count++;
            StandardShapes.Shape s = StandardShapes.byName(m.group(1));
            assertEquals(m.group(2), s.op(), s.name());
            assertArrayEquals(longs(m.group(3)), s.input(), s.name());
            Matcher k = Pattern.compile(
                            "\"kernel\":\\s*\\[([^]]*)\\].*\"stride\":\\s*\\[([^]]*)\\].*\"padding\":\\s*\\[([^]]*)\\]")
                    .matcher(m.group(4));
            if (k.find()) {
                assertArrayEquals(longs(k.group(1)), s.spec().kernel(), s.name());
                assertArrayEquals(longs(k.group(2)), s.spec().stride(), s.name());
                assertArrayEquals(longs(k.group(3)), s.spec().padBegin(), s.name());
            }
        }
        assertEquals(StandardShapes.ALL.size(), count);
    }

    private static long[] longs(String csv) {
        return Pattern.compile(",")
                .splitAsStream(csv)
                .map(String::trim)
                .mapToLong(Long::parseLong)
                .toArray();
    }
}
