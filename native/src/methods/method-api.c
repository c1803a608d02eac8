/* Parameters and gradients of the methods of the literature (PK_OP_SOFT and after). */
#include <math.h>
#include <stddef.h>

#include "methods.h"

/* Which params modes each op takes. */
static int mode_allowed(int32_t op, int64_t mode) {
    switch (op) {
    case PK_OP_GEM: return mode == PK_PARAMS_SCALAR || mode == PK_PARAMS_PER_CHANNEL;
    case PK_OP_MIXED:
        return mode == PK_PARAMS_SCALAR || mode == PK_PARAMS_PER_CHANNEL || mode == PK_PARAMS_OUTPUT_MAP
               || mode == PK_PARAMS_UNIFORMS;
    case PK_OP_STOCHASTIC: return mode == PK_PARAMS_SCALAR || mode == PK_PARAMS_UNIFORMS;
    case PK_OP_LIP: return mode == PK_PARAMS_INPUT_MAP || mode == PK_PARAMS_CHANNEL_BROADCAST;
    case PK_OP_S3POOL: return mode == PK_PARAMS_SCALAR || mode == PK_PARAMS_PICKS;
    default: return mode == PK_PARAMS_SCALAR;
    }
}

static int finite(double v) { return !isnan(v) && !isinf(v); }

int32_t pk_method_plan(pk_plan* plan, const pk_pool_spec* spec, const pk_method_spec* method) {
    if (plan->op < PK_OP_SOFT) return PK_ERR_INVALID_OP;
    if (plan->axis[2].window == PK_WINDOW_FRACTIONAL) return PK_ERR_INVALID_OP;
    if (plan->op
        == PK_OP_S3POOL) { /* its windows: max pooling with kernel = stride, no start padding, s - 1 at the end */
        for (int a = 3 - plan->rank; a < 3; a++) {
            const pk_axis* x = &plan->axis[a];
            if (x->window != PK_WINDOW_SLIDING || x->stride != x->kernel || x->dilation != 1 || x->pad_begin != 0
                || x->pad_end != x->kernel - 1)
                return PK_ERR_INVALID_KERNEL;
        }
        if (spec->index_format < PK_INDEX_PLANE || spec->index_format > PK_INDEX_CHANNELS_LAST_BATCH)
            return PK_ERR_INVALID_OPTION;
        plan->index_format = (int32_t)spec->index_format;
        plan->nan_mode = PK_NAN_PROPAGATE; /* PyTorch's max pooling */
    }
    if (!method) /* SoftPool, stochastic inference and S3Pool inference have no parameters */
        return plan->op == PK_OP_SOFT || plan->op == PK_OP_STOCHASTIC || plan->op == PK_OP_S3POOL ? PK_OK
                                                                                                  : PK_ERR_NULL_POINTER;
    if (!mode_allowed(plan->op, method->params_mode)) return PK_ERR_INVALID_OPTION;
    plan->params_mode = (int32_t)method->params_mode;
    plan->method_given = 1;
    switch (plan->op) {
    case PK_OP_GEM:
        if (!(method->eps > 0) || !finite(method->eps)) return PK_ERR_INVALID_OPTION;
        if (method->params_mode == PK_PARAMS_SCALAR && (!(method->p > 0) || !finite(method->p)))
            return PK_ERR_INVALID_OPTION;
        plan->method_p = method->params_mode == PK_PARAMS_SCALAR ? method->p : 0.0;
        plan->method_eps = method->eps;
        break;
    case PK_OP_MIXED:
        if (method->params_mode == PK_PARAMS_SCALAR && !finite(method->lambda)) return PK_ERR_INVALID_OPTION;
        if (method->params_mode == PK_PARAMS_UNIFORMS && !(method->probability >= 0 && method->probability <= 1))
            return PK_ERR_INVALID_OPTION;
        plan->method_lambda = method->params_mode == PK_PARAMS_SCALAR ? method->lambda : 0.0;
        plan->method_probability = method->params_mode == PK_PARAMS_UNIFORMS ? method->probability : 0.0;
        /* the max part follows the spec's NaN mode, the average part its divisor (pk_plan_init keeps them for
           max and average pooling only) */
        if (spec->nan_mode != PK_NAN_PROPAGATE && spec->nan_mode != PK_NAN_IGNORE) return PK_ERR_INVALID_OPTION;
        plan->nan_mode = (int32_t)spec->nan_mode;
        if (spec->window == PK_WINDOW_SLIDING) {
            if (spec->divisor_mode < PK_DIVISOR_EXCLUDE_PADDING || spec->divisor_mode > PK_DIVISOR_FULL_KERNEL)
                return PK_ERR_INVALID_OPTION;
            if (spec->divisor_override < 0 || spec->divisor_override > (INT64_C(1) << 40)) return PK_ERR_INVALID_OPTION;
            plan->divisor_mode = (int32_t)spec->divisor_mode;
            plan->divisor_override = spec->divisor_override;
        }
        break;
    default: break;
    }
    if (plan->op == PK_OP_MIXED || plan->op == PK_OP_STOCHASTIC) { /* ops with indices */
        if (spec->index_format < PK_INDEX_PLANE || spec->index_format > PK_INDEX_CHANNELS_LAST_BATCH)
            return PK_ERR_INVALID_OPTION;
        plan->index_format = (int32_t)spec->index_format;
    }
    return PK_OK;
}

int32_t pk_method_plan_without(pk_plan* plan, const pk_pool_spec* spec) {
    if (plan->op < PK_OP_SOFT) return PK_OK;
    if (plan->op != PK_OP_SOFT && plan->op != PK_OP_STOCHASTIC && plan->op != PK_OP_S3POOL)
        return PK_ERR_INVALID_OPTION;
    return pk_method_plan(plan, spec, NULL);
}

int pk_method_lanes(int32_t op, int32_t isa) {
    const int wide = isa == PK_ISA_AVX512 ? 2 : isa == PK_ISA_AVX2 ? 1 : 0;
    return op == PK_OP_SOFT || op == PK_OP_GEM || op == PK_OP_MIXED ? 4 * wide : 0;
}

int pk_mixed_rows_fit(const pk_plan* p, int32_t isa) {
    if (p->layout != PK_LAYOUT_NHWC || p->in_stride[PK_C] != 1 || p->out_stride[PK_C] != 1) return 0;
    for (int a = 0; a < 3; a++)
        if (p->axis[a].window != PK_WINDOW_SLIDING) return 0;
    return pk_method_lanes(PK_OP_MIXED, isa) > 0;
}

int pk_method_along_fit(const pk_plan* p, int32_t isa) {
    if (pk_method_lanes(p->op, isa) == 0) return 0;
    if (p->layout != PK_LAYOUT_NCHW || p->in_stride[PK_W] != 1 || p->out_stride[PK_W] != 1) return 0;
    for (int a = 0; a < 3; a++)
        if (p->axis[a].window != PK_WINDOW_SLIDING) return 0;
    int64_t lo, hi;
    pk_interior(&p->axis[2], &lo, &hi);
    return hi - lo >= pk_method_lanes(p->op, isa); /* SoftPool, GeM: a register of doubles; mixed: half of floats */
}

int pk_mixed_pairs_fit(const pk_plan* p, int32_t isa) {
    if (p->op != PK_OP_MIXED || !pk_method_along_fit(p, isa)) return 0;
    const pk_axis* a = &p->axis[2];
    const int64_t floats = 2 * pk_method_lanes(PK_OP_MIXED, isa);
    return a->kernel == 3 && a->stride == 2 && a->dilation == 1 && a->pad_begin <= 1 && a->out >= floats
           && 2 * (a->out - 1) - a->pad_begin < a->in && a->in < (INT64_C(1) << 30);
}

int pk_method_lanes_fit(const pk_plan* p, int with_indices, int32_t isa) {
    const int lanes = pk_method_lanes(p->op, isa);
    return !with_indices && lanes > 0 && p->channels >= lanes / 2;
}

int pk_method_ready(const pk_plan* plan) {
    /* SOFT and STOCHASTIC inference need nothing beyond pk_pool_spec; the others need pk_method_prepare */
    return plan->op <= PK_OP_SOFT || plan->op == PK_OP_STOCHASTIC || plan->op == PK_OP_S3POOL || plan->method_given;
}

/* Elements a run's params must hold, or 0 when the plan takes none. */
static int64_t params_extent(const pk_plan* p) {
    switch (p->params_mode) {
    case PK_PARAMS_PER_CHANNEL: return p->channels;
    case PK_PARAMS_OUTPUT_MAP:
    case PK_PARAMS_UNIFORMS: return p->out_extent;
    case PK_PARAMS_INPUT_MAP: return p->in_extent;
    case PK_PARAMS_CHANNEL_BROADCAST: return p->batch * p->plane_size;
    case PK_PARAMS_PICKS: {
        int64_t per_image = 0;
        for (int a = 3 - p->rank; a < 3; a++) per_image += p->axis[a].out;
        return p->batch * per_image;
    }
    default: return 0;
    }
}

/* Visits the element offsets of params shaped like the output (or the input) through its strides. */
#define PK_FOR_EACH_ELEMENT(p, size, stride, offset) \
    for (int64_t n_ = 0; n_ < (p)->batch; n_++) \
        for (int64_t c_ = 0; c_ < (p)->channels; c_++) \
            for (int64_t d_ = 0; d_ < (size)[0]; d_++) \
                for (int64_t h_ = 0; h_ < (size)[1]; h_++) \
                    for (int64_t w_ = 0, offset = n_ * (stride)[PK_N] + c_ * (stride)[PK_C] + d_ * (stride)[PK_D] \
                                                  + h_ * (stride)[PK_H]; \
                         w_ < (size)[2]; w_++, offset += (stride)[PK_W])

static int valid_param(const pk_plan* p, float v) {
    if (p->op == PK_OP_GEM) return v > 0 && !isinf(v);
    if (p->params_mode == PK_PARAMS_UNIFORMS) return v >= 0.0f && v < 1.0f;
    return !isnan(v) && !isinf(v);
}

int32_t pk_method_check_params(const pk_plan* p, const float* params, int64_t capacity) {
    const int64_t extent = params_extent(p);
    if (extent == 0) return params ? PK_ERR_INVALID_OPTION : PK_OK;
    int32_t status = pk_check_buffer(params, capacity, extent, sizeof(float));
    if (status != PK_OK) return status;
    const int32_t bad = p->params_mode == PK_PARAMS_UNIFORMS ? PK_ERR_INVALID_SAMPLE : PK_ERR_INVALID_OPTION;
    if (p->params_mode == PK_PARAMS_OUTPUT_MAP || p->params_mode == PK_PARAMS_UNIFORMS) {
        const int64_t size[3] = {p->axis[0].out, p->axis[1].out, p->axis[2].out};
        PK_FOR_EACH_ELEMENT(p, size, p->out_stride, o) if (!valid_param(p, params[o])) return bad;
    } else if (p->params_mode == PK_PARAMS_PICKS) {
        return pk_s3pool_check_picks(p, params);
    } else if (p->params_mode == PK_PARAMS_INPUT_MAP) {
        /* logits: any float; NaN and infinities are defined by the op */
    } else if (p->params_mode != PK_PARAMS_CHANNEL_BROADCAST) {
        for (int64_t i = 0; i < extent; i++)
            if (!valid_param(p, params[i])) return bad;
    }
    return PK_OK;
}

int32_t pk_method_backward_f32(const pk_pool_spec* spec, const pk_method_spec* method, const pk_tensor_desc* input,
                               const float* input_data, int64_t input_capacity, const pk_tensor_desc* output,
                               const float* grad_output, int64_t grad_output_capacity, const float* params,
                               int64_t params_capacity, float* grad_input, int64_t grad_input_capacity,
                               float* grad_params, int64_t grad_params_capacity) {
    pk_plan plan, *p = &plan;
    int32_t status = pk_plan_init(p, spec, input, output);
    if (status != PK_OK) return status;
    if ((status = pk_method_plan(p, spec, method)) != PK_OK) return status;
    int64_t size[5], stride[5], extent; /* grad_input is written through the input's strides */
    if ((status = pk_plan_tensor(input, p->rank, 1, size, stride, &extent)) != PK_OK) return status;
    if ((status = pk_check_buffer(input_data, input_capacity, p->in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(grad_output, grad_output_capacity, p->out_extent, sizeof(float))) != PK_OK)
        return status;
    if ((status = pk_check_buffer(grad_input, grad_input_capacity, p->in_extent, sizeof(float))) != PK_OK)
        return status;
    if ((status = pk_method_check_params(p, params, params_capacity)) != PK_OK) return status;
    p->params = params;
    /* the parameter gradient: GEM's p, MIXED's lambda (not drawn ones), LIP's logits */
    int64_t grad_extent = 0;
    if (p->op == PK_OP_GEM || (p->op == PK_OP_MIXED && p->params_mode != PK_PARAMS_UNIFORMS))
        grad_extent = p->params_mode == PK_PARAMS_SCALAR ? 1 : params_extent(p);
    else if (p->op == PK_OP_LIP) grad_extent = params_extent(p);
    if (grad_params) {
        if (grad_extent == 0) return PK_ERR_INVALID_OPTION;
        if ((status = pk_check_buffer(grad_params, grad_params_capacity, grad_extent, sizeof(float))) != PK_OK)
            return status;
    }
    const int64_t in_size[3] = {p->axis[0].in, p->axis[1].in, p->axis[2].in};
    PK_FOR_EACH_ELEMENT(p, in_size, p->in_stride, i) grad_input[i] = 0.0f;
    if (grad_params && p->op == PK_OP_LIP) {
        if (p->params_mode == PK_PARAMS_INPUT_MAP) {
            PK_FOR_EACH_ELEMENT(p, in_size, p->in_stride, i) grad_params[i] = 0.0f;
        } else {
            for (int64_t i = 0; i < grad_extent; i++) grad_params[i] = 0.0f;
        }
    }
    /* channels outermost, so that each channel's parameter gradient is one sum in a fixed order */
    double total = 0.0;
    for (int64_t c = 0; c < p->channels; c++) {
        double channel = 0.0;
        for (int64_t n = 0; n < p->batch; n++) {
            const int64_t base = n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
            for (int64_t od = 0; od < p->axis[0].out; od++)
                for (int64_t oh = 0; oh < p->axis[1].out; oh++)
                    for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
                        const pk_window w[3] = {pk_window_of(&p->axis[0], od), pk_window_of(&p->axis[1], oh),
                                                pk_window_of(&p->axis[2], ow)};
                        const int64_t o = n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                                          + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W];
                        const float grad = grad_output[o];
                        const float* in = input_data + base;
                        float* gin = grad_input + base;
                        switch (p->op) {
                        case PK_OP_SOFT: pk_softpool_window_backward(p, in, w, grad, gin); break;
                        case PK_OP_GEM: pk_gempool_window_backward(p, in, w, c, grad, gin, &channel); break;
                        case PK_OP_STOCHASTIC: pk_stochasticpool_window_backward(p, in, w, o, grad, gin); break;
                        case PK_OP_S3POOL: pk_s3pool_window_backward(p, in, w, n, grad, gin); break;
                        case PK_OP_LIP: pk_lippool_window_backward(p, in, w, n, c, grad, gin, grad_params); break;
                        default: {
                            double lambda_grad = 0.0;
                            pk_mixedpool_window_backward(p, in, w, c, o, grad, gin, &lambda_grad);
                            if (grad_params && p->params_mode == PK_PARAMS_OUTPUT_MAP)
                                grad_params[o] = (float)lambda_grad;
                            channel += lambda_grad;
                        }
                        }
                    }
        }
        if (grad_params && p->params_mode == PK_PARAMS_PER_CHANNEL) grad_params[c] = (float)channel;
        total += channel;
    }
    if (grad_params && p->params_mode == PK_PARAMS_SCALAR) grad_params[0] = (float)total;
    return PK_OK;
}
