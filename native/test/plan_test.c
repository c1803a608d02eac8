/* C tests of prepared plans (pk_pool_prepare, pk_pool_run_f32): a run equals pk_pool_forward_f32 bit for
   bit on seeded random problems of every op, window rule, layout and level; every status of both entry points,
   with the output's guard cells untouched; any corrupted plan byte, a foreign plan and a plan left by a failed
   prepare give PK_ERR_INVALID_PLAN; plans are position independent and can be run by several threads at once.
   Plan buffers are allocated with their exact size, so an AddressSanitizer build catches any read beyond. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"
#include "check.h"

static int problems;

#define GUARD 16
static const float GUARD_VALUE = 12345.0f;

/* A problem with its buffers: input exact, output and indices with GUARD cells on both sides. */
typedef struct problem {
    pk_pool_spec spec;
    pk_tensor_desc in, out;
    float* x;
    int64_t x_count;
    float* y;     /* GUARD + out_count + GUARD */
    int64_t* idx; /* same, or NULL */
    int64_t out_count;
    float* samples; /* fractional windows, else NULL */
    int64_t sample_count;
    int64_t rows;
} problem;

static void fill_guards(problem* p) {
    for (int64_t i = 0; i < p->out_count + 2 * GUARD; i++) {
        p->y[i] = GUARD_VALUE;
        if (p->idx) p->idx[i] = -7;
    }
}

static int guards_intact(const problem* p) {
    for (int64_t i = 0; i < GUARD; i++) {
        if (p->y[i] != GUARD_VALUE || p->y[GUARD + p->out_count + i] != GUARD_VALUE) return 0;
        if (p->idx && (p->idx[i] != -7 || p->idx[GUARD + p->out_count + i] != -7)) return 0;
    }
    return 1;
}

static void free_problem(problem* p) {
    free(p->x);
    free(p->y);
    free(p->idx);
    free(p->samples);
}

/* A random valid problem, or 0 when the drawn window does not fit. The input is sometimes a channel slice of
   a wider tensor (a strided view). */
static int random_problem(problem* p) {
    memset(p, 0, sizeof *p);
    pk_pool_spec* s = &p->spec;
    s->op = uniform(0, 3);
    s->window = uniform(0, 4) == 0 ? PK_WINDOW_ADAPTIVE : uniform(0, 4) == 0 ? PK_WINDOW_FRACTIONAL : PK_WINDOW_SLIDING;
    if (s->window == PK_WINDOW_FRACTIONAL && s->op != PK_OP_MAX && s->op != PK_OP_MIN) s->op = PK_OP_MAX;
    s->spatial_rank = uniform(1, 3);
    s->isa = PK_ISA_AUTO;
    s->ceil_mode = uniform(0, 1);
    s->divisor_mode = uniform(0, 2);
    s->divisor_override = uniform(0, 4) == 0 ? uniform(1, 5) : 0;
    s->nan_mode = uniform(0, 1);
    s->lp_form = uniform(0, 1);
    s->lp_p = s->lp_form == PK_LP_ABS && uniform(0, 3) == 0 ? INFINITY : (double)uniform(1, 3);
    s->index_format = uniform(0, 4);
    static const int64_t channel_choices[] = {1, 2, 3, 7, 8, 9, 16, 17, 33};
    pk_tensor_desc* in = &p->in;
    in->layout = uniform(0, 1);
    in->spatial_rank = s->spatial_rank;
    in->batch = uniform(1, 2);
    in->channels = channel_choices[uniform(0, 8)];
    p->out = *in;
    for (int i = 0; i < s->spatial_rank; i++) {
        in->spatial[i] = uniform(1, s->spatial_rank == 3 ? 8 : 20);
        s->kernel[i] = uniform(1, 3);
        s->stride[i] = uniform(1, 3);
        s->dilation[i] = s->op == PK_OP_LP && s->lp_form == PK_LP_PYTORCH ? 1 : uniform(1, 2);
        const int64_t effective = s->dilation[i] * (s->kernel[i] - 1) + 1;
        const int padded = !(s->op == PK_OP_LP && s->lp_form == PK_LP_PYTORCH);
        s->pad_begin[i] = padded ? uniform(0, effective - 1) : 0;
        s->pad_end[i] = padded ? uniform(0, effective - 1) : 0;
        if (s->window == PK_WINDOW_SLIDING) {
            p->out.spatial[i] = pk_pool_output_size(in->spatial[i], s->kernel[i], s->stride[i], s->dilation[i],
                                                    s->pad_begin[i], s->pad_end[i], s->ceil_mode);
        } else if (s->window == PK_WINDOW_ADAPTIVE) {
            p->out.spatial[i] = uniform(1, in->spatial[i] + 2);
        } else {
            if (s->kernel[i] > in->spatial[i]) s->kernel[i] = in->spatial[i];
            p->out.spatial[i] = uniform(1, in->spatial[i] - s->kernel[i] + 1);
        }
        if (p->out.spatial[i] < 1) return 0;
    }
    int64_t in_volume = in->batch * in->channels, out_volume = in->batch * in->channels;
    for (int i = 0; i < s->spatial_rank; i++) {
        in_volume *= in->spatial[i];
        out_volume *= p->out.spatial[i];
    }
    p->x_count = in_volume;
    if (uniform(0, 3) == 0) { /* channels [0, C) of a tensor with C + extra channels, dense in the layout */
        const int64_t wide = in->channels + uniform(1, 3), r = s->spatial_rank;
        int64_t plane = 1;
        for (int i = 0; i < r; i++) plane *= in->spatial[i];
        int64_t inner = 1;
        for (int i = (int)r - 1; i >= 0; i--) {
            in->strides[2 + i] = in->layout == PK_LAYOUT_NCHW ? inner : inner * wide;
            inner *= in->spatial[i];
        }
        in->strides[1] = in->layout == PK_LAYOUT_NCHW ? plane : 1;
        in->strides[0] = wide * plane;
        p->x_count =
            (in->batch - 1) * wide * plane
            + (in->layout == PK_LAYOUT_NCHW ? (in->channels - 1) * plane + plane : (plane - 1) * wide + in->channels);
    }
    p->x = malloc(sizeof(float) * p->x_count);
    for (int64_t i = 0; i < p->x_count; i++) {
        p->x[i] = (float)uniform(-8, 8) * 0.25f;
        if (uniform(0, 29) == 0) p->x[i] = NAN;
    }
    p->out_count = out_volume;
    p->y = malloc(sizeof(float) * (out_volume + 2 * GUARD));
    if ((s->op == PK_OP_MAX || s->op == PK_OP_MIN) && uniform(0, 1))
        p->idx = malloc(sizeof(int64_t) * (out_volume + 2 * GUARD));
    if (s->window == PK_WINDOW_FRACTIONAL) {
        p->sample_count = in->batch * in->channels * s->spatial_rank;
        p->samples = malloc(sizeof(float) * p->sample_count);
        for (int64_t i = 0; i < p->sample_count; i++) p->samples[i] = (float)uniform(0, 999) / 1000.0f;
    }
    p->rows = pk_pool_rows(s, &p->out);
    return 1;
}

static int32_t run(const void* plan, problem* p, int64_t begin, int64_t end) {
    return pk_pool_run_f32(plan, pk_pool_plan_size(), p->x, p->x_count, p->y + GUARD, p->out_count,
                           p->idx ? p->idx + GUARD : NULL, p->out_count, p->samples, p->sample_count, begin, end);
}

static int32_t forward(problem* p, int64_t begin, int64_t end) {
    return pk_pool_forward_f32(&p->spec, &p->in, p->x, p->x_count, &p->out, p->y + GUARD, p->out_count,
                               p->idx ? p->idx + GUARD : NULL, p->out_count, p->samples, p->sample_count, begin, end);
}

/* One random problem at every level: a prepared run, whole and in three slices, equals the forward call. */
static void random_case(int case_number) {
    problem p;
    if (!random_problem(&p)) {
        free_problem(&p);
        return;
    }
    problems++;
    const int64_t plan_size = pk_pool_plan_size();
    void* plan = malloc((size_t)plan_size);
    float* expected = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
    int64_t* expected_idx = malloc(sizeof(int64_t) * (p.out_count + 2 * GUARD));
    for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
        p.spec.isa = isa;
        CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, plan_size) == PK_OK, "case %d isa %d: prepare", case_number,
              isa);
        fill_guards(&p);
        CHECK(forward(&p, 0, p.rows) == PK_OK, "case %d isa %d: forward", case_number, isa);
        memcpy(expected, p.y, sizeof(float) * (p.out_count + 2 * GUARD));
        if (p.idx) memcpy(expected_idx, p.idx, sizeof(int64_t) * (p.out_count + 2 * GUARD));
        for (int sliced = 0; sliced < 2; sliced++) {
            fill_guards(&p);
            int32_t status = PK_OK;
            if (!sliced) {
                status = run(plan, &p, 0, p.rows);
            } else {
                const int64_t cut1 = uniform(0, p.rows), cut2 = uniform(cut1, p.rows);
                const int64_t cuts[4] = {0, cut1, cut2, p.rows};
                for (int k = 0; k < 3 && status == PK_OK; k++) status = run(plan, &p, cuts[k], cuts[k + 1]);
            }
            CHECK(status == PK_OK, "case %d isa %d sliced %d: status %d", case_number, isa, sliced, status);
            CHECK(memcmp(expected, p.y, sizeof(float) * (p.out_count + 2 * GUARD)) == 0,
                  "case %d isa %d sliced %d op %lld window %lld: output differs from pk_pool_forward_f32", case_number,
                  isa, sliced, (long long)p.spec.op, (long long)p.spec.window);
            if (p.idx)
                CHECK(memcmp(expected_idx, p.idx, sizeof(int64_t) * (p.out_count + 2 * GUARD)) == 0,
                      "case %d isa %d sliced %d: indices differ from pk_pool_forward_f32", case_number, isa, sliced);
        }
    }
    free(plan);
    free(expected);
    free(expected_idx);
    free_problem(&p);
}

/* A small max pooling problem (2x2 stride 2 over [2, 3, 8, 8]) with indices. */
static void small_problem(problem* p, int64_t layout) {
    memset(p, 0, sizeof *p);
    p->spec = (pk_pool_spec){.op = PK_OP_MAX, .spatial_rank = 2, .isa = PK_ISA_AUTO};
    for (int i = 0; i < 2; i++) {
        p->spec.kernel[i] = p->spec.stride[i] = 2;
        p->spec.dilation[i] = 1;
    }
    p->in = (pk_tensor_desc){.layout = layout, .spatial_rank = 2, .batch = 2, .channels = 3, .spatial = {8, 8}};
    p->out = p->in;
    p->out.spatial[0] = p->out.spatial[1] = 4;
    p->x_count = 2 * 3 * 8 * 8;
    p->out_count = 2 * 3 * 4 * 4;
    p->x = malloc(sizeof(float) * p->x_count);
    for (int64_t i = 0; i < p->x_count; i++) p->x[i] = (float)((i * 37) % 101);
    p->y = malloc(sizeof(float) * (p->out_count + 2 * GUARD));
    p->idx = malloc(sizeof(int64_t) * (p->out_count + 2 * GUARD));
    p->rows = pk_pool_rows(&p->spec, &p->out);
}

#define RUN(plan_, x_, xc, y_, yc, i_, ic, s_, sc, b, e) \
    pk_pool_run_f32(plan_, pk_pool_plan_size(), x_, xc, y_, yc, i_, ic, s_, sc, b, e)

static void test_prepare_statuses(void) {
    problem p;
    small_problem(&p, PK_LAYOUT_NCHW);
    const int64_t size = pk_pool_plan_size();
    CHECK(size >= 64 && size % 8 == 0, "plan size %lld", (long long)size);
    uint64_t* storage = malloc((size_t)size + 8);
    void* plan = storage;
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "valid prepare");
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, NULL, size) == PK_ERR_NULL_POINTER, "null plan");
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size - 1) == PK_ERR_BUFFER_TOO_SMALL, "capacity one short");
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, 0) == PK_ERR_BUFFER_TOO_SMALL, "capacity 0");
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, -1) == PK_ERR_BUFFER_TOO_SMALL, "negative capacity");
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, (char*)storage + 4, size) == PK_ERR_MISALIGNED, "misaligned plan");
    CHECK(RUN(plan, p.x, p.x_count, p.y, p.out_count, NULL, 0, NULL, 0, 0, p.rows) == PK_OK,
          "a plan buffer refused by prepare is not written");
    CHECK(pk_pool_prepare(NULL, &p.in, &p.out, plan, size) == PK_ERR_NULL_POINTER, "null spec");
    CHECK(pk_pool_prepare(&p.spec, NULL, &p.out, plan, size) == PK_ERR_NULL_POINTER, "null input descriptor");
    CHECK(pk_pool_prepare(&p.spec, &p.in, NULL, plan, size) == PK_ERR_NULL_POINTER, "null output descriptor");

    /* every invalid problem gives pk_pool_check's status and leaves the plan invalid */
    pk_pool_spec bad = p.spec;
    bad.op = 99;
    CHECK(pk_pool_prepare(&bad, &p.in, &p.out, plan, size) == PK_ERR_INVALID_OP, "op");
    CHECK(RUN(plan, p.x, p.x_count, p.y, p.out_count, NULL, 0, NULL, 0, 0, p.rows) == PK_ERR_INVALID_PLAN,
          "a failed prepare invalidates the plan");
    bad = p.spec;
    bad.stride[0] = 0;
    CHECK(pk_pool_prepare(&bad, &p.in, &p.out, plan, size) == pk_pool_check(&bad, &p.in, &p.out),
          "stride: the status of pk_pool_check");
    bad = p.spec;
    bad.isa = 7;
    CHECK(pk_pool_prepare(&bad, &p.in, &p.out, plan, size) == PK_ERR_INVALID_OPTION, "isa option");
    if (pk_cpu_isa() < PK_ISA_AVX512) {
        bad.isa = PK_ISA_AVX512;
        CHECK(pk_pool_prepare(&bad, &p.in, &p.out, plan, size) == PK_ERR_UNSUPPORTED_ISA, "isa above the CPU");
    }
    pk_tensor_desc wrong = p.out;
    wrong.spatial[1] = 5;
    CHECK(pk_pool_prepare(&p.spec, &p.in, &wrong, plan, size) == PK_ERR_OUTPUT_SHAPE_MISMATCH, "output shape");
    CHECK(RUN(plan, p.x, p.x_count, p.y, p.out_count, NULL, 0, NULL, 0, 0, p.rows) == PK_ERR_INVALID_PLAN,
          "still invalid");
    CHECK(strcmp(pk_status_string(PK_ERR_INVALID_PLAN), "unknown status") != 0, "status text");
    CHECK(pk_abi_version() == PK_ABI_VERSION && PK_ABI_VERSION == 11, "abi 11");
    free(storage);
    free_problem(&p);
}

static void test_run_statuses(void) {
    for (int64_t layout = 0; layout < 2; layout++) {
        problem p;
        small_problem(&p, layout);
        const int64_t size = pk_pool_plan_size();
        uint64_t* storage = malloc((size_t)size + 8);
        void* plan = storage;
        CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "prepare");
        float* y = p.y + GUARD;
        int64_t* idx = p.idx + GUARD;
        const int64_t n = p.out_count, xc = p.x_count, rows = p.rows;
        fill_guards(&p);
        CHECK(rows == (layout == PK_LAYOUT_NCHW ? 2 * 3 * 4 : 2 * 4), "rows %lld", (long long)rows);
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, 0, rows) == PK_OK, "valid run");
        CHECK(RUN(NULL, p.x, xc, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_NULL_POINTER, "null plan");
        CHECK(RUN((char*)storage + 4, p.x, xc, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_MISALIGNED, "misaligned plan");
        CHECK(RUN(plan, NULL, xc, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_NULL_POINTER, "null input");
        CHECK(RUN(plan, p.x, xc, NULL, n, idx, n, NULL, 0, 0, rows) == PK_ERR_NULL_POINTER, "null output");
        CHECK(RUN(plan, (const float*)((const char*)p.x + 1), xc - 1, y, n, idx, n, NULL, 0, 0, rows)
                  == PK_ERR_MISALIGNED,
              "misaligned input");
        CHECK(RUN(plan, p.x, xc, (float*)((char*)y + 2), n - 1, idx, n, NULL, 0, 0, rows) == PK_ERR_MISALIGNED,
              "misaligned output");
        CHECK(RUN(plan, p.x, xc, y, n, (int64_t*)((char*)idx + 4), n - 1, NULL, 0, 0, rows) == PK_ERR_MISALIGNED,
              "misaligned indices");
        CHECK(RUN(plan, p.x, xc - 1, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "input short");
        CHECK(RUN(plan, p.x, xc, y, n - 1, idx, n, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "output short");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n - 1, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "indices short");
        CHECK(RUN(plan, p.x, -5, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_BUFFER_TOO_SMALL, "negative capacity");
        float samples[2 * 3 * 2] = {0};
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, samples, 12, 0, rows) == PK_ERR_INVALID_OPTION,
              "samples without fractional windows");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, 0, rows + 1) == PK_ERR_INVALID_RANGE, "row end");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, -1, 0) == PK_ERR_INVALID_RANGE, "row begin");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, 3, 2) == PK_ERR_INVALID_RANGE, "row order");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, INT64_MIN, INT64_MAX) == PK_ERR_INVALID_RANGE, "huge range");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, 2, 2) == PK_OK, "empty range");
        CHECK(guards_intact(&p), "layout %lld: wrote outside the output", (long long)layout);

        pk_pool_spec avg = p.spec;
        avg.op = PK_OP_AVG;
        CHECK(pk_pool_prepare(&avg, &p.in, &p.out, plan, size) == PK_OK, "avg prepare");
        CHECK(RUN(plan, p.x, xc, y, n, idx, n, NULL, 0, 0, rows) == PK_ERR_INVALID_OPTION, "avg indices");

        pk_pool_spec fractional = p.spec;
        fractional.window = PK_WINDOW_FRACTIONAL;
        pk_tensor_desc out = p.out;
        out.spatial[0] = out.spatial[1] = 5;
        CHECK(pk_pool_prepare(&fractional, &p.in, &out, plan, size) == PK_OK, "fractional prepare");
        const int64_t frows = pk_pool_rows(&fractional, &out);
        y = malloc(sizeof(float) * 2 * 3 * 25);
        CHECK(RUN(plan, p.x, xc, y, 2 * 3 * 25, NULL, 0, NULL, 0, 0, frows) == PK_ERR_NULL_POINTER, "samples missing");
        CHECK(RUN(plan, p.x, xc, y, 2 * 3 * 25, NULL, 0, samples, 11, 0, frows) == PK_ERR_BUFFER_TOO_SMALL,
              "samples short");
        samples[5] = 1.0f;
        CHECK(RUN(plan, p.x, xc, y, 2 * 3 * 25, NULL, 0, samples, 12, 0, frows) == PK_ERR_INVALID_SAMPLE, "sample 1.0");
        samples[5] = NAN;
        CHECK(RUN(plan, p.x, xc, y, 2 * 3 * 25, NULL, 0, samples, 12, 0, frows) == PK_ERR_INVALID_SAMPLE, "sample NaN");
        samples[5] = 0.5f;
        CHECK(RUN(plan, p.x, xc, y, 2 * 3 * 25, NULL, 0, samples, 12, 0, frows) == PK_OK, "fractional run");
        free(y);
        free(storage);
        free_problem(&p);
    }
}

/* Flipping any single bit of a plan, zeroing or scrambling it, or a plan from nowhere: PK_ERR_INVALID_PLAN,
   nothing written. A byte-for-byte copy elsewhere runs: plans hold no addresses. */
/* A plan names its kernel "<level>:<strategy>" at every level, or "scalar"; a rejected plan has no name. */
static void test_path_names(void) {
    static const char* const levels[] = {"scalar", "avx2", "avx512"};
    static const char* const strategies[] = {"scalar", "across", "big",   "along",   "tiles",
                                             "whole",  "planes", "pairs", "rolling", "sweep"};
    const int64_t size = pk_pool_plan_size();
    uint64_t* plan = malloc((size_t)size);
    for (int64_t layout = 0; layout < 2; layout++) {
        problem p;
        small_problem(&p, layout);
        for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
            p.spec.isa = isa;
            CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "prepare at isa %d", isa);
            for (int with_indices = 0; with_indices < 2; with_indices++) {
                const char* name = pk_pool_plan_path(plan, pk_pool_plan_size(), with_indices);
                int known = 0;
                if (name && isa == PK_ISA_SCALAR) known = strcmp(name, "scalar") == 0;
                else if (name && strncmp(name, levels[isa], strlen(levels[isa])) == 0
                         && name[strlen(levels[isa])] == ':')
                    for (size_t k = 0; k < sizeof strategies / sizeof strategies[0]; k++)
                        known |= strcmp(name + strlen(levels[isa]) + 1, strategies[k]) == 0;
                CHECK(known, "layout %lld isa %d indices %d: path name %s", (long long)layout, isa, with_indices,
                      name ? name : "(null)");
            }
        }
        free_problem(&p);
    }
    ((unsigned char*)plan)[size / 2] ^= 1;
    CHECK(pk_pool_plan_path(plan, pk_pool_plan_size(), 0) == NULL, "a corrupted plan has no path name");
    CHECK(pk_pool_plan_path(NULL, pk_pool_plan_size(), 0) == NULL, "a null plan has no path name");
    free(plan);
}

/* Precision: an average's must be EXACT or RELAXED; other ops ignore the field. Only relaxed averages name their
   kernel "-relaxed": always at the scalar level and channels last (across channels has relaxed variants), and at a
   SIMD level where the chosen strategy has a relaxed variant (small channels-first planes have none). */
static void test_precision(void) {
    const int64_t size = pk_pool_plan_size();
    uint64_t* plan = malloc((size_t)size);
    for (int64_t layout = 0; layout < 2; layout++) {
        problem p;
        small_problem(&p, layout);
        p.spec.precision = 7; /* max pooling: ignored */
        CHECK(pk_pool_check(&p.spec, &p.in, &p.out) == PK_OK, "max pooling ignores the precision field");
        p.spec.op = PK_OP_AVG;
        CHECK(pk_pool_check(&p.spec, &p.in, &p.out) == PK_ERR_INVALID_OPTION, "an average's precision 7");
        p.spec.precision = -1;
        CHECK(pk_pool_check(&p.spec, &p.in, &p.out) == PK_ERR_INVALID_OPTION, "an average's precision -1");
        for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++)
            for (int64_t precision = PK_PRECISION_EXACT; precision <= PK_PRECISION_RELAXED; precision++) {
                p.spec.isa = isa;
                p.spec.precision = precision;
                CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "prepare at isa %d", isa);
                const char* name = pk_pool_plan_path(plan, size, 0);
                const size_t length = name ? strlen(name) : 0;
                const int relaxed = length > 8 && strcmp(name + length - 8, "-relaxed") == 0;
                const int must =
                    precision == PK_PRECISION_RELAXED && (isa == PK_ISA_SCALAR || layout == PK_LAYOUT_NHWC);
                CHECK(name && (!relaxed || precision == PK_PRECISION_RELAXED) && (!must || relaxed),
                      "layout %lld isa %d precision %lld: %s", (long long)layout, isa, (long long)precision,
                      name ? name : "(null)");
            }
        free_problem(&p);
    }
    free(plan);
}

static void test_corrupted_plans(void) {
    problem p;
    small_problem(&p, PK_LAYOUT_NHWC);
    const int64_t size = pk_pool_plan_size();
    unsigned char* plan = malloc((size_t)size);
    unsigned char* copy = malloc((size_t)size);
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "prepare");
    int undetected = 0, wrote = 0;
    for (int64_t byte = 0; byte < size; byte++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, plan, (size_t)size);
            copy[byte] ^= (unsigned char)(1u << bit);
            fill_guards(&p);
            undetected += run(copy, &p, 0, p.rows) != PK_ERR_INVALID_PLAN;
            for (int64_t i = 0; i < p.out_count + 2 * GUARD; i++) wrote += p.y[i] != GUARD_VALUE || p.idx[i] != -7;
        }
    CHECK(undetected == 0, "%d of %lld single-bit corruptions ran", undetected, (long long)size * 8);
    CHECK(wrote == 0, "a corrupted plan wrote %d cells", wrote);
    /* two flipped bits: every pair within the first 50 bytes and random pairs over the whole plan (a linear sum
       let pairs cancel) */
    int pairs = 0;
    undetected = 0;
    for (int64_t a = 0; a < 400 && a < size * 8; a++)
        for (int64_t b = a + 1; b < 400 && b < size * 8; b++) {
            memcpy(copy, plan, (size_t)size);
            copy[a / 8] ^= (unsigned char)(1u << (a % 8));
            copy[b / 8] ^= (unsigned char)(1u << (b % 8));
            undetected += run(copy, &p, 0, p.rows) != PK_ERR_INVALID_PLAN;
            pairs++;
        }
    for (int trial = 0; trial < 20000; trial++) {
        const int64_t a = uniform(0, size * 8 - 1), b = uniform(0, size * 8 - 1);
        if (a == b) continue;
        memcpy(copy, plan, (size_t)size);
        copy[a / 8] ^= (unsigned char)(1u << (a % 8));
        copy[b / 8] ^= (unsigned char)(1u << (b % 8));
        undetected += run(copy, &p, 0, p.rows) != PK_ERR_INVALID_PLAN;
        pairs++;
    }
    CHECK(undetected == 0, "%d of %d two-bit corruptions ran", undetected, pairs);
    /* a plan buffer shorter than a plan is refused before any byte of it is read (ASan sees the 8-byte one) */
    uint64_t* tiny = malloc(8);
    memcpy(tiny, plan, 8);
    CHECK(pk_pool_run_f32(tiny, 8, p.x, p.x_count, p.y + GUARD, p.out_count, NULL, 0, NULL, 0, 0, p.rows)
              == PK_ERR_BUFFER_TOO_SMALL,
          "an 8-byte plan");
    CHECK(pk_pool_run_f32(plan, size - 1, p.x, p.x_count, p.y + GUARD, p.out_count, NULL, 0, NULL, 0, 0, p.rows)
              == PK_ERR_BUFFER_TOO_SMALL,
          "a plan size one short");
    free(tiny);

    memcpy(copy, plan, (size_t)size);
    copy[0] ^= 0xFF; /* the tag */
    CHECK(run(copy, &p, 0, p.rows) == PK_ERR_INVALID_PLAN, "wrong magic");
    memcpy(copy, plan, (size_t)size);
    copy[8] = 2; /* the ABI version written by an older library */
    CHECK(run(copy, &p, 0, p.rows) == PK_ERR_INVALID_PLAN, "wrong ABI version");
    memset(copy, 0, (size_t)size);
    CHECK(run(copy, &p, 0, p.rows) == PK_ERR_INVALID_PLAN, "zeroed plan");
    memset(copy, 0xFF, (size_t)size);
    CHECK(run(copy, &p, 0, p.rows) == PK_ERR_INVALID_PLAN, "all ones");
    int ran = 0;
    for (int trial = 0; trial < 1000; trial++) {
        for (int64_t i = 0; i < size; i++) copy[i] = (unsigned char)next_random();
        ran += run(copy, &p, 0, p.rows) != PK_ERR_INVALID_PLAN;
        memcpy(copy, plan, (size_t)size); /* a valid plan with a random run of bytes rewritten */
        const int64_t at = uniform(0, size - 1), length = uniform(1, size - at);
        for (int64_t i = at; i < at + length; i++) copy[i] = (unsigned char)next_random();
        if (memcmp(copy, plan, (size_t)size) != 0) ran += run(copy, &p, 0, p.rows) != PK_ERR_INVALID_PLAN;
    }
    CHECK(ran == 0, "%d scrambled plans ran", ran);
    memcpy(copy, plan, (size_t)size);
    fill_guards(&p);
    CHECK(run(copy, &p, 0, p.rows) == PK_OK && guards_intact(&p), "a copied plan runs");
    free(plan);
    free(copy);
    free_problem(&p);
}

/* One plan run by two threads at once over disjoint row ranges equals one run over all rows. */
typedef struct slice_job {
    const void* plan;
    problem* p;
    int64_t begin, end;
    int32_t status;
} slice_job;

static void* run_slice(void* arg) {
    slice_job* job = arg;
    for (int repeat = 0; repeat < 200 && job->status == PK_OK; repeat++)
        job->status = run(job->plan, job->p, job->begin, job->end);
    return NULL;
}

static void test_threads(void) {
    problem p;
    small_problem(&p, PK_LAYOUT_NCHW);
    const int64_t size = pk_pool_plan_size();
    void* plan = malloc((size_t)size);
    CHECK(pk_pool_prepare(&p.spec, &p.in, &p.out, plan, size) == PK_OK, "prepare");
    fill_guards(&p);
    CHECK(forward(&p, 0, p.rows) == PK_OK, "forward");
    float* expected = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
    memcpy(expected, p.y, sizeof(float) * (p.out_count + 2 * GUARD));
    fill_guards(&p);
    slice_job jobs[2] = {{plan, &p, 0, p.rows / 2, PK_OK}, {plan, &p, p.rows / 2, p.rows, PK_OK}};
    pthread_t threads[2];
    for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, run_slice, &jobs[t]);
    for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
    CHECK(jobs[0].status == PK_OK && jobs[1].status == PK_OK, "threaded runs");
    CHECK(memcmp(expected, p.y, sizeof(float) * (p.out_count + 2 * GUARD)) == 0, "threaded output");
    free(expected);
    free(plan);
    free_problem(&p);
}

int main(int argc, char** argv) {
    rng_state = 7;
    const int cases = argc > 1 ? atoi(argv[1]) : 1500;
    test_prepare_statuses();
    test_run_statuses();
    test_corrupted_plans();
    test_path_names();
    test_precision();
    test_threads();
    for (int i = 0; i < cases; i++) random_case(i);
    printf("plan tests: %d random problems; %d passed, %d failed\n", problems, passed, failed);
    return failed == 0 ? 0 : 1;
}
