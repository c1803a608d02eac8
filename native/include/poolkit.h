/*
 * poolkit: CNN pooling kernels with a plain C ABI.
 *
 * The ABI uses fixed-width types only, so the Java bindings generated from this header hold on every
 * 64-bit platform. Every entry point validates its arguments and returns a status; the library never
 * aborts and never touches memory outside the buffers it is given.
 */
#ifndef POOLKIT_H
#define POOLKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; only what is marked PK_API is exported. */
#if defined(__GNUC__) || defined(__clang__)
#define PK_API __attribute__((visibility("default")))
#else
#define PK_API
#endif

/* Bumped whenever a struct or a signature below changes; the Java side refuses a mismatched library. */
#define PK_ABI_VERSION 1

#define PK_MAX_SPATIAL_RANK 3

/* Status codes. */
#define PK_OK 0
#define PK_ERR_NULL_POINTER 1
#define PK_ERR_INVALID_OP 2
#define PK_ERR_INVALID_LAYOUT 3
#define PK_ERR_INVALID_RANK 4
#define PK_ERR_INVALID_SHAPE 5
#define PK_ERR_INVALID_KERNEL 6
#define PK_ERR_INVALID_STRIDE 7
#define PK_ERR_INVALID_DILATION 8
#define PK_ERR_INVALID_PADDING 9
#define PK_ERR_INVALID_OPTION 10
#define PK_ERR_OUTPUT_SHAPE_MISMATCH 11
#define PK_ERR_SIZE_OVERFLOW 12
#define PK_ERR_BUFFER_TOO_SMALL 13
#define PK_ERR_INVALID_RANGE 14
#define PK_ERR_UNSUPPORTED_ISA 15
#define PK_ERR_MISALIGNED 16

/* Memory layouts, for every spatial rank: channels first (NCW, NCHW, NCDHW) or channels last (NWC, NHWC, NDHWC). */
#define PK_LAYOUT_NCHW 0
#define PK_LAYOUT_NHWC 1

/* Pooling operations. */
#define PK_OP_MAX 0
#define PK_OP_AVG 1

/* Average divisor: taps inside the input; taps inside the padded input [-pad_begin, size + pad_end)
   (PyTorch count_include_pad, ONNX); or the whole kernel (oneDNN avg_include_padding). */
#define PK_DIVISOR_EXCLUDE_PADDING 0
#define PK_DIVISOR_INCLUDE_PADDING 1
#define PK_DIVISOR_FULL_KERNEL 2

/* NaN in max pooling: propagate (PyTorch; the index is the last NaN) or ignore (ONNX Runtime, oneDNN). */
#define PK_NAN_PROPAGATE 0
#define PK_NAN_IGNORE 1

/* Instruction-set levels. PK_ISA_AUTO picks the best level the CPU and OS support. */
#define PK_ISA_AUTO -1
#define PK_ISA_SCALAR 0
#define PK_ISA_AVX2 1
#define PK_ISA_AVX512 2

/* A dense tensor: N, C and up to three spatial sizes, outermost first (D, H, W). */
typedef struct pk_tensor_desc {
    int64_t layout;                          /* PK_LAYOUT_* */
    int64_t spatial_rank;                    /* 1, 2 or 3 */
    int64_t batch;                           /* N */
    int64_t channels;                        /* C */
    int64_t spatial[PK_MAX_SPATIAL_RANK];    /* first spatial_rank entries used */
} pk_tensor_desc;

/* A pooling window specification. Per spatial axis: window of output o covers taps
   o*stride - pad_begin + j*dilation, j = 0..kernel-1; taps outside the input are padding. */
typedef struct pk_pool_spec {
    int64_t op;                              /* PK_OP_* */
    int64_t spatial_rank;                    /* 1, 2 or 3 */
    int64_t kernel[PK_MAX_SPATIAL_RANK];     /* >= 1 */
    int64_t stride[PK_MAX_SPATIAL_RANK];     /* >= 1 */
    int64_t dilation[PK_MAX_SPATIAL_RANK];   /* >= 1; 1 is a dense window */
    int64_t pad_begin[PK_MAX_SPATIAL_RANK];  /* 0 <= pad < effective kernel */
    int64_t pad_end[PK_MAX_SPATIAL_RANK];    /* 0 <= pad < effective kernel */
    int64_t ceil_mode;                       /* 0 or 1: output size rounding, with PyTorch's last-window rule */
    int64_t divisor_mode;                    /* PK_DIVISOR_*, average pooling only */
    int64_t divisor_override;                /* > 0 replaces the divisor; 0 means none */
    int64_t nan_mode;                        /* PK_NAN_*, max pooling only */
    int64_t isa;                             /* PK_ISA_AUTO or a level to force */
} pk_pool_spec;

/* Library ABI version; equals PK_ABI_VERSION of the header the library was built from. */
PK_API int32_t pk_abi_version(void);

/* Best instruction-set level this CPU and OS support (PK_ISA_*), detected once at load time. */
PK_API int32_t pk_cpu_isa(void);

/* Level that PK_ISA_AUTO selects: pk_cpu_isa(), capped by the environment variable
   POOLKIT_MAX_ISA=scalar|avx2|avx512 read once at load time. */
PK_API int32_t pk_default_isa(void);

/* A static, human-readable description of a status code. Never NULL. */
PK_API const char* pk_status_string(int32_t status);

/* Output size along one axis, PyTorch/ONNX rule (a ceil-mode window that would start in the end padding
   is dropped). Returns a value < 1 when the window does not fit, or -1 on invalid arguments. */
PK_API int64_t pk_pool_output_size(int64_t input_size, int64_t kernel, int64_t stride, int64_t dilation,
                            int64_t pad_begin, int64_t pad_end, int64_t ceil_mode);

/* Number of output rows a forward call can be split into (see row_begin/row_end below), or a negative
   status on invalid arguments. A row is one output line along the innermost spatial axis: per (n, c, d, h)
   for channels first, per (n, d, h) covering all channels for channels last. */
PK_API int64_t pk_pool_rows(const pk_pool_spec* spec, const pk_tensor_desc* output);

/* Checks a spec against its input and output descriptors without running anything. */
PK_API int32_t pk_pool_check(const pk_pool_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output);

/* Forward pooling, f32. Capacities are element counts of the given buffers. indices (int64, PyTorch
   convention: flat index into the input's spatial volume of that (n, c)) is written by max pooling when
   not NULL and must be NULL for average pooling. Computes output rows [row_begin, row_end) only, so that
   disjoint row ranges can run on different threads. */
PK_API int32_t pk_pool_forward_f32(const pk_pool_spec* spec,
                            const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                            const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                            int64_t* indices_data, int64_t indices_capacity,
                            int64_t row_begin, int64_t row_end);

#ifdef __cplusplus
}
#endif

#endif /* POOLKIT_H */
