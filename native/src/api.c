/* The exported entry points: check everything, then hand a plan to one kernel. */
#include <stddef.h>

#include "dispatch.h"
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

int32_t pk_pool_forward_f32(const pk_pool_spec* spec,
                            const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                            const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                            int64_t* indices_data, int64_t indices_capacity,
                            const float* samples, int64_t samples_capacity,
                            int64_t row_begin, int64_t row_end) {
    pk_plan plan;
    int32_t status = pk_plan_init(&plan, spec, input, output);
    if (status != PK_OK) return status;
    if ((status = pk_check_buffer(input_data, input_capacity, plan.in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(output_data, output_capacity, plan.out_extent, sizeof(float))) != PK_OK) return status;
    if (indices_data) {
        if (plan.op != PK_OP_MAX && plan.op != PK_OP_MIN) return PK_ERR_INVALID_OPTION;
        if ((status = pk_check_buffer(indices_data, indices_capacity, plan.out_extent, sizeof(int64_t))) != PK_OK)
            return status;
    }
    if (plan.axis[2].window == PK_WINDOW_FRACTIONAL) {
        const int64_t count = plan.batch * plan.channels * plan.rank;
        if ((status = pk_check_buffer(samples, samples_capacity, count, sizeof(float))) != PK_OK) return status;
        for (int64_t i = 0; i < count; i++)
            if (!(samples[i] >= 0.0f && samples[i] < 1.0f)) return PK_ERR_INVALID_SAMPLE;
        plan.samples = samples;
    } else if (samples) {
        return PK_ERR_INVALID_OPTION;
    }
    if (row_begin < 0 || row_end < row_begin || row_end > plan.rows) return PK_ERR_INVALID_RANGE;
    pk_pool_kernel_fn kernel = pk_dispatch_kernel(plan.op, (int32_t)spec->isa);
    if (!kernel) return PK_ERR_UNSUPPORTED_ISA;
    kernel(&plan, input_data, output_data, indices_data, row_begin, row_end);
    if (indices_data && plan.index_format != PK_INDEX_PLANE) convert_indices(&plan, indices_data, row_begin, row_end);
    return PK_OK;
}
