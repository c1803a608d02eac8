/* Flat planes: channels first, 3x3 windows with stride 1 whose outputs have the input's size (two padding elements
   along h and along w in all), as Inception's average pools and most "same" pools of that size. Output q = oh W + ow
   of a plane W wide then has its tap (a, b) at input element q + e_ab, e_ab = (a - pad_h) W + b - pad_w: the same
   offset for every output. So a plane is one long line of outputs, PK_VW at a time, however narrow its rows (row by
   row, 28-wide rows leave part-filled vectors, and the tiles pay for transposes). A tap whose column leaves its row
   lands on the neighbouring row: column masks select the identity there (+0 for sums, which never are -0). They
   depend on the vector's phase in the rows, the same for every plane, and are made once per call with each phase's
   divisors. A window row's three taps are shifts of the two vectors from the whole vector of the plane at or before
   its first tap (vf_lookup2), whose loads do not split cache lines when the plane is aligned (unaligned loads of each
   tap cost a third more in a prototype). Near the plane's ends those loads are masked to the plane. Lanes visit their
   taps in the definition's order, and the identity leaves results unchanged bit for bit (reduce_identity). No
   indices; AVX-512 only. 256 planes of 28x28, average, kernel alone on a Zen 5: 53 us by the tiles, 43 us here. */
#ifndef PK_POOL_FLAT_H
#define PK_POOL_FLAT_H
#include "../simd/accumulate.h"

#define PK_FLAT_PHASES 64 /* vectors before the rows' pattern repeats: W / gcd(W, PK_VW) */
#define PK_FLAT_EDGES 64  /* vectors near a plane's ends, which load under masks */

/* Where a window row's taps come from: tap b lies shift + b elements into the two vectors from element `base` of the
   vector's own position (shift < PK_VW). With shift PK_VW - 1, the last lane of the last tap lies one element past
   them: it is put in from element `past` (which is `base` otherwise, and no lane takes it). */
typedef struct flat_row {
    int64_t base, past;
    vm past_lane;
    vkey key[3]; /* each tap's elements in the two vectors (vf_lookup2) */
} flat_row;

typedef struct flat_layout {
    int64_t width, plane, vectors; /* W, H W, vectors of a plane (the last may be part-filled) */
    int64_t phases;                /* W / gcd(W, PK_VW) */
    int64_t head, tail;            /* vectors [0, head) and [tail, vectors) read outside the plane otherwise */
    int64_t free_column;           /* pad_w: the column b every window holds */
    int64_t offset[3][3];          /* e_ab */
    flat_row row[3];
    vi column[PK_FLAT_PHASES][3];   /* per phase and column b: all ones in the lanes whose tap stays in its row */
    vf divisor[PK_FLAT_PHASES];     /* averages: per phase, of vectors whose windows have all their rows */
    vf edge_divisor[PK_FLAT_EDGES]; /* averages: of the vectors [0, head), then [tail, vectors) */
} flat_layout;

static inline int64_t flat_gcd(int64_t a, int64_t b) {
    while (b) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Where window row a's taps start (e = e_a0): the vector boundary at or before it (*base, relative to a vector's
   position) and how far past it (*shift). A row reads [base, base + 2 PK_VW], see flat_row. */
static inline void flat_row_reach(int64_t e, int64_t* base, int64_t* shift) {
    *base = e >= 0 ? e / PK_VW * PK_VW : -((-e + PK_VW - 1) / PK_VW) * PK_VW;
    *shift = e - *base;
}

/* The vectors of a plane whose rows' loads would leave it: [0, *head) and [*tail, vectors). */
static inline void flat_ends(const pk_plan* p, int64_t* head, int64_t* tail) {
    const int64_t w = p->axis[2].in, plane = p->axis[1].in * w, vectors = (plane + PK_VW - 1) / PK_VW;
    int64_t low = 0, high = 0;
    for (int a = 0; a < 3; a++) {
        int64_t base, shift;
        flat_row_reach((a - p->axis[1].pad_begin) * w - p->axis[2].pad_begin, &base, &shift);
        const int64_t end = base + 2 * PK_VW + (shift == PK_VW - 1);
        if (a == 0 || base < low) low = base;
        if (a == 0 || end > high) high = end;
    }
    *head = low >= 0 ? 0 : -low / PK_VW; /* vector j reads [j PK_VW + low, j PK_VW + high) */
    *tail = plane - high < 0 ? 0 : (plane - high) / PK_VW + 1;
    if (*tail > vectors) *tail = vectors;
    if (*tail < *head) *tail = *head;
}

/* Whether flat planes compute p: channels first, dense planes (depth one), 3x3 sliding windows with stride 1 and
   dilation 1 whose outputs have the input's size, and rows whose pattern and ends fit the tables. */
static inline int flat_fits(const pk_plan* p) {
    const pk_axis* ax = p->axis;
    for (int i = 0; i < 3; i++)
        if (ax[i].window != PK_WINDOW_SLIDING) return 0;
    if (p->layout != PK_LAYOUT_NCHW || ax[0].in != 1 || ax[0].out != 1 || ax[0].kernel != 1) return 0;
    for (int i = 1; i < 3; i++)
        if (ax[i].kernel != 3 || ax[i].stride != 1 || ax[i].dilation != 1 || ax[i].out != ax[i].in
            || ax[i].pad_begin > 2)
            return 0;
    const int64_t w = ax[2].in;
    if (p->in_stride[PK_W] != 1 || p->out_stride[PK_W] != 1 || p->in_stride[PK_H] != w || p->out_stride[PK_H] != w)
        return 0;
    if (w / flat_gcd(w, PK_VW) > PK_FLAT_PHASES) return 0;
    int64_t head, tail;
    flat_ends(p, &head, &tail);
    return head + ((ax[1].in * w + PK_VW - 1) / PK_VW - tail) <= PK_FLAT_EDGES;
}

/* Axis i's factor of the average's divisor at output o (pk_avg_divisor multiplies them). */
static inline int64_t flat_factor(const pk_plan* p, int i, int64_t o) {
    const pk_window w = pk_window_of(&p->axis[i], o);
    switch (p->divisor_mode) {
    case PK_DIVISOR_EXCLUDE_PADDING: return w.last - w.first;
    case PK_DIVISOR_INCLUDE_PADDING: return w.padded;
    default: return p->axis[i].kernel;
    }
}

#define PK_FLAT_WIDTH (PK_FLAT_PHASES * PK_VW) /* the widest rows flat_fits takes */

/* The divisors of the plane's lanes [o, o + PK_VW) (1 past its end): the definition's (pk_avg_divisor), from the
   depth's factor, each row's and the columns' (column_factor[ow]); `interior_row` gives every row the factor of a
   row whose window lies in the plane. Worked out once per call, which a run split into pieces pays per piece. */
static inline vf flat_lane_divisors(const pk_plan* p, int64_t o, int64_t plane, int64_t w, const int64_t* column_factor,
                                    int64_t depth_factor, int64_t interior_row) {
    float d[PK_VW];
    int64_t row = o / w, column = o % w, row_factor = flat_factor(p, 1, interior_row >= 0 ? interior_row : row);
    for (int l = 0; l < PK_VW; l++) {
        d[l] = o + l >= plane            ? 1.0f
               : p->divisor_override > 0 ? (float)p->divisor_override
                                         : (float)(depth_factor * row_factor * column_factor[column]);
        if (++column == w) { /* the next lane starts the next row */
            column = 0;
            row++;
            if (interior_row < 0) row_factor = flat_factor(p, 1, row);
        }
    }
    return vf_loadu(d);
}

/* An average's divisor tables (flat_layout), in a frame of its own: its column factors stay off the kernel's. */
static __attribute__((noinline)) void flat_divisors(const pk_plan* p, flat_layout* f) {
    const int64_t w = f->width, pad_h = p->axis[1].pad_begin;
    int64_t column_factor[PK_FLAT_WIDTH];
    for (int64_t ow = 0; ow < w; ow++) column_factor[ow] = flat_factor(p, 2, ow);
    const int64_t depth_factor = flat_factor(p, 0, 0);
    /* phases serve vectors whose windows have all their rows, as row pad_h's */
    for (int64_t phase = 0; phase < f->phases; phase++)
        f->divisor[phase] =
            flat_lane_divisors(p, pad_h * w + phase * PK_VW % w, f->plane, w, column_factor, depth_factor, pad_h);
    int64_t e = 0;
    for (int64_t j = 0; j < f->head; j++)
        f->edge_divisor[e++] = flat_lane_divisors(p, j * PK_VW, f->plane, w, column_factor, depth_factor, -1);
    for (int64_t j = f->tail; j < f->vectors; j++)
        f->edge_divisor[e++] = flat_lane_divisors(p, j * PK_VW, f->plane, w, column_factor, depth_factor, -1);
}

static inline void flat_layout_of(const pk_plan* p, flat_layout* f, const pk_kind k) {
    const pk_axis* ax = p->axis;
    const int64_t w = ax[2].in, pad_h = ax[1].pad_begin, pad_w = ax[2].pad_begin;
    f->width = w;
    f->plane = ax[1].in * w;
    f->vectors = (f->plane + PK_VW - 1) / PK_VW;
    f->phases = w / flat_gcd(w, PK_VW);
    f->free_column = pad_w;
    flat_ends(p, &f->head, &f->tail);
    const vi lanes = vi_lanes_times(1);
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) f->offset[a][b] = (a - pad_h) * w + b - pad_w;
        flat_row* r = &f->row[a];
        int64_t shift;
        flat_row_reach(f->offset[a][0], &r->base, &shift);
        r->past = shift == PK_VW - 1 ? r->base + 2 * PK_VW : r->base;
        r->past_lane = shift == PK_VW - 1 ? vm_inside(-(PK_VW - 1), 1) : vm_inside(0, 0);
        for (int b = 0; b < 3; b++) r->key[b] = vkey_of(vi_add(vi_set1(shift + b), lanes));
    }
    for (int64_t phase = 0; phase < f->phases; phase++) {
        const int64_t first = phase * PK_VW % w;
        for (int b = 0; b < 3; b++) {
            int32_t bits[PK_VW];
            for (int64_t l = 0, ow = first; l < PK_VW; l++, ow = ow + 1 == w ? 0 : ow + 1)
                bits[l] = ow + b - pad_w >= 0 && ow + b - pad_w < w ? -1 : 0;
            f->column[phase][b] = vi_loadu(bits);
        }
    }
    if (pk_reduce_sums(k.reduce)) flat_divisors(p, f);
}

/* The raw taps of window row r for the vector from output o of a plane (`in`). Indices past the second vector wrap
   to the first (vf_lookup2), whose element past_lane then replaces. Near the plane's ends (`edge`), the loads read
   the plane only and `fill` stands for what lies outside it: the tap of a window row outside the plane. */
PK_INLINE void flat_row_taps(const flat_row* r, const vkey key[3], const float* in, int64_t o, int64_t plane,
                             const int edge, vf fill, vf tap[3]) {
    const float* at = in + o + r->base; /* masked loads there read plane elements only, even before the plane */
    const vf first = edge ? vf_load_masked(at, vm_inside(o + r->base, plane), fill) : vf_loadu(at);
    const vf second =
        edge ? vf_load_masked(at + PK_VW, vm_inside(o + r->base + PK_VW, plane), fill) : vf_loadu(at + PK_VW);
    tap[0] = vf_lookup2(first, second, key[0]);
    tap[1] = vf_lookup2(first, second, key[1]);
    tap[2] = vf_lookup2(first, second, key[2]);
    if (r->past != r->base) {
        if (!edge || (o + r->past >= 0 && o + r->past < plane))
            tap[2] = vf_put_scalar(tap[2], r->past_lane, in + o + r->past);
        else tap[2] = vf_select(r->past_lane, fill, tap[2]);
    }
}

/* `count` (1 or 2) vectors from output o of a plane, phases phase[u]; `edge`: near the plane's ends, number edge
   among its edge vectors (one vector). key holds the rows' keys (flat_row) as the caller's locals, so that they stay
   in registers; free_column (pad_w, a constant) is the column whose taps every window holds. */
PK_INLINE void flat_vectors(const flat_layout* f, const vkey key[3][3], const int free_column, const float* in,
                            int64_t o, const int64_t* phase, const int count, const int edge, int64_t edge_number,
                            vf* result, const pk_kind k) {
    const vf identity = reduce_identity(k);
    const vf fill = !pk_reduce_sums(k.reduce) ? load_value(identity, k) : vf_set1(0.0f); /* raw, before load_value */
    acc a[2];
    for (int u = 0; u < count; u++) acc_init(&a[u], vi_set1(0), k);
    for (int u = 0; u < count; u++)
        for (int r = 0; r < 3; r++) {
            vf tap[3];
            flat_row_taps(&f->row[r], key[r], in, o + u * PK_VW, f->plane, edge, fill, tap);
            for (int b = 0; b < 3; b++) {
                const vf v = load_value(tap[b], k);
                /* +0 for a sum: it never is -0 (it starts at +0), so adding +0 leaves it as it is */
                acc_update(&a[u],
                           b == free_column           ? v
                           : pk_reduce_sums(k.reduce) ? vf_and_bits(f->column[phase[u]][b], v)
                                                      : vf_select_bits(f->column[phase[u]][b], v, identity),
                           vi_set1(0), k);
            }
            __asm__("" : "+v"(a[u].value)); /* keeps the running value in a register: GCC spilled it once per row */
        }
    for (int u = 0; u < count; u++)
        result[u] = !pk_reduce_sums(k.reduce) ? extremum_result(a[u].value, a[u].no_nan, k)
                    : edge                    ? vf_div(a[u].value, f->edge_divisor[edge_number])
                                              : vf_div(a[u].value, f->divisor[phase[u]]);
}

/* Outputs [begin, end) of one plane. */
PK_INLINE void flat_plane(const flat_layout* f, const int free_column, const float* in, float* out, int64_t begin,
                          int64_t end, const pk_kind k) {
    vkey key[3][3];
    for (int r = 0; r < 3; r++)
        for (int b = 0; b < 3; b++) key[r][b] = f->row[r].key[b];
    int64_t j = begin / PK_VW, phase = j % f->phases;
    while (j * PK_VW < end) {
        const int64_t o = j * PK_VW;
        const int64_t next = phase + 1 == f->phases ? 0 : phase + 1;
        if (j >= f->head && j + 1 < f->tail && o >= begin && o + 2 * PK_VW <= end) { /* two at a time */
            vf result[2];
            flat_vectors(f, (const vkey(*)[3])key, free_column, in, o, (const int64_t[2]){phase, next}, 2, 0, 0, result,
                         k);
            vf_storeu(out + o, result[0]);
            vf_storeu(out + o + PK_VW, result[1]);
            j += 2;
            phase = next + 1 == f->phases ? 0 : next + 1;
            continue;
        }
        vf result;
        if (j >= f->head && j < f->tail)
            flat_vectors(f, (const vkey(*)[3])key, free_column, in, o, &phase, 1, 0, 0, &result, k);
        else
            flat_vectors(f, (const vkey(*)[3])key, free_column, in, o, &phase, 1, 1,
                         j < f->head ? j : f->head + j - f->tail, &result, k);
        if (o >= begin && o + PK_VW <= end) vf_storeu(out + o, result);
        else vf_store_masked(out + o, vm_inside(o - begin, end - begin), result);
        j++;
        phase = next;
    }
}

/* Rows [row_begin, row_end): each plane's share of them is one range of its outputs. */
PK_INLINE void planes_flat(const pk_plan* p, const float* input, float* output, int64_t row_begin, int64_t row_end,
                           const pk_kind k) {
    flat_layout f;
    flat_layout_of(p, &f, k);
    const int64_t h = p->axis[1].out;
    for (int64_t row = row_begin; row < row_end;) {
        const int64_t plane = row / h, first = row - plane * h;
        const int64_t end = row_end - plane * h < h ? row_end - plane * h : h;
        const int64_t n = plane / p->channels, c = plane % p->channels;
        const float* in = input + n * p->in_stride[PK_N] + c * p->in_stride[PK_C];
        float* out = output + n * p->out_stride[PK_N] + c * p->out_stride[PK_C];
        switch (f.free_column) { /* a constant, so that the taps' column tests fold */
        case 0: flat_plane(&f, 0, in, out, first * f.width, end * f.width, k); break;
        case 1: flat_plane(&f, 1, in, out, first * f.width, end * f.width, k); break;
        default: flat_plane(&f, 2, in, out, first * f.width, end * f.width, k); break;
        }
        row = plane * h + end;
    }
}

#endif
