/* Expanding a variant list into one strategy's kernels. A strategy's translation unit includes its ISA's vec-*.h
   and its strategy header, defines PK_DEFINE_<strategy>(kernel, reduce, indices, propagate, param) to define one
   kernel, then includes this header and the list: the rows of other strategies expand to nothing. */
#ifndef PK_VARIANT_LIST_H
#define PK_VARIANT_LIST_H

#ifndef PK_DEFINE_across
#define PK_DEFINE_across(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_big
#define PK_DEFINE_big(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_along
#define PK_DEFINE_along(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_tiles
#define PK_DEFINE_tiles(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_whole
#define PK_DEFINE_whole(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_planes
#define PK_DEFINE_planes(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_pairs
#define PK_DEFINE_pairs(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_rolling
#define PK_DEFINE_rolling(kernel, reduce, indices, propagate, param)
#endif
#ifndef PK_DEFINE_sweep
#define PK_DEFINE_sweep(kernel, reduce, indices, propagate, param)
#endif

#define PK_VARIANT(strategy, kernel, reduce, indices, propagate, param) \
    PK_DEFINE_##strategy(kernel, reduce, indices, propagate, param)

/* A kernel's signature (pk_pool_kernel_fn); every kernel also has a prototype in variant.h's table. */
#define PK_KERNEL(kernel) \
    void kernel(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin, \
                int64_t row_end)

#endif
