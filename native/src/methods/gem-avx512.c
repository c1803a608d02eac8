/* GeM across channels, AVX-512 (8 lanes: the doubles of a register); see gem-simd.inc. Groups of up to 8 vectors:
   their roots are 8 chains to overlap, and the 32 registers hold their sums. */
#define PK_MV 8
#define PK_GROUP_UNITS 8
#define PK_ISA_LEVEL PK_ISA_AVX512
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx512
#include "gem-simd.inc"
