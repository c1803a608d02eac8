package dev.poolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.poolkit.internal.ffi.PoolkitFFI;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The committed jextract bindings agree with native/include/poolkit.h: every function, struct field and constant
 * of the header has a binding of the same signature, layout or value. When this fails, the header changed: run
 * java/jextract/regen.sh where jextract is installed and commit the result with the header.
 */
class BindingsTest {
    private static final Path HEADER = Path.of("..", "native", "include", "poolkit.h");
    private static final String REGENERATE = ": regenerate the bindings with java/jextract/regen.sh";

    private static String header() throws IOException {
        // drop comments, join lines
        return Files.readString(HEADER).replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
    }

    private static Class<?> carrier(String cType) {
        String t = cType.replace("const", "").trim();
        if (t.endsWith("*")) return MemorySegment.class;
        return switch (t) {
            case "int32_t" -> int.class;
            case "int64_t" -> long.class;
            case "float" -> float.class;
            case "double" -> double.class;
            default ->
                throw new IllegalStateException(
                        "type " + cType + " is not part of the portable ABI (fixed-width types only)");
        };
    }

    @Test
    void everyFunctionHasABindingWithTheSameSignature() throws Exception {
        Matcher m = Pattern.compile("PK_API\\s+([\\w\\s\\*]+?)\\s*\\b(pk_\\w+)\\s*\\(([^)]*)\\)\\s*;")
                .matcher(header());
        List<String> functions = new ArrayList<>();
        while (m.find()) {
            String name = m.group(2);
            functions.add(name);
            Method descriptorMethod;
            try {
                descriptorMethod = PoolkitFFI.class.getMethod(name + "$descriptor");
            } catch (NoSuchMethodException e) {
                fail(name + " is declared in the header but has no binding" + REGENERATE);
                return;
            }
            FunctionDescriptor d = (FunctionDescriptor) descriptorMethod.invoke(null);
            String returnType = m.group(1).trim();
            if (returnType.equals("void")) {
                assertTrue(d.returnLayout().isEmpty(), name + " return type" + REGENERATE);
            } else {
                assertEquals(
                        carrier(returnType),
                        ((ValueLayout) d.returnLayout().orElseThrow()).carrier(),
                        name + " return type" + REGENERATE);
            }
            List<Class<?>> expected = new ArrayList<>();
            String params = m.group(3).trim();
            if (!params.equals("void") && !params.isEmpty()) {
                for (String p : params.split(",")) {
                    String type = p.trim().replaceAll("\\b\\w+$", "").trim(); // drop the parameter name
                    expected.add(carrier(type));
                }
            }
            List<Class<?>> actual = new ArrayList<>();
            for (MemoryLayout l : d.argumentLayouts()) actual.add(((ValueLayout) l).carrier());
            assertEquals(expected, actual, name + " parameters" + REGENERATE);
        }
        assertTrue(
                functions.containsAll(List.of(
                                "pk_pool_forward_f32", "pk_pool_plan_size", "pk_pool_prepare", "pk_pool_run_f32"))
                        && functions.size() >= 11,
                "header parsing found only " + functions);
        // and no binding is left over from a function the header no longer declares
        for (Method method : PoolkitFFI.class.getDeclaredMethods()) {
            if (method.getName().endsWith("$descriptor")) {
                String name = method.getName().replace("$descriptor", "");
                assertTrue(functions.contains(name), name + " has a binding but is not in the header" + REGENERATE);
            }
        }
    }

    @Test
    void everyStructFieldHasTheSameLayout() throws Exception {
        Matcher s = Pattern.compile("typedef\\s+struct\\s+(pk_\\w+)\\s*\\{([^}]*)\\}")
                .matcher(header());
        int structs = 0;
        while (s.find()) {
            structs++;
            String name = s.group(1);
            GroupLayout layout = (GroupLayout) Class.forName("dev.poolkit.internal.ffi." + name)
                    .getMethod("layout")
                    .invoke(null);
            List<MemoryLayout> members = layout.memberLayouts().stream()
                    .filter(l -> l.name().isPresent())
                    .toList();
            Matcher f = Pattern.compile("(int64_t|int32_t|double)\\s+(\\w+)\\s*(\\[([^\\]]+)\\])?\\s*;")
                    .matcher(s.group(2));
            int i = 0;
            while (f.find()) {
                MemoryLayout member = members.get(i++);
                assertEquals(f.group(2), member.name().orElseThrow(), name + " field order" + REGENERATE);
                long element = f.group(1).equals("int32_t") ? 4 : 8;
                if (f.group(3) != null) {
                    long count = 0; // a sum of numbers and PK_MAX_SPATIAL_RANK
                    for (String term : f.group(4).split("\\+")) {
                        term = term.strip();
                        count += term.equals("PK_MAX_SPATIAL_RANK")
                                ? PoolkitFFI.PK_MAX_SPATIAL_RANK()
                                : Long.parseLong(term);
                    }
                    assertEquals(count, ((SequenceLayout) member).elementCount(), name + "." + f.group(2) + REGENERATE);
                    assertEquals(count * element, member.byteSize(), name + "." + f.group(2) + REGENERATE);
                } else {
                    assertEquals(element, member.byteSize(), name + "." + f.group(2) + REGENERATE);
                }
            }
            assertEquals(i, members.size(), name + " field count" + REGENERATE);
        }
        assertEquals(4, structs, "structs found in the header");
    }

    @Test
    void everyConstantHasTheSameValue() throws Exception {
        Matcher m = Pattern.compile("#define\\s+(PK_\\w+)\\s+(-?\\d+)").matcher(header());
        int constants = 0;
        while (m.find()) {
            constants++;
            Object value = PoolkitFFI.class.getMethod(m.group(1)).invoke(null);
            assertEquals(Long.parseLong(m.group(2)), ((Number) value).longValue(), m.group(1) + REGENERATE);
        }
        assertTrue(constants > 20, "constants found in the header: " + constants);
    }

    @Test
    void everyBoundFunctionIsExportedByTheLibrary() throws Exception {
        if (!Pooling.nativeAvailable()) return; // nothing loaded to resolve against
        for (Method method : PoolkitFFI.class.getDeclaredMethods()) {
            if (method.getName().endsWith("$address")) {
                MemorySegment address = (MemorySegment) method.invoke(null);
                assertNotEquals(0L, address.address(), method.getName());
            }
        }
        assertFalse(Pooling.nativeUnavailableReason().isPresent());
    }
}
