/* GeM across channels, AVX-512 (8 lanes: the doubles of a register); see gem-simd.inc. Groups of up to 8 vectors
   along the width: their roots are 8 chains to overlap, and the 32 registers hold their sums. Across channels 4:
   a pixel's 8-vector group is a loop too large for the instruction cache, and ran at 550 or 680 us (3x3/2 over
   64x112x112 channels last, on a Zen 5) by where the library's pages lay; 4 runs at 550 wherever they lie. */
#define PK_MV 8
#define PK_GROUP_UNITS 8
#define PK_ACROSS_GROUP_UNITS 4
#define PK_ISA_LEVEL PK_ISA_AVX512
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx512
#include "gem-simd.inc"
