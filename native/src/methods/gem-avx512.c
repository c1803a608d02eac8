/* GeM across channels, AVX-512 (16 lanes); see gem-simd.inc. */
#define PK_MV 16
#define PK_GEMPOOL_KERNEL pk_f32_gempool__avx512
#include "gem-simd.inc"
