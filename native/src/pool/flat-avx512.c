/* Flat planes at AVX-512F: channels first, 3x3 stride-1 windows whose outputs have the input's size, each plane one line
   of vectors; the idea in full opens flat.h. Defines the kernels of the flat rows of variants-avx512.inc, each an
   always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx512.h"
#include "flat.h"

#define PK_DEFINE_flat(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        (void)indices; \
        planes_flat(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx512.inc"
