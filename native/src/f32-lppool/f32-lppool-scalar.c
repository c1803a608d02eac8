/* LP pooling, scalar: the definition (pk_lp_pixel) over every output of the rows. */
#include "f32-lppool.h"
#include "../pool-window.h"

/* A NaN result is the canonical quiet NaN (0x7fc00000): powers and roots through libm (C) and the JVM's
   intrinsics (Java) do not keep NaN payloads alike, and so every backend agrees bit for bit. */
static float lp_pixel(const pk_plan* p, const float* in, const pk_window* w) {
    const float r = pk_lp_pixel(p, in, w);
    return isnan(r) ? NAN : r;
}

void pk_f32_lppool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices,
                           int64_t row_begin, int64_t row_end) {
    (void)indices;
    pk_window_rows(p, input, output, row_begin, row_end, lp_pixel);
}
