/* C tests of max unpooling and of the backward passes, through the public API only: round trips through
   forward max pooling in every index format, the error contract (statuses, nothing written outside the
   output, nothing written at all for an invalid index), strided views against dense ones, and gradients
   against independent references (scatter-add of indices, the adjoint identity of average pooling,
   central differences for LP). Output buffers carry guard cells. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolkit.h"
#include "check.h"

#define GUARD 16
#define GUARD_VALUE 12345.0f

/* A random 2d problem: N C H W, kernel k, stride s, symmetric padding p <= k/2. */
typedef struct problem {
    pk_pool_spec spec;
    pk_tensor_desc in, out;
    int64_t in_count, out_count;
} problem;

static problem random_problem(int64_t op, int64_t layout) {
    problem pr;
    memset(&pr, 0, sizeof pr);
    pk_pool_spec* s = &pr.spec;
    s->op = op;
    s->spatial_rank = 2;
    s->isa = PK_ISA_AUTO;
    s->lp_p = 2.0;
    pr.in = (pk_tensor_desc){.layout = layout, .spatial_rank = 2, .batch = uniform(1, 2), .channels = uniform(1, 5)};
    pr.out = pr.in;
    for (int i = 0; i < 2; i++) {
        s->kernel[i] = uniform(1, 3);
        s->stride[i] = uniform(1, 3);
        s->dilation[i] = 1;
        s->pad_begin[i] = s->pad_end[i] = uniform(0, s->kernel[i] / 2);
        pr.in.spatial[i] = uniform(s->kernel[i], 9);
        pr.out.spatial[i] =
            pk_pool_output_size(pr.in.spatial[i], s->kernel[i], s->stride[i], 1, s->pad_begin[i], s->pad_end[i], 0);
    }
    pr.in_count = pr.in.batch * pr.in.channels * pr.in.spatial[0] * pr.in.spatial[1];
    pr.out_count = pr.out.batch * pr.out.channels * pr.out.spatial[0] * pr.out.spatial[1];
    return pr;
}

/* Logical (n, c, h, w) of dense offset i in a layout. */
static void coordinates(const pk_tensor_desc* t, int64_t i, int64_t* n, int64_t* c, int64_t* h, int64_t* w) {
    const int64_t H = t->spatial[0], W = t->spatial[1], C = t->channels;
    if (t->layout == PK_LAYOUT_NCHW) {
        *w = i % W;
        *h = i / W % H;
        *c = i / W / H % C;
        *n = i / W / H / C;
    } else {
        *c = i % C;
        *w = i / C % W;
        *h = i / C / W % H;
        *n = i / C / W / H;
    }
}

static int64_t dense_offset(const pk_tensor_desc* t, int64_t n, int64_t c, int64_t h, int64_t w) {
    const int64_t H = t->spatial[0], W = t->spatial[1], C = t->channels;
    return t->layout == PK_LAYOUT_NCHW ? ((n * C + c) * H + h) * W + w : ((n * H + h) * W + w) * C + c;
}

/* The index formats written from the header's formulas, for a position (n, c, h, w) of the pooled input. */
static int64_t encode(int64_t format, const pk_tensor_desc* t, int64_t n, int64_t c, int64_t h, int64_t w) {
    const int64_t H = t->spatial[0], W = t->spatial[1], C = t->channels, plane = H * W;
    switch (format) {
    case PK_INDEX_FLAT_ROW_MAJOR: return (n * C + c) * plane + h * W + w;
    case PK_INDEX_FLAT_COLUMN_MAJOR: return (n * C + c) * plane + w * H + h;
    case PK_INDEX_CHANNELS_LAST: return (h * W + w) * C + c;
    case PK_INDEX_CHANNELS_LAST_BATCH: return ((n * H + h) * W + w) * C + c;
    default: return h * W + w;
    }
}

static int guards_intact(const float* buffer, int64_t count) {
    for (int64_t i = 0; i < GUARD; i++)
        if (buffer[i] != GUARD_VALUE || buffer[GUARD + count + i] != GUARD_VALUE) return 0;
    return 1;
}

static void test_unpool_round_trips(void) {
    for (int round = 0; round < 400; round++) {
        problem pr = random_problem(PK_OP_MAX, uniform(0, 1));
        float* x = malloc(sizeof(float) * pr.in_count);
        float* y = malloc(sizeof(float) * pr.out_count);
        int64_t* plane_index = malloc(sizeof(int64_t) * pr.out_count);
        int64_t* idx = malloc(sizeof(int64_t) * pr.out_count);
        float* back = malloc(sizeof(float) * (pr.in_count + 2 * GUARD));
        for (int64_t i = 0; i < pr.in_count; i++) x[i] = (float)uniform(-8, 8) * 0.5f;
        int32_t status = pk_pool_forward_f32(&pr.spec, &pr.in, x, pr.in_count, &pr.out, y, pr.out_count, plane_index,
                                             pr.out_count, NULL, 0, 0, pk_pool_rows(&pr.spec, &pr.out));
        CHECK(status == PK_OK, "forward %d", status);
        const int64_t format = uniform(PK_INDEX_PLANE, PK_INDEX_CHANNELS_LAST_BATCH);
        for (int64_t i = 0; i < pr.out_count; i++) {
            int64_t n, c, h, w;
            coordinates(&pr.out, i, &n, &c, &h, &w);
            idx[i] = encode(format, &pr.in, n, c, plane_index[i] / pr.in.spatial[1], plane_index[i] % pr.in.spatial[1]);
        }
        pk_pool_spec unpool = {.spatial_rank = 2, .index_format = format, .isa = PK_ISA_AUTO};
        for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) back[i] = GUARD_VALUE;
        status =
            pk_max_unpool_f32(&unpool, &pr.out, y, pr.out_count, idx, pr.out_count, &pr.in, back + GUARD, pr.in_count);
        CHECK(status == PK_OK, "unpool status %d format %lld", status, (long long)format);
        CHECK(guards_intact(back, pr.in_count), "unpool wrote outside its output");
        /* every hit position holds its input value, every other one 0 */
        char* hit = calloc((size_t)pr.in_count, 1);
        for (int64_t i = 0; i < pr.out_count; i++) {
            int64_t n, c, h, w;
            coordinates(&pr.out, i, &n, &c, &h, &w);
            hit[dense_offset(&pr.in, n, c, plane_index[i] / pr.in.spatial[1], plane_index[i] % pr.in.spatial[1])] = 1;
        }
        int same = 1;
        for (int64_t i = 0; i < pr.in_count; i++) same &= back[GUARD + i] == (hit[i] ? x[i] : 0.0f);
        CHECK(same, "unpool round trip, format %lld", (long long)format);

        /* an index one past its range: PK_ERR_INVALID_INDEX before any write */
        const int64_t victim = uniform(0, pr.out_count - 1);
        const int64_t saved = idx[victim];
        const int64_t range = format == PK_INDEX_PLANE           ? pr.in.spatial[0] * pr.in.spatial[1]
                              : format == PK_INDEX_CHANNELS_LAST ? pr.in.spatial[0] * pr.in.spatial[1] * pr.in.channels
                                                                 : pr.in_count;
        idx[victim] = uniform(0, 1) ? range : -1;
        for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) back[i] = GUARD_VALUE;
        status =
            pk_max_unpool_f32(&unpool, &pr.out, y, pr.out_count, idx, pr.out_count, &pr.in, back + GUARD, pr.in_count);
        int untouched = 1;
        for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) untouched &= back[i] == GUARD_VALUE;
        CHECK(status == PK_ERR_INVALID_INDEX && untouched, "invalid index: status %d, untouched %d", status, untouched);
        idx[victim] = saved;

        /* value 1 takes value 0's index and a new value: a conflict exactly when its new position (the same
           as value 0's for flat formats, in its own (n, c) for PLANE, its own n for CHANNELS_LAST) also
           receives another value */
        if (pr.out_count > 1) {
            int64_t n0, c0, n1, c1, h, w;
            coordinates(&pr.out, 0, &n0, &c0, &h, &w);
            coordinates(&pr.out, 1, &n1, &c1, &h, &w);
            const int64_t tn = format == PK_INDEX_PLANE || format == PK_INDEX_CHANNELS_LAST ? n1 : n0;
            const int64_t tc = format == PK_INDEX_PLANE ? c1 : c0;
            const int64_t p0 = plane_index[0], W = pr.in.spatial[1];
            const int64_t moved = dense_offset(&pr.in, tn, tc, p0 / W, p0 % W);
            idx[1] = idx[0];
            y[1] = y[0] + 1.0f;
            int conflict = 0;
            for (int64_t i = 0; i < pr.out_count; i++) {
                int64_t n, c;
                coordinates(&pr.out, i, &n, &c, &h, &w);
                if (i != 1 && dense_offset(&pr.in, n, c, plane_index[i] / W, plane_index[i] % W) == moved)
                    conflict |= y[i] != y[1];
            }
            status = pk_max_unpool_f32(&unpool, &pr.out, y, pr.out_count, idx, pr.out_count, &pr.in, back + GUARD,
                                       pr.in_count);
            CHECK(status == (conflict ? PK_ERR_CONFLICTING_INDEX : PK_OK) && guards_intact(back, pr.in_count),
                  "conflict: status %d, expected conflict %d", status, conflict);
        }
        free(hit);
        free(x);
        free(y);
        free(plane_index);
        free(idx);
        free(back);
    }
}

static void test_unpool_statuses_and_views(void) {
    float values[4] = {1, 2, 3, 4}, out[16], wide[2 * 6 * 4];
    int64_t idx[4] = {0, 3, 9, 15};
    pk_tensor_desc in = {.layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = 1, .spatial = {2, 2}};
    pk_tensor_desc o = {.layout = PK_LAYOUT_NCHW, .spatial_rank = 2, .batch = 1, .channels = 1, .spatial = {4, 4}};
    pk_pool_spec s = {.spatial_rank = 2, .isa = PK_ISA_AUTO};
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &o, out, 16) == PK_OK, "valid");
    CHECK(out[0] == 1 && out[3] == 2 && out[9] == 3 && out[15] == 4 && out[1] == 0, "placed");
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &o, out, 15) == PK_ERR_BUFFER_TOO_SMALL, "small output");
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 3, &o, out, 16) == PK_ERR_BUFFER_TOO_SMALL, "small indices");
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, NULL, 4, &o, out, 16) == PK_ERR_NULL_POINTER, "null indices");
    CHECK(pk_max_unpool_f32(NULL, &in, values, 4, idx, 4, &o, out, 16) == PK_ERR_NULL_POINTER, "null spec");
    s.index_format = 9;
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &o, out, 16) == PK_ERR_INVALID_OPTION, "bad format");
    s.index_format = PK_INDEX_PLANE;
    pk_tensor_desc other = o;
    other.channels = 2;
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &other, out, 32) == PK_ERR_INVALID_SHAPE, "channel mismatch");
    /* duplicates with equal values, as overlapping max windows give, are accepted */
    int64_t same_place[4] = {5, 5, 6, 7};
    float same_values[4] = {2, 2, 3, 4};
    CHECK(pk_max_unpool_f32(&s, &in, same_values, 4, same_place, 4, &o, out, 16) == PK_OK && out[5] == 2,
          "equal duplicates");
    /* a strided output (rows padded to 6, two planes apart by 24) equals the dense one */
    pk_tensor_desc strided = o;
    strided.strides[0] = 48;
    strided.strides[1] = 24;
    strided.strides[2] = 6;
    strided.strides[3] = 1;
    for (int i = 0; i < 48; i++) wide[i] = GUARD_VALUE;
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &strided, wide, 22) == PK_OK, "strided output");
    int same = 1;
    for (int h = 0; h < 4; h++)
        for (int w = 0; w < 6; w++) same &= wide[h * 6 + w] == (w < 4 ? out[h * 4 + w] : GUARD_VALUE);
    (void)same_values;
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &o, out, 16) == PK_OK, "dense again");
    same = 1;
    for (int h = 0; h < 4; h++)
        for (int w = 0; w < 6; w++) same &= wide[h * 6 + w] == (w < 4 ? out[h * 4 + w] : GUARD_VALUE);
    CHECK(same, "strided output equals dense, padding untouched");
    strided.strides[2] = 2; /* rows overlap */
    CHECK(pk_max_unpool_f32(&s, &in, values, 4, idx, 4, &strided, wide, 48) == PK_ERR_INVALID_STRIDES, "overlap");
    CHECK(pk_unpool_output_size(3, 2, 2, 0, 0) == 6 && pk_unpool_output_size(4, 3, 2, 1, 1) == 7
              && pk_unpool_output_size(0, 2, 2, 0, 0) == -1,
          "default unpooled sizes");
}

static int64_t run_forward(const problem* pr, const float* x, float* y, int64_t* idx) {
    return pk_pool_forward_f32(&pr->spec, &pr->in, x, pr->in_count, &pr->out, y, pr->out_count, idx,
                               idx ? pr->out_count : 0, NULL, 0, 0, pk_pool_rows(&pr->spec, &pr->out));
}

static void test_backward(void) {
    for (int round = 0; round < 600; round++) {
        const int64_t op = (int64_t[]){PK_OP_MAX, PK_OP_MIN, PK_OP_AVG, PK_OP_LP}[round % 4];
        problem pr = random_problem(op, uniform(0, 1));
        if (op == PK_OP_AVG) {
            pr.spec.divisor_mode = uniform(PK_DIVISOR_EXCLUDE_PADDING, PK_DIVISOR_FULL_KERNEL);
            if (uniform(0, 4) == 0) pr.spec.divisor_override = uniform(1, 5);
        }
        if (op == PK_OP_LP) {
            pr.spec.lp_form = uniform(PK_LP_ABS, PK_LP_PYTORCH);
            pr.spec.lp_p = (double[]){1.0, 2.0, 3.0, 1.5}[uniform(0, 3)];
            if (pr.spec.lp_form == PK_LP_PYTORCH) { /* LPPool has no padding */
                for (int i = 0; i < 2; i++) {
                    pr.spec.pad_begin[i] = pr.spec.pad_end[i] = 0;
                    pr.out.spatial[i] =
                        pk_pool_output_size(pr.in.spatial[i], pr.spec.kernel[i], pr.spec.stride[i], 1, 0, 0, 0);
                }
                pr.out_count = pr.out.batch * pr.out.channels * pr.out.spatial[0] * pr.out.spatial[1];
            }
        }
        float* x = malloc(sizeof(float) * pr.in_count);
        float* y = malloc(sizeof(float) * pr.out_count);
        float* g = malloc(sizeof(float) * pr.out_count);
        int64_t* idx = malloc(sizeof(int64_t) * pr.out_count);
        float* grad = malloc(sizeof(float) * (pr.in_count + 2 * GUARD));
        for (int64_t i = 0; i < pr.in_count; i++)
            x[i] = op == PK_OP_LP ? (float)uniform(2, 16) * 0.25f : (float)uniform(-8, 8) * 0.5f;
        for (int64_t i = 0; i < pr.out_count; i++) g[i] = (float)uniform(-4, 4) * 0.25f;
        const int extremum = op == PK_OP_MAX || op == PK_OP_MIN;
        CHECK(run_forward(&pr, x, y, extremum ? idx : NULL) == PK_OK, "forward");
        for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) grad[i] = GUARD_VALUE;
        int32_t status =
            pk_pool_backward_f32(&pr.spec, &pr.in, x, pr.in_count, &pr.out, y, pr.out_count, g, pr.out_count,
                                 extremum ? idx : NULL, pr.out_count, grad + GUARD, pr.in_count);
        CHECK(status == PK_OK && guards_intact(grad, pr.in_count), "backward op %lld status %d", (long long)op, status);
        if (extremum) { /* the scatter-add of the indices, in output order */
            float* expected = calloc((size_t)pr.in_count, sizeof(float));
            for (int64_t i = 0; i < pr.out_count; i++) {
                int64_t n, c, h, w;
                coordinates(&pr.out, i, &n, &c, &h, &w);
                (void)h;
                (void)w;
                expected[dense_offset(&pr.in, n, c, idx[i] / pr.in.spatial[1], idx[i] % pr.in.spatial[1])] += g[i];
            }
            int same = 1;
            for (int64_t i = 0; i < pr.in_count; i++) same &= fabsf(expected[i] - grad[GUARD + i]) <= 1e-6f;
            CHECK(same, "max/min backward is the scatter-add of the indices");
            free(expected);
            /* an invalid index: status, and nothing written */
            idx[0] = -5;
            for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) grad[i] = GUARD_VALUE;
            status = pk_pool_backward_f32(&pr.spec, &pr.in, NULL, 0, &pr.out, NULL, 0, g, pr.out_count, idx,
                                          pr.out_count, grad + GUARD, pr.in_count);
            int untouched = 1;
            for (int64_t i = 0; i < pr.in_count + 2 * GUARD; i++) untouched &= grad[i] == GUARD_VALUE;
            CHECK(status == PK_ERR_INVALID_INDEX && untouched, "backward invalid index: %d", status);
            CHECK(pk_pool_backward_f32(&pr.spec, &pr.in, NULL, 0, &pr.out, NULL, 0, g, pr.out_count, NULL, 0,
                                       grad + GUARD, pr.in_count)
                      == PK_ERR_NULL_POINTER,
                  "backward without indices");
        } else if (op == PK_OP_AVG) { /* linear: the backward is the adjoint, <g, avg(x)> = <avg'(g), x> */
            double left = 0, right = 0;
            for (int64_t i = 0; i < pr.out_count; i++) left += (double)g[i] * y[i];
            for (int64_t i = 0; i < pr.in_count; i++) right += (double)grad[GUARD + i] * x[i];
            CHECK(fabs(left - right) <= 1e-4 * (1 + fabs(left)), "average adjoint %g vs %g", left, right);
        } else { /* central differences of the forward */
            float* yp = malloc(sizeof(float) * pr.out_count);
            float* ym = malloc(sizeof(float) * pr.out_count);
            int close = 1;
            for (int64_t i = 0; i < pr.in_count && close; i++) {
                const float h = 1.0f / 64, saved = x[i];
                x[i] = saved + h;
                run_forward(&pr, x, yp, NULL);
                x[i] = saved - h;
                run_forward(&pr, x, ym, NULL);
                x[i] = saved;
                double numeric = 0;
                for (int64_t o = 0; o < pr.out_count; o++) numeric += g[o] * ((double)yp[o] - ym[o]) / (2 * h);
                close = fabs(numeric - grad[GUARD + i]) <= 2e-2 * (1 + fabs(numeric));
                if (!close)
                    fprintf(stderr, "LP input %lld: numeric %g analytic %g\n", (long long)i, numeric, grad[GUARD + i]);
            }
            CHECK(close, "LP backward matches central differences (form %lld, p %g)", (long long)pr.spec.lp_form,
                  pr.spec.lp_p);
            CHECK(pk_pool_backward_f32(&pr.spec, &pr.in, NULL, 0, &pr.out, y, pr.out_count, g, pr.out_count, NULL, 0,
                                       grad + GUARD, pr.in_count)
                      == PK_ERR_NULL_POINTER,
                  "LP backward without input");
            free(yp);
            free(ym);
        }
        CHECK(pk_pool_backward_f32(&pr.spec, &pr.in, x, pr.in_count, &pr.out, y, pr.out_count, g, pr.out_count - 1, idx,
                                   pr.out_count, grad + GUARD, pr.in_count)
                  == PK_ERR_BUFFER_TOO_SMALL,
              "short grad_output");
        free(x);
        free(y);
        free(g);
        free(idx);
        free(grad);
    }
}

int main(void) {
    rng_state = 42;
    test_unpool_round_trips();
    test_unpool_statuses_and_views();
    test_backward();
    printf("family_test: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
