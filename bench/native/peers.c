/* poolkit_peers: times oneDNN's and XNNPACK's f32 pooling forward, single-threaded, on poolkit's
 * standard shapes (shapes.json), in NCHW and NHWC (and oneDNN also in its channel-blocked layout),
 * plus per-shape bandwidth probes, so poolkit's own numbers can be set side by side with them.
 *
 *   poolkit_peers [--shapes path/to/shapes.json] [--only S1,S4,...] [--min-time-ms 200] [--repeats 7]
 *                 [--pin auto|none|CPU] [--format json|table]
 *
 * Output (json, the default): one JSON object per line and measurement on stdout; run information,
 * validation results and warnings go to stderr. See README.md. */
#define _GNU_SOURCE /* sched_setaffinity, sched_getcpu */
#include <errno.h>
#include <sched.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef PK_HAVE_DNNL
#include <dnnl.h>
#endif
#ifdef PK_HAVE_XNNPACK
#include <xnnpack.h>
#endif
#ifdef PK_HAVE_OMP
#include <omp.h>
#endif

#ifndef PK_DEFAULT_SHAPES
#define PK_DEFAULT_SHAPES "../shared/bench/shapes.json"
#endif
#ifndef PK_XNNPACK_VERSION
#define PK_XNNPACK_VERSION "unknown"
#endif

#define MAX_SHAPES 64
#define REF_MAX_REPEATS 3         /* caps for oneDNN's non-JIT implementations (simple_nchw:any, ref:any), */
#define REF_MAX_MIN_TIME_MS 100.0 /* ~100x slower than the JIT ones; they would dominate the run time */
#define CLOCK_WARMUP_MS 300.0     /* busy loop before the first measurement, to let the core clock ramp up */

enum { OP_MAX, OP_AVG, OP_GAVG };
/* L_BLOCKED: oneDNN's channel-blocked layout, g_block channels innermost: the block of its JIT kernels at the
   machine's level, 16 (nCw16c, nChw16c, nCdhw16c) with AVX-512, 8 (nCw8c, nChw8c, nCdhw8c) below, where 16c
   takes oneDNN's reference kernel. */
enum { L_NCHW, L_NHWC, L_BLOCKED };
static const char *const layout_name[2] = {"NCHW", "NHWC"};
static long g_block = 16;
static const char *const blocked_name[2][3] = {{"nCw16c", "nChw16c", "nCdhw16c"}, {"nCw8c", "nChw8c", "nCdhw8c"}};

static const char *const op_name[3] = {"max_pool", "avg_pool", "global_avg_pool"};

typedef struct {
    char name[64];
    int op;
    int nsp; /* spatial rank, 1..3 */
    long n, c;
    long sp[3]; /* input spatial sizes (outermost first) */
    long k[3], s[3], p[3];
    int include_pad;
    long osp[3]; /* output spatial sizes */
} shape_t;

static long prod(const long *v, int n) {
    long r = 1;
    for (int i = 0; i < n; i++) r *= v[i];
    return r;
}
static const char *layout_label(const shape_t *sh, int layout) {
    return layout == L_BLOCKED ? blocked_name[g_block == 8][sh->nsp - 1] : layout_name[layout];
}
static size_t in_elems(const shape_t *sh) { return (size_t)(sh->n * sh->c * prod(sh->sp, sh->nsp)); }
static size_t out_elems(const shape_t *sh) { return (size_t)(sh->n * sh->c * prod(sh->osp, sh->nsp)); }

/* ------------------------------------------------------------------------------------------------ */
/* Minimal JSON reader for the known shapes.json structure: {"shapes":[{...}, ...], other keys}.   */

typedef struct {
    const char *p;
    int ok;
} jp_t;

static void jws(jp_t *j) {
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') j->p++;
}
static int jch(jp_t *j, char c) {
    jws(j);
    if (*j->p == c) {
        j->p++;
        return 1;
    }
    return 0;
}
static void jneed(jp_t *j, char c) {
    if (!jch(j, c)) j->ok = 0;
}
static void jstr(jp_t *j, char *out, size_t cap) {
    size_t n = 0;
    jws(j);
    if (*j->p != '"') {
        j->ok = 0;
        return;
    }
    j->p++;
    while (*j->p && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && *j->p) {
            c = *j->p++;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'u') { /* not expected in this file: keep a placeholder, skip 4 hex digits */
                for (int i = 0; i < 4 && *j->p; i++) j->p++;
                c = '?';
            }
        }
        if (out && n + 1 < cap) out[n++] = c;
    }
    if (*j->p != '"') {
        j->ok = 0;
        return;
    }
    j->p++;
    if (out) out[n] = 0;
}
static void jskip(jp_t *j) {
    jws(j);
    char c = *j->p;
    if (c == '"') {
        jstr(j, NULL, 0);
    } else if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->p++;
        if (jch(j, close)) return;
        do {
            if (c == '{') {
                jstr(j, NULL, 0);
                jneed(j, ':');
            }
            jskip(j);
        } while (j->ok && jch(j, ','));
        jneed(j, close);
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
        while (*j->p && !strchr(",]} \t\r\n", *j->p)) j->p++;
    } else {
        j->ok = 0;
    }
}
static int jints(jp_t *j, long *out, int max) {
    int n = 0;
    jneed(j, '[');
    if (jch(j, ']')) return 0;
    do {
        jws(j);
        char *end;
        errno = 0;
        long v = strtol(j->p, &end, 10);
        if (end == j->p || errno) {
            j->ok = 0;
            return n;
        }
        j->p = end;
        if (n < max) out[n] = v;
        n++;
    } while (j->ok && jch(j, ','));
    jneed(j, ']');
    return n;
}
static int jbool(jp_t *j) {
    jws(j);
    if (!strncmp(j->p, "true", 4)) {
        j->p += 4;
        return 1;
    }
    if (!strncmp(j->p, "false", 5)) {
        j->p += 5;
        return 0;
    }
    j->ok = 0;
    return 0;
}

/* Completes a shape from its raw fields; returns an error message or NULL. */
static const char *finish_shape(shape_t *sh, const long *input, int nin, int nk, int ns, int np) {
    if (nin < 3 || nin > 5) return "input must have 3..5 dims (N, C, spatial...)";
    sh->nsp = nin - 2;
    sh->n = input[0];
    sh->c = input[1];
    for (int i = 0; i < sh->nsp; i++) sh->sp[i] = input[2 + i];
    if (sh->op == OP_GAVG) {
        for (int i = 0; i < sh->nsp; i++) {
            sh->k[i] = sh->sp[i];
            sh->s[i] = 1;
            sh->p[i] = 0;
        }
    } else {
        if (nk != sh->nsp) return "kernel rank does not match input";
        if (ns == 0)
            for (int i = 0; i < sh->nsp; i++) sh->s[i] = sh->k[i];
        else if (ns != sh->nsp) return "stride rank does not match input";
        if (np == 0)
            for (int i = 0; i < sh->nsp; i++) sh->p[i] = 0;
        else if (np != sh->nsp) return "padding rank does not match input";
    }
    for (int i = 0; i < sh->nsp; i++) {
        if (sh->k[i] < 1 || sh->s[i] < 1 || sh->p[i] < 0 || sh->sp[i] + 2 * sh->p[i] < sh->k[i])
            return "bad kernel/stride/padding";
        sh->osp[i] = (sh->sp[i] + 2 * sh->p[i] - sh->k[i]) / sh->s[i] + 1;
    }
    if (sh->n < 1 || sh->c < 1) return "bad N or C";
    return NULL;
}

static int parse_shapes(const char *text, shape_t *out, int max) {
    jp_t j = {text, 1};
    int count = 0;
    jneed(&j, '{');
    if (jch(&j, '}')) return 0;
    do {
        char key[64];
        jstr(&j, key, sizeof key);
        jneed(&j, ':');
        if (!j.ok) break;
        if (strcmp(key, "shapes") != 0) {
            jskip(&j);
            continue;
        }
        jneed(&j, '[');
        if (jch(&j, ']')) continue;
        do {
            shape_t sh;
            memset(&sh, 0, sizeof sh);
            sh.op = -1;
            long input[8];
            int nin = 0, nk = 0, ns = 0, np = 0;
            jneed(&j, '{');
            if (!jch(&j, '}')) {
                do {
                    char k2[64], val[64];
                    jstr(&j, k2, sizeof k2);
                    jneed(&j, ':');
                    if (!j.ok) break;
                    if (!strcmp(k2, "name")) {
                        jstr(&j, sh.name, sizeof sh.name);
                    } else if (!strcmp(k2, "op")) {
                        jstr(&j, val, sizeof val);
                        sh.op = !strcmp(val, "max_pool")          ? OP_MAX
                                : !strcmp(val, "avg_pool")        ? OP_AVG
                                : !strcmp(val, "global_avg_pool") ? OP_GAVG
                                                                  : -1;
                        if (sh.op < 0) fprintf(stderr, "shapes: unknown op \"%s\"\n", val);
                    } else if (!strcmp(k2, "input")) {
                        nin = jints(&j, input, 8);
                    } else if (!strcmp(k2, "kernel")) {
                        nk = jints(&j, sh.k, 3);
                    } else if (!strcmp(k2, "stride")) {
                        ns = jints(&j, sh.s, 3);
                    } else if (!strcmp(k2, "padding")) {
                        np = jints(&j, sh.p, 3);
                    } else if (!strcmp(k2, "count_include_pad")) {
                        sh.include_pad = jbool(&j);
                    } else {
                        jskip(&j);
                    }
                } while (j.ok && jch(&j, ','));
                jneed(&j, '}');
            }
            if (!j.ok) break;
            const char *err = sh.op < 0 ? "missing or unknown op" : finish_shape(&sh, input, nin, nk, ns, np);
            if (err) {
                fprintf(stderr, "shapes: skipping \"%s\": %s\n", sh.name, err);
            } else if (count < max) {
                out[count++] = sh;
            }
        } while (j.ok && jch(&j, ','));
        jneed(&j, ']');
    } while (j.ok && jch(&j, ','));
    if (j.ok) jneed(&j, '}');
    if (!j.ok) {
        fprintf(stderr, "shapes: JSON parse error near: %.40s\n", j.p);
        return -1;
    }
    return count;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 14, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) buf[n] = 0;
    return buf;
}

/* ------------------------------------------------------------------------------------------------ */
/* Buffers, data, reference.                                                                        */

static void *xalloc(size_t bytes) {
    size_t sz = (bytes + 64 + 63) & ~(size_t)63; /* + slack: XNNPACK may read XNN_EXTRA_BYTES past ends */
    void *p = aligned_alloc(64, sz);
    if (!p) {
        fprintf(stderr, "out of memory (%zu bytes)\n", sz);
        exit(2);
    }
    memset(p, 0, sz);
    return p;
}

static void fill_random(float *x, size_t n, uint32_t seed) {
    uint32_t s = seed ? seed : 1u;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        x[i] = (float)((double)s * (2.0 / 4294967296.0) - 1.0); /* [-1, 1) */
    }
}

/* Offset of element (n, c, spatial index si of sz) in each layout; L_BLOCKED needs C % g_block == 0. */
static long elem_offset(int layout, long n, long c, long C, long si, long sz) {
    if (layout == L_NCHW) return (n * C + c) * sz + si;
    if (layout == L_NHWC) return (n * sz + si) * C + c;
    return ((n * (C / g_block) + c / g_block) * sz + si) * g_block + c % g_block;
}

/* Trivial reference: spatial dims normalised to 3 (D, H, W), unused ones of size 1. */
static void reference_pool(const shape_t *sh, int layout, const float *in, float *out) {
    long sp[3] = {1, 1, 1}, osp[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0};
    int off = 3 - sh->nsp;
    for (int i = 0; i < sh->nsp; i++) {
        sp[off + i] = sh->sp[i];
        osp[off + i] = sh->osp[i];
        k[off + i] = sh->k[i];
        s[off + i] = sh->s[i];
        p[off + i] = sh->p[i];
    }
    const long N = sh->n, C = sh->c, isz = sp[0] * sp[1] * sp[2], osz = osp[0] * osp[1] * osp[2];
    for (long n = 0; n < N; n++)
        for (long c = 0; c < C; c++)
            for (long od = 0; od < osp[0]; od++)
                for (long oh = 0; oh < osp[1]; oh++)
                    for (long ow = 0; ow < osp[2]; ow++) {
                        double sum = 0.0;
                        float mx = -INFINITY;
                        long cnt = 0, cnt_pad = 0;
                        for (long kd = 0; kd < k[0]; kd++)
                            for (long kh = 0; kh < k[1]; kh++)
                                for (long kw = 0; kw < k[2]; kw++) {
                                    long d = od * s[0] - p[0] + kd, h = oh * s[1] - p[1] + kh,
                                         w = ow * s[2] - p[2] + kw;
                                    if (d < sp[0] + p[0] && h < sp[1] + p[1] && w < sp[2] + p[2]) cnt_pad++;
                                    if (d < 0 || h < 0 || w < 0 || d >= sp[0] || h >= sp[1] || w >= sp[2]) continue;
                                    long si = (d * sp[1] + h) * sp[2] + w;
                                    float v = in[elem_offset(layout, n, c, C, si, isz)];
                                    if (v > mx) mx = v;
                                    sum += v;
                                    cnt++;
                                }
                        long oi = (od * osp[1] + oh) * osp[2] + ow;
                        float r = sh->op == OP_MAX ? mx : (float)(sum / (double)(sh->include_pad ? cnt_pad : cnt));
                        out[elem_offset(layout, n, c, C, oi, osz)] = r;
                    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Timing.                                                                                          */

typedef void (*run_fn)(void *ctx);

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double us_median; /* median over rounds of each round's median time per call */
    double us_min;    /* fastest batch's time per call (benchdnn's "min") */
    double us_mean;   /* median over rounds of each round's mean time per call: wall-clock, preemptions included */
    int rounds;
    long batch; /* calls per timed batch */
    long calls; /* timed calls in all */
} timing_t;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *v, size_t n) { return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]); }

/* As benchdnn times CPU primitives (one warm-up call, then each call timed on its own) and as
 * XNNPACK's google-benchmark loops run (warm, same buffers): one cold call, a warm-up of about
 * min_time/4, then `rounds` rounds of at least min_time each. A round times back-to-back batches of
 * `batch` calls, batch being the fewest calls that last BATCH_MIN_US, so that the clock's own cost
 * stays under 0.5 % (a call of a few µs or more is a batch of one). A batch during which this thread
 * was preempted or interrupted stands out in its round and leaves the round's median alone; the
 * median of the rounds' medians is the reported time. The median of the rounds' means is kept too: it
 * is what timing whole rounds with one clock reading each reports (this harness's statistic before),
 * and it grows with the machine's load, as time slices taken by other processes count in it. */
#define BATCH_MIN_US 20.0
static timing_t measure(run_fn fn, void *ctx, double min_time_ms, int rounds) {
    const double min_t = min_time_ms * 1e-3;
    fn(ctx); /* cold call: page faults, lazy initialisation */
    /* Warm-up in timed chunks, doubled until one lasts BATCH_MIN_US; the fastest such chunk estimates
   * a call (a minimum, so that preemptions during the warm-up do not shrink the batches). */
    long chunk = 1;
    double est = INFINITY;
    const double t0 = now_s();
    do {
        const double a = now_s();
        for (long k = 0; k < chunk; k++) fn(ctx);
        const double t = now_s() - a;
        if (t < BATCH_MIN_US * 1e-6) chunk *= 2;
        else if (t / (double)chunk < est) est = t / (double)chunk;
    } while (now_s() - t0 < 0.25 * min_t || est == INFINITY);
    long batch = (long)ceil(BATCH_MIN_US * 1e-6 / est);
    if (batch < 1) batch = 1;
    if (rounds > 64) rounds = 64;
    size_t cap = (size_t)(2.0 * min_t / (est * (double)batch)) + 16;
    double *per = malloc(cap * sizeof *per), round_median[64], round_mean[64];
    if (!per) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    timing_t r = {0, INFINITY, 0, rounds, batch, 0};
    for (int i = 0; i < rounds; i++) {
        size_t n = 0;
        double total = 0;
        const double start = now_s();
        double b = start;
        do {
            const double a = now_s();
            for (long k = 0; k < batch; k++) fn(ctx);
            b = now_s();
            if (n == cap) {
                double *grown = realloc(per, 2 * cap * sizeof *per);
                if (!grown) {
                    fprintf(stderr, "out of memory\n");
                    exit(2);
                }
                per = grown;
                cap *= 2;
            }
            per[n++] = (b - a) / (double)batch;
            total += b - a;
        } while (b - start < min_t);
        r.calls += (long)n * batch;
        round_mean[i] = total / (double)((long)n * batch);
        qsort(per, n, sizeof per[0], cmp_double);
        round_median[i] = median_sorted(per, n);
        if (per[0] < r.us_min) r.us_min = per[0];
    }
    free(per);
    qsort(round_median, (size_t)rounds, sizeof round_median[0], cmp_double);
    r.us_median = median_sorted(round_median, (size_t)rounds) * 1e6;
    r.us_min *= 1e6;
    qsort(round_mean, (size_t)rounds, sizeof round_mean[0], cmp_double);
    r.us_mean = median_sorted(round_mean, (size_t)rounds) * 1e6;
    return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* Bandwidth probes (bw_avx2.c is the one file compiled with -mavx2).                               */

#ifdef PK_HAVE_AVX2_PROBE
float pk_probe_read_avx2(const float *x, size_t n);
void pk_probe_read_write_avx2(const float *in, size_t n_in, float *out, size_t n_out);
#endif

static int use_avx2_probe(void) {
#ifdef PK_HAVE_AVX2_PROBE
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

static float probe_read_scalar(const float *x, size_t n) {
    float a[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) a[l] += x[i + l];
    float t = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
    for (; i < n; i++) t += x[i];
    return t;
}

typedef struct {
    const float *in;
    size_t n_in;
    float *out;
    size_t n_out;
    int avx2;
} probe_ctx;
static volatile float probe_sink;

static void run_probe_read(void *c) {
    probe_ctx *p = c;
#ifdef PK_HAVE_AVX2_PROBE
    if (p->avx2) {
        probe_sink = pk_probe_read_avx2(p->in, p->n_in);
        return;
    }
#endif
    probe_sink = probe_read_scalar(p->in, p->n_in);
}
static void run_probe_rw(void *c) {
    probe_ctx *p = c;
#ifdef PK_HAVE_AVX2_PROBE
    if (p->avx2) {
        pk_probe_read_write_avx2(p->in, p->n_in, p->out, p->n_out);
        return;
    }
#endif
    float s = probe_read_scalar(p->in, p->n_in);
    for (size_t i = 0; i < p->n_out; i++) p->out[i] = s;
}

/* ------------------------------------------------------------------------------------------------ */
/* Peers. Each one builds its primitive/operator once for (shape, layout, in, out); run() is then   */
/* the only thing timed.                                                                            */

typedef struct {
    run_fn run;
    void (*destroy)(void *);
    void *ctx;
    char detail[128];
    char unsupported[200];
    int is_ref; /* slow non-JIT fallback: repeats and min-time are capped */
} peer_t;

#ifdef PK_HAVE_DNNL
static dnnl_engine_t g_engine;
static dnnl_stream_t g_stream;

typedef struct {
    dnnl_primitive_t prim;
    dnnl_primitive_desc_t pd;
    dnnl_memory_t mem[4];
    dnnl_exec_arg_t args[4];
    int nargs;
    void *ws, *scratch;
} dnnl_ctx;

/* With the OpenMP (or sequential) runtime a CPU stream executes in the caller's thread, so execute
 * returns when the work is done and, as in benchdnn's CPU loop, no dnnl_stream_wait follows each call;
 * a threadpool runtime may return early, so there each call is waited for. */
static int g_dnnl_wait_each_call;
static void dnnl_run(void *c) {
    dnnl_ctx *d = c;
    if (dnnl_primitive_execute(d->prim, g_stream, d->nargs, d->args) != dnnl_success
        || (g_dnnl_wait_each_call && dnnl_stream_wait(g_stream) != dnnl_success)) {
        fprintf(stderr, "dnnl_primitive_execute failed\n");
        exit(3);
    }
}
static void dnnl_destroy(void *c) {
    dnnl_ctx *d = c;
    for (int i = 0; i < d->nargs; i++) dnnl_memory_destroy(d->mem[i]);
    if (d->prim) dnnl_primitive_destroy(d->prim);
    if (d->pd) dnnl_primitive_desc_destroy(d->pd);
    free(d->ws);
    free(d->scratch);
    free(d);
}

/* Binds a buffer of the primitive's workspace or scratchpad, when it asks for one. */
static void dnnl_bind_extra(dnnl_ctx *d, dnnl_query_t what, int arg, void **buf) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(d->pd, what, 0);
    if (!md || dnnl_memory_desc_get_size(md) == 0) return;
    *buf = xalloc(dnnl_memory_desc_get_size(md));
    dnnl_memory_create(&d->mem[d->nargs], md, g_engine, *buf);
    d->args[d->nargs] = (dnnl_exec_arg_t){arg, d->mem[d->nargs]};
    d->nargs++;
}

static int dnnl_make(const shape_t *sh, int layout, float *in, float *out, peer_t *pr) {
    memset(pr, 0, sizeof *pr);
    if (!g_engine) {
        g_dnnl_wait_each_call = dnnl_version()->cpu_runtime == DNNL_RUNTIME_THREADPOOL;
        if (dnnl_engine_create(&g_engine, dnnl_cpu, 0) != dnnl_success
            || dnnl_stream_create(&g_stream, g_engine, dnnl_stream_default_flags) != dnnl_success) {
            snprintf(pr->unsupported, sizeof pr->unsupported, "cannot create oneDNN CPU engine/stream");
            return -1;
        }
    }
    static const dnnl_format_tag_t plain_tags[2][3] = {{dnnl_ncw, dnnl_nchw, dnnl_ncdhw},
                                                       {dnnl_nwc, dnnl_nhwc, dnnl_ndhwc}};
    /* as blocked_name */
    static const dnnl_format_tag_t blocked_tags[2][3] = {{dnnl_nCw16c, dnnl_nChw16c, dnnl_nCdhw16c},
                                                         {dnnl_nCw8c, dnnl_nChw8c, dnnl_nCdhw8c}};
    if (layout == L_BLOCKED && sh->c % g_block) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "C=%ld is not a multiple of %ld", sh->c, g_block);
        return -1;
    }
    const int nd = 2 + sh->nsp;
    dnnl_dims_t sd, dd, st, ke, pl, prr;
    sd[0] = dd[0] = sh->n;
    sd[1] = dd[1] = sh->c;
    for (int i = 0; i < sh->nsp; i++) {
        sd[2 + i] = sh->sp[i];
        dd[2 + i] = sh->osp[i];
        st[i] = sh->s[i];
        ke[i] = sh->k[i];
        pl[i] = sh->p[i];
        /* right padding actually reached by the last window (oneDNN wants the exact value) */
        prr[i] = (sh->osp[i] - 1) * sh->s[i] + sh->k[i] - sh->sp[i] - sh->p[i];
        if (prr[i] < 0) prr[i] = 0;
    }
    dnnl_memory_desc_t smd, dmd;
    dnnl_format_tag_t tag =
        layout == L_BLOCKED ? blocked_tags[g_block == 8][sh->nsp - 1] : plain_tags[layout][sh->nsp - 1];
    dnnl_alg_kind_t alg = sh->op == OP_MAX                        ? dnnl_pooling_max
                          : (sh->op == OP_AVG && sh->include_pad) ? dnnl_pooling_avg_include_padding
                                                                  : dnnl_pooling_avg_exclude_padding;
    if (sh->op == OP_AVG && sh->include_pad) {
        /* oneDNN's include_padding divides by the whole kernel; PyTorch's count_include_pad counts taps
     * inside [-pad, size+pad) only. They agree when no window crosses the padded end. */
    }
    dnnl_pooling_desc_t desc;
    dnnl_status_t st1 = dnnl_memory_desc_init_by_tag(&smd, nd, sd, dnnl_f32, tag);
    dnnl_status_t st2 = dnnl_memory_desc_init_by_tag(&dmd, nd, dd, dnnl_f32, tag);
    dnnl_status_t st3 =
        st1 == dnnl_success && st2 == dnnl_success
            ? dnnl_pooling_forward_desc_init(&desc, dnnl_forward_inference, alg, &smd, &dmd, st, ke, pl, prr)
            : dnnl_invalid_arguments;
    if (st3 != dnnl_success) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "dnnl_pooling_forward_desc_init failed (status %d)",
                 (int)st3);
        return -1;
    }
    dnnl_ctx *d = calloc(1, sizeof *d);
    /* The scratchpad, if any, is the caller's, allocated once here (as frameworks do), rather than the
   * library's (benchdnn's --attr-scratchpad=user). */
    dnnl_primitive_attr_t attr = NULL;
    dnnl_status_t sp = dnnl_primitive_attr_create(&attr);
    if (sp == dnnl_success) sp = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (sp != dnnl_success || dnnl_primitive_desc_create(&d->pd, &desc, attr, g_engine, NULL) != dnnl_success) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "no oneDNN implementation for this pooling");
        if (attr) dnnl_primitive_attr_destroy(attr);
        free(d);
        return -1;
    }
    dnnl_primitive_attr_destroy(attr);
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(d->pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success || !impl) impl = "?";
    snprintf(pr->detail, sizeof pr->detail, "%s", impl);
    pr->is_ref = strncmp(impl, "jit", 3) != 0; /* C++ loop, not a JIT kernel */
    if (dnnl_primitive_create(&d->prim, d->pd) != dnnl_success) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "dnnl_primitive_create failed");
        dnnl_primitive_desc_destroy(d->pd);
        free(d);
        return -1;
    }
    dnnl_memory_create(&d->mem[0], &smd, g_engine, in);
    dnnl_memory_create(&d->mem[1], &dmd, g_engine, out);
    d->args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, d->mem[0]};
    d->args[1] = (dnnl_exec_arg_t){DNNL_ARG_DST, d->mem[1]};
    d->nargs = 2;
    dnnl_bind_extra(d, dnnl_query_workspace_md, DNNL_ARG_WORKSPACE, &d->ws); /* not expected for inference */
    dnnl_bind_extra(d, dnnl_query_scratchpad_md, DNNL_ARG_SCRATCHPAD, &d->scratch);
    pr->run = dnnl_run;
    pr->destroy = dnnl_destroy;
    pr->ctx = d;
    return 0;
}
#endif /* PK_HAVE_DNNL */

#ifdef PK_HAVE_XNNPACK
static int g_xnn_ok;

static void xnn_run(void *c) {
    if (xnn_run_operator((xnn_operator_t)c, NULL /* caller's thread */) != xnn_status_success) {
        fprintf(stderr, "xnn_run_operator failed\n");
        exit(3);
    }
}
static void xnn_destroy(void *c) { xnn_delete_operator((xnn_operator_t)c); }

static int xnn_make(const shape_t *sh, int layout, float *in, float *out, peer_t *pr) {
    memset(pr, 0, sizeof *pr);
    if (!g_xnn_ok) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "xnn_initialize failed (CPU not supported?)");
        return -1;
    }
    if (layout == L_BLOCKED) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "XNNPACK has no channel-blocked layout");
        return -1;
    }
    xnn_operator_t op = NULL;
    enum xnn_status cs = xnn_status_success, ss = xnn_status_success;
    const size_t C = (size_t)sh->c;
    const float lo = -INFINITY, hi = INFINITY;
    if (sh->op == OP_GAVG) {
        const size_t width = (size_t)prod(sh->sp, sh->nsp);
        if (layout == L_NHWC) {
            snprintf(pr->detail, sizeof pr->detail, "global_average_pooling_nwc_f32");
            cs = xnn_create_global_average_pooling_nwc_f32(C, C, C, lo, hi, 0, &op);
            if (cs == xnn_status_success)
                ss = xnn_setup_global_average_pooling_nwc_f32(op, (size_t)sh->n, width, in, out, NULL);
        } else {
            snprintf(pr->detail, sizeof pr->detail, "global_average_pooling_ncw_f32");
            cs = xnn_create_global_average_pooling_ncw_f32(C, lo, hi, 0, &op);
            if (cs == xnn_status_success)
                ss = xnn_setup_global_average_pooling_ncw_f32(op, (size_t)sh->n, width, in, out, NULL);
        }
    } else {
        if (sh->nsp != 2) {
            snprintf(pr->unsupported, sizeof pr->unsupported, "XNNPACK has 2-D pooling only (no %d-D operator)",
                     sh->nsp);
            return -1;
        }
        if (layout != L_NHWC) {
            snprintf(pr->unsupported, sizeof pr->unsupported, "XNNPACK pooling operators are NHWC-only");
            return -1;
        }
        if (sh->op == OP_AVG && sh->include_pad && (sh->p[0] || sh->p[1])) {
            snprintf(pr->unsupported, sizeof pr->unsupported, "XNNPACK average pooling excludes padding only");
            return -1;
        }
        const uint32_t ph = (uint32_t)sh->p[0], pw = (uint32_t)sh->p[1];
        const uint32_t kh = (uint32_t)sh->k[0], kw = (uint32_t)sh->k[1];
        const uint32_t sth = (uint32_t)sh->s[0], stw = (uint32_t)sh->s[1];
        if (sh->op == OP_MAX) {
            snprintf(pr->detail, sizeof pr->detail, "max_pooling2d_nhwc_f32");
            cs = xnn_create_max_pooling2d_nhwc_f32(ph, pw, ph, pw, kh, kw, sth, stw, 1, 1, C, C, C, lo, hi, 0, &op);
            if (cs == xnn_status_success)
                ss = xnn_setup_max_pooling2d_nhwc_f32(op, (size_t)sh->n, (size_t)sh->sp[0], (size_t)sh->sp[1], in, out,
                                                      NULL);
        } else {
            snprintf(pr->detail, sizeof pr->detail, "average_pooling2d_nhwc_f32");
            cs = xnn_create_average_pooling2d_nhwc_f32(ph, pw, ph, pw, kh, kw, sth, stw, C, C, C, lo, hi, 0, &op);
            if (cs == xnn_status_success)
                ss = xnn_setup_average_pooling2d_nhwc_f32(op, (size_t)sh->n, (size_t)sh->sp[0], (size_t)sh->sp[1], in,
                                                          out, NULL);
        }
    }
    if (cs != xnn_status_success || ss != xnn_status_success) {
        snprintf(pr->unsupported, sizeof pr->unsupported, "XNNPACK %s failed (create status %d, setup status %d)",
                 pr->detail, (int)cs, (int)ss);
        pr->detail[0] = 0;
        if (op) xnn_delete_operator(op);
        return -1;
    }
    pr->run = xnn_run;
    pr->destroy = xnn_destroy;
    pr->ctx = op;
    return 0;
}
#endif /* PK_HAVE_XNNPACK */

typedef int (*make_fn)(const shape_t *, int, float *, float *, peer_t *);
typedef struct {
    const char *name;
    make_fn make;
} peer_kind;

static const peer_kind peers[] = {
#ifdef PK_HAVE_DNNL
    {"onednn", dnnl_make},
#endif
#ifdef PK_HAVE_XNNPACK
    {"xnnpack", xnn_make},
#endif
};
static const int npeers = (int)(sizeof peers / sizeof peers[0]);

/* ------------------------------------------------------------------------------------------------ */
/* Output.                                                                                          */

static int g_table;

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", (unsigned char)*s);
        else putchar(*s);
    }
    putchar('"');
}

static void table_header(void) {
    printf("%-18s %-8s %-15s %-9s %11s %11s %11s %8s %8s  %s\n", "shape", "layout", "op", "impl", "us_median", "us_min",
           "us_mean", "GB/s", "x_floor", "detail");
}

/* impl rows: peers and the read+write probe. floor_us <= 0: unknown. */
static void emit_timing(const shape_t *sh, int layout, const char *impl, const char *detail, const timing_t *t,
                        double bytes, double floor_us, int capped) {
    double gbps = bytes / (t->us_median * 1e-6) * 1e-9;
    if (g_table) {
        char det[200];
        snprintf(det, sizeof det, "%s%s", detail, capped ? " [capped]" : "");
        printf("%-18s %-8s %-15s %-9s %11.3f %11.3f %11.3f %8.2f %8.2f  %s\n", sh->name, layout_label(sh, layout),
               op_name[sh->op], impl, t->us_median, t->us_min, t->us_mean, gbps,
               floor_us > 0 ? t->us_median / floor_us : 0.0, det);
    } else {
        printf("{\"shape\":");
        json_str(sh->name);
        printf(",\"layout\":\"%s\",\"op\":\"%s\",\"impl\":\"%s\",\"impl_detail\":", layout_label(sh, layout),
               op_name[sh->op], impl);
        json_str(detail);
        printf(",\"us_median\":%.4f,\"us_min\":%.4f,\"us_mean\":%.4f,\"bytes\":%.0f,\"gbps\":%.3f,\"rounds\":%d,"
               "\"batch\":%ld,\"calls\":%ld",
               t->us_median, t->us_min, t->us_mean, bytes, gbps, t->rounds, t->batch, t->calls);
        if (floor_us > 0) printf(",\"x_floor\":%.3f", t->us_median / floor_us);
        if (capped) printf(",\"capped\":true");
        printf("}\n");
    }
    fflush(stdout);
}

static void emit_floor(const shape_t *sh, int layout, double floor_us, double read_gbps, double bytes,
                       const char *how) {
    if (g_table) {
        printf("%-18s %-8s %-15s %-9s %11.3f %11s %11s %8.2f %8s  %s\n", sh->name, layout_name[layout], op_name[sh->op],
               "floor", floor_us, "-", "-", read_gbps, "1.00", how);
    } else {
        printf("{\"shape\":");
        json_str(sh->name);
        printf(",\"layout\":\"%s\",\"op\":\"%s\",\"impl\":\"floor\",\"impl_detail\":", layout_name[layout],
               op_name[sh->op]);
        json_str(how);
        printf(",\"us_median\":%.4f,\"bytes\":%.0f,\"read_gbps\":%.3f}\n", floor_us, bytes, read_gbps);
    }
    fflush(stdout);
}

static void emit_unsupported(const shape_t *sh, int layout, const char *impl, const char *why) {
    if (g_table) {
        printf("%-18s %-8s %-15s %-9s %11s %11s %11s %8s %8s  unsupported: %s\n", sh->name, layout_label(sh, layout),
               op_name[sh->op], impl, "-", "-", "-", "-", "-", why);
    } else {
        printf("{\"shape\":");
        json_str(sh->name);
        printf(",\"layout\":\"%s\",\"op\":\"%s\",\"impl\":\"%s\",\"unsupported\":", layout_label(sh, layout),
               op_name[sh->op], impl);
        json_str(why);
        printf("}\n");
    }
    fflush(stdout);
}

/* ------------------------------------------------------------------------------------------------ */
/* Start-up validation: peers vs the reference loop on S6's input, in every layout they take.       */

static int validate(const shape_t *s6, FILE *info) {
    shape_t cfg[5];
    const char *what[5] = {"as listed", "avg, same window", "avg k3 s1 p1 (exclude padding)", "max k3 s2 p1",
                           "global avg"};
    long input[5] = {s6->n, s6->c, s6->sp[0], s6->sp[1], s6->sp[2]};
    for (int i = 0; i < 5; i++) {
        cfg[i] = *s6;
        cfg[i].include_pad = 0;
    }
    cfg[1].op = OP_AVG;
    cfg[2].op = OP_AVG;
    cfg[3].op = OP_MAX;
    cfg[4].op = OP_GAVG;
    for (int d = 0; d < s6->nsp; d++) {
        cfg[2].k[d] = 3, cfg[2].s[d] = 1, cfg[2].p[d] = 1;
        cfg[3].k[d] = 3, cfg[3].s[d] = 2, cfg[3].p[d] = 1;
    }
    int fails = 0, passes = 0;
    for (int ci = 0; ci < 5; ci++) {
        shape_t *sh = &cfg[ci];
        if (finish_shape(sh, input, 2 + s6->nsp, s6->nsp, s6->nsp, s6->nsp)) continue;
        size_t ni = in_elems(sh), no = out_elems(sh);
        float *in = xalloc(ni * sizeof(float)), *out = xalloc(no * sizeof(float)), *ref = xalloc(no * sizeof(float));
        fill_random(in, ni, 12345u + (uint32_t)ci);
        for (int layout = L_NCHW; layout <= L_BLOCKED; layout++) {
            if (layout == L_BLOCKED && sh->c % g_block) continue;
            reference_pool(sh, layout, in, ref);
            for (int pi = 0; pi < npeers; pi++) {
                peer_t pr;
                if (peers[pi].make(sh, layout, in, out, &pr) != 0) continue;
                for (size_t i = 0; i < no; i++) out[i] = NAN;
                pr.run(pr.ctx);
                size_t bad = 0, first = 0;
                double worst = 0;
                for (size_t i = 0; i < no; i++) {
                    double e = fabs((double)out[i] - (double)ref[i]);
                    if (!(e <= 1e-5 * fabs((double)ref[i]) + 1e-6)) {
                        if (!bad) first = i;
                        bad++;
                        if (!(e <= worst)) worst = e;
                    }
                }
                if (bad) {
                    fails++;
                    if (info != stderr)
                        fprintf(info, "# WARNING: validation: %s %s %s (%s, %s) disagrees with the reference\n",
                                peers[pi].name, s6->name, layout_label(sh, layout), op_name[sh->op], what[ci]);
                    fprintf(stderr,
                            "WARNING: validation: %s %s %s (%s, %s) disagrees with the reference on %zu of %zu outputs "
                            "(first at %zu: got %g, want %g; max err %g)\n",
                            peers[pi].name, s6->name, layout_label(sh, layout), op_name[sh->op], what[ci], bad, no,
                            first, (double)out[first], (double)ref[first], worst);
                } else {
                    passes++;
                }
                pr.destroy(pr.ctx);
            }
        }
        free(in);
        free(out);
        free(ref);
    }
    fprintf(info,
            "# validation on %s input (max/avg/avg-pad/max-pad/global; NCHW, NHWC, oneDNN's %ldc-blocked): "
            "%d passed, %d failed\n",
            s6->name, g_block, passes, fails);
    return fails;
}

/* ------------------------------------------------------------------------------------------------ */

static int proc_threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Threads:", 8)) n = atoi(line + 8);
    fclose(f);
    return n;
}

/* Times one peer on one shape and layout and prints its row (or, if report_unsupported, why not). */
static void time_peer(const shape_t *sh, int layout, int pi, float *in, float *out, double bytes, double floor_us,
                      double min_time_ms, int repeats, int report_unsupported) {
    peer_t pr;
    if (peers[pi].make(sh, layout, in, out, &pr) != 0) {
        if (report_unsupported) emit_unsupported(sh, layout, peers[pi].name, pr.unsupported);
        return;
    }
    double mt = min_time_ms;
    int rp = repeats, capped = 0;
    if (pr.is_ref && (rp > REF_MAX_REPEATS || mt > REF_MAX_MIN_TIME_MS)) {
        if (rp > REF_MAX_REPEATS) rp = REF_MAX_REPEATS;
        if (mt > REF_MAX_MIN_TIME_MS) mt = REF_MAX_MIN_TIME_MS;
        capped = 1;
    }
    timing_t t = measure(pr.run, pr.ctx, mt, rp);
    char detail[200];
    snprintf(detail, sizeof detail, "%s%s", pr.detail, layout == L_BLOCKED ? " (reorders not timed)" : "");
    emit_timing(sh, layout, peers[pi].name, detail, &t, bytes, floor_us, capped);
    pr.destroy(pr.ctx);
}

/* Keeps the shapes whose name starts with one of the comma-separated prefixes in `only`. */
static int keep_shape(const char *name, const char *only) {
    if (!only) return 1;
    for (const char *p = only; *p;) {
        size_t n = strcspn(p, ",");
        if (n && !strncmp(name, p, n)) return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* Pins the calling thread to one CPU (benchdnn: "threads must be pinned in order to get consistent
 * frequency"; a migration also leaves the caches behind). Returns the CPU, or -1. */
static int pin_thread(const char *how) {
    if (!strcmp(how, "none")) return -1;
    int cpu = !strcmp(how, "auto") ? sched_getcpu() : atoi(how);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (cpu < 0 || sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "WARNING: cannot pin to CPU %d (%s); running unpinned\n", cpu, strerror(errno));
        return -1;
    }
    return cpu;
}

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--shapes path/to/shapes.json] [--only S1,S4,...] [--min-time-ms 200] [--repeats 7]\n"
            "          [--pin auto|none|CPU] [--format json|table]\n"
            "  default shapes: ../shared/bench/shapes.json, else %s\n"
            "  --repeats: rounds per measurement (the median of their medians is reported)\n"
            "  --pin: pin the (single) measuring thread; auto = the CPU it starts on (default)\n",
            argv0, PK_DEFAULT_SHAPES);
}

int main(int argc, char **argv) {
    /* Single thread for oneDNN's OpenMP runtime. libgomp reads OMP_NUM_THREADS when it is loaded
   * (before main), so the environment variable alone is not enough from here: also set the ICV. */
    setenv("OMP_NUM_THREADS", "1", 1);
#ifdef PK_HAVE_OMP
    omp_set_num_threads(1);
#endif

    const char *shapes_path = NULL;
    double min_time_ms = 200.0;
    int repeats = 7;
    const char *only = NULL, *pin = "auto";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--shapes") && v) {
            shapes_path = v;
            i++;
        } else if (!strcmp(a, "--only") && v) {
            only = v;
            i++;
        } else if (!strcmp(a, "--pin") && v) {
            pin = v;
            i++;
        } else if (!strcmp(a, "--min-time-ms") && v) {
            min_time_ms = atof(v);
            i++;
        } else if (!strcmp(a, "--repeats") && v) {
            repeats = atoi(v);
            i++;
        } else if (!strcmp(a, "--format") && v) {
            if (!strcmp(v, "table")) g_table = 1;
            else if (!strcmp(v, "json")) g_table = 0;
            else {
                usage(argv[0]);
                return 2;
            }
            i++;
        } else {
            usage(argv[0]);
            return strcmp(a, "--help") && strcmp(a, "-h") ? 2 : 0;
        }
    }
    if (min_time_ms <= 0 || repeats < 1 || repeats > 64) {
        fprintf(stderr, "--min-time-ms must be > 0 and --repeats in 1..64\n");
        return 2;
    }

    char *text = NULL;
    if (shapes_path) {
        text = read_file(shapes_path);
    } else {
        shapes_path = "../shared/bench/shapes.json";
        text = read_file(shapes_path);
        if (!text) {
            shapes_path = PK_DEFAULT_SHAPES;
            text = read_file(shapes_path);
        }
    }
    if (!text) {
        fprintf(stderr, "cannot read shapes file %s: %s\n", shapes_path, strerror(errno));
        return 2;
    }
    static shape_t shapes[MAX_SHAPES];
    int nshapes = parse_shapes(text, shapes, MAX_SHAPES);
    free(text);
    if (nshapes <= 0) {
        fprintf(stderr, "no shapes in %s\n", shapes_path);
        return 2;
    }
    const int pinned_cpu = pin_thread(pin); /* before any buffer is touched, so pages are placed from here */

#ifdef PK_HAVE_XNNPACK
    g_xnn_ok = xnn_initialize(NULL) == xnn_status_success;
#endif

    /* Run information (stdout in table mode, stderr in json mode so stdout stays one object a line). */
    FILE *info = g_table ? stdout : stderr;
    const int avx2 = use_avx2_probe();
    fprintf(info,
            "# poolkit_peers: shapes %s (%d), %d rounds of >= %.0f ms each, batches of >= %.0f us, median of "
            "the rounds' medians (oneDNN non-JIT impls capped at %d x %.0f ms)\n",
            shapes_path, nshapes, repeats, min_time_ms, BATCH_MIN_US, REF_MAX_REPEATS, REF_MAX_MIN_TIME_MS);
    if (pinned_cpu >= 0) fprintf(info, "# measuring thread pinned to CPU %d\n", pinned_cpu);
    else fprintf(info, "# measuring thread not pinned\n");
#ifdef PK_HAVE_DNNL
    {
        const dnnl_version_t *v = dnnl_version();
        const char *rt = v->cpu_runtime == DNNL_RUNTIME_OMP          ? "OpenMP"
                         : v->cpu_runtime == DNNL_RUNTIME_TBB        ? "TBB"
                         : v->cpu_runtime == DNNL_RUNTIME_SEQ        ? "sequential"
                         : v->cpu_runtime == DNNL_RUNTIME_THREADPOOL ? "threadpool"
                                                                     : "other";
        int omp_threads = -1;
#ifdef PK_HAVE_OMP
        omp_threads = omp_get_max_threads();
#endif
        fprintf(info, "# oneDNN %d.%d.%d (hash %s), CPU runtime %s, omp_get_max_threads()=%d, effective ISA 0x%x\n",
                v->major, v->minor, v->patch, v->hash ? v->hash : "?", rt, omp_threads,
                (unsigned)dnnl_get_effective_cpu_isa());
        /* the blocked rows take the block of oneDNN's kernels at this level */
        g_block = (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core ? 16 : 8;
        if (v->cpu_runtime == DNNL_RUNTIME_OMP && omp_threads != 1)
            fprintf(stderr, "WARNING: oneDNN uses OpenMP but the harness could not force 1 thread (%d)\n", omp_threads);
        if (v->cpu_runtime == DNNL_RUNTIME_TBB || v->cpu_runtime == DNNL_RUNTIME_THREADPOOL)
            fprintf(stderr, "WARNING: oneDNN CPU runtime is %s; this harness only pins OpenMP to one thread\n", rt);
    }
#else
    fprintf(info, "# oneDNN: not built in\n");
#endif
#ifdef PK_HAVE_XNNPACK
    fprintf(info, "# XNNPACK %s (package version), threadpool NULL (caller's thread), initialize %s\n",
            PK_XNNPACK_VERSION, g_xnn_ok ? "ok" : "FAILED");
#else
    fprintf(info, "# XNNPACK: not built in\n");
#endif
    fprintf(info,
            "# probes: %s; bandwidth = read all input + write all output once; floor = (in+out bytes) / read GB/s\n",
            avx2 ? "AVX2 (bw_avx2.c, -mavx2)" : "scalar");

    /* Validation on S6 (or the first shape whose name starts with "S6", else a built-in 1x16x8x8). */
    {
        const shape_t *s6 = NULL;
        for (int i = 0; i < nshapes; i++)
            if (!strncmp(shapes[i].name, "S6", 2)) s6 = &shapes[i];
        shape_t def;
        if (!s6) {
            memset(&def, 0, sizeof def);
            snprintf(def.name, sizeof def.name, "builtin-1x16x8x8");
            def.op = OP_MAX;
            long input[4] = {1, 16, 8, 8};
            def.k[0] = def.k[1] = def.s[0] = def.s[1] = 2;
            finish_shape(&def, input, 4, 2, 2, 2);
            s6 = &def;
        }
        validate(s6, info);
    }

    {
        /* Clock ramp-up: run the read probe on a 4 MiB buffer for CLOCK_WARMUP_MS before measuring. */
        size_t nw = (size_t)1 << 20;
        float *w = xalloc(nw * sizeof(float));
        fill_random(w, nw, 7u);
        probe_ctx wc = {w, nw, w, 0, avx2};
        double t0 = now_s();
        while (now_s() - t0 < CLOCK_WARMUP_MS * 1e-3) run_probe_read(&wc);
        free(w);
    }
    fflush(info);
    if (g_table) table_header();
    double t_start = now_s();
    for (int si = 0; si < nshapes; si++) {
        const shape_t *sh = &shapes[si];
        if (!keep_shape(sh->name, only)) continue;
        const size_t ni = in_elems(sh), no = out_elems(sh);
        const double bytes = (double)(ni + no) * sizeof(float);
        float *in = xalloc(ni * sizeof(float)), *out = xalloc(no * sizeof(float));
        fill_random(in, ni, 0x9e3779b9u ^ (uint32_t)si);

        /* Probes: layout-independent (same bytes), measured once per shape, reported for each layout. */
        probe_ctx pc = {in, ni, out, no, avx2};
        timing_t tr = measure(run_probe_read, &pc, min_time_ms, repeats);
        double read_gbps = (double)ni * sizeof(float) / (tr.us_median * 1e-6) * 1e-9;
        double floor_us = bytes / (read_gbps * 1e9) * 1e6;
        timing_t trw = measure(run_probe_rw, &pc, min_time_ms, repeats);

        for (int layout = L_NCHW; layout <= L_NHWC; layout++) {
            for (int pi = 0; pi < npeers; pi++)
                time_peer(sh, layout, pi, in, out, bytes, floor_us, min_time_ms, repeats, 1);
            emit_timing(sh, layout, "bandwidth", avx2 ? "avx2 read-in+write-out" : "scalar read-in+write-out", &trw,
                        bytes, floor_us, 0);
            emit_floor(sh, layout, floor_us, read_gbps, bytes,
                       avx2 ? "in+out bytes / avx2 read-sum GB/s" : "in+out bytes / scalar read-sum GB/s");
        }
        /* Extra rows: oneDNN's channel-blocked layout, the one its JIT kernels prefer. The input is the
     * same buffer read as blocked; the reorders a caller with NCHW or NHWC data needs are not timed. */
        for (int pi = 0; pi < npeers; pi++)
            time_peer(sh, L_BLOCKED, pi, in, out, bytes, floor_us, min_time_ms, repeats, 0);
        free(in);
        free(out);
    }
    fprintf(info, "# done: %.1f s of measurements; process threads at exit: %d\n", now_s() - t_start, proc_threads());

#ifdef PK_HAVE_DNNL
    if (g_stream) dnnl_stream_destroy(g_stream);
    if (g_engine) dnnl_engine_destroy(g_engine);
#endif
#ifdef PK_HAVE_XNNPACK
    if (g_xnn_ok) xnn_deinitialize();
#endif
    return 0;
}
