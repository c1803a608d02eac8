/* The validated plan every kernel runs from: a pooling problem normalized to three spatial axes
   (missing outer axes have size 1), with element strides of both tensors. */
#ifndef PK_POOL_PLAN_H
#define PK_POOL_PLAN_H

#include <stdint.h>
#include "poolkit.h"

typedef struct pk_axis {
    int64_t in;     /* input size */
    int64_t out;    /* output size */
    int64_t kernel; /* adaptive: the longest window */
    int64_t stride;
    int64_t dilation;
    int64_t pad_begin;
    int64_t pad_end;
    int32_t window; /* PK_WINDOW_* */
} pk_axis;

typedef struct pk_plan {
    int32_t op;
    int32_t layout;
    int32_t divisor_mode;
    int32_t nan_mode;
    int32_t lp_form;
    int32_t index_format;
    int32_t dense;     /* both tensors dense in the layout */
    int32_t rank;      /* spatial rank of the problem */
    int32_t precision; /* PK_PRECISION_*: RELAXED only for averages, EXACT for every other op */
    int32_t reserved;  /* zero: keeps lp_p where it was, and every byte of a plan defined */
    double lp_p;
    int64_t divisor_override;
    int64_t batch;
    int64_t channels;
    pk_axis axis[3]; /* d, h, w */
    /* element strides of n, c, d, h, w */
    int64_t in_stride[5];
    int64_t out_stride[5];
    int64_t in_extent; /* elements a buffer must hold: largest offset + 1 */
    int64_t out_extent;
    int64_t plane_size;   /* input d*h*w: range of the PyTorch index */
    int64_t rows;         /* see pk_pool_rows */
    const float* samples; /* fractional windows: (n, c, rank) samples, set by the forward call */
    /* methods of the literature (PK_OP_SOFT and after; see poolkit.h) */
    int32_t params_mode;       /* PK_PARAMS_* */
    int32_t method_given;      /* 1 once pk_method_plan stored a pk_method_spec */
    double method_p;           /* GEM: p with PK_PARAMS_SCALAR */
    double method_eps;         /* GEM: eps */
    double method_lambda;      /* MIXED: lambda with PK_PARAMS_SCALAR */
    double method_probability; /* MIXED: q with PK_PARAMS_UNIFORMS */
    const float* params;       /* the run's params (PK_PARAMS_PER_CHANNEL), set by the run like samples */
} pk_plan;

enum { PK_N = 0, PK_C = 1, PK_D = 2, PK_H = 3, PK_W = 4 };

/* A prepared plan as pk_pool_prepare writes it into caller memory. It holds no pointer (plan.samples is NULL;
   a run sets it on its own copy) and names its kernel by op, level and path (the specialization chosen at
   prepare), looked up in the dispatch tables. Each run checks the tag, the version and the checksum over every
   byte before it, so a corrupted or foreign plan gives a status instead of a kernel call. */
typedef struct pk_prepared_plan {
    uint64_t magic;      /* PK_PLAN_MAGIC */
    int32_t abi_version; /* PK_ABI_VERSION of the library that prepared it */
    int32_t isa;         /* a PK_ISA_* level, never PK_ISA_AUTO */
    pk_plan plan;
    int32_t path[2];      /* pk_dispatch_path at isa, without and with indices */
    uint64_t zero[7];     /* zero: the checked words fill the checksum's eight lanes evenly (api.c asserts it) */
    uint64_t checksum[2]; /* a hash and the plain sum of the 64-bit words before them (api.c) */
} pk_prepared_plan;

#define PK_PLAN_MAGIC UINT64_C(0x4E414C504B50) /* "PKPLAN" in memory order */

/* Validates spec and descriptors and fills plan. Returns PK_OK or an error status. */
int32_t pk_plan_init(pk_plan* plan, const pk_pool_spec* spec, const pk_tensor_desc* input,
                     const pk_tensor_desc* output);

/* Validates one tensor descriptor of the given rank alone and fills sizes, strides and extent of the
   normalized n, c, d, h, w axes. `is_output` also requires that no two elements overlap. */
int32_t pk_plan_tensor(const pk_tensor_desc* t, int64_t rank, int is_output, int64_t size[5], int64_t stride[5],
                       int64_t* extent);

/* A buffer of `capacity` elements must be non-NULL, aligned to its element size and hold `needed` elements. */
static inline int32_t pk_check_buffer(const void* data, int64_t capacity, int64_t needed, uint64_t alignment) {
    if (!data) return PK_ERR_NULL_POINTER;
    if (((uintptr_t)data) % alignment != 0) return PK_ERR_MISALIGNED;
    return capacity < needed ? PK_ERR_BUFFER_TOO_SMALL : PK_OK;
}

/* Reads caller memory exactly once (a volatile load the compiler may neither repeat nor drop), for values the
   caller may change while a call runs and that decide where the library writes or reads: the value is checked
   and used as read, never re-read after its check. */
static inline int64_t pk_read_once(const int64_t* p) { return *(const volatile int64_t*)p; }

/* A forward kernel computes output rows [row_begin, row_end) of a valid plan. */
typedef void (*pk_pool_kernel_fn)(const pk_plan* plan, const float* input, float* output, int64_t* indices,
                                  int64_t row_begin, int64_t row_end);

#endif
