package dev.poolkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One case of the golden files in src/test/resources/golden (format documented by src/test/golden/generate.py). */
record GoldenCase(String name, Map<String, String> fields) {

    /** Cases of a test resource, or of a file when {@code resource} names one (to try regenerated, unseen cases). */
    static List<GoldenCase> load(String resource) throws IOException {
        java.nio.file.Path file = java.nio.file.Path.of(resource);
        InputStream stream = java.nio.file.Files.isRegularFile(file)
                ? java.nio.file.Files.newInputStream(file)
                : GoldenCase.class.getResourceAsStream(resource);
        if (stream == null) throw new IOException("missing test resource " + resource);
        List<GoldenCase> cases = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String name = null;
            Map<String, String> fields = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                int space = line.indexOf(' ');
                String key = space < 0 ? line : line.substring(0, space),
                        value = space < 0 ? "" : line.substring(space + 1).trim();
                switch (key) {
                    case "case" -> {
                        name = value;
                        fields = new HashMap<>();
                    }
                    case "end" -> {
                        cases.add(new GoldenCase(name, fields));
                        name = null;
                    }
                    default -> fields.put(key, value);
                }
            }
        }
        return cases;
    }

    String get(String key) {
        String v = fields.get(key);
        if (v == null) throw new IllegalStateException(name + ": no field " + key);
        return v;
    }

    long[] longs(String key) {
        String v = get(key);
        return v.isEmpty()
                ? new long[0]
                : Arrays.stream(v.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    float[] floats(String key) {
        String[] parts = get(key).split(" ");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Float.parseFloat(parts[i]);
        return out;
    }

    boolean isMax() {
        return get("op").equals("max");
    }

    PoolSpec spec() {
        long[] kernel = longs("kernel");
        PoolSpec.Builder b = isMax() ? PoolSpec.max(kernel) : PoolSpec.avg(kernel);
        b.stride(longs("stride"))
                .ceilMode(get("ceil_mode").equals("1"))
                .conventions(get("source").equals("onnx") ? Conventions.ONNX : Conventions.PYTORCH);
        AutoPad autoPad = AutoPad.valueOf(fields.getOrDefault("auto_pad", "NOTSET"));
        if (autoPad == AutoPad.NOTSET) b.padding(longs("pad_begin"), longs("pad_end"));
        else b.autoPad(autoPad);
        long[] dilation = longs("dilation");
        if (Arrays.stream(dilation).anyMatch(d -> d != 1)) b.dilation(dilation);
        if (isMax()) {
            // the files hold plane indices, whatever the conventions' default format
            b.nanPolicy(get("nan_mode").equals("ignore") ? NanPolicy.IGNORE : NanPolicy.PROPAGATE)
                    .indexFormat(IndexFormat.PLANE);
        } else {
            b.countIncludePad(get("count_include_pad").equals("1"));
            long override = Long.parseLong(get("divisor_override"));
            if (override != 0) b.divisorOverride(override);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return name;
    }
}
