/* Mixed pooling across channels, AVX-512 (16 lanes); see mixed-simd.inc. */
#define PK_MV 16
#define PK_ISA_LEVEL PK_ISA_AVX512
#define PK_MIXED_KERNEL pk_f32_mixedpool__avx512
#define PK_MIXED_LANES_KERNEL pk_f32_mixedpool_lanes__avx512
#include "mixed-simd.inc"
