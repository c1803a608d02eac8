/* Validation of a pooling problem and its normalization into a pk_plan. This is the library's second
   line of defence: the Java side validated the same rules, with friendlier messages, before calling. */
#include <math.h>

#include "pool-plan.h"

int64_t pk_pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                            int64_t pad_end, int64_t ceil_mode) {
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

/* Dense element strides of n, c, d, h, w for a layout. */
static void dense_strides(int64_t stride[5], int32_t layout, const int64_t size[5]) {
    if (layout == PK_LAYOUT_NCHW) {
        stride[PK_W] = 1;
        stride[PK_H] = size[PK_W];
        stride[PK_D] = size[PK_H] * size[PK_W];
        stride[PK_C] = size[PK_D] * stride[PK_D];
        stride[PK_N] = size[PK_C] * stride[PK_C];
    } else {
        stride[PK_C] = 1;
        stride[PK_W] = size[PK_C];
        stride[PK_H] = size[PK_W] * size[PK_C];
        stride[PK_D] = size[PK_H] * stride[PK_H];
        stride[PK_N] = size[PK_D] * stride[PK_D];
    }
}

/* No two elements share an offset: with axes sorted by stride, each stride exceeds the extent of the
   axes below it (sufficient, and what every non-overlapping view in practice satisfies). */
static int non_overlapping(const int64_t size[5], const int64_t stride[5]) {
    int order[5], n = 0;
    for (int i = 0; i < 5; i++)
        if (size[i] > 1) order[n++] = i;
    for (int i = 1; i < n; i++) /* insertion sort by stride */
        for (int j = i; j > 0 && stride[order[j]] < stride[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int64_t extent = 1;
    for (int i = 0; i < n; i++) {
        if (stride[order[i]] < extent) return 0;
        extent = stride[order[i]] * (size[order[i]] - 1) + extent;
    }
    return 1;
}

int32_t pk_plan_tensor(const pk_tensor_desc* given, int64_t rank, int is_output, int64_t size[5], int64_t stride[5],
                       int64_t* extent) {
    const pk_tensor_desc copy = *given, *t = &copy; /* caller memory, read once: see pk_plan_init */
    if (t->layout != PK_LAYOUT_NCHW && t->layout != PK_LAYOUT_NHWC) return PK_ERR_INVALID_LAYOUT;
    if (t->spatial_rank != rank) return PK_ERR_INVALID_RANK;
    if (t->batch < 1 || t->channels < 1 || t->batch > PK_MAX_EXTENT || t->channels > PK_MAX_EXTENT)
        return PK_ERR_INVALID_SHAPE;
    size[PK_N] = t->batch;
    size[PK_C] = t->channels;
    for (int i = 0; i < 3; i++) {
        const int64_t s = i - (3 - rank);
        size[PK_D + i] = s < 0 ? 1 : t->spatial[s];
        if (size[PK_D + i] < 1 || size[PK_D + i] > PK_MAX_EXTENT) return PK_ERR_INVALID_SHAPE;
    }
    int64_t volume = 1;
    for (int i = 0; i < 5; i++)
        if (__builtin_mul_overflow(volume, size[i], &volume) || volume > INT64_MAX / 8) return PK_ERR_SIZE_OVERFLOW;
    int dense = 1;
    for (int i = 0; i < 2 + rank; i++) dense &= t->strides[i] == 0;
    if (dense) {
        dense_strides(stride, (int32_t)t->layout, size);
        *extent = volume;
        return PK_OK;
    }
    stride[PK_N] = t->strides[0];
    stride[PK_C] = t->strides[1];
    for (int i = 0; i < 3; i++) {
        const int64_t s = i - (3 - rank);
        stride[PK_D + i] = s < 0 ? 1 : t->strides[2 + s];
    }
    int64_t last = 0; /* largest offset; each term is below 2^80 only in int128, so bound the factors */
    for (int i = 0; i < 5; i++) {
        if (stride[i] < 1 || stride[i] > PK_MAX_EXTENT) return PK_ERR_INVALID_STRIDES;
        int64_t term;
        if (__builtin_mul_overflow(stride[i], size[i] - 1, &term) || __builtin_add_overflow(last, term, &last))
            return PK_ERR_SIZE_OVERFLOW;
    }
    if (last > INT64_MAX / 8 - 1) return PK_ERR_SIZE_OVERFLOW;
    if (is_output && !non_overlapping(size, stride)) return PK_ERR_INVALID_STRIDES;
    *extent = last + 1;
    return PK_OK;
}

/* The longest adaptive window over an input of `in` split into `out` bins. */
static int64_t adaptive_longest(int64_t in, int64_t out) {
    return in % out == 0 ? in / out : in / out + 2 > in ? in : in / out + 2;
}

static int32_t sliding_axis(pk_axis* a, const pk_pool_spec* spec, int64_t s, int64_t in, int64_t out) {
    if (spec->kernel[s] < 1 || spec->kernel[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_KERNEL;
    if (spec->stride[s] < 1 || spec->stride[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_STRIDE;
    if (spec->dilation[s] < 1 || spec->dilation[s] > PK_MAX_EXTENT) return PK_ERR_INVALID_DILATION;
    int64_t effective;
    if (__builtin_mul_overflow(spec->dilation[s], spec->kernel[s] - 1, &effective) || effective >= PK_MAX_EXTENT)
        return PK_ERR_INVALID_DILATION;
    effective += 1;
    if (spec->pad_begin[s] < 0 || spec->pad_end[s] < 0 || spec->pad_begin[s] >= effective
        || spec->pad_end[s] >= effective)
        return PK_ERR_INVALID_PADDING;
    a->kernel = spec->kernel[s];
    a->stride = spec->stride[s];
    a->dilation = spec->dilation[s];
    a->pad_begin = spec->pad_begin[s];
    a->pad_end = spec->pad_end[s];
    a->out = pk_pool_output_size(in, a->kernel, a->stride, a->dilation, a->pad_begin, a->pad_end, spec->ceil_mode);
    if (a->out < 1) return PK_ERR_INVALID_KERNEL; /* the window does not fit the padded input */
    return a->out == out ? PK_OK : PK_ERR_OUTPUT_SHAPE_MISMATCH;
}

static int32_t check_options(const pk_pool_spec* spec) {
    if (spec->op < PK_OP_MAX || spec->op > PK_OP_S3POOL) return PK_ERR_INVALID_OP;
    if (spec->window < PK_WINDOW_SLIDING || spec->window > PK_WINDOW_FRACTIONAL) return PK_ERR_INVALID_OPTION;
    if (spec->window == PK_WINDOW_FRACTIONAL && spec->op != PK_OP_MAX && spec->op != PK_OP_MIN)
        return PK_ERR_INVALID_OP;
    if (spec->window == PK_WINDOW_SLIDING && spec->ceil_mode != 0 && spec->ceil_mode != 1) return PK_ERR_INVALID_OPTION;
    if (spec->op == PK_OP_AVG) {
        if (spec->divisor_mode < PK_DIVISOR_EXCLUDE_PADDING || spec->divisor_mode > PK_DIVISOR_FULL_KERNEL)
            return PK_ERR_INVALID_OPTION;
        if (spec->divisor_override < 0 || spec->divisor_override > PK_MAX_EXTENT) return PK_ERR_INVALID_OPTION;
    }
    if ((spec->op == PK_OP_MAX || spec->op == PK_OP_MIN) && spec->nan_mode != PK_NAN_PROPAGATE
        && spec->nan_mode != PK_NAN_IGNORE)
        return PK_ERR_INVALID_OPTION;
    if (spec->op == PK_OP_LP) {
        if (spec->lp_form != PK_LP_ABS && spec->lp_form != PK_LP_PYTORCH) return PK_ERR_INVALID_OPTION;
        if (!(spec->lp_p > 0)) return PK_ERR_INVALID_OPTION; /* also rejects NaN */
        if (isinf(spec->lp_p) && spec->lp_form != PK_LP_ABS) return PK_ERR_INVALID_OPTION;
        /* PyTorch's form (LPPool1d/2d) has no padding or dilation, as the Java side requires: its windows lie inside
           the input, so their kernel volume stays below the input's */
        if (spec->lp_form == PK_LP_PYTORCH && spec->window == PK_WINDOW_SLIDING)
            for (int64_t i = 0; i < spec->spatial_rank && i < PK_MAX_SPATIAL_RANK; i++)
                if (spec->pad_begin[i] != 0 || spec->pad_end[i] != 0 || spec->dilation[i] != 1)
                    return PK_ERR_INVALID_OPTION;
    }
    if ((spec->op == PK_OP_MAX || spec->op == PK_OP_MIN)
        && (spec->index_format < PK_INDEX_PLANE || spec->index_format > PK_INDEX_CHANNELS_LAST_BATCH))
        return PK_ERR_INVALID_OPTION;
    if (spec->isa < PK_ISA_AUTO || spec->isa > PK_ISA_AVX512) return PK_ERR_INVALID_OPTION;
    if (spec->op == PK_OP_AVG && spec->precision != PK_PRECISION_EXACT && spec->precision != PK_PRECISION_RELAXED)
        return PK_ERR_INVALID_OPTION;
    return PK_OK;
}

int32_t pk_plan_init(pk_plan* plan, const pk_pool_spec* spec, const pk_tensor_desc* input,
                     const pk_tensor_desc* output) {
    if (!plan || !spec || !input || !output) return PK_ERR_NULL_POINTER;
    /* copied first, then validated and used from the copies: the caller's structs may change while we run
       (another thread), and a value checked in place could be rewritten between its check and its use */
    const pk_pool_spec spec_copy = *spec;
    const pk_tensor_desc input_copy = *input, output_copy = *output;
    spec = &spec_copy;
    input = &input_copy;
    output = &output_copy;
    int32_t status = check_options(spec);
    if (status != PK_OK) return status;
    const int64_t rank = spec->spatial_rank;
    if (rank < 1 || rank > PK_MAX_SPATIAL_RANK) return PK_ERR_INVALID_RANK;
    int64_t in_size[5], out_size[5];
    status = pk_plan_tensor(input, rank, 0, in_size, plan->in_stride, &plan->in_extent);
    if (status == PK_OK) status = pk_plan_tensor(output, rank, 1, out_size, plan->out_stride, &plan->out_extent);
    if (status != PK_OK) return status;
    if (input->layout != output->layout) return PK_ERR_INVALID_LAYOUT;
    if (in_size[PK_N] != out_size[PK_N] || in_size[PK_C] != out_size[PK_C]) return PK_ERR_INVALID_SHAPE;

    plan->op = (int32_t)spec->op;
    plan->layout = (int32_t)input->layout;
    /* adaptive averages divide by the bin's size */
    const int sliding_avg = spec->op == PK_OP_AVG && spec->window == PK_WINDOW_SLIDING;
    plan->divisor_mode = sliding_avg ? (int32_t)spec->divisor_mode : PK_DIVISOR_EXCLUDE_PADDING;
    plan->divisor_override = sliding_avg ? spec->divisor_override : 0;
    plan->nan_mode = spec->op == PK_OP_MAX || spec->op == PK_OP_MIN ? (int32_t)spec->nan_mode : PK_NAN_PROPAGATE;
    plan->lp_form = spec->op == PK_OP_LP ? (int32_t)spec->lp_form : PK_LP_ABS;
    plan->lp_p = spec->op == PK_OP_LP ? spec->lp_p : 1.0;
    plan->index_format = spec->op == PK_OP_MAX || spec->op == PK_OP_MIN ? (int32_t)spec->index_format : PK_INDEX_PLANE;
    plan->rank = (int32_t)rank;
    plan->precision = spec->op == PK_OP_AVG ? (int32_t)spec->precision : PK_PRECISION_EXACT;
    plan->reserved = 0;
    plan->batch = in_size[PK_N];
    plan->channels = in_size[PK_C];
    plan->samples = 0;
    plan->params_mode = PK_PARAMS_SCALAR; /* a method's parameters: pk_method_plan sets them */
    plan->method_given = 0;
    plan->method_p = plan->method_eps = plan->method_lambda = plan->method_probability = 0.0;
    plan->params = 0;
    for (int i = 0; i < 3; i++) {
        pk_axis* a = &plan->axis[i];
        const int64_t s = i - (3 - rank); /* index into the spec's spatial arrays, < 0 for padded axes */
        const int64_t in = in_size[PK_D + i], out = out_size[PK_D + i];
        *a = (pk_axis){.in = in, .out = out, .kernel = 1, .stride = 1, .dilation = 1, .window = PK_WINDOW_SLIDING};
        if (s < 0) continue;
        if (spec->window == PK_WINDOW_SLIDING) {
            if ((status = sliding_axis(a, spec, s, in, out)) != PK_OK) return status;
        } else if (spec->window == PK_WINDOW_ADAPTIVE) {
            a->window = PK_WINDOW_ADAPTIVE;
            a->kernel = adaptive_longest(in, out);
        } else {
            if (spec->kernel[s] < 1 || spec->kernel[s] > in) return PK_ERR_INVALID_KERNEL;
            if (out + spec->kernel[s] - 1 > in) return PK_ERR_OUTPUT_SHAPE_MISMATCH; /* PyTorch's limit */
            a->window = PK_WINDOW_FRACTIONAL;
            a->kernel = spec->kernel[s];
        }
    }
    int64_t dense_in[5], dense_out[5];
    dense_strides(dense_in, plan->layout, in_size);
    dense_strides(dense_out, plan->layout, out_size);
    plan->dense = 1;
    for (int i = 0; i < 5; i++)
        plan->dense &= (in_size[i] == 1 || plan->in_stride[i] == dense_in[i])
                       && (out_size[i] == 1 || plan->out_stride[i] == dense_out[i]);
    if (plan->dense) { /* strides of size-1 axes are arbitrary: make them the dense ones kernels expect */
        for (int i = 0; i < 5; i++) {
            plan->in_stride[i] = dense_in[i];
            plan->out_stride[i] = dense_out[i];
        }
    }
    const pk_axis* a = plan->axis;
    plan->plane_size = a[0].in * a[1].in * a[2].in;
    plan->rows = plan->batch * a[0].out * a[1].out * (plan->layout == PK_LAYOUT_NCHW ? plan->channels : 1);
    return PK_OK;
}
