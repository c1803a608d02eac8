/* Min pooling kernel variants, one per instruction set (the scalar one shares max pooling's loop). */
#ifndef PK_F32_MINPOOL_H
#define PK_F32_MINPOOL_H
#include "../pool-plan.h"

void pk_f32_minpool__scalar(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_minpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_minpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);

#endif
