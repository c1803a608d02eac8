/* The ranged gradient and unpooling entry points: every pass over random consecutive ranges, all of a pass before
   the next, gives the bits and status of one whole call; bad passes and ranges are refused. Max backward uses a flat
   index format, so that gradients cross planes, and overlapping windows and boxes, so that the order of additions
   shows. */
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"
#include "check.h"

static const int32_t passes_in_order[4] = {PK_PASS_CHECK, PK_PASS_ZERO, PK_PASS_SCATTER, PK_PASS_VERIFY};

static float* random_floats(int64_t count) {
    float* a = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; i < count; i++) a[i] = (float)uniform(-1000, 1000) / 64.0f;
    return a;
}

static float* poisoned(int64_t count) { /* NaN everywhere: a range that forgets an element shows */
    float* a = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; i < count; i++) a[i] = __builtin_nanf("");
    return a;
}

static void describe(pk_tensor_desc* t, int64_t layout, int64_t n, int64_t c, int64_t h, int64_t w) {
    memset(t, 0, sizeof *t);
    t->layout = layout;
    t->spatial_rank = 2;
    t->batch = n;
    t->channels = c;
    t->spatial[0] = h;
    t->spatial[1] = w;
}

/* Consecutive random ranges covering [0, units) of one pass; returns the first non-OK status. */
#define RUN_IN_RANGES(units, call) \
    do { \
        for (int64_t begin_ = 0; begin_ < (units) && status == PK_OK;) { \
            const int64_t step_ = uniform(1, 5); \
            const int64_t end_ = begin_ + step_ > (units) ? (units) : begin_ + step_; \
            const int64_t begin = begin_, end = end_; \
            status = (call); \
            begin_ = end_; \
        } \
    } while (0)

static void test_pool_backward(int64_t layout, int64_t op, int64_t index_format) {
    const int64_t n = 2, c = 5, h = 9, w = 11;
    pk_pool_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = op;
    spec.spatial_rank = 2;
    spec.isa = PK_ISA_AUTO;
    spec.index_format = index_format;
    for (int i = 0; i < 2; i++)
        spec.kernel[i] = 3, spec.stride[i] = 1, spec.dilation[i] = 1, spec.pad_begin[i] = spec.pad_end[i] = 1;
    pk_tensor_desc in, out;
    describe(&in, layout, n, c, h, w);
    describe(&out, layout, n, c, h, w); /* 3x3, stride 1, padding 1: the same size, overlapping windows */
    const int64_t count = n * c * h * w;
    float *x = random_floats(count), *y = random_floats(count), *gy = random_floats(count);
    int64_t* idx = malloc((size_t)count * sizeof(int64_t));
    const int indexed = op == PK_OP_MAX;
    CHECK(pk_pool_forward_f32(&spec, &in, x, count, &out, y, count, indexed ? idx : NULL, indexed ? count : 0, NULL, 0,
                              0, pk_pool_rows(&spec, &out))
              == PK_OK,
          "forward");
    float *whole = poisoned(count), *ranged = poisoned(count);
    CHECK(pk_pool_backward_f32(&spec, &in, x, count, &out, y, count, gy, count, indexed ? idx : NULL,
                               indexed ? count : 0, whole, count)
              == PK_OK,
          "whole backward");
    int32_t status = PK_OK;
    for (int p = 0; p < 3; p++)
        RUN_IN_RANGES(n * c,
                      pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, indexed ? idx : NULL,
                                                 indexed ? count : 0, ranged, count, passes_in_order[p], begin, end));
    CHECK(status == PK_OK, "ranged backward: status %d", status);
    CHECK(memcmp(whole, ranged, (size_t)count * sizeof(float)) == 0, "layout %lld op %lld format %lld: ranges differ",
          (long long)layout, (long long)op, (long long)index_format);
    if (indexed) { /* an invalid index: the check pass of its range refuses it, before anything is written */
        const int64_t saved = idx[count - 1];
        idx[count - 1] = count * 4;
        status = PK_OK;
        RUN_IN_RANGES(n * c, pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, idx, count,
                                                        ranged, count, PK_PASS_CHECK, begin, end));
        CHECK(status == PK_ERR_INVALID_INDEX, "an invalid index in the last range: status %d", status);
        idx[count - 1] = saved;
    }
    CHECK(pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, idx, count, ranged, count,
                                     PK_PASS_ZERO, 0, n * c + 1)
              == PK_ERR_INVALID_RANGE,
          "a range past the planes");
    CHECK(pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, idx, count, ranged, count,
                                     PK_PASS_ZERO, 3, 2)
              == PK_ERR_INVALID_RANGE,
          "a reversed range");
    CHECK(pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, idx, count, ranged, count,
                                     PK_PASS_ZERO, -1, 2)
              == PK_ERR_INVALID_RANGE,
          "a negative range");
    CHECK(
        pk_pool_backward_range_f32(&spec, &in, x, count, &out, y, count, gy, count, idx, count, ranged, count, 16, 0, 1)
            == PK_ERR_INVALID_OPTION,
        "an unknown pass");
    free(x), free(y), free(gy), free(idx), free(whole), free(ranged);
}

static void test_unpool(int64_t layout, int64_t index_format) {
    const int64_t n = 3, c = 4, h = 8, w = 10;
    pk_pool_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = PK_OP_MAX;
    spec.spatial_rank = 2;
    spec.isa = PK_ISA_AUTO;
    spec.index_format = index_format;
    for (int i = 0; i < 2; i++) spec.kernel[i] = 2, spec.stride[i] = 2, spec.dilation[i] = 1;
    pk_tensor_desc in, out;
    describe(&in, layout, n, c, h, w);
    describe(&out, layout, n, c, h / 2, w / 2);
    const int64_t count = n * c * h * w, pooled = count / 4;
    float *x = random_floats(count), *y = malloc((size_t)pooled * sizeof(float));
    int64_t* idx = malloc((size_t)pooled * sizeof(int64_t));
    CHECK(pk_pool_forward_f32(&spec, &in, x, count, &out, y, pooled, idx, pooled, NULL, 0, 0, pk_pool_rows(&spec, &out))
              == PK_OK,
          "forward");
    float *whole = poisoned(count), *ranged = poisoned(count);
    CHECK(pk_max_unpool_f32(&spec, &out, y, pooled, idx, pooled, &in, whole, count) == PK_OK, "whole unpooling");
    int32_t status = PK_OK;
    for (int p = 0; p < 4; p++)
        RUN_IN_RANGES(n * c, pk_max_unpool_range_f32(&spec, &out, y, pooled, idx, pooled, &in, ranged, count,
                                                     passes_in_order[p], begin, end));
    CHECK(status == PK_OK, "ranged unpooling: status %d", status);
    CHECK(memcmp(whole, ranged, (size_t)count * sizeof(float)) == 0, "layout %lld format %lld: ranges differ",
          (long long)layout, (long long)index_format);
    if (index_format == PK_INDEX_FLAT_ROW_MAJOR || index_format == PK_INDEX_FLAT_COLUMN_MAJOR
        || index_format == PK_INDEX_CHANNELS_LAST_BATCH) { /* indices that name any plane */
        /* the last value sent where the first went, with other bits: the verify pass finds it across ranges */
        const int64_t saved = idx[pooled - 1];
        const float saved_value = y[pooled - 1];
        idx[pooled - 1] = idx[0];
        y[pooled - 1] = y[0] + 1.0f;
        status = PK_OK;
        for (int p = 0; p < 4; p++)
            RUN_IN_RANGES(n * c, pk_max_unpool_range_f32(&spec, &out, y, pooled, idx, pooled, &in, ranged, count,
                                                         passes_in_order[p], begin, end));
        CHECK(status == PK_ERR_CONFLICTING_INDEX, "a conflict across ranges: status %d", status);
        idx[pooled - 1] = saved;
        y[pooled - 1] = saved_value;
    }
    CHECK(pk_max_unpool_range_f32(&spec, &out, y, pooled, idx, pooled, &in, ranged, count, PK_PASS_ZERO, 0, n * c + 1)
              == PK_ERR_INVALID_RANGE,
          "a range past the planes");
    free(x), free(y), free(idx), free(whole), free(ranged);
}

static void test_roi_backward(int64_t layout, int64_t op) {
    const int64_t n = 2, c = 3, h = 12, w = 14, k = 7, oh = 3, ow = 4;
    pk_roi_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.op = op;
    spec.box_format = PK_ROI_BOXES_WITH_INDEX;
    spec.output_height = oh;
    spec.output_width = ow;
    spec.spatial_scale = 1.0;
    spec.sampling_ratio = op == PK_ROI_POOL ? 0 : 2;
    spec.index_format = PK_INDEX_PLANE;
    spec.isa = PK_ISA_AUTO;
    pk_tensor_desc in, out;
    describe(&in, layout, n, c, h, w);
    describe(&out, layout, k, c, oh, ow);
    const int64_t count = n * c * h * w, out_count = k * c * oh * ow;
    float boxes[7 * 5];
    for (int64_t b = 0; b < k; b++) { /* overlapping boxes */
        boxes[b * 5] = (float)(b % n);
        boxes[b * 5 + 1] = (float)uniform(0, 5);
        boxes[b * 5 + 2] = (float)uniform(0, 5);
        boxes[b * 5 + 3] = boxes[b * 5 + 1] + (float)uniform(3, 8);
        boxes[b * 5 + 4] = boxes[b * 5 + 2] + (float)uniform(3, 6);
    }
    float *x = random_floats(count), *y = malloc((size_t)out_count * sizeof(float)), *gy = random_floats(out_count);
    int64_t* argmax = op == PK_ROI_POOL ? malloc((size_t)out_count * sizeof(int64_t)) : NULL;
    CHECK(pk_roi_forward_f32(&spec, &in, x, count, boxes, k * 5, NULL, 0, &out, y, out_count, argmax,
                             argmax ? out_count : 0, 0, k)
              == PK_OK,
          "forward");
    const int reads_input = op == PK_ROI_ALIGN_MAX || op == PK_ROI_ALIGN_MAX_ONNXRUNTIME;
    const float* xs = reads_input ? x : NULL;
    const int64_t xc = reads_input ? count : 0, ac = argmax ? out_count : 0;
    float *whole = poisoned(count), *ranged = poisoned(count);
    CHECK(pk_roi_backward_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count, argmax, ac, whole, count)
              == PK_OK,
          "whole backward");
    int32_t status = PK_OK;
    RUN_IN_RANGES(k * c, pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count,
                                                   argmax, ac, ranged, count, PK_PASS_CHECK, begin, end));
    RUN_IN_RANGES(n * c, pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count,
                                                   argmax, ac, ranged, count, PK_PASS_ZERO, begin, end));
    RUN_IN_RANGES(k * c, pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count,
                                                   argmax, ac, ranged, count, PK_PASS_SCATTER, begin, end));
    CHECK(status == PK_OK, "ranged backward: status %d", status);
    CHECK(memcmp(whole, ranged, (size_t)count * sizeof(float)) == 0, "layout %lld op %lld: ranges differ",
          (long long)layout, (long long)op);
    CHECK(pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count, argmax, ac, ranged,
                                    count, PK_PASS_SCATTER, 0, k * c + 1)
              == PK_ERR_INVALID_RANGE,
          "a range past the pairs");
    CHECK(pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count, argmax, ac, ranged,
                                    count, PK_PASS_ZERO, 0, n * c + 1)
              == PK_ERR_INVALID_RANGE,
          "a range past the planes");
    CHECK(pk_roi_backward_range_f32(&spec, &in, xs, xc, boxes, k * 5, NULL, 0, &out, gy, out_count, argmax, ac, ranged,
                                    count, PK_PASS_VERIFY, 0, 1)
              == PK_ERR_INVALID_OPTION,
          "verify is no pass of region pooling");
    free(x), free(y), free(gy), free(argmax), free(whole), free(ranged);
}

int main(void) {
    rng_state = 20261205;
    for (int64_t layout = 0; layout < 2; layout++) {
        for (int64_t format = PK_INDEX_PLANE; format <= PK_INDEX_CHANNELS_LAST_BATCH; format++) {
            test_pool_backward(layout, PK_OP_MAX, format);
            test_unpool(layout, format);
        }
        test_pool_backward(layout, PK_OP_AVG, PK_INDEX_PLANE);
        for (int64_t op = PK_ROI_POOL; op <= PK_ROI_ALIGN_MAX_ONNXRUNTIME; op++) test_roi_backward(layout, op);
    }
    printf("range_test: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
