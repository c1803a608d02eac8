/* Along the width at AVX2, its border outputs: the outputs whose windows reach past a row's ends, computed across
   channels (gathered) after the along-width kernels computed the rest of their rows; one function for every kind
   of the along rows of variants-avx2.inc, which the three strides of a kind share (see along.h, across.h). A
   file of its own, so that it compiles in parallel with the others. */
#include "../simd/vec-avx2.h"
#include "across.h"

PK_DEFINE_ALONG_BORDERS(pk_f32_along_borders__avx2)
