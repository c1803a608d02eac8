/* Average pooling kernel variants, one per instruction set. */
#ifndef PK_F32_AVGPOOL_H
#define PK_F32_AVGPOOL_H
#include "../pool-plan.h"

void pk_f32_avgpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_avgpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_avgpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);

#endif
