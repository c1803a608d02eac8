/* SoftPool across channels, AVX-512 (16 lanes); see softpool-simd.inc. */
#define PK_MV 16
#define PK_SOFTPOOL_KERNEL pk_f32_softpool__avx512
#include "softpool-simd.inc"
