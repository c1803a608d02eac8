/* C tests of the library's safety promises under hostile input, meant to run under ASan+UBSan: indices that
   change while unpooling or a backward pass reads them (a second thread, or indices aliasing the output),
   sizes whose products overflow, fractional windows on axes long enough for float rounding to pass the last
   start, the accuracy of averages over wide windows at every level, and inputs placed against pages that cannot
   be read, so that a kernel reading past either end of its input faults, and methods' params and fractional
   samples that another thread changes after a run checked them. */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS under -std=c11 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "poolkit.h"
#include "check.h"

#define GUARD 16
#define GUARD_VALUE 12345.0f

/* Flips one index between a valid value and -1 until told to stop. */
typedef struct flipper {
    int64_t* index;
    int64_t valid;
    int stop;
} flipper;

static void* flip(void* arg) {
    flipper* f = arg;
    while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
        __atomic_store_n(f->index, -1, __ATOMIC_RELAXED);
        __atomic_store_n(f->index, f->valid, __ATOMIC_RELAXED);
    }
    return NULL;
}

static int guards_intact(const float* buffer, int64_t count) {
    for (int64_t i = 0; i < GUARD; i++)
        if (buffer[i] != GUARD_VALUE || buffer[GUARD + count + i] != GUARD_VALUE) return 0;
    return 1;
}

/* Unpooling and max backward while another thread flips an index: every call ends with a status and writes
   nothing outside its output. */
static void test_index_races(void) {
    const int64_t planes = 4, side = 128, in_side = 64, count = planes * side * side,
                  in_count = planes * in_side * in_side;
    pk_tensor_desc in = {
        .layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = planes, .spatial = {in_side, in_side}};
    pk_tensor_desc out = in;
    out.spatial[0] = out.spatial[1] = side;
    float* values = malloc(sizeof(float) * in_count);
    int64_t* idx = malloc(sizeof(int64_t) * in_count);
    float* y = malloc(sizeof(float) * (count + 2 * GUARD));
    for (int64_t i = 0; i < in_count; i++) {
        const int64_t h = i % (in_side * in_side) / in_side, w = i % in_side;
        values[i] = (float)(i % 97) + 1.0f;
        idx[i] = (2 * h) * side + 2 * w; /* the top-left of each 2x2 window */
    }
    flipper f = {&idx[in_count / 2], idx[in_count / 2], 0};
    pthread_t thread;
    pthread_create(&thread, NULL, flip, &f);
    pk_pool_spec unpool = {.spatial_rank = 2, .isa = PK_ISA_AUTO, .index_format = PK_INDEX_PLANE};
    int statuses_ok = 1, guards_ok = 1, refused = 0;
    for (int run = 0; run < 40; run++) {
        for (int64_t i = 0; i < count + 2 * GUARD; i++) y[i] = GUARD_VALUE;
        const int32_t status = pk_max_unpool_f32(&unpool, &in, values, in_count, idx, in_count, &out, y + GUARD, count);
        statuses_ok &= status == PK_OK || status == PK_ERR_INVALID_INDEX;
        refused += status != PK_OK;
        guards_ok &= guards_intact(y, count);
    }
    CHECK(statuses_ok && guards_ok, "unpooling under a racing index: statuses %d, guards %d", statuses_ok, guards_ok);
    /* the backward pass of max pooling 2x2 over the 128x128 planes reads the same indices */
    pk_pool_spec pool = {
        .op = PK_OP_MAX, .spatial_rank = 2, .kernel = {2, 2}, .stride = {2, 2}, .dilation = {1, 1}, .isa = PK_ISA_AUTO};
    float* grad = malloc(sizeof(float) * in_count);
    for (int64_t i = 0; i < in_count; i++) grad[i] = 1.0f;
    statuses_ok = guards_ok = 1;
    for (int run = 0; run < 40; run++) {
        for (int64_t i = 0; i < count + 2 * GUARD; i++) y[i] = GUARD_VALUE;
        const int32_t status =
            pk_pool_backward_f32(&pool, &out, NULL, 0, &in, NULL, 0, grad, in_count, idx, in_count, y + GUARD, count);
        statuses_ok &= status == PK_OK || status == PK_ERR_INVALID_INDEX;
        guards_ok &= guards_intact(y, count);
    }
    CHECK(statuses_ok && guards_ok, "max backward under a racing index: statuses %d, guards %d", statuses_ok,
          guards_ok);
    __atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
    pthread_join(thread, NULL);
    printf("safety_test: %d of 40 racing unpool runs saw the bad index\n", refused);
    free(values);
    free(idx);
    free(y);
    free(grad);
}

/* Indices that share memory with the output (the header does not forbid it): zeroing and scattering rewrite
   them between the passes. Every index is checked where it is used, so this ends with a status, inside. */
static void test_aliased_indices(void) {
    pk_tensor_desc in = {.layout = PK_LAYOUT_NCHW, .spatial_rank = 1, .batch = 1, .channels = 1, .spatial = {2}};
    pk_tensor_desc out = in;
    out.spatial[0] = 4;
    pk_pool_spec unpool = {.spatial_rank = 1, .isa = PK_ISA_AUTO, .index_format = PK_INDEX_PLANE};
    int64_t* storage = malloc(sizeof(int64_t) * 2); /* the output's 4 floats are the 2 indices */
    float values[2] = {-1.0f, 2.0f};
    storage[0] = 1;
    storage[1] = 3;
    const int32_t status = pk_max_unpool_f32(&unpool, &in, values, 2, storage, 2, &out, (float*)storage, 4);
    CHECK(status == PK_OK || status == PK_ERR_INVALID_INDEX || status == PK_ERR_CONFLICTING_INDEX,
          "aliased indices: status %d", status);
    free(storage);
}

/* Products of sizes past 64 bits are refused, not wrapped. */
static void test_overflowing_sizes(void) {
    const int64_t limit = PK_MAX_EXTENT;
    CHECK(pk_unpool_output_size((INT64_C(1) << 24) + 1, 5, limit, 0, 0) == -1, "unpooled size past 2^64");
    CHECK(pk_unpool_output_size(2, 1, limit - 1, 0, 0) == limit && pk_unpool_output_size(2, 2, limit - 1, 0, 0) == -1,
          "unpooled size at and past the limit");
    CHECK(pk_pool_output_size((INT64_C(1) << 24) + 1, (INT64_C(1) << 24) + 1, 1, limit, 0, 0, 0) == 0,
          "dilated kernel past 2^64 fits nothing");
    CHECK(pk_pool_output_size(10, 3, 0, 1, 0, 0, 0) == -1 && pk_pool_output_size(10, -3, 1, 1, 0, 0, 0) == -1,
          "stride 0, negative kernel");
    CHECK(pk_pool_output_size(limit + 1, 1, 1, 1, 0, 0, 0) == -1, "input past the limit");
}

/* Fractional windows on an axis of 8,471,693 elements, where float rounding puts the computed start of a
   window past L - kernel: the window is clamped to the last one that fits, and nothing past the input is read
   (ASan). */
static void test_fractional_long_axis(void) {
    const int64_t length = 8471693, kernel = 2, outputs = 8469547;
    pk_pool_spec spec = {.op = PK_OP_MAX,
                         .window = PK_WINDOW_FRACTIONAL,
                         .spatial_rank = 1,
                         .kernel = {kernel},
                         .stride = {1},
                         .dilation = {1},
                         .isa = PK_ISA_AUTO};
    pk_tensor_desc in = {.layout = PK_LAYOUT_NCHW, .spatial_rank = 1, .batch = 1, .channels = 1, .spatial = {length}};
    pk_tensor_desc out = in;
    out.spatial[0] = outputs;
    float* x = malloc(sizeof(float) * length);
    for (int64_t i = 0; i < length; i++) x[i] = (float)(i % 1000);
    float* y = malloc(sizeof(float) * outputs);
    int64_t* idx = malloc(sizeof(int64_t) * outputs);
    const float sample = 0.5f;
    const int32_t status = pk_pool_forward_f32(&spec, &in, x, length, &out, y, outputs, idx, outputs, &sample, 1, 0, 1);
    int64_t largest = 0;
    for (int64_t o = 0; o < outputs; o++) largest = idx[o] > largest ? idx[o] : largest;
    CHECK(status == PK_OK && largest <= length - 1, "fractional long axis: status %d, largest index %lld", status,
          (long long)largest);
    free(x);
    free(y);
    free(idx);
}

/* Global averages of one 4096x4096 plane, constant 0.1 and N(100, 1), at every level: relative error at most
   1e-6 against a long double sum (a float32 sum in order is off by 15% there). */
static void test_wide_averages(void) {
    const int64_t side = 4096, count = side * side;
    float* x = malloc(sizeof(float) * count);
    pk_pool_spec spec = {.op = PK_OP_AVG,
                         .spatial_rank = 2,
                         .kernel = {side, side},
                         .stride = {1, 1},
                         .dilation = {1, 1},
                         .divisor_mode = PK_DIVISOR_INCLUDE_PADDING};
    pk_tensor_desc in = {
        .layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = 1, .spatial = {side, side}};
    pk_tensor_desc out = in;
    out.spatial[0] = out.spatial[1] = 1;
    for (int kind = 0; kind < 2; kind++) {
        long double exact = 0;
        for (int64_t i = 0; i < count; i++) {
            if (kind == 0) {
                x[i] = 0.1f;
            } else { /* Box-Muller from the seeded generator */
                const double u = ((double)(next_random() >> 11) + 0.5) * 0x1.0p-53,
                             v = (double)(next_random() >> 11) * 0x1.0p-53;
                x[i] = (float)(100.0 + sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
            }
            exact += x[i];
        }
        exact /= count;
        for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++)
            for (int layout = 0; layout < 2; layout++) {
                spec.isa = isa;
                in.layout = out.layout = layout;
                float y = 0;
                const int32_t status = pk_pool_forward_f32(&spec, &in, x, count, &out, &y, 1, NULL, 0, NULL, 0, 0, 1);
                const double error = fabs((double)((y - exact) / exact));
                CHECK(status == PK_OK && error <= 1e-6, "wide average (%s) at level %d, layout %d: relative error %g",
                      kind == 0 ? "0.1" : "N(100,1)", isa, layout, error);
                /* the same window through a prepared plan (the path chosen at prepare) */
                uint64_t plan[256];
                float z = 0;
                CHECK(pk_pool_plan_size() <= (int64_t)sizeof plan
                          && pk_pool_prepare(&spec, &in, &out, plan, sizeof plan) == PK_OK
                          && pk_pool_run_f32(plan, sizeof plan, x, count, &z, 1, NULL, 0, NULL, 0, 0, 1) == PK_OK
                          && memcmp(&z, &y, sizeof z) == 0,
                      "prepared wide average equals the forward call");
            }
    }
    free(x);
}

/* `pages` readable pages between two that cannot be read, so that a read past either end of `data` faults. */
typedef struct guarded {
    char* region; /* NULL when the mapping failed */
    size_t size;
    float* data;
    int64_t floats;
} guarded;

static guarded guarded_pages(size_t pages) {
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    guarded g = {NULL, (pages + 2) * page, NULL, (int64_t)(pages * page / sizeof(float))};
    char* region = mmap(NULL, g.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED, "mmap for guard pages");
    if (region == MAP_FAILED) return g;
    const int guards_set =
        mprotect(region, page, PROT_NONE) == 0 && mprotect(region + (pages + 1) * page, page, PROT_NONE) == 0;
    CHECK(guards_set, "guard pages");
    if (!guards_set) {
        munmap(region, g.size);
        return g;
    }
    g.region = region;
    g.data = (float*)(region + page);
    return g;
}

/* Every kernel reads its input only: random problems of every op (max and min with and without indices, average
   exact and relaxed, LP, SoftPool, GeM, mixed pooling), both layouts, every rank, sliding windows with padding,
   strides and dilation or adaptive ones (3x3 stride-1 windows keeping the plane's size among them), their input
   placed so that it ends where an unreadable page begins, then so
   that it starts right after one, at every level this CPU has. Vector loads at a row's or a tensor's ends (masked,
   deinterleaving, whole registers) would fault on a byte past the input. */
static void test_guard_pages(void) {
    const guarded g = guarded_pages(64);
    if (!g.region) return;
    float* data = g.data;
    const int64_t data_floats = g.floats;
    const int64_t ops[] = {PK_OP_MAX, PK_OP_AVG, PK_OP_MIN, PK_OP_LP, PK_OP_SOFT, PK_OP_GEM, PK_OP_MIXED};
    void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
    int runs = 0;
    for (int round = 0; round < 700; round++) {
        const int rank = (int)uniform(1, 3);
        pk_pool_spec s;
        memset(&s, 0, sizeof s);
        s.op = ops[round % 7];
        s.window = uniform(0, 4) == 0 ? PK_WINDOW_ADAPTIVE : PK_WINDOW_SLIDING;
        s.spatial_rank = rank;
        s.ceil_mode = uniform(0, 1);
        s.divisor_mode = uniform(0, 2);
        s.nan_mode = uniform(0, 1);
        s.lp_form = PK_LP_ABS; /* PyTorch's form takes no padding or dilation */
        s.lp_p = uniform(0, 1) ? 2.0 : 3.0;
        s.precision = s.op == PK_OP_AVG ? uniform(0, 1) : 0;
        pk_tensor_desc in, out;
        memset(&in, 0, sizeof in);
        in.layout = uniform(0, 1) ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW;
        in.spatial_rank = rank;
        in.batch = uniform(1, 2);
        in.channels = uniform(0, 3) == 0 ? uniform(30, 70) : uniform(1, 20);
        out = in;
        int ok = 1;
        int64_t in_count = in.batch * in.channels, out_count = in.batch * in.channels;
        for (int a = 0; a < rank; a++) {
            s.kernel[a] = uniform(1, 4);
            s.stride[a] = uniform(1, 3);
            s.dilation[a] = uniform(1, 2);
            /* three wide, stride two: the pairs' triples and their masks (mixed pooling's too, in half its rounds) */
            if ((round % 5 == 4 || (s.op == PK_OP_MIXED && round % 2)) && a == rank - 1) {
                s.kernel[a] = 3;
                s.stride[a] = 2;
                s.dilation[a] = 1;
            }
            const int64_t effective = s.dilation[a] * (s.kernel[a] - 1) + 1;
            s.pad_begin[a] = uniform(0, effective / 2);
            s.pad_end[a] = uniform(0, effective / 2);
            in.spatial[a] = a == rank - 1 ? uniform(1, 120) : uniform(1, 6);
            /* 3x3 stride 1 keeping the plane's size: the rolling rows, whose taps past a row's ends (and so past a
               plane's first and last element) load under masks */
            if (round % 5 == 3 && rank >= 2) {
                const int depth = rank == 3 && a == 0;
                s.kernel[a] = depth ? 1 : 3;
                s.stride[a] = s.dilation[a] = 1;
                s.pad_begin[a] = depth ? 0 : uniform(0, 2);
                s.pad_end[a] = depth ? 0 : 2 - s.pad_begin[a];
                in.spatial[a] = depth ? 1 : a == rank - 1 ? uniform(1, 60) : 16;
            }
            out.spatial[a] = s.window == PK_WINDOW_ADAPTIVE
                                 ? uniform(1, in.spatial[a])
                                 : pk_pool_output_size(in.spatial[a], s.kernel[a], s.stride[a], s.dilation[a],
                                                       s.pad_begin[a], s.pad_end[a], s.ceil_mode);
            ok &= out.spatial[a] >= 1;
            in_count *= in.spatial[a];
            out_count *= out.spatial[a] > 0 ? out.spatial[a] : 0;
        }
        if (!ok || in_count > data_floats) continue;
        pk_method_spec m;
        memset(&m, 0, sizeof m);
        m.params_mode = PK_PARAMS_SCALAR;
        m.p = 3.0;
        m.eps = 1e-6;
        m.lambda = 0.3;
        const int with_indices = (s.op == PK_OP_MAX || s.op == PK_OP_MIN) && uniform(0, 1);
        float* y = malloc(sizeof(float) * (size_t)out_count);
        int64_t* indices = with_indices ? malloc(sizeof(int64_t) * (size_t)out_count) : 0;
        for (int end = 0; end < 2; end++) {
            float* x = end ? data + data_floats - in_count : data;
            for (int64_t i = 0; i < in_count; i++) x[i] = (float)uniform(-1000, 1000) / 7.0f;
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                const int method = s.op >= PK_OP_SOFT;
                int32_t status = method ? pk_method_prepare(&s, &m, &in, &out, plan, pk_pool_plan_size())
                                        : pk_pool_prepare(&s, &in, &out, plan, pk_pool_plan_size());
                if (status == PK_OK)
                    status = method ? pk_method_run_f32(plan, pk_pool_plan_size(), x, in_count, y, out_count, 0, 0, 0,
                                                        0, 0, pk_pool_rows(&s, &out))
                                    : pk_pool_run_f32(plan, pk_pool_plan_size(), x, in_count, y, out_count, indices,
                                                      indices ? out_count : 0, 0, 0, 0, pk_pool_rows(&s, &out));
                CHECK(status == PK_OK, "op %lld at level %d against a guard page: status %d", (long long)s.op, isa,
                      status);
                runs++;
            }
        }
        free(indices);
        free(y);
    }
    CHECK(runs > 1500, "only %d runs against guard pages", runs);
    free(plan);
    munmap(g.region, g.size);
}

/* Region pooling reads its feature map only: random boxes (inside, across the edges, outside, reversed) of every
   op over maps of both layouts placed so that they end where an unreadable page begins, then so that they start
   right after one, at every level this CPU has. */
static void test_roi_guard_pages(void) {
    const guarded g = guarded_pages(16);
    if (!g.region) return;
    float* data = g.data;
    const int64_t data_floats = g.floats;
    int runs = 0;
    for (int round = 0; round < 200; round++) {
        pk_roi_spec s;
        memset(&s, 0, sizeof s);
        s.op = round % 4;
        s.box_format = PK_ROI_BOXES_WITH_INDEX;
        s.output_height = uniform(1, 4);
        s.output_width = uniform(1, 4);
        s.spatial_scale = uniform(0, 1) ? 1.0 : 0.5;
        s.sampling_ratio = uniform(0, 3);
        s.aligned = uniform(0, 1);
        pk_tensor_desc in, out;
        memset(&in, 0, sizeof in);
        in.layout = uniform(0, 1) ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW;
        in.spatial_rank = 2;
        in.batch = uniform(1, 2);
        in.channels = uniform(0, 2) == 0 ? uniform(17, 40) : uniform(1, 16);
        in.spatial[0] = uniform(1, 20);
        in.spatial[1] = uniform(1, 20);
        const int64_t boxes_count = uniform(1, 6);
        out = in;
        out.batch = boxes_count;
        out.spatial[0] = s.output_height;
        out.spatial[1] = s.output_width;
        const int64_t in_count = in.batch * in.channels * in.spatial[0] * in.spatial[1];
        const int64_t out_count = boxes_count * in.channels * s.output_height * s.output_width;
        if (in_count > data_floats) continue;
        float boxes[6 * 5];
        for (int64_t b = 0; b < boxes_count; b++) {
            boxes[b * 5] = (float)uniform(0, in.batch - 1);
            for (int k = 1; k < 5; k++) boxes[b * 5 + k] = (float)uniform(-30, 50) / 2.0f;
        }
        float* y = malloc(sizeof(float) * (size_t)out_count);
        int64_t* argmax = s.op == PK_ROI_POOL ? malloc(sizeof(int64_t) * (size_t)out_count) : 0;
        for (int end = 0; end < 2; end++) {
            float* x = end ? data + data_floats - in_count : data;
            for (int64_t i = 0; i < in_count; i++) x[i] = (float)uniform(-1000, 1000) / 7.0f;
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                const int32_t status = pk_roi_forward_f32(&s, &in, x, in_count, boxes, boxes_count * 5, 0, 0, &out, y,
                                                          out_count, argmax, argmax ? out_count : 0, 0, boxes_count);
                CHECK(status == PK_OK, "roi op %lld at level %d against a guard page: status %d", (long long)s.op, isa,
                      status);
                runs++;
            }
        }
        free(argmax);
        free(y);
    }
    CHECK(runs > 500, "only %d region pooling runs against guard pages", runs);
    munmap(g.region, g.size);
}

/* Flips one float between a valid value and an invalid one until told to stop, holding the valid one longer, so
   that runs pass their checks and then read the invalid one. */
typedef struct float_flipper {
    float* value;
    float valid, invalid;
    int stop;
} float_flipper;

static void* flip_float(void* arg) {
    float_flipper* f = arg;
    uint32_t valid, invalid;
    memcpy(&valid, &f->valid, sizeof valid);
    memcpy(&invalid, &f->invalid, sizeof invalid);
    while (!__atomic_load_n(&f->stop, __ATOMIC_RELAXED)) {
        __atomic_store_n((uint32_t*)f->value, invalid, __ATOMIC_RELAXED);
        for (volatile int i = 0; i < 200; i++) continue;
        __atomic_store_n((uint32_t*)f->value, valid, __ATOMIC_RELAXED);
        for (volatile int i = 0; i < 2000; i++) continue;
    }
    return NULL;
}

/* S3Pool's picks and fractional pooling's samples changed by another thread while runs read them (after their
   checks): every run ends with a status and reads nothing outside its input, which starts right after an
   unreadable page (a window moved before the input would fault there). */
static void test_param_races(void) {
    const guarded g = guarded_pages(16);
    if (!g.region) return;
    float* x = g.data;
    const int64_t side = 64, count = 4 * side * side, out_side = side / 2, out_count = 4 * out_side * out_side;
    for (int64_t i = 0; i < count; i++) x[i] = (float)(i % 89);
    pk_tensor_desc in = {
        .layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = 4, .spatial = {side, side}};
    pk_tensor_desc out = in;
    out.spatial[0] = out.spatial[1] = out_side;
    float* y = malloc(sizeof(float) * out_count);
    void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
    /* S3Pool training over one row pair of 2 x 512 (every output reads H's one pick, which flips to -1: a window
       from row -1 would read the page before the input), W's picks 2o */
    pk_tensor_desc row_in = {
        .layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = 1, .spatial = {2, 512}};
    pk_tensor_desc row_out = row_in;
    row_out.spatial[0] = 1;
    row_out.spatial[1] = 256;
    pk_pool_spec s3 = {.op = PK_OP_S3POOL,
                       .spatial_rank = 2,
                       .kernel = {2, 2},
                       .stride = {2, 2},
                       .dilation = {1, 1},
                       .pad_end = {1, 1},
                       .isa = PK_ISA_AUTO};
    pk_method_spec m = {.params_mode = PK_PARAMS_PICKS};
    float picks[257];
    picks[0] = 0.0f;
    for (int i = 0; i < 256; i++) picks[1 + i] = (float)(2 * i);
    int32_t status = pk_method_prepare(&s3, &m, &row_in, &row_out, plan, pk_pool_plan_size());
    CHECK(status == PK_OK, "S3Pool prepare: %d", status);
    float_flipper f = {&picks[0], 0.0f, -1.0f, 0};
    pthread_t thread;
    pthread_create(&thread, NULL, flip_float, &f);
    int statuses_ok = 1, refused = 0;
    for (int run = 0; run < 20000 && status == PK_OK; run++) {
        const int32_t s = pk_method_run_f32(plan, pk_pool_plan_size(), x, 1024, y, 256, 0, 0, picks, 257, 0,
                                            pk_pool_rows(&s3, &row_out));
        statuses_ok &= s == PK_OK || s == PK_ERR_INVALID_SAMPLE;
        refused += s != PK_OK;
    }
    __atomic_store_n(&f.stop, 1, __ATOMIC_RELAXED);
    pthread_join(thread, NULL);
    CHECK(statuses_ok, "S3Pool under a racing pick: statuses");
    /* fractional max pooling 2x2 to 32x32: the first plane's samples flip to values outside [0, 1) */
    pk_pool_spec fractional = {.op = PK_OP_MAX,
                               .window = PK_WINDOW_FRACTIONAL,
                               .spatial_rank = 2,
                               .kernel = {2, 2},
                               .stride = {1, 1},
                               .dilation = {1, 1},
                               .isa = PK_ISA_AUTO};
    float samples[8] = {0.25f, 0.75f, 0.5f, 0.5f, 0.1f, 0.9f, 0.3f, 0.6f};
    const float invalid[] = {-1e30f, NAN, 1e30f, -0.75f};
    for (int k = 0; k < 4; k++) {
        float_flipper g = {&samples[k % 2], samples[k % 2], invalid[k], 0};
        pthread_create(&thread, NULL, flip_float, &g);
        for (int run = 0; run < 100; run++) {
            const int32_t s = pk_pool_forward_f32(&fractional, &in, x, count, &out, y, out_count, 0, 0, samples, 8, 0,
                                                  pk_pool_rows(&fractional, &out));
            statuses_ok &= s == PK_OK || s == PK_ERR_INVALID_SAMPLE;
        }
        __atomic_store_n(&g.stop, 1, __ATOMIC_RELAXED);
        pthread_join(thread, NULL);
    }
    CHECK(statuses_ok, "fractional pooling under racing samples: statuses");
    printf("safety_test: %d of 20000 racing S3Pool runs saw the bad pick at their check\n", refused);
    free(plan);
    free(y);
    munmap(g.region, g.size);
}

/* A window of 2^32 x 2^32 x 1 taps over one input element (each kernel size is below 2^40, so the window's volume,
   2^64, wraps to 0 in int64): at every level it must take a path whose loops fit it, and give the element. */
static void test_huge_window_volume(void) {
    for (int layout = 0; layout < 2; layout++)
        for (int isa = PK_ISA_SCALAR; isa <= PK_ISA_AVX512; isa++) {
            pk_pool_spec s = {.op = PK_OP_MAX,
                              .window = PK_WINDOW_SLIDING,
                              .spatial_rank = 3,
                              .nan_mode = PK_NAN_PROPAGATE,
                              .divisor_mode = PK_DIVISOR_EXCLUDE_PADDING,
                              .isa = isa};
            for (int i = 0; i < 2; i++) {
                s.kernel[i] = s.stride[i] = 1LL << 32;
                s.pad_begin[i] = s.pad_end[i] = 1LL << 31;
            }
            s.kernel[2] = s.stride[2] = 1;
            for (int i = 0; i < 3; i++) s.dilation[i] = 1;
            const pk_tensor_desc in = {.layout = layout ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW,
                                       .spatial_rank = 3,
                                       .batch = 1,
                                       .channels = 16,
                                       .spatial = {1, 1, 1}};
            float x[16], y[16] = {0};
            for (int c = 0; c < 16; c++) x[c] = (float)c - 7.5f;
            const int32_t st = pk_pool_forward_f32(&s, &in, x, 16, &in, y, 16, 0, 0, 0, 0, 0, pk_pool_rows(&s, &in));
            if (st == PK_ERR_UNSUPPORTED_ISA) continue; /* a level this CPU lacks */
            int same = st == PK_OK;
            for (int c = 0; c < 16; c++) same &= y[c] == x[c];
            CHECK(same, "huge window, layout %d, level %d: status %d", layout, isa, st);
        }
}

int main(void) {
    rng_state = 12;
    test_overflowing_sizes();
    test_aliased_indices();
    test_index_races();
    test_fractional_long_axis();
    test_wide_averages();
    test_guard_pages();
    test_roi_guard_pages();
    test_param_races();
    test_huge_window_volume();
    printf("safety_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
