/* S3Pool (Zhai et al.), scalar: the definition. The plan is max pooling with kernel = stride = s and s - 1 end
   padding, whose window o along an axis is [o s, o s + s) clipped: inference. Training moves each window to the
   picked position of its output, [P(o), P(o) + s) clipped, which is the stride-1 max pool sampled at P(o). */
#include "methods.h"

/* The picks of image n: each real spatial axis's output count of positions in turn, outermost first. */
static inline const float* picks_of(const pk_plan* p, const float* picks, int64_t n, int axis) {
    int64_t per_image = 0, before = 0;
    for (int a = 3 - p->rank; a < 3; a++) {
        if (a == axis) before = per_image;
        per_image += p->axis[a].out;
    }
    return picks + n * per_image + before;
}

/* The windows of output (od, oh, ow) of image n. The row loop gives the inference windows, whose origins are o s. */
static void windows(const pk_plan* p, int64_t n, const pk_window given[3], pk_window w[3]) {
    for (int a = 0; a < 3; a++) {
        w[a] = given[a];
        if (p->params_mode != PK_PARAMS_PICKS || a < 3 - p->rank) continue;
        const int64_t o = given[a].origin / p->axis[a].stride;
        /* the picks were checked before the run, but another thread may have changed them since: a pick outside
           the input counts as 0 here, so that no window leaves the input (the result is then unspecified) */
        float pick = picks_of(p, p->params, n, a)[o];
        if (!(pick >= 0.0f && pick < (float)p->axis[a].in)) pick = 0.0f;
        const int64_t start = (int64_t)pick;
        const int64_t room = p->axis[a].in - start;
        w[a] = (pk_window){start, 0, room < p->axis[a].kernel ? room : p->axis[a].kernel, p->axis[a].kernel};
    }
}

static float s3pool_pixel(const pk_plan* p, const float* in, const pk_window given[3], int64_t n, int64_t c, int64_t o,
                          int64_t* index) {
    (void)c, (void)o;
    pk_window w[3];
    windows(p, n, given, w);
    float y;
    int64_t at;
    pk_extremum_pixel(p, in, w, &y, &at, 0);
    if (index) *index = at;
    return y;
}

void pk_f32_s3pool__scalar(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                           int64_t row_end) {
    pk_window_rows(p, input, output, indices, row_begin, row_end, s3pool_pixel);
}

void pk_s3pool_window_backward(const pk_plan* p, const float* in, const pk_window given[3], int64_t n, float grad,
                               float* grad_in) {
    pk_window w[3];
    windows(p, n, given, w);
    if (pk_window_taps(w) == 0) return;
    float y;
    int64_t at;
    pk_extremum_pixel(p, in, w, &y, &at, 0);
    grad_in[pk_plane_offset(p, at)] += grad;
}

int32_t pk_s3pool_check_picks(const pk_plan* p, const float* picks) {
    for (int64_t n = 0; n < p->batch; n++)
        for (int a = 3 - p->rank; a < 3; a++) {
            const float* axis = picks_of(p, picks, n, a);
            for (int64_t o = 0; o < p->axis[a].out; o++) {
                const float v = axis[o];
                if (!(v >= 0.0f && v < (float)p->axis[a].in) || v != (float)(int64_t)v) return PK_ERR_INVALID_SAMPLE;
                if (o > 0 && !(v > axis[o - 1])) return PK_ERR_INVALID_SAMPLE;
            }
        }
    return PK_OK;
}
