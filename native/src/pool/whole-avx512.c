/* Whole planes at AVX-512F: channels first, windows over whole planes read in memory order and transposed, a plane
   per lane; the idea in full opens whole.h. Defines the kernels of the whole rows of variants-avx512.inc, each an
   always-inline copy of the strategy for its kind.
   In 256-bit vectors: the transposes are bound by shuffles, and where 512-bit shuffles issue on one port, 256-bit
   in-lane ones issue on two, which 512-bit instructions anywhere in the loop would close (2048 planes of 7x7,
   kernel alone on a Xeon with AVX-512 FP16: exact 7.5 -> 6.5 us, relaxed 5.7 -> 5.0 us). */
#include "../simd/vec-avx2.h"
#include "whole.h"

#define PK_DEFINE_whole(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_whole_planes(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
        (void)indices; \
    }
#include "variant-list.h"
#include "variants-avx512.inc"
