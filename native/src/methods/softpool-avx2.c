/* SoftPool across channels, AVX2 (8 lanes); see softpool-simd.inc. */
#define PK_MV 8
#define PK_SOFTPOOL_KERNEL pk_f32_softpool__avx2
#include "softpool-simd.inc"
