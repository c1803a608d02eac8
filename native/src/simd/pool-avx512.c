/* Max and average pooling, AVX-512F: the SIMD template over 16-lane vectors. Compiled with -mavx512f only. */
#include "vec-avx512.h"
#include "pool-simd.inc"
