/* SoftPool across channels, AVX-512 (8 lanes: the doubles of a register); see softpool-simd.inc. */
#define PK_MV 8
#define PK_ISA_LEVEL PK_ISA_AVX512
#define PK_SOFTPOOL_KERNEL pk_f32_softpool__avx512
#include "softpool-simd.inc"
