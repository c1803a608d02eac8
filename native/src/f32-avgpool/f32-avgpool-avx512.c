/* Average pooling, AVX-512F: the SIMD template over 16-lane vectors. Compiled with -mavx512f only. */
#include "../simd/vec-avx512.h"
#include "f32-avgpool-simd.inc"
