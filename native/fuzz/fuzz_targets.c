/* The harnesses, one per entry point, chosen at compile time with -DPK_FUZZ_TARGET=<name> (see run.sh). */
#include "fuzz.h"

#define PK_FUZZ_sizes 1
#define PK_FUZZ_forward 2
#define PK_FUZZ_plan 3
#define PK_FUZZ_unpool 4
#define PK_FUZZ_backward 5
#define PK_FUZZ_method 6
#define PK_FUZZ_method_backward 7
#define PK_FUZZ_JOIN(a, b) a##b
#define PK_FUZZ_ID(name) PK_FUZZ_JOIN(PK_FUZZ_, name)
#define PK_FUZZ_METHODS \
    (PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_method || PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_method_backward)

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    bytes b = {data, size};
    const int64_t rank = 1 + take_choice(&b, 3), layout = take_choice(&b, 2);
    pk_pool_spec spec;
    pk_tensor_desc in, out;
    take_spec(&b, &spec, rank);
#if PK_FUZZ_METHODS
    const int64_t kind = take_method_op(&b, &spec);
#endif
    take_desc(&b, &in, rank, layout);
    out = in;
    /* the output the spec gives (often valid), or the fuzzer's own */
    for (int i = 0; i < rank; i++) {
        const int64_t o = spec.window == PK_WINDOW_SLIDING
                              ? pk_pool_output_size(in.spatial[i], spec.kernel[i], spec.stride[i], spec.dilation[i],
                                                    spec.pad_begin[i], spec.pad_end[i], spec.ceil_mode)
                              : 1 + take_choice(&b, 4);
        out.spatial[i] = take_choice(&b, 8) == 0 ? take_value(&b, 9) : o;
    }
    if (take_choice(&b, 4) == 0)
        for (int i = 0; i < 2 + rank; i++) out.strides[i] = take_value(&b, 64);
#if PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_sizes
    (void)pk_pool_output_size(take_value(&b, 50), take_value(&b, 5), take_value(&b, 4), take_value(&b, 3),
                              take_offset(&b, 4), take_offset(&b, 4), take_choice(&b, 3));
    (void)pk_unpool_output_size(take_value(&b, 50), take_value(&b, 5), take_value(&b, 4), take_offset(&b, 4),
                                take_offset(&b, 4));
    (void)pk_pool_rows(&spec, &out);
    (void)pk_pool_check(&spec, &in, &out);
    (void)pk_status_string((int32_t)take_choice(&b, 30) - 2);
#elif PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_forward || PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_plan
    const int64_t in_count = take_capacity(&b, &in), out_count = take_capacity(&b, &out);
    const int64_t rows = pk_pool_rows(&spec, &out);
    const int64_t begin = take_choice(&b, 8) == 0 ? take_offset(&b, 4) : 0;
    const int64_t end = take_choice(&b, 8) == 0 ? take_value(&b, 8) : rows;
    const int with_indices = take_choice(&b, 2);
    int64_t sample_count = -1, planes;
    if (take_choice(&b, 2) && !__builtin_mul_overflow(in.batch, in.channels, &planes) && planes > 0 && planes < 4096)
        sample_count = planes * rank + take_choice(&b, 3) - 1;
    float* x = take_buffer(&b, in_count, sizeof(float));
    float* y = take_buffer(&b, out_count, sizeof(float));
    int64_t* idx = with_indices ? take_buffer(&b, out_count, sizeof(int64_t)) : NULL;
    float* samples = sample_count >= 0 && sample_count <= 4096 ? take_buffer(&b, sample_count, sizeof(float)) : NULL;
    if (samples)
        for (int64_t i = 0; i < sample_count; i++)
            samples[i] = take_choice(&b, 16) == 0 ? samples[i] : (float)take(&b) / 256.0f;
#if PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_forward
    (void)pk_pool_forward_f32(&spec, &in, x, in_count, &out, y, out_count, idx, out_count, samples,
                              samples ? sample_count : 0, begin, end);
#else
    const int64_t plan_size = pk_pool_plan_size();
    uint64_t* plan = malloc((size_t)plan_size);
    if (pk_pool_prepare(&spec, &in, &out, plan, plan_size) == PK_OK && take_choice(&b, 4) == 0) {
        const int64_t at = take_offset(&b, plan_size); /* corrupt one byte, sometimes */
        if (at >= 0 && at < plan_size) ((uint8_t*)plan)[at] ^= (uint8_t)(1 + take(&b) % 255);
    }
    (void)pk_pool_run_f32(plan, take_choice(&b, 16) == 0 ? take_value(&b, 64) : plan_size, x, in_count, y, out_count,
                          idx, out_count, samples, samples ? sample_count : 0, begin, end);
    free(plan);
#endif
    free(x);
    free(y);
    free(idx);
    free(samples);
#elif PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_unpool
    /* values and indices shaped like `out`, unpooled into `in`'s shape */
    const int64_t values_count = take_capacity(&b, &out), target_count = take_capacity(&b, &in);
    float* values = take_buffer(&b, values_count, sizeof(float));
    int64_t* idx = take_buffer(&b, values_count, sizeof(int64_t));
    float* target = take_buffer(&b, target_count, sizeof(float));
    if (idx)
        for (int64_t i = 0; i < values_count; i++) idx[i] = take_choice(&b, 4) == 0 ? idx[i] : take(&b) % 64;
    (void)pk_max_unpool_f32(&spec, &out, values, values_count, idx, values_count, &in, target, target_count);
    free(values);
    free(idx);
    free(target);
#elif PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_backward
    const int64_t in_count = take_capacity(&b, &in), out_count = take_capacity(&b, &out);
    float* x = take_buffer(&b, in_count, sizeof(float));
    float* y = take_buffer(&b, out_count, sizeof(float));
    float* grad_out = take_buffer(&b, out_count, sizeof(float));
    int64_t* idx = take_buffer(&b, out_count, sizeof(int64_t));
    float* grad_in = take_buffer(&b, in_count, sizeof(float));
    if (idx)
        for (int64_t i = 0; i < out_count; i++) idx[i] = take_choice(&b, 4) == 0 ? idx[i] : take(&b) % 64;
    (void)pk_pool_backward_f32(&spec, &in, x, in_count, &out, y, out_count, grad_out, out_count, idx, out_count,
                               grad_in, in_count);
    free(x);
    free(y);
    free(grad_out);
    free(idx);
    free(grad_in);
#elif PK_FUZZ_METHODS
    const int backward = PK_FUZZ_ID(PK_FUZZ_TARGET) == PK_FUZZ_method_backward;
    if (kind == PK_FUZZ_SPP) {
        fuzz_spp(&b, &spec, &in, backward);
        return 0;
    }
    pk_method_spec method;
    take_method_spec(&b, &method, spec.op);
    const pk_method_spec* given = take_choice(&b, 16) == 15 ? NULL : &method; /* NULL: SoftPool, S3Pool, inference */
    const int64_t in_count = take_tensor_count(&b, &in), out_count = take_tensor_count(&b, &out);
    const int64_t params_needed = method_params_count(&method, &in, &out), params_count = take_count(&b, params_needed);
    float* x = take_floats(&b, in_count);
    float* params = take_params(&b, params_count, &method, &spec, &in, &out);
    if (!backward) {
        const int64_t rows = pk_pool_rows(&spec, &out);
        const int64_t begin = take_choice(&b, 8) == 0 ? take_offset(&b, 4) : 0;
        const int64_t end = take_choice(&b, 8) == 0 ? take_value(&b, 8) : rows;
        float* y = alloc_elements(out_count, sizeof(float));
        int64_t* idx = take_choice(&b, 2) ? alloc_elements(out_count, sizeof(int64_t)) : NULL;
        const int through_pool = take_choice(&b, 16) == 15; /* ops without parameters also run through pk_pool_* */
        const int64_t plan_size = pk_pool_plan_size();
        uint64_t* plan = malloc((size_t)plan_size);
        const int32_t prepared = through_pool ? pk_pool_prepare(&spec, &in, &out, plan, plan_size)
                                              : pk_method_prepare(&spec, given, &in, &out, plan, plan_size);
        if (prepared == PK_OK && take_choice(&b, 4) == 3) {
            const int64_t at = take_offset(&b, plan_size); /* corrupt one byte, sometimes */
            if (at >= 0 && at < plan_size) ((uint8_t*)plan)[at] ^= (uint8_t)(1 + take(&b) % 255);
        }
        const int64_t run_size = take_choice(&b, 16) == 15 ? take_value(&b, 64) : plan_size;
        if (through_pool)
            (void)pk_pool_run_f32(plan, run_size, x, in_count, y, out_count, idx, out_count, NULL, 0, begin, end);
        else
            (void)pk_method_run_f32(plan, run_size, x, in_count, y, out_count, idx, out_count, params,
                                    params ? params_count : 0, begin, end);
        free(plan);
        free(y);
        free(idx);
    } else {
        const int64_t grad_count = take_count(&b, grad_params_count(&method, spec.op, params_needed));
        float* grad_out = take_floats(&b, out_count);
        float* grad_in = alloc_elements(in_count, sizeof(float));
        float* grad_params = alloc_elements(grad_count, sizeof(float));
        (void)pk_method_backward_f32(&spec, given, &in, x, in_count, &out, grad_out, out_count, params,
                                     params ? params_count : 0, grad_in, in_count, grad_params,
                                     grad_params ? grad_count : 0);
        free(grad_out);
        free(grad_in);
        free(grad_params);
    }
    free(x);
    free(params);
#else
#error "PK_FUZZ_TARGET must be sizes, forward, plan, unpool, backward, method or method_backward"
#endif
    return 0;
}
