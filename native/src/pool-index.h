/* The index formats of max and min pooling (PK_INDEX_*): from a position (n, c, plane offset) to an index,
   and back. Forward kernels compute plane offsets (PK_INDEX_PLANE); other formats are derived from them. */
#ifndef PK_POOL_INDEX_H
#define PK_POOL_INDEX_H

#include <stdint.h>
#include "poolkit.h"

/* Sizes of the normalized spatial axes d, h, w and the rank that names them. */
typedef struct pk_index_space {
    int64_t batch;
    int64_t channels;
    int64_t size[3]; /* d, h, w */
    int32_t rank;    /* 1: only w is a real axis; 2: h, w; 3: d, h, w */
    int32_t format;  /* PK_INDEX_* */
} pk_index_space;

static inline int64_t pk_index_plane_size(const pk_index_space* s) { return s->size[0] * s->size[1] * s->size[2]; }

/* Index of the element at plane offset `p` (row-major d, h, w) of (n, c). */
static inline int64_t pk_index_encode(const pk_index_space* s, int64_t n, int64_t c, int64_t p) {
    const int64_t plane = pk_index_plane_size(s);
    switch (s->format) {
    case PK_INDEX_FLAT_ROW_MAJOR: return (n * s->channels + c) * plane + p;
    case PK_INDEX_FLAT_COLUMN_MAJOR: {
        const int64_t w = p % s->size[2], h = p / s->size[2] % s->size[1], d = p / s->size[2] / s->size[1];
        int64_t column; /* the first real spatial axis fastest */
        if (s->rank == 3) column = (w * s->size[1] + h) * s->size[0] + d;
        else if (s->rank == 2) column = w * s->size[1] + h;
        else column = w;
        return (n * s->channels + c) * plane + column;
    }
    case PK_INDEX_CHANNELS_LAST: return p * s->channels + c;
    case PK_INDEX_CHANNELS_LAST_BATCH: return (n * plane + p) * s->channels + c;
    default: return p;
    }
}

/* The position an index names, for a value that came from (n, c): writes (*target_n, *target_c, *p) and
   returns 1, or returns 0 when the index is outside the tensor. */
static inline int pk_index_decode(const pk_index_space* s, int64_t n, int64_t c, int64_t index, int64_t* target_n,
                                  int64_t* target_c, int64_t* p) {
    const int64_t plane = pk_index_plane_size(s);
    if (index < 0) return 0;
    switch (s->format) {
    case PK_INDEX_FLAT_ROW_MAJOR:
    case PK_INDEX_FLAT_COLUMN_MAJOR: {
        if (index / plane >= s->batch * s->channels) return 0;
        *target_n = index / plane / s->channels;
        *target_c = index / plane % s->channels;
        int64_t q = index % plane;
        if (s->format == PK_INDEX_FLAT_COLUMN_MAJOR) {
            int64_t d = 0, h = 0, w;
            if (s->rank == 3) {
                d = q % s->size[0];
                h = q / s->size[0] % s->size[1];
                w = q / s->size[0] / s->size[1];
            } else if (s->rank == 2) {
                h = q % s->size[1];
                w = q / s->size[1];
            } else w = q;
            q = (d * s->size[1] + h) * s->size[2] + w;
        }
        *p = q;
        return 1;
    }
    case PK_INDEX_CHANNELS_LAST:
        if (index / s->channels >= plane) return 0;
        *target_n = n;
        *target_c = index % s->channels;
        *p = index / s->channels;
        return 1;
    case PK_INDEX_CHANNELS_LAST_BATCH:
        if (index / s->channels / plane >= s->batch) return 0;
        *target_n = index / s->channels / plane;
        *target_c = index % s->channels;
        *p = index / s->channels % plane;
        return 1;
    default:
        if (index >= plane) return 0;
        *target_n = n;
        *target_c = c;
        *p = index;
        return 1;
    }
}

#endif
