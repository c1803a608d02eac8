/* The exported entry points: check everything, then hand a plan to one kernel. */
#include <stddef.h>
#include <string.h>

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
    case PK_ERR_INVALID_OPTION: return "invalid window rule, ceil_mode, divisor, NaN mode, LP form or p, index format or ISA option";
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
    case PK_ERR_INVALID_BOX: return "a box has a non-finite or too large coordinate, or an image index outside the batch";
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
    const pk_index_space space = {p->batch, p->channels, {p->axis[0].in, p->axis[1].in, p->axis[2].in}, p->rank,
                                  p->index_format};
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh))
        for (int64_t ow = 0; ow < p->axis[2].out; ow++)
            for (int64_t c = c0; c < c0 + channels_per_row; c++) {
                int64_t* index = indices + n * p->out_stride[PK_N] + c * p->out_stride[PK_C]
                                 + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
                *index = pk_index_encode(&space, n, c, *index);
            }
}

/* Checks the buffers, indices, samples and row range against a valid plan, then runs rows [row_begin, row_end)
   with the kernel of the plan's op at isa: the one of `path` (without and with indices) when given, else the
   one the level chooses now. */
static int32_t run_plan(const pk_plan* plan, int32_t isa, const int32_t path[2], const float* input_data,
                        int64_t input_capacity,
                        float* output_data, int64_t output_capacity, int64_t* indices_data, int64_t indices_capacity,
                        const float* samples, int64_t samples_capacity, const float* params, int64_t params_capacity,
                        int64_t row_begin, int64_t row_end) {
    int32_t status;
    pk_plan with_samples; /* fractional windows: the plan and this call's samples; methods: their params */
    if (!pk_method_ready(plan)) return PK_ERR_INVALID_OPTION; /* a method prepared without its parameters */
    if ((status = pk_check_buffer(input_data, input_capacity, plan->in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(output_data, output_capacity, plan->out_extent, sizeof(float))) != PK_OK) return status;
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
    if ((status = pk_method_check_params(plan, params, params_capacity)) != PK_OK) return status;
    if (params) {
        if (plan != &with_samples) with_samples = *plan;
        with_samples.params = params;
        plan = &with_samples;
    }
    if (row_begin < 0 || row_end < row_begin || row_end > plan->rows) return PK_ERR_INVALID_RANGE;
    pk_pool_kernel_fn kernel = path ? pk_dispatch_path_kernel(plan->op, isa, path[indices_data != 0])
                                    : pk_dispatch_kernel(plan->op, isa);
    if (!kernel) return path ? PK_ERR_INVALID_PLAN : PK_ERR_UNSUPPORTED_ISA;
    if (!path && pk_avg_wide(plan)) kernel = pk_dispatch_kernel(plan->op, PK_ISA_SCALAR); /* the double sums */
    if (row_begin == row_end) return PK_OK; /* nothing to compute: spare the kernel's per-call set-up */
    kernel(plan, input_data, output_data, indices_data, row_begin, row_end);
    if (indices_data && plan->index_format != PK_INDEX_PLANE) convert_indices(plan, indices_data, row_begin, row_end);
    return PK_OK;
}

int32_t pk_pool_forward_f32(const pk_pool_spec* spec,
                            const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                            const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                            int64_t* indices_data, int64_t indices_capacity,
                            const float* samples, int64_t samples_capacity,
                            int64_t row_begin, int64_t row_end) {
    pk_plan plan;
    int32_t status = pk_plan_init(&plan, spec, input, output);
    if (status == PK_OK) status = pk_method_plan_without(&plan, spec);
    if (status != PK_OK) return status;
    return run_plan(&plan, (int32_t)spec->isa, NULL, input_data, input_capacity, output_data, output_capacity, indices_data,
                    indices_capacity, samples, samples_capacity, NULL, 0, row_begin, row_end);
}

/* A prepared plan seen as the 64-bit words its checksum adds up. */
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

/* The final mix of a 64-bit state: every input bit flips each output bit with probability about 1/2. */
static inline uint64_t avalanche(uint64_t h) {
    h ^= h >> 33;
    h *= UINT64_C(0xC2B2AE3D27D4EB4F);
    h ^= h >> 29;
    h *= UINT64_C(0x165667B19E3779F9);
    return h ^ (h >> 32);
}

/* A hash of the words before the checksum, and their plain sum. Four independent lanes each fold two words into
   one wide product per step (as wyhash does), so a run pays about one multiply per two words; the hash is not
   linear, so flipped bits cannot cancel out as they did in sums: a corrupted plan passes with probability about
   2^-64, and a run never trusts a plan it did not hash. It detects accidents, not forgery. */
static inline void plan_checksum(const uint64_t* words, uint64_t checksum[2]) {
    const uint64_t s0 = UINT64_C(0xA0761D6478BD642F), s1 = UINT64_C(0xE7037ED1A0B428DB), s2 = UINT64_C(0x8EBC6AF09C88C6E3);
    uint64_t lane[4] = {s0, s1, s2, s0 ^ s1}, sum = 0;
    size_t i = 0;
    for (; i + 8 <= PK_PLAN_CHECKED_WORDS; i += 8)
        for (int l = 0; l < 4; l++) {
            const uint64_t a = words[i + 2 * l], b = words[i + 2 * l + 1];
            lane[l] = fold_mul(a ^ s1 ^ lane[l], b ^ s2);
            sum += a + b;
        }
    uint64_t h = fold_mul(lane[0] ^ s0, lane[1] ^ s1) ^ fold_mul(lane[2] ^ s2, lane[3] ^ s0);
    for (size_t rest = PK_PLAN_CHECKED_WORDS % 8; rest > 0; rest--, i++) { /* counted, so that no plan size makes GCC warn */
        h = fold_mul(h ^ s1, words[i] ^ s2);
        sum += words[i];
    }
    checksum[0] = avalanche(h ^ PK_PLAN_CHECKED_WORDS);
    checksum[1] = sum ^ UINT64_C(0x9E3779B97F4A7C15);
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
        status = with_method ? pk_method_plan(&local.p.plan, spec, method) : pk_method_plan_without(&local.p.plan, spec);
    if (status == PK_OK && !pk_method_ready(&local.p.plan)) status = PK_ERR_INVALID_OPTION;
    if (status == PK_OK) {
        local.p.isa = spec->isa == PK_ISA_AUTO ? pk_dispatch_default_isa() : (int32_t)spec->isa;
        if (!pk_dispatch_kernel(local.p.plan.op, local.p.isa)) status = PK_ERR_UNSUPPORTED_ISA;
    }
    if (status == PK_OK) { /* the specialization, chosen once; SIMD indices are for max and min only */
        local.p.path[0] = pk_dispatch_path(&local.p.plan, local.p.isa, 0);
        const int indexed = local.p.plan.op == PK_OP_MAX || local.p.plan.op == PK_OP_MIN;
        local.p.path[1] = indexed ? pk_dispatch_path(&local.p.plan, local.p.isa, 1) : 0;
    }
    if (status != PK_OK) { /* a plan that was there before must not survive a failed prepare */
        memset(plan, 0, sizeof(pk_prepared_plan));
        return status;
    }
    local.p.magic = PK_PLAN_MAGIC;
    local.p.abi_version = PK_ABI_VERSION;
    plan_checksum(local.words, local.p.checksum);
    memcpy(plan, &local, sizeof local);
    return PK_OK;
}

int32_t pk_pool_prepare(const pk_pool_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output,
                        void* plan, int64_t plan_capacity) {
    return prepare(spec, NULL, 0, input, output, plan, plan_capacity);
}

int32_t pk_method_prepare(const pk_pool_spec* spec, const pk_method_spec* method, const pk_tensor_desc* input,
                          const pk_tensor_desc* output, void* plan, int64_t plan_capacity) {
    return prepare(spec, method, 1, input, output, plan, plan_capacity);
}

/* The plan behind a call, copied into *copy and checked there (tag, version, checksum, op). The plan is caller
   memory, which another thread may change while a call runs: a plan checked in place could be rewritten between
   its check and its use, so every call checks and runs from its own copy. Nothing is read before plan_size says
   the whole plan is there. */
static int32_t load_plan(const void* plan, int64_t plan_size, plan_words* copy) {
    if (!plan) return PK_ERR_NULL_POINTER;
    if ((uintptr_t)plan % sizeof(uint64_t) != 0) return PK_ERR_MISALIGNED;
    if (plan_size < (int64_t)sizeof(pk_prepared_plan)) return PK_ERR_BUFFER_TOO_SMALL;
    memcpy(copy, plan, sizeof *copy);
    uint64_t checksum[2];
    plan_checksum(copy->words, checksum);
    if (copy->p.magic != PK_PLAN_MAGIC || copy->p.abi_version != PK_ABI_VERSION || checksum[0] != copy->p.checksum[0]
        || checksum[1] != copy->p.checksum[1] || copy->p.plan.op < PK_OP_MAX || copy->p.plan.op > PK_OP_S3POOL)
        return PK_ERR_INVALID_PLAN;
    return PK_OK;
}

int32_t pk_pool_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                        float* output_data, int64_t output_capacity,
                        int64_t* indices_data, int64_t indices_capacity,
                        const float* samples, int64_t samples_capacity,
                        int64_t row_begin, int64_t row_end) {
    plan_words copy;
    const int32_t status = load_plan(plan, plan_size, &copy);
    if (status != PK_OK) return status;
    return run_plan(&copy.p.plan, copy.p.isa, copy.p.path, input_data, input_capacity, output_data, output_capacity,
                    indices_data, indices_capacity, samples, samples_capacity, NULL, 0, row_begin, row_end);
}

int32_t pk_method_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                          float* output_data, int64_t output_capacity,
                          int64_t* indices_data, int64_t indices_capacity,
                          const float* params, int64_t params_capacity,
                          int64_t row_begin, int64_t row_end) {
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
