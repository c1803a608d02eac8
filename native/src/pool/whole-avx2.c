/* Whole planes at AVX2: channels first, windows over whole planes read in memory order and transposed, a plane per
   lane; the idea in full opens whole.h. Defines the kernels of the whole rows of variants-avx2.inc, each an always-
   inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#include "whole.h"

#define PK_DEFINE_whole(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_whole_planes(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
        (void)indices; \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
