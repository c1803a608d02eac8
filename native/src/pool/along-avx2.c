/* Along the width at AVX2: channels first, each output row vectorized along its width, border outputs across
   channels; the idea in full opens along.h. Defines the kernels of the along rows of variants-avx2.inc, each an
   always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#define PK_ALONG_BORDERS pk_f32_along_borders__avx2 /* in along-borders-avx2.c */
#include "along.h"

#define PK_DEFINE_along(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_along_width(p, input, output, indices, row_begin, row_end, \
                         (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
