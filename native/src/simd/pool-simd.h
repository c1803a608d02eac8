/* The paths of the SIMD levels. pk_pool_path numbers the kernel specialization a level picks for a plan (0: the
   op's scalar kernel); pk_pool_path_kernel gives that kernel back, or NULL for a number no path has. */
#ifndef PK_POOL_SIMD_H
#define PK_POOL_SIMD_H
#include "../pool-plan.h"

int32_t pk_pool_path__avx2(const pk_plan* plan, int32_t op, int with_indices);
pk_pool_kernel_fn pk_pool_path_kernel__avx2(int32_t path);
int32_t pk_pool_path__avx512(const pk_plan* plan, int32_t op, int with_indices);
pk_pool_kernel_fn pk_pool_path_kernel__avx512(int32_t path);

#endif
