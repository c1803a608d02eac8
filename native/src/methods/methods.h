/* The pooling methods of the literature (PK_OP_SOFT and after, see poolkit.h): their scalar kernels, the
   definitions, and their gradients. Each reduces one window of the shared window machinery (pool-window.h),
   so every window rule and option of max and average pooling applies to them unchanged. */
#ifndef PK_METHODS_H
#define PK_METHODS_H

#include "../pool-plan.h"
#include "../pool-window.h"

/* Taps of a window inside the input. */
static inline int64_t pk_window_taps(const pk_window w[3]) {
    return (w[0].last - w[0].first) * (w[1].last - w[1].first) * (w[2].last - w[2].first);
}

/* Plane index (d*H + h)*W + w of an input coordinate. */
static inline int64_t pk_plane_index(const pk_plan* p, int64_t id, int64_t ih, int64_t iw) {
    return (id * p->axis[1].in + ih) * p->axis[2].in + iw;
}

/* The plane index reported for a window without a chosen tap: its first tap inside the input, or its origin
   clamped into the input (as max pooling's). */
static inline int64_t pk_window_first_index(const pk_plan* p, const pk_window w[3]) {
    return pk_plane_index(p, pk_window_first_coordinate(&p->axis[0], &w[0]),
                          pk_window_first_coordinate(&p->axis[1], &w[1]),
                          pk_window_first_coordinate(&p->axis[2], &w[2]));
}

/* Element offset of a plane index in a tensor with the plan's input strides, from the (n, c) origin. */
static inline int64_t pk_plane_offset(const pk_plan* p, int64_t index) {
    const int64_t iw = index % p->axis[2].in, ih = index / p->axis[2].in % p->axis[1].in,
                  id = index / p->axis[2].in / p->axis[1].in;
    return id * p->in_stride[PK_D] + ih * p->in_stride[PK_H] + iw * p->in_stride[PK_W];
}

/* Validates a method's parameters against a plan pk_plan_init filled and stores them in it. */
int32_t pk_method_plan(pk_plan* plan, const pk_pool_spec* spec, const pk_method_spec* method);

/* A run's params against a plan (NULL when it takes none): GeM's p positive and finite, mixed pooling's lambda
   finite, uniforms in [0, 1), S3Pool's picks as pk_s3pool_check_picks; logits any float. */
int32_t pk_method_check_params(const pk_plan* plan, const float* params, int64_t capacity);

/* For the pk_pool_* entry points, which take no pk_method_spec: completes the plan of a method without parameters
   (SOFT, STOCHASTIC inference, S3POOL inference) as pk_method_plan does; PK_ERR_INVALID_OPTION for a method that
   needs them; nothing for the pooling ops. */
int32_t pk_method_plan_without(pk_plan* plan, const pk_pool_spec* spec);

/* Whether a plan of op has what it needs to run (GEM: its parameters). */
int pk_method_ready(const pk_plan* plan);

/* Forward kernels: the scalar definitions. */
void pk_f32_softpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_gempool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_mixedpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
/* The SIMD kernels of SoftPool and GeM (softpool-simd.inc, gem-simd.inc: every layout and window rule, along the
   width where pk_method_along_fit says, else across channels) and mixed pooling (mixed-simd.inc: across dense
   channels last with sliding windows, and with mixed-along.inc and mixed-pairs.inc along the width of channels
   first; mixed-lanes.inc
   on the rest); each runs the scalar kernel on the problems pk_method_lanes_fit refuses. */
void pk_f32_softpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_softpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_gempool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_gempool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_mixedpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_mixedpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_mixedpool_lanes__avx2(const pk_plan*, const float*, float*, int64_t, int64_t);
void pk_f32_mixedpool_lanes__avx512(const pk_plan*, const float*, float*, int64_t, int64_t);
/* Lanes of the methods' SIMD kernels across channels at isa (AVX2 or AVX-512): a register of doubles; 0 for the
   ops without one. */
int pk_method_lanes(int32_t op, int32_t isa);
/* Whether the SIMD kernel of the plan's op at isa computes it (else the scalar kernel does): without indices, with
   at least half a vector of lanes of channels. The dispatcher names the path by it. */
int pk_method_lanes_fit(const pk_plan* p, int with_indices, int32_t isa);
/* Whether mixed pooling's rows kernel (mixed-simd.inc: a register of floats per step) takes the plan: dense
   channels last, sliding windows (the last channels, or all of them where fewer than a register, as one masked
   register). */
int pk_mixed_rows_fit(const pk_plan* p, int32_t isa);
/* Whether the SIMD kernel of SoftPool, GeM or mixed pooling at isa goes along the width (without indices; across.h's
   rows_along, mixed-simd.inc's own for mixed pooling): channels first, unit width strides, sliding windows, at least
   pk_method_lanes outputs whose windows lie inside the input along the width. */
int pk_method_along_fit(const pk_plan* p, int32_t isa);
/* Whether mixed pooling along the width at isa takes its windows in pairs (mixed-pairs.inc): three wide, stride two,
   no dilation and at most one padding element before along the width, every window with a tap in the row, rows of a
   register of floats of outputs or more. */
int pk_mixed_pairs_fit(const pk_plan* p, int32_t isa);
void pk_f32_stochasticpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_lippool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_s3pool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);

/* S3Pool's picks: integral, strictly increasing along each axis, inside the input. */
int32_t pk_s3pool_check_picks(const pk_plan* p, const float* picks);

/* Gradients of one window, added to grad_input (and the parameter's gradient) at the (n, c) origins given;
   o is the output element's offset. */
void pk_softpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], float grad, float* grad_in);
void pk_gempool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t c, float grad,
                                float* grad_in, double* grad_p);
void pk_mixedpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t c, int64_t o,
                                  float grad, float* grad_in, double* grad_lambda);
void pk_stochasticpool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t o, float grad,
                                       float* grad_in);
void pk_s3pool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, float grad,
                               float* grad_in);
void pk_lippool_window_backward(const pk_plan* p, const float* in, const pk_window w[3], int64_t n, int64_t c,
                                float grad, float* grad_in, float* grad_logits);

#endif
