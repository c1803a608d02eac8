/* Average pooling, scalar: the readable definition every SIMD variant must reproduce exactly. */
#include "f32-avgpool.h"
#include "../pool-window.h"

void pk_f32_avgpool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices,
                            int64_t row_begin, int64_t row_end) {
    (void)indices;
    pk_window_rows(p, input, output, row_begin, row_end, pk_avg_pixel);
}
