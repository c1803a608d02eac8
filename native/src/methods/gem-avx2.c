/* GeM across channels, AVX2 (4 lanes: the doubles of a register); see gem-simd.inc. */
#define PK_MV 4
#define PK_ISA_LEVEL PK_ISA_AVX2
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx2
#include "gem-simd.inc"
