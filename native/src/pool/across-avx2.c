/* Across channels at AVX2: each output pixel is a run of channels in vectors, over tap lists computed once per
   call; the idea in full opens across.h. Defines the kernels of the across rows of variants-avx2.inc, each an
   always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#include "across.h"

#define PK_DEFINE_across(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_across_channels(p, input, output, indices, row_begin, row_end, 0 /* every output */, \
                             (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
