/* Parameters and gradients of the methods of the literature (PK_OP_SOFT and after). */
#include <math.h>
#include <stddef.h>

#include "methods.h"

int32_t pk_method_plan(pk_plan* plan, const pk_pool_spec* spec, const pk_method_spec* method) {
    (void)spec;
    if (plan->op != PK_OP_GEM) return PK_OK; /* no parameters */
    if (!method) return PK_ERR_NULL_POINTER;
    if (method->params_mode != PK_PARAMS_SCALAR && method->params_mode != PK_PARAMS_PER_CHANNEL)
        return PK_ERR_INVALID_OPTION;
    if (!(method->eps > 0) || isinf(method->eps)) return PK_ERR_INVALID_OPTION; /* also NaN */
    if (method->params_mode == PK_PARAMS_SCALAR && (!(method->p > 0) || isinf(method->p))) return PK_ERR_INVALID_OPTION;
    plan->params_mode = (int32_t)method->params_mode;
    plan->method_p = method->params_mode == PK_PARAMS_SCALAR ? method->p : 0.0;
    plan->method_eps = method->eps;
    return PK_OK;
}

int pk_method_ready(const pk_plan* plan) {
    return plan->op != PK_OP_GEM || plan->method_eps > 0;
}

/* Elements of a run's params, or 0 when the plan takes none. */
static int64_t params_count(const pk_plan* p) {
    return p->params_mode == PK_PARAMS_PER_CHANNEL ? p->channels : 0;
}

int32_t pk_method_check_params(const pk_plan* p, const float* params, int64_t capacity) {
    const int64_t count = params_count(p);
    if (count == 0) return params ? PK_ERR_INVALID_OPTION : PK_OK;
    int32_t status = pk_check_buffer(params, capacity, count, sizeof(float));
    if (status != PK_OK) return status;
    for (int64_t i = 0; i < count; i++)
        if (!(params[i] > 0) || isinf(params[i])) return PK_ERR_INVALID_OPTION; /* GEM's p */
    return PK_OK;
}

int32_t pk_method_backward_f32(const pk_pool_spec* spec, const pk_method_spec* method,
                               const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                               const pk_tensor_desc* output, const float* grad_output, int64_t grad_output_capacity,
                               const float* params, int64_t params_capacity,
                               float* grad_input, int64_t grad_input_capacity,
                               float* grad_params, int64_t grad_params_capacity) {
    pk_plan plan, *p = &plan;
    int32_t status = pk_plan_init(p, spec, input, output);
    if (status != PK_OK) return status;
    if (p->op < PK_OP_SOFT) return PK_ERR_INVALID_OP;
    if ((status = pk_method_plan(p, spec, method)) != PK_OK) return status;
    if (p->axis[2].window == PK_WINDOW_FRACTIONAL) return PK_ERR_INVALID_OP;
    int64_t size[5], stride[5], extent; /* grad_input is written through the input's strides */
    if ((status = pk_plan_tensor(input, p->rank, 1, size, stride, &extent)) != PK_OK) return status;
    if ((status = pk_check_buffer(input_data, input_capacity, p->in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(grad_output, grad_output_capacity, p->out_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(grad_input, grad_input_capacity, p->in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_method_check_params(p, params, params_capacity)) != PK_OK) return status;
    p->params = params;
    const int has_params = p->op == PK_OP_GEM;
    const int64_t grad_count = p->params_mode == PK_PARAMS_PER_CHANNEL ? p->channels : 1;
    if (grad_params) {
        if (!has_params) return PK_ERR_INVALID_OPTION;
        if ((status = pk_check_buffer(grad_params, grad_params_capacity, grad_count, sizeof(float))) != PK_OK) return status;
    }
    for (int64_t n = 0; n < p->batch; n++)
        for (int64_t c = 0; c < p->channels; c++)
            for (int64_t id = 0; id < p->axis[0].in; id++)
                for (int64_t ih = 0; ih < p->axis[1].in; ih++)
                    for (int64_t iw = 0; iw < p->axis[2].in; iw++)
                        grad_input[n * p->in_stride[PK_N] + c * p->in_stride[PK_C] + id * p->in_stride[PK_D]
                                   + ih * p->in_stride[PK_H] + iw * p->in_stride[PK_W]] = 0.0f;
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
                        const float grad = grad_output[n * p->out_stride[PK_N] + c * p->out_stride[PK_C]
                                                       + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H]
                                                       + ow * p->out_stride[PK_W]];
                        if (p->op == PK_OP_SOFT)
                            pk_softpool_window_backward(p, input_data + base, w, grad, grad_input + base);
                        else
                            pk_gempool_window_backward(p, input_data + base, w, c, grad, grad_input + base, &channel);
                    }
        }
        if (grad_params && p->params_mode == PK_PARAMS_PER_CHANNEL) grad_params[c] = (float)channel;
        total += channel;
    }
    if (grad_params && p->params_mode == PK_PARAMS_SCALAR) grad_params[0] = (float)total;
    return PK_OK;
}
