/* C tests: output-size rules, validation statuses, and every kernel at every instruction-set level
   this CPU has against the oracle in pool_ref.c, bit for bit, on thousands of seeded random problems.
   Output buffers are surrounded by guard cells that must stay untouched; input buffers are exact,
   so an AddressSanitizer build catches any read outside them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"
#include "check.h"
#include "pool_ref.h"

static void test_output_sizes(void) {
    /* PyTorch 1.13 results quoted in POOLING-SEMANTICS.md: the ceil-mode window starting in the end
       padding is dropped */
    CHECK(pk_pool_output_size(5, 3, 3, 1, 1, 1, 1) == 2, "L=5 k=3 s=3 p=1 ceil");
    CHECK(pk_pool_output_size(7, 2, 3, 1, 1, 1, 1) == 3, "L=7 k=2 s=3 p=1 ceil");
    CHECK(pk_pool_output_size(6, 3, 2, 1, 1, 1, 1) == 4, "L=6 k=3 s=2 p=1 ceil");
    CHECK(pk_pool_output_size(5, 3, 2, 1, 1, 1, 1) == 3, "L=5 k=3 s=2 p=1 ceil");
    CHECK(pk_pool_output_size(112, 3, 2, 1, 1, 1, 0) == 56, "resnet stem");
    CHECK(pk_pool_output_size(5, 3, 1, 3, 0, 0, 0) == 0, "dilated window larger than input");
    CHECK(pk_pool_output_size(0, 1, 1, 1, 0, 0, 0) == -1, "empty input");
    CHECK(pk_pool_output_size(10, 2, 1, INT64_MAX, 0, 0, 0) == -1, "huge dilation");
}

static pk_pool_spec spec_2d(int64_t op, int64_t k, int64_t s, int64_t p) {
    pk_pool_spec spec = {.op = op, .spatial_rank = 2, .isa = PK_ISA_AUTO};
    for (int i = 0; i < 2; i++) {
        spec.kernel[i] = k;
        spec.stride[i] = s;
        spec.dilation[i] = 1;
        spec.pad_begin[i] = spec.pad_end[i] = p;
    }
    return spec;
}

static pk_tensor_desc tensor_2d(int64_t layout, int64_t n, int64_t c, int64_t h, int64_t w) {
    pk_tensor_desc t = {.layout = layout, .spatial_rank = 2, .batch = n, .channels = c};
    t.spatial[0] = h;
    t.spatial[1] = w;
    return t;
}

static void test_validation(void) {
    float x[2 * 3 * 8 * 8], y[2 * 3 * 4 * 4];
    int64_t idx[2 * 3 * 4 * 4];
    pk_pool_spec s = spec_2d(PK_OP_MAX, 2, 2, 0);
    pk_tensor_desc in = tensor_2d(PK_LAYOUT_NCHW, 2, 3, 8, 8), out = tensor_2d(PK_LAYOUT_NCHW, 2, 3, 4, 4);
#define RUN(s_, in_, x_, xc, out_, y_, yc, i_, ic, b, e) \
    pk_pool_forward_f32(s_, in_, x_, xc, out_, y_, yc, i_, ic, NULL, 0, b, e)
    const int64_t rows = pk_pool_rows(&s, &out);
    CHECK(rows == 2 * 3 * 4, "rows %lld", (long long)rows);
    CHECK(RUN(&s, &in, x, 384, &out, y, 96, idx, 96, 0, rows) == PK_OK, "valid call");
    CHECK(RUN(NULL, &in, x, 384, &out, y, 96, NULL, 0, 0, rows) == PK_ERR_NULL_POINTER, "null spec");
    CHECK(RUN(&s, &in, NULL, 384, &out, y, 96, NULL, 0, 0, rows) == PK_ERR_NULL_POINTER, "null input");
    CHECK(RUN(&s, &in, x, 383, &out, y, 96, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "input short");
    CHECK(RUN(&s, &in, x, 384, &out, y, 95, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "output short");
    CHECK(RUN(&s, &in, x, 384, &out, y, 96, idx, 95, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "indices short");
    CHECK(RUN(&s, &in, (const float*)((const char*)x + 1), 383, &out, y, 96, NULL, 0, 0, rows) == PK_ERR_MISALIGNED,
          "misaligned input");
    CHECK(RUN(&s, &in, x, 384, &out, y, 96, NULL, 0, 0, rows + 1) == PK_ERR_INVALID_RANGE, "row end");
    CHECK(RUN(&s, &in, x, 384, &out, y, 96, NULL, 0, -1, 0) == PK_ERR_INVALID_RANGE, "row begin");
    CHECK(RUN(&s, &in, x, 384, &out, y, 96, NULL, 0, 3, 2) == PK_ERR_INVALID_RANGE, "row order");

    pk_pool_spec bad = s;
    bad.op = 99;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_OP, "op");
    bad = s;
    bad.spatial_rank = 4;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_RANK, "rank");
    bad = s;
    bad.kernel[1] = 0;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_KERNEL, "kernel 0");
    bad = s;
    bad.kernel[0] = bad.kernel[1] = 9;
    bad.stride[0] = bad.stride[1] = 1;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_KERNEL, "kernel larger than input");
    bad = s;
    bad.stride[0] = -1;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_STRIDE, "stride");
    bad = s;
    bad.dilation[0] = 0;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_DILATION, "dilation");
    bad = s;
    bad.pad_end[1] = 2;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_PADDING, "padding = kernel");
    bad = s;
    bad.pad_begin[0] = -1;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_PADDING, "negative padding");
    bad = s;
    bad.ceil_mode = 2;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_OPTION, "ceil_mode");
    bad = s;
    bad.isa = 9;
    CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_INVALID_OPTION, "isa");
    bad = s;
    bad.isa = pk_cpu_isa() + 1;
    if (bad.isa <= PK_ISA_AVX512) CHECK(pk_pool_check(&bad, &in, &out) == PK_ERR_UNSUPPORTED_ISA, "isa above the CPU");
    pk_tensor_desc wrong = out;
    wrong.spatial[1] = 5;
    CHECK(pk_pool_check(&s, &in, &wrong) == PK_ERR_OUTPUT_SHAPE_MISMATCH, "output shape");
    wrong = out;
    wrong.layout = PK_LAYOUT_NHWC;
    CHECK(pk_pool_check(&s, &in, &wrong) == PK_ERR_INVALID_LAYOUT, "layouts differ");
    wrong = out;
    wrong.channels = 4;
    CHECK(pk_pool_check(&s, &in, &wrong) == PK_ERR_INVALID_SHAPE, "channels differ");
    wrong = in;
    wrong.batch = INT64_C(1) << 39;
    wrong.channels = INT64_C(1) << 39;
    pk_tensor_desc wrong_out = out;
    wrong_out.batch = wrong.batch;
    wrong_out.channels = wrong.channels;
    CHECK(pk_pool_check(&s, &wrong, &wrong_out) == PK_ERR_SIZE_OVERFLOW, "volume overflow");
    pk_pool_spec avg = s;
    avg.op = PK_OP_AVG;
    CHECK(RUN(&avg, &in, x, 384, &out, y, 96, idx, 96, 0, rows) == PK_ERR_INVALID_OPTION, "avg indices");
    CHECK(strcmp(pk_status_string(PK_ERR_INVALID_PADDING), "unknown status") != 0, "status text");
    CHECK(strcmp(pk_status_string(12345), "unknown status") == 0, "unknown status text");
    CHECK(pk_abi_version() == PK_ABI_VERSION, "abi");
#undef RUN
}

static int same_float(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

#define GUARD 64
static const float GUARD_VALUE = 12345.0f;

/* One random problem, run at every level and in row slices, compared with the oracle. */
static void random_case(int case_number) {
    pk_pool_spec s = {.op = uniform(0, 1), .spatial_rank = uniform(1, 3), .isa = PK_ISA_AUTO};
    static const int64_t channel_choices[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67};
    const int64_t layout = uniform(0, 1);
    pk_tensor_desc in = {.layout = layout,
                         .spatial_rank = s.spatial_rank,
                         .batch = uniform(1, 2),
                         .channels = channel_choices[uniform(0, 14)]};
    pk_tensor_desc out = in;
    s.ceil_mode = uniform(0, 1);
    s.divisor_mode = uniform(0, 2);
    s.divisor_override = uniform(0, 5) == 0 ? uniform(1, 7) : 0;
    s.nan_mode = uniform(0, 1);
    /* a third of the problems have planes of at most 64 elements, which the SIMD levels keep in registers */
    const int small_planes = uniform(0, 2) == 0;
    for (int i = 0; i < s.spatial_rank; i++) {
        const int64_t max_size = small_planes          ? (s.spatial_rank == 3   ? 4
                                                          : s.spatial_rank == 2 ? 8
                                                                                : 64)
                                 : s.spatial_rank == 3 ? 9
                                 : s.spatial_rank == 2 ? 40
                                                       : 70;
        in.spatial[i] = uniform(1, max_size);
        s.kernel[i] = uniform(1, 4);
        s.stride[i] = uniform(0, 3) == 0 ? uniform(3, 5) : uniform(1, 2);
        s.dilation[i] = uniform(0, 3) == 0 ? uniform(2, 3) : 1;
        const int64_t effective = s.dilation[i] * (s.kernel[i] - 1) + 1;
        s.pad_begin[i] = uniform(0, effective - 1);
        s.pad_end[i] = uniform(0, 2) == 0 ? uniform(0, effective - 1) : s.pad_begin[i];
        out.spatial[i] = pk_pool_output_size(in.spatial[i], s.kernel[i], s.stride[i], s.dilation[i], s.pad_begin[i],
                                             s.pad_end[i], s.ceil_mode);
        if (out.spatial[i] < 1) return; /* the window does not fit: not a problem to run */
    }
    int64_t in_volume = in.batch * in.channels, out_volume = in.batch * in.channels;
    for (int i = 0; i < s.spatial_rank; i++) {
        in_volume *= in.spatial[i];
        out_volume *= out.spatial[i];
    }
    const int special_values = uniform(0, 3) == 0;
    /* coarse values tie often (the tie rules); fine ones round in sums, so a reordered sum differs */
    const int fine_values = uniform(0, 2) == 0;
    float* x = malloc(sizeof(float) * in_volume);
    for (int64_t i = 0; i < in_volume; i++) {
        x[i] = fine_values ? (float)uniform(-1000000, 1000000) / 7919.0f
                           : (float)uniform(-8, 8) * (uniform(0, 1) ? 1.0f : 0.25f);
        if (special_values) {
            int64_t r = uniform(0, 19);
            if (r == 0) x[i] = NAN;
            else if (r == 1) x[i] = INFINITY;
            else if (r == 2) x[i] = -INFINITY;
            else if (r <= 5) x[i] = uniform(0, 1) ? -0.0f : 0.0f; /* ties of signed zeros expose tap order */
        }
    }
    const int with_indices = s.op == PK_OP_MAX && uniform(0, 1);
    float* expected = malloc(sizeof(float) * out_volume);
    int64_t* expected_indices = malloc(sizeof(int64_t) * out_volume);
    pool_ref_f32(&s, &in, x, &out, expected, with_indices ? expected_indices : NULL);
    /* min pooling is max pooling of the negated input, negated back (same ties, NaNs and indices): a max
       problem becomes a min problem over -x, whose oracle results are the max ones negated */
    if (s.op == PK_OP_MAX && uniform(0, 2) == 0) {
        s.op = PK_OP_MIN;
        for (int64_t i = 0; i < in_volume; i++) x[i] = -x[i];
        for (int64_t i = 0; i < out_volume; i++) expected[i] = -expected[i];
    }

    float* y = malloc(sizeof(float) * (out_volume + 2 * GUARD));
    int64_t* idx = malloc(sizeof(int64_t) * (out_volume + 2 * GUARD));
    const int64_t rows = pk_pool_rows(&s, &out);
    for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
        s.isa = isa;
        for (int sliced = 0; sliced < 3; sliced++) {
            for (int64_t i = 0; i < out_volume + 2 * GUARD; i++) {
                y[i] = GUARD_VALUE;
                idx[i] = -7;
            }
            int32_t status = PK_OK;
            if (!sliced) {
                status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y + GUARD, out_volume,
                                             with_indices ? idx + GUARD : NULL, out_volume, NULL, 0, 0, rows);
            } else { /* three uneven slices must add up to the whole, each writing its own rows only: run in
                        order (1) or in reverse (2), the rows of the slices still to come stay untouched */
                int64_t cut1 = uniform(0, rows), cut2 = uniform(cut1, rows);
                int64_t cuts[4] = {0, cut1, cut2, rows};
                const int64_t row_elements = out_volume / rows; /* dense outputs: rows are equal runs */
                for (int step = 0; step < 3 && status == PK_OK; step++) {
                    const int k = sliced == 1 ? step : 2 - step;
                    status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y + GUARD, out_volume,
                                                 with_indices ? idx + GUARD : NULL, out_volume, NULL, 0, cuts[k],
                                                 cuts[k + 1]);
                    const int64_t untouched_begin = sliced == 1 ? cuts[k + 1] * row_elements : 0;
                    const int64_t untouched_end = sliced == 1 ? out_volume : cuts[k] * row_elements;
                    int untouched = 1;
                    for (int64_t i = untouched_begin; i < untouched_end; i++)
                        untouched &= y[GUARD + i] == GUARD_VALUE && idx[GUARD + i] == -7;
                    CHECK(untouched, "case %d isa %d: slice [%lld, %lld) wrote outside its rows", case_number, isa,
                          (long long)cuts[k], (long long)cuts[k + 1]);
                }
            }
            CHECK(status == PK_OK, "case %d isa %d: status %d", case_number, isa, status);
            int mismatches = 0, guards_ok = 1;
            for (int64_t i = 0; i < GUARD; i++) {
                guards_ok &= y[i] == GUARD_VALUE && y[GUARD + out_volume + i] == GUARD_VALUE;
                guards_ok &= idx[i] == -7 && idx[GUARD + out_volume + i] == -7;
            }
            for (int64_t i = 0; i < out_volume && mismatches < 3; i++) {
                int ok = same_float(y[GUARD + i], expected[i]);
                if (with_indices) ok &= idx[GUARD + i] == expected_indices[i];
                if (!ok) {
                    mismatches++;
                    fprintf(stderr,
                            "case %d isa %d sliced %d op %lld layout %lld rank %lld C %lld: element %lld "
                            "got %g [%lld] want %g [%lld]\n",
                            case_number, isa, sliced, (long long)s.op, (long long)layout, (long long)s.spatial_rank,
                            (long long)in.channels, (long long)i, y[GUARD + i],
                            with_indices ? (long long)idx[GUARD + i] : 0LL, expected[i],
                            with_indices ? (long long)expected_indices[i] : 0LL);
                }
            }
            CHECK(mismatches == 0, "case %d isa %d: output differs from the oracle", case_number, isa);
            CHECK(guards_ok, "case %d isa %d: wrote outside the output", case_number, isa);
        }
    }
    free(x);
    free(expected);
    free(expected_indices);
    free(y);
    free(idx);
}

/* A float of any class: random bits (a tenth of them subnormal or below 2^-100, some infinite or NaN), a
   magnitude below 2^-90, or an ordinary value. */
static float any_float(void) {
    const int64_t kind = uniform(0, 2);
    float x;
    if (kind == 0) {
        const uint32_t bits = (uint32_t)next_random();
        memcpy(&x, &bits, sizeof x);
    } else if (kind == 1) {
        x = ldexpf((float)uniform(-(1 << 24), 1 << 24), (int)uniform(-175, -114));
    } else {
        x = (float)uniform(-1000000, 1000000) / 7919.0f;
    }
    return x;
}

/* Averages of sums of every float class (subnormal, tiny, infinite, NaN, signed zeros) at a density from none
   to most lanes, by divisors from 1 past 2^24 (where a float no longer holds every integer), through each
   channels-first path (tiles, planes in registers, along the width) and across channels: every result must be
   the oracle's sum / divisor bit for bit. */
static void test_average_division(void) {
    static const int64_t overrides[] = {0,
                                        1,
                                        3,
                                        6,
                                        7,
                                        9,
                                        25,
                                        49,
                                        1000,
                                        999983,
                                        (1 << 21) - 1,
                                        1 << 21,
                                        (1 << 21) + 1,
                                        3000017,
                                        (1 << 24) + 1,
                                        12345678901ll};
    static const int64_t shapes[][4] = {/* h, w, kernel, padding */ {28, 28, 3, 1}, {4, 4, 2, 0}, {3, 300, 1, 0}};
    static const int64_t densities[] = {0, 1000, 20, 2}; /* one element in this many is special; 0: none */
    rng_state = 7;
    for (int64_t shape = 0; shape < 3; shape++)
        for (int64_t o = 0; o < (int64_t)(sizeof overrides / sizeof overrides[0]); o++)
            for (int64_t layout = 0; layout < 2; layout++) {
                const int64_t h = shapes[shape][0], w = shapes[shape][1], k = shapes[shape][2], pad = shapes[shape][3];
                const int64_t c = 37, density = densities[(o + layout) % 4];
                pk_pool_spec s = spec_2d(PK_OP_AVG, k, 1, pad);
                s.divisor_mode = PK_DIVISOR_EXCLUDE_PADDING;
                s.divisor_override = overrides[o];
                const pk_tensor_desc in = tensor_2d(layout, 1, c, h, w);
                const pk_tensor_desc out = tensor_2d(layout, 1, c, pk_pool_output_size(h, k, 1, 1, pad, pad, 0),
                                                     pk_pool_output_size(w, k, 1, 1, pad, pad, 0));
                const int64_t in_volume = c * h * w, out_volume = c * out.spatial[0] * out.spatial[1];
                float* x = malloc(sizeof(float) * in_volume);
                for (int64_t i = 0; i < in_volume; i++)
                    x[i] =
                        density && uniform(1, density) == 1 ? any_float() : (float)uniform(-1000000, 1000000) / 7919.0f;
                float* expected = malloc(sizeof(float) * out_volume);
                float* y = malloc(sizeof(float) * out_volume);
                pool_ref_f32(&s, &in, x, &out, expected, NULL);
                for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                    s.isa = isa;
                    const int32_t status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, NULL, 0,
                                                               NULL, 0, 0, pk_pool_rows(&s, &out));
                    int64_t first_wrong = -1;
                    for (int64_t i = 0; i < out_volume && first_wrong < 0; i++)
                        if (!same_float(y[i], expected[i])) first_wrong = i;
                    CHECK(status == PK_OK && first_wrong < 0,
                          "average division: shape %lld override %lld layout %lld isa %d: element %lld got %a want %a",
                          (long long)shape, (long long)overrides[o], (long long)layout, isa, (long long)first_wrong,
                          first_wrong < 0 ? 0.0 : y[first_wrong], first_wrong < 0 ? 0.0 : expected[first_wrong]);
                }
                free(x);
                free(expected);
                free(y);
            }
}

/* n inputs: ordinary values with, one in 200 each, NaN, +inf and -inf, and one in 50 a signed zero. */
static float* special_values(int64_t n) {
    float* x = malloc(sizeof(float) * n);
    for (int64_t i = 0; i < n; i++) {
        const int64_t r = uniform(0, 199);
        x[i] = r == 0   ? NAN
               : r == 1 ? INFINITY
               : r == 2 ? -INFINITY
               : r <= 6 ? (r % 2 ? -0.0f : 0.0f)
                        : (float)uniform(-1000000, 1000000) / 7919.0f;
    }
    return x;
}

/* A max problem, its input and its oracle's outputs turned into min pooling: the min of x is the negated max of -x. */
static void as_min(pk_pool_spec* s, float* x, int64_t in_volume, float* expected, int64_t out_volume) {
    s->op = PK_OP_MIN;
    for (int64_t i = 0; i < in_volume; i++) x[i] = -x[i];
    for (int64_t i = 0; i < out_volume; i++) expected[i] = -expected[i];
}

/* Global pooling of channels-first planes, whole planes beyond the tap lists and within them, with windows
   that reach into padding around a whole plane too: every op and NaN mode, counts of planes that leave
   partial groups, special values, and row slices that cut groups, against the oracle (min as the negated max
   of the negated input). */
static void test_whole_planes(void) {
    /* rank, sizes (d, h, w as used), then `longer`: 1 makes the w kernel one longer than the axis with padding
       pad_begin (the other end padded otherwise); 2 makes the first axis's kernel one shorter, two outputs */
    static const int64_t shapes[][6] = {{2, 17, 17, 0, 0, 0}, {1, 300, 0, 0, 0, 0}, {3, 5, 8, 9, 0, 0},
                                        {2, 17, 17, 0, 1, 1}, {2, 17, 17, 0, 1, 0}, {2, 7, 7, 0, 0, 0},
                                        {2, 19, 17, 0, 2, 0}};
    rng_state = 11;
    for (int64_t shape = 0; shape < 7; shape++)
        for (int64_t variant = 0; variant < 6; variant++) {
            const int64_t* sh = shapes[shape];
            const int64_t rank = sh[0], longer = sh[4], op = variant % 3, nan_mode = variant / 3;
            pk_pool_spec s = {.op = op == 2 ? PK_OP_MAX : op,
                              .spatial_rank = rank,
                              .nan_mode = nan_mode,
                              .divisor_mode = variant % 2 ? PK_DIVISOR_INCLUDE_PADDING : PK_DIVISOR_EXCLUDE_PADDING};
            pk_tensor_desc in = {.layout = PK_LAYOUT_NCHW, .spatial_rank = rank, .batch = 2, .channels = 37};
            pk_tensor_desc out = in;
            int64_t plane = 1, out_volume = 2 * 37;
            for (int i = 0; i < rank; i++) {
                in.spatial[i] = sh[1 + i];
                s.kernel[i] = in.spatial[i] + (longer == 1 && i == rank - 1) - (longer == 2 && i == 0);
                s.stride[i] = s.dilation[i] = 1;
                s.pad_begin[i] = longer == 1 && i == rank - 1 ? sh[5] : 0;
                s.pad_end[i] = longer == 1 && i == rank - 1 ? 1 - sh[5] : 0;
                out.spatial[i] = pk_pool_output_size(in.spatial[i], s.kernel[i], 1, 1, s.pad_begin[i], s.pad_end[i], 0);
                plane *= in.spatial[i];
                out_volume *= out.spatial[i];
            }
            const int64_t in_volume = 2 * 37 * plane;
            float* x = special_values(in_volume);
            float* expected = malloc(sizeof(float) * out_volume);
            float* y = malloc(sizeof(float) * out_volume);
            pool_ref_f32(&s, &in, x, &out, expected, NULL);
            if (op == 2) as_min(&s, x, in_volume, expected, out_volume);
            const int64_t rows = pk_pool_rows(&s, &out);
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                for (int64_t i = 0; i < out_volume; i++) y[i] = GUARD_VALUE;
                const int64_t cut = uniform(0, rows); /* two slices, the later rows first */
                int32_t status =
                    pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, NULL, 0, NULL, 0, cut, rows);
                if (status == PK_OK)
                    status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, NULL, 0, NULL, 0, 0, cut);
                int same = status == PK_OK;
                for (int64_t i = 0; i < out_volume && same; i++) same = same_float(y[i], expected[i]);
                CHECK(same, "whole planes: shape %lld op %lld nan mode %lld isa %d, rows cut at %lld, status %d",
                      (long long)shape, (long long)op, (long long)nan_mode, isa, (long long)cut, status);
            }
            free(x);
            free(expected);
            free(y);
        }
}

/* Channels-first planes too large for the registers whose windows along the outer axis neither overlap nor pad,
   which the SIMD levels compute in bands of that axis (planes.h): each shape names the levels whose chosen path
   must be planes without indices, and every level must match the oracle bit for bit, for every op and NaN mode,
   special values, an odd count of planes (37) that leaves partial groups and bands, row slices that cut bands,
   and with indices (which count from the plane's start, so they never take bands). */
static void test_planes_in_bands(void) {
    /* rank, sizes (d, h, w as used), kernel, stride, w padding on both ends, planes expected at (bit 0) AVX2,
       (bit 1) AVX-512, ceil_mode */
    static const int64_t shapes[][13] = {
        {2, 8, 8, 0, 2, 2, 0, 2, 2, 0, 0, 3, 0},  /* S6: bands at AVX2, whole planes at AVX-512 */
        {2, 16, 8, 0, 2, 2, 0, 2, 2, 0, 0, 3, 0}, /* bands at both levels */
        {2, 8, 8, 0, 2, 3, 0, 2, 2, 0, 1, 3, 0},  /* windows past the row's ends */
        {2, 16, 4, 0, 1, 2, 0, 1, 2, 0, 0, 3, 0}, /* one-tall windows at stride 1 */
        {2, 6, 8, 0, 2, 2, 0, 2, 2, 0, 0, 3, 0},  /* bands of one output row, two in a group, at AVX2 */
        {2, 10, 8, 0, 2, 2, 0, 2, 2, 0, 0, 3, 0}, /* bands of one output row at both levels */
        {3, 4, 2, 8, 2, 1, 2, 2, 1, 2, 0, 3, 0},  /* bands of the depth */
        {3, 4, 4, 8, 2, 1, 2, 2, 1, 2, 0, 2, 0},  /* bands of the depth at AVX-512 only */
        {2, 9, 8, 0, 2, 2, 0, 2, 2, 0, 0, 0, 0},  /* a row left over: no bands */
        {2, 16, 8, 0, 3, 2, 0, 2, 2, 0, 0, 0, 0}, /* overlapping windows: no bands */
        {2, 16, 8, 0, 3, 2, 0, 2, 2, 0, 0, 0, 1}, /* overlapping, and with ceil_mode as many rows as bands would
                                                     have: no bands */
    };
    const int64_t plan_size = pk_pool_plan_size();
    uint64_t* plan = malloc((size_t)plan_size);
    rng_state = 13;
    for (int64_t shape = 0; shape < (int64_t)(sizeof shapes / sizeof shapes[0]); shape++)
        for (int64_t variant = 0; variant < 8; variant++) {
            const int64_t* sh = shapes[shape];
            /* variants 0-5: max, average, min in both NaN modes; 6-7: max with indices in both */
            const int64_t rank = sh[0], with_indices = variant >= 6, op = with_indices ? 0 : variant % 3;
            const int64_t nan_mode = with_indices ? variant - 6 : variant / 3;
            pk_pool_spec s = {.op = op == 2 ? PK_OP_MAX : op,
                              .spatial_rank = rank,
                              .nan_mode = nan_mode,
                              .ceil_mode = sh[12],
                              .divisor_mode = variant % 2 ? PK_DIVISOR_INCLUDE_PADDING : PK_DIVISOR_EXCLUDE_PADDING};
            pk_tensor_desc in = {.layout = PK_LAYOUT_NCHW, .spatial_rank = rank, .batch = 1, .channels = 37};
            pk_tensor_desc out = in;
            int64_t plane = 1, out_volume = 37;
            for (int i = 0; i < rank; i++) {
                in.spatial[i] = sh[1 + i];
                s.kernel[i] = sh[4 + i];
                s.stride[i] = sh[7 + i];
                s.dilation[i] = 1;
                s.pad_begin[i] = s.pad_end[i] = i == rank - 1 ? sh[10] : 0;
                out.spatial[i] = pk_pool_output_size(in.spatial[i], s.kernel[i], s.stride[i], 1, s.pad_begin[i],
                                                     s.pad_end[i], s.ceil_mode);
                plane *= in.spatial[i];
                out_volume *= out.spatial[i];
            }
            const int64_t in_volume = 37 * plane;
            float* x = special_values(in_volume);
            float* expected = malloc(sizeof(float) * out_volume);
            float* y = malloc(sizeof(float) * out_volume);
            int64_t* expected_indices = malloc(sizeof(int64_t) * out_volume);
            int64_t* idx = malloc(sizeof(int64_t) * out_volume);
            pool_ref_f32(&s, &in, x, &out, expected, expected_indices);
            if (op == 2) as_min(&s, x, in_volume, expected, out_volume);
            const int64_t rows = pk_pool_rows(&s, &out);
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                if (isa > PK_ISA_SCALAR && !with_indices && pk_pool_prepare(&s, &in, &out, plan, plan_size) == PK_OK) {
                    const char* path = pk_pool_plan_path(plan, plan_size, 0);
                    const int planes = path && strcmp(strchr(path, ':') ? strchr(path, ':') + 1 : path, "planes") == 0;
                    CHECK(planes == ((sh[11] >> (isa == PK_ISA_AVX2 ? 0 : 1)) & 1),
                          "planes in bands: shape %lld op %lld isa %d takes path %s", (long long)shape, (long long)op,
                          isa, path ? path : "(null)");
                }
                for (int64_t i = 0; i < out_volume; i++) {
                    y[i] = GUARD_VALUE;
                    idx[i] = -1;
                }
                int64_t* indices = with_indices ? idx : NULL;
                const int64_t index_capacity = with_indices ? out_volume : 0;
                const int64_t cut = uniform(0, rows); /* two slices, the later rows first */
                int32_t status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, indices,
                                                     index_capacity, NULL, 0, cut, rows);
                if (status == PK_OK)
                    status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, indices, index_capacity,
                                                 NULL, 0, 0, cut);
                int same = status == PK_OK;
                for (int64_t i = 0; i < out_volume && same; i++)
                    same = same_float(y[i], expected[i]) && (!with_indices || idx[i] == expected_indices[i]);
                CHECK(same,
                      "planes in bands: shape %lld op %lld nan mode %lld indices %lld isa %d, rows cut at %lld, "
                      "status %d",
                      (long long)shape, (long long)op, (long long)nan_mode, (long long)with_indices, isa,
                      (long long)cut, status);
            }
            free(x);
            free(expected);
            free(y);
            free(expected_indices);
            free(idx);
        }
    free(plan);
}

/* The standard shapes with their real sizes, checked once at every level. */
static void test_standard_shape(int64_t layout, int64_t op, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k,
                                int64_t stride, int64_t pad, int64_t divisor_mode) {
    rng_state = (uint64_t)(n * 131 + c * 7 + h);
    pk_pool_spec s = spec_2d(op, k, stride, pad);
    s.divisor_mode = divisor_mode;
    pk_tensor_desc in = tensor_2d(layout, n, c, h, w);
    pk_tensor_desc out = tensor_2d(layout, n, c, pk_pool_output_size(h, k, stride, 1, pad, pad, 0),
                                   pk_pool_output_size(w, k, stride, 1, pad, pad, 0));
    const int64_t in_volume = n * c * h * w, out_volume = n * c * out.spatial[0] * out.spatial[1];
    float* x = malloc(sizeof(float) * in_volume);
    for (int64_t i = 0; i < in_volume; i++) x[i] = (float)uniform(-1000, 1000) / 16.0f;
    float* expected = malloc(sizeof(float) * out_volume);
    float* y = malloc(sizeof(float) * out_volume);
    pool_ref_f32(&s, &in, x, &out, expected, NULL);
    for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
        s.isa = isa;
        int32_t status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, NULL, 0, NULL, 0, 0,
                                             pk_pool_rows(&s, &out));
        CHECK(status == PK_OK && memcmp(y, expected, sizeof(float) * out_volume) == 0,
              "standard shape %lldx%lldx%lldx%lld layout %lld op %lld isa %d", (long long)n, (long long)c, (long long)h,
              (long long)w, (long long)layout, (long long)op, isa);
    }
    free(x);
    free(expected);
    free(y);
}

/* Outputs at every offset from the input within a page: channels-last kernels choose the order of their passes
   over the channels from where the output lies against the input (pair_passes_descending), and each order must
   give the same bits. 3x3 averages at stride 1 and 2 whose pixels lie a multiple of 256 bytes apart. */
static void test_output_offsets(void) {
    static const int64_t shapes[][4] = {
        /* channels, size, stride, batch */ {256, 12, 1, 1}, {320, 13, 2, 2}, {64, 9, 1, 1}};
    static const int64_t offsets[] = {0, 4, 32, 60, 64, 96, 128, 192, 256, 960, 1024 + 64, 2048 + 64, 4032};
    rng_state = 99;
    for (int64_t shape = 0; shape < 3; shape++) {
        const int64_t c = shapes[shape][0], size = shapes[shape][1], stride = shapes[shape][2], n = shapes[shape][3];
        pk_pool_spec s = spec_2d(PK_OP_AVG, 3, stride, 1);
        s.divisor_mode = PK_DIVISOR_EXCLUDE_PADDING;
        const pk_tensor_desc in = tensor_2d(PK_LAYOUT_NHWC, n, c, size, size);
        const int64_t out_size = pk_pool_output_size(size, 3, stride, 1, 1, 1, 0);
        const pk_tensor_desc out = tensor_2d(PK_LAYOUT_NHWC, n, c, out_size, out_size);
        const int64_t in_volume = n * c * size * size, out_volume = n * c * out_size * out_size;
        float* x = aligned_alloc(4096, (size_t)(in_volume * 4 + 4095) / 4096 * 4096);
        for (int64_t i = 0; i < in_volume; i++) x[i] = (float)uniform(-1000000, 1000000) / 7919.0f;
        float* expected = malloc(sizeof(float) * out_volume);
        pool_ref_f32(&s, &in, x, &out, expected, NULL);
        float* page = aligned_alloc(4096, (size_t)(out_volume * 4 + 8192) / 4096 * 4096);
        for (int64_t o = 0; o < (int64_t)(sizeof offsets / sizeof offsets[0]); o++) {
            float* y = page + offsets[o] / 4;
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                memset(y, 0xff, sizeof(float) * out_volume);
                const int32_t status = pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, NULL, 0, NULL, 0,
                                                           0, pk_pool_rows(&s, &out));
                CHECK(status == PK_OK && memcmp(y, expected, sizeof(float) * out_volume) == 0,
                      "output offset %lld from the input's page, %lld channels of %lldx%lld, stride %lld, isa %d",
                      (long long)offsets[o], (long long)c, (long long)size, (long long)size, (long long)stride, isa);
            }
        }
        free(x);
        free(expected);
        free(page);
    }
}

/* Kernels with more taps than the SIMD tap lists hold (global pooling over a 17x17 plane) take the
   scalar path at every level, in both layouts. */
static void test_large_kernels(void) {
    for (int64_t layout = 0; layout < 2; layout++)
        for (int64_t op = 0; op < 2; op++) {
            pk_pool_spec s = spec_2d(op, 17, 17, 0);
            pk_tensor_desc in = tensor_2d(layout, 2, 19, 17, 17), out = tensor_2d(layout, 2, 19, 1, 1);
            const int64_t in_volume = 2 * 19 * 17 * 17, out_volume = 2 * 19;
            float* x = malloc(sizeof(float) * in_volume);
            for (int64_t i = 0; i < in_volume; i++) x[i] = (float)uniform(-64, 64) / 4.0f;
            float expected[2 * 19], y[2 * 19];
            int64_t expected_indices[2 * 19], idx[2 * 19];
            pool_ref_f32(&s, &in, x, &out, expected, op == PK_OP_MAX ? expected_indices : NULL);
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                int32_t status =
                    pk_pool_forward_f32(&s, &in, x, in_volume, &out, y, out_volume, op == PK_OP_MAX ? idx : NULL,
                                        out_volume, NULL, 0, 0, pk_pool_rows(&s, &out));
                int same = status == PK_OK;
                for (int64_t i = 0; i < out_volume && same; i++)
                    same = same_float(y[i], expected[i]) && (op != PK_OP_MAX || idx[i] == expected_indices[i]);
                CHECK(same, "17x17 kernel, layout %lld op %lld isa %d", (long long)layout, (long long)op, isa);
            }
            free(x);
        }
}

int main(int argc, char** argv) {
    const int cases = argc > 1 ? atoi(argv[1]) : 3000;
    printf("poolkit C tests: cpu isa %d, default isa %d\n", pk_cpu_isa(), pk_default_isa());
    test_output_sizes();
    test_validation();
    for (int64_t layout = 0; layout < 2; layout++) {
        test_standard_shape(layout, PK_OP_MAX, 1, 64, 112, 112, 3, 2, 1, 0);
        test_standard_shape(layout, PK_OP_MAX, 1, 16, 8, 8, 2, 2, 0, 0);
        test_standard_shape(layout, PK_OP_AVG, 1, 256, 28, 28, 3, 1, 1, PK_DIVISOR_EXCLUDE_PADDING);
    }
    test_large_kernels();
    test_output_offsets();
    test_average_division();
    test_whole_planes();
    test_planes_in_bands();
    rng_state = 42;
    for (int i = 0; i < cases; i++) random_case(i);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
