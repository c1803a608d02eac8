/* The exported entry points: check everything, then hand a plan to one kernel. */
#include <stddef.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "dispatch/dispatch.h"
#include "methods/methods.h"
#include "pool-index.h"
#include "pool-plan.h"
#include "pool-window.h"

int32_t pk_abi_version(void) { return PK_ABI_VERSION; }

int32_t pk_cpu_isa(void) { return pk_dispatch_cpu_isa(); }

int32_t pk_default_isa(void) { return pk_dispatch_default_isa(); }

const char* pk_status_string(int32_t status) {
    switch (status) {
    case PK_OK: return "ok";
    case PK_ERR_NULL_POINTER: return "a required pointer is NULL";
    case PK_ERR_INVALID_OP: return "unknown pooling operation";
    case PK_ERR_INVALID_LAYOUT: return "unknown layout, or input and output layouts differ";
    case PK_ERR_INVALID_RANK: return "spatial rank must be 1, 2 or 3 and equal for spec, input and output";
    case PK_ERR_INVALID_SHAPE: return "batch, channels and spatial sizes must be positive and match";
    case PK_ERR_INVALID_KERNEL: return "kernel must be positive and fit inside the padded input";
    case PK_ERR_INVALID_STRIDE: return "stride must be positive";
    case PK_ERR_INVALID_DILATION: return "dilation must be positive";
    case PK_ERR_INVALID_PADDING: return "padding must be non-negative and smaller than the effective kernel";
    case PK_ERR_INVALID_OPTION:
        return "invalid window rule, ceil_mode, divisor, NaN mode, LP form or p, index format or ISA option";
    case PK_ERR_OUTPUT_SHAPE_MISMATCH: return "output shape does not match the pooling spec";
    case PK_ERR_SIZE_OVERFLOW: return "tensor size overflows";
    case PK_ERR_BUFFER_TOO_SMALL: return "a buffer is smaller than its tensor";
    case PK_ERR_INVALID_RANGE: return "row range outside [0, rows]";
    case PK_ERR_UNSUPPORTED_ISA: return "instruction set not supported by this CPU or build";
    case PK_ERR_MISALIGNED: return "a buffer is not aligned to its element size";
    case PK_ERR_INVALID_STRIDES: return "element strides must be positive, and an output's elements must not overlap";
    case PK_ERR_INVALID_INDEX: return "an index lies outside the tensor it addresses";
    case PK_ERR_CONFLICTING_INDEX: return "two different values were sent to one position";
    case PK_ERR_INVALID_SAMPLE: return "fractional pooling samples must lie in [0, 1)";
    case PK_ERR_INVALID_PLAN: return "not a plan prepared by this library, or a corrupted one";
    case PK_ERR_INVALID_BOX:
        return "a box has a non-finite or too large coordinate, or an image index outside the batch";
    default: return "unknown status";
    }
}

int64_t pk_pool_rows(const pk_pool_spec* spec, const pk_tensor_desc* output) {
    if (!spec || !output) return -PK_ERR_NULL_POINTER;
    /* The row count depends on the output alone; validate it as its own input. */
    pk_tensor_desc input = *output;
    pk_pool_spec unit = *spec;
    for (int i = 0; i < PK_MAX_SPATIAL_RANK; i++) {
        unit.kernel[i] = unit.stride[i] = unit.dilation[i] = 1;
        unit.pad_begin[i] = unit.pad_end[i] = 0;
    }
    unit.ceil_mode = 0;
    pk_plan plan;
    int32_t status = pk_plan_init(&plan, &unit, &input, output);
    return status == PK_OK ? plan.rows : -status;
}

int32_t pk_pool_check(const pk_pool_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output) {
    pk_plan plan;
    int32_t status = pk_plan_init(&plan, spec, input, output);
    if (status == PK_OK) status = pk_method_plan_without(&plan, spec); /* methods with parameters: pk_method_prepare */
    if (status == PK_OK && !pk_dispatch_kernel(plan.op, (int32_t)spec->isa)) return PK_ERR_UNSUPPORTED_ISA;
    return status;
}

/* Rewrites the plane indices the kernels wrote for rows [row_begin, row_end) into the requested format. */
static void convert_indices(const pk_plan* p, int64_t* indices, int64_t row_begin, int64_t row_end) {
    const pk_index_space space = {
        p->batch, p->channels, {p->axis[0].in, p->axis[1].in, p->axis[2].in}, p->rank, p->index_format};
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh))
        for (int64_t ow = 0; ow < p->axis[2].out; ow++)
            for (int64_t c = c0; c < c0 + channels_per_row; c++) {
                int64_t* index = indices + n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                                 + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
                *index = pk_index_encode(&space, n, c, *index);
            }
}

/* Checks the buffers, indices, samples and row range against a valid plan, then runs rows [row_begin, row_end)
   with the kernel of the plan's op at isa: the one of `path` (without and with indices) when given, else the
   one the level chooses now. */
static int32_t run_plan(const pk_plan* plan, int32_t isa, const int32_t path[2], const float* input_data,
                        int64_t input_capacity, float* output_data, int64_t output_capacity, int64_t* indices_data,
                        int64_t indices_capacity, const float* samples, int64_t samples_capacity, const float* params,
                        int64_t params_capacity, int64_t row_begin, int64_t row_end) {
    int32_t status;
    pk_plan with_samples; /* fractional windows: the plan and this call's samples; methods: their params */
    const int method = plan->op >= PK_OP_SOFT; /* the pooling ops spare the methods' checks (calls to another file) */
    if (method && !pk_method_ready(plan)) return PK_ERR_INVALID_OPTION; /* a method prepared without its parameters */
    if ((status = pk_check_buffer(input_data, input_capacity, plan->in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(output_data, output_capacity, plan->out_extent, sizeof(float))) != PK_OK)
        return status;
    if (indices_data) { /* max, min, and the methods that pick a tap */
        const int picks = plan->op == PK_OP_MIXED || plan->op == PK_OP_S3POOL
                          || (plan->op == PK_OP_STOCHASTIC && plan->params_mode == PK_PARAMS_UNIFORMS);
        if (plan->op != PK_OP_MAX && plan->op != PK_OP_MIN && !picks) return PK_ERR_INVALID_OPTION;
        if ((status = pk_check_buffer(indices_data, indices_capacity, plan->out_extent, sizeof(int64_t))) != PK_OK)
            return status;
    }
    if (plan->axis[2].window == PK_WINDOW_FRACTIONAL) {
        const int64_t count = plan->batch * plan->channels * plan->rank;
        if ((status = pk_check_buffer(samples, samples_capacity, count, sizeof(float))) != PK_OK) return status;
        for (int64_t i = 0; i < count; i++)
            if (!(samples[i] >= 0.0f && samples[i] < 1.0f)) return PK_ERR_INVALID_SAMPLE;
        with_samples = *plan;
        with_samples.samples = samples;
        plan = &with_samples;
    } else if (samples) {
        return PK_ERR_INVALID_OPTION;
    }
    if (method || params) /* a pooling op takes no params: pk_method_check_params refuses any */
        if ((status = pk_method_check_params(plan, params, params_capacity)) != PK_OK) return status;
    if (params) {
        if (plan != &with_samples) with_samples = *plan;
        with_samples.params = params;
        plan = &with_samples;
    }
    if (row_begin < 0 || row_end < row_begin || row_end > plan->rows) return PK_ERR_INVALID_RANGE;
    pk_pool_kernel_fn kernel =
        path ? pk_dispatch_path_kernel(plan->op, isa, path[indices_data != 0]) : pk_dispatch_kernel(plan->op, isa);
    if (!kernel) return path ? PK_ERR_INVALID_PLAN : PK_ERR_UNSUPPORTED_ISA;
    if (!path && pk_avg_wide(plan)) kernel = pk_dispatch_kernel(plan->op, PK_ISA_SCALAR); /* the double sums */
    if (row_begin == row_end) return PK_OK; /* nothing to compute: spare the kernel's per-call set-up */
    kernel(plan, input_data, output_data, indices_data, row_begin, row_end);
    if (indices_data && plan->index_format != PK_INDEX_PLANE) convert_indices(plan, indices_data, row_begin, row_end);
    return PK_OK;
}

int32_t pk_pool_forward_f32(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                            int64_t input_capacity, const pk_tensor_desc* output, float* output_data,
                            int64_t output_capacity, int64_t* indices_data, int64_t indices_capacity,
                            const float* samples, int64_t samples_capacity, int64_t row_begin, int64_t row_end) {
    pk_plan plan;
    int32_t status = pk_plan_init(&plan, spec, input, output);
    if (status == PK_OK) status = pk_method_plan_without(&plan, spec);
    if (status != PK_OK) return status;
    return run_plan(&plan, (int32_t)spec->isa, NULL, input_data, input_capacity, output_data, output_capacity,
                    indices_data, indices_capacity, samples, samples_capacity, NULL, 0, row_begin, row_end);
}

/* A prepared plan seen as the 64-bit words its checksum hashes. */
typedef union plan_words {
    pk_prepared_plan p;
    uint64_t words[sizeof(pk_prepared_plan) / sizeof(uint64_t)];
} plan_words;

_Static_assert(sizeof(pk_prepared_plan) % sizeof(uint64_t) == 0, "a plan is whole 64-bit words");
#define PK_PLAN_CHECKED_WORDS (offsetof(pk_prepared_plan, checksum) / sizeof(uint64_t))

/* A 64x64-bit product folded to 64 bits (wyhash's mixing step): every bit of both operands reaches the result. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b) {
    const unsigned __int128 product = (unsigned __int128)a * b;
    return (uint64_t)product ^ (uint64_t)(product >> 64);
}

/* Copies the words before the checksum from `from` to `to`, each read once, and hashes them as read, with XXH3's
   accumulation: word i, xored with a key of its position, adds the product of its two 32-bit halves to lane i and
   itself to the other lane of its pair, so no bit of it is lost where a half is zero; the eight lanes meet in a
   tree of 64x64-bit products. Each product of halves fits in 64 bits, so a flipped bit never wraps away; two
   flips cancel only in the same bit of two words of one lane, in opposite directions, whose keyed other halves
   are equal, which the keys make a 2^-32 accident per such pair; any other corruption passes with probability
   about 2^-64. The plain sum catches any single changed word outright. It detects accidents, not forgery. SSE2
   takes two words per instruction and AVX-512 eight (the checking was most of a 16x8x8 run's added cost); the
   portable loop computes the same values. */
_Static_assert(PK_PLAN_CHECKED_WORDS % 8 == 0, "the checked words fill the four pairs of lanes evenly");
#define PK_PLAN_SEED0 UINT64_C(0xA0761D6478BD642F)
#define PK_PLAN_SEED1 UINT64_C(0xE7037ED1A0B428DB)
#define PK_PLAN_SEED2 UINT64_C(0x8EBC6AF09C88C6E3)
#define PK_PLAN_STEP0 UINT64_C(0xC2B2AE3D27D4EB4F) /* the keys of lane 0 and 1 advance by these per pair of words */
#define PK_PLAN_STEP1 UINT64_C(0x9E3779B97F4A7C15)

/* The checksum of the eight lanes and the sum: the lanes meet in a tree of wide products. */
static inline void plan_checksum(const uint64_t lane[8], uint64_t sum, uint64_t checksum[2]) {
    const uint64_t s0 = PK_PLAN_SEED0, s1 = PK_PLAN_SEED1, s2 = PK_PLAN_SEED2;
    const uint64_t h = fold_mul(fold_mul(lane[0] ^ s0, lane[1] ^ s1) ^ fold_mul(lane[2] ^ s2, lane[3] ^ s0),
                                fold_mul(lane[4] ^ s0, lane[5] ^ s1) ^ fold_mul(lane[6] ^ s2, lane[7] ^ s0));
    checksum[0] = h ^ PK_PLAN_CHECKED_WORDS;
    checksum[1] = sum ^ UINT64_C(0x9E3779B97F4A7C15);
}

#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
/* The eight 64-bit lanes of v, by extraction (see copy_and_hash_avx512). */
__attribute__((target("avx512f"))) static inline void extract_lanes_avx512(__m512i v, uint64_t lane[8]) {
    const __m256i low = _mm512_castsi512_si256(v), high = _mm512_extracti64x4_epi64(v, 1);
    const __m128i quarters[4] = {_mm256_castsi256_si128(low), _mm256_extracti128_si256(low, 1),
                                 _mm256_castsi256_si128(high), _mm256_extracti128_si256(high, 1)};
    for (int q = 0; q < 4; q++) {
        lane[2 * q] = (uint64_t)_mm_cvtsi128_si64(quarters[q]);
        lane[2 * q + 1] = (uint64_t)_mm_extract_epi64(quarters[q], 1);
    }
}

/* copy_and_hash with AVX-512, the same values: all eight lanes in one register, four pairs of words per step (a
   third of SSE2's instructions). The lanes leave the register by extraction, not through memory: scalar loads
   from a vector store just written wait for it (store forwarding fails), which cost more than the hashing. */
__attribute__((target("avx512f"))) static void copy_and_hash_avx512(const uint64_t* from, uint64_t* to,
                                                                    uint64_t checksum[2]) {
    const uint64_t s0 = PK_PLAN_SEED0, s1 = PK_PLAN_SEED1, s2 = PK_PLAN_SEED2, t0 = PK_PLAN_STEP0, t1 = PK_PLAN_STEP1;
    __m512i acc = _mm512_set_epi64((long long)(s0 * 8), (long long)(s0 * 7), (long long)(s0 * 6), (long long)(s0 * 5),
                                   (long long)(s0 * 4), (long long)(s0 * 3), (long long)(s0 * 2), (long long)s0);
    __m512i key = _mm512_set_epi64((long long)(s1 + 3 * t1), (long long)(s2 + 3 * t0), (long long)(s1 + 2 * t1),
                                   (long long)(s2 + 2 * t0), (long long)(s1 + t1), (long long)(s2 + t0), (long long)s1,
                                   (long long)s2);
    const __m512i step =
        _mm512_set_epi64((long long)(4 * t1), (long long)(4 * t0), (long long)(4 * t1), (long long)(4 * t0),
                         (long long)(4 * t1), (long long)(4 * t0), (long long)(4 * t1), (long long)(4 * t0));
    __m512i sums = _mm512_setzero_si512();
    for (size_t i = 0; i < PK_PLAN_CHECKED_WORDS; i += 8) {
        const __m512i words = _mm512_loadu_si512(from + i);
        _mm512_storeu_si512(to + i, words);
        const __m512i keyed = _mm512_xor_si512(words, key);
        key = _mm512_add_epi64(key, step);
        const __m512i halves = _mm512_mul_epu32(keyed, _mm512_srli_epi64(keyed, 32));
        acc = _mm512_add_epi64(acc, _mm512_add_epi64(halves, _mm512_shuffle_epi32(words, (_MM_PERM_ENUM)0x4E)));
        sums = _mm512_add_epi64(sums, words);
    }
    uint64_t lane[8], word_sums[8], sum = 0;
    extract_lanes_avx512(acc, lane);
    extract_lanes_avx512(sums, word_sums);
    for (int l = 0; l < 8; l++) sum += word_sums[l]; /* unsigned: _mm512_reduce_add_epi64 adds as signed, and wraps */
    plan_checksum(lane, sum, checksum);
}
#endif

/* The lanes and the sum of copy_and_hash, with SSE2 or in portable C. */
static inline void copy_and_accumulate(const uint64_t* from, uint64_t* to, uint64_t lane[8], uint64_t* sum_out) {
    const uint64_t s0 = PK_PLAN_SEED0, s1 = PK_PLAN_SEED1, s2 = PK_PLAN_SEED2;
    uint64_t sum;
#if defined(__SSE2__)
    __m128i acc[4], sums = _mm_setzero_si128();
    __m128i key = _mm_set_epi64x((long long)s1, (long long)s2);
    const __m128i step = _mm_set_epi64x((long long)PK_PLAN_STEP1, (long long)PK_PLAN_STEP0);
    for (int j = 0; j < 4; j++)
        acc[j] = _mm_set_epi64x((long long)(s0 * (uint64_t)(2 * j + 2)), (long long)(s0 * (uint64_t)(2 * j + 1)));
    for (size_t i = 0; i < PK_PLAN_CHECKED_WORDS; i += 8)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            const __m128i words = _mm_loadu_si128((const __m128i*)(from + i + 2 * j));
            _mm_storeu_si128((__m128i*)(to + i + 2 * j), words);
            const __m128i keyed = _mm_xor_si128(words, key);
            key = _mm_add_epi64(key, step);
            const __m128i halves = _mm_mul_epu32(keyed, _mm_srli_epi64(keyed, 32)); /* low half times high half */
            acc[j] =
                _mm_add_epi64(acc[j], _mm_add_epi64(halves, _mm_shuffle_epi32(words, 0x4E))); /* + the pair swapped */
            sums = _mm_add_epi64(sums, words);
        }
    for (int j = 0; j < 4; j++) { /* by moves, not through memory (see copy_and_hash_avx512) */
        lane[2 * j] = (uint64_t)_mm_cvtsi128_si64(acc[j]);
        lane[2 * j + 1] = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc[j], acc[j]));
    }
    sum = (uint64_t)_mm_cvtsi128_si64(sums) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
#else
    uint64_t key[2] = {s2, s1};
    const uint64_t step[2] = {PK_PLAN_STEP0, PK_PLAN_STEP1};
    for (int l = 0; l < 8; l++) lane[l] = s0 * (uint64_t)(l + 1);
    sum = 0;
    for (size_t i = 0; i < PK_PLAN_CHECKED_WORDS; i += 2) {
        const uint64_t pair[2] = {from[i], from[i + 1]};
        const size_t j = i / 2 % 4;
        for (int l = 0; l < 2; l++) {
            const uint64_t keyed = pair[l] ^ key[l];
            to[i + l] = pair[l];
            lane[2 * j + l] += (keyed & UINT64_C(0xFFFFFFFF)) * (keyed >> 32) + pair[1 - l];
            key[l] += step[l];
            sum += pair[l];
        }
    }
#endif
    *sum_out = sum;
}

static inline void copy_and_hash(const uint64_t* from, uint64_t* to, uint64_t checksum[2]) {
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (pk_dispatch_cpu_isa() == PK_ISA_AVX512) {
        copy_and_hash_avx512(from, to, checksum);
        return;
    }
#endif
    uint64_t lane[8], sum;
    copy_and_accumulate(from, to, lane, &sum);
    plan_checksum(lane, sum, checksum);
}

int64_t pk_pool_plan_size(void) { return (int64_t)sizeof(pk_prepared_plan); }

/* pk_pool_prepare and pk_method_prepare: a method's parameters (none for the pooling ops) set after the plan. */
static int32_t prepare(const pk_pool_spec* spec, const pk_method_spec* method, int with_method,
                       const pk_tensor_desc* input, const pk_tensor_desc* output, void* plan, int64_t plan_capacity) {
    if (!plan) return PK_ERR_NULL_POINTER;
    if ((uintptr_t)plan % sizeof(uint64_t) != 0) return PK_ERR_MISALIGNED;
    if (plan_capacity < (int64_t)sizeof(pk_prepared_plan)) return PK_ERR_BUFFER_TOO_SMALL;
    plan_words local;
    memset(&local, 0, sizeof local);
    int32_t status = pk_plan_init(&local.p.plan, spec, input, output);
    if (status == PK_OK)
        status =
            with_method ? pk_method_plan(&local.p.plan, spec, method) : pk_method_plan_without(&local.p.plan, spec);
    if (status == PK_OK && !pk_method_ready(&local.p.plan)) status = PK_ERR_INVALID_OPTION;
    if (status == PK_OK) {
        local.p.isa = spec->isa == PK_ISA_AUTO ? pk_dispatch_default_isa() : (int32_t)spec->isa;
        if (!pk_dispatch_kernel(local.p.plan.op, local.p.isa)) status = PK_ERR_UNSUPPORTED_ISA;
    }
    if (status == PK_OK) { /* the specialization, chosen once, without and with indices (ops that report a tap) */
        local.p.path[0] = pk_dispatch_path(&local.p.plan, local.p.isa, 0);
        const int32_t op = local.p.plan.op;
        const int indexed =
            op == PK_OP_MAX || op == PK_OP_MIN || op == PK_OP_MIXED || op == PK_OP_STOCHASTIC || op == PK_OP_S3POOL;
        local.p.path[1] = indexed ? pk_dispatch_path(&local.p.plan, local.p.isa, 1) : 0;
    }
    if (status != PK_OK) { /* a plan that was there before must not survive a failed prepare */
        memset(plan, 0, sizeof(pk_prepared_plan));
        return status;
    }
    local.p.magic = PK_PLAN_MAGIC;
    local.p.abi_version = PK_ABI_VERSION;
    plan_words hashed;
    copy_and_hash(local.words, hashed.words, local.p.checksum);
    memcpy(plan, &local, sizeof local);
    return PK_OK;
}

int32_t pk_pool_prepare(const pk_pool_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output, void* plan,
                        int64_t plan_capacity) {
    return prepare(spec, NULL, 0, input, output, plan, plan_capacity);
}

int32_t pk_method_prepare(const pk_pool_spec* spec, const pk_method_spec* method, const pk_tensor_desc* input,
                          const pk_tensor_desc* output, void* plan, int64_t plan_capacity) {
    return prepare(spec, method, 1, input, output, plan, plan_capacity);
}

/* The plan behind a call, copied into *copy and checked there (tag, version, checksum, op). The plan is caller
   memory, which another thread may change while a call runs: a plan checked in place could be rewritten between
   its check and its use, so every call reads each word once, into its own copy, hashes what it read, and runs
   from that copy. Nothing is read before plan_size says the whole plan is there. */
static int32_t load_plan(const void* plan, int64_t plan_size, plan_words* copy) {
    if (!plan) return PK_ERR_NULL_POINTER;
    if ((uintptr_t)plan % sizeof(uint64_t) != 0) return PK_ERR_MISALIGNED;
    if (plan_size < (int64_t)sizeof(pk_prepared_plan)) return PK_ERR_BUFFER_TOO_SMALL;
    const uint64_t* given = plan;
    uint64_t checksum[2];
    copy_and_hash(given, copy->words, checksum);
    for (size_t i = PK_PLAN_CHECKED_WORDS; i < sizeof copy->words / sizeof copy->words[0]; i++)
        copy->words[i] = given[i];
    if (copy->p.magic != PK_PLAN_MAGIC || copy->p.abi_version != PK_ABI_VERSION || checksum[0] != copy->p.checksum[0]
        || checksum[1] != copy->p.checksum[1] || copy->p.plan.op < PK_OP_MAX || copy->p.plan.op > PK_OP_S3POOL)
        return PK_ERR_INVALID_PLAN;
    return PK_OK;
}

int32_t pk_pool_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                        float* output_data, int64_t output_capacity, int64_t* indices_data, int64_t indices_capacity,
                        const float* samples, int64_t samples_capacity, int64_t row_begin, int64_t row_end) {
    plan_words copy;
    const int32_t status = load_plan(plan, plan_size, &copy);
    if (status != PK_OK) return status;
    return run_plan(&copy.p.plan, copy.p.isa, copy.p.path, input_data, input_capacity, output_data, output_capacity,
                    indices_data, indices_capacity, samples, samples_capacity, NULL, 0, row_begin, row_end);
}

int32_t pk_method_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                          float* output_data, int64_t output_capacity, int64_t* indices_data, int64_t indices_capacity,
                          const float* params, int64_t params_capacity, int64_t row_begin, int64_t row_end) {
    plan_words copy;
    const int32_t status = load_plan(plan, plan_size, &copy);
    if (status != PK_OK) return status;
    return run_plan(&copy.p.plan, copy.p.isa, copy.p.path, input_data, input_capacity, output_data, output_capacity,
                    indices_data, indices_capacity, NULL, 0, params, params_capacity, row_begin, row_end);
}

const char* pk_pool_plan_path(const void* plan, int64_t plan_size, int32_t with_indices) {
    plan_words copy;
    if (load_plan(plan, plan_size, &copy) != PK_OK) return NULL;
    return pk_dispatch_path_name(&copy.p.plan, copy.p.isa, copy.p.path[with_indices != 0]);
}
