/* Rolling rows at AVX2: channels first, 3x3 stride-1 windows whose outputs have the input's size, each input row
   read once for every output row whose windows hold it; the idea in full opens rolling.h. Defines the kernels of
   the rolling rows of variants-avx2.inc, each an always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#include "rolling.h"

#define PK_DEFINE_rolling(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        (void)indices; \
        planes_rolling(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
