/* Region pooling: every level equals the scalar kernel bit for bit (NaN payloads aside) on random problems, nothing is
   written outside the output (guard cells) or read outside the exact-size buffers (run under ASan by ctest), every
   status of the entry points, huge boxes finish, and the average's backward is the adjoint of its forward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "poolkit.h"

#define GUARD 16
#define SENTINEL 12345.678f

static float frand(void) { return (float)(next_random() >> 40) / (float)(1 << 24); }

typedef struct problem {
    pk_roi_spec spec;
    pk_tensor_desc in, out;
    int64_t n, c, h, w, k;
    float *x, *boxes;
    int64_t* batch;
    int64_t x_count, out_count, box_count;
} problem;

static void random_problem(problem* p, int trial) {
    memset(p, 0, sizeof *p);
    p->spec.op = trial % 4;
    p->spec.box_format = trial / 4 % 2;
    p->spec.output_height = uniform(1, 4);
    p->spec.output_width = uniform(1, 4);
    const double scales[] = {1.0, 0.5, 0.25, 0.0625};
    p->spec.spatial_scale = scales[uniform(0, 3)];
    p->spec.sampling_ratio = p->spec.op == PK_ROI_POOL ? 0 : uniform(-1, 3);
    p->spec.aligned = p->spec.op == PK_ROI_POOL ? 0 : uniform(0, 1);
    p->spec.index_format = p->spec.op == PK_ROI_POOL ? uniform(0, 4) : 0;
    p->spec.isa = PK_ISA_SCALAR;
    p->n = uniform(1, 2);
    p->c = uniform(1, trial % 3 == 0 ? 37 : 5);
    p->h = uniform(1, 12);
    p->w = uniform(1, 12);
    p->k = uniform(1, 9);
    const int64_t layout = uniform(0, 1);
    pk_tensor_desc* d[2] = {&p->in, &p->out};
    for (int i = 0; i < 2; i++) {
        d[i]->layout = layout;
        d[i]->spatial_rank = 2;
        d[i]->channels = p->c;
    }
    p->in.batch = p->n;
    p->in.spatial[0] = p->h;
    p->in.spatial[1] = p->w;
    p->out.batch = p->k;
    p->out.spatial[0] = p->spec.output_height;
    p->out.spatial[1] = p->spec.output_width;
    p->x_count = p->n * p->c * p->h * p->w;
    p->out_count = p->k * p->c * p->spec.output_height * p->spec.output_width;
    p->x = malloc(sizeof(float) * p->x_count); /* exact sizes: ASan sees any read past them */
    for (int64_t i = 0; i < p->x_count; i++) {
        p->x[i] = frand() * 8 - 4;
        if (trial % 5 == 0 && i % 7 == 0) p->x[i] = (float[]){NAN, INFINITY, -INFINITY, -0.0f}[i / 7 % 4];
    }
    const int64_t width = p->spec.box_format == PK_ROI_BOXES_WITH_INDEX ? 5 : 4;
    p->box_count = p->k * width;
    p->boxes = malloc(sizeof(float) * p->box_count);
    p->batch = width == 4 ? malloc(sizeof(int64_t) * p->k) : NULL;
    const float sw = (float)(p->w / p->spec.spatial_scale), sh = (float)(p->h / p->spec.spatial_scale);
    for (int64_t b = 0; b < p->k; b++) {
        float* o = p->boxes + b * width;
        if (width == 5) *o++ = (float)uniform(0, p->n - 1);
        else p->batch[b] = uniform(0, p->n - 1);
        float x1 = (frand() * 1.6f - 0.3f) * sw, y1 = (frand() * 1.6f - 0.3f) * sh;
        float x2 = x1 + (frand() - 0.25f) * sw, y2 = y1 + (frand() - 0.25f) * sh;
        if (b % 5 == 4) { /* far larger than the map: adaptive grids skip what lies outside */
            x1 = -300 * sw;
            y2 = 200 * sh;
        }
        o[0] = x1;
        o[1] = y1;
        o[2] = x2;
        o[3] = y2;
    }
}

static void free_problem(problem* p) {
    free(p->x);
    free(p->boxes);
    free(p->batch);
}

/* Runs at a level into a guarded buffer; returns the status and checks the guards. */
static int32_t run(problem* p, int32_t isa, float* out, int64_t* argmax) {
    pk_roi_spec spec = p->spec;
    spec.isa = isa;
    for (int i = 0; i < GUARD; i++) out[i] = out[GUARD + p->out_count + i] = SENTINEL;
    int32_t status =
        pk_roi_forward_f32(&spec, &p->in, p->x, p->x_count, p->boxes, p->box_count, p->batch, p->batch ? p->k : 0,
                           &p->out, out + GUARD, p->out_count, argmax, argmax ? p->out_count : 0, 0, p->k);
    int intact = 1;
    for (int i = 0; i < GUARD; i++) intact &= out[i] == SENTINEL && out[GUARD + p->out_count + i] == SENTINEL;
    CHECK(intact, "guard cells written");
    return status;
}

static int same(float a, float b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

static void levels_agree(void) {
    const int32_t top = pk_cpu_isa();
    for (int trial = 0; trial < 600; trial++) {
        problem p;
        random_problem(&p, trial);
        float* ref = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
        float* got = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
        int64_t* ref_idx = p.spec.op == PK_ROI_POOL ? malloc(sizeof(int64_t) * p.out_count) : NULL;
        int64_t* got_idx = p.spec.op == PK_ROI_POOL ? malloc(sizeof(int64_t) * p.out_count) : NULL;
        CHECK(run(&p, PK_ISA_SCALAR, ref, ref_idx) == PK_OK, "scalar run, trial %d", trial);
        for (int32_t isa = PK_ISA_AVX2; isa <= top; isa++) {
            CHECK(run(&p, isa, got, got_idx) == PK_OK, "run at level %d", isa);
            int64_t bad = -1;
            for (int64_t i = 0; i < p.out_count && bad < 0; i++)
                if (!same(ref[GUARD + i], got[GUARD + i]) || (ref_idx && ref_idx[i] != got_idx[i])) bad = i;
            CHECK(bad < 0, "trial %d, level %d, op %d: element %lld differs", trial, isa, (int)p.spec.op,
                  (long long)bad);
        }
        free(ref);
        free(got);
        free(ref_idx);
        free(got_idx);
        free_problem(&p);
    }
}

/* <gy, A x> = <A^T gy, x> for the average, which is linear; and backward runs clean (ASan) for every op. */
static void backward(void) {
    for (int trial = 0; trial < 200; trial++) {
        problem p;
        random_problem(&p, trial);
        for (int64_t i = 0; i < p.x_count; i++) p.x[i] = frand() * 2 - 1;
        float* y = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
        int64_t* argmax = p.spec.op == PK_ROI_POOL ? malloc(sizeof(int64_t) * p.out_count) : NULL;
        float* gy = malloc(sizeof(float) * p.out_count);
        float* gx = malloc(sizeof(float) * p.x_count);
        for (int64_t i = 0; i < p.out_count; i++) gy[i] = frand() * 2 - 1;
        CHECK(run(&p, PK_ISA_AUTO, y, argmax) == PK_OK, "forward");
        const int reads_input = p.spec.op == PK_ROI_ALIGN_MAX || p.spec.op == PK_ROI_ALIGN_MAX_ONNXRUNTIME;
        int32_t status = pk_roi_backward_f32(&p.spec, &p.in, reads_input ? p.x : NULL, reads_input ? p.x_count : 0,
                                             p.boxes, p.box_count, p.batch, p.batch ? p.k : 0, &p.out, gy, p.out_count,
                                             argmax, argmax ? p.out_count : 0, gx, p.x_count);
        CHECK(status == PK_OK, "backward, trial %d: status %d", trial, status);
        if (p.spec.op == PK_ROI_ALIGN_AVG) {
            double forward = 0, adjoint = 0;
            for (int64_t i = 0; i < p.out_count; i++) forward += (double)gy[i] * y[GUARD + i];
            for (int64_t i = 0; i < p.x_count; i++) adjoint += (double)gx[i] * p.x[i];
            CHECK(fabs(forward - adjoint) <= 1e-4 * (1 + fabs(forward)), "adjoint, trial %d: %g vs %g", trial, forward,
                  adjoint);
        }
        free(y);
        free(argmax);
        free(gy);
        free(gx);
        free_problem(&p);
    }
}

static void statuses(void) {
    problem p;
    random_problem(&p, 1); /* RoIAlign average */
    float* out = malloc(sizeof(float) * (p.out_count + 2 * GUARD));
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_OK, "valid");
    pk_roi_spec good = p.spec;
    p.spec.op = 4;
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_ERR_INVALID_OP, "op");
    p.spec = good;
    p.spec.sampling_ratio = PK_ROI_MAX_SAMPLING_RATIO + 1;
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_ERR_INVALID_OPTION, "sampling ratio");
    p.spec = good;
    p.spec.spatial_scale = NAN;
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_ERR_INVALID_OPTION, "scale NaN");
    p.spec.spatial_scale = 1e-300; /* zero in float */
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_ERR_INVALID_OPTION, "scale underflows");
    p.spec = good;
    p.spec.output_width++;
    CHECK(run(&p, PK_ISA_SCALAR, out, NULL) == PK_ERR_OUTPUT_SHAPE_MISMATCH, "output size");
    p.spec = good;
    int64_t argmax[1];
    CHECK(pk_roi_forward_f32(&p.spec, &p.in, p.x, p.x_count, p.boxes, p.box_count, p.batch, p.k, &p.out, out,
                             p.out_count, argmax, 1, 0, p.k)
              == PK_ERR_INVALID_OPTION,
          "argmax for RoIAlign");
    CHECK(pk_roi_forward_f32(&p.spec, &p.in, p.x, p.x_count, p.boxes, p.box_count, p.batch, p.k, &p.out, out,
                             p.out_count, NULL, 0, 0, p.k + 1)
              == PK_ERR_INVALID_RANGE,
          "box range");
    CHECK(pk_roi_forward_f32(&p.spec, &p.in, p.x, p.x_count, p.boxes, p.box_count - 1, p.batch, p.k, &p.out, out,
                             p.out_count, NULL, 0, 0, p.k)
              == PK_ERR_BUFFER_TOO_SMALL,
          "boxes capacity");
    CHECK(pk_roi_forward_f32(&p.spec, &p.in, p.x, p.x_count - 1, p.boxes, p.box_count, p.batch, p.k, &p.out, out,
                             p.out_count, NULL, 0, 0, p.k)
              == PK_ERR_BUFFER_TOO_SMALL,
          "input capacity");
    CHECK(pk_roi_forward_f32(NULL, &p.in, p.x, p.x_count, p.boxes, p.box_count, p.batch, p.k, &p.out, out, p.out_count,
                             NULL, 0, 0, p.k)
              == PK_ERR_NULL_POINTER,
          "null spec");
    pk_tensor_desc rank1 = p.in;
    rank1.spatial_rank = 1;
    CHECK(pk_roi_check(&p.spec, &rank1, &p.out) == PK_ERR_INVALID_RANK, "rank");
    /* each kind of bad box, and the output untouched */
    const int64_t width = 5;
    const float bad[][5] = {{0, NAN, 0, 1, 1}, {0, 0, INFINITY, 1, 1}, {0, 0, 0, 1e30f, 1},
                            {2, 0, 0, 1, 1},   {0.5f, 0, 0, 1, 1},     {-1, 0, 0, 1, 1}};
    problem q;
    random_problem(&q, 0); /* boxes with the index */
    float* qout = malloc(sizeof(float) * (q.out_count + 2 * GUARD));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        float saved[5];
        memcpy(saved, q.boxes + (q.k - 1) * width, sizeof saved);
        memcpy(q.boxes + (q.k - 1) * width, bad[i], sizeof saved);
        if (bad[i][0] == 2) q.boxes[(q.k - 1) * width] = (float)q.n;
        for (int64_t j = 0; j < q.out_count; j++) qout[GUARD + j] = SENTINEL;
        CHECK(run(&q, PK_ISA_AUTO, qout, NULL) == PK_ERR_INVALID_BOX, "bad box %zu", i);
        int untouched = 1;
        for (int64_t j = 0; j < q.out_count; j++) untouched &= qout[GUARD + j] == SENTINEL;
        CHECK(untouched, "bad box %zu: output written", i);
        memcpy(q.boxes + (q.k - 1) * width, saved, sizeof saved);
    }
    CHECK(strcmp(pk_status_string(PK_ERR_INVALID_BOX), "unknown status") != 0, "status text");
    free(qout);
    free_problem(&q);
    free(out);
    free_problem(&p);
}

int main(void) {
    rng_state = 20261204;
    levels_agree();
    backward();
    statuses();
    printf("roi tests: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
