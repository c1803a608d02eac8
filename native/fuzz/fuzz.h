/* libFuzzer harnesses of the C entry points: each turns the fuzzer's bytes into a spec, descriptors and
   buffers and calls one entry point. Every buffer is allocated with exactly the capacity the call is told, so
   ASan reports any access outside what the library was given; UBSan any overflow. A status is always fine;
   a crash, a sanitizer report or a hang is a finding. */
#ifndef PK_FUZZ_H
#define PK_FUZZ_H
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

/* Elements a buffer for t should hold: its dense volume (bounded), or a few fewer or more. */
static int64_t take_capacity(bytes* b, const pk_tensor_desc* t) {
    int64_t volume = t->batch * 1 > 0 ? t->batch : 1;
    const int64_t dims[5] = {t->channels, t->spatial[0], t->spatial[1], t->spatial[2], 1};
    for (int i = 0; i < 1 + t->spatial_rank && i < 4; i++) {
        if (dims[i] < 1 || dims[i] > (1 << 16) || volume > (1 << 20)) return take_choice(b, 64);
        volume *= dims[i];
    }
    if (volume > (1 << 20)) return take_choice(b, 64);
    if (t->strides[0] != 0) volume = 4096; /* strided: whatever the strides need, up to this */
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

#endif
