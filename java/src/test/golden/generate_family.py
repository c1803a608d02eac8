#!/usr/bin/python3
"""Golden test vectors for the rest of the pooling family.

Writes java/src/test/resources/golden/family.txt, computed by PyTorch 1.13 (Debian bookworm's
python3-torch, numpy 1.24) on CPU in float32:

  * min pooling, as -max_pool{1,2,3}d(-x) with return_indices=True;
  * LP pooling in PyTorch's form (F.lp_pool1d / lp_pool2d) and in ONNX LpPool's form
    (sum over in-input taps of |x|^p)^(1/p) with asymmetric pads, dilation and ceil mode,
    computed with torch in float64 and rounded to float32;
  * adaptive max (with indices) and average pooling, 1d/2d/3d;
  * global max (with indices), average and LP (ONNX form) pooling;
  * fractional max pooling 2d/3d from explicit samples;
  * max pooling with indices in every index format, and average pooling;
  * max unpooling of real max_pool indices;
  * and, for every case except unpooling, cases with NaN or infinite inputs, and cases with an
    LP output that is 0 or not finite, the input gradient of a random output gradient by autograd.

Run from the repository root with Debian's interpreter (not a pyenv one):

    /usr/bin/python3 java/src/test/golden/generate_family.py [--seed-offset N] [--out PATH]

--seed-offset N draws other cases (to check code on cases the tests have not seen); --out writes
them elsewhere. The output is deterministic (fixed seeds, one thread). Every case is also checked
against a naive loop of the intended semantics written here without torch (output sizes, window
bounds, tie and NaN rules, divisors, index rules); the script fails if any of them disagrees.

File format: as generate.py's: one block per case, blank line between blocks, '#' comments;
values in NCHW-contiguous order; floats as repr() of the float32 value or NaN / Infinity /
-Infinity, so Float.parseFloat reads them back exactly.

    case <unique-name>
    source pytorch|onnx                  (onnx: lp in abs form, global_lp)
    op min|lp|adaptive_max|adaptive_avg|global_max|global_avg|global_lp|fractional_max|max|avg|unpool
    input_shape N C S1 [S2 [S3]]
    p v                                  (lp, global_lp)
    lp_form pytorch|abs                  (lp)
    kernel / stride / pad_begin / pad_end / dilation / ceil_mode     (min, lp, max, avg;
                                          unpool: kernel, stride, pad_begin = pad_end; fractional: kernel)
    count_include_pad / divisor_override / nan_mode / auto_pad       (max, avg: as pytorch.txt)
    nan_mode propagate                   (min)
    samples u ...                        (fractional_max: _random_samples, shape (N, C, rank))
    output_shape N C O1 ...
    input v ...                          (unpool: the pooled values)
    output v ...
    indices i ...                        (min, max, adaptive_max, global_max, fractional_max, unpool:
                                          flat index inside each (n, c) spatial plane)
    indices_flat_row i ...               (max: (n*C + c)*plane + p)
    indices_flat_column i ...            (max: (n*C + c)*plane + the position column-major with the
                                          first spatial axis fastest: 1d w, 2d w*H + h, 3d (w*H + h)*D + d)
    indices_channels_last i ...          (max: p*C + c)
    indices_channels_last_batch i ...    (max: (n*plane + p)*C + c)
    grad_output v ...                    (output's shape)
    grad_input v ...                     (input's shape; torch autograd)
    end

Semantics checked by the naive loops (per spatial axis: input L, kernel k, stride s, dilation d,
effective kernel ke = d*(k-1)+1, pads pb/pe):
  * O = floor((L + pb + pe - ke [+ s-1 if ceil]) / s) + 1, minus 1 in ceil mode if
    (O-1)*s >= L + pb; window o has taps o*s - pb + j*d, those outside [0, L) ignored.
  * max / min: the first extremum in row-major window order wins ties; a NaN replaces the
    current result, so the index is that of the last NaN.
  * avg: PyTorch's divisor (divisor_override, else with count_include_pad the taps inside
    [-p, L + p), else the in-input taps), one float32 division of the exact sum.
  * lp pytorch: (K/n * sum x^p)^(1/p), x signed, K the kernel volume, n the in-input taps (they
    differ only in a partial ceil-mode window). lp abs: (sum |x|^p)^(1/p) over in-input taps;
    cases with a window without in-input taps are skipped.
  * adaptive: bin i = [floor(i*L/O), ceil((i+1)*L/O)). PyTorch 1.13's adaptive average divides the
    float32 sum by the bin extents one after the other (D, then H, then W), except when every
    output size is 1, where it takes the mean (one division by the plane size); both are checked.
  * fractional: alpha = float32(L-k) / float32(O-1); start_i = int((i+u)*alpha) - int(u*alpha)
    in float32 for i < O-1, the last window starts at L-k. In 2d samples[n, c, 0] drives W and
    [n, c, 1] drives H; in 3d [n, c, 0] drives D, 1 H and 2 W (found empirically: the script
    asserts that the other assignment disagrees with torch on some cases).
  * unpool: output zero except output.flat[indices] = input, per (n, c) plane; output_size is
    the default (In-1)*s - 2p + k or an explicit larger one (PyTorch allows up to default + s - 1).
"""

import argparse
import itertools
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "golden", "family.txt"))

NAN = float("nan")
INF = float("inf")

POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
AMAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
AAVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}
FRACTIONAL = {2: F.fractional_max_pool2d, 3: F.fractional_max_pool3d}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def fmt_float(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def ints(v):
    return " ".join(str(int(i)) for i in np.asarray(v).reshape(-1))


def floats(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().numpy()
    return " ".join(fmt_float(v) for v in np.asarray(t, dtype=np.float32).reshape(-1))


class Writer:
    def __init__(self):
        self.blocks, self.counts, self.grads = [], {}, 0

    def add(self, name, fields):
        assert not any(b.startswith("case %s\n" % name) for b in self.blocks), name
        op = fields["op"]
        self.counts[op] = self.counts.get(op, 0) + 1
        self.grads += "grad_input" in fields
        lines = ["case " + name] + ["%s %s" % kv for kv in fields.items()] + ["end"]
        self.blocks.append("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

def values(rng, shape, special=None, positive=False, narrow=False):
    """Multiples of 0.25 in [-8, 8] (ties); positive ones for fractional LP; narrow = [-1, 1]
    (many ties); special: NaN and/or +-inf sprinkled in."""
    lo, hi = (1, 32) if positive else ((-4, 4) if narrow else (-32, 32))
    x = (rng.integers(lo, hi + 1, size=shape) / 4).astype(np.float32)
    if special:
        u = rng.random(size=shape)
        if special in ("nan", "naninf"):
            x[u < 0.12] = NAN
        if special in ("inf", "naninf"):
            x[(u >= 0.12) & (u < 0.18)] = INF
            x[(u >= 0.18) & (u < 0.24)] = -INF
    return torch.from_numpy(x)


def special_for(i, every=5):
    """Every `every`-th case gets NaN/inf inputs, cycling through the kinds."""
    if i % every:
        return None
    return ("nan", "inf", "naninf")[(i // every) % 3]


def grid_like(rng, shape):
    """A random output gradient on the coarse grid."""
    return torch.from_numpy((rng.integers(-8, 9, size=tuple(shape)) / 4).astype(np.float32))


def add_gradient(fields, x, forward, rng):
    """grad_output / grad_input by autograd; none for NaN/inf inputs or non-finite gradients."""
    if not torch.isfinite(x).all():
        return
    xg = x.clone().requires_grad_(True)
    y = forward(xg)
    g = grid_like(rng, y.shape)
    y.backward(g)
    if not torch.isfinite(xg.grad).all():
        return
    fields["grad_output"] = floats(g)
    fields["grad_input"] = floats(xg.grad)


# ---------------------------------------------------------------------------
# Naive references (no torch)
# ---------------------------------------------------------------------------

def out_size(L, k, s, d, pb, pe, ceil):
    ke = d * (k - 1) + 1
    o = (L + pb + pe - ke + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= L + pb:
        o -= 1
    return o


def sliding_windows(spatial, k, s, d, pb, pe, ceil):
    """Per axis, per output position: the in-input tap coordinates in order."""
    per_axis = []
    for a, L in enumerate(spatial):
        O = out_size(L, k[a], s[a], d[a], pb[a], pe[a], ceil)
        per_axis.append([[t for t in (o * s[a] - pb[a] + j * d[a] for j in range(k[a])) if 0 <= t < L]
                         for o in range(max(O, 0))])
    return per_axis


def has_empty(per_axis):
    return any(len(ax) == 0 for ax in per_axis) or any(len(w) == 0 for ax in per_axis for w in ax)


def adaptive_windows(spatial, out):
    return [[list(range(o * L // O, -(-(o + 1) * L // O))) for o in range(O)] for L, O in zip(spatial, out)]


def naive(x, per_axis, reduce):
    """reduce(taps) per (n, c) and output position; taps = [(plane index, float32 value)] in
    row-major window order. per_axis may be a function of (n, c)."""
    x = np.asarray(x.numpy() if isinstance(x, torch.Tensor) else x)
    N, C = x.shape[:2]
    spatial = x.shape[2:]
    vals, idx = None, None
    for n, c in itertools.product(range(N), range(C)):
        axes = per_axis(n, c) if callable(per_axis) else per_axis
        shape = tuple(len(ax) for ax in axes)
        if vals is None:
            vals = np.zeros((N, C) + shape, np.float64)
            idx = np.zeros((N, C) + shape, np.int64)
        for o in itertools.product(*(range(i) for i in shape)):
            wins = [axes[a][o[a]] for a in range(len(o))]
            taps = [(int(np.ravel_multi_index(pos, spatial)), x[(n, c) + pos]) for pos in itertools.product(*wins)]
            vals[(n, c) + o], idx[(n, c) + o] = reduce(taps, wins)
    return vals, idx


def first_max(taps, _):
    best, best_i = np.float32(-INF), taps[0][0]
    for i, v in taps:
        if v > best or math.isnan(v):
            best, best_i = v, i
    return best, best_i


def first_min(taps, _):
    best, best_i = np.float32(INF), taps[0][0]
    for i, v in taps:
        if v < best or math.isnan(v):
            best, best_i = v, i
    return best, best_i


def lp_abs(p):
    def reduce(taps, _):
        return math.fsum(abs(float(v)) ** p for _, v in taps) ** (1.0 / p), 0
    return reduce


def lp_pytorch(p, K):
    def reduce(taps, _):
        total = math.fsum(float(v) ** p if float(v) >= 0 or p % 1 == 0 else NAN for _, v in taps) / len(taps) * K
        if math.isnan(total):
            return NAN, 0
        if total < 0:  # a real root exists only for odd integer 1/p
            return (-((-total) ** (1.0 / p)) if p == 1 else NAN), 0
        return total ** (1.0 / p), 0
    return reduce


def adaptive_mean(every_one):
    def reduce(taps, wins):
        total = np.float32(math.fsum(float(v) for _, v in taps))  # exact: quarter-integers
        if every_one:
            return np.float32(total / np.float32(len(taps))), 0
        for w in wins:  # one float32 division per axis, D then H then W
            total = np.float32(total / np.float32(len(w)))
        return total, 0
    return reduce


def naive_avg(x, k, s, p, ceil, cip, divisor):
    spatial = x.shape[2:]
    N, C = x.shape[:2]
    xs = x.numpy()
    outs = [out_size(L, kk, ss, 1, pp, pp, ceil) for L, kk, ss, pp in zip(spatial, k, s, p)]
    res = np.zeros((N, C, *outs), np.float64)
    for n, c in itertools.product(range(N), range(C)):
        for o in itertools.product(*(range(i) for i in outs)):
            starts = [oo * ss - pp for oo, ss, pp in zip(o, s, p)]
            ends = [min(st + kk, L + pp) for st, kk, L, pp in zip(starts, k, spatial, p)]
            padded = int(np.prod([e - st for st, e in zip(starts, ends)]))
            lo = [max(st, 0) for st in starts]
            hi = [min(e, L) for e, L in zip(ends, spatial)]
            inside = int(np.prod([h - l for l, h in zip(lo, hi)]))
            total = math.fsum(float(xs[(n, c) + t]) for t in itertools.product(*(range(l, h) for l, h in zip(lo, hi))))
            div = divisor if divisor else (padded if cip else inside)
            res[(n, c) + o] = np.float32(np.float32(total) / np.float32(div))
    return res


def check(name, got, want, got_idx=None, want_idx=None, ulps=0):
    """Bit-exact (NaN == NaN) unless ulps > 0, then within that many float32 ulps."""
    got = np.asarray(got.detach().numpy() if isinstance(got, torch.Tensor) else got, np.float32)
    want = np.asarray(want, np.float64).astype(np.float32)
    if got.shape != want.shape:
        sys.exit("%s: shape %s, naive %s" % (name, got.shape, want.shape))
    with np.errstate(invalid="ignore"):
        same = (got == want) | (np.isnan(got) & np.isnan(want))
        if ulps:
            tol = ulps * np.spacing(np.maximum(np.abs(got), np.abs(want)))
            same |= np.isfinite(want) & (np.abs(got.astype(np.float64) - want) <= tol)
    if not same.all():
        sys.exit("%s: torch and the naive reference disagree:\n%s\n%s" % (name, got, want))
    if got_idx is not None:
        gi = got_idx.numpy() if isinstance(got_idx, torch.Tensor) else got_idx
        if gi.shape != want_idx.shape or not (gi == want_idx).all():
            sys.exit("%s: indices disagree:\n%s\n%s" % (name, gi, want_idx))


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def shape_of(rng, nd, lo=2, hi=None, max_elems=300):
    """Random (N, C, spatial...) with at most max_elems elements."""
    hi = hi or {1: 13, 2: 8, 3: 5}[nd]
    while True:
        shape = [int(rng.integers(1, 3)), int(rng.integers(1, 4))] + [int(rng.integers(lo, hi + 1)) for _ in range(nd)]
        if np.prod(shape) <= max_elems:
            return shape


def sliding_fields(k, s, pb, pe, d, ceil):
    return {"kernel": ints(k), "stride": ints(s), "pad_begin": ints(pb), "pad_end": ints(pe),
            "dilation": ints(d), "ceil_mode": str(int(ceil))}


def index_formats(idx, shape):
    N, C = shape[:2]
    spatial = shape[2:]
    plane = int(np.prod(spatial))
    nd = len(spatial)
    bcast = [1] * nd
    nc = np.arange(N * C).reshape(N, C, *bcast)
    n = np.arange(N).reshape(N, 1, *bcast)
    c = np.arange(C).reshape(1, C, *bcast)
    p = idx.numpy()
    coords = np.unravel_index(p, spatial)
    column, scale = np.zeros_like(p), 1
    for a in range(nd):  # first spatial axis fastest
        column = column + coords[a] * scale
        scale *= spatial[a]
    return {"indices_flat_row": ints(nc * plane + p),
            "indices_flat_column": ints(nc * plane + column),
            "indices_channels_last": ints(p * C + c),
            "indices_channels_last_batch": ints((n * plane + p) * C + c)}


def sliding_params(rng, nd, spatial, max_k=4, dilate=True):
    k = [int(rng.integers(1, max_k + 1)) for _ in range(nd)]
    s = [int(rng.integers(1, 4)) for _ in range(nd)]
    d = [int(rng.integers(1, 3)) if dilate else 1 for _ in range(nd)]
    p = [int(rng.integers(0, kk // 2 + 1)) for kk in k]  # PyTorch 1.13: pad <= k/2
    ceil = bool(rng.integers(0, 2))
    return k, s, d, p, ceil


def gen_extremum(w, rng, op, count):
    """min (as -max_pool(-x)) or max, 1d/2d/3d, with indices."""
    made = 0
    for i in itertools.count():
        if made >= count:
            break
        nd = 1 + i % 3
        shape = shape_of(rng, nd)
        k, s, d, p, ceil = sliding_params(rng, nd, shape[2:])
        per_axis = sliding_windows(shape[2:], k, s, d, p, p, ceil)
        if has_empty(per_axis):
            continue  # torch rejects the size, or a window lies in the padding only
        x = values(rng, shape, special_for(i), narrow=i % 4 == 1)
        sign = -1 if op == "min" else 1
        y, idx = POOL[nd](sign * x, k, s, p, d, ceil_mode=ceil, return_indices=True)
        y = sign * y
        want, want_idx = naive(x, per_axis, first_min if op == "min" else first_max)
        name = "%s%dd_%d" % (op, nd, i)
        check(name, y, want, idx, want_idx)
        fields = {"source": "pytorch", "op": op, "input_shape": ints(shape), **sliding_fields(k, s, p, p, d, ceil)}
        if op == "max":
            fields.update(count_include_pad="0", divisor_override="0", nan_mode="propagate", auto_pad="NOTSET")
        else:
            fields["nan_mode"] = "propagate"
        fields.update(output_shape=ints(y.shape), input=floats(x), output=floats(y), indices=ints(idx))
        if op == "max":
            fields.update(index_formats(idx, shape))
        add_gradient(fields, x, lambda t: sign * POOL[nd](sign * t, k, s, p, d, ceil_mode=ceil), rng)
        w.add(name, fields)
        made += 1


def gen_avg(w, rng, count):
    made = 0
    for i in itertools.count():
        if made >= count:
            break
        nd = 1 + i % 3
        shape = shape_of(rng, nd)
        k, s, _, p, ceil = sliding_params(rng, nd, shape[2:], dilate=False)
        cip = bool(rng.integers(0, 2))
        div = int(rng.integers(1, 10)) if nd > 1 and i % 4 == 2 else 0  # avg_pool1d has no divisor_override
        if has_empty(sliding_windows(shape[2:], k, s, [1] * nd, p, p, ceil)):
            continue
        if nd == 3 and any(L < kk for L, kk in zip(shape[2:], k)):
            continue  # avg_pool3d rejects inputs smaller than the kernel, even padded
        x = values(rng, shape)
        kw = {"ceil_mode": ceil, "count_include_pad": cip}
        if div:
            kw["divisor_override"] = div
        forward = lambda t: AVG[nd](t, k, s, p, **kw)
        y = forward(x)
        name = "avg%dd_%d" % (nd, i)
        check(name, y, naive_avg(x, k, s, p, ceil, cip, div))
        fields = {"source": "pytorch", "op": "avg", "input_shape": ints(shape),
                  **sliding_fields(k, s, p, p, [1] * nd, ceil), "count_include_pad": str(int(cip)),
                  "divisor_override": str(div), "nan_mode": "propagate", "auto_pad": "NOTSET",
                  "output_shape": ints(y.shape), "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, forward, rng)
        w.add(name, fields)
        made += 1


def lp_case(w, rng, name, x, p, k, s, ceil):
    """One PyTorch-form LP case (F.lp_pool1d/2d: no padding, no dilation)."""
    nd = x.ndim - 2
    lp = F.lp_pool1d if nd == 1 else F.lp_pool2d
    forward = lambda t: lp(t, p, k[0] if nd == 1 else k, s[0] if nd == 1 else s, ceil_mode=ceil)
    y = forward(x)
    per_axis = sliding_windows(x.shape[2:], k, s, [1] * nd, [0] * nd, [0] * nd, ceil)
    want, _ = naive(x, per_axis, lp_pytorch(p, float(np.prod(k))))
    check(name, y, want, ulps=8)
    fields = {"source": "pytorch", "op": "lp", "p": repr(float(p)), "lp_form": "pytorch",
              "input_shape": ints(x.shape), **sliding_fields(k, s, [0] * nd, [0] * nd, [1] * nd, ceil),
              "output_shape": ints(y.shape), "input": floats(x), "output": floats(y)}
    if torch.isfinite(y).all() and (y != 0).all():
        add_gradient(fields, x, forward, rng)
    w.add(name, fields)
    return per_axis


def gen_lp_pytorch(w, rng, count):
    made, partial = 0, 0
    for i in itertools.count():
        if made >= count:
            break
        nd = 1 + i % 2
        shape = shape_of(rng, nd)
        k = [int(rng.integers(1, min(3, L) + 1)) for L in shape[2:]]
        s = [int(rng.integers(1, 4)) for _ in k]
        ceil = i % 2 == 0 or bool(rng.integers(0, 2))
        if i % 2 == 0:
            # make the last window partial on the last axis: s > 1 and (L - k) % s != 0
            s[-1] = max(s[-1], 2)
            shape[-1] += (s[-1] - (shape[-1] - k[-1]) % s[-1]) % s[-1] + 1
            while np.prod(shape) > 300:
                shape[1 if shape[1] > 1 else 0] -= 1
        p = [1.5, 2.0, 0.5, 3.0, 2.5, 1.0][i % 6]
        # fractional p needs positive inputs; signed ones with odd p may give NaN (no real root)
        signed = p % 1 == 0 and i % 4 == 3
        x = values(rng, shape, positive=not signed)
        per_axis = lp_case(w, rng, "lp%dd_%d" % (nd, i), x, p, k, s, ceil)
        partial += any(len(win) < kk for ax, kk in zip(per_axis, k) for win in ax)
        made += 1
    assert partial >= 3, "too few partial ceil-mode windows for LP"


def lp_abs_forward(nd, k, s, d, pb, pe, p, per_axis):
    """(sum |x|^p)^(1/p) over in-input taps, in float64: zero padding (far enough for the ceil
    overhang), windows by unfold, rounded to float32."""
    def forward(t):
        a = t.double().abs() ** p
        pads = []
        for ax in reversed(range(nd)):
            need = (len(per_axis[ax]) - 1) * s[ax] + d[ax] * (k[ax] - 1) + 1
            pads += [pb[ax], max(pe[ax], need - t.shape[2 + ax] - pb[ax])]
        a = F.pad(a, pads)
        for ax in range(nd):
            a = a.unfold(2 + ax, d[ax] * (k[ax] - 1) + 1, s[ax])[..., ::d[ax]]
            a = a.narrow(2 + ax, 0, len(per_axis[ax]))
        return (a.sum(dim=tuple(range(-nd, 0))) ** (1.0 / p)).float()
    return forward


def gen_lp_abs(w, rng, count):
    made = 0
    for i in itertools.count():
        if made >= count:
            break
        nd = 1 + i % 3
        shape = shape_of(rng, nd)
        k = [int(rng.integers(1, 4)) for _ in range(nd)]
        s = [int(rng.integers(1, 4)) for _ in range(nd)]
        d = [int(rng.integers(1, 3)) for _ in range(nd)]
        pb = [int(rng.integers(0, dd * (kk - 1) + 1)) for kk, dd in zip(k, d)]  # < effective kernel
        pe = [int(rng.integers(0, dd * (kk - 1) + 1)) for kk, dd in zip(k, d)]
        ceil = bool(rng.integers(0, 2))
        p = [1.0, 2.0, 3.0, 1.5][i % 4]
        per_axis = sliding_windows(shape[2:], k, s, d, pb, pe, ceil)
        if has_empty(per_axis):
            continue
        x = values(rng, shape, narrow=i % 5 == 3)
        forward = lp_abs_forward(nd, k, s, d, pb, pe, p, per_axis)
        y = forward(x)
        name = "lp_abs%dd_%d" % (nd, i)
        check(name, y, naive(x, per_axis, lp_abs(p))[0], ulps=1)
        fields = {"source": "onnx", "op": "lp", "p": repr(float(p)), "lp_form": "abs", "input_shape": ints(shape),
                  **sliding_fields(k, s, pb, pe, d, ceil), "output_shape": ints(y.shape), "input": floats(x),
                  "output": floats(y)}
        if (y != 0).all():
            add_gradient(fields, x, forward, rng)
        w.add(name, fields)
        made += 1


def adaptive_sizes(rng, spatial, i):
    """Per axis, cycling: larger than the input, equal, not dividing it, 1."""
    out = []
    for a, L in enumerate(spatial):
        kind = (i + a) % 4
        if kind == 2:
            choices = [o for o in range(2, L) if L % o]
            if not choices:
                kind = 0
        if kind == 0:
            out.append(L + int(rng.integers(1, 4)))
        elif kind == 1:
            out.append(L)
        elif kind == 2:
            out.append(int(rng.choice(choices)))
        else:
            out.append(1)
    return out


def gen_adaptive(w, rng, count):
    for i in range(count):
        nd = 1 + i % 3
        shape = shape_of(rng, nd, lo=1, hi={1: 13, 2: 7, 3: 5}[nd])
        out = adaptive_sizes(rng, shape[2:], i)
        per_axis = adaptive_windows(shape[2:], out)
        x = values(rng, shape, special_for(i, 6), narrow=i % 4 == 1)
        y, idx = AMAX[nd](x, out, return_indices=True)
        name = "adaptive_max%dd_%d" % (nd, i)
        want, want_idx = naive(x, per_axis, first_max)
        check(name, y, want, idx, want_idx)
        fields = {"source": "pytorch", "op": "adaptive_max", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y), "indices": ints(idx)}
        add_gradient(fields, x, lambda t: AMAX[nd](t, out), rng)
        w.add(name, fields)

        x = values(rng, shape)
        y = AAVG[nd](x, out)
        name = "adaptive_avg%dd_%d" % (nd, i)
        check(name, y, naive(x, per_axis, adaptive_mean(all(o == 1 for o in out)))[0])
        fields = {"source": "pytorch", "op": "adaptive_avg", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, lambda t: AAVG[nd](t, out), rng)
        w.add(name, fields)


def gen_global(w, rng, count):
    for i in range(count):
        nd = 1 + i % 3
        shape = shape_of(rng, nd, lo=1, hi={1: 16, 2: 8, 3: 5}[nd])
        ones = [1] * nd
        whole = [[list(range(L))] for L in shape[2:]]

        x = values(rng, shape, special_for(i, 5), narrow=i % 4 == 1)
        y, idx = AMAX[nd](x, ones, return_indices=True)
        name = "global_max%dd_%d" % (nd, i)
        want, want_idx = naive(x, whole, first_max)
        check(name, y, want, idx, want_idx)
        fields = {"source": "pytorch", "op": "global_max", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y), "indices": ints(idx)}
        add_gradient(fields, x, lambda t: AMAX[nd](t, ones), rng)
        w.add(name, fields)

        x = values(rng, shape)
        y = AAVG[nd](x, ones)
        name = "global_avg%dd_%d" % (nd, i)
        check(name, y, naive(x, whole, adaptive_mean(True))[0])
        fields = {"source": "pytorch", "op": "global_avg", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, lambda t: AAVG[nd](t, ones), rng)
        w.add(name, fields)

        p = [2.0, 1.0, 3.0, 1.5][i % 4]
        x = values(rng, shape, narrow=i % 5 == 2)
        dims = tuple(range(2, 2 + nd))
        forward = lambda t: ((t.double().abs() ** p).sum(dim=dims, keepdim=True) ** (1.0 / p)).float()
        y = forward(x)
        name = "global_lp%dd_%d" % (nd, i)
        check(name, y, naive(x, whole, lp_abs(p))[0], ulps=1)
        fields = {"source": "onnx", "op": "global_lp", "p": repr(p), "input_shape": ints(shape),
                  "output_shape": ints(y.shape), "input": floats(x), "output": floats(y)}
        if (y != 0).all():
            add_gradient(fields, x, forward, rng)
        w.add(name, fields)


def fractional_starts(L, k, O, u):
    """PyTorch's generate_intervals in float32."""
    if O == 1:
        return [L - k]
    alpha = np.float32(L - k) / np.float32(O - 1)
    u = np.float32(u)
    return [int(np.float32((np.float32(i) + u) * alpha)) - int(np.float32(u * alpha)) for i in range(O - 1)] + [L - k]


def sample_axis(nd, a):
    """Which entry of samples[n, c] drives spatial axis a (0 = first of D/H/W)."""
    return nd - 1 - a if nd == 2 else a


def gen_fractional(w, rng, count):
    other_disagrees = {2: 0, 3: 0}
    made = 0
    for i in itertools.count():
        if made >= count:
            break
        nd = 2 + i % 2
        if i < 2:
            shape, k, out, samples, x = fractional_probe(w, rng, nd)
        else:
            shape = shape_of(rng, nd, lo=3, hi=9 if nd == 2 else 6)
            k = [int(rng.integers(1, min(3, L - 1) + 1)) for L in shape[2:]]
            # PyTorch 1.13 requires O + k - 1 <= L in 2d but O + k - 1 < L in 3d
            out = [int(rng.integers(1, L - kk + (2 if nd == 2 else 1))) for L, kk in zip(shape[2:], k)]
            samples = rng.random((shape[0], shape[1], nd)).astype(np.float32)
            samples = np.minimum(samples, np.nextafter(np.float32(1), np.float32(0)))  # float32 rounding may give 1
            x = values(rng, shape, special_for(i, 6), narrow=i % 4 == 1)
        st = torch.from_numpy(samples)
        fmp = FRACTIONAL[nd]
        y, idx = fmp(x, k, output_size=out, _random_samples=st, return_indices=True)

        def windows(mapping):
            return lambda n, c: [[list(range(b, b + k[a])) for b in
                                  fractional_starts(shape[2 + a], k[a], out[a], samples[n, c, mapping(a)])]
                                 for a in range(nd)]
        name = "fractional_max%dd_%d" % (nd, i)
        want, want_idx = naive(x, windows(lambda a: sample_axis(nd, a)), first_max)
        check(name, y, want, idx, want_idx)
        # the other assignment (2d: 0 -> H; 3d: 0 -> W) must be refuted by some case
        alt, alt_idx = naive(x, windows(lambda a: nd - 1 - a if nd == 3 else a), first_max)
        other_disagrees[nd] += not np.array_equal(alt_idx, idx.numpy())
        fields = {"source": "pytorch", "op": "fractional_max", "input_shape": ints(shape), "kernel": ints(k),
                  "samples": floats(samples), "output_shape": ints(y.shape), "input": floats(x),
                  "output": floats(y), "indices": ints(idx)}
        add_gradient(fields, x, lambda t: fmp(t, k, output_size=out, _random_samples=st), rng)
        w.add(name, fields)
        made += 1
    assert all(other_disagrees.values()), "samples' axis order not confirmed: %s" % other_disagrees


def fractional_probe(w, rng, nd):
    """A case on which the two assignments of samples to axes give different windows."""
    shape = (1, 1, 6, 5, 6) if nd == 3 else (1, 1, 6, 6)
    k, out = [1, 2, 1][3 - nd:], [3] * nd
    samples = np.array([[[0.7, 0.25, 0.0][:nd]]], np.float32)
    x = values(rng, shape)
    return shape, k, out, samples, x


def gen_unpool(w, rng, count):
    for i in range(count):
        nd = 1 + i % 3
        shape = shape_of(rng, nd, lo=3)
        k = [int(rng.integers(2, 4)) for _ in range(nd)]
        s = [int(rng.integers(1, kk + 1)) for kk in k]  # often s < k: overlapping windows, repeated indices
        p = [int(rng.integers(0, kk // 2 + 1)) for kk in k]
        if has_empty(sliding_windows(shape[2:], k, s, [1] * nd, p, p, False)):
            continue
        x = values(rng, shape, narrow=i % 4 == 1)
        y, idx = POOL[nd](x, k, s, p, return_indices=True)
        default = [(O - 1) * ss - 2 * pp + kk for O, ss, pp, kk in zip(y.shape[2:], s, p, k)]
        plane = int(np.prod(default))
        if i % 2 == 0 and int(idx.max()) < plane:
            size = None
        else:
            # explicit: PyTorch accepts default - s < size < default + s; the input size lies there
            size = [L + int(rng.integers(0, dd + ss - L)) for L, dd, ss in zip(shape[2:], default, s)]
        u = UNPOOL[nd](y, idx, k, s, p, output_size=size)
        out_spatial = default if size is None else size
        want = np.zeros((shape[0], shape[1], int(np.prod(out_spatial))), np.float32)
        yv, iv = y.numpy().reshape(shape[0], shape[1], -1), idx.numpy().reshape(shape[0], shape[1], -1)
        for n, c in itertools.product(range(shape[0]), range(shape[1])):
            for v, j in zip(yv[n, c], iv[n, c]):
                want[n, c, j] = v
        name = "unpool%dd_%d%s" % (nd, i, "" if size is None else "_size")
        check(name, u, want.reshape(shape[0], shape[1], *out_spatial))
        w.add(name, {"source": "pytorch", "op": "unpool", "input_shape": ints(y.shape), "kernel": ints(k),
                     "stride": ints(s), "pad_begin": ints(p), "pad_end": ints(p), "output_shape": ints(u.shape),
                     "input": floats(y), "indices": ints(idx), "output": floats(u)})


def hand_cases(w, rng):
    """Edge cases: all-equal windows, LP's partial ceil window, adaptive bins overlapping."""
    # ties everywhere: the first tap of each window wins, for max and min
    flat = torch.full((1, 2, 5, 6), 0.5)
    for op, sign in (("max", 1), ("min", -1)):
        y, idx = POOL[2](sign * flat, 3, 2, 1, ceil_mode=True, return_indices=True)
        y = sign * y
        per_axis = sliding_windows((5, 6), [3, 3], [2, 2], [1, 1], [1, 1], [1, 1], True)
        want, want_idx = naive(flat, per_axis, first_max if op == "max" else first_min)
        check(op + "_ties", y, want, idx, want_idx)
        fields = {"source": "pytorch", "op": op, "input_shape": ints(flat.shape),
                  **sliding_fields([3, 3], [2, 2], [1, 1], [1, 1], [1, 1], True)}
        if op == "max":
            fields.update(count_include_pad="0", divisor_override="0", nan_mode="propagate", auto_pad="NOTSET")
        else:
            fields["nan_mode"] = "propagate"
        fields.update(output_shape=ints(y.shape), input=floats(flat), output=floats(y), indices=ints(idx))
        if op == "max":
            fields.update(index_formats(idx, list(flat.shape)))
        add_gradient(fields, flat, lambda t, sign=sign: sign * POOL[2](sign * t, 3, 2, 1, ceil_mode=True), rng)
        w.add("%s2d_ties_ceil" % op, fields)
    # NaN rows: the last NaN's index, and NaN next to +-inf
    row = torch.tensor([[[1, NAN, 3, NAN, 2, 5, -INF, INF, NAN, -1, -INF, -INF]]])
    for op in ("max", "min"):
        sign = 1 if op == "max" else -1
        y, idx = POOL[1](sign * row, 3, 2, 1, ceil_mode=True, return_indices=True)
        y = sign * y
        want, want_idx = naive(row, sliding_windows((12,), [3], [2], [1], [1], [1], True),
                               first_max if op == "max" else first_min)
        check(op + "_nan_row", y, want, idx, want_idx)
        fields = {"source": "pytorch", "op": op, "input_shape": ints(row.shape),
                  **sliding_fields([3], [2], [1], [1], [1], True)}
        if op == "max":
            fields.update(count_include_pad="0", divisor_override="0", nan_mode="propagate", auto_pad="NOTSET")
        else:
            fields["nan_mode"] = "propagate"
        fields.update(output_shape=ints(y.shape), input=floats(row), output=floats(y), indices=ints(idx))
        if op == "max":
            fields.update(index_formats(idx, list(row.shape)))
        w.add("%s1d_nan_row" % op, fields)
    # adaptive average: inputs on which dividing by the bin extents one at a time (PyTorch)
    # differs from one division by the bin volume
    for shape, out in (((1, 2, 7, 5), [3, 2]), ((1, 1, 5, 5, 5), [2, 2, 2])):
        nd = len(out)
        per_axis = adaptive_windows(shape[2:], out)
        for _ in range(1000):
            x = values(rng, shape)
            want = naive(x, per_axis, adaptive_mean(False))[0]
            if not np.array_equal(want, naive(x, per_axis, adaptive_mean(True))[0]):
                break
        else:
            sys.exit("no input tells the adaptive average's divisions apart")
        y = AAVG[nd](x, out)
        check("adaptive_avg_divisions", y, want)
        fields = {"source": "pytorch", "op": "adaptive_avg", "input_shape": ints(shape),
                  "output_shape": ints(y.shape), "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, lambda t, nd=nd, out=out: AAVG[nd](t, out), rng)
        w.add("adaptive_avg%dd_divisions" % nd, fields)
    # LP pytorch form, ceil mode: a 1-tap last window is scaled by K/n = 3 (not the plain sum)
    lp_case(w, rng, "lp1d_partial_ceil", torch.tensor([[[1.0, 2.0, 0.5, 1.5, 2.0]]]), 2.0, [3], [2], True)
    lp_case(w, rng, "lp2d_partial_ceil", values(rng, (1, 2, 5, 4), positive=True), 1.5, [2, 3], [2, 2], True)
    # signed p = 1: negative outputs (no abs in PyTorch's form)
    lp_case(w, rng, "lp1d_signed_p1", torch.tensor([[[-1.0, -2.0, 0.5, -0.25, 3.0, -8.0]]]), 1.0, [2], [2], False)


def ordered_mean(every_one):
    """adaptive_mean with the float32 sum taken tap by tap in row-major window order, for values whose sums round."""
    def reduce(taps, wins):
        total = np.float32(0)
        for _, v in taps:
            total = np.float32(total + v)
        if every_one:
            return np.float32(total / np.float32(len(taps))), 0
        for w in wins:
            total = np.float32(total / np.float32(len(w)))
        return total, 0
    return reduce


def gen_normal_averages(w, rng):
    """Adaptive and global averages of N(0, 1) values, whose sums round, so that the order of the taps shows in the
    bits (the other cases' quarter-integers add exactly in any order). Global averages are avg_pool's over the whole
    plane, in row-major order: PyTorch's adaptive average to an output of 1 takes torch.mean instead, whose order
    depends on the layout and the CPU capability, and this script asserts that it differs on these inputs."""
    for nd, shape, out in ((1, (2, 5, 23), [6]), (2, (1, 6, 9, 7), [4, 3]), (3, (1, 3, 5, 6, 4), [2, 4, 3])):
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = AAVG[nd](x, out)
        check("adaptive_avg%dd_normal" % nd, y, naive(x, adaptive_windows(shape[2:], out), ordered_mean(False))[0])
        fields = {"source": "pytorch", "op": "adaptive_avg", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, lambda t, nd=nd, out=out: AAVG[nd](t, out), rng)
        w.add("adaptive_avg%dd_normal" % nd, fields)
    for nd, shape in ((1, (2, 7, 50)), (2, (2, 24, 7, 7)), (3, (1, 9, 3, 5, 6))):
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        y = AVG[nd](x, list(shape[2:]))
        check("global_avg%dd_normal" % nd, y, naive(x, [[list(range(L))] for L in shape[2:]], ordered_mean(True))[0])
        if torch.equal(y, AAVG[nd](x, [1] * nd)):
            sys.exit("global_avg%dd_normal: torch.mean's order no longer shows on this input" % nd)
        fields = {"source": "pytorch", "op": "global_avg", "input_shape": ints(shape), "output_shape": ints(y.shape),
                  "input": floats(x), "output": floats(y)}
        add_gradient(fields, x, lambda t, nd=nd, k=list(shape[2:]): AVG[nd](t, k), rng)
        w.add("global_avg%dd_normal" % nd, fields)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed-offset", type=int, default=0, help="draw other cases (default 0: family.txt)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output file (default: %(default)s)")
    args = ap.parse_args()
    w = Writer()
    gens = [
        lambda r: hand_cases(w, r),
        lambda r: gen_extremum(w, r, "min", 30),
        lambda r: gen_extremum(w, r, "max", 24),
        lambda r: gen_avg(w, r, 30),
        lambda r: gen_lp_pytorch(w, r, 18),
        lambda r: gen_lp_abs(w, r, 18),
        lambda r: gen_adaptive(w, r, 30),
        lambda r: gen_global(w, r, 21),
        lambda r: gen_fractional(w, r, 24),
        lambda r: gen_unpool(w, r, 24),
        lambda r: gen_normal_averages(w, r),
    ]
    for j, gen in enumerate(gens):
        torch.manual_seed(7000 + 101 * j + args.seed_offset)  # nothing here draws from torch; kept fixed anyway
        gen(np.random.default_rng([2026, j, args.seed_offset]))
    text = "".join([
        "# Golden vectors for the pooling family: min, lp (PyTorch and ONNX abs form), adaptive_max,\n",
        "# adaptive_avg, global_max, global_avg, global_lp, fractional_max, max (every index format),\n",
        "# avg and unpool, with autograd input gradients.\n",
        "# torch %s, numpy %s, CPU, float32%s.\n" % (
            torch.__version__, np.__version__, "" if not args.seed_offset else ", seed offset %d" % args.seed_offset),
        "# Generated by java/src/test/golden/generate_family.py; do not edit by hand.\n",
        "# Fields: input_shape/output_shape N C S...; input, output, grad_output, grad_input: float32 in\n",
        "# NCHW order (repr, NaN, Infinity, -Infinity); indices: flat index inside each (n, c) plane;\n",
        "# indices_flat_row (n*C+c)*plane+p; indices_flat_column (n*C+c)*plane + position with the first\n",
        "# spatial axis fastest; indices_channels_last p*C+c; indices_channels_last_batch (n*plane+p)*C+c;\n",
        "# kernel/stride/pad_begin/pad_end/dilation per spatial axis; ceil_mode, count_include_pad 0|1;\n",
        "# divisor_override 0 = none; p: LP exponent; lp_form pytorch ((K/n*sum x^p)^(1/p)) | abs\n",
        "# ((sum |x|^p)^(1/p)); samples: fractional _random_samples (N, C, rank), 2d [W, H], 3d [D, H, W].\n",
        "# %d cases (%d with gradients): %s.\n" % (
            len(w.blocks), w.grads, ", ".join("%s %d" % kv for kv in sorted(w.counts.items()))),
        "\n",
        "\n".join(w.blocks),
    ])
    with open(args.out, "w") as f:
        f.write(text)
    print("wrote %s: %d cases, %d with gradients, %d bytes; %s" % (
        args.out, len(w.blocks), w.grads, len(text), ", ".join("%s %d" % kv for kv in sorted(w.counts.items()))))


if __name__ == "__main__":
    main()
