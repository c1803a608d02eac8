/* Mixed pooling across channels by lanes, AVX-512 (8 lanes: the doubles of a register); see mixed-lanes.inc. */
#define PK_MV 8
#define PK_MIXED_LANES_KERNEL pk_f32_mixedpool_lanes__avx512
#include "mixed-lanes.inc"
