/* SoftPool across channels, AVX2 (4 lanes: the doubles of a register); see softpool-simd.inc. */
#define PK_MV 4
#define PK_ISA_LEVEL PK_ISA_AVX2
#define PK_SOFTPOOL_KERNEL pk_f32_softpool__avx2
#include "softpool-simd.inc"
