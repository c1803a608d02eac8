/* Digests of forward outputs: one FNV-1a hash per group of runs and level, over every byte the runs wrote
   (outputs, indices, the gaps of strided views) and their statuses. It prints them, so that two builds can be
   compared line by line (`diff`): a change of the kernels' code that must not change results shows the same
   digests. Groups: the standard benchmark shapes (shapes.json) with every op, NaN mode and divisor, and seeded
   random problems of every op, window rule, index format, layout and view, whole and in row slices, through
   pk_pool_forward_f32 and through prepared plans. Uses the public ABI only. With POOL_DIGEST_VERBOSE set it also
   prints the running digest after each run, to find the first run where two builds differ. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "poolkit.h"

/* hash: every bit; canonical: every NaN as one value, which must agree across levels (NaN payloads and signs are
   not part of the contract) */
typedef struct digest {
    uint64_t hash, canonical;
    int64_t runs;
} digest;

static uint64_t fnv(uint64_t hash, const void* data, size_t size) {
    const unsigned char* b = data;
    for (size_t i = 0; i < size; i++) hash = (hash ^ b[i]) * UINT64_C(0x100000001B3);
    return hash;
}

static void digest_bytes(digest* d, const void* data, size_t size) {
    d->hash = fnv(d->hash, data, size);
    d->canonical = fnv(d->canonical, data, size);
}

static void digest_floats(digest* d, const float* data, int64_t count) {
    d->hash = fnv(d->hash, data, sizeof(float) * count);
    for (int64_t i = 0; i < count; i++) {
        const float v = isnan(data[i]) ? NAN : data[i];
        d->canonical = fnv(d->canonical, &v, sizeof v);
    }
}

static void digest_status(digest* d, int32_t status) {
    digest_bytes(d, &status, sizeof status);
    d->runs++;
}

static digest digest_new(void) { return (digest){UINT64_C(0xCBF29CE484222325), UINT64_C(0xCBF29CE484222325), 0}; }

static void digest_print(const char* group, int32_t isa, const digest* d) {
    printf("%-20s isa %d runs %5lld bits %016llx canonical %016llx\n", group, isa, (long long)d->runs,
           (unsigned long long)d->hash, (unsigned long long)d->canonical);
}

/* Element strides of a dense tensor of sizes n, c, spatial[rank] (outermost first) in `layout`. */
static void dense_strides(int64_t layout, int64_t rank, int64_t c, const int64_t* spatial, int64_t* strides) {
    int64_t plane = 1;
    for (int i = 0; i < rank; i++) plane *= spatial[i];
    if (layout == PK_LAYOUT_NCHW) {
        int64_t s = 1;
        for (int i = (int)rank - 1; i >= 0; i--) {
            strides[2 + i] = s;
            s *= spatial[i];
        }
        strides[1] = plane;
        strides[0] = plane * c;
    } else {
        int64_t s = c;
        for (int i = (int)rank - 1; i >= 0; i--) {
            strides[2 + i] = s;
            s *= spatial[i];
        }
        strides[1] = 1;
        strides[0] = plane * c;
    }
}

/* Elements a buffer of desc needs (its largest offset + 1). */
static int64_t extent_of(const pk_tensor_desc* t) {
    int64_t strides[5], sizes[5] = {t->batch, t->channels, 0, 0, 0};
    int dense = 1;
    for (int i = 0; i < 2 + t->spatial_rank; i++) dense &= t->strides[i] == 0;
    if (dense) dense_strides(t->layout, t->spatial_rank, t->channels, t->spatial, strides);
    else memcpy(strides, t->strides, sizeof strides);
    for (int i = 0; i < t->spatial_rank; i++) sizes[2 + i] = t->spatial[i];
    int64_t last = 0;
    for (int i = 0; i < 2 + t->spatial_rank; i++) last += (sizes[i] - 1) * strides[i];
    return last + 1;
}

static float fill_value(int kind) {
    switch (kind) {
    case 0: return (float)uniform(-1000, 999) / 8.0f;           /* the benchmarks' inputs: many ties */
    case 1: return (float)uniform(-1000000, 1000000) / 7919.0f; /* fine: a reordered sum rounds differently */
    default: {
        const int64_t r = uniform(0, 19);
        if (r == 0) return NAN;
        if (r == 1) return INFINITY;
        if (r == 2) return -INFINITY;
        if (r <= 5) return uniform(0, 1) ? -0.0f : 0.0f;
        return (float)uniform(-8, 8) * 0.25f;
    }
    }
}

#define GUARD_VALUE 12345.0f

/* Runs spec (isa set by the caller) on x, whole or in two slices cut at `cut`, through the forward call
   (prepared = 0) or a prepared plan, and digests the output and index buffers and the statuses. */
static void run_digest(digest* d, const pk_pool_spec* s, const pk_tensor_desc* in, const float* x, int64_t in_extent,
                       const pk_tensor_desc* out, int64_t out_extent, int with_indices, const float* samples,
                       int64_t sample_count, int64_t cut, int prepared) {
    float* y = malloc(sizeof(float) * out_extent);
    int64_t* idx = with_indices ? malloc(sizeof(int64_t) * out_extent) : NULL;
    for (int64_t i = 0; i < out_extent; i++) {
        y[i] = GUARD_VALUE;
        if (idx) idx[i] = -7;
    }
    const int64_t rows = pk_pool_rows(s, out);
    const int64_t cuts[3] = {0, cut < 0 ? rows : cut, rows};
    void* plan = NULL;
    int32_t status = PK_OK;
    if (prepared) {
        plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
        status = pk_pool_prepare(s, in, out, plan, pk_pool_plan_size());
        digest_status(d, status);
    }
    for (int k = 0; k < 2 && status == PK_OK; k++) {
        if (cuts[k] == cuts[k + 1] && k == 1) break;
        if (prepared)
            status = pk_pool_run_f32(plan, pk_pool_plan_size(), x, in_extent, y, out_extent, idx, idx ? out_extent : 0,
                                     samples, sample_count, cuts[k], cuts[k + 1]);
        else
            status = pk_pool_forward_f32(s, in, x, in_extent, out, y, out_extent, idx, idx ? out_extent : 0, samples,
                                         sample_count, cuts[k], cuts[k + 1]);
        digest_status(d, status);
    }
    digest_floats(d, y, out_extent);
    if (idx) digest_bytes(d, idx, sizeof(int64_t) * out_extent);
    if (getenv("POOL_DIGEST_VERBOSE")) /* one line per run, to find the run where two builds differ */
        printf("run %lld isa %lld op %lld window %lld layout %lld rank %lld nan %lld indices %d prepared %d cut %lld: "
               "%016llx\n",
               (long long)d->runs, (long long)s->isa, (long long)s->op, (long long)s->window, (long long)in->layout,
               (long long)s->spatial_rank, (long long)s->nan_mode, with_indices, prepared, (long long)cut,
               (unsigned long long)d->hash);
    free(plan);
    free(y);
    free(idx);
}

/* ---- the standard shapes --------------------------------------------------------------------------- */

typedef struct shape {
    const char* name;
    int64_t rank, n, c, spatial[3], kernel[3], stride[3], pad[3];
    int global;
} shape;

static const shape SHAPES[] = {
    {"S1-resnet-stem", 2, 1, 64, {112, 112}, {3, 3}, {2, 2}, {1, 1}, 0},
    {"S2-vgg-block1", 2, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0}, 0},
    {"S3-batched", 2, 32, 128, {56, 56}, {2, 2}, {2, 2}, {0, 0}, 0},
    {"S4-inception-avg", 2, 1, 256, {28, 28}, {3, 3}, {1, 1}, {1, 1}, 0},
    {"S5-resnet-head", 2, 1, 2048, {7, 7}, {7, 7}, {1, 1}, {0, 0}, 1},
    {"S6-tiny", 2, 1, 16, {8, 8}, {2, 2}, {2, 2}, {0, 0}, 0},
    {"S7-video-3d", 3, 1, 32, {16, 56, 56}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, 0},
};

static void standard_shapes(void) {
    const int32_t levels = pk_cpu_isa() + 1;
    for (size_t k = 0; k < sizeof SHAPES / sizeof SHAPES[0]; k++) {
        const shape* sh = &SHAPES[k];
        digest d[3] = {digest_new(), digest_new(), digest_new()};
        for (int64_t layout = 0; layout < 2; layout++) {
            pk_tensor_desc in = {.layout = layout, .spatial_rank = sh->rank, .batch = sh->n, .channels = sh->c};
            pk_tensor_desc out = in;
            pk_pool_spec s = {.spatial_rank = sh->rank};
            for (int i = 0; i < sh->rank; i++) {
                in.spatial[i] = sh->spatial[i];
                s.kernel[i] = sh->kernel[i];
                s.stride[i] = sh->stride[i];
                s.dilation[i] = 1;
                s.pad_begin[i] = s.pad_end[i] = sh->pad[i];
                out.spatial[i] =
                    pk_pool_output_size(in.spatial[i], s.kernel[i], s.stride[i], 1, s.pad_begin[i], s.pad_end[i], 0);
            }
            const int64_t in_extent = extent_of(&in), out_extent = extent_of(&out);
            float* x = malloc(sizeof(float) * in_extent);
            for (int fill = 0; fill < 3; fill++) {
                rng_state = 1000 * k + 10 * layout + fill;
                for (int64_t i = 0; i < in_extent; i++) x[i] = fill_value(fill);
                for (int64_t op = PK_OP_MAX; op <= PK_OP_LP; op++) {
                    if (op == PK_OP_LP && fill != 0) continue;
                    s.op = op;
                    s.lp_form = PK_LP_PYTORCH;
                    s.lp_p = 2.0;
                    const int extremum = op == PK_OP_MAX || op == PK_OP_MIN;
                    for (int variant = 0; variant < (extremum ? 4 : op == PK_OP_AVG ? 3 : 1); variant++) {
                        const int with_indices = extremum && (variant & 1);
                        s.nan_mode = extremum ? variant >> 1 : 0;
                        s.divisor_mode = op == PK_OP_AVG ? variant : 0;
                        for (int32_t isa = 0; isa < levels; isa++) {
                            s.isa = isa;
                            run_digest(&d[isa], &s, &in, x, in_extent, &out, out_extent, with_indices, NULL, 0, -1, 1);
                        }
                    }
                }
            }
            free(x);
        }
        for (int32_t isa = 0; isa < levels; isa++) digest_print(sh->name, isa, &d[isa]);
    }
}

/* ---- random problems -------------------------------------------------------------------------------- */

/* One random problem at every level, through both entry points, whole and sliced, into d[level]. */
static void random_problem(digest d[3]) {
    pk_pool_spec s = {.op = uniform(0, 3), .spatial_rank = uniform(1, 3)};
    const int64_t window = uniform(0, 5) == 0                                               ? PK_WINDOW_ADAPTIVE
                           : uniform(0, 7) == 0 && (s.op == PK_OP_MAX || s.op == PK_OP_MIN) ? PK_WINDOW_FRACTIONAL
                                                                                            : PK_WINDOW_SLIDING;
    s.window = window;
    static const int64_t channel_choices[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67};
    const int64_t layout = uniform(0, 1);
    pk_tensor_desc in = {.layout = layout,
                         .spatial_rank = s.spatial_rank,
                         .batch = uniform(1, 2),
                         .channels = channel_choices[uniform(0, 14)]};
    pk_tensor_desc out = in;
    s.ceil_mode = window == PK_WINDOW_SLIDING ? uniform(0, 1) : 0;
    s.divisor_mode = uniform(0, 2);
    s.divisor_override = uniform(0, 5) == 0 ? uniform(1, 7) : 0;
    s.nan_mode = uniform(0, 1);
    s.index_format = uniform(0, 3) == 0 ? uniform(0, 4) : 0;
    s.lp_form = uniform(0, 1);
    s.lp_p = s.lp_form == PK_LP_ABS && uniform(0, 4) == 0 ? INFINITY : (double)uniform(1, 6) / 2.0;
    const int small_planes = uniform(0, 2) == 0;
    const int big_windows = uniform(0, 9) == 0; /* past the tap lists: global pooling of larger planes */
    for (int i = 0; i < s.spatial_rank; i++) {
        const int64_t max_size = small_planes          ? (s.spatial_rank == 3   ? 4
                                                          : s.spatial_rank == 2 ? 8
                                                                                : 64)
                                 : s.spatial_rank == 3 ? 9
                                 : s.spatial_rank == 2 ? 40
                                                       : 70;
        in.spatial[i] = uniform(1, max_size);
        s.kernel[i] = uniform(1, 4);
        if (big_windows)
            s.kernel[i] = in.spatial[i] = uniform(s.spatial_rank == 3 ? 7 : 17, s.spatial_rank == 3 ? 9 : 24);
        s.stride[i] = uniform(0, 3) == 0 ? uniform(3, 5) : uniform(1, 2);
        s.dilation[i] = uniform(0, 3) == 0 && !big_windows ? uniform(2, 3) : 1;
        const int64_t effective = s.dilation[i] * (s.kernel[i] - 1) + 1;
        s.pad_begin[i] = big_windows ? 0 : uniform(0, effective - 1);
        s.pad_end[i] = uniform(0, 2) == 0 ? (big_windows ? 0 : uniform(0, effective - 1)) : s.pad_begin[i];
        if (window == PK_WINDOW_SLIDING) {
            out.spatial[i] = pk_pool_output_size(in.spatial[i], s.kernel[i], s.stride[i], s.dilation[i], s.pad_begin[i],
                                                 s.pad_end[i], s.ceil_mode);
        } else if (window == PK_WINDOW_ADAPTIVE) {
            out.spatial[i] = uniform(0, 2) == 0 ? 1 : uniform(1, in.spatial[i]);
        } else {
            if (s.kernel[i] > in.spatial[i]) s.kernel[i] = in.spatial[i];
            out.spatial[i] = uniform(1, in.spatial[i] - s.kernel[i] + 1);
        }
        if (out.spatial[i] < 1) return;
    }
    /* a quarter of the problems are strided views into larger tensors (channels and spatial margins) */
    const int in_view = uniform(0, 3) == 0, out_view = uniform(0, 3) == 0;
    if (in_view) {
        int64_t sizes[3];
        for (int i = 0; i < s.spatial_rank; i++) sizes[i] = in.spatial[i] + uniform(0, 2);
        dense_strides(layout, s.spatial_rank, in.channels + uniform(0, 3), sizes, in.strides);
        if (uniform(0, 1)) in.strides[0] += uniform(1, 5);
    }
    if (out_view) {
        int64_t sizes[3];
        for (int i = 0; i < s.spatial_rank; i++) sizes[i] = out.spatial[i] + uniform(0, 2);
        dense_strides(layout, s.spatial_rank, out.channels + uniform(0, 3), sizes, out.strides);
    }
    if (pk_pool_check(&s, &in, &out) != PK_OK) return;
    const int64_t in_extent = extent_of(&in), out_extent = extent_of(&out);
    float* x = malloc(sizeof(float) * in_extent);
    const int fill = (int)uniform(0, 2);
    for (int64_t i = 0; i < in_extent; i++) x[i] = fill_value(fill);
    const int64_t sample_count = window == PK_WINDOW_FRACTIONAL ? in.batch * in.channels * s.spatial_rank : 0;
    float* samples = sample_count ? malloc(sizeof(float) * sample_count) : NULL;
    for (int64_t i = 0; i < sample_count; i++) samples[i] = (float)uniform(0, 999) / 1000.0f;
    const int with_indices = (s.op == PK_OP_MAX || s.op == PK_OP_MIN) && uniform(0, 1);
    const int64_t rows = pk_pool_rows(&s, &out), cut = uniform(0, rows);
    for (int32_t isa = 0; isa <= pk_cpu_isa(); isa++) {
        s.isa = isa;
        for (int prepared = 0; prepared < 2; prepared++) {
            run_digest(&d[isa], &s, &in, x, in_extent, &out, out_extent, with_indices, samples, sample_count, -1,
                       prepared);
            run_digest(&d[isa], &s, &in, x, in_extent, &out, out_extent, with_indices, samples, sample_count, cut,
                       prepared);
        }
    }
    free(x);
    free(samples);
}

int main(int argc, char** argv) {
    const int problems = argc > 1 ? atoi(argv[1]) : 4000;
    printf("pool_digest: cpu isa %d\n", pk_cpu_isa());
    standard_shapes();
    for (int batch = 0; batch < 4; batch++) {
        digest d[3] = {digest_new(), digest_new(), digest_new()};
        rng_state = UINT64_C(0x5EED0000) + (uint64_t)batch;
        for (int i = 0; i < problems / 4; i++) random_problem(d);
        char name[32];
        snprintf(name, sizeof name, "random-%d", batch);
        for (int32_t isa = 0; isa <= pk_cpu_isa(); isa++) digest_print(name, isa, &d[isa]);
    }
    (void)passed, (void)failed;
    return 0;
}
