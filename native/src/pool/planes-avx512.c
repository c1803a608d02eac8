/* Small planes in registers at AVX-512F: channels first, groups of small planes loaded whole into registers, each
   tap a lookup; the idea in full opens planes.h. Defines the kernels of the planes rows of variants-avx512.inc,
   each an always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx512.h"
#include "planes.h"

#define PK_DEFINE_planes(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_planes_in_registers(p, input, output, indices, row_begin, row_end, \
                                 (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx512.inc"
