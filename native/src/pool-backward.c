/* Input gradients of forward pooling. One serial pass in a fixed order (n, c, then outputs row-major, each
   window's taps row-major) makes the sums deterministic; the Java backend follows the same order. A ranged call
   runs its passes over the (n, c) planes [plane_begin, plane_end) of that order, so consecutive ranges add in
   the same order as one whole call. */
#include <math.h>

#include "pool-index.h"
#include "pool-plan.h"
#include "pool-window.h"
#include "methods/methods.h"

static inline int64_t input_offset(const pk_plan* p, int64_t n, int64_t c, int64_t id, int64_t ih, int64_t iw) {
    return n * p->in_stride[PK_N] + c * p->in_stride[PK_C] + id * p->in_stride[PK_D] + ih * p->in_stride[PK_H]
           + iw * p->in_stride[PK_W];
}

static inline int64_t output_offset(const pk_plan* p, int64_t n, int64_t c, int64_t od, int64_t oh, int64_t ow) {
    return n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D] + oh * p->out_stride[PK_H]
           + ow * p->out_stride[PK_W];
}

/* The outputs of planes [begin, end) (plane = n * C + c) in the fixed order. */
#define PK_FOR_EACH_OUTPUT(p, begin, end) \
    for (int64_t plane_ = (begin); plane_ < (end); plane_++) \
        for (int64_t n = plane_ / (p)->channels, c = plane_ % (p)->channels, od = 0; od < (p)->axis[0].out; od++) \
            for (int64_t oh = 0; oh < (p)->axis[1].out; oh++) \
                for (int64_t ow = 0; ow < (p)->axis[2].out; ow++)

/* The input offset an index names for the output at (n, c), or -1 when it lies outside the input. */
static inline int64_t index_target(const pk_plan* p, const pk_index_space* space, int64_t n, int64_t c, int64_t index) {
    int64_t tn, tc, tp;
    if (!pk_index_decode(space, n, c, index, &tn, &tc, &tp)) return -1;
    const int64_t iw = tp % p->axis[2].in, ih = tp / p->axis[2].in % p->axis[1].in,
                  id = tp / p->axis[2].in / p->axis[1].in;
    return input_offset(p, tn, tc, id, ih, iw);
}

static float sign_of(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f; }

/* LP: d out / d x per tap, times the output gradient, added in tap order (see PK_LP_* in poolkit.h). */
static void lp_window(const pk_plan* p, const float* input, float* grad_input, const pk_window w[3], int64_t n,
                      int64_t c, float grad, float out) {
    if (out == 0.0f) return; /* the root has no derivative there: no contribution */
    const int64_t base = n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
    if (isinf(p->lp_p)) { /* all to the first tap with the largest |x| */
        int64_t best = -1;
        float largest = -1.0f;
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
            const int64_t t = base + tap;
            if (fabsf(input[t]) > largest) {
                largest = fabsf(input[t]);
                best = t;
            }
        }
        if (best >= 0) grad_input[best] += (float)((double)grad * sign_of(input[best]));
        return;
    }
    const int pytorch = p->lp_form == PK_LP_PYTORCH;
    const int64_t taps = (w[0].last - w[0].first) * (w[1].last - w[1].first) * (w[2].last - w[2].first);
    const double scale = pytorch ? (double)pk_kernel_volume(p) / (double)taps : 1.0;
    const double out_factor = pow(out, 1.0 - p->lp_p);
    PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) {
        const int64_t t = base + tap;
        const double x = input[t];
        const double power = pytorch ? pow(x, p->lp_p - 1.0) : sign_of((float)x) * pow(fabs(x), p->lp_p - 1.0);
        grad_input[t] += (float)((double)grad * scale * power * out_factor);
    }
}

/* Both entry points: `whole` runs every pass over every plane (the range is ignored). */
static int32_t backward(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                        int64_t input_capacity, const pk_tensor_desc* output, const float* output_data,
                        int64_t output_capacity, const float* grad_output, int64_t grad_output_capacity,
                        const int64_t* indices_data, int64_t indices_capacity, float* grad_input,
                        int64_t grad_input_capacity, int32_t passes, int64_t plane_begin, int64_t plane_end,
                        int whole) {
    if (!input) return PK_ERR_NULL_POINTER;
    const pk_tensor_desc input_copy = *input; /* read once: the plan and the gradient's own check see the same */
    input = &input_copy;
    pk_plan plan, *p = &plan;
    int32_t status = pk_plan_init(p, spec, input, output);
    if (status != PK_OK) return status;
    if ((passes & ~PK_PASS_ALL) != 0) return PK_ERR_INVALID_OPTION;
    const int64_t planes = p->batch * p->channels; /* at most the input's element count: no overflow */
    if (whole) plane_end = planes;
    if (plane_begin < 0 || plane_end < plane_begin || plane_end > planes) return PK_ERR_INVALID_RANGE;
    if (p->op >= PK_OP_SOFT) { /* the methods of the literature: their own gradients, whole, without parameters here */
        if (passes != PK_PASS_ALL || plane_begin != 0 || plane_end != planes) return PK_ERR_INVALID_OPTION;
        return pk_method_backward_f32(spec, 0, input, input_data, input_capacity, output, grad_output,
                                      grad_output_capacity, 0, 0, grad_input, grad_input_capacity, 0, 0);
    }
    int64_t size[5], stride[5], extent; /* grad_input is written through the input's strides */
    if ((status = pk_plan_tensor(input, p->rank, 1, size, stride, &extent)) != PK_OK) return status;
    if ((status = pk_check_buffer(grad_output, grad_output_capacity, p->out_extent, sizeof(float))) != PK_OK)
        return status;
    if ((status = pk_check_buffer(grad_input, grad_input_capacity, p->in_extent, sizeof(float))) != PK_OK)
        return status;
    const int extremum = p->op == PK_OP_MAX || p->op == PK_OP_MIN;
    const pk_index_space space = {
        p->batch, p->channels, {p->axis[0].in, p->axis[1].in, p->axis[2].in}, p->rank, p->index_format};
    if (extremum) {
        if ((status = pk_check_buffer(indices_data, indices_capacity, p->out_extent, sizeof(int64_t))) != PK_OK)
            return status;
        if (passes & PK_PASS_CHECK) {
            PK_FOR_EACH_OUTPUT(p, plane_begin, plane_end) { /* every index checked before anything is written */
                if (index_target(p, &space, n, c, indices_data[output_offset(p, n, c, od, oh, ow)]) < 0)
                    return PK_ERR_INVALID_INDEX;
            }
        }
    } else if (p->op == PK_OP_LP) {
        if ((status = pk_check_buffer(input_data, input_capacity, p->in_extent, sizeof(float))) != PK_OK) return status;
        if ((status = pk_check_buffer(output_data, output_capacity, p->out_extent, sizeof(float))) != PK_OK)
            return status;
    }
    if (passes & PK_PASS_ZERO)
        for (int64_t plane = plane_begin; plane < plane_end; plane++)
            for (int64_t n = plane / p->channels, c = plane % p->channels, id = 0; id < p->axis[0].in; id++)
                for (int64_t ih = 0; ih < p->axis[1].in; ih++)
                    for (int64_t iw = 0; iw < p->axis[2].in; iw++) grad_input[input_offset(p, n, c, id, ih, iw)] = 0.0f;
    if (!(passes & PK_PASS_SCATTER)) return PK_OK;
    PK_FOR_EACH_OUTPUT(p, plane_begin, plane_end) {
        const int64_t o = output_offset(p, n, c, od, oh, ow);
        const float grad = grad_output[o];
        if (extremum) { /* the index read once and checked again here: the check pass above proved nothing
                           about what the caller's indices hold now (another thread, or aliasing memory) */
            const int64_t target = index_target(p, &space, n, c, pk_read_once(&indices_data[o]));
            if (target < 0) return PK_ERR_INVALID_INDEX;
            grad_input[target] += grad;
            continue;
        }
        const pk_window w[3] = {pk_window_of(&p->axis[0], od), pk_window_of(&p->axis[1], oh),
                                pk_window_of(&p->axis[2], ow)};
        if (p->op == PK_OP_LP) {
            lp_window(p, input_data, grad_input, w, n, c, grad, output_data[o]);
            continue;
        }
        /* average: the same share to every tap inside the input, divided as the forward divides */
        const int64_t divisor = pk_avg_divisor(p, w);
        if (divisor == 0) continue;
        const float share = pk_adaptive_per_axis(p)
                                ? grad / (float)(w[0].last - w[0].first) / (float)(w[1].last - w[1].first)
                                      / (float)(w[2].last - w[2].first)
                                : grad / (float)divisor;
        const int64_t base = n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        PK_FOR_EACH_TAP(p, w, id, ih, iw, tap) grad_input[base + tap] += share;
    }
    return PK_OK;
}

int32_t pk_pool_backward_f32(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                             int64_t input_capacity, const pk_tensor_desc* output, const float* output_data,
                             int64_t output_capacity, const float* grad_output, int64_t grad_output_capacity,
                             const int64_t* indices_data, int64_t indices_capacity, float* grad_input,
                             int64_t grad_input_capacity) {
    return backward(spec, input, input_data, input_capacity, output, output_data, output_capacity, grad_output,
                    grad_output_capacity, indices_data, indices_capacity, grad_input, grad_input_capacity, PK_PASS_ALL,
                    0, 0, 1);
}

int32_t pk_pool_backward_range_f32(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                                   int64_t input_capacity, const pk_tensor_desc* output, const float* output_data,
                                   int64_t output_capacity, const float* grad_output, int64_t grad_output_capacity,
                                   const int64_t* indices_data, int64_t indices_capacity, float* grad_input,
                                   int64_t grad_input_capacity, int32_t passes, int64_t plane_begin,
                                   int64_t plane_end) {
    return backward(spec, input, input_data, input_capacity, output, output_data, output_capacity, grad_output,
                    grad_output_capacity, indices_data, indices_capacity, grad_input, grad_input_capacity, passes,
                    plane_begin, plane_end, 0);
}
