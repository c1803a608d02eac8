/* Whole planes at AVX-512F, relaxed averages: the whole rows of variants-avx512.inc that whole-avx512.c leaves out.
   In 256-bit vectors: the relaxed sums take plain loads and one transpose per set of planes, and a 16x16 transpose
   costs more shuffles per plane than two 8x8 ones (2048 planes of 7x7, kernel alone on a Zen 5: 4.1 us in 512-bit
   vectors, 3.2 us here). */
#include "../simd/vec-avx2.h"
#include "whole.h"

#define PK_WHOLE_PK_REDUCE_SUM(kernel, reduce_, indices_, propagate_, param_)
#define PK_WHOLE_PK_REDUCE_MAX(kernel, reduce_, indices_, propagate_, param_)
#define PK_WHOLE_PK_REDUCE_MIN(kernel, reduce_, indices_, propagate_, param_)
#define PK_WHOLE_PK_REDUCE_SUM_RELAXED(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_whole_planes(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
        (void)indices; \
    }
#define PK_DEFINE_whole(kernel, reduce_, indices_, propagate_, param_) \
    PK_WHOLE_##reduce_(kernel, reduce_, indices_, propagate_, param_)
#include "variant-list.h"
#include "variants-avx512.inc"
