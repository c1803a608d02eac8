/* Sweeps at AVX2: channels last, sums over windows that cover whole planes, each plane read once in memory order
   with the running sums in the output; the idea in full opens sweep.h. Defines the kernels of the sweep rows of
   variants-avx2.inc, each an always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#include "sweep.h"

#define PK_DEFINE_sweep(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        (void)indices; \
        rows_sweep(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
