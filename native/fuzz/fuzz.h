/* libFuzzer harnesses of the C entry points: each turns the fuzzer's bytes into a spec, descriptors and
   buffers and calls one entry point. Every buffer is allocated with exactly the capacity the call is told, so
   ASan reports any access outside what the library was given; UBSan any overflow. A status is always fine;
   a crash, a sanitizer report or a hang is a finding. */
#ifndef PK_FUZZ_H
#define PK_FUZZ_H
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"

typedef struct bytes {
    const uint8_t* data;
    size_t size;
} bytes;

static uint8_t take(bytes* b) {
    if (b->size == 0) return 0;
    b->size--;
    return *b->data++;
}

/* A value for a size, kernel, stride or padding: mostly small (0 gives 1, so all-zero input is a valid problem),
   sometimes one of the limits' neighbours. */
static int64_t take_value(bytes* b, int64_t small) {
    static const int64_t edges[] = {0,
                                    -1,
                                    INT64_MIN,
                                    INT64_MAX,
                                    PK_MAX_EXTENT,
                                    PK_MAX_EXTENT + 1,
                                    PK_MAX_EXTENT - 1,
                                    (INT64_C(1) << 24) + 1,
                                    (INT64_C(1) << 31) + 5,
                                    (INT64_C(1) << 32) + 3,
                                    INT64_C(1) << 62,
                                    8471693};
    const uint8_t v = take(b);
    if (v >= 0xF0) return edges[(v - 0xF0) % (sizeof edges / sizeof edges[0])];
    return 1 + v % small;
}

static int64_t take_choice(bytes* b, int64_t count) { return take(b) % count; }

/* A padding or offset: take_value less one, so that 0 is common (INT64_MIN stays itself). */
static int64_t take_offset(bytes* b, int64_t small) {
    const int64_t v = take_value(b, small);
    return v == INT64_MIN ? v : v - 1;
}

static void take_spec(bytes* b, pk_pool_spec* s, int64_t rank) {
    memset(s, 0, sizeof *s);
    s->op = take_choice(b, 5) == 4 ? take_offset(b, 6) : take_choice(b, 4);
    s->window = take_choice(b, 3);
    s->spatial_rank = rank;
    for (int i = 0; i < rank; i++) {
        s->kernel[i] = take_value(b, 4);
        s->stride[i] = take_value(b, 3);
        s->dilation[i] = take_value(b, 2);
        s->pad_begin[i] = take_offset(b, 3);
        s->pad_end[i] = take_offset(b, 3);
    }
    s->ceil_mode = take_choice(b, 2);
    s->divisor_mode = take_choice(b, 3);
    s->divisor_override = take_choice(b, 4) == 0 ? take_value(b, 5) : 0;
    s->nan_mode = take_choice(b, 2);
    s->lp_form = take_choice(b, 2);
    static const double ps[] = {1.0, 2.0, 3.5, INFINITY, 0.5, -1.0, NAN};
    s->lp_p = ps[take_choice(b, 7)];
    s->index_format = take_choice(b, 5);
    s->isa = take_choice(b, 4) - 1;
    s->precision = take_choice(b, 3); /* 2: refused for averages */
}

static void take_desc(bytes* b, pk_tensor_desc* t, int64_t rank, int64_t layout) {
    memset(t, 0, sizeof *t);
    t->layout = layout;
    t->spatial_rank = rank;
    t->batch = take_value(b, 2);
    t->channels = take_value(b, 17);
    for (int i = 0; i < rank; i++) t->spatial[i] = take_value(b, 9);
    if (take_choice(b, 4) == 0)
        for (int i = 0; i < 2 + rank; i++) t->strides[i] = take_value(b, 64);
}

/* Elements a strided view reaches (1 + the last element's offset), or 4096 for sizes or strides too large for a
   fuzz buffer, where the library's own checks are what is tested. */
static int64_t strided_extent(const pk_tensor_desc* t) {
    const int64_t sizes[5] = {t->batch, t->channels, t->spatial[0], t->spatial[1], t->spatial[2]};
    int64_t last = 0, step;
    for (int i = 0; i < 2 + t->spatial_rank && i < 5; i++) {
        if (sizes[i] < 1 || sizes[i] > (1 << 16) || t->strides[i] < 1 || t->strides[i] > (1 << 16)) return 4096;
        if (__builtin_mul_overflow(sizes[i] - 1, t->strides[i], &step) || __builtin_add_overflow(last, step, &last))
            return 4096;
    }
    return last < (1 << 20) ? last + 1 : 4096;
}

/* Elements a buffer for t should hold: its dense volume (bounded), or a few fewer or more. */
static int64_t take_capacity(bytes* b, const pk_tensor_desc* t) {
    int64_t volume = t->batch * 1 > 0 ? t->batch : 1;
    const int64_t dims[5] = {t->channels, t->spatial[0], t->spatial[1], t->spatial[2], 1};
    for (int i = 0; i < 1 + t->spatial_rank && i < 4; i++) {
        if (dims[i] < 1 || dims[i] > (1 << 16) || volume > (1 << 20)) return take_choice(b, 64);
        volume *= dims[i];
    }
    if (volume > (1 << 20)) return take_choice(b, 64);
    if (t->strides[0] != 0) volume = strided_extent(t); /* what the strides reach, or 4096 when that is absurd */
    return volume + take_choice(b, 5) - 2;
}

/* A buffer of exactly `count` elements of `size` bytes (at least one byte, so that it is a distinct object),
   filled from the fuzzer's bytes; NULL for a negative count. */
static void* take_buffer(bytes* b, int64_t count, size_t size) {
    if (count < 0) return NULL;
    uint8_t* p = malloc((size_t)count * size + 1);
    for (int64_t i = 0; i < count * (int64_t)size; i++) p[i] = take(b);
    return p;
}

/* A buffer of exactly `count` elements of `size` bytes (at least one byte) that the call writes; NULL for a negative
   count. */
static void* alloc_elements(int64_t count, size_t size) {
    if (count < 0) return NULL;
    uint8_t* p = malloc((size_t)count * size + 1);
    memset(p, 0x7F, (size_t)count * size + 1);
    return p;
}

/* ---- The methods of the literature (PK_OP_SOFT and after) and spatial pyramid pooling ---- */

/* Spatial pyramid pooling has no op code: the library runs it as adaptive max or average pooling per level, each
   level written through a strided view into its place in one output (as the Java PreparedSpp does). */
#define PK_FUZZ_SPP (PK_OP_S3POOL + 1)

/* A float from one byte: mostly a moderate value (a multiple of 1/8 in [-14, 16)), sometimes an extreme one. */
static float take_float(bytes* b) {
    static const float extremes[] = {NAN,    -NAN,    INFINITY, -INFINITY, FLT_MAX, -FLT_MAX, 1e30f,          -1e30f,
                                     88.75f, -104.0f, FLT_MIN,  1e-45f,    -0.0f,   0x1p100f, 0x1.fffffep-1f, 1.0f};
    const uint8_t v = take(b);
    return v >= 0xF0 ? extremes[v - 0xF0] : (float)(v - 112) / 8.0f;
}

/* `count` floats of take_float (NULL for a negative count): input data and gradients. */
static float* take_floats(bytes* b, int64_t count) {
    if (count < 0) return NULL;
    float* p = malloc((size_t)count * sizeof(float) + 1);
    for (int64_t i = 0; i < count; i++) p[i] = take_float(b);
    return p;
}

/* A method's real parameter: one of its usual values, or now and then a limit's neighbour (0, negative, NaN, inf). */
static double take_real(bytes* b, const double* usual, int count) {
    static const double edges[] = {
        0.0,    -0.0,    -1.0,  NAN, INFINITY, -INFINITY,         DBL_MIN,  5e-324,
        1e-300, DBL_MAX, 1e300, 1e9, 0x1p-30,  1.0 + DBL_EPSILON, -DBL_MIN, 1.0 - DBL_EPSILON / 2};
    const uint8_t v = take(b);
    return v >= 0xF0 ? edges[v - 0xF0] : usual[v % count];
}

/* The op of a method target: one of the methods or SPP (returned as PK_FUZZ_SPP, with spec->op max or average and
   adaptive windows), now and then a pooling op or an unknown code. Methods refuse fractional windows, so they come
   rarely; S3Pool's windows (max pooling with kernel = stride, no start padding, s - 1 at the end) are shaped as it
   needs them most of the time. */
static int64_t take_method_op(bytes* b, pk_pool_spec* s) {
    const int64_t choice = take_choice(b, 16);
    const int64_t kind = choice < 14 ? PK_OP_SOFT + choice % 7 : take_offset(b, 12);
    if (kind == PK_FUZZ_SPP) {
        s->op = take_choice(b, 2) ? PK_OP_AVG : PK_OP_MAX;
        s->window = PK_WINDOW_ADAPTIVE;
        return kind;
    }
    s->op = kind;
    s->window = take_choice(b, 16) == 0  ? take_choice(b, 3)
                : take_choice(b, 4) == 0 ? PK_WINDOW_ADAPTIVE
                                         : PK_WINDOW_SLIDING;
    if (s->op == PK_OP_S3POOL && take_choice(b, 8) != 7) {
        s->window = PK_WINDOW_SLIDING;
        for (int i = 0; i < s->spatial_rank; i++) {
            s->kernel[i] = s->stride[i] = take_value(b, 3);
            s->dilation[i] = 1;
            s->pad_begin[i] = 0;
            s->pad_end[i] = s->kernel[i] == INT64_MIN ? 0 : s->kernel[i] - 1;
        }
    }
    return kind;
}

/* Every field of a pk_method_spec: mostly a params mode the op takes, sometimes any code; GeM's p and eps, mixed
   pooling's lambda and probability from their usual values and the edges (0, negative, NaN, inf, out of range). */
static void take_method_spec(bytes* b, pk_method_spec* m, int64_t op) {
    static const int64_t modes[6][4] = {
        {PK_PARAMS_SCALAR},
        {PK_PARAMS_SCALAR, PK_PARAMS_PER_CHANNEL},
        {PK_PARAMS_SCALAR, PK_PARAMS_PER_CHANNEL, PK_PARAMS_OUTPUT_MAP, PK_PARAMS_UNIFORMS},
        {PK_PARAMS_SCALAR, PK_PARAMS_UNIFORMS},
        {PK_PARAMS_INPUT_MAP, PK_PARAMS_CHANNEL_BROADCAST},
        {PK_PARAMS_SCALAR, PK_PARAMS_PICKS}};
    static const int mode_counts[6] = {1, 2, 4, 2, 2, 2};
    static const double ps[] = {3.0, 1.0, 2.0, 4.0, 0.5, 2.5, 6.25, 1e-3, 64.0}; /* 1 to 4: GeM's exact ratios */
    static const double epss[] = {1e-6, 1e-12, 0.5, 3.0, 1e-40};
    static const double lambdas[] = {0.5, 0.0, 1.0, 0.25, -0.5, 1.5, 100.0};
    static const double probabilities[] = {0.5, 0.0, 1.0, 0.25, 0.9};
    memset(m, 0, sizeof *m);
    if (op >= PK_OP_SOFT && op <= PK_OP_S3POOL && take_choice(b, 8) != 7)
        m->params_mode = modes[op - PK_OP_SOFT][take_choice(b, mode_counts[op - PK_OP_SOFT])];
    else m->params_mode = take_offset(b, 9);
    m->p = take_real(b, ps, sizeof ps / sizeof ps[0]);
    m->eps = take_real(b, epss, sizeof epss / sizeof epss[0]);
    m->lambda = take_real(b, lambdas, sizeof lambdas / sizeof lambdas[0]);
    m->probability = take_real(b, probabilities, sizeof probabilities / sizeof probabilities[0]);
}

/* Elements of a tensor's buffer: its dense volume, or what its strides reach; -1 when absurd for a fuzz buffer. */
static int64_t tensor_extent(const pk_tensor_desc* t) {
    if (t->strides[0] != 0) {
        const int64_t extent = strided_extent(t);
        return extent == 4096 ? -1 : extent; /* 4096 also stands for absurd: a few plausible ones are lost */
    }
    int64_t volume = t->batch;
    const int64_t dims[4] = {t->channels, t->spatial[0], t->spatial[1], t->spatial[2]};
    for (int i = 0; i < 1 + t->spatial_rank && i < 4; i++)
        if (volume < 1 || dims[i] < 1 || __builtin_mul_overflow(volume, dims[i], &volume) || volume > (1 << 20))
            return -1;
    return volume;
}

/* Elements the params of a run of method m take (pk_method_run_f32), or -1 for none (or absurd sizes). */
static int64_t method_params_count(const pk_method_spec* m, const pk_tensor_desc* in, const pk_tensor_desc* out) {
    int64_t count = 0, plane = 1;
    switch (m->params_mode) {
    case PK_PARAMS_PER_CHANNEL: return in->channels >= 1 && in->channels <= (1 << 16) ? in->channels : -1;
    case PK_PARAMS_OUTPUT_MAP:
    case PK_PARAMS_UNIFORMS: return tensor_extent(out);
    case PK_PARAMS_INPUT_MAP: return tensor_extent(in);
    case PK_PARAMS_CHANNEL_BROADCAST:
        for (int i = 0; i < in->spatial_rank && i < 3; i++)
            if (in->spatial[i] < 1 || __builtin_mul_overflow(plane, in->spatial[i], &plane) || plane > (1 << 20))
                return -1;
        return in->batch >= 1 && !__builtin_mul_overflow(in->batch, plane, &count) && count <= (1 << 20) ? count : -1;
    case PK_PARAMS_PICKS:
        for (int i = 0; i < out->spatial_rank && i < 3; i++) {
            if (out->spatial[i] < 1 || out->spatial[i] > (1 << 16)) return -1;
            count += out->spatial[i];
        }
        return in->batch >= 1 && in->batch <= (1 << 4) ? in->batch * count : -1;
    default: return -1;
    }
}

/* A count a call is told about, for a buffer allocated with exactly that many elements: mostly the plausible one
   (-1: none, so NULL), sometimes none, a small one, or a few fewer or more. Here and below, byte 0 takes the usual
   path, so that inputs the fuzzer leaves short still make valid calls. */
static int64_t take_count(bytes* b, int64_t plausible) {
    switch (take_choice(b, 16)) {
    case 12: return -1;
    case 13: return take_choice(b, 64);
    case 14: return plausible - 1 - take_choice(b, 2);
    case 15: return plausible + 1 + take_choice(b, 3);
    default: return plausible;
    }
}

/* A capacity for t's buffer: take_count of what its shape and strides need, or a small one when that is absurd. */
static int64_t take_tensor_count(bytes* b, const pk_tensor_desc* t) {
    const int64_t extent = tensor_extent(t);
    return extent < 0 ? take_choice(b, 64) : take_count(b, extent);
}

/* The params of a run (NULL for a negative count), one byte each: values the mode expects (GeM's p > 0, lambdas in
   [0, 1], uniforms in [0, 1), logits of any sign), and now and then an extreme float (take_float's). S3Pool's
   picks follow their rule unless a byte says otherwise: per image, each axis's positions o s + r (r < s) clipped
   to the input, so integral and increasing. */
static float* take_params(bytes* b, int64_t count, const pk_method_spec* m, const pk_pool_spec* s,
                          const pk_tensor_desc* in, const pk_tensor_desc* out) {
    if (count < 0) return NULL;
    static const float ps[] = {1.0f, 2.0f, 3.0f, 4.0f, 0.5f, 2.5f, 7.0f, 1e-3f};
    int64_t per_image = 0;
    for (int i = 0; i < out->spatial_rank && i < 3; i++)
        per_image += out->spatial[i] > 0 && out->spatial[i] <= (1 << 16) ? out->spatial[i] : 0;
    float* p = malloc((size_t)count * sizeof(float) + 1);
    for (int64_t i = 0; i < count; i++) {
        const uint8_t v = take(b);
        if (v >= 0xF8) {
            p[i] = take_float(b);
            continue;
        }
        switch (m->params_mode) {
        case PK_PARAMS_PER_CHANNEL: p[i] = s->op == PK_OP_GEM ? ps[v % 8] : (float)v / 247.0f; break;
        case PK_PARAMS_OUTPUT_MAP: p[i] = (float)v / 247.0f; break;
        case PK_PARAMS_UNIFORMS: p[i] = (float)v / 248.0f; break;
        case PK_PARAMS_PICKS: {
            int64_t o = per_image > 0 ? i % per_image : 0, axis = 0;
            while (axis < out->spatial_rank - 1 && axis < 2 && out->spatial[axis] >= 1
                   && out->spatial[axis] <= (1 << 16) && o >= out->spatial[axis])
                o -= out->spatial[axis++];
            const int64_t size = in->spatial[axis], step = s->kernel[axis];
            if (step < 1 || step > (1 << 16) || size < 1 || o > (1 << 20)) {
                p[i] = (float)v;
                break;
            }
            const int64_t pick = o * step + v % step;
            p[i] = (float)(pick < size ? pick : size - 1);
            break;
        }
        default: p[i] = (float)(v - 124) / 8.0f;
        }
    }
    return p;
}

/* Elements of the parameter gradient of pk_method_backward_f32 (GeM's p, mixed pooling's lambda unless drawn, LIP's
   logits), or -1 for none. */
static int64_t grad_params_count(const pk_method_spec* m, int64_t op, int64_t params_count) {
    if (op == PK_OP_LIP) return params_count;
    if (op != PK_OP_GEM && (op != PK_OP_MIXED || m->params_mode == PK_PARAMS_UNIFORMS)) return -1;
    return m->params_mode == PK_PARAMS_SCALAR ? 1 : params_count;
}

/* Spatial pyramid pooling as the Java PreparedSpp runs it: per level n, adaptive pooling to n bins per axis,
   written through a strided view [N, C, n...] (strides C Σ n^rank, n^rank, ..., 1) at the level's offset in one
   output [N, C Σ n^rank], given as a pointer to that offset with the capacity left to the output's end; backward,
   each level's gradient through the same views. */
static void fuzz_spp(bytes* b, const pk_pool_spec* s, const pk_tensor_desc* in, int backward) {
    const int64_t rank = in->spatial_rank, count = 1 + take_choice(b, 4);
    int64_t levels[4], offsets[4], bins = 0, width = 0, total = 0;
    int fits = in->channels >= 1 && in->batch >= 1;
    for (int l = 0; l < count; l++) {
        levels[l] = take_value(b, 4);
        int64_t per_channel = 1;
        for (int i = 0; i < rank; i++) fits &= !__builtin_mul_overflow(per_channel, levels[l], &per_channel);
        fits &= levels[l] >= 1 && !__builtin_mul_overflow(in->channels, bins, &offsets[l])
                && !__builtin_add_overflow(bins, per_channel, &bins);
    }
    fits = fits && !__builtin_mul_overflow(in->channels, bins, &width)
           && !__builtin_mul_overflow(in->batch, width, &total) && total <= (1 << 20);
    if (!fits) total = take_choice(b, 64); /* the library refuses the views; their offsets are not used */
    const int64_t in_count = take_tensor_count(b, in);
    const int with_indices = s->op == PK_OP_MAX && take_choice(b, 4) != 3;
    float* x = take_floats(b, in_count);
    float* y = alloc_elements(total, sizeof(float));
    int64_t* idx = with_indices ? alloc_elements(total, sizeof(int64_t)) : NULL;
    float* grad_out = backward ? take_floats(b, total) : NULL;
    float* grad_in = backward ? alloc_elements(in_count, sizeof(float)) : NULL;
    const int64_t plan_size = pk_pool_plan_size();
    uint64_t* plan = malloc((size_t)plan_size);
    for (int l = 0; l < count; l++) {
        pk_tensor_desc view = {
            .layout = in->layout, .spatial_rank = rank, .batch = in->batch, .channels = in->channels};
        int64_t stride = 1;
        for (int64_t i = rank - 1; i >= 0; i--) {
            view.spatial[i] = levels[l];
            view.strides[2 + i] = stride;
            if (__builtin_mul_overflow(stride, levels[l], &stride)) stride = INT64_MAX;
        }
        view.strides[1] = stride;
        view.strides[0] = fits ? width : INT64_MAX;
        const int64_t at = fits ? offsets[l] : 0;
        if (pk_pool_prepare(s, in, &view, plan, plan_size) == PK_OK)
            (void)pk_pool_run_f32(plan, plan_size, x, in_count, y + at, total - at, idx ? idx + at : NULL,
                                  idx ? total - at : 0, NULL, 0, 0, pk_pool_rows(s, &view));
        if (backward)
            (void)pk_pool_backward_f32(s, in, x, in_count, &view, y + at, total - at, grad_out + at, total - at,
                                       idx ? idx + at : NULL, idx ? total - at : 0, grad_in, in_count);
    }
    free(plan);
    free(x);
    free(y);
    free(idx);
    free(grad_out);
    free(grad_in);
}

#endif
