/* Region pooling: RoIPool and RoIAlign, forward and backward. This file is the definition (poolkit.h states the
   formulas); the SIMD files only specialize the channel loop of one RoIAlign sample. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "../dispatch/dispatch.h"
#include "../pool-index.h"
#include "../pool-plan.h"
#include "roi.h"

#define PK_ROI_MAX_COORDINATE 16777216.0f /* 2^24: rounding to int and the sample grids stay exact and bounded */
#define PK_ROI_SKIP_GRID 64               /* adaptive grids larger than this skip the samples far outside the map */

/* A validated problem: sizes, strides (n, c, d, h, w; d unused) and the spec's numbers. */
typedef struct roi_problem {
    int32_t op, box_format, aligned, index_format;
    int64_t batch, channels, height, width, out_h, out_w, boxes, sampling_ratio;
    float scale;
    int64_t in_stride[5], out_stride[5], in_extent, out_extent;
    pk_roi_sample_fn sample; /* dense channels only; NULL: the strided loop */
    pk_roi_pool_fn pool;     /* dense channels and planes below 2^31 positions only; NULL: the strided loop */
} roi_problem;

static void pool_scalar(float* out, int64_t* argmax, const float* in, int64_t channels, int64_t h0, int64_t h1,
                        int64_t w0, int64_t w1, int64_t h_stride, int64_t w_stride, int64_t width) {
    for (int64_t c = 0; c < channels; c++)
        pk_roi_pool_one(out + c, argmax ? argmax + c : NULL, in + c, h0, h1, w0, w1, h_stride, w_stride, width);
}

static void sample_scalar(float* out, const float* in, int64_t channels, const int64_t pos[4], const float w[4],
                          int32_t mode, int32_t first) {
    for (int64_t c = 0; c < channels; c++)
        out[c] =
            pk_roi_sample_one(out[c], in[pos[0] + c], in[pos[1] + c], in[pos[2] + c], in[pos[3] + c], w, mode, first);
}

static int32_t roi_init(roi_problem* p, const pk_roi_spec* spec, const pk_tensor_desc* input,
                        const pk_tensor_desc* output) {
    if (!spec || !input || !output) return PK_ERR_NULL_POINTER;
    if (spec->op < PK_ROI_POOL || spec->op > PK_ROI_ALIGN_MAX_ONNXRUNTIME) return PK_ERR_INVALID_OP;
    if (spec->box_format != PK_ROI_BOXES_WITH_INDEX && spec->box_format != PK_ROI_BOXES_SEPARATE_INDEX)
        return PK_ERR_INVALID_OPTION;
    if (spec->aligned != 0 && spec->aligned != 1) return PK_ERR_INVALID_OPTION;
    if (spec->sampling_ratio > PK_ROI_MAX_SAMPLING_RATIO) return PK_ERR_INVALID_OPTION;
    if (spec->index_format < PK_INDEX_PLANE || spec->index_format > PK_INDEX_CHANNELS_LAST_BATCH)
        return PK_ERR_INVALID_OPTION;
    if (spec->isa < PK_ISA_AUTO || spec->isa > PK_ISA_AVX512) return PK_ERR_INVALID_OPTION;
    const float scale = (float)spec->spatial_scale;
    if (!(spec->spatial_scale > 0.0) || !isfinite(scale) || !(scale > 0.0f)) return PK_ERR_INVALID_OPTION;
    if (input->spatial_rank != 2 || output->spatial_rank != 2) return PK_ERR_INVALID_RANK;
    int64_t in_size[5], out_size[5];
    int32_t status = pk_plan_tensor(input, 2, 0, in_size, p->in_stride, &p->in_extent);
    if (status == PK_OK) status = pk_plan_tensor(output, 2, 1, out_size, p->out_stride, &p->out_extent);
    if (status != PK_OK) return status;
    if (input->layout != output->layout) return PK_ERR_INVALID_LAYOUT;
    if (out_size[PK_C] != in_size[PK_C]) return PK_ERR_INVALID_SHAPE;
    if (spec->output_height < 1 || spec->output_width < 1 || out_size[PK_H] != spec->output_height
        || out_size[PK_W] != spec->output_width)
        return PK_ERR_OUTPUT_SHAPE_MISMATCH;
    const int32_t isa = spec->isa == PK_ISA_AUTO ? pk_dispatch_default_isa() : (int32_t)spec->isa;
    if (isa > pk_dispatch_cpu_isa()) return PK_ERR_UNSUPPORTED_ISA;
    p->op = (int32_t)spec->op;
    p->box_format = (int32_t)spec->box_format;
    p->aligned = (int32_t)spec->aligned;
    p->index_format = (int32_t)spec->index_format;
    p->batch = in_size[PK_N];
    p->channels = in_size[PK_C];
    p->height = in_size[PK_H];
    p->width = in_size[PK_W];
    p->out_h = out_size[PK_H];
    p->out_w = out_size[PK_W];
    p->boxes = out_size[PK_N];
    p->sampling_ratio = spec->sampling_ratio;
    p->scale = scale;
    p->sample = NULL;
    p->pool = NULL;
    if (p->in_stride[PK_C] == 1 && p->out_stride[PK_C] == 1) {
        p->sample = sample_scalar;
        p->pool = pool_scalar;
#if defined(PK_HAVE_X86_KERNELS)
        const int small_planes = p->height * p->width < INT32_MAX; /* the SIMD argmax lanes are 32 bits */
        if (isa == PK_ISA_AVX2) {
            p->sample = pk_roi_sample__avx2;
            if (small_planes) p->pool = pk_roi_pool__avx2;
        }
        if (isa == PK_ISA_AVX512) {
            p->sample = pk_roi_sample__avx512;
            if (small_planes) p->pool = pk_roi_pool__avx512;
        }
#endif
    }
    return PK_OK;
}

int32_t pk_roi_check(const pk_roi_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output) {
    roi_problem p;
    return roi_init(&p, spec, input, output);
}

/* Box k's image and its coordinates (x1, y1, x2, y2) times the scale, or PK_ERR_INVALID_BOX. */
static int32_t read_box(const roi_problem* p, const float* boxes, const int64_t* batch_indices, int64_t k,
                        int64_t* image, float scaled[4]) {
    const float* b;
    if (p->box_format == PK_ROI_BOXES_WITH_INDEX) {
        b = boxes + k * 5;
        const float index = b[0];
        if (!(index >= 0.0f && index < (float)p->batch) || index != floorf(index)) return PK_ERR_INVALID_BOX;
        *image = (int64_t)index;
        b++;
    } else {
        b = boxes + k * 4;
        if (batch_indices[k] < 0 || batch_indices[k] >= p->batch) return PK_ERR_INVALID_BOX;
        *image = batch_indices[k];
    }
    for (int i = 0; i < 4; i++) {
        scaled[i] = b[i] * p->scale;
        if (!(fabsf(scaled[i]) <= PK_ROI_MAX_COORDINATE)) return PK_ERR_INVALID_BOX; /* NaN and infinities too */
    }
    return PK_OK;
}

static int32_t check_boxes(const roi_problem* p, const float* boxes, int64_t boxes_capacity,
                           const int64_t* batch_indices, int64_t batch_indices_capacity, int64_t box_begin,
                           int64_t box_end) {
    int32_t status;
    const int64_t per_box = p->box_format == PK_ROI_BOXES_WITH_INDEX ? 5 : 4;
    if (box_begin < 0 || box_end < box_begin || box_end > p->boxes) return PK_ERR_INVALID_RANGE;
    /* only boxes before box_end are read: a run over the first boxes needs no more */
    if ((status = pk_check_buffer(boxes, boxes_capacity, box_end * per_box, sizeof(float))) != PK_OK) return status;
    if (p->box_format == PK_ROI_BOXES_SEPARATE_INDEX) {
        if ((status = pk_check_buffer(batch_indices, batch_indices_capacity, box_end, sizeof(int64_t))) != PK_OK)
            return status;
    } else if (batch_indices) {
        return PK_ERR_INVALID_OPTION;
    }
    for (int64_t k = box_begin; k < box_end; k++) {
        int64_t image;
        float scaled[4];
        if ((status = read_box(p, boxes, batch_indices, k, &image, scaled)) != PK_OK) return status;
    }
    return PK_OK;
}

/* ---- RoIAlign ---- */

typedef struct align_box {
    float start_h, start_w, bin_h, bin_w, count;
    int64_t grid_h, grid_w;
} align_box;

static void align_geometry(const roi_problem* p, const float s[4], align_box* g) {
    const float offset = p->aligned ? 0.5f : 0.0f;
    g->start_w = s[0] - offset;
    g->start_h = s[1] - offset;
    float width = (s[2] - offset) - g->start_w, height = (s[3] - offset) - g->start_h;
    if (!p->aligned) { /* torchvision and ONNX Runtime force malformed boxes to 1x1 */
        width = width < 1.0f ? 1.0f : width;
        height = height < 1.0f ? 1.0f : height;
    }
    g->bin_h = height / (float)p->out_h;
    g->bin_w = width / (float)p->out_w;
    g->grid_h = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)ceilf(height / (float)p->out_h);
    g->grid_w = p->sampling_ratio > 0 ? p->sampling_ratio : (int64_t)ceilf(width / (float)p->out_w);
    const int64_t samples = g->grid_h * g->grid_w; /* each factor below 2^26 */
    g->count = (float)(samples > 1 ? samples : 1);
}

/* Sample i of bin b along an axis, computed as torchvision does. */
static inline float sample_at(float start, float bin, int64_t b, int64_t i, int64_t grid) {
    return start + (float)b * bin + (float)((float)i + 0.5f) * bin / (float)grid;
}

/* The samples of bin b worth visiting: all of them, except that an adaptive grid larger than PK_ROI_SKIP_GRID (a box
   far larger than the map) skips those certainly outside [-1, size]. Its step bin/grid lies in (0.5, 1], and a
   sample's rounding error stays below 8 steps for coordinates up to 2^24, so 16 steps of margin keep every sample
   that could be inside; the visited ones are tested exactly. */
static void sample_range(const roi_problem* p, float start, float bin, int64_t b, int64_t grid, int64_t size,
                         int64_t* lo, int64_t* hi) {
    *lo = 0;
    *hi = grid > 0 ? grid : 0;
    if (p->sampling_ratio > 0 || grid <= PK_ROI_SKIP_GRID) return;
    const double base = (double)(start + (float)b * bin), step = (double)bin / (double)grid;
    const double first = floor((-1.0 - base) / step - 0.5) - 16.0,
                 last = ceil(((double)size - base) / step - 0.5) + 16.0;
    if (first > 0.0) *lo = first >= (double)grid ? grid : (int64_t)first;
    if (last + 1.0 < (double)grid) *hi = last + 1.0 <= (double)*lo ? *lo : (int64_t)(last + 1.0);
}

/* torchvision's bilinear_interpolate: 0 for a sample outside; else its four corners (element offsets) and weights. */
static inline int bilinear(const roi_problem* p, float y, float x, int64_t pos[4], float w[4]) {
    if ((double)y < -1.0 || (double)y > (double)p->height || (double)x < -1.0 || (double)x > (double)p->width) return 0;
    if (y <= 0.0f) y = 0.0f;
    if (x <= 0.0f) x = 0.0f;
    int64_t y_low = (int64_t)y, x_low = (int64_t)x, y_high, x_high;
    if (y_low >= p->height - 1) {
        y_high = y_low = p->height - 1;
        y = (float)y_low;
    } else {
        y_high = y_low + 1;
    }
    if (x_low >= p->width - 1) {
        x_high = x_low = p->width - 1;
        x = (float)x_low;
    } else {
        x_high = x_low + 1;
    }
    const float ly = y - (float)y_low, lx = x - (float)x_low, hy = 1.0f - ly, hx = 1.0f - lx;
    w[0] = hy * hx;
    w[1] = hy * lx;
    w[2] = ly * hx;
    w[3] = ly * lx;
    const int64_t hs = p->in_stride[PK_H], ws = p->in_stride[PK_W];
    pos[0] = y_low * hs + x_low * ws;
    pos[1] = y_low * hs + x_high * ws;
    pos[2] = y_high * hs + x_low * ws;
    pos[3] = y_high * hs + x_high * ws;
    return 1;
}

static int32_t sample_mode(int32_t op) {
    return op == PK_ROI_ALIGN_AVG   ? PK_ROI_SAMPLE_ACCUMULATE
           : op == PK_ROI_ALIGN_MAX ? PK_ROI_SAMPLE_MAX
                                    : PK_ROI_SAMPLE_MAX_TERMS;
}

/* One bin of one box, all channels: out points at the bin's output of channel 0, in at the box's image. */
static void align_bin(const roi_problem* p, const align_box* g, int64_t ph, int64_t pw, const float* in, float* out) {
    const int32_t mode = sample_mode(p->op);
    const int64_t C = p->channels, ics = p->in_stride[PK_C], ocs = p->out_stride[PK_C];
    int64_t y_lo, y_hi, x_lo, x_hi;
    sample_range(p, g->start_h, g->bin_h, ph, g->grid_h, p->height, &y_lo, &y_hi);
    sample_range(p, g->start_w, g->bin_w, pw, g->grid_w, p->width, &x_lo, &x_hi);
    for (int64_t c = 0; c < C; c++) out[c * ocs] = 0.0f;
    int32_t first = 1;
    const float zero[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int64_t iy = y_lo; iy < y_hi; iy++) {
        const float y = sample_at(g->start_h, g->bin_h, ph, iy, g->grid_h);
        for (int64_t ix = x_lo; ix < x_hi; ix++) {
            const float x = sample_at(g->start_w, g->bin_w, pw, ix, g->grid_w);
            int64_t pos[4];
            float w[4];
            if (!bilinear(p, y, x, pos, w)) {
                if (mode == PK_ROI_SAMPLE_ACCUMULATE) continue; /* adds nothing */
                for (int64_t c = 0; c < C; c++)                 /* an outside sample is a value of 0 */
                    out[c * ocs] = pk_roi_sample_one(out[c * ocs], 0.0f, 0.0f, 0.0f, 0.0f, zero, mode, first);
            } else if (p->sample) {
                p->sample(out, in, C, pos, w, mode, first);
            } else {
                for (int64_t c = 0; c < C; c++) {
                    const float* plane = in + c * ics;
                    out[c * ocs] = pk_roi_sample_one(out[c * ocs], plane[pos[0]], plane[pos[1]], plane[pos[2]],
                                                     plane[pos[3]], w, mode, first);
                }
            }
            first = 0;
        }
    }
    if (mode == PK_ROI_SAMPLE_ACCUMULATE) {
        for (int64_t c = 0; c < C; c++) out[c * ocs] /= g->count;
    } else if (!first && (y_hi - y_lo) * (x_hi - x_lo) < g->grid_h * g->grid_w) {
        for (int64_t c = 0; c < C; c++) /* the skipped samples, all outside */
            out[c * ocs] = pk_roi_sample_one(out[c * ocs], 0.0f, 0.0f, 0.0f, 0.0f, zero, mode, 0);
    }
}

/* ---- RoIPool ---- */

typedef struct pool_box {
    int64_t start_h, start_w;
    float bin_h, bin_w;
} pool_box;

static void pool_geometry(const float s[4], const roi_problem* p, pool_box* g) {
    g->start_w = (int64_t)roundf(s[0]);
    g->start_h = (int64_t)roundf(s[1]);
    const int64_t end_w = (int64_t)roundf(s[2]), end_h = (int64_t)roundf(s[3]);
    const int64_t width = end_w - g->start_w + 1 > 1 ? end_w - g->start_w + 1 : 1;
    const int64_t height = end_h - g->start_h + 1 > 1 ? end_h - g->start_h + 1 : 1;
    g->bin_h = (float)height / (float)p->out_h;
    g->bin_w = (float)width / (float)p->out_w;
}

static inline int64_t clip(int64_t v, int64_t size) { return v < 0 ? 0 : v > size ? size : v; }

/* Bin [h0, h1) x [w0, w1) of a box, clipped to the map. */
static void pool_bin(const pool_box* g, const roi_problem* p, int64_t ph, int64_t pw, int64_t* h0, int64_t* h1,
                     int64_t* w0, int64_t* w1) {
    *h0 = clip((int64_t)floorf((float)ph * g->bin_h) + g->start_h, p->height);
    *h1 = clip((int64_t)ceilf((float)(ph + 1) * g->bin_h) + g->start_h, p->height);
    *w0 = clip((int64_t)floorf((float)pw * g->bin_w) + g->start_w, p->width);
    *w1 = clip((int64_t)ceilf((float)(pw + 1) * g->bin_w) + g->start_w, p->width);
}

/* ---- entry points ---- */

int32_t pk_roi_forward_f32(const pk_roi_spec* spec, const pk_tensor_desc* input, const float* input_data,
                           int64_t input_capacity, const float* boxes, int64_t boxes_capacity,
                           const int64_t* batch_indices, int64_t batch_indices_capacity, const pk_tensor_desc* output,
                           float* output_data, int64_t output_capacity, int64_t* argmax, int64_t argmax_capacity,
                           int64_t box_begin, int64_t box_end) {
    roi_problem p;
    int32_t status = roi_init(&p, spec, input, output);
    if (status != PK_OK) return status;
    if ((status = pk_check_buffer(input_data, input_capacity, p.in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(output_data, output_capacity, p.out_extent, sizeof(float))) != PK_OK) return status;
    if (argmax) {
        if (p.op != PK_ROI_POOL) return PK_ERR_INVALID_OPTION;
        if ((status = pk_check_buffer(argmax, argmax_capacity, p.out_extent, sizeof(int64_t))) != PK_OK) return status;
    }
    status = check_boxes(&p, boxes, boxes_capacity, batch_indices, batch_indices_capacity, box_begin, box_end);
    if (status != PK_OK) return status;
    const pk_index_space space = {p.batch, p.channels, {1, p.height, p.width}, 2, p.index_format};
    const int64_t* os = p.out_stride;
    for (int64_t k = box_begin; k < box_end; k++) {
        int64_t image;
        float scaled[4];
        /* read again and checked again: the caller may have changed a box since check_boxes */
        if ((status = read_box(&p, boxes, batch_indices, k, &image, scaled)) != PK_OK) return status;
        const float* in = input_data + image * p.in_stride[PK_N];
        if (p.op == PK_ROI_POOL) {
            pool_box g;
            pool_geometry(scaled, &p, &g);
            for (int64_t ph = 0; ph < p.out_h; ph++)
                for (int64_t pw = 0; pw < p.out_w; pw++) {
                    int64_t h0, h1, w0, w1;
                    pool_bin(&g, &p, ph, pw, &h0, &h1, &w0, &w1);
                    const int empty = h1 <= h0 || w1 <= w0;
                    if (p.pool) { /* dense channels: all of them at once, plane indices, then the index format */
                        const int64_t o = k * os[PK_N] + ph * os[PK_H] + pw * os[PK_W];
                        p.pool(output_data + o, argmax ? argmax + o : NULL, in, p.channels, h0, h1, w0, w1,
                               p.in_stride[PK_H], p.in_stride[PK_W], p.width);
                        if (argmax && p.index_format != PK_INDEX_PLANE)
                            for (int64_t c = 0; c < p.channels; c++)
                                if (argmax[o + c] >= 0)
                                    argmax[o + c] = pk_index_encode(&space, image, c, argmax[o + c]);
                        continue;
                    }
                    for (int64_t c = 0; c < p.channels; c++) {
                        const float* plane = in + c * p.in_stride[PK_C];
                        float best = empty ? 0.0f : -FLT_MAX;
                        int64_t at = -1;
                        for (int64_t h = h0; h < h1; h++)
                            for (int64_t w = w0; w < w1; w++) {
                                const float v = plane[h * p.in_stride[PK_H] + w * p.in_stride[PK_W]];
                                if (v > best) {
                                    best = v;
                                    at = h * p.width + w;
                                }
                            }
                        const int64_t o = k * os[PK_N] + c * os[PK_C] + ph * os[PK_H] + pw * os[PK_W];
                        output_data[o] = best;
                        if (argmax) argmax[o] = at < 0 ? -1 : pk_index_encode(&space, image, c, at);
                    }
                }
        } else {
            align_box g;
            align_geometry(&p, scaled, &g);
            for (int64_t ph = 0; ph < p.out_h; ph++)
                for (int64_t pw = 0; pw < p.out_w; pw++)
                    align_bin(&p, &g, ph, pw, in, output_data + k * os[PK_N] + ph * os[PK_H] + pw * os[PK_W]);
        }
    }
    return PK_OK;
}

/* The winner of a max bin of one channel, found in the forward's order: the sample (PK_ROI_ALIGN_MAX: its four
   corners and weights) or the corner term (ONNX Runtime's max: one corner) that set the final value. Returns the
   number of corners to send the gradient to: 0 when an outside sample (a value of 0) won or the bin is empty. */
static int align_max_winner(const roi_problem* p, const align_box* g, int64_t ph, int64_t pw, const float* plane,
                            int64_t pos[4], float w[4]) {
    int64_t y_lo, y_hi, x_lo, x_hi;
    sample_range(p, g->start_h, g->bin_h, ph, g->grid_h, p->height, &y_lo, &y_hi);
    sample_range(p, g->start_w, g->bin_w, pw, g->grid_w, p->width, &x_lo, &x_hi);
    float best = 0.0f;
    int corners = 0, first = 1;
    for (int64_t iy = y_lo; iy < y_hi; iy++) {
        const float y = sample_at(g->start_h, g->bin_h, ph, iy, g->grid_h);
        for (int64_t ix = x_lo; ix < x_hi; ix++) {
            const float x = sample_at(g->start_w, g->bin_w, pw, ix, g->grid_w);
            int64_t sp[4];
            float sw[4];
            const int inside = bilinear(p, y, x, sp, sw);
            float value = 0.0f;
            int corner = 0;
            if (inside && p->op == PK_ROI_ALIGN_MAX) {
                value = sw[0] * plane[sp[0]] + sw[1] * plane[sp[1]] + sw[2] * plane[sp[2]] + sw[3] * plane[sp[3]];
            } else if (inside) {
                value = sw[0] * plane[sp[0]];
                for (int i = 1; i < 4; i++) {
                    const float t = sw[i] * plane[sp[i]];
                    if (value < t) {
                        value = t;
                        corner = i;
                    }
                }
            }
            const int take =
                p->op == PK_ROI_ALIGN_MAX ? first || value > best || value != value : first || best < value;
            first = 0;
            if (!take) continue;
            best = value;
            if (!inside) {
                corners = 0;
            } else if (p->op == PK_ROI_ALIGN_MAX) {
                memcpy(pos, sp, sizeof sp);
                memcpy(w, sw, sizeof sw);
                corners = 4;
            } else {
                pos[0] = sp[corner];
                w[0] = sw[corner];
                corners = 1;
            }
        }
    }
    if (!first && (y_hi - y_lo) * (x_hi - x_lo) < g->grid_h * g->grid_w) { /* the skipped samples: values of 0 */
        if (p->op == PK_ROI_ALIGN_MAX ? 0.0f > best : best < 0.0f) corners = 0;
    }
    return corners;
}

/* Both backward entry points: `whole` runs every pass over everything (the range is ignored). PK_PASS_ZERO's
   range counts the input's (n, c) planes, PK_PASS_CHECK's and PK_PASS_SCATTER's the (box, channel) pairs
   k * C + c in the order gradients are added, so consecutive ranges add in the order of one whole call. */
static int32_t roi_backward(const pk_roi_spec* spec, const pk_tensor_desc* input, const float* input_data,
                            int64_t input_capacity, const float* boxes, int64_t boxes_capacity,
                            const int64_t* batch_indices, int64_t batch_indices_capacity, const pk_tensor_desc* output,
                            const float* grad_output, int64_t grad_output_capacity, const int64_t* argmax,
                            int64_t argmax_capacity, float* grad_input, int64_t grad_input_capacity, int32_t passes,
                            int64_t begin, int64_t end, int whole) {
    roi_problem p;
    int32_t status = roi_init(&p, spec, input, output);
    if (status != PK_OK) return status;
    const int reads_input = p.op == PK_ROI_ALIGN_MAX || p.op == PK_ROI_ALIGN_MAX_ONNXRUNTIME;
    if (reads_input) {
        if ((status = pk_check_buffer(input_data, input_capacity, p.in_extent, sizeof(float))) != PK_OK) return status;
    } else if (input_data) {
        return PK_ERR_INVALID_OPTION;
    }
    if (p.op == PK_ROI_POOL) {
        if ((status = pk_check_buffer(argmax, argmax_capacity, p.out_extent, sizeof(int64_t))) != PK_OK) return status;
    } else if (argmax) {
        return PK_ERR_INVALID_OPTION;
    }
    if ((status = pk_check_buffer(grad_output, grad_output_capacity, p.out_extent, sizeof(float))) != PK_OK)
        return status;
    if ((status = pk_check_buffer(grad_input, grad_input_capacity, p.in_extent, sizeof(float))) != PK_OK) return status;
    if ((passes & ~PK_PASS_ALL) != 0 || (passes & PK_PASS_VERIFY) != 0) return PK_ERR_INVALID_OPTION;
    const int64_t planes = p.batch * p.channels, pairs = p.boxes * p.channels; /* below the tensors' element counts */
    const int64_t zero_begin = whole ? 0 : begin, zero_end = whole ? planes : end;
    const int64_t pair_begin = whole ? 0 : begin, pair_end = whole ? pairs : end;
    if ((passes & PK_PASS_ZERO) && (zero_begin < 0 || zero_end < zero_begin || zero_end > planes))
        return PK_ERR_INVALID_RANGE;
    if ((passes & (PK_PASS_CHECK | PK_PASS_SCATTER)) && (pair_begin < 0 || pair_end < pair_begin || pair_end > pairs))
        return PK_ERR_INVALID_RANGE;
    const int64_t box_begin = pair_begin / p.channels,
                  box_end = pair_end == pair_begin ? box_begin : (pair_end - 1) / p.channels + 1;
    if (passes & (PK_PASS_CHECK | PK_PASS_SCATTER)) {
        status = check_boxes(&p, boxes, boxes_capacity, batch_indices, batch_indices_capacity, box_begin, box_end);
        if (status != PK_OK) return status;
    }
    const pk_index_space space = {p.batch, p.channels, {1, p.height, p.width}, 2, p.index_format};
    const int64_t *is = p.in_stride, *os = p.out_stride;
    if (p.op == PK_ROI_POOL
        && (passes & PK_PASS_CHECK)) { /* every index first, so that a bad one leaves grad_input untouched */
        for (int64_t k = box_begin; k < box_end; k++) {
            int64_t image;
            float scaled[4];
            if ((status = read_box(&p, boxes, batch_indices, k, &image, scaled)) != PK_OK) return status;
            const int64_t c_begin = k == box_begin ? pair_begin % p.channels : 0;
            const int64_t c_end = k == box_end - 1 ? pair_end - k * p.channels : p.channels;
            for (int64_t c = c_begin; c < c_end; c++)
                for (int64_t ph = 0; ph < p.out_h; ph++)
                    for (int64_t pw = 0; pw < p.out_w; pw++) {
                        const int64_t index = argmax[k * os[PK_N] + c * os[PK_C] + ph * os[PK_H] + pw * os[PK_W]];
                        int64_t tn, tc, tp;
                        if (index != -1
                            && (!pk_index_decode(&space, image, c, index, &tn, &tc, &tp) || tn != image || tc != c))
                            return PK_ERR_INVALID_INDEX;
                    }
        }
    }
    if (passes & PK_PASS_ZERO)
        for (int64_t q = zero_begin; q < zero_end; q++)
            for (int64_t n = q / p.channels, c = q % p.channels, h = 0; h < p.height; h++)
                for (int64_t w = 0; w < p.width; w++)
                    grad_input[n * is[PK_N] + c * is[PK_C] + h * is[PK_H] + w * is[PK_W]] = 0.0f;
    if (!(passes & PK_PASS_SCATTER)) return PK_OK;
    for (int64_t k = box_begin; k < box_end; k++) {
        int64_t image;
        float scaled[4];
        /* read again and checked again: the caller may have changed a box since check_boxes */
        if ((status = read_box(&p, boxes, batch_indices, k, &image, scaled)) != PK_OK) return status;
        align_box g;
        if (p.op != PK_ROI_POOL) align_geometry(&p, scaled, &g);
        const int64_t c_begin = k == box_begin ? pair_begin % p.channels : 0;
        const int64_t c_end = k == box_end - 1 ? pair_end - k * p.channels : p.channels;
        for (int64_t c = c_begin; c < c_end; c++) {
            float* grad_plane = grad_input + image * is[PK_N] + c * is[PK_C];
            const float* plane = reads_input ? input_data + image * is[PK_N] + c * is[PK_C] : NULL;
            for (int64_t ph = 0; ph < p.out_h; ph++)
                for (int64_t pw = 0; pw < p.out_w; pw++) {
                    const int64_t o = k * os[PK_N] + c * os[PK_C] + ph * os[PK_H] + pw * os[PK_W];
                    const float grad = grad_output[o];
                    if (p.op == PK_ROI_POOL) {
                        int64_t tn, tc, tp; /* read once: the check pass proved nothing about it now */
                        const int64_t index = pk_read_once(&argmax[o]);
                        if (index == -1) continue;
                        if (!pk_index_decode(&space, image, c, index, &tn, &tc, &tp)) return PK_ERR_INVALID_INDEX;
                        grad_plane[tp / p.width * is[PK_H] + tp % p.width * is[PK_W]] += grad;
                    } else if (p.op == PK_ROI_ALIGN_AVG) {
                        int64_t y_lo, y_hi, x_lo, x_hi;
                        sample_range(&p, g.start_h, g.bin_h, ph, g.grid_h, p.height, &y_lo, &y_hi);
                        sample_range(&p, g.start_w, g.bin_w, pw, g.grid_w, p.width, &x_lo, &x_hi);
                        for (int64_t iy = y_lo; iy < y_hi; iy++) {
                            const float y = sample_at(g.start_h, g.bin_h, ph, iy, g.grid_h);
                            for (int64_t ix = x_lo; ix < x_hi; ix++) {
                                int64_t pos[4];
                                float w[4];
                                if (!bilinear(&p, y, sample_at(g.start_w, g.bin_w, pw, ix, g.grid_w), pos, w)) continue;
                                for (int i = 0; i < 4; i++) grad_plane[pos[i]] += grad * w[i] / g.count;
                            }
                        }
                    } else {
                        int64_t pos[4];
                        float w[4];
                        const int corners = align_max_winner(&p, &g, ph, pw, plane, pos, w);
                        for (int i = 0; i < corners; i++) grad_plane[pos[i]] += grad * w[i];
                    }
                }
        }
    }
    return PK_OK;
}

int32_t pk_roi_backward_f32(const pk_roi_spec* spec, const pk_tensor_desc* input, const float* input_data,
                            int64_t input_capacity, const float* boxes, int64_t boxes_capacity,
                            const int64_t* batch_indices, int64_t batch_indices_capacity, const pk_tensor_desc* output,
                            const float* grad_output, int64_t grad_output_capacity, const int64_t* argmax,
                            int64_t argmax_capacity, float* grad_input, int64_t grad_input_capacity) {
    return roi_backward(spec, input, input_data, input_capacity, boxes, boxes_capacity, batch_indices,
                        batch_indices_capacity, output, grad_output, grad_output_capacity, argmax, argmax_capacity,
                        grad_input, grad_input_capacity, PK_PASS_CHECK | PK_PASS_ZERO | PK_PASS_SCATTER, 0, 0, 1);
}

int32_t pk_roi_backward_range_f32(const pk_roi_spec* spec, const pk_tensor_desc* input, const float* input_data,
                                  int64_t input_capacity, const float* boxes, int64_t boxes_capacity,
                                  const int64_t* batch_indices, int64_t batch_indices_capacity,
                                  const pk_tensor_desc* output, const float* grad_output, int64_t grad_output_capacity,
                                  const int64_t* argmax, int64_t argmax_capacity, float* grad_input,
                                  int64_t grad_input_capacity, int32_t passes, int64_t begin, int64_t end) {
    return roi_backward(spec, input, input_data, input_capacity, boxes, boxes_capacity, batch_indices,
                        batch_indices_capacity, output, grad_output, grad_output_capacity, argmax, argmax_capacity,
                        grad_input, grad_input_capacity, passes, begin, end, 0);
}
