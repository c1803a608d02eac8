package dev.poolkit;

import java.util.Objects;

/**
 * Region pooling (RoIPool, RoIAlign) of boxes over a 2d feature map {@code [N, C, H, W]} into
 * {@code [K, C, outputHeight, outputWidth]}. Immutable; built by {@link #pool(long, long)} or
 * {@link #align(long, long)}.
 *
 * <ul>
 *   <li>{@link RoiOp#POOL} (torchvision {@code roi_pool} = ONNX {@code MaxRoiPool}): {@code start = round(x1*scale)}
 *       (half away from zero), {@code size = max(round(x2*scale) - start + 1, 1)}, {@code bin = size / out} (float);
 *       bin {@code p} covers {@code [floor(p*bin), ceil((p+1)*bin)) + start} clipped to the map. The max is taken by
 *       {@code >} from {@code -FLT_MAX}, so NaN is never chosen; an empty bin gives 0 with argmax -1, a bin of only NaN or
 *       -inf gives {@code -FLT_MAX} with argmax -1. The argmax is in {@link #indexFormat()} ({@code PLANE}: {@code h*W + w};
 *       flat formats use the box's image as n); -1 stays -1.</li>
 *   <li>RoIAlign (torchvision {@code roi_align}, ONNX {@code RoiAlign}): {@code start = x1*scale - (aligned ? 0.5 : 0)},
 *       {@code size = x2*scale - offset - start}, at least 1 when not aligned; {@code bin = size / out}; per axis
 *       {@code grid = samplingRatio} when positive, else {@code ceil(size / out)}; sample {@code i} of bin {@code p} at
 *       {@code start + p*bin + (i + 0.5)*bin/grid}, in float as torchvision computes it; bilinear as torchvision (a sample
 *       below -1 or past the map's size is outside and is a value of 0, else clamped into the map).
 *       {@link RoiOp#ALIGN_AVG} divides the sum of the inside samples by {@code max(grid_h*grid_w, 1)}.</li>
 * </ul>
 *
 * <p>Boxes are checked at every run, before any native code: a non-finite coordinate, a scaled coordinate beyond
 * {@code 2^24} in magnitude, or an image index that is not an integer in {@code [0, N)} throws
 * {@link IllegalArgumentException} naming the box. Boxes partly or wholly outside the map, and boxes with
 * {@code x2 < x1} or {@code y2 < y1}, are valid: they give what the formulas give (zeros where the map is not covered).
 * Nothing outside the feature map is ever read, and the work per box is bounded by the map's size.
 */
public final class RoiSpec {
    /** Largest {@link Builder#samplingRatio(long) sampling ratio} accepted. */
    public static final long MAX_SAMPLING_RATIO = 1024;
    /** Largest magnitude of a scaled box coordinate. */
    public static final float MAX_SCALED_COORDINATE = 16777216f;

    private final RoiOp op;
    private final long outputHeight, outputWidth;
    private final double spatialScale;
    private final long samplingRatio;
    private final boolean aligned;
    private final BoxFormat boxFormat;
    private final IndexFormat indexFormat;

    private RoiSpec(Builder b) {
        this.op = b.op;
        this.outputHeight = b.outputHeight;
        this.outputWidth = b.outputWidth;
        this.spatialScale = b.spatialScale;
        this.samplingRatio = b.samplingRatio;
        this.aligned = b.aligned;
        this.boxFormat = b.boxFormat;
        this.indexFormat = b.indexFormat;
    }

    /**
     * RoIPool (torchvision {@code roi_pool}, ONNX {@code MaxRoiPool}) to {@code outputHeight x outputWidth}: the max of
     * each integer bin of each box, with its argmax.
     *
     * <pre>{@code
     * RoiSpec fastRcnn = RoiSpec.pool(7, 7).spatialScale(1.0 / 16).build();   // torchvision RoIPool((7, 7), 1/16)
     * }</pre>
     *
     * @param outputHeight bins per box along the height, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @param outputWidth bins per box along the width, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder pool(long outputHeight, long outputWidth) {
        return new Builder(RoiOp.POOL, outputHeight, outputWidth);
    }

    /**
     * RoIAlign (torchvision {@code roi_align}: {@code aligned = false}, adaptive sampling by default) to
     * {@code outputHeight x outputWidth}, averaging each bin's bilinear samples ({@link RoiOp#ALIGN_AVG});
     * {@link Builder#mode(RoiOp)} picks a max mode.
     *
     * <pre>{@code
     * RoiSpec head = RoiSpec.align(7, 7).spatialScale(1.0 / 16).samplingRatio(2).aligned(true).build(); // Faster R-CNN box head
     * }</pre>
     *
     * @param outputHeight bins per box along the height, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @param outputWidth bins per box along the width, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @return a builder, to set the other parameters and {@link Builder#build()}
     */
    public static Builder align(long outputHeight, long outputWidth) {
        return new Builder(RoiOp.ALIGN_AVG, outputHeight, outputWidth);
    }

    /**
     * ONNX {@code RoiAlign} (opset 16 and 22 defaults: {@code coordinate_transformation_mode = half_pixel},
     * {@code mode = avg}, {@code sampling_ratio = 0}, boxes {@code [K, 4]} plus int64 batch indices). For opset 10 (no
     * attribute, output_half_pixel) use {@code .aligned(false)}; for {@code mode = max} use
     * {@code .mode(RoiOp.ALIGN_MAX_ONNX_RUNTIME)}.
     *
     * <pre>{@code
     * RoiSpec onnx = RoiSpec.onnxRoiAlign(7, 7).spatialScale(0.25).build();  // boxes [K, 4] plus int64 batch indices [K]
     * }</pre>
     *
     * @param outputHeight ONNX's {@code output_height}, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @param outputWidth ONNX's {@code output_width}, 1 to {@link Integer#MAX_VALUE} (checked by {@link Builder#build()})
     * @return a builder with {@code aligned(true)} and {@link BoxFormat#SEPARATE_INDEX}, to set the other parameters and
     *         {@link Builder#build()}
     */
    public static Builder onnxRoiAlign(long outputHeight, long outputWidth) {
        return align(outputHeight, outputWidth).aligned(true).boxFormat(BoxFormat.SEPARATE_INDEX);
    }

    /**
     * The operation.
     *
     * @return {@link RoiOp#POOL} or one of the RoIAlign modes
     */
    public RoiOp op() {
        return op;
    }
    /**
     * Bins per box along the height.
     *
     * @return the output height, positive
     */
    public long outputHeight() {
        return outputHeight;
    }
    /**
     * Bins per box along the width.
     *
     * @return the output width, positive
     */
    public long outputWidth() {
        return outputWidth;
    }
    /**
     * The factor from box coordinates to feature-map pixels (default 1); runs use it rounded to float.
     *
     * @return the scale, finite and positive
     */
    public double spatialScale() {
        return spatialScale;
    }
    /**
     * RoIAlign's samples per bin and axis; 0 or less: adaptive, {@code ceil(size / out)} per box.
     *
     * @return the ratio, -1 (adaptive) unless set
     */
    public long samplingRatio() {
        return samplingRatio;
    }
    /**
     * Whether RoIAlign shifts box coordinates by half a pixel (torchvision {@code aligned}, ONNX {@code half_pixel}).
     *
     * @return true when aligned; always false for RoIPool
     */
    public boolean aligned() {
        return aligned;
    }
    /**
     * How each run's boxes (and image indices) are given.
     *
     * @return the box format, {@link BoxFormat#WITH_INDEX} unless set
     */
    public BoxFormat boxFormat() {
        return boxFormat;
    }
    /**
     * How RoIPool's argmax is numbered.
     *
     * @return the index format, {@link IndexFormat#PLANE} unless set (always for RoIAlign)
     */
    public IndexFormat indexFormat() {
        return indexFormat;
    }
    /**
     * Floats per box in the boxes segment.
     *
     * @return 5 for {@link BoxFormat#WITH_INDEX}, 4 for {@link BoxFormat#SEPARATE_INDEX}
     */
    public int boxWidth() {
        return boxFormat == BoxFormat.WITH_INDEX ? 5 : 4;
    }

    @Override
    public String toString() {
        return "RoiSpec[" + op + " " + outputHeight + "x" + outputWidth + ", scale " + spatialScale
                + (op == RoiOp.POOL
                        ? ", indices " + indexFormat
                        : ", sampling " + samplingRatio + ", aligned " + aligned)
                + ", boxes " + boxFormat + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoiSpec s
                && s.op == op
                && s.outputHeight == outputHeight
                && s.outputWidth == outputWidth
                && Double.compare(s.spatialScale, spatialScale) == 0
                && s.samplingRatio == samplingRatio
                && s.aligned == aligned
                && s.boxFormat == boxFormat
                && s.indexFormat == indexFormat;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                op, outputHeight, outputWidth, spatialScale, samplingRatio, aligned, boxFormat, indexFormat);
    }

    /** Builds a {@link RoiSpec}; {@link #build()} validates. */
    public static final class Builder {
        private RoiOp op;
        private final long outputHeight, outputWidth;
        private double spatialScale = 1.0;
        private long samplingRatio = -1;
        private boolean aligned;
        private BoxFormat boxFormat = BoxFormat.WITH_INDEX;
        private IndexFormat indexFormat = IndexFormat.PLANE;

        private Builder(RoiOp op, long outputHeight, long outputWidth) {
            this.op = op;
            this.outputHeight = outputHeight;
            this.outputWidth = outputWidth;
        }

        /**
         * Multiplies box coordinates into feature-map pixels (e.g. 1/16 for a stride-16 map).
         *
         * @param scale the factor, finite and positive also once rounded to float (default 1)
         * @return this builder
         */
        public Builder spatialScale(double scale) {
            this.spatialScale = scale;
            return this;
        }
        /**
         * RoIAlign: samples per bin and axis (torchvision {@code sampling_ratio}, ONNX {@code sampling_ratio}); RoIPool
         * takes none.
         *
         * @param ratio 1 to {@value RoiSpec#MAX_SAMPLING_RATIO}; 0 or less (default -1): adaptive, {@code ceil(size / out)}
         *        per box and axis
         * @return this builder
         */
        public Builder samplingRatio(long ratio) {
            this.samplingRatio = ratio;
            return this;
        }
        /**
         * RoIAlign: half-pixel offset (torchvision {@code aligned = True}, ONNX {@code half_pixel}); RoIPool takes none.
         *
         * @param aligned true to shift box coordinates by -0.5 pixel after scaling (and drop the minimum box size of 1);
         *        false by default
         * @return this builder
         */
        public Builder aligned(boolean aligned) {
            this.aligned = aligned;
            return this;
        }
        /**
         * RoIAlign: how each bin's samples are reduced.
         *
         * @param mode {@link RoiOp#ALIGN_AVG} (the default of {@link RoiSpec#align}), {@link RoiOp#ALIGN_MAX} or
         *        {@link RoiOp#ALIGN_MAX_ONNX_RUNTIME}
         * @return this builder
         * @throws NullPointerException when {@code mode} is null
         * @throws IllegalArgumentException when {@code mode} is {@link RoiOp#POOL} or this builder is RoIPool's
         */
        public Builder mode(RoiOp mode) {
            if (Objects.requireNonNull(mode, "mode") == RoiOp.POOL || op == RoiOp.POOL) {
                throw new IllegalArgumentException(
                        "mode = " + mode + ": modes choose among RoIAlign's reductions; RoIPool is RoiSpec.pool");
            }
            this.op = mode;
            return this;
        }
        /**
         * How each run's boxes are given.
         *
         * @param format {@link BoxFormat#WITH_INDEX} (default: {@code [K, 5]} with the image index first) or
         *        {@link BoxFormat#SEPARATE_INDEX} ({@code [K, 4]} plus an int64 segment of K image indices)
         * @return this builder
         * @throws NullPointerException when {@code format} is null
         */
        public Builder boxFormat(BoxFormat format) {
            this.boxFormat = Objects.requireNonNull(format, "boxFormat");
            return this;
        }
        /**
         * RoIPool: how the argmax is numbered; flat formats take the box's image as {@code n}, and -1 (an empty bin)
         * stays -1.
         *
         * @param format the format, {@link IndexFormat#PLANE} ({@code h*W + w}, as torchvision) by default
         * @return this builder
         * @throws NullPointerException when {@code format} is null
         */
        public Builder indexFormat(IndexFormat format) {
            this.indexFormat = Objects.requireNonNull(format, "indexFormat");
            return this;
        }

        /**
         * Validates the parameters against each other (the feature map and the box count are
         * {@link Pooling#prepareRoi}'s work, the boxes each run's).
         *
         * @return the immutable spec
         * @throws IllegalArgumentException naming the parameter: an output size outside 1 to {@link Integer#MAX_VALUE},
         *         a spatial scale that is not finite and positive in float, a sampling ratio above
         *         {@value RoiSpec#MAX_SAMPLING_RATIO}, {@code aligned} or a sampling ratio set for RoIPool, or an index
         *         format other than {@link IndexFormat#PLANE} for RoIAlign
         */
        public RoiSpec build() {
            if (outputHeight < 1
                    || outputWidth < 1
                    || outputHeight > Integer.MAX_VALUE
                    || outputWidth > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "output size = " + outputHeight + "x" + outputWidth + ": must be positive");
            }
            if (!(spatialScale > 0) || !Float.isFinite((float) spatialScale) || !((float) spatialScale > 0)) {
                throw new IllegalArgumentException(
                        "spatialScale = " + spatialScale + ": must be finite and positive in float");
            }
            if (samplingRatio > MAX_SAMPLING_RATIO) {
                throw new IllegalArgumentException(
                        "samplingRatio = " + samplingRatio + ": at most " + MAX_SAMPLING_RATIO);
            }
            if (op == RoiOp.POOL && (aligned || samplingRatio != -1)) {
                throw new IllegalArgumentException("aligned / samplingRatio given to RoIPool: they are RoIAlign's");
            }
            if (op != RoiOp.POOL && indexFormat != IndexFormat.PLANE) {
                throw new IllegalArgumentException(
                        "indexFormat = " + indexFormat + " given to " + op + ": only RoIPool has an argmax");
            }
            return new RoiSpec(this);
        }
    }
}
