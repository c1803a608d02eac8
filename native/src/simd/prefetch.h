/* Software prefetches for tensors that come from memory. A call whose tensors are larger than the last-level cache
   reads them from memory every time, and the hardware's prefetchers alone fetched S3 (64 MB) at half the read
   probe's rate, in both layouts; a prefetch per cache line a little ahead of the rows a kernel reads in order brings
   that up. In a cache, prefetches only cost (S1 NHWC 52 -> 57 us), so smaller tensors go without. A prefetch is a
   hint: past the end of the input it is dropped, never an access, and its address is computed as an integer. */
#ifndef PK_PREFETCH_H
#define PK_PREFETCH_H
#include <stdint.h>

#include "../dispatch/dispatch.h"

/* Whether the call's tensors together exceed 1 / share of the last-level cache. */
static inline int pk_beyond_cache(const pk_plan* p, int64_t share) {
    const int64_t cache = pk_dispatch_last_cache_bytes() / (int64_t)sizeof(float) / share;
    return !(p->in_extent < cache && p->out_extent < cache - p->in_extent);
}

/* Whether the call's tensors together exceed the last-level cache. */
static inline int pk_from_memory(const pk_plan* p) { return pk_beyond_cache(p, 1); }

/* Prefetches the cache lines of `elements` floats from `distance` elements past `at`. */
static inline __attribute__((always_inline)) void pk_prefetch_span(const float* at, int64_t distance,
                                                                   int64_t elements) {
    const uintptr_t first = (uintptr_t)at + (uintptr_t)(distance * (int64_t)sizeof(float));
    for (int64_t j = 0; j < elements; j += 64 / (int64_t)sizeof(float))
        __builtin_prefetch((const void*)(first + (uintptr_t)j * sizeof(float)), 0, 3);
}

#endif
