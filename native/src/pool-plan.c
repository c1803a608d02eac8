/* Validation of a pooling problem and its normalization into a pk_plan. This is the library's second
   line of defence: the Java side validated the same rules, with friendlier messages, before calling. */
#include "pool-plan.h"

/* No axis, kernel, stride, dilation or padding may exceed this; it keeps every sum below overflow. */
#define PK_MAX_EXTENT (INT64_C(1) << 40)

int64_t pk_pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                            int64_t pad_begin, int64_t pad_end, int64_t ceil_mode) {
    if (in < 1 || kernel < 1 || stride < 1 || dilation < 1 || pad_begin < 0 || pad_end < 0) return -1;
    if (in > PK_MAX_EXTENT || kernel > PK_MAX_EXTENT || stride > PK_MAX_EXTENT || dilation > PK_MAX_EXTENT
        || pad_begin > PK_MAX_EXTENT || pad_end > PK_MAX_EXTENT || (ceil_mode != 0 && ceil_mode != 1))
        return -1;
    int64_t effective;
    if (__builtin_mul_overflow(dilation, kernel - 1, &effective) || effective >= PK_MAX_EXTENT) return 0;
    effective += 1;
    /* rounded toward -infinity as PyTorch does: in ceil mode the added stride - 1 can accept a window
       that overhangs the end padding */
    int64_t numerator = in + pad_begin + pad_end - effective + (ceil_mode ? stride - 1 : 0);
    if (numerator < 0) return 0;
    int64_t out = numerator / stride + 1;
    /* ceil mode: a last window that would start inside the end padding is dropped */
    if (ceil_mode && (out - 1) * stride >= in + pad_begin) out -= 1;
    return out;
}

static int32_t check_tensor(const pk_tensor_desc* t, int64_t rank) {
    if (t->layout != PK_LAYOUT_NCHW && t->layout != PK_LAYOUT_NHWC) return PK_ERR_INVALID_LAYOUT;
    if (t->spatial_rank != rank) return PK_ERR_INVALID_RANK;
    if (t->batch < 1 || t->channels < 1 || t->batch > PK_MAX_EXTENT || t->channels > PK_MAX_EXTENT)
        return PK_ERR_INVALID_SHAPE;
    for (int64_t i = 0; i < rank; i++)
        if (t->spatial[i] < 1 || t->spatial[i] > PK_MAX_EXTENT) return PK_ERR_INVALID_SHAPE;
    return PK_OK;
}

static void set_strides(int64_t stride[5], int32_t layout, int64_t c, int64_t d, int64_t h, int64_t w) {
    if (layout == PK_LAYOUT_NCHW) {
        stride[PK_W] = 1;
        stride[PK_H] = w;
        stride[PK_D] = h * w;
        stride[PK_C] = d * h * w;
        stride[PK_N] = c * d * h * w;
    } else {
        stride[PK_C] = 1;
        stride[PK_W] = c;
        stride[PK_H] = w * c;
        stride[PK_D] = h * w * c;
        stride[PK_N] = d * h * w * c;
    }
}

static int volume(int64_t n, int64_t c, const pk_axis a[3], int use_out, int64_t* result) {
    int64_t v = n;
    if (__builtin_mul_overflow(v, c, &v)) return 0;
    for (int i = 0; i < 3; i++)
        if (__builtin_mul_overflow(v, use_out ? a[i].out : a[i].in, &v)) return 0;
    *result = v;
    return 1;
}

int32_t pk_plan_init(pk_plan* plan, const pk_pool_spec* spec, const pk_tensor_desc* input,
                     const pk_tensor_desc* output) {
    if (!plan || !spec || !input || !output) return PK_ERR_NULL_POINTER;
    if (spec->op != PK_OP_MAX && spec->op != PK_OP_AVG) return PK_ERR_INVALID_OP;
    const int64_t rank = spec->spatial_rank;
    if (rank < 1 || rank > PK_MAX_SPATIAL_RANK) return PK_ERR_INVALID_RANK;
    int32_t status = check_tensor(input, rank);
    if (status == PK_OK) status = check_tensor(output, rank);
    if (status != PK_OK) return status;
    if (input->layout != output->layout) return PK_ERR_INVALID_LAYOUT;
    if (input->batch != output->batch || input->channels != output->channels) return PK_ERR_INVALID_SHAPE;
    if (spec->ceil_mode != 0 && spec->ceil_mode != 1) return PK_ERR_INVALID_OPTION;
    if (spec->divisor_mode < PK_DIVISOR_EXCLUDE_PADDING || spec->divisor_mode > PK_DIVISOR_FULL_KERNEL)
        return PK_ERR_INVALID_OPTION;
    if (spec->divisor_override < 0 || spec->divisor_override > PK_MAX_EXTENT) return PK_ERR_INVALID_OPTION;
    if (spec->nan_mode != PK_NAN_PROPAGATE && spec->nan_mode != PK_NAN_IGNORE) return PK_ERR_INVALID_OPTION;
    if (spec->isa < PK_ISA_AUTO || spec->isa > PK_ISA_AVX512) return PK_ERR_INVALID_OPTION;

    plan->op = (int32_t)spec->op;
    plan->layout = (int32_t)input->layout;
    plan->divisor_mode = (int32_t)spec->divisor_mode;
    plan->nan_mode = (int32_t)spec->nan_mode;
    plan->divisor_override = spec->divisor_override;
    plan->batch = input->batch;
    plan->channels = input->channels;
    for (int i = 0; i < 3; i++) {
        pk_axis* a = &plan->axis[i];
        const int64_t s = i - (3 - rank); /* index into the spec's spatial arrays, < 0 for padded axes */
        if (s < 0) {
            *a = (pk_axis){.in = 1, .out = 1, .kernel = 1, .stride = 1, .dilation = 1};
            continue;
        }
        if (spec->kernel[s] < 1 || spec->kernel[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_KERNEL;
        if (spec->stride[s] < 1 || spec->stride[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_STRIDE;
        if (spec->dilation[s] < 1 || spec->dilation[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_DILATION;
        int64_t effective;
        if (__builtin_mul_overflow(spec->dilation[s], spec->kernel[s] - 1, &effective)
            || effective >= PK_MAX_EXTENT)
            return PK_ERR_INVALID_DILATION;
        effective += 1;
        if (spec->pad_begin[s] < 0 || spec->pad_end[s] < 0 || spec->pad_begin[s] >= effective
            || spec->pad_end[s] >= effective)
            return PK_ERR_INVALID_PADDING;
        a->in = input->spatial[s];
        a->kernel = spec->kernel[s];
        a->stride = spec->stride[s];
        a->dilation = spec->dilation[s];
        a->pad_begin = spec->pad_begin[s];
        a->pad_end = spec->pad_end[s];
        a->out = pk_pool_output_size(a->in, a->kernel, a->stride, a->dilation, a->pad_begin, a->pad_end,
                                     spec->ceil_mode);
        if (a->out < 1) return PK_ERR_INVALID_KERNEL; /* the window does not fit the padded input */
        if (a->out != output->spatial[s]) return PK_ERR_OUTPUT_SHAPE_MISMATCH;
    }
    int64_t in_volume, out_volume;
    if (!volume(plan->batch, plan->channels, plan->axis, 0, &in_volume)
        || !volume(plan->batch, plan->channels, plan->axis, 1, &out_volume)
        || in_volume > INT64_MAX / 8 || out_volume > INT64_MAX / 8)
        return PK_ERR_SIZE_OVERFLOW;
    const pk_axis* a = plan->axis;
    set_strides(plan->in_stride, plan->layout, plan->channels, a[0].in, a[1].in, a[2].in);
    set_strides(plan->out_stride, plan->layout, plan->channels, a[0].out, a[1].out, a[2].out);
    plan->plane_size = a[0].in * a[1].in * a[2].in;
    plan->rows = plan->batch * a[0].out * a[1].out * (plan->layout == PK_LAYOUT_NCHW ? plan->channels : 1);
    return PK_OK;
}
