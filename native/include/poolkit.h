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

/* Bumped whenever a struct or a signature below changes, or the kernel variants' rows (a plan keeps its row); the Java
   side refuses a mismatched library. */
#define PK_ABI_VERSION 11

#define PK_MAX_SPATIAL_RANK 3

/* The largest size, kernel, stride, dilation, padding, element stride and divisor override the library
   accepts (2^40), and the largest effective kernel plus one; every size derived from them is computed with
   overflow checks. Larger values are refused (PK_ERR_*), never wrapped. */
#define PK_MAX_EXTENT 1099511627776LL

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
#define PK_ERR_INVALID_STRIDES 17
#define PK_ERR_INVALID_INDEX 18
#define PK_ERR_CONFLICTING_INDEX 19
#define PK_ERR_INVALID_SAMPLE 20
#define PK_ERR_INVALID_PLAN 21

/* Memory layouts, for every spatial rank: channels first (NCW, NCHW, NCDHW) or channels last (NWC, NHWC, NDHWC). */
#define PK_LAYOUT_NCHW 0
#define PK_LAYOUT_NHWC 1

/* Pooling operations. Min pooling mirrors max (min(x) = -max(-x): first tap on ties, same NaN modes). */
#define PK_OP_MAX 0
#define PK_OP_AVG 1
#define PK_OP_MIN 2
#define PK_OP_LP 3

/* How windows are placed along each axis.
   SLIDING: output o covers taps o*stride - pad_begin + j*dilation, j = 0..kernel-1.
   ADAPTIVE: output o of O over an input of L covers [floor(o*L/O), ceil((o+1)*L/O)) (PyTorch adaptive
     pooling); kernel, stride, dilation, padding and ceil_mode are ignored and the output sizes are free.
   FRACTIONAL: PyTorch fractional max pooling. Per (n, c) and axis, with a sample u in [0, 1) and
     alpha = (L - kernel) / (O - 1) computed in float: output o < O-1 starts at
     (int)((o + u)*alpha) - (int)(u*alpha) but at most L - kernel (float rounding passes it from 2^23
     elements on), output O-1 at L - kernel; windows are kernel long, no padding,
     stride, dilation and ceil_mode ignored. Samples are given to the forward call in PyTorch's layout (N, C, rank) and order:
     entry 0 drives W and 1 drives H in 1d/2d, but 0 drives D, 1 H and 2 W in 3d. */
#define PK_WINDOW_SLIDING 0
#define PK_WINDOW_ADAPTIVE 1
#define PK_WINDOW_FRACTIONAL 2

/* LP pooling forms, over the taps inside the input.
   ABS (ONNX LpPool): (sum |x|^p)^(1/p); p = +infinity gives max |x|.
   PYTORCH (LPPool1d/2d): s = sum x^p (signed, so negative x with fractional p gives NaN), rescaled by
     kernel volume / taps inside the input, then s^(1/p) (NaN for s < 0 unless 1/p is an integer); no padding
     or dilation (PK_ERR_INVALID_OPTION). */
#define PK_LP_ABS 0
#define PK_LP_PYTORCH 1

/* Index formats for max and min pooling (written by the forward call, read by unpooling and backward).
   Coordinates are logical (the same in both layouts); "plane" is the spatial volume D*H*W.
   PLANE (PyTorch): (d*H + h)*W + w, inside each (n, c).
   FLAT_ROW_MAJOR (ONNX MaxPool, storage_order 0): ((n*C + c)*D + d)*H + h)*W + w.
   FLAT_COLUMN_MAJOR (ONNX storage_order 1): (n*C + c)*plane + the spatial coordinates column-major,
     the first spatial axis fastest: (w*H + h)*D + d for 3d, w*H + h for 2d.
   CHANNELS_LAST (TensorFlow max_pool_with_argmax): ((d*H + h)*W + w)*C + c.
   CHANNELS_LAST_BATCH (include_batch_in_index): that plus n*plane*C. */
#define PK_INDEX_PLANE 0
#define PK_INDEX_FLAT_ROW_MAJOR 1
#define PK_INDEX_FLAT_COLUMN_MAJOR 2
#define PK_INDEX_CHANNELS_LAST 3
#define PK_INDEX_CHANNELS_LAST_BATCH 4

/* Averages over windows of more than this many taps (the kernel volume; for adaptive windows the longest
   bin) add their taps in double, in row-major order, and round the sum to float once before the division:
   float32 sums in order lose about 15% over a 4096x4096 plane. Windows up to this size add in float32 in
   row-major order, which is PyTorch's avg_pool order bit for bit. */
#define PK_AVG_WIDE_TAPS 1024

/* Precision of averages (PK_OP_AVG forward; other ops, and every backward pass, ignore it).
   EXACT: PyTorch's result bit for bit: float32 taps added in row-major order, then one division (or, for
     adaptive averages with an output size above 1, one division per axis); wide windows as PK_AVG_WIDE_TAPS says.
   RELAXED: taps added in float32 in any order (vector partial sums, column sums shared by neighbouring windows),
     then multiplied by r = 1/d rounded to float (d the divisor; for adaptive averages the product of the bin
     lengths); wide windows as EXACT. Bound, for a window whose n >= 1 taps inside the input are finite with
     S = sum |x_i| <= FLT_MAX/2, u = 2^-24, gamma_k = k*u/(1 - k*u) and (n + 2)*u < 1: the result y of either precision satisfies
       |y - (sum x_i)/d| <= gamma_(n+2) * S/d + 2^-148
     (2^-148 covers results below FLT_MIN, where the last operation rounds absolutely). A NaN tap gives NaN in both;
     beyond the bound's conditions (an infinite tap, S > FLT_MAX/2) results may differ, infinities and NaN included. */
#define PK_PRECISION_EXACT 0
#define PK_PRECISION_RELAXED 1

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

/* A tensor: N, C and up to three spatial sizes, outermost first (D, H, W). The layout says which rows a
   call can be split into and how a dense tensor is stored. strides gives element strides for N, C and
   each spatial axis (in the order of spatial[]), all positive; all zero means dense in the layout. An
   output's elements must not overlap. Indices use the output's strides. */
typedef struct pk_tensor_desc {
    int64_t layout;                          /* PK_LAYOUT_* */
    int64_t spatial_rank;                    /* 1, 2 or 3 */
    int64_t batch;                           /* N */
    int64_t channels;                        /* C */
    int64_t spatial[PK_MAX_SPATIAL_RANK];    /* first spatial_rank entries used */
    int64_t strides[2 + PK_MAX_SPATIAL_RANK]; /* N, C, spatial...; all 0: dense */
} pk_tensor_desc;

/* A pooling specification. With PK_WINDOW_SLIDING, per spatial axis the window of output o covers taps
   o*stride - pad_begin + j*dilation, j = 0..kernel-1; taps outside the input are padding. Fields that do
   not apply to the op or window rule are ignored. */
typedef struct pk_pool_spec {
    int64_t op;                              /* PK_OP_* */
    int64_t window;                          /* PK_WINDOW_* */
    int64_t spatial_rank;                    /* 1, 2 or 3 */
    int64_t kernel[PK_MAX_SPATIAL_RANK];     /* >= 1 */
    int64_t stride[PK_MAX_SPATIAL_RANK];     /* >= 1 */
    int64_t dilation[PK_MAX_SPATIAL_RANK];   /* >= 1; 1 is a dense window */
    int64_t pad_begin[PK_MAX_SPATIAL_RANK];  /* 0 <= pad < effective kernel */
    int64_t pad_end[PK_MAX_SPATIAL_RANK];    /* 0 <= pad < effective kernel */
    int64_t ceil_mode;                       /* 0 or 1: output size rounding, with PyTorch's last-window rule */
    int64_t divisor_mode;                    /* PK_DIVISOR_*, average pooling only */
    int64_t divisor_override;                /* > 0 replaces the divisor; 0 means none */
    int64_t nan_mode;                        /* PK_NAN_*, max and min pooling */
    int64_t lp_form;                         /* PK_LP_*, LP pooling only */
    double lp_p;                             /* LP pooling: p > 0, or +infinity with PK_LP_ABS */
    int64_t index_format;                    /* PK_INDEX_* */
    int64_t isa;                             /* PK_ISA_AUTO or a level to force */
    int64_t precision;                       /* PK_PRECISION_*, average pooling only */
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

/* Forward pooling, f32. Capacities are element counts of the given buffers (from each pointer to the
   end of its memory; strided views need the extent of their strides). indices (int64, in spec->index_format)
   is written by max and min pooling when not NULL and must be NULL otherwise. samples (N*C*rank floats in
   [0, 1)) is required by PK_WINDOW_FRACTIONAL and must be NULL otherwise. Computes output rows
   [row_begin, row_end) only, so that disjoint row ranges can run on different threads. */
PK_API int32_t pk_pool_forward_f32(const pk_pool_spec* spec,
                            const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                            const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                            int64_t* indices_data, int64_t indices_capacity,
                            const float* samples, int64_t samples_capacity,
                            int64_t row_begin, int64_t row_end);

/* Prepared plans: a problem validated once by pk_pool_prepare, then run any number of times by pk_pool_run_f32
   without validating the spec again. A plan is plain bytes in the caller's memory (no allocation, no global
   state); it is read-only after prepare, so any number of threads may run it at once. A run still checks its
   buffers, indices, samples and row range, and checks that the plan is intact (a tag and a checksum), so a
   corrupted or foreign plan gives PK_ERR_INVALID_PLAN. Plans hold no pointers; a plan names its kernel by op,
   level and the specialization chosen at prepare, looked up at each run. */

/* Bytes a plan needs; its memory must be aligned to 8 bytes. A run reads no byte of a plan before it knows
   that the given plan_size covers it. */
PK_API int64_t pk_pool_plan_size(void);

/* Validates spec, input and output as pk_pool_check does (PK_ISA_AUTO resolved to a level now) and writes the
   plan into plan[0, pk_pool_plan_size()). plan_capacity is the byte size of plan's memory. When a plan of
   enough capacity is given but the problem is invalid, the plan is left invalid. */
PK_API int32_t pk_pool_prepare(const pk_pool_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output,
                        void* plan, int64_t plan_capacity);

/* Forward pooling, f32, of a prepared plan: as pk_pool_forward_f32 with the plan's spec and descriptors.
   plan_size is the byte size of the plan's memory (at least pk_pool_plan_size()). */
PK_API int32_t pk_pool_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                        float* output_data, int64_t output_capacity,
                        int64_t* indices_data, int64_t indices_capacity,
                        const float* samples, int64_t samples_capacity,
                        int64_t row_begin, int64_t row_end);

/* The kernel a run of a prepared plan takes, without (with_indices = 0) or with indices, as a static string
   "<level>:<strategy>": "avx512:tiles", "avx2:across", "avx512:scalar" (a SIMD level whose variants do not fit
   the problem), "scalar". Strategies: across, big, along, tiles, whole, planes; a kernel of relaxed averages
   (PK_PRECISION_RELAXED) ends in "-relaxed" ("avx512:whole-relaxed", "scalar-relaxed"), and a relaxed average
   without a relaxed variant at its level names the exact kernel it runs. NULL for a plan that
   pk_pool_run_f32 would reject (plan_size as there). For diagnostics; the names may grow with new strategies. */
PK_API const char* pk_pool_plan_path(const void* plan, int64_t plan_size, int32_t with_indices);

/* Output size of max unpooling along one axis when none is given: (input - 1)*stride + kernel
   - pad_begin - pad_end (PyTorch and ONNX); < 1 when it does not fit, -1 on invalid arguments or a size
   above PK_MAX_EXTENT. */
PK_API int64_t pk_unpool_output_size(int64_t input_size, int64_t kernel, int64_t stride, int64_t pad_begin,
                              int64_t pad_end);

/* Max unpooling, f32: output is zeroed, then each input value is written at the position its index names
   (spec->index_format; the plane formats address the value's own (n, c)). spec gives spatial_rank,
   index_format and isa; its other fields are ignored. An index outside the output gives
   PK_ERR_INVALID_INDEX; two values with different bits sent to one position give PK_ERR_CONFLICTING_INDEX
   (equal values, as overlapping max windows produce, are accepted). On error the output is unspecified,
   but nothing outside it is written. */
PK_API int32_t pk_max_unpool_f32(const pk_pool_spec* spec,
                          const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                          const int64_t* indices_data, int64_t indices_capacity,
                          const pk_tensor_desc* output, float* output_data, int64_t output_capacity);

/* Gradient of forward pooling with respect to its input, f32. grad_output is shaped like output,
   grad_input like input and is overwritten. Max, min (all window rules) read indices (as the forward call
   wrote them) and scatter each gradient to its argmax; average and LP distribute over their windows; LP
   also reads the forward input and output (otherwise they may be NULL). Accumulation runs in a fixed order,
   so results are deterministic. */
PK_API int32_t pk_pool_backward_f32(const pk_pool_spec* spec,
                             const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                             const pk_tensor_desc* output, const float* output_data, int64_t output_capacity,
                             const float* grad_output, int64_t grad_output_capacity,
                             const int64_t* indices_data, int64_t indices_capacity,
                             float* grad_input, int64_t grad_input_capacity);

/* Passes of the ranged gradient and unpooling calls below. A whole call (pk_pool_backward_f32,
   pk_max_unpool_f32, pk_roi_backward_f32) runs its passes in this order over everything; a ranged call runs the
   passes it is given over [begin, end) of the call's own loop order. A caller that must keep each call short
   (the JVM's critical downcalls) runs every pass over consecutive ranges, all ranges of one pass in increasing
   order before the next pass: that computes the same bits, and returns the same status, as one whole call.
   A call validates everything it reads, whatever passes ran before it. */
#define PK_PASS_CHECK 1   /* the range's indices checked (an invalid one: PK_ERR_INVALID_INDEX); nothing written */
#define PK_PASS_ZERO 2    /* the range's part of the result zeroed */
#define PK_PASS_SCATTER 4 /* the range's values written, or gradients added, into the result */
#define PK_PASS_VERIFY 8  /* unpooling: the range's targets read back (PK_ERR_CONFLICTING_INDEX) */
#define PK_PASS_ALL 15

/* pk_pool_backward_f32 over the (n, c) planes [plane_begin, plane_end) (plane n * C + c, from 0 to N * C): ZERO
   zeroes grad_input's planes, CHECK checks and SCATTER adds the gradients of the outputs of those planes (an
   index of a flat format may send one to another plane). Not for the methods of the literature
   (PK_ERR_INVALID_OPTION). */
PK_API int32_t pk_pool_backward_range_f32(const pk_pool_spec* spec,
                                   const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                                   const pk_tensor_desc* output, const float* output_data, int64_t output_capacity,
                                   const float* grad_output, int64_t grad_output_capacity,
                                   const int64_t* indices_data, int64_t indices_capacity,
                                   float* grad_input, int64_t grad_input_capacity,
                                   int32_t passes, int64_t plane_begin, int64_t plane_end);

/* pk_max_unpool_f32 over the (n, c) planes [plane_begin, plane_end): CHECK, SCATTER and VERIFY take the input's
   values and indices of those planes, ZERO the output's planes. */
PK_API int32_t pk_max_unpool_range_f32(const pk_pool_spec* spec,
                                const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                                const int64_t* indices_data, int64_t indices_capacity,
                                const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                                int32_t passes, int64_t plane_begin, int64_t plane_end);

/* ---------------------------------------------------------------------------------------------------
   Region pooling (2d): each box (region of interest) of a feature map input [N, C, H, W] pooled to a fixed
   output_height x output_width grid; output [K, C, output_height, output_width] for K boxes, in the input's
   layout. Box coordinates are (x1, y1, x2, y2) in input pixels before spatial_scale.

   PK_ROI_POOL (torchvision roi_pool = ONNX MaxRoiPool): start = round(x1*scale) (half away from zero),
     end = round(x2*scale), size = max(end - start + 1, 1), bin = size / out (float); bin p covers
     [floor(p*bin), ceil((p+1)*bin)) + start, clipped to the map. An empty bin gives 0 with argmax -1; otherwise
     the max by `>` from -FLT_MAX (NaN never chosen), so a bin of NaN or -inf only gives -FLT_MAX and argmax -1.
     The argmax is written in index_format (PK_INDEX_PLANE: h*W + w; the flat formats use the box's image as n);
     -1 stays -1.
   PK_ROI_ALIGN_AVG (torchvision roi_align = ONNX RoiAlign mode avg): start = x1*scale - (aligned ? 0.5 : 0),
     size = x2*scale - offset - start, forced to >= 1 when not aligned; bin = size / out; grid = sampling_ratio
     when > 0, else ceil(size / out) per axis; sample (iy, ix) of bin (ph, pw) at
     y = start_y + ph*bin_h + (iy + 0.5)*bin_h/grid_h (all in float, in this order), bilinear as torchvision
     (a sample with y < -1, y > H, x < -1 or x > W is outside and contributes 0; else clamped to >= 0 and to the
     last row or column); output = sum of the samples / max(grid_h*grid_w, 1).
   PK_ROI_ALIGN_MAX: the max over the samples of their bilinear values (outside samples count as 0; NaN wins;
     first sample on ties); 0 when the grid is empty.
   PK_ROI_ALIGN_MAX_ONNXRUNTIME: ONNX RoiAlign mode max as ONNX Runtime and the ONNX reference compute it: per
     sample the max of the four weighted corner terms w_i*v_i, then the max over samples, with std::max's
     order (max(a, b) = a < b ? b : a); outside samples count as 0.
   Boxes are validated at every call: coordinates must be finite with |coordinate*scale| <= 2^24, and a box's
   image index an integer in [0, N); otherwise PK_ERR_INVALID_BOX. Boxes partly or wholly outside the map and
   boxes with x2 < x1 or y2 < y1 are valid and give the results the formulas above define (zeros where nothing
   of the map is covered). Samples that lie outside the map are skipped without reading anything, so work stays
   bounded by the map's size for any box. */
#define PK_ERR_INVALID_BOX 22

#define PK_ROI_POOL 0
#define PK_ROI_ALIGN_AVG 1
#define PK_ROI_ALIGN_MAX 2
#define PK_ROI_ALIGN_MAX_ONNXRUNTIME 3

/* Boxes [K, 5] (image index as a float, x1, y1, x2, y2), or boxes [K, 4] (x1, y1, x2, y2) with image indices
   [K] (int64) in their own buffer. */
#define PK_ROI_BOXES_WITH_INDEX 0
#define PK_ROI_BOXES_SEPARATE_INDEX 1

#define PK_ROI_MAX_SAMPLING_RATIO 1024

typedef struct pk_roi_spec {
    int64_t op;                              /* PK_ROI_* */
    int64_t box_format;                      /* PK_ROI_BOXES_* */
    int64_t output_height;                   /* >= 1 */
    int64_t output_width;                    /* >= 1 */
    double spatial_scale;                    /* finite, > 0; rounded to float, as torchvision and ONNX Runtime do */
    int64_t sampling_ratio;                  /* RoIAlign: samples per bin and axis, <= PK_ROI_MAX_SAMPLING_RATIO; <= 0: adaptive */
    int64_t aligned;                         /* RoIAlign: 0 = aligned=False / ONNX output_half_pixel, 1 = aligned=True / half_pixel */
    int64_t index_format;                    /* RoIPool argmax: PK_INDEX_* */
    int64_t isa;                             /* PK_ISA_AUTO or a level to force */
} pk_roi_spec;

/* Checks a spec against the input and output descriptors (2d; output batch = K boxes, same channels and layout)
   without running anything. */
PK_API int32_t pk_roi_check(const pk_roi_spec* spec, const pk_tensor_desc* input, const pk_tensor_desc* output);

/* Region pooling forward, f32, for boxes [box_begin, box_end) of the output's K (disjoint ranges may run on
   different threads). boxes holds at least box_end*5 or box_end*4 floats; batch_indices (box_end int64) is read with
   PK_ROI_BOXES_SEPARATE_INDEX and must be NULL otherwise. argmax (int64, the output's shape and strides) is
   written by PK_ROI_POOL when not NULL and must be NULL for the other ops. */
PK_API int32_t pk_roi_forward_f32(const pk_roi_spec* spec,
                           const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                           const float* boxes, int64_t boxes_capacity,
                           const int64_t* batch_indices, int64_t batch_indices_capacity,
                           const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                           int64_t* argmax, int64_t argmax_capacity, int64_t box_begin, int64_t box_end);

/* Gradient of region pooling with respect to its input, f32: grad_input (the input's shape) is zeroed, then every
   box's output gradient is added in box, bin and sample order (deterministic). PK_ROI_POOL reads argmax (as the
   forward wrote it; -1 sends nothing; an index naming another image or channel gives PK_ERR_INVALID_INDEX);
   PK_ROI_ALIGN_AVG spreads each gradient over its samples' four corners by the bilinear weights / count; the max
   modes send it to the winning sample's corners (PK_ROI_ALIGN_MAX) or the winning corner term
   (PK_ROI_ALIGN_MAX_ONNXRUNTIME), found again from input_data, which only they read (NULL otherwise). */
PK_API int32_t pk_roi_backward_f32(const pk_roi_spec* spec,
                            const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                            const float* boxes, int64_t boxes_capacity,
                            const int64_t* batch_indices, int64_t batch_indices_capacity,
                            const pk_tensor_desc* output, const float* grad_output, int64_t grad_output_capacity,
                            const int64_t* argmax, int64_t argmax_capacity,
                            float* grad_input, int64_t grad_input_capacity);

/* pk_roi_backward_f32 over a range: ZERO over the input's (n, c) planes [begin, end) (from 0 to N * C); CHECK
   and SCATTER over the (box, channel) pairs [begin, end), pair k * C + c (from 0 to K * C), the order in which
   gradients are added. VERIFY is not a pass of region pooling (PK_ERR_INVALID_OPTION). */
PK_API int32_t pk_roi_backward_range_f32(const pk_roi_spec* spec,
                                  const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                                  const float* boxes, int64_t boxes_capacity,
                                  const int64_t* batch_indices, int64_t batch_indices_capacity,
                                  const pk_tensor_desc* output, const float* grad_output, int64_t grad_output_capacity,
                                  const int64_t* argmax, int64_t argmax_capacity,
                                  float* grad_input, int64_t grad_input_capacity,
                                  int32_t passes, int64_t begin, int64_t end);

/* ---- Pooling methods of the literature ----------------------------------------------------------------------
   Further PK_OP_* codes for pk_pool_spec.op. Their windows are the usual ones (sliding with every option, or
   adaptive); padding taps never take part: they carry no value and no weight. Parameters beyond pk_pool_spec
   come in a pk_method_spec (pk_method_prepare, pk_method_backward_f32) and, when they vary per channel or per
   element, as the run's params (pk_method_run_f32); ops that need neither also run through pk_pool_*.
   Sums run in double over the taps in row-major window order and round once.

   SOFT (SoftPool, softmax-weighted pooling): m = max x over the window, w_i = e^(x_i - m) / sum e^(x_j - m),
     y = sum w_i x_i. Rules in order: a NaN tap gives NaN; a +inf tap gives +inf; -inf taps weigh 0, and a
     window of only -inf gives -inf; a window without input taps gives 0. Backward: dy/dx_i = w_i (1 + x_i - y)
     (0 for taps of weight 0); a window whose output is NaN or infinite sends NaN to its taps.
   GEM (generalized mean): y = (sum max(x_i, eps)^p / n)^(1/p), n the taps inside the input; p > 0 finite (one,
     or one per channel as params with PK_PARAMS_PER_CHANNEL), eps > 0. NaN propagates (max(NaN, eps) is NaN);
     +inf gives +inf. Computed as s (sum (z_i / s)^p / n)^(1/p), so no power overflows: s = 2^K with
     max z = f 2^K, f in [0.5, 1), for p = 1 to 4 (exact ratios), else s = max z. Backward:
     dy/dx_i = (z_i / y)^(p-1) / n where x_i >= eps (PyTorch's clamp), else 0; with S = sum (z_i / s)^p / n and
     T = sum (z_i / s)^p ln(z_i / s) / (n S): dy/dp = y (T / p - ln S / p^2).
   MIXED: y = lambda max + (1 - lambda) avg; max with the spec's nan_mode and its index (optional indices, in
     the spec's index_format), avg with the spec's divisor rule. lambda: one (PK_PARAMS_SCALAR, any real), per
     channel (PK_PARAMS_PER_CHANNEL), per output (PK_PARAMS_OUTPUT_MAP: gated pooling passes sigmoid(gate)), or
     drawn per output (PK_PARAMS_UNIFORMS: lambda = u < probability ? 1 : 0). Backward: lambda to the max's
     index, (1 - lambda) / divisor to each tap; dy/dlambda = max - avg (not for PK_PARAMS_UNIFORMS).
   STOCHASTIC: a_i = max(x_i, 0), S = sum a_i. Training (PK_PARAMS_UNIFORMS, one u per output): the chosen tap
     is the first in window order with a_1 + ... + a_i > u S, y = x_chosen (optional indices: the chosen tap);
     S = 0 gives y = 0 with the first tap. Inference (PK_PARAMS_SCALAR): y = sum a_i x_i / S, 0 when S = 0.
     Rules in order: a NaN tap gives NaN (max(NaN, 0) is NaN; training chooses the first NaN tap); a +inf tap
     gives +inf (training chooses the first +inf tap); -inf taps weigh 0. Backward: training, the gradient to the chosen tap (recomputed from the same uniforms); inference,
     dy/dx_i = (a_i + [x_i > 0] (x_i - y)) / S; a window whose output is NaN or infinite sends NaN to its taps.
   LIP (local importance pooling): logits l as params, shaped like the input with its strides
     (PK_PARAMS_INPUT_MAP) or [N, 1, spatial...] dense (PK_PARAMS_CHANNEL_BROADCAST); m = max l over the
     window, w_i = e^(l_i - m) / sum e^(l_j - m), y = sum w_i x_i. A NaN or infinite logit maximum gives NaN.
     Backward: dy/dx_i = w_i, dy/dl_i = w_i (x_i - y), into grad_params shaped like the logits.
   S3POOL (stochastic spatial sampling): the spec is max pooling with kernel = stride = s, padding 0 at the start
     and s - 1 at the end (so O = ceil(L / s)), which is inference; max pooling's rules (PyTorch: first tap on
     ties, NaN wins, the last NaN's index). Training (PK_PARAMS_PICKS): output o along an axis takes the stride-1
     max at the picked position P(o) instead of o s, i.e. the window [P(o), P(o) + s) clipped at the input's end;
     the picks are given per image: for each image, the O positions of each spatial axis in turn (outermost
     first), as floats holding integers, strictly increasing within an axis and inside the input. Optional
     indices: the max's. Backward: the gradient to the max's tap. */
#define PK_OP_SOFT 4
#define PK_OP_GEM 5
#define PK_OP_MIXED 6
#define PK_OP_STOCHASTIC 7
#define PK_OP_LIP 8
#define PK_OP_S3POOL 9

/* Where a method's varying parameter comes from (the run's params; element counts in parentheses):
   SCALAR: pk_method_spec alone (none). PER_CHANNEL: one per channel (C). OUTPUT_MAP and UNIFORMS: one per
   output element, with the output's strides (its extent); uniforms lie in [0, 1). INPUT_MAP: one per input
   element, with the input's strides. CHANNEL_BROADCAST: [N, 1, spatial...] dense (N * D * H * W). PICKS: per
   image, the picked positions of each spatial axis (N * the sum of the output sizes). */
#define PK_PARAMS_SCALAR 0
#define PK_PARAMS_PER_CHANNEL 1
#define PK_PARAMS_OUTPUT_MAP 2
#define PK_PARAMS_UNIFORMS 3
#define PK_PARAMS_INPUT_MAP 4
#define PK_PARAMS_CHANNEL_BROADCAST 5
#define PK_PARAMS_PICKS 6

typedef struct pk_method_spec {
    int64_t params_mode;  /* PK_PARAMS_*, as the op allows (see above) */
    double p;             /* GEM with PK_PARAMS_SCALAR: p > 0, finite */
    double eps;           /* GEM: eps > 0, finite */
    double lambda;        /* MIXED with PK_PARAMS_SCALAR: finite */
    double probability;   /* MIXED with PK_PARAMS_UNIFORMS: q in [0, 1] */
} pk_method_spec;

/* pk_pool_prepare for an op of this section, with its parameters. method may be NULL for SOFT. */
PK_API int32_t pk_method_prepare(const pk_pool_spec* spec, const pk_method_spec* method, const pk_tensor_desc* input,
                          const pk_tensor_desc* output, void* plan, int64_t plan_capacity);

/* pk_pool_run_f32 (plan_size as there) with the run's params (NULL with PK_PARAMS_SCALAR). indices (MIXED, STOCHASTIC training) as
   pk_pool_run_f32's. Params are checked (finite; uniforms in [0, 1); p > 0; picks integral, increasing, inside the
   input) before any output is written. */
PK_API int32_t pk_method_run_f32(const void* plan, int64_t plan_size, const float* input_data, int64_t input_capacity,
                          float* output_data, int64_t output_capacity,
                          int64_t* indices_data, int64_t indices_capacity,
                          const float* params, int64_t params_capacity,
                          int64_t row_begin, int64_t row_end);

/* Gradients of an op of this section, from the forward input and params: grad_input (shaped like the input,
   overwritten) and, when not NULL, grad_params (overwritten; GEM: 1 or C values of dp; MIXED: dlambda, 1, C or
   per output with the output's strides; LIP: dlogits shaped as the logits). Accumulation runs in a fixed
   order: channels outermost, then batch, outputs and taps in order. */
PK_API int32_t pk_method_backward_f32(const pk_pool_spec* spec, const pk_method_spec* method,
                               const pk_tensor_desc* input, const float* input_data, int64_t input_capacity,
                               const pk_tensor_desc* output, const float* grad_output, int64_t grad_output_capacity,
                               const float* params, int64_t params_capacity,
                               float* grad_input, int64_t grad_input_capacity,
                               float* grad_params, int64_t grad_params_capacity);

#ifdef __cplusplus
}
#endif

#endif /* POOLKIT_H */
