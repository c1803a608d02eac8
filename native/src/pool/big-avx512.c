/* Big windows at AVX-512F: channels last, windows too big for tap lists walk their taps, vectors of channels at a
   time; the idea in full opens big.h. Defines the kernels of the big rows of variants-avx512.inc, each an always-
   inline copy of the strategy for its kind. */
#include "../simd/vec-avx512.h"
#include "big.h"

#define PK_DEFINE_big(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_big_windows(p, input, output, indices, row_begin, row_end, \
                         (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx512.inc"
