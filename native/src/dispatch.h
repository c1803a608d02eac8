/* Instruction-set detection and the kernel table, filled once at load time. */
#ifndef PK_DISPATCH_H
#define PK_DISPATCH_H
#include "pool-plan.h"

int32_t pk_dispatch_cpu_isa(void);
int32_t pk_dispatch_default_isa(void);
/* The kernel for op at isa (PK_ISA_AUTO allowed), or NULL when this CPU or build lacks that level. */
pk_pool_kernel_fn pk_dispatch_kernel(int32_t op, int32_t isa);

#endif
