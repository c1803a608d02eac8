/* Test oracle: pooling written as directly as possible from the formulas, sharing no code with the
   library (taps j = 0..k-1 at o*stride - pad_begin + j*dilation, padding skipped). */
#ifndef PK_POOL_REF_H
#define PK_POOL_REF_H
#include <stdint.h>
#include "poolkit.h"

/* Sizes are in the spec's order (outermost spatial first); output sizes must already be valid. */
void pool_ref_f32(const pk_pool_spec* spec, const pk_tensor_desc* in, const float* x,
                  const pk_tensor_desc* out, float* y, int64_t* indices);

#endif
