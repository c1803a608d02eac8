package dev.poolkit.bench;

import dev.poolkit.AutoPad;
import dev.poolkit.Conventions;
import dev.poolkit.Layout;
import dev.poolkit.PoolSpec;
import dev.poolkit.Pooling;
import dev.poolkit.PreparedPool;
import dev.poolkit.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Feature extraction as CNN lessons teach it: filter, detect, condense. A procedurally generated image (shapes with
 * edges in every direction, some texture and noise) is convolved with a few 3x3 filters, passed through ReLU, then
 * condensed by max, average, SoftPool and stochastic pooling (inference: probability-weighted) under PyTorch's
 * convention (kernel 2, stride 2) and TensorFlow's SAME and VALID paddings (kernel 3, stride 2). Each stage is written
 * as one PNG with its maps side by side ({@code bench/target/features/}, or the directory given as the argument).
 */
public final class FeatureExtraction {
    static final int SIZE = 128;

    record Filter(String name, float[] weights) {}

    static final List<Filter> FILTERS = List.of(
            new Filter("vertical", new float[] {-1, 0, 1, -2, 0, 2, -1, 0, 1}),
            new Filter("horizontal", new float[] {-1, -2, -1, 0, 0, 0, 1, 2, 1}),
            new Filter("diagonal", new float[] {0, 1, 2, -1, 0, 1, -2, -1, 0}),
            new Filter("outline", new float[] {-1, -1, -1, -1, 8, -1, -1, -1, -1}));

    record Method(String name, PoolSpec.Builder builder) {}

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path dir = Path.of(args.length > 0 ? args[0] : "target/features");
        Files.createDirectories(dir);
        float[] image = image();
        write(
                dir.resolve("1-input.png"),
                List.of(new Panel("input " + SIZE + "x" + SIZE + " (generated)", image, SIZE, SIZE)));

        // filter + detect: 3x3 convolutions (zero padding, output the input's size), then ReLU
        int channels = FILTERS.size();
        float[] features = new float[channels * SIZE * SIZE]; // [1, C, H, W], channels first
        List<Panel> featurePanels = new java.util.ArrayList<>();
        for (int c = 0; c < channels; c++) {
            float[] map = relu(convolve(image, FILTERS.get(c).weights()));
            System.arraycopy(map, 0, features, c * SIZE * SIZE, map.length);
            featurePanels.add(new Panel(FILTERS.get(c).name() + " edges + ReLU", map, SIZE, SIZE));
        }
        write(dir.resolve("2-features.png"), featurePanels);

        // condense: four methods under three conventions, all maps at once through one prepared operation each
        long[] shape = {1, channels, SIZE, SIZE};
        record Convention(String file, String name, long kernel, AutoPad pad, Conventions conventions) {}
        List<Convention> conventions = List.of(
                new Convention("3-pooled-pytorch.png", "PyTorch k=2 s=2", 2, AutoPad.NOTSET, Conventions.PYTORCH),
                new Convention(
                        "4-pooled-tf-same.png", "TF SAME k=3 s=2", 3, AutoPad.SAME_UPPER, Conventions.TENSORFLOW),
                new Convention("5-pooled-tf-valid.png", "TF VALID k=3 s=2", 3, AutoPad.VALID, Conventions.TENSORFLOW));
        for (Convention cv : conventions) {
            List<Method> methods = List.of(
                    new Method("max", PoolSpec.max(cv.kernel(), cv.kernel())),
                    new Method("average", PoolSpec.avg(cv.kernel(), cv.kernel())),
                    new Method("SoftPool", PoolSpec.soft(cv.kernel(), cv.kernel())),
                    new Method("stochastic", PoolSpec.stochastic(cv.kernel(), cv.kernel())));
            List<Panel> panels = new java.util.ArrayList<>();
            for (Method m : methods) {
                PoolSpec.Builder b = m.builder().stride(2, 2).conventions(cv.conventions());
                if (cv.pad() != AutoPad.NOTSET) b.autoPad(cv.pad());
                PreparedPool pool = Pooling.prepare(b.build(), Layout.NCHW, shape);
                long[] out = pool.outputShape();
                float[] pooled = new float[(int) (out[1] * out[2] * out[3])];
                pool.run(Tensor.of(features, Layout.NCHW, shape), Tensor.of(pooled, Layout.NCHW, out));
                int plane = (int) (out[2] * out[3]);
                for (int c = 0; c < channels; c++) {
                    float[] map = java.util.Arrays.copyOfRange(pooled, c * plane, (c + 1) * plane);
                    panels.add(new Panel(m.name() + ", " + FILTERS.get(c).name(), map, (int) out[3], (int) out[2]));
                }
                System.out.printf(
                        Locale.ROOT,
                        "%-17s %-10s -> %dx%d  [%s]%n",
                        cv.name(),
                        m.name(),
                        out[2],
                        out[3],
                        pool.implementation());
            }
            write(dir.resolve(cv.file()), panels, channels, cv.name());
        }
        System.out.println("wrote the stages to " + dir.toAbsolutePath());
    }

    /** Circles, a square, a triangle and a diagonal band on a soft gradient, with fine stripes and a little noise. */
    static float[] image() {
        float[] img = new float[SIZE * SIZE];
        java.util.SplittableRandom noise = new java.util.SplittableRandom(2021);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                float v = 0.15f + 0.2f * x / SIZE;
                double dx = x - 40, dy = y - 42, r = Math.sqrt(dx * dx + dy * dy);
                if (r < 26) v = r < 14 ? 0.95f : 0.6f; // two rings of a disc
                if (x >= 76 && x < 116 && y >= 14 && y < 54) v = 0.85f; // square
                if (y >= 72 && y < 118 && Math.abs(x - 40) < (y - 72) * 0.6) v = 0.75f; // triangle
                if (Math.abs((x - 70) - (y - 70)) < 5 && x > 70) v = 0.9f; // diagonal band
                if (x >= 80 && x < 120 && y >= 80 && y < 120 && (x / 4) % 2 == 0) v = 0.7f; // vertical stripes
                img[y * SIZE + x] = v + (float) (noise.nextDouble() - 0.5) * 0.04f;
            }
        }
        return img;
    }

    static float[] convolve(float[] img, float[] k) {
        float[] out = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                float s = 0;
                for (int j = -1; j <= 1; j++) {
                    for (int i = -1; i <= 1; i++) {
                        int yy = y + j, xx = x + i;
                        if (yy >= 0 && yy < SIZE && xx >= 0 && xx < SIZE)
                            s += k[(j + 1) * 3 + (i + 1)] * img[yy * SIZE + xx];
                    }
                }
                out[y * SIZE + x] = s;
            }
        }
        return out;
    }

    static float[] relu(float[] a) {
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] = Math.max(out[i], 0f);
        return out;
    }

    record Panel(String title, float[] values, int width, int height) {}

    static void write(Path file, List<Panel> panels) throws IOException {
        write(file, panels, panels.size(), null);
    }

    /** Panels in a grid of {@code columns}, each scaled to a common cell, with its title; an optional heading on top. */
    static void write(Path file, List<Panel> panels, int columns, String heading) throws IOException {
        int cell = 192, label = 18, top = heading == null ? 0 : 24, gap = 6;
        int rows = (panels.size() + columns - 1) / columns;
        BufferedImage out = new BufferedImage(
                columns * (cell + gap) + gap, top + rows * (cell + label + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        if (heading != null) g.drawString(heading, gap, 17);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int p = 0; p < panels.size(); p++) {
            Panel panel = panels.get(p);
            int x0 = gap + (p % columns) * (cell + gap), y0 = top + gap + (p / columns) * (cell + label + gap);
            g.setColor(Color.BLACK);
            g.drawString(panel.title() + " (" + panel.width() + "x" + panel.height() + ")", x0, y0 + 12);
            float max = 0;
            for (float v : panel.values()) max = Math.max(max, v);
            float scale = max > 0 ? 1 / max : 1;
            for (int y = 0; y < cell; y++) {
                for (int x = 0; x < cell; x++) { // nearest neighbour, so pooled pixels stay visible as blocks
                    float v = panel.values()[(y * panel.height() / cell) * panel.width() + x * panel.width() / cell]
                            * scale;
                    int grey = Math.round(Math.min(Math.max(v, 0), 1) * 255);
                    out.setRGB(x0 + x, y0 + label + y, grey * 0x010101);
                }
            }
        }
        g.dispose();
        ImageIO.write(out, "png", file.toFile());
    }
}
