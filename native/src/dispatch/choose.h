/* The chooser of one SIMD level, included by choose-<isa>.c after its vec-*.h with PK_ISA_NAME ("avx2") and
   PK_VARIANT_LIST (the path of its variant list) defined. From the list it builds the level's dispatch table (path
   p is row p; 0 is the op's scalar kernel) and the lookup from a variant's strategy and kind to its path. choose
   picks a strategy and kind for a plan, in order of preference; accepts says whether a variant computes a plan
   correctly at all, which the tests use to force every variant. */
#include "../pool/across.h"
#include "../pool/along.h"
#include "../pool/big.h"
#include "../pool/rolling.h"
#include "../pool/pairs.h"
#include "../pool/planes.h"
#include "../pool/sweep.h"
#include "../pool/tiles.h"
#include "../pool/variant-list.h"
#include "../pool/whole.h"

/* the kernels' prototypes */
#undef PK_VARIANT
#define PK_VARIANT(strategy, kernel, reduce, indices, propagate, param) PK_KERNEL(kernel);
#include PK_VARIANT_LIST

/* row numbers from 0 */
#undef PK_VARIANT
#define PK_VARIANT(strategy, kernel, reduce, indices, propagate, param) PK_ROW_##kernel,
enum {
#include PK_VARIANT_LIST
    PK_ROWS
};

/* a path's name: "<level>:<strategy>", "-relaxed" for relaxed averages */
#define PK_PATH_SUFFIX_PK_REDUCE_SUM ""
#define PK_PATH_SUFFIX_PK_REDUCE_MAX ""
#define PK_PATH_SUFFIX_PK_REDUCE_MIN ""
#define PK_PATH_SUFFIX_PK_REDUCE_SUM_RELAXED "-relaxed"
#undef PK_VARIANT
#define PK_VARIANT(strategy, kernel, reduce, indices, propagate, param) \
    {#kernel, \
     PK_ISA_NAME ":" #strategy PK_PATH_SUFFIX_##reduce, \
     kernel, \
     PK_STRATEGY_##strategy, \
     {reduce, indices, propagate, param}},
static const pk_variant variants[PK_ROWS] = {
#include PK_VARIANT_LIST
};

/* path of each (strategy, kind): its row + 1, or 0 where the list has no such variant */
#undef PK_VARIANT
#define PK_VARIANT(strategy, kernel, reduce, indices, propagate, param) \
    [PK_VARIANT_KEY(PK_STRATEGY_##strategy, reduce, indices, propagate, param)] = PK_ROW_##kernel + 1,
static const uint8_t path_by_key[PK_VARIANT_KEYS] = {
#include PK_VARIANT_LIST
};
#undef PK_VARIANT
_Static_assert(PK_ROWS < 256, "paths fit path_by_key");

/* A relaxed average takes its strategy's relaxed variant where the list has one, else the exact variant, whose
   results are within the relaxed bound too. */
static inline int32_t path_of(int strategy, int reduce, int indices, int propagate, int param) {
    const int32_t path = path_by_key[PK_VARIANT_KEY(strategy, reduce, indices, propagate, param)];
    if (path || reduce != PK_REDUCE_SUM_RELAXED) return path;
    return path_by_key[PK_VARIANT_KEY(strategy, PK_REDUCE_SUM, indices, propagate, param)];
}

/* The kernel of path (1 .. PK_ROWS), or NULL. */
static inline pk_pool_kernel_fn path_kernel(int32_t path) {
    return path >= 1 && path <= PK_ROWS ? variants[path - 1].kernel : 0;
}

/* Limits every variant has: int32 index lanes; fractional windows differ per channel. */
static inline int any_variant_fits(const pk_plan* p, int with_indices) {
    return !(with_indices && p->plane_size > INT32_MAX) && p->axis[2].window != PK_WINDOW_FRACTIONAL;
}

static int accepts(const pk_variant* v, const pk_plan* p, int with_indices) {
    if (!any_variant_fits(p, with_indices) || v->kind.indices != with_indices) return 0;
    if (pk_avg_wide(p)) return 0; /* averages summed in double: only the scalar kernel computes them */
    if (v->kind.reduce == PK_REDUCE_SUM_RELAXED && !pk_avg_relaxed(p)) return 0; /* never for exact averages */
    const int propagate = !pk_reduce_sums(v->kind.reduce) && p->nan_mode == PK_NAN_PROPAGATE;
    if (v->kind.propagate != propagate) return 0;
    switch (v->strategy) {
    case PK_STRATEGY_across: return across_fits(p, v->kind.param);
    case PK_STRATEGY_big: return big_fits(p);
    case PK_STRATEGY_along: return along_fits(p, v->kind.param);
    case PK_STRATEGY_tiles: return tiles_fit(p, v->kind.param);
    case PK_STRATEGY_whole: return !with_indices && whole_planes(p);
    case PK_STRATEGY_planes: return plane_group(p, with_indices) != 0;
    case PK_STRATEGY_pairs: return !with_indices && pairs_fit(p, v->kind.param);
    case PK_STRATEGY_rolling: return !with_indices && rolling_fits(p);
    case PK_STRATEGY_sweep: return !with_indices && sweep_fits(p);
    default: return 0;
    }
}

/* The path for reduction `reduce`; 0 when the problem needs the scalar kernel (index, gather offset, tap-list or
   stride limits). */
static int32_t choose(const pk_plan* p, int reduce, int with_indices) {
    const pk_axis* ax = p->axis;
    const int propagate = !pk_reduce_sums(reduce) && p->nan_mode == PK_NAN_PROPAGATE;
    with_indices = !pk_reduce_sums(reduce) && with_indices;
    if (!any_variant_fits(p, with_indices)) return 0;
    const int taps_listed = pk_kernel_volume(p) <= PK_MAX_TAPS;
    /* channels first vectorizes along the width (unit strides along w), unless rows are shorter than
       half a vector */
    const int unit_w = p->in_stride[PK_W] == 1 && p->out_stride[PK_W] == 1;
    const int across = p->layout == PK_LAYOUT_NHWC || ax[2].out * 2 <= PK_VW || !unit_w;
    const int contiguous = p->in_stride[PK_C] == 1 && p->out_stride[PK_C] == 1;
    /* small planes in registers: whole, or in bands (plane_view) where the rows are short enough to go across
       channels otherwise; longer rows go faster by rows (16 planes of 16x16, max 2x2, AVX2 on a Zen 3: pairs
       0.8 us, bands 1.2) */
    if (plane_group(p, with_indices) && (across || whole_plane_group(p)))
        return path_of(PK_STRATEGY_planes, reduce, with_indices, propagate, 0);
    /* global pooling of channels-last planes over many channels */
    if (!with_indices && sweep_fits(p) && p->channels >= PK_SWEEP_CHANNELS) {
        const int32_t path = path_of(PK_STRATEGY_sweep, reduce, 0, propagate, 0);
        if (path) return path;
    }
    if (across && !taps_listed && big_fits(p)) return path_of(PK_STRATEGY_big, reduce, with_indices, propagate, 1);
    if (!with_indices && whole_planes(p)) /* global pooling of channels-first planes */
        return path_of(PK_STRATEGY_whole, reduce, 0, propagate, 0);
    /* 3x3 stride-1 windows keeping the plane's size: each input row read once for the output rows it serves */
    if (!with_indices && rolling_fits(p)) {
        const int32_t path = path_of(PK_STRATEGY_rolling, reduce, 0, propagate, 0);
        if (path) return path;
    }
    if (across)
        return across_fits(p, contiguous) ? path_of(PK_STRATEGY_across, reduce, with_indices, propagate, contiguous)
                                          : 0;
    /* 2- and 3-wide stride-2 windows along w without indices: even and odd taps by deinterleaving loads (3-wide:
       max and min, whose padding the identity fills) */
    for (int width = 0; width <= 3 && !with_indices; width += 3)
        if (pairs_fit(p, width)) {
            const int32_t path = path_of(PK_STRATEGY_pairs, reduce, 0, propagate, width);
            if (path) return path;
        }
    int64_t lo_w, hi_w;
    pk_interior(&ax[2], &lo_w, &hi_w);
    /* short rows: channels-last tiles; with indices only where windows reach past the row's ends, whose outputs
       the along-width path gathers across channels (without such borders it is faster than tiles with indices) */
    if (tiles_fit(p, 0) && (!with_indices || lo_w > 0 || hi_w < ax[2].out)) {
        const int fixed_width = ax[2].kernel == 2 || ax[2].kernel == 3 ? (int)ax[2].kernel : 0;
        return path_of(PK_STRATEGY_tiles, reduce, with_indices, propagate, fixed_width);
    }
    const int stride_kind = ax[2].stride == 1 ? 1 : ax[2].stride == 2 ? 2 : 0;
    return along_fits(p, stride_kind) ? path_of(PK_STRATEGY_along, reduce, with_indices, propagate, stride_kind) : 0;
}

/* The reduction of a PK_OP_* in plan p (an average's at p's precision), or -1 for an op without SIMD variants (LP). */
static inline int reduce_of(const pk_plan* p, int32_t op) {
    if (op == PK_OP_AVG) return pk_avg_relaxed(p) ? PK_REDUCE_SUM_RELAXED : PK_REDUCE_SUM;
    return op == PK_OP_MAX ? PK_REDUCE_MAX : op == PK_OP_MIN ? PK_REDUCE_MIN : -1;
}

static inline int32_t choose_for_op(const pk_plan* p, int32_t op, int with_indices) {
    const int reduce = reduce_of(p, op);
    return reduce < 0 ? 0 : choose(p, reduce, with_indices);
}

/* An op's kernel at this level without a prepared path: chosen now, or the scalar one. */
static inline void run_chosen(const pk_plan* p, int32_t op, pk_pool_kernel_fn scalar, const float* input, float* output,
                              int64_t* indices, int64_t row_begin, int64_t row_end) {
    const pk_pool_kernel_fn kernel = path_kernel(choose_for_op(p, op, indices != 0));
    (kernel ? kernel : scalar)(p, input, output, indices, row_begin, row_end);
}
