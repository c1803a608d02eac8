/* Mixed pooling across channels by lanes, AVX2 (4 lanes: the doubles of a register); see mixed-lanes.inc. */
#define PK_MV 4
#define PK_MIXED_LANES_KERNEL pk_f32_mixedpool_lanes__avx2
#include "mixed-lanes.inc"
