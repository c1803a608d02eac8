/* C tests of the methods of the literature (PK_OP_SOFT and after): every status of pk_method_prepare,
   pk_method_run_f32 and pk_method_backward_f32 and of the pk_pool_* entry points for them, with the output's guard
   cells untouched on every error; prepared runs equal at every level; SoftPool's stability at the float range and
   its rules for NaN and infinities; S3Pool's picks; SoftPool's, GeM's and mixed pooling's SIMD kernels equal to the
   scalar ones bit for bit; pk_fixed_exp and pk_fixed_log against libm. Values against references are the Java tests' (golden vectors). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"
#include "check.h"
#include "../src/methods/fixed-log.h"

#define GUARD 8
#define OUT 4 /* 1 x 1 x 8 input pooled by 2 */

static pk_pool_spec spec_of(int64_t op) {
    pk_pool_spec s;
    memset(&s, 0, sizeof s);
    s.op = op;
    s.window = PK_WINDOW_SLIDING;
    s.spatial_rank = 1;
    s.kernel[0] = s.stride[0] = 2;
    s.dilation[0] = 1;
    s.divisor_mode = PK_DIVISOR_INCLUDE_PADDING;
    s.isa = PK_ISA_AUTO;
    return s;
}

static pk_tensor_desc desc(int64_t w) {
    pk_tensor_desc d;
    memset(&d, 0, sizeof d);
    d.layout = PK_LAYOUT_NCHW;
    d.spatial_rank = 1;
    d.batch = d.channels = 1;
    d.spatial[0] = w;
    return d;
}

static float out_buffer[GUARD + OUT + GUARD];
static void reset(void) {
    for (int i = 0; i < GUARD + OUT + GUARD; i++) out_buffer[i] = 777.0f;
}
static int guards_intact(void) {
    for (int i = 0; i < GUARD; i++)
        if (out_buffer[i] != 777.0f || out_buffer[GUARD + OUT + i] != 777.0f) return 0;
    return 1;
}

/* Prepares and runs; returns the first failing status. The output lands in out_buffer + GUARD. */
static int32_t prepare_run(const pk_pool_spec* s, const pk_method_spec* m, const float* x, const float* params,
                           int64_t params_capacity, int64_t* indices) {
    pk_tensor_desc in = desc(8), out = desc(OUT);
    void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
    int32_t status = pk_method_prepare(s, m, &in, &out, plan, pk_pool_plan_size());
    if (status == PK_OK)
        status = pk_method_run_f32(plan, pk_pool_plan_size(), x, 8, out_buffer + GUARD, OUT, indices, indices ? OUT : 0,
                                   params, params_capacity, 0, 1);
    free(plan);
    return status;
}

/* Whether y holds reference's bits, any NaN standing for any NaN (payloads are not part of the contract). */
/* Fills the output a level writes next, so that an output it leaves unwritten cannot keep the previous level's
   value: a value no problem here produces. */
static void clear_output(float* y, int64_t count) {
    for (int64_t i = 0; i < count; i++) y[i] = -0x1.5a5a5ap-77f;
}

static int same_bits(const float* y, const float* reference, int64_t count) {
    int same = 1;
    for (int64_t i = 0; i < count; i++)
        same &= isnan(y[i]) ? isnan(reference[i]) : memcmp(&y[i], &reference[i], 4) == 0;
    return same;
}

/* The strategy mixed pooling's SIMD kernel at isa takes, by independent counts:
   - pairs: along the width (below) with windows three wide, stride two, no dilation, at most one padding element
     before, every window with a tap in the row, and a register of floats of outputs or more;
   - along: channels first with at least half a register of floats of outputs whose windows lie inside the input
     along the width (pk_interior's count);
   - across: at least half a register of doubles of channels; else the scalar kernel. */
static const char* mixed_expected_path(const pk_pool_spec* s, const pk_tensor_desc* in, const pk_tensor_desc* out,
                                       int32_t isa) {
    const int a = (int)s->spatial_rank - 1;
    const int64_t w_in = in->spatial[a], w_out = out->spatial[a];
    int64_t inside = 0;
    for (int64_t ow = 0; ow < w_out; ow++) {
        const int64_t first = ow * s->stride[a] - s->pad_begin[a];
        inside += first >= 0 && first + (s->kernel[a] - 1) * s->dilation[a] < w_in;
    }
    const int along = in->layout == PK_LAYOUT_NCHW && inside >= (isa == PK_ISA_AVX512 ? 8 : 4);
    const int pairs = s->kernel[a] == 3 && s->stride[a] == 2 && s->dilation[a] == 1 && s->pad_begin[a] <= 1
                      && w_out >= (isa == PK_ISA_AVX512 ? 16 : 8) && 2 * (w_out - 1) - s->pad_begin[a] < w_in;
    return along && pairs                                   ? "pairs"
           : along                                          ? "along"
           : in->channels >= (isa == PK_ISA_AVX512 ? 4 : 2) ? "across"
                                                            : "scalar";
}

/* A mixed pooling spec of sliding windows with random ceil mode, divisor rule and override, and NaN mode; the caller
   draws the windows. */
static pk_pool_spec random_mixed_spec(int rank) {
    pk_pool_spec s;
    memset(&s, 0, sizeof s);
    s.op = PK_OP_MIXED;
    s.window = PK_WINDOW_SLIDING;
    s.spatial_rank = rank;
    s.ceil_mode = uniform(0, 1);
    s.divisor_mode = uniform(0, 2);
    s.divisor_override = uniform(0, 4) == 0 ? uniform(1, 5) : 0;
    s.nan_mode = uniform(0, 1);
    return s;
}

/* How many SIMD levels a mixed pooling problem was compared at, and of them how many ran along the width (pairs
   included) and how many in pairs. */
typedef struct mixed_counts {
    int compared, along, pairs;
} mixed_counts;

/* One mixed pooling problem at every level this CPU has against the scalar kernel, bit for bit, each level naming
   the path mixed_expected_path gives: lambda from round's source (scalar, per channel, a map, uniforms), inputs
   with ties and signed zeros, and where with_nan, NaN and infinities about once in nan_one_in. */
static mixed_counts mixed_problem(pk_pool_spec* s, const pk_tensor_desc* in, const pk_tensor_desc* out, int round,
                                  int with_nan, int64_t nan_one_in) {
    mixed_counts counts = {0, 0, 0};
    const int rank = (int)s->spatial_rank;
    int64_t in_count = in->batch * in->channels, out_count = out->batch * out->channels;
    for (int a = 0; a < rank; a++) {
        in_count *= in->spatial[a];
        out_count *= out->spatial[a];
    }
    pk_method_spec m;
    memset(&m, 0, sizeof m);
    m.params_mode =
        (int64_t[]){PK_PARAMS_SCALAR, PK_PARAMS_PER_CHANNEL, PK_PARAMS_OUTPUT_MAP, PK_PARAMS_UNIFORMS}[round % 4];
    m.lambda = (double[]){0, 1, 0.3, 0.4, -0.5}[uniform(0, 4)];
    m.probability = 0.5;
    const int64_t params_count = m.params_mode == PK_PARAMS_PER_CHANNEL ? in->channels
                                 : m.params_mode == PK_PARAMS_SCALAR    ? 0
                                                                        : out_count;
    float* x = malloc(sizeof(float) * in_count);
    float* params = params_count ? malloc(sizeof(float) * params_count) : 0;
    float* reference = malloc(sizeof(float) * out_count);
    float* y = malloc(sizeof(float) * out_count);
    for (int64_t i = 0; i < in_count; i++) {
        const int64_t k = uniform(with_nan ? 0 : 3, nan_one_in);
        x[i] = k == 0                    ? NAN
               : k == 1                  ? INFINITY
               : k == 2                  ? -INFINITY
               : k < 3 + nan_one_in / 20 ? (uniform(0, 1) ? -0.0f : 0.0f)
                                         : (float)uniform(-1000, 1000) / 7.0f;
    }
    /* lambdas of 0 and 1 (exact cases) and between; uniforms in [0, 1) */
    for (int64_t i = 0; i < params_count; i++)
        params[i] = m.params_mode == PK_PARAMS_UNIFORMS ? (float)uniform(0, 99) / 100.0f : (float)uniform(0, 4) / 4.0f;
    void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
    for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
        s->isa = isa;
        float* target = isa == PK_ISA_SCALAR ? reference : y;
        clear_output(target, out_count);
        int32_t status = pk_method_prepare(s, &m, in, out, plan, pk_pool_plan_size());
        if (status == PK_OK)
            status = pk_method_run_f32(plan, pk_pool_plan_size(), x, in_count, target, out_count, 0, 0, params,
                                       params_count, 0, pk_pool_rows(s, out));
        CHECK(status == PK_OK, "mixed run at level %d: status %d", isa, status);
        if (isa == PK_ISA_SCALAR || status != PK_OK) continue;
        CHECK(same_bits(y, reference, out_count), "mixed at level %d equals the scalar kernel (round %d)", isa, round);
        const char* path = pk_pool_plan_path(plan, pk_pool_plan_size(), 0);
        const char* expected = mixed_expected_path(s, in, out, isa);
        CHECK(strcmp(strchr(path, ':') + 1, expected) == 0, "mixed path %s (expected %s) with %d channels, round %d",
              path, expected, (int)in->channels, round);
        counts.compared++;
        counts.pairs += strcmp(expected, "pairs") == 0;
        counts.along += strcmp(expected, "along") == 0 || strcmp(expected, "pairs") == 0;
    }
    free(plan);
    free(x);
    free(params);
    free(reference);
    free(y);
    return counts;
}

/* Mixed pooling at every level this CPU has equals the scalar kernel bit for bit, on random problems of both layouts
   (every lambda source, divisor and NaN mode; inputs with ties, signed zeros, NaN and infinities), and names the
   kernel it runs. */
static void mixed_levels(void) {
    rng_state = 16;
    int compared = 0, alongs = 0;
    for (int round = 0; round < 300; round++) {
        /* every fifth round 2d with 3x3 windows (PK_EACH_TAP_3X3_UNROLLED) */
        const int rank = round % 5 == 0 ? 2 : (int)uniform(1, 3);
        pk_pool_spec s = random_mixed_spec(rank);
        pk_tensor_desc in, out;
        memset(&in, 0, sizeof in);
        in.layout = uniform(0, 2) ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW;
        in.spatial_rank = rank;
        in.batch = uniform(1, 2);
        /* some rounds with more channels than four AVX-512 registers, for the kernel across them */
        in.channels = round % 7 == 0 ? uniform(60, 140) : uniform(1, 40);
        out = in;
        int ok = 1;
        for (int a = 0; a < rank; a++) {
            s.kernel[a] = round % 5 == 0 ? 3 : uniform(1, 3);
            s.stride[a] = uniform(1, 3);
            s.dilation[a] = uniform(1, 2);
            const int64_t effective = s.dilation[a] * (s.kernel[a] - 1) + 1;
            s.pad_begin[a] = uniform(0, effective / 2);
            s.pad_end[a] = uniform(0, effective / 2);
            /* widths past two AVX-512 registers of outputs in some rounds, for the kernel along the width */
            in.spatial[a] = a == rank - 1 && round % 3 == 0 ? uniform(1, 160) : uniform(1, rank == 3 ? 5 : 9);
            out.spatial[a] = pk_pool_output_size(in.spatial[a], s.kernel[a], s.stride[a], s.dilation[a], s.pad_begin[a],
                                                 s.pad_end[a], s.ceil_mode);
            ok &= out.spatial[a] >= 1;
        }
        if (!ok) continue;
        const mixed_counts c = mixed_problem(&s, &in, &out, round, round / 4 % 3 != 0, 40);
        compared += c.compared;
        alongs += c.along;
    }
    CHECK(pk_cpu_isa() == PK_ISA_SCALAR || compared > 100, "only %d mixed problems compared", compared);
    CHECK(pk_cpu_isa() == PK_ISA_SCALAR || alongs > 30, "only %d mixed problems along the width", alongs);
}

/* Mixed pooling in pairs (windows three wide, stride two along the width of channels first) at every level equals
   the scalar kernel bit for bit: padding 0 or 1 at either end, ceil mode, 1d to 3d, rows from one register of
   outputs to past the per-call layout (PK_MIXED_PAIR_CHUNKS), every lambda source, divisor and NaN mode, inputs
   with ties, signed zeros, NaN and infinities. */
static void mixed_pairs(void) {
    rng_state = 23;
    int compared = 0;
    for (int round = 0; round < 240; round++) {
        const int rank = (int)uniform(1, 3);
        pk_pool_spec s = random_mixed_spec(rank);
        pk_tensor_desc in, out;
        memset(&in, 0, sizeof in);
        in.layout = PK_LAYOUT_NCHW;
        in.spatial_rank = rank;
        in.batch = uniform(1, 2);
        in.channels = uniform(1, 4);
        out = in;
        int ok = 1;
        /* in half the rounds of 2d and 3d, windows three high with stride two too (rows sharing an input row) */
        const int stem = rank > 1 && round % 2 == 0;
        for (int a = 0; a < rank; a++) {
            const int width = a == rank - 1, three = width || (stem && a == rank - 2);
            s.kernel[a] = three ? 3 : uniform(1, 3);
            s.stride[a] = three ? 2 : uniform(1, 2);
            s.dilation[a] = three ? 1 : uniform(1, 2);
            const int64_t effective = s.dilation[a] * (s.kernel[a] - 1) + 1;
            s.pad_begin[a] = uniform(0, effective / 2);
            s.pad_end[a] = uniform(0, effective / 2);
            /* rows of 8 to ~150 outputs, one round in five past 256 (the per-call layout's end) */
            in.spatial[a] = width   ? (round % 5 == 0 ? uniform(512, 600) : uniform(15, 300))
                            : three ? uniform(3, 12)
                                    : uniform(1, rank == 3 ? 4 : 6);
            out.spatial[a] = pk_pool_output_size(in.spatial[a], s.kernel[a], s.stride[a], s.dilation[a], s.pad_begin[a],
                                                 s.pad_end[a], s.ceil_mode);
            ok &= out.spatial[a] >= 1;
        }
        if (!ok) continue;
        compared += mixed_problem(&s, &in, &out, round, round % 3 != 0, 400).pairs;
    }
    CHECK(pk_cpu_isa() == PK_ISA_SCALAR || compared > 150, "only %d mixed problems in pairs compared", compared);
}

/* Mixed pooling along the width where its vectors at the rows' ends take other paths: windows wider than the
   vectors keep masks for (their outputs one by one) and divisors past 2^24 (each lane's divisor as the definition
   computes it), at every level equal to the scalar kernel bit for bit. */
static void mixed_wide_windows(void) {
    rng_state = 19;
    const int64_t kernels[][3] = {{4999, 4999, 3}, {1, 1, 11}, {1, 3, 17}};
    for (int k = 0; k < 3; k++) {
        for (int mode = 0; mode < 6; mode++) {
            pk_pool_spec s;
            memset(&s, 0, sizeof s);
            s.op = PK_OP_MIXED;
            s.window = PK_WINDOW_SLIDING;
            s.spatial_rank = 3;
            s.divisor_mode = mode % 3;
            s.nan_mode = mode / 3;
            pk_tensor_desc in, out;
            memset(&in, 0, sizeof in);
            in.layout = PK_LAYOUT_NCHW;
            in.spatial_rank = 3;
            in.batch = 1;
            in.channels = 2;
            in.spatial[0] = 1;
            in.spatial[1] = 2;
            in.spatial[2] = 70;
            out = in;
            int64_t in_count = 2, out_count = 2;
            for (int a = 0; a < 3; a++) {
                s.kernel[a] = kernels[k][a];
                s.stride[a] = 1;
                s.dilation[a] = 1;
                s.pad_begin[a] = s.pad_end[a] = (kernels[k][a] - 1) / 2;
                out.spatial[a] = pk_pool_output_size(in.spatial[a], s.kernel[a], 1, 1, s.pad_begin[a], s.pad_end[a], 0);
                in_count *= in.spatial[a];
                out_count *= out.spatial[a];
            }
            pk_method_spec m;
            memset(&m, 0, sizeof m);
            m.params_mode = PK_PARAMS_SCALAR;
            m.lambda = 0.3;
            float* x = malloc(sizeof(float) * in_count);
            float* reference = malloc(sizeof(float) * out_count);
            float* y = malloc(sizeof(float) * out_count);
            for (int64_t i = 0; i < in_count; i++)
                x[i] = uniform(0, 30) == 0 ? NAN : (float)uniform(-1000, 1000) / 7.0f;
            void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
            for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
                s.isa = isa;
                float* target = isa == PK_ISA_SCALAR ? reference : y;
                clear_output(target, out_count);
                int32_t status = pk_method_prepare(&s, &m, &in, &out, plan, pk_pool_plan_size());
                if (status == PK_OK)
                    status = pk_method_run_f32(plan, pk_pool_plan_size(), x, in_count, target, out_count, 0, 0, 0, 0, 0,
                                               pk_pool_rows(&s, &out));
                CHECK(status == PK_OK, "wide mixed %d run at level %d: status %d", k, isa, status);
                if (isa == PK_ISA_SCALAR || status != PK_OK) continue;
                const int same = same_bits(y, reference, out_count);
                CHECK(same, "wide mixed %d (divisor mode %d) at level %d equals the scalar kernel", k, mode % 3, isa);
                const char* path = pk_pool_plan_path(plan, pk_pool_plan_size(), 0);
                CHECK(strcmp(strchr(path, ':') + 1, "along") == 0, "wide mixed %d runs %s", k, path);
            }
            free(plan);
            free(x);
            free(reference);
            free(y);
        }
    }
}

/* A random input value: NaN, infinities, the float range's ends, subnormals, signed zeros, ties, and ordinary
   values, so that every rule and exp/log range of the kernels is reached. */
static float wild_value(void) {
    const int64_t k = uniform(0, 60);
    switch (k) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return -0.0f;
    case 4: return 0.0f;
    case 5: return 3.4e38f;
    case 6: return -3.4e38f;
    case 7: return (float)uniform(1, 1000) * 1e35f;
    case 8: return (float)uniform(1, 1000) * 1e-42f; /* subnormal floats */
    case 9: return (float)uniform(-100, 100) * 1e-30f;
    case 10: return 1.5f; /* ties */
    default: return (float)uniform(-20000, 20000) / 97.0f;
    }
}

/* SoftPool and GeM at every SIMD level this CPU has equal the scalar kernel bit for bit, on random problems of both
   layouts (channel counts around the vector widths, sliding and adaptive windows, padding, dilation, ceil mode),
   run in two row ranges, with wild inputs; the prepared plan names the path it takes. */
static void soft_gem_levels(void) {
    rng_state = 29;
    int compared[2] = {0, 0}, simd_paths = 0, alongs = 0;
    for (int round = 0; round < 400; round++) {
        /* every fifth round 2d with 3x3 windows (PK_EACH_TAP_3X3_UNROLLED) */
        const int rank = round % 5 == 1 ? 2 : (int)uniform(1, 3), gem = round % 2;
        pk_pool_spec s;
        memset(&s, 0, sizeof s);
        s.op = gem ? PK_OP_GEM : PK_OP_SOFT;
        s.window = uniform(0, 3) == 0 ? PK_WINDOW_ADAPTIVE : PK_WINDOW_SLIDING;
        s.spatial_rank = rank;
        s.ceil_mode = uniform(0, 1);
        pk_tensor_desc in, out;
        memset(&in, 0, sizeof in);
        in.layout = uniform(0, 1) ? PK_LAYOUT_NHWC : PK_LAYOUT_NCHW;
        in.spatial_rank = rank;
        in.batch = uniform(1, 2);
        in.channels = (int64_t[]){1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 40, 64, 70}[uniform(0, 13)];
        out = in;
        int ok = 1;
        for (int a = 0; a < rank; a++) {
            /* widths past an AVX-512 register of outputs in some rounds, for the kernels along the width */
            in.spatial[a] = a == rank - 1 && round % 3 == 0 ? uniform(8, 40) : uniform(1, rank == 3 ? 5 : 9);
            if (s.window == PK_WINDOW_ADAPTIVE) {
                out.spatial[a] = uniform(1, in.spatial[a] + 1);
                continue;
            }
            s.kernel[a] = round % 5 == 1 ? 3 : uniform(1, 3);
            s.stride[a] = uniform(1, 3);
            s.dilation[a] = uniform(1, 2);
            const int64_t effective = s.dilation[a] * (s.kernel[a] - 1) + 1;
            s.pad_begin[a] = uniform(0, effective / 2);
            s.pad_end[a] = uniform(0, effective / 2);
            out.spatial[a] = pk_pool_output_size(in.spatial[a], s.kernel[a], s.stride[a], s.dilation[a], s.pad_begin[a],
                                                 s.pad_end[a], s.ceil_mode);
            ok &= out.spatial[a] >= 1;
        }
        if (!ok) continue;
        int64_t in_count = in.batch * in.channels, out_count = out.batch * out.channels;
        for (int a = 0; a < rank; a++) {
            in_count *= in.spatial[a];
            out_count *= out.spatial[a];
        }
        pk_method_spec m;
        memset(&m, 0, sizeof m);
        m.params_mode = uniform(0, 1) ? PK_PARAMS_PER_CHANNEL : PK_PARAMS_SCALAR;
        m.p = (double[]){1, 2, 3, 4, 0.5, 7.3, 100, 1e-3}[uniform(0, 7)];
        m.eps = (double[]){1e-6, 1e-30, 1e-310, 2.5}[uniform(0, 3)];
        const int64_t params_count = gem && m.params_mode == PK_PARAMS_PER_CHANNEL ? in.channels : 0;
        float* x = malloc(sizeof(float) * in_count);
        float* params = params_count ? malloc(sizeof(float) * params_count) : 0;
        float* reference = malloc(sizeof(float) * out_count);
        float* y = malloc(sizeof(float) * out_count);
        for (int64_t i = 0; i < in_count; i++) x[i] = wild_value();
        for (int64_t i = 0; i < params_count; i++)
            params[i] = (float[]){1, 2, 3, 0.5f, 4.25f, 60, 0.01f}[uniform(0, 6)];
        const int64_t rows = pk_pool_rows(&s, &out), split = uniform(0, rows);
        void* plan = aligned_alloc(8, (size_t)((pk_pool_plan_size() + 7) / 8 * 8));
        for (int32_t isa = PK_ISA_SCALAR; isa <= pk_cpu_isa(); isa++) {
            s.isa = isa;
            float* target = isa == PK_ISA_SCALAR ? reference : y;
            clear_output(target, out_count);
            int32_t status = gem ? pk_method_prepare(&s, &m, &in, &out, plan, pk_pool_plan_size())
                                 : pk_pool_prepare(&s, &in, &out, plan, pk_pool_plan_size());
            for (int part = 0; part < 2 && status == PK_OK; part++)
                status = pk_method_run_f32(plan, pk_pool_plan_size(), x, in_count, target, out_count, 0, 0, params,
                                           params_count, part ? split : 0, part ? rows : split);
            CHECK(status == PK_OK, "%s run at level %d: status %d", gem ? "GeM" : "SoftPool", isa, status);
            if (isa == PK_ISA_SCALAR || status != PK_OK) continue;
            const char* path = pk_pool_plan_path(plan, pk_pool_plan_size(), 0);
            /* along the width: channels first, sliding windows, at least a register of doubles of outputs whose
               windows lie inside the input along the width (an independent count of pk_interior's) */
            const int lanes = isa == PK_ISA_AVX512 ? 8 : 4, simd = in.channels >= lanes / 2;
            int64_t inside = 0;
            for (int64_t ow = 0; s.window == PK_WINDOW_SLIDING && ow < out.spatial[rank - 1]; ow++) {
                const int64_t first = ow * s.stride[rank - 1] - s.pad_begin[rank - 1];
                inside += first >= 0 && first + (s.kernel[rank - 1] - 1) * s.dilation[rank - 1] < in.spatial[rank - 1];
            }
            const int along = in.layout == PK_LAYOUT_NCHW && inside >= lanes;
            const char* expected = along ? "along" : simd ? "across" : "scalar";
            CHECK(strcmp(strchr(path, ':') + 1, expected) == 0, "path %s (expected %s) with %d channels at level %d",
                  path, expected, (int)in.channels, isa);
            simd_paths += simd || along;
            alongs += along;
            const int same = same_bits(y, reference, out_count);
            CHECK(same, "%s at level %d equals the scalar kernel (round %d)", gem ? "GeM" : "SoftPool", isa, round);
            compared[gem]++;
        }
        free(plan);
        free(x);
        free(params);
        free(reference);
        free(y);
    }
    CHECK(pk_cpu_isa() == PK_ISA_SCALAR || (compared[0] > 100 && compared[1] > 100 && simd_paths > 100),
          "only %d SoftPool and %d GeM problems compared, %d on SIMD paths", compared[0], compared[1], simd_paths);
    CHECK(pk_cpu_isa() == PK_ISA_SCALAR || alongs > 30, "only %d SoftPool and GeM problems along the width", alongs);
}

/* pk_fixed_log within a few double ulps of libm's log over the whole double range (subnormals too), exact at its
   edges; pk_fixed_pow the power GeM needs. */
static void fixed_log(void) {
    double worst = 0.0;
    uint64_t state = 2463534242u;
    for (int i = 0; i < 2000000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        double x;
        const uint64_t bits = (state >> 1) % UINT64_C(0x7FF0000000000000); /* every positive finite double */
        if (i % 2) memcpy(&x, &bits, sizeof x);
        else x = 0.5 + (double)(state >> 11) * 0x1p-53; /* near 1, where the result is small */
        const double want = log(x), got = pk_fixed_log(x);
        const double err = fabs(got - want) / (fabs(want) > 0x1p-1022 ? fabs(want) : 0x1p-1022);
        if (err > worst) worst = err;
    }
    CHECK(worst <= 0x1p-50, "pk_fixed_log relative error %g", worst);
    CHECK(pk_fixed_log(1.0) == 0.0 && pk_fixed_log(0.0) == -INFINITY && pk_fixed_log(INFINITY) == INFINITY
              && isnan(pk_fixed_log(-1.0)) && isnan(pk_fixed_log(NAN))
              && fabs(pk_fixed_log(0x1p-1074) - log(0x1p-1074)) < 1e-12,
          "pk_fixed_log edges: %.17g", pk_fixed_log(0x1p-1074));
    CHECK(pk_fixed_pow(1.0, 7.5) == 1.0 && pk_fixed_pow(0.0, 3.0) == 0.0 && fabs(pk_fixed_pow(0.5, 3.0) - 0.125) < 1e-16
              && fabs(pk_fixed_pow(2.0, 0.5) - sqrt(2.0)) < 4e-16,
          "pk_fixed_pow");
}

/* pk_fixed_exp within 2 double ulps of libm's exp over its whole range, exact at its edges. */
static void fixed_exp(void) {
    double worst = 0.0;
    uint64_t state = 88172645463325252u;
    for (int i = 0; i < 2000000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        const double u = (double)(state >> 11) * 0x1p-53, x = i % 3 == 0   ? -745.0 * u
                                                              : i % 3 == 1 ? -30.0 * u
                                                                           : 709.0 * u;
        const double want = exp(x), got = pk_fixed_exp(x);
        if (want > 0x1p-1022) {
            const double rel = fabs(got - want) / want;
            if (rel > worst) worst = rel;
        }
    }
    CHECK(worst <= 0x1p-51, "pk_fixed_exp relative error %g", worst);
    CHECK(pk_fixed_exp(0.0) == 1.0 && pk_fixed_exp(-INFINITY) == 0.0 && pk_fixed_exp(-745.0) == exp(-745.0)
              && pk_fixed_exp(-800.0) == 0.0 && isnan(pk_fixed_exp(NAN)) && pk_fixed_exp(710.0) == INFINITY,
          "pk_fixed_exp edges");
}

int main(void) {
    fixed_exp();
    fixed_log();
    mixed_levels();
    mixed_wide_windows();
    mixed_pairs();
    soft_gem_levels();
    const float x[8] = {1, 2, -3, 4, 0.5f, 0.5f, -1, 7};
    pk_tensor_desc in = desc(8), out = desc(OUT);
    const int64_t size = pk_pool_plan_size();
    void* plan = aligned_alloc(8, (size_t)((size + 7) / 8 * 8));

    /* ops without parameters run through pk_pool_*; those with them need pk_method_prepare */
    pk_pool_spec soft = spec_of(PK_OP_SOFT), gem = spec_of(PK_OP_GEM), mixed = spec_of(PK_OP_MIXED);
    CHECK(pk_pool_check(&soft, &in, &out) == PK_OK, "soft check");
    CHECK(pk_pool_prepare(&soft, &in, &out, plan, size) == PK_OK, "soft prepare");
    reset();
    CHECK(pk_pool_run_f32(plan, pk_pool_plan_size(), x, 8, out_buffer + GUARD, OUT, 0, 0, 0, 0, 0, 1) == PK_OK
              && guards_intact(),
          "soft run");
    const float expected0 = (float)((1.0 * exp(-1.0) + 2.0) / (exp(-1.0) + 1.0)); /* window [1, 2] */
    CHECK(fabsf(out_buffer[GUARD] - expected0) <= 4e-7f, "soft value %g", out_buffer[GUARD]);
    int64_t idx[OUT];
    reset();
    CHECK(pk_pool_run_f32(plan, pk_pool_plan_size(), x, 8, out_buffer + GUARD, OUT, idx, OUT, 0, 0, 0, 1)
                  == PK_ERR_INVALID_OPTION
              && guards_intact(),
          "indices to SoftPool");
    CHECK(pk_pool_check(&gem, &in, &out) == PK_ERR_INVALID_OPTION, "GeM without its parameters");
    CHECK(pk_pool_prepare(&gem, &in, &out, plan, size) == PK_ERR_INVALID_OPTION, "GeM prepare without parameters");
    reset();
    CHECK(pk_pool_forward_f32(&gem, &in, x, 8, &out, out_buffer + GUARD, OUT, 0, 0, 0, 0, 0, 1) == PK_ERR_INVALID_OPTION
              && guards_intact(),
          "GeM forward without parameters");

    /* pk_method_spec validation */
    pk_method_spec m;
    memset(&m, 0, sizeof m);
    CHECK(prepare_run(&gem, NULL, x, 0, 0, 0) == PK_ERR_NULL_POINTER, "GeM, NULL method");
    m.p = 3;
    m.eps = 0;
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "eps 0");
    m.eps = 1e-6;
    m.p = NAN;
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "p NaN");
    m.p = INFINITY;
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "p inf");
    m.p = 3;
    m.params_mode = PK_PARAMS_UNIFORMS;
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "GeM with uniforms");
    m.params_mode = 99;
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "unknown params mode");
    m.params_mode = PK_PARAMS_SCALAR;
    reset();
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_OK && guards_intact(), "GeM scalar p");
    const float one_p = 1.0f, bad_p = -1.0f;
    CHECK(prepare_run(&gem, &m, x, &one_p, 1, 0) == PK_ERR_INVALID_OPTION, "params to a scalar GeM");
    m.params_mode = PK_PARAMS_PER_CHANNEL;
    reset();
    CHECK(prepare_run(&gem, &m, x, 0, 0, 0) == PK_ERR_NULL_POINTER && guards_intact(), "per-channel p missing");
    CHECK(prepare_run(&gem, &m, x, &bad_p, 1, 0) == PK_ERR_INVALID_OPTION && guards_intact(), "p = -1");
    CHECK(prepare_run(&gem, &m, x, &one_p, 0, 0) == PK_ERR_BUFFER_TOO_SMALL && guards_intact(), "params capacity");
    reset();
    CHECK(prepare_run(&gem, &m, x, &one_p, 1, 0) == PK_OK && guards_intact(), "per-channel p");
    CHECK(fabsf(out_buffer[GUARD] - 1.5f) < 1e-6f, "GeM p = 1 is the mean: %g", out_buffer[GUARD]);

    /* mixed: uniforms must lie in [0, 1); lambda finite; indices allowed */
    memset(&m, 0, sizeof m);
    m.params_mode = PK_PARAMS_UNIFORMS;
    m.probability = 0.5;
    const float good_u[OUT] = {0, 0.25f, 0.75f, 0.999f}, bad_u[OUT] = {0, 1.0f, 0.5f, 0.5f};
    reset();
    CHECK(prepare_run(&mixed, &m, x, bad_u, OUT, idx) == PK_ERR_INVALID_SAMPLE && guards_intact(), "uniform 1");
    CHECK(prepare_run(&mixed, &m, x, good_u, OUT, idx) == PK_OK, "mixed drawn");
    CHECK(out_buffer[GUARD] == 2 && idx[0] == 1 && out_buffer[GUARD + 2] == 0.5f, "drawn lambda: u < q gives max");
    m.probability = 1.5;
    CHECK(prepare_run(&mixed, &m, x, good_u, OUT, idx) == PK_ERR_INVALID_OPTION, "q > 1");
    m.params_mode = PK_PARAMS_SCALAR;
    m.lambda = NAN;
    CHECK(prepare_run(&mixed, &m, x, 0, 0, 0) == PK_ERR_INVALID_OPTION, "lambda NaN");
    m.params_mode = PK_PARAMS_OUTPUT_MAP;
    const float bad_map[OUT] = {0.5f, INFINITY, 0, 0};
    reset();
    CHECK(prepare_run(&mixed, &m, x, bad_map, OUT, 0) == PK_ERR_INVALID_OPTION && guards_intact(), "lambda map inf");

    /* SoftPool at the float range and its rules */
    const float huge[8] = {3e38f, -3e38f, 1e38f, 2e38f, NAN, 1, INFINITY, -INFINITY};
    reset();
    CHECK(prepare_run(&soft, NULL, huge, 0, 0, 0) == PK_OK, "soft huge");
    CHECK(out_buffer[GUARD] == 3e38f && out_buffer[GUARD + 1] == 2e38f && isnan(out_buffer[GUARD + 2])
              && out_buffer[GUARD + 3] == INFINITY,
          "soft rules: %g %g %g %g", out_buffer[GUARD], out_buffer[GUARD + 1], out_buffer[GUARD + 2],
          out_buffer[GUARD + 3]);

    /* S3Pool: windows fixed by the spec; picks integral, increasing, inside */
    pk_pool_spec s3 = spec_of(PK_OP_S3POOL);
    s3.pad_end[0] = 1;
    memset(&m, 0, sizeof m);
    m.params_mode = PK_PARAMS_PICKS;
    const float picks[OUT] = {0, 3, 4, 7}, bad_order[OUT] = {0, 4, 3, 7}, bad_range[OUT] = {0, 3, 4, 8},
                half[OUT] = {0, 2.5f, 4, 7};
    reset();
    CHECK(prepare_run(&s3, &m, x, picks, OUT, idx) == PK_OK, "s3 picks");
    CHECK(out_buffer[GUARD] == 2 && out_buffer[GUARD + 1] == 4 && out_buffer[GUARD + 2] == 0.5f
              && out_buffer[GUARD + 3] == 7 && idx[1] == 3 && idx[3] == 7,
          "s3 picked maxima");
    CHECK(prepare_run(&s3, &m, x, bad_order, OUT, 0) == PK_ERR_INVALID_SAMPLE, "s3 order");
    CHECK(prepare_run(&s3, &m, x, bad_range, OUT, 0) == PK_ERR_INVALID_SAMPLE, "s3 range");
    CHECK(prepare_run(&s3, &m, x, half, OUT, 0) == PK_ERR_INVALID_SAMPLE, "s3 integral");
    s3.pad_end[0] = 0;
    CHECK(prepare_run(&s3, &m, x, picks, OUT, 0) == PK_ERR_INVALID_KERNEL, "s3 without its end padding");

    /* backward statuses */
    float grad_out[OUT] = {1, 1, 1, 1}, grad_in[8], grad_p[1];
    CHECK(pk_pool_backward_f32(&soft, &in, x, 8, &out, 0, 0, grad_out, OUT, 0, 0, grad_in, 8) == PK_OK,
          "soft backward");
    float sum = 0;
    for (int i = 0; i < 8; i++) sum += grad_in[i];
    /* the weights sum to 1 and sum w_i x_i = y, so each window's gradients sum to its output gradient */
    CHECK(fabsf(sum - 4.0f) < 1e-5f, "soft gradients sum to the output gradients: %g", sum);
    CHECK(pk_method_backward_f32(&soft, 0, &in, x, 8, &out, grad_out, OUT, 0, 0, grad_in, 8, grad_p, 1)
              == PK_ERR_INVALID_OPTION,
          "SoftPool has no parameter gradient");
    memset(&m, 0, sizeof m);
    m.p = 2;
    m.eps = 1e-6;
    CHECK(pk_method_backward_f32(&gem, &m, &in, x, 8, &out, grad_out, OUT, 0, 0, grad_in, 8, grad_p, 0)
              == PK_ERR_BUFFER_TOO_SMALL,
          "grad_params capacity");
    CHECK(pk_method_backward_f32(&gem, &m, &in, x, 8, &out, grad_out, OUT, 0, 0, grad_in, 8, grad_p, 1) == PK_OK
              && isfinite(grad_p[0]),
          "GeM dp");
    CHECK(pk_pool_backward_f32(&gem, &in, x, 8, &out, 0, 0, grad_out, OUT, 0, 0, grad_in, 8) == PK_ERR_NULL_POINTER,
          "GeM backward needs its parameters");
    pk_pool_spec max = spec_of(PK_OP_MAX);
    CHECK(pk_method_backward_f32(&max, &m, &in, x, 8, &out, grad_out, OUT, 0, 0, grad_in, 8, 0, 0) == PK_ERR_INVALID_OP,
          "max pooling is not a method");

    free(plan);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
