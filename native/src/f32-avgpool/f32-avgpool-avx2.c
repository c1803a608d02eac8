/* Average pooling, AVX2: the SIMD template over 8-lane vectors. Compiled with -mavx2 -mfma only. */
#include "../simd/vec-avx2.h"
#include "f32-avgpool-simd.inc"
