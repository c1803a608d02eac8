/* Every kernel variant of every variant list, at every SIMD level this CPU has, forced on seeded random problems
   it accepts and compared with the oracle in pool_ref.c, bit for bit, whole and in two row slices, with guard cells
   around the output; relaxed averages (PK_PRECISION_RELAXED), and the scalar kernel's, within their bound of the
   oracle's float64 averages. The problems come in families aimed at each strategy's limits (channels last, long and
   short channels-first rows, small planes whole and in bands, global windows in both layouts, windows past the tap
   lists, 2-wide stride-2 windows along the width, 3-wide windows along the width of channels last over many
   channels, 3x3 stride-1 windows keeping the plane's size). The test then reports how many variants of each list
   ran, and fails unless every one did: the coverage of the lists, counted from the lists themselves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dispatch/dispatch.h"
#include "pool-plan.h"
#include "pool/variant.h"
#include "pool_ref.h"
#include "scalar/pool-scalar.h"

#define GUARD 32
static const float GUARD_VALUE = 12345.0f;

typedef struct level {
    const char* name;
    int32_t isa;
    pk_variant_table table;
    int (*accepts)(const pk_variant*, const pk_plan*, int);
    int64_t runs[256];
} level;

static int same_float(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A problem of family f: spec (op MAX or AVG; MIN is made from MAX below), input and output descriptors. Returns 0
   when the drawn window does not fit. */
static int draw_problem(int family, pk_pool_spec* s, pk_tensor_desc* in, pk_tensor_desc* out) {
    /* around one vector, two, four, and eight (the runs of a pixel's sums across channels) at both widths */
    static const int64_t channel_choices[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 67, 128, 131, 255};
    *s = (pk_pool_spec){.op = uniform(0, 1) ? PK_OP_MAX : PK_OP_AVG, .window = PK_WINDOW_SLIDING};
    s->spatial_rank = uniform(1, 3);
    s->ceil_mode = uniform(0, 1);
    s->divisor_mode = uniform(0, 2);
    s->divisor_override = uniform(0, 5) == 0 ? uniform(1, 7) : 0;
    s->nan_mode = uniform(0, 1);
    *in = (pk_tensor_desc){.layout = family == 0 || family == 5 || family == 7 ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW,
                           .spatial_rank = s->spatial_rank,
                           .batch = uniform(1, 2),
                           .channels = channel_choices[uniform(family == 7 ? 13 : 0, 17)]};
    if (family == 4 && uniform(0, 1)) { /* global windows channels last, some over more channels than a sweep's
                                           block (sweep.h) */
        in->layout = PK_LAYOUT_NHWC;
        if (uniform(0, 3) == 0) in->channels = uniform(2040, 2070);
    }
    const int wide = family == 6 && uniform(0, 7) == 0; /* rows too long for the triples' layout (pairs.h) */
    for (int i = 0; i < s->spatial_rank; i++) {
        const int inner = i == s->spatial_rank - 1;
        int64_t size;
        switch (family) {
        case 1: size = inner ? uniform(24, 90) : uniform(1, 6); break; /* long channels-first rows */
        case 2: size = inner ? uniform(3, 40) : uniform(1, 8); break;  /* short rows: tiles */
        case 3: size = s->spatial_rank == 1 ? uniform(1, 64) : uniform(1, s->spatial_rank == 2 ? 8 : 4); break;
        case 4: size = uniform(1, s->spatial_rank == 3 ? 6 : 12); break; /* global windows */
        case 5:
            size = uniform(s->spatial_rank == 1   ? 257
                           : s->spatial_rank == 2 ? 17
                                                  : 7, /* past the tap lists */
                           s->spatial_rank == 1   ? 300
                           : s->spatial_rank == 2 ? 19
                                                  : 8);
            break;
        case 6: /* pairs along the width */
            size = inner ? (wide ? uniform(520, 600) : uniform(2, 90)) : uniform(1, wide ? 2 : 6);
            break;
        case 7: size = inner ? uniform(3, 40) : uniform(1, 6); break; /* neighbours sharing reads */
        case 8: /* rolling rows: one pass or more along the width */
            size = i == 0 && s->spatial_rank == 3 ? 1 : uniform(1, inner ? 140 : 12);
            break;
        default: size = uniform(1, s->spatial_rank == 3 ? 9 : 30);
        }
        in->spatial[i] = size;
        s->kernel[i] = uniform(1, 4);
        s->stride[i] = uniform(0, 3) == 0 ? uniform(3, 5) : uniform(1, 2);
        s->dilation[i] = uniform(0, 3) == 0 ? uniform(2, 3) : 1;
        if (family == 6 && inner) { /* two wide inside the row, or three wide with any padding */
            s->kernel[i] = uniform(2, 3);
            s->stride[i] = 2;
            s->dilation[i] = 1;
        }
        if (family == 7 && inner) {
            s->kernel[i] = 3;
            s->stride[i] = uniform(1, 2);
            s->dilation[i] = 1;
        }
        if (family == 8) { /* 3x3 stride 1, the input's size (pads set below); depth 1 */
            s->kernel[i] = i == 0 && s->spatial_rank == 3 ? 1 : 3;
            s->stride[i] = 1;
            s->dilation[i] = 1;
        }
        if (family == 4 || family == 5) { /* a window over the whole axis */
            s->kernel[i] = size;
            s->stride[i] = 1;
            s->dilation[i] = 1;
        }
        const int64_t effective = s->dilation[i] * (s->kernel[i] - 1) + 1;
        s->pad_begin[i] =
            family == 4 || family == 5 || (family == 6 && inner && s->kernel[i] == 2) ? 0 : uniform(0, effective - 1);
        if (family == 8) s->pad_end[i] = s->kernel[i] - 1 - s->pad_begin[i];
        else
            s->pad_end[i] = family == 4 || family == 5 ? 0
                            : uniform(0, 2) == 0       ? uniform(0, effective - 1)
                                                       : s->pad_begin[i];
    }
    if (family == 3 && s->spatial_rank > 1 && uniform(0, 1)) { /* planes in bands: windows along the outer axis that
                                                                   neither overlap nor pad, tiling it exactly */
        s->stride[0] = uniform(1, 3);
        s->dilation[0] = uniform(1, s->stride[0]);
        s->kernel[0] = uniform(1, (s->stride[0] - 1) / s->dilation[0] + 1);
        if (uniform(0, 3) == 0) { /* or one tap past the stride: the last window is partial, so no bands */
            s->dilation[0] = 1;
            s->kernel[0] = s->stride[0] + 1;
            s->ceil_mode = 1;
        }
        s->pad_begin[0] = s->pad_end[0] = 0;
        in->spatial[0] = uniform(1, s->spatial_rank == 2 ? 16 : 8) * s->stride[0];
    }
    *out = *in;
    for (int i = 0; i < s->spatial_rank; i++) {
        out->spatial[i] = pk_pool_output_size(in->spatial[i], s->kernel[i], s->stride[i], s->dilation[i],
                                              s->pad_begin[i], s->pad_end[i], s->ceil_mode);
        if (out->spatial[i] < 1) return 0;
    }
    return 1;
}

static int64_t volume(const pk_tensor_desc* t, const int64_t* sizes) {
    int64_t v = t->batch * t->channels;
    for (int i = 0; i < t->spatial_rank; i++) v *= sizes[i];
    return v;
}

/* Whether y is a relaxed average of the float64 oracle's element i (PK_PRECISION_RELAXED): a NaN tap, or +inf and
   -inf taps, give NaN, +inf or -inf taps alone that infinity (the test's finite taps are small); otherwise
   |y - mean| <= gamma_(n+2) * S/d + 2^-148 (poolkit.h), plus the oracle's own error, (n + 1) * 2^-52 * S/d. */
static int within_relaxed_bound(float y, const pool_ref_avg* exact, int64_t i) {
    const int non_finite = exact->non_finite[i];
    if (non_finite & 1 || (non_finite & 6) == 6) return isnan(y);
    if (non_finite) return isinf(y) && (y > 0) == ((non_finite & 2) != 0);
    const double n = (double)exact->taps[i], u = 0x1p-24, gamma = (n + 2) * u / (1 - (n + 2) * u);
    const double bound = gamma * exact->abs_mean[i] + 0x1p-148 + (n + 1) * 0x1p-52 * exact->abs_mean[i];
    return fabs((double)y - exact->mean[i]) <= bound;
}

/* Runs one variant on rows [0, rows) whole (cut < 0) or in two slices, compares with expected (bit for bit), or
   with the float64 oracle within the relaxed bound where relaxed is not NULL. */
static int run_variant(const pk_variant* v, const pk_plan* plan, const float* x, int64_t out_volume,
                       const float* expected, const int64_t* expected_indices, int with_indices, int64_t cut,
                       const pool_ref_avg* relaxed) {
    float* y = malloc(sizeof(float) * (out_volume + 2 * GUARD));
    int64_t* idx = malloc(sizeof(int64_t) * (out_volume + 2 * GUARD));
    for (int64_t i = 0; i < out_volume + 2 * GUARD; i++) {
        y[i] = GUARD_VALUE;
        idx[i] = -7;
    }
    if (cut < 0) {
        v->kernel(plan, x, y + GUARD, with_indices ? idx + GUARD : NULL, 0, plan->rows);
    } else { /* the later slice first: each writes its own rows only */
        v->kernel(plan, x, y + GUARD, with_indices ? idx + GUARD : NULL, cut, plan->rows);
        v->kernel(plan, x, y + GUARD, with_indices ? idx + GUARD : NULL, 0, cut);
    }
    int ok = 1;
    for (int64_t i = 0; i < GUARD; i++) {
        ok &= y[i] == GUARD_VALUE && y[GUARD + out_volume + i] == GUARD_VALUE;
        ok &= idx[i] == -7 && idx[GUARD + out_volume + i] == -7;
    }
    int64_t wrong = -1;
    for (int64_t i = 0; i < out_volume && wrong < 0; i++)
        if (relaxed ? !within_relaxed_bound(y[GUARD + i], relaxed, i)
                    : !same_float(y[GUARD + i], expected[i]) || (with_indices && idx[GUARD + i] != expected_indices[i]))
            wrong = i;
    if (wrong >= 0)
        fprintf(stderr, "%s: element %lld got %g [%lld] want %g [%lld]\n", v->name, (long long)wrong, y[GUARD + wrong],
                with_indices ? (long long)idx[GUARD + wrong] : 0LL, expected[wrong],
                with_indices ? (long long)expected_indices[wrong] : 0LL);
    free(y);
    free(idx);
    return ok && wrong < 0;
}

static void problem(level* levels, int level_count, int family, int number) {
    pk_pool_spec s;
    pk_tensor_desc in, out;
    if (!draw_problem(family, &s, &in, &out)) return;
    const int64_t in_volume = volume(&in, in.spatial), out_volume = volume(&out, out.spatial);
    const int fill = (int)uniform(0, 2);
    float* x = malloc(sizeof(float) * in_volume);
    for (int64_t i = 0; i < in_volume; i++) {
        x[i] = fill == 1 ? (float)uniform(-1000000, 1000000) / 7919.0f             /* fine: reordered sums differ */
                         : (float)uniform(-8, 8) * (uniform(0, 1) ? 1.0f : 0.25f); /* coarse: ties */
        if (fill == 2) {
            const int64_t r = uniform(0, 19);
            if (r == 0) x[i] = NAN;
            else if (r == 1) x[i] = INFINITY;
            else if (r == 2) x[i] = -INFINITY;
            else if (r <= 5) x[i] = uniform(0, 1) ? -0.0f : 0.0f; /* ties of signed zeros expose tap order */
        }
    }
    const int with_indices = s.op == PK_OP_MAX && uniform(0, 1);
    float* expected = malloc(sizeof(float) * out_volume);
    int64_t* expected_indices = malloc(sizeof(int64_t) * out_volume);
    /* half the averages relaxed: their variants, and the scalar kernel, against the float64 oracle */
    if (s.op == PK_OP_AVG && uniform(0, 1)) s.precision = PK_PRECISION_RELAXED;
    const int relaxed = s.precision == PK_PRECISION_RELAXED;
    pool_ref_avg exact = {malloc(sizeof(double) * out_volume), malloc(sizeof(double) * out_volume),
                          malloc(sizeof(int64_t) * out_volume), malloc(sizeof(int) * out_volume)};
    pool_ref_avg_f64(&s, &in, x, &out, expected, with_indices ? expected_indices : NULL, relaxed ? &exact : NULL);
    if (s.op == PK_OP_MAX && uniform(0, 2) == 0) { /* min(x) = -max(-x), with the same indices */
        s.op = PK_OP_MIN;
        for (int64_t i = 0; i < in_volume; i++) x[i] = -x[i];
        for (int64_t i = 0; i < out_volume; i++) expected[i] = -expected[i];
    }
    const int reduce = s.op == PK_OP_MAX   ? PK_REDUCE_MAX
                       : s.op == PK_OP_MIN ? PK_REDUCE_MIN
                       : relaxed           ? PK_REDUCE_SUM_RELAXED
                                           : PK_REDUCE_SUM;
    pk_plan plan;
    const int32_t status = pk_plan_init(&plan, &s, &in, &out);
    CHECK(status == PK_OK, "problem %d: plan status %d", number, status);
    if (status == PK_OK && relaxed) { /* the scalar kernel: the definition of relaxed averages */
        const pk_variant scalar = {"pk_f32_avgpool__scalar (relaxed)",
                                   "scalar-relaxed",
                                   pk_f32_avgpool__scalar,
                                   PK_STRATEGIES,
                                   {PK_REDUCE_SUM_RELAXED, 0, 0, 0}};
        CHECK(run_variant(&scalar, &plan, x, out_volume, expected, expected_indices, 0, -1, &exact),
              "problem %d: the scalar relaxed average", number);
    }
    if (status == PK_OK) {
        const int64_t cut = uniform(0, plan.rows);
        for (int l = 0; l < level_count; l++) {
            level* lv = &levels[l];
            for (int32_t r = 0; r < lv->table.count; r++) {
                const pk_variant* v = &lv->table.variants[r];
                if (v->kind.reduce != reduce || !lv->accepts(v, &plan, with_indices)) continue;
                const pool_ref_avg* bound = relaxed ? &exact : NULL;
                const int whole =
                    run_variant(v, &plan, x, out_volume, expected, expected_indices, with_indices, -1, bound);
                const int sliced =
                    run_variant(v, &plan, x, out_volume, expected, expected_indices, with_indices, cut, bound);
                CHECK(whole && sliced, "problem %d (family %d, op %lld, layout %lld, rank %lld, C %lld): %s %s", number,
                      family, (long long)s.op, (long long)in.layout, (long long)s.spatial_rank, (long long)in.channels,
                      v->name, whole ? "in slices" : "whole");
                lv->runs[r]++;
            }
        }
    }
    free(x);
    free(expected);
    free(expected_indices);
    free(exact.mean);
    free(exact.abs_mean);
    free(exact.taps);
    free(exact.non_finite);
}

int main(void) {
    rng_state = 0x7A51A27;
    level levels[2];
    int level_count = 0;
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (pk_dispatch_cpu_isa() >= PK_ISA_AVX2)
        levels[level_count++] = (level){"avx2", PK_ISA_AVX2, pk_variants__avx2(), pk_variant_accepts__avx2, {0}};
    if (pk_dispatch_cpu_isa() >= PK_ISA_AVX512)
        levels[level_count++] =
            (level){"avx512", PK_ISA_AVX512, pk_variants__avx512(), pk_variant_accepts__avx512, {0}};
#endif
    if (level_count == 0) {
        printf("variant_test: this CPU or build has no SIMD level\n");
        return 77;
    }
    const int families = 9, per_family = 700;
    for (int i = 0; i < families * per_family; i++) problem(levels, level_count, i % families, i);
    /* Again as if every tensor came from memory, so that the kernels that then prefetch run that way too. */
    pk_dispatch_set_last_cache_bytes(0);
    for (int i = 0; i < families * per_family / 4; i++)
        problem(levels, level_count, i % families, families * per_family + i);
    for (int l = 0; l < level_count; l++) {
        const level* lv = &levels[l];
        int ran = 0;
        for (int32_t r = 0; r < lv->table.count; r++) {
            if (lv->runs[r] > 0) ran++;
            else fprintf(stderr, "never run: %s\n", lv->table.variants[r].name);
        }
        printf("variant coverage %s: %d of %d variants run (%.0f %%)\n", lv->name, ran, lv->table.count,
               100.0 * ran / lv->table.count);
        CHECK(ran == lv->table.count, "%s: %d of %d variants never ran", lv->name, lv->table.count - ran,
              lv->table.count);
    }
    printf("variant_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
