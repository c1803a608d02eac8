/* Instruction-set detection and the kernel table, filled once at load time. */
#ifndef PK_DISPATCH_H
#define PK_DISPATCH_H
#include "../pool-plan.h"

int32_t pk_dispatch_cpu_isa(void);
int32_t pk_dispatch_default_isa(void);
/* The bytes of the largest cache one instance of which this core uses (its L3, usually); where the CPU does not
   say, PK_DEFAULT_LAST_CACHE_BYTES. Tensors larger than it come from memory on every call. */
#define PK_DEFAULT_LAST_CACHE_BYTES (32 * 1024 * 1024)
int64_t pk_dispatch_last_cache_bytes(void);
/* For the tests: take every tensor larger than `bytes` to come from memory (0: all of them). */
void pk_dispatch_set_last_cache_bytes(int64_t bytes);
/* The kernel for op at isa (PK_ISA_AUTO allowed), or NULL when this CPU or build lacks that level. */
pk_pool_kernel_fn pk_dispatch_kernel(int32_t op, int32_t isa);
/* The path of the methods' SIMD kernels across channels (methods/: across.h, mixed-simd.inc), apart from the
   variant rows' paths 1 .. 255. */
#define PK_PATH_METHOD_ACROSS 256
/* The path of mixed pooling's SIMD kernel along the width (mixed-simd.inc). */
#define PK_PATH_METHOD_ALONG 257
/* The path of mixed pooling's SIMD kernel along the width by pairs of taps (mixed-pairs.inc). */
#define PK_PATH_METHOD_PAIRS 258
/* The kernel specialization the plan's op takes at isa (a supported level, not PK_ISA_AUTO), as a number that
   a prepared plan keeps so that its runs need not choose again; 0 is the op's scalar kernel. */
int32_t pk_dispatch_path(const pk_plan* plan, int32_t isa, int with_indices);
/* The kernel of a path pk_dispatch_path gave for op at isa, or NULL when there is no such path. */
pk_pool_kernel_fn pk_dispatch_path_kernel(int32_t op, int32_t isa, int32_t path);
/* A path's name, "<level>:<strategy>" ("avx512:tiles"), "<level>:scalar" for the scalar kernel at a SIMD level,
   "scalar" at the scalar level, each with "-relaxed" for kernels of relaxed averages; "unknown" for a path the
   level does not have. Static. */
const char* pk_dispatch_path_name(const pk_plan* plan, int32_t isa, int32_t path);

#endif
