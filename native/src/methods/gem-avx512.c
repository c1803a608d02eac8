/* GeM across channels, AVX-512 (8 lanes: the doubles of a register); see gem-simd.inc. */
#define PK_MV 8
#define PK_ISA_LEVEL PK_ISA_AVX512
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx512
#include "gem-simd.inc"
