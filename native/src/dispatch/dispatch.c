/* Picks kernels by instruction set. The CPU is probed once; levels the CPU or the OS (XSAVE state)
   does not support are never selected, so the AVX files may hold instructions this CPU lacks. Each SIMD level
   chooses among its variants in choose-<isa>.c. */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include "../pool-window.h"
#include "../pool/variant.h"
#include "../scalar/pool-scalar.h"

void pk_f32_maxpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_minpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_avgpool__avx2(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_maxpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_minpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
void pk_f32_avgpool__avx512(const pk_plan*, const float*, float*, int64_t*, int64_t, int64_t);
#include "../methods/methods.h"

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

/* The largest cache of this core's hierarchy, as one instance of it holds (an EPYC's L3 of one CCX, not the sum
   over the package that sysconf gives): CPUID leaf 4 (Intel) or 0x8000001D (AMD), which share a format. */
static int64_t probe_last_cache(void) {
    unsigned eax, ebx, ecx, edx, top = 0;
    __get_cpuid(0x80000000, &top, &ebx, &ecx, &edx);
    int64_t largest = 0;
    const unsigned leaves[2] = {4, 0x8000001D};
    for (int l = 0; l < 2 && largest == 0; l++) {
        if (leaves[l] > 4 && top < leaves[l]) continue;
        for (unsigned sub = 0; sub < 16; sub++) {
            if (!__get_cpuid_count(leaves[l], sub, &eax, &ebx, &ecx, &edx) || (eax & 31) == 0) break;
            const int64_t bytes =
                (int64_t)((ebx >> 22) + 1) * (((ebx >> 12) & 0x3ff) + 1) * ((ebx & 0xfff) + 1) * ((int64_t)ecx + 1);
            if (bytes > largest) largest = bytes;
        }
    }
    return largest;
}
#else
static int32_t probe_cpu(void) { return PK_ISA_SCALAR; }
static int64_t probe_last_cache(void) { return 0; }
#endif

static int32_t cpu_isa = PK_ISA_SCALAR;
static int32_t default_isa = PK_ISA_SCALAR;
static int64_t last_cache_bytes = PK_DEFAULT_LAST_CACHE_BYTES;

static void init(void) {
    cpu_isa = probe_cpu();
    default_isa = cpu_isa;
    const int64_t cache = probe_last_cache();
    if (cache > 0) last_cache_bytes = cache;
    const char* cap = getenv("POOLKIT_MAX_ISA");
    if (cap) {
        int32_t level = cpu_isa;
        if (strcmp(cap, "scalar") == 0) level = PK_ISA_SCALAR;
        else if (strcmp(cap, "avx2") == 0) level = PK_ISA_AVX2;
        else if (strcmp(cap, "avx512") == 0) level = PK_ISA_AVX512;
        if (level < default_isa) default_isa = level;
    }
}

/* init() exactly once, as pthread_once would, without it: glibc 2.34 moved pthread_once into libc under a
   new symbol version, which older systems (glibc 2.17 to 2.33) lack. Late callers wait for the probe. */
static int once_state; /* 0: not started, 1: running, 2: done */

static void init_once(void) {
    if (__atomic_load_n(&once_state, __ATOMIC_ACQUIRE) == 2) return;
    int expected = 0;
    if (__atomic_compare_exchange_n(&once_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        init();
        __atomic_store_n(&once_state, 2, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&once_state, __ATOMIC_ACQUIRE) != 2) {}
    }
}

int32_t pk_dispatch_cpu_isa(void) {
    init_once();
    return cpu_isa;
}

int32_t pk_dispatch_default_isa(void) {
    init_once();
    return default_isa;
}

int64_t pk_dispatch_last_cache_bytes(void) {
    init_once();
    return __atomic_load_n(&last_cache_bytes, __ATOMIC_RELAXED);
}

void pk_dispatch_set_last_cache_bytes(int64_t bytes) {
    init_once();
    __atomic_store_n(&last_cache_bytes, bytes, __ATOMIC_RELAXED);
}

pk_pool_kernel_fn pk_dispatch_kernel(int32_t op, int32_t isa) {
    init_once();
    if (isa == PK_ISA_AUTO) isa = default_isa;
    if (isa < PK_ISA_SCALAR || isa > cpu_isa) return 0;
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
#define PK_LEVELS(name) \
    { name##__scalar, name##__avx2, name##__avx512 }
#else
#define PK_LEVELS(name) \
    { name##__scalar }
#endif
    static const pk_pool_kernel_fn max_kernels[] = PK_LEVELS(pk_f32_maxpool);
    static const pk_pool_kernel_fn avg_kernels[] = PK_LEVELS(pk_f32_avgpool);
    static const pk_pool_kernel_fn min_kernels[] = PK_LEVELS(pk_f32_minpool);
    static const pk_pool_kernel_fn soft_kernels[] = PK_LEVELS(pk_f32_softpool);
    static const pk_pool_kernel_fn gem_kernels[] = PK_LEVELS(pk_f32_gempool);
    static const pk_pool_kernel_fn mixed_kernels[] = PK_LEVELS(pk_f32_mixedpool);
#undef PK_LEVELS
    const int32_t levels = (int32_t)(sizeof(max_kernels) / sizeof(max_kernels[0]));
    if (isa >= levels) return 0;
    switch (op) {
    case PK_OP_MAX: return max_kernels[isa];
    case PK_OP_AVG: return avg_kernels[isa];
    case PK_OP_MIN: return min_kernels[isa];
    case PK_OP_SOFT: return soft_kernels[isa];
    case PK_OP_GEM: return gem_kernels[isa];
    case PK_OP_MIXED: return mixed_kernels[isa];
    case PK_OP_STOCHASTIC: return pk_f32_stochasticpool__scalar; /* every level: see methods.h */
    case PK_OP_LIP: return pk_f32_lippool__scalar;
    case PK_OP_S3POOL: return pk_f32_s3pool__scalar;
    default: return pk_f32_lppool__scalar; /* every level: see pool-scalar.h */
    }
}

/* The variant table of a SIMD level, or an empty one. */
static pk_variant_table variants_of(int32_t isa) {
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (isa == PK_ISA_AVX2) return pk_variants__avx2();
    if (isa == PK_ISA_AVX512) return pk_variants__avx512();
#endif
    (void)isa;
    return (pk_variant_table){0, 0};
}

/* The methods' SIMD kernels choose by pk_method_along_fit and pk_method_lanes_fit, which their path reports. */
static int32_t method_path(const pk_plan* plan, int32_t isa, int with_indices) {
    if (!with_indices && isa > PK_ISA_SCALAR && pk_mixed_pairs_fit(plan, isa)) return PK_PATH_METHOD_PAIRS;
    if (!with_indices && isa > PK_ISA_SCALAR && pk_method_along_fit(plan, isa)) return PK_PATH_METHOD_ALONG;
    return pk_method_lanes_fit(plan, with_indices, isa) ? PK_PATH_METHOD_ACROSS : 0;
}

int32_t pk_dispatch_path(const pk_plan* plan, int32_t isa, int with_indices) {
    if (plan->op >= PK_OP_SOFT) return method_path(plan, isa, with_indices);
    if (pk_avg_wide(plan)) return 0; /* averages summed in double: the scalar kernel defines and runs them */
#if defined(__x86_64__) && defined(PK_HAVE_X86_KERNELS)
    if (isa == PK_ISA_AVX2) return pk_choose__avx2(plan, plan->op, with_indices);
    if (isa == PK_ISA_AVX512) return pk_choose__avx512(plan, plan->op, with_indices);
#endif
    (void)plan, (void)isa, (void)with_indices;
    return 0;
}

pk_pool_kernel_fn pk_dispatch_path_kernel(int32_t op, int32_t isa, int32_t path) {
    init_once();
    if (isa < PK_ISA_SCALAR || isa > cpu_isa) return 0;
    if (path == 0) return pk_dispatch_kernel(op, PK_ISA_SCALAR); /* the op's scalar kernel */
    /* a method's SIMD kernel, whose choice by pk_method_lanes_fit the path made at prepare time */
    if (path == PK_PATH_METHOD_ACROSS || path == PK_PATH_METHOD_ALONG || path == PK_PATH_METHOD_PAIRS)
        return op >= PK_OP_SOFT && isa > PK_ISA_SCALAR ? pk_dispatch_kernel(op, isa) : 0;
    const pk_variant_table table = variants_of(isa);
    return path >= 1 && path <= table.count ? table.variants[path - 1].kernel : 0;
}

const char* pk_dispatch_path_name(const pk_plan* plan, int32_t isa, int32_t path) {
    static const char* const scalar[] = {"scalar", "avx2:scalar", "avx512:scalar"};
    static const char* const scalar_relaxed[] = {"scalar-relaxed", "avx2:scalar-relaxed", "avx512:scalar-relaxed"};
    if (isa < PK_ISA_SCALAR || isa > PK_ISA_AVX512) return "unknown";
    if (path == 0) return pk_avg_relaxed(plan) ? scalar_relaxed[isa] : scalar[isa];
    if (path == PK_PATH_METHOD_ACROSS)
        return isa == PK_ISA_AVX2 ? "avx2:across" : isa == PK_ISA_AVX512 ? "avx512:across" : "unknown";
    if (path == PK_PATH_METHOD_ALONG)
        return isa == PK_ISA_AVX2 ? "avx2:along" : isa == PK_ISA_AVX512 ? "avx512:along" : "unknown";
    if (path == PK_PATH_METHOD_PAIRS)
        return isa == PK_ISA_AVX2 ? "avx2:pairs" : isa == PK_ISA_AVX512 ? "avx512:pairs" : "unknown";
    const pk_variant_table table = variants_of(isa);
    return path >= 1 && path <= table.count ? table.variants[path - 1].path_name : "unknown";
}
