/* Channels-last tiles at AVX-512F: channels first, short rows of vectors of channels transposed into channels-last
   tiles and back; the idea in full opens tiles.h. Defines the kernels of the tiles rows of variants-avx512.inc,
   each an always-inline copy of the strategy for its kind. */
#include "../simd/vec-avx512.h"
#include "tiles.h"

#define PK_DEFINE_tiles(kernel, reduce_, indices_, propagate_, param_) \
    PK_KERNEL(kernel) { \
        rows_tiled(p, input, output, indices, row_begin, row_end, (pk_kind){reduce_, indices_, propagate_, param_}); \
    }
#include "variant-list.h"
#include "variants-avx512.inc"
