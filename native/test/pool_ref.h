/* Test oracle: pooling written as directly as possible from the formulas, sharing no code with the
   library (taps j = 0..k-1 at o*stride - pad_begin + j*dilation, padding skipped). */
#ifndef PK_POOL_REF_H
#define PK_POOL_REF_H
#include <stdint.h>
#include "poolkit.h"

/* Sizes are in the spec's order (outermost spatial first); output sizes must already be valid. */
void pool_ref_f32(const pk_pool_spec* spec, const pk_tensor_desc* in, const float* x, const pk_tensor_desc* out,
                  float* y, int64_t* indices);

/* Averages in float64, for results held to a bound rather than to bits (PK_PRECISION_RELAXED): per output element,
   the mean and the mean of |x| over the finite taps inside the input (added in double: within n * 2^-53 of exact,
   relative to the sum of |x|), the number of taps inside the input, and which non-finite taps the window holds
   (bit 0: NaN, 1: +inf, 2: -inf). */
typedef struct pool_ref_avg {
    double* mean;
    double* abs_mean;
    int64_t* taps;
    int* non_finite;
} pool_ref_avg;

/* pool_ref_f32, and for an average with `exact` not NULL, also its float64 values there. */
void pool_ref_avg_f64(const pk_pool_spec* spec, const pk_tensor_desc* in, const float* x, const pk_tensor_desc* out,
                      float* y, int64_t* indices, pool_ref_avg* exact);

#endif
