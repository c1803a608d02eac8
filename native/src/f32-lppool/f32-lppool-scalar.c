/* LP pooling, scalar: the definition (pk_lp_pixel) over every output of the rows. */
#include "f32-lppool.h"
#include "../pool-window.h"

void pk_f32_lppool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices,
                           int64_t row_begin, int64_t row_end) {
    (void)indices;
    const int64_t channels_per_row = p->layout == PK_LAYOUT_NCHW ? 1 : p->channels;
    int64_t n, c0, od, oh;
    pk_row_coordinates(p, row_begin, &n, &c0, &od, &oh);
    for (int64_t row = row_begin; row < row_end; row++, pk_row_next(p, &n, &c0, &od, &oh)) {
        pk_window w[3];
        w[0] = pk_window_of(&p->axis[0], od);
        w[1] = pk_window_of(&p->axis[1], oh);
        for (int64_t ow = 0; ow < p->axis[2].out; ow++) {
            w[2] = pk_window_of(&p->axis[2], ow);
            for (int64_t c = c0; c < c0 + channels_per_row; c++) {
                const float* in = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
                output[n * p->out_stride[PK_N] + c * p->out_stride[PK_C] + od * p->out_stride[PK_D]
                       + oh * p->out_stride[PK_H] + ow * p->out_stride[PK_W]] = pk_lp_pixel(p, in, w);
            }
        }
    }
}
