/* Max unpooling: values scattered to the positions their indices name, zero elsewhere. Three passes keep
   the work in O(1) extra memory: validate every index (so that a bad index normally leaves the output
   untouched), scatter, then re-read each target to catch two different values sent to one position.
   Memory safety does not rest on the first pass: the indices belong to the caller, who may change them
   while we run (another thread, or indices aliasing the output), so each pass reads an index once into a
   local and checks that local where it uses it. A ranged call runs some of the passes (PK_PASS_CHECK, ZERO,
   SCATTER, VERIFY) over the (n, c) planes [plane_begin, plane_end): a caller that runs each pass over
   consecutive ranges before the next pass gets the bits and the statuses of one whole call. */
#include <stddef.h>
#include <string.h>

#include "pool-index.h"
#include "pool-plan.h"

int64_t pk_unpool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_begin, int64_t pad_end) {
    if (in < 1 || kernel < 1 || stride < 1 || pad_begin < 0 || pad_end < 0 || in > PK_MAX_EXTENT
        || kernel > PK_MAX_EXTENT || stride > PK_MAX_EXTENT || pad_begin > PK_MAX_EXTENT || pad_end > PK_MAX_EXTENT)
        return -1;
    /* (in - 1) * stride reaches 2^80: computed in 128 bits, and a size past the limit is no size */
    const __int128 out = (__int128)(in - 1) * stride + kernel - pad_begin - pad_end;
    return out > PK_MAX_EXTENT ? -1 : (int64_t)out;
}

/* Element offset of (n, c, plane offset p) through normalized strides. */
static inline int64_t offset_of(const int64_t size[5], const int64_t stride[5], int64_t n, int64_t c, int64_t p) {
    const int64_t w = p % size[PK_W], h = p / size[PK_W] % size[PK_H], d = p / size[PK_W] / size[PK_H];
    return n * stride[PK_N] + c * stride[PK_C] + d * stride[PK_D] + h * stride[PK_H] + w * stride[PK_W];
}

/* The output offset of input element (n, c, p)'s index, or -1 when it names no output position. */
static inline int64_t target_of(const pk_index_space* space, const int64_t out_size[5], const int64_t out_stride[5],
                                int64_t n, int64_t c, int64_t index) {
    int64_t tn, tc, tp;
    if (!pk_index_decode(space, n, c, index, &tn, &tc, &tp)) return -1;
    return offset_of(out_size, out_stride, tn, tc, tp);
}

/* Both entry points: `whole` runs every pass over every plane (the range is ignored). */
static int32_t unpool(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                      int64_t input_capacity, const int64_t* indices_data, int64_t indices_capacity,
                      const pk_tensor_desc* output, float* output_data, int64_t output_capacity, int32_t passes,
                      int64_t plane_begin, int64_t plane_end, int whole) {
    if (!spec || !input || !output) return PK_ERR_NULL_POINTER;
    const pk_pool_spec spec_copy = *spec; /* caller memory, read once (see pk_plan_init) */
    const pk_tensor_desc input_copy = *input, output_copy = *output;
    spec = &spec_copy;
    input = &input_copy;
    output = &output_copy;
    const int64_t rank = spec->spatial_rank;
    if (rank < 1 || rank > PK_MAX_SPATIAL_RANK) return PK_ERR_INVALID_RANK;
    if (spec->index_format < PK_INDEX_PLANE || spec->index_format > PK_INDEX_CHANNELS_LAST_BATCH)
        return PK_ERR_INVALID_OPTION;
    if (spec->isa < PK_ISA_AUTO || spec->isa > PK_ISA_AVX512) return PK_ERR_INVALID_OPTION;
    int64_t in_size[5], in_stride[5], in_extent, out_size[5], out_stride[5], out_extent;
    int32_t status = pk_plan_tensor(input, rank, 0, in_size, in_stride, &in_extent);
    if (status == PK_OK) status = pk_plan_tensor(output, rank, 1, out_size, out_stride, &out_extent);
    if (status != PK_OK) return status;
    if (input->layout != output->layout) return PK_ERR_INVALID_LAYOUT;
    if (in_size[PK_N] != out_size[PK_N] || in_size[PK_C] != out_size[PK_C]) return PK_ERR_INVALID_SHAPE;
    if ((status = pk_check_buffer(input_data, input_capacity, in_extent, sizeof(float))) != PK_OK) return status;
    if ((status = pk_check_buffer(indices_data, indices_capacity, in_extent, sizeof(int64_t))) != PK_OK) return status;
    if ((status = pk_check_buffer(output_data, output_capacity, out_extent, sizeof(float))) != PK_OK) return status;
    if ((passes & ~PK_PASS_ALL) != 0) return PK_ERR_INVALID_OPTION;
    const int64_t planes = in_size[PK_N] * in_size[PK_C]; /* at most the input's element count: no overflow */
    if (whole) plane_end = planes;
    if (plane_begin < 0 || plane_end < plane_begin || plane_end > planes) return PK_ERR_INVALID_RANGE;

    const pk_index_space space = {out_size[PK_N],
                                  out_size[PK_C],
                                  {out_size[PK_D], out_size[PK_H], out_size[PK_W]},
                                  (int32_t)rank,
                                  (int32_t)spec->index_format};
    const int64_t plane = in_size[PK_D] * in_size[PK_H] * in_size[PK_W];
    const int64_t out_plane = out_size[PK_D] * out_size[PK_H] * out_size[PK_W];
#define PK_FOR_EACH_INPUT \
    for (int64_t q = plane_begin; q < plane_end; q++) \
        for (int64_t n = q / in_size[PK_C], c = q % in_size[PK_C], p = 0; p < plane; p++)
    if (passes & PK_PASS_CHECK) {
        PK_FOR_EACH_INPUT {
            if (target_of(&space, out_size, out_stride, n, c, indices_data[offset_of(in_size, in_stride, n, c, p)]) < 0)
                return PK_ERR_INVALID_INDEX;
        }
    }
    if (passes & PK_PASS_ZERO) /* the output's planes of the same (n, c) */
        for (int64_t q = plane_begin; q < plane_end; q++)
            for (int64_t n = q / out_size[PK_C], c = q % out_size[PK_C], p = 0; p < out_plane; p++)
                output_data[offset_of(out_size, out_stride, n, c, p)] = 0.0f;
    /* from here each index is read once and its target checked before use: the first pass proved nothing
       about the values the indices hold now */
    if (passes & PK_PASS_SCATTER) PK_FOR_EACH_INPUT {
            const int64_t at = offset_of(in_size, in_stride, n, c, p);
            const int64_t target = target_of(&space, out_size, out_stride, n, c, pk_read_once(&indices_data[at]));
            if (target < 0) return PK_ERR_INVALID_INDEX;
            output_data[target] = input_data[at];
        }
    if (passes & PK_PASS_VERIFY) PK_FOR_EACH_INPUT {
            const int64_t at = offset_of(in_size, in_stride, n, c, p);
            const int64_t target = target_of(&space, out_size, out_stride, n, c, pk_read_once(&indices_data[at]));
            if (target < 0) return PK_ERR_INVALID_INDEX;
            const float sent = input_data[at], there = output_data[target];
            if (memcmp(&sent, &there, sizeof sent) != 0) return PK_ERR_CONFLICTING_INDEX;
        }
#undef PK_FOR_EACH_INPUT
    return PK_OK;
}

int32_t pk_max_unpool_f32(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                          int64_t input_capacity, const int64_t* indices_data, int64_t indices_capacity,
                          const pk_tensor_desc* output, float* output_data, int64_t output_capacity) {
    return unpool(spec, input, input_data, input_capacity, indices_data, indices_capacity, output, output_data,
                  output_capacity, PK_PASS_ALL, 0, 0, 1);
}

int32_t pk_max_unpool_range_f32(const pk_pool_spec* spec, const pk_tensor_desc* input, const float* input_data,
                                int64_t input_capacity, const int64_t* indices_data, int64_t indices_capacity,
                                const pk_tensor_desc* output, float* output_data, int64_t output_capacity,
                                int32_t passes, int64_t plane_begin, int64_t plane_end) {
    return unpool(spec, input, input_data, input_capacity, indices_data, indices_capacity, output, output_data,
                  output_capacity, passes, plane_begin, plane_end, 0);
}
