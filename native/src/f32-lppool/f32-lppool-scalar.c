/* LP pooling, scalar: the definition (pk_lp_pixel) over every output of the rows. */
#include "f32-lppool.h"
#include "../pool-window.h"

void pk_f32_lppool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices,
                           int64_t row_begin, int64_t row_end) {
    (void)indices;
    pk_window_rows(p, input, output, row_begin, row_end, pk_lp_pixel);
}
