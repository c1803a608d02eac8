/* Whole planes at AVX-512F: channels first, windows over whole planes read in memory order and transposed, a plane
   per lane; the idea in full opens whole.h. Defines the kernels of the exact whole rows of variants-avx512.inc (the
   relaxed one: whole-relaxed-avx512.c), each an always-inline copy of the strategy for its kind.
   In 512-bit vectors, eight positions of 16 planes at a time (vf_load_columns8): on a Zen 5, 2048 planes of 7x7,
   kernel alone, 4.9 -> 4.1 us against 256-bit vectors. (On a Xeon with AVX-512 FP16, whose 512-bit shuffles issue
   on one port and 256-bit in-lane ones on two, 256-bit vectors were faster: 7.5 -> 6.5 us.) */
#include "../simd/vec-avx512.h"
#include "whole.h"

#define PK_WHOLE_EXACT(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_whole_planes(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
        (void)indices; \
    }
#define PK_WHOLE_PK_REDUCE_SUM PK_WHOLE_EXACT
#define PK_WHOLE_PK_REDUCE_MAX PK_WHOLE_EXACT
#define PK_WHOLE_PK_REDUCE_MIN PK_WHOLE_EXACT
#define PK_WHOLE_PK_REDUCE_SUM_RELAXED(kernel, reduce_, indices_, propagate_, param_)
#define PK_DEFINE_whole(kernel, reduce_, indices_, propagate_, param_) \
    PK_WHOLE_##reduce_(kernel, reduce_, indices_, propagate_, param_)
#include "variant-list.h"
#include "variants-avx512.inc"
