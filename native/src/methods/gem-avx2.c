/* GeM across channels, AVX2 (8 lanes); see gem-simd.inc. */
#define PK_MV 8
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx2
#include "gem-simd.inc"
