/* Pairs along the width at AVX2: channels first, windows two wide with stride two along w, each output row in
   vectors along its width; the idea in full opens pairs.h. Defines the kernels of the pairs rows of
   variants-avx2.inc, each an always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx2.h"
#include "pairs.h"

#define PK_DEFINE_pairs(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        (void)indices; \
        rows_in_pairs(p, input, output, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx2.inc"
