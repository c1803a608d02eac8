/* Mixed pooling across channels, AVX2 (8 lanes); see mixed-simd.inc. */
#define PK_MV 8
#define PK_ISA_LEVEL PK_ISA_AVX2
#define PK_MIXED_KERNEL pk_f32_mixedpool__avx2
#define PK_MIXED_LANES_KERNEL pk_f32_mixedpool_lanes__avx2
#include "mixed-simd.inc"
