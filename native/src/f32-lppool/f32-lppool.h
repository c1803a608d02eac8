/* LP pooling: scalar only; its cost is the power function, not the memory access SIMD would speed up. */
#ifndef PK_F32_LPPOOL_H
#define PK_F32_LPPOOL_H
#include "../pool-plan.h"

void pk_f32_lppool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);

#endif
