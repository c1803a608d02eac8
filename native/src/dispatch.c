/* Picks kernels by instruction set. The CPU is probed once; levels the CPU or the OS (XSAVE state)
   does not support are never selected, so the AVX files may hold instructions this CPU lacks. */
#include "dispatch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "f32-avgpool/f32-avgpool.h"
#include "f32-lppool/f32-lppool.h"
#include "f32-maxpool/f32-maxpool.h"
#include "f32-minpool/f32-minpool.h"
#include "pool-window.h"
#include "simd/pool-simd.h"

#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int32_t probe_cpu(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return PK_ISA_SCALAR;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx) return PK_ISA_SCALAR;
    const uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return PK_ISA_SCALAR; /* OS does not save YMM state */
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return PK_ISA_SCALAR;
    const int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1;
    if (!avx2 || !fma) return PK_ISA_SCALAR;
    if (avx512f && (xcr0 & 0xE6) == 0xE6) return PK_ISA_AVX512; /* opmask + ZMM state saved */
    return PK_ISA_AVX2;
}
#else
static int32_t probe_cpu(void) { return PK_ISA_SCALAR; }
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int32_t cpu_isa = PK_ISA_SCALAR;
static int32_t default_isa = PK_ISA_SCALAR;

static void init(void) {
    cpu_isa = probe_cpu();
    default_isa = cpu_isa;
    const char* cap = getenv("POOLKIT_MAX_ISA");
    if (cap) {
        int32_t level = cpu_isa;
        if (strcmp(cap, "scalar") == 0) level = PK_ISA_SCALAR;
        else if (strcmp(cap, "avx2") == 0) level = PK_ISA_AVX2;
        else if (strcmp(cap, "avx512") == 0) level = PK_ISA_AVX512;
        if (level < default_isa) default_isa = level;
    }
}

int32_t pk_dispatch_cpu_isa(void) {
    pthread_once(&once, init);
    return cpu_isa;
}

int32_t pk_dispatch_default_isa(void) {
    pthread_once(&once, init);
    return default_isa;
}

pk_pool_kernel_fn pk_dispatch_kernel(int32_t op, int32_t isa) {
    pthread_once(&once, init);
    if (isa == PK_ISA_AUTO) isa = default_isa;
    if (isa < PK_ISA_SCALAR || isa > cpu_isa) return 0;
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
#define PK_LEVELS(name) {name##__scalar, name##__avx2, name##__avx512}
#else
#define PK_LEVELS(name) {name##__scalar}
#endif
    static const pk_pool_kernel_fn max_kernels[] = PK_LEVELS(pk_f32_maxpool);
    static const pk_pool_kernel_fn avg_kernels[] = PK_LEVELS(pk_f32_avgpool);
    static const pk_pool_kernel_fn min_kernels[] = PK_LEVELS(pk_f32_minpool);
#undef PK_LEVELS
    const int32_t levels = (int32_t)(sizeof(max_kernels) / sizeof(max_kernels[0]));
    if (isa >= levels) return 0;
    switch (op) {
    case PK_OP_MAX: return max_kernels[isa];
    case PK_OP_AVG: return avg_kernels[isa];
    case PK_OP_MIN: return min_kernels[isa];
    default: return pk_f32_lppool__scalar; /* every level: see f32-lppool.h */
    }
}

int32_t pk_dispatch_path(const pk_plan* plan, int32_t isa, int with_indices) {
    if (pk_avg_wide(plan)) return 0; /* averages summed in double: the scalar kernel defines and runs them */
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (isa == PK_ISA_AVX2) return pk_pool_path__avx2(plan, plan->op, with_indices);
    if (isa == PK_ISA_AVX512) return pk_pool_path__avx512(plan, plan->op, with_indices);
#endif
    (void)plan, (void)isa, (void)with_indices;
    return 0;
}

pk_pool_kernel_fn pk_dispatch_path_kernel(int32_t op, int32_t isa, int32_t path) {
    pthread_once(&once, init);
    if (isa < PK_ISA_SCALAR || isa > cpu_isa) return 0;
    if (path == 0) return pk_dispatch_kernel(op, PK_ISA_SCALAR); /* the op's scalar kernel */
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (isa == PK_ISA_AVX2) return pk_pool_path_kernel__avx2(path);
    if (isa == PK_ISA_AVX512) return pk_pool_path_kernel__avx512(path);
#endif
    return 0;
}
