/* Max and average pooling, AVX2: the SIMD template over 8-lane vectors. Compiled with -mavx2 -mfma only. */
#include "vec-avx2.h"
#include "pool-simd.inc"
