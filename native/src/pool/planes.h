/* Small planes in registers: planes whose rows hold only a few outputs leave the other channels-first strategies
   mostly idle lanes. Dense planes lie back to back, so a group of consecutive planes whose outputs fill most of one
   vector is loaded whole into PK_PLANE_VECTORS registers, and each tap of the window becomes one lookup in those
   registers, with an element index per (tap, lane) computed once per call. Lanes visit their window's taps in the
   definition's order; taps outside a lane's window read the op's identity, as in the tiles, which leaves every
   result unchanged bit for bit. With indices, each (tap, lane) also has its plane index, and a lane's index starts
   at its window's first tap inside the input; the identity never wins, so a tap outside the window never gives
   its index (16 planes of 8x8, max 2x2 with indices, AVX-512: 0.55 -> 0.21 us). */
#ifndef PK_POOL_PLANES_H
#define PK_POOL_PLANES_H
#include "../simd/accumulate.h"

#define PK_PLANE_VECTORS 4 /* vf_lookup4 */
#define PK_PLANE_TAPS 64
#define PK_PLANE_SETS 2 /* groups in flight at once (3 and 4 measured no faster) */

/* Planes per group of plan p as it stands, or 0 when it does not suit this path: dense channels first,
   non-fractional windows (the caller excludes those), groups that fill more than half a vector. */
static inline int64_t whole_plane_group(const pk_plan* p) {
    const pk_axis* ax = p->axis;
    const int64_t out_plane = ax[0].out * ax[1].out * ax[2].out;
    if (!p->dense || p->layout != PK_LAYOUT_NCHW || out_plane > PK_VW || p->plane_size > PK_PLANE_VECTORS * PK_VW
        || pk_kernel_volume(p) > PK_PLANE_TAPS)
        return 0;
    int64_t group = PK_VW / out_plane;
    if (group * p->plane_size > PK_PLANE_VECTORS * PK_VW) group = PK_PLANE_VECTORS * PK_VW / p->plane_size;
    return 2 * group * out_plane > PK_VW ? group : 0;
}

/* A plane whose windows along its outer axis (the depth, or the height when the depth is 1) neither overlap nor
   pad, and tile that axis exactly, is a stack of bands: every `band` outputs along the axis form a smaller plane
   of their own, the bands lie back to back as the planes do, and each output row keeps its number. So planes too
   large for the registers still take this path in bands (16 planes of 8x8, max 2x2, AVX2: two bands of 4x8 per
   plane; on a Zen 3, across channels 0.95 us, in bands 0.42). Writes to *view the plan the path computes, p or p
   in the largest bands whose groups fit, and returns its planes per group, 0 when neither fits. Indices count
   from the plane's start, so with indices only whole planes. */
static inline int64_t plane_view(const pk_plan* p, const int with_indices, pk_plan* view) {
    *view = *p;
    const int64_t whole = whole_plane_group(p);
    if (whole || with_indices || pk_kernel_volume(p) > PK_PLANE_TAPS) return whole;
    const int a = p->axis[0].in == 1 && p->axis[0].out == 1 ? 1 : 0;
    const pk_axis* ax = &p->axis[a];
    /* (kernel - 1) * dilation fits: kernels here have at most PK_PLANE_TAPS taps */
    if (ax->window != PK_WINDOW_SLIDING || ax->pad_begin != 0 || ax->pad_end != 0
        || (ax->kernel - 1) * ax->dilation >= ax->stride || ax->in % ax->stride != 0 || ax->in / ax->stride != ax->out)
        return 0;
    const int64_t step = p->plane_size / ax->in * ax->stride; /* input elements per output along the axis */
    for (int64_t band = ax->out - 1 < PK_PLANE_VECTORS * PK_VW / step ? ax->out - 1 : PK_PLANE_VECTORS * PK_VW / step;
         band >= 1; band--) {
        if (ax->out % band != 0) continue;
        view->axis[a].in = band * ax->stride;
        view->axis[a].out = band;
        view->plane_size = band * step;
        const int64_t group = whole_plane_group(view);
        if (group) return group;
    }
    *view = *p;
    return 0;
}

/* Planes per group of the plan this path computes for p (plane_view), 0 when it does not suit the path. */
static inline int64_t plane_group(const pk_plan* p, const int with_indices) {
    pk_plan view;
    return plane_view(p, with_indices, &view);
}

/* Tap t of lane i reads register element key[t].index[i] where present[t] says the tap lies in the lane's window,
   the identity elsewhere; with indices, tap_index[t] is its plane index. */
typedef struct plane_table {
    const vkey* key;
    const vm* present;
    const vi* tap_index;
    int64_t taps;
} plane_table;

/* The registers r[s] of `sets` groups through the taps of the table, into a[s]: the groups' chains are
   independent, so several overlap. `every_lane` promises that no lane reads the identity. */
PK_INLINE void plane_taps(const vf r[][PK_PLANE_VECTORS], acc* a, const int sets, plane_table table, vi first_index,
                          vf identity, const int every_lane, const pk_kind k) {
    for (int g = 0; g < sets; g++) acc_init(&a[g], first_index, k);
    for (int64_t t = 0; t < table.taps; t++)
        for (int g = 0; g < sets; g++) {
            const vf v = vf_lookup4(r[g], table.key[t]);
            acc_update(&a[g], every_lane ? v : vf_select(table.present[t], v, identity),
                       k.indices ? table.tap_index[t] : first_index, k);
        }
}

/* The registers of a group: its `elements` input floats from `in`, the identity past them. */
PK_INLINE void plane_load(const float* in, int64_t elements, vf identity, vf r[PK_PLANE_VECTORS], const pk_kind k) {
    for (int v = 0; v < PK_PLANE_VECTORS; v++) {
        const int64_t n = elements - v * PK_VW;
        r[v] = load_value(n >= PK_VW ? vf_loadu(in + v * PK_VW) : n > 0 ? vf_load_n(in + v * PK_VW, n) : identity, k);
    }
}

/* The outputs of accumulated groups; averages divide by divisors[0 .. divisions) in turn (see divide_by). */
PK_INLINE vf plane_result(const acc* a, const vf* divisors, int divisions, const pk_kind k) {
    if (!pk_reduce_sums(k.reduce)) return extremum_result(a->value, a->no_nan, k);
    vf result = a->value;
    for (int i = 0; i < divisions; i++) result = vf_div(result, divisors[i]);
    return result;
}

/* Rows [row_begin, row_end) of a plan plane_group accepts. */
PK_INLINE void rows_planes_in_registers(const pk_plan* plan, const float* input, float* output, int64_t* indices,
                                        int64_t row_begin, int64_t row_end, const pk_kind k) {
    pk_plan view; /* the plan, or its bands, whose rows have the plan's numbers */
    const int64_t group = plane_view(plan, k.indices, &view);
    const pk_plan* p = &view;
    const pk_axis* ax = p->axis;
    const int64_t in_plane = p->plane_size, out_w = ax[2].out;
    const int64_t plane_rows = ax[0].out * ax[1].out, out_plane = plane_rows * out_w;
    const int64_t lanes = group * out_plane;
    /* every window whole inside the input (pk_interior covering every output, without its divisions): no lane
       reads the identity */
    int every_lane = 1;
    for (int i = 0; i < 3; i++)
        every_lane &= ax[i].window == PK_WINDOW_SLIDING && ax[i].pad_begin == 0
                      && (ax[i].out - 1) * ax[i].stride + (ax[i].kernel - 1) * ax[i].dilation < ax[i].in;
    /* per lane plane * out_plane + q (output q of the group's plane): the element of tap 0, the window along each
       axis, the divisor, and with indices the plane index of tap 0 and of the window's first tap inside the
       input; lanes past the group have no taps */
    int32_t base[PK_VW] = {0}, first[3][PK_VW] = {{0}}, last[3][PK_VW] = {{0}}, base_index[PK_VW] = {0};
    int32_t first_index[PK_VW] = {0};
    float divisor[3][PK_VW]; /* the averages' divisions per lane, as divide_by: one, or a bin length per axis */
    const int divisions = pk_reduce_sums(k.reduce) && pk_adaptive_per_axis(p) ? 3 : 1;
    for (int i = 0; i < 3; i++)
        for (int64_t lane = 0; lane < PK_VW; lane++) divisor[i][lane] = 1.0f;
    if (every_lane) {
        const float d = !pk_reduce_sums(k.reduce)
                            ? 1.0f
                            : (float)pk_avg_divisor(p, (pk_window[3]){{0, 0, ax[0].kernel, ax[0].kernel},
                                                                      {0, 0, ax[1].kernel, ax[1].kernel},
                                                                      {0, 0, ax[2].kernel, ax[2].kernel}});
        for (int64_t lane = 0; lane < PK_VW; lane++) divisor[0][lane] = d;
        const int64_t step[3] = {ax[0].stride * ax[1].in * ax[2].in, ax[1].stride * ax[2].in, ax[2].stride};
        for (int64_t plane = 0, lane = 0; plane < group; plane++)
            for (int64_t od = 0, d_at = plane * in_plane; od < ax[0].out; od++, d_at += step[0])
                for (int64_t oh = 0, h_at = d_at; oh < ax[1].out; oh++, h_at += step[1])
                    for (int64_t ow = 0, w_at = h_at; ow < out_w; ow++, w_at += step[2], lane++) {
                        base[lane] = (int32_t)w_at;
                        base_index[lane] = first_index[lane] = (int32_t)(w_at - plane * in_plane);
                    }
    } else {
        pk_window windows[3][PK_VW];
        for (int i = 0; i < 3; i++)
            for (int64_t o = 0; o < ax[i].out; o++) windows[i][o] = pk_window_of(&ax[i], o);
        for (int64_t plane = 0, lane = 0; plane < group; plane++)
            for (int64_t od = 0; od < ax[0].out; od++)
                for (int64_t oh = 0; oh < ax[1].out; oh++)
                    for (int64_t ow = 0; ow < out_w; ow++, lane++) {
                        const pk_window w[3] = {windows[0][od], windows[1][oh], windows[2][ow]};
                        base_index[lane] = (int32_t)((w[0].origin * ax[1].in + w[1].origin) * ax[2].in + w[2].origin);
                        base[lane] = (int32_t)(plane * in_plane) + base_index[lane];
                        first_index[lane] = (int32_t)((pk_window_first_coordinate(&ax[0], &w[0]) * ax[1].in
                                                       + pk_window_first_coordinate(&ax[1], &w[1]))
                                                          * ax[2].in
                                                      + pk_window_first_coordinate(&ax[2], &w[2]));
                        for (int i = 0; i < 3; i++) {
                            first[i][lane] = (int32_t)w[i].first;
                            last[i][lane] = (int32_t)w[i].last;
                        }
                        if (pk_reduce_sums(k.reduce)) { /* a divisor of 0: an empty window, sum +0, and +0 / 1 is 0 */
                            const divide_by d = window_divide(p, w);
                            for (int i = 0; i < divisions; i++)
                                divisor[i][lane] = d.per_axis ? d.length[i] : d.divisor == 0 ? 1.0f : (float)d.divisor;
                        }
                    }
    }
    /* tap t of lane i reads register element key[t].index[i] where present[t] says the tap lies in the lane's
       window, the identity elsewhere; taps no lane reads are left out */
    /* as long as the window (plane_group bounds it by PK_PLANE_TAPS): a frame sized for the largest window made
       the smallest runs slower from the JVM, whose stack they share (16x8x8 max NCHW from Java, CPU time per call:
       about 162 -> 155 ns) */
    const int64_t window_taps = pk_kernel_volume(p);
    vkey key[window_taps];
    vm present[window_taps];
    vi tap_index[k.indices ? window_taps : 1]; /* with indices: tap t's plane index in each lane */
    const vi bases = vi_loadu(base), base_indices = vi_loadu(base_index), first_indices = vi_loadu(first_index);
    vi first_v[3], last_v[3];
    for (int i = 0; i < 3; i++) {
        first_v[i] = vi_loadu(first[i]);
        last_v[i] = vi_loadu(last[i]);
    }
    int64_t taps = 0;
    for (int64_t jd = 0; jd < ax[0].kernel; jd++)
        for (int64_t jh = 0; jh < ax[1].kernel; jh++)
            for (int64_t jw = 0; jw < ax[2].kernel; jw++) {
                if (!every_lane) {
                    const int64_t j[3] = {jd, jh, jw};
                    /* first <= j < last along every axis */
                    vm inside = vm_and(vi_gt(vi_set1(j[0] + 1), first_v[0]), vi_gt(last_v[0], vi_set1(j[0])));
                    for (int i = 1; i < 3; i++)
                        inside = vm_and(inside,
                                        vm_and(vi_gt(vi_set1(j[i] + 1), first_v[i]), vi_gt(last_v[i], vi_set1(j[i]))));
                    if (!vm_any(inside)) continue;
                    present[taps] = inside;
                }
                const int64_t offset =
                    (jd * ax[0].dilation * ax[1].in + jh * ax[1].dilation) * ax[2].in + jw * ax[2].dilation;
                if (k.indices) tap_index[taps] = vi_add(base_indices, vi_set1(offset));
                key[taps++] = vkey_of(vi_add(bases, vi_set1(offset)));
            }
    const vf identity = reduce_identity(k);
    const plane_table table = {key, present, tap_index, taps};
    const vf divisors[3] = {vf_loadu(divisor[0]), vf_loadu(divisor[1]), vf_loadu(divisor[2])};
    const int64_t plane_end = (row_end + plane_rows - 1) / plane_rows; /* past the last plane with a row in range */
    int64_t g = row_begin / plane_rows;
    if (g * plane_rows == row_begin) /* PK_PLANE_SETS whole groups at a time, all their rows in range */
        for (; (g + PK_PLANE_SETS * group) * plane_rows <= row_end; g += PK_PLANE_SETS * group) {
            vf r[PK_PLANE_SETS][PK_PLANE_VECTORS];
            for (int set = 0; set < PK_PLANE_SETS; set++)
                plane_load(input + (g + set * group) * in_plane, group * in_plane, identity, r[set], k);
            acc a[PK_PLANE_SETS];
            if (every_lane) plane_taps(r, a, PK_PLANE_SETS, table, first_indices, identity, 1, k);
            else plane_taps(r, a, PK_PLANE_SETS, table, first_indices, identity, 0, k);
            for (int set = 0; set < PK_PLANE_SETS; set++) {
                float* out = output + (g + set * group) * out_plane;
                const vf result = plane_result(&a[set], divisors, divisions, k);
                /* a whole vector unmasked: AVX2's masked stores are slow on AMD's cores (Zen 3, 16 planes of 8x8
                   in bands: 0.52 -> 0.42 us) */
                if (lanes == PK_VW) vf_storeu(out, result);
                else vf_store_n(out, result, lanes);
                if (k.indices) vi_store_i64_n(indices + (g + set * group) * out_plane, acc_index(&a[set], k), lanes);
            }
        }
    for (; g < plane_end; g += group) {
        const int64_t count = plane_end - g < group ? plane_end - g : group;
        vf r[1][PK_PLANE_VECTORS];
        plane_load(input + g * in_plane, count * in_plane, identity, r[0], k);
        acc a[1];
        if (every_lane) plane_taps(r, a, 1, table, first_indices, identity, 1, k);
        else plane_taps(r, a, 1, table, first_indices, identity, 0, k);
        const vf result = plane_result(&a[0], divisors, divisions, k);
        float* out = output + g * out_plane;
        int64_t* index = k.indices ? indices + g * out_plane : 0;
        const int64_t first_row = g * plane_rows, last_row = first_row + count * plane_rows;
        if (row_begin <= first_row && last_row <= row_end) {
            if (count * out_plane == PK_VW) vf_storeu(out, result);
            else vf_store_n(out, result, count * out_plane);
            if (k.indices) vi_store_i64_n(index, acc_index(&a[0], k), count * out_plane);
        } else { /* the group straddles the range: lanes of rows [row_begin, row_end) only */
            float values[PK_VW];
            int64_t lane_indices[PK_VW];
            vf_storeu(values, result);
            if (k.indices) vi_store_i64_n(lane_indices, acc_index(&a[0], k), PK_VW);
            const int64_t lane_begin = row_begin > first_row ? (row_begin - first_row) * out_w : 0;
            const int64_t lane_end = (row_end < last_row ? row_end - first_row : last_row - first_row) * out_w;
            for (int64_t lane = lane_begin; lane < lane_end; lane++) {
                out[lane] = values[lane];
                if (k.indices) index[lane] = lane_indices[lane];
            }
        }
    }
}

#endif
