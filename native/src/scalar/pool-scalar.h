/* The scalar kernels: the readable definition of every op (max, min, average, LP), which every SIMD variant must
   reproduce bit for bit. Each is a loop over the per-pixel definitions of pool-window.h. Also the kernels of every
   level for what SIMD does not speed up: LP pooling (its cost is the power function), fractional windows, and
   problems outside every SIMD variant's limits. */
#ifndef PK_POOL_SCALAR_H
#define PK_POOL_SCALAR_H
#include "../pool-plan.h"

void pk_f32_maxpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_minpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_avgpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_lppool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);

#endif
