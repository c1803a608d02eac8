/* The AVX-512 level: its dispatch table, chooser and per-op kernels, from variants-avx512.inc (see choose.h). */
#include "../simd/vec-avx512.h"
#define PK_ISA_NAME "avx512"
#define PK_VARIANT_LIST "../pool/variants-avx512.inc"
#define PK_ALONG_BORDERS pk_f32_along_borders__avx512
#include "choose.h"

pk_variant_table pk_variants__avx512(void) { return (pk_variant_table){variants, PK_ROWS}; }

int32_t pk_choose__avx512(const pk_plan* plan, int32_t op, int with_indices) {
    return choose_for_op(plan, op, with_indices);
}

int pk_variant_accepts__avx512(const pk_variant* variant, const pk_plan* plan, int with_indices) {
    return accepts(variant, plan, with_indices);
}

void pk_f32_maxpool__avx512(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    run_chosen(p, PK_OP_MAX, pk_f32_maxpool__scalar, input, output, indices, row_begin, row_end);
}

void pk_f32_minpool__avx512(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    run_chosen(p, PK_OP_MIN, pk_f32_minpool__scalar, input, output, indices, row_begin, row_end);
}

void pk_f32_avgpool__avx512(const pk_plan* p, const float* input, float* output, int64_t* indices, int64_t row_begin,
                            int64_t row_end) {
    run_chosen(p, PK_OP_AVG, pk_f32_avgpool__scalar, input, output, 0, row_begin, row_end);
    (void)indices;
}
