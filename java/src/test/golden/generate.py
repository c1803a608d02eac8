#!/usr/bin/python3
"""Golden test vectors for max and average pooling.

Writes java/src/test/resources/golden/pytorch.txt: max_pool1d/2d/3d (with
return_indices=True) and avg_pool1d/2d/3d from torch.nn.functional, computed
by PyTorch 1.13 (Debian bookworm's python3-torch, numpy 1.24) on CPU.

Also writes java/src/test/resources/golden/onnx.txt: ONNX MaxPool /
AveragePool semantics that PyTorch's pooling functions cannot express
(asymmetric pads up to effective_kernel - 1, auto_pad, count_include_pad with
dilations, ceil_mode with asymmetric pads, NaN ignored by max). Debian
bookworm ships onnx 1.12, which has no onnx.reference.ReferenceEvaluator, and
no onnxruntime, so these are computed with torch from ONNX's definitions: the
input is padded explicitly with F.pad (and, in ceil mode, extended so that
the last window fits) and pooled without padding; see "ONNX" below.

Run from the repository root with Debian's interpreter (not a pyenv one):

    /usr/bin/python3 java/src/test/golden/generate.py

The output is deterministic (fixed seeds, single thread). Every pytorch.txt
case is also checked against
  * the same op on a channels_last / channels_last_3d input (2d / 3d),
  * max_pool1d/2d/3d without return_indices (values only),
  * a naive reference of the intended semantics (output size, divisor,
    NaN propagation, tie-breaking and index rules),
and every onnx.txt case against a naive direct loop over the windows of
ONNX's definition (and, for averages, a second torch path via Tensor.unfold);
the script fails if any of them disagrees.

File format: one block per case, blank line between blocks, '#' comments.

    case <unique-name>
    source pytorch|onnx
    op max|avg
    input_shape N C S1 [S2 [S3]]
    kernel k1 ...
    stride s1 ...
    pad_begin p1 ...             (onnx: resolved, also with auto_pad)
    pad_end p1 ...
    dilation d1 ...
    ceil_mode 0|1
    count_include_pad 0|1        (0 for max)
    divisor_override 0|n         (0 = none; always 0 in onnx.txt)
    nan_mode propagate|ignore    (pytorch: propagate; onnx: ignore)
    auto_pad NOTSET|SAME_UPPER|SAME_LOWER|VALID   (pytorch: NOTSET)
    output_shape N C O1 ...
    input v ...                  (NCHW contiguous order)
    output v ...
    indices i ...                (max only; index within the (n, c) plane)
    end

Semantics of onnx.txt (per spatial axis: input L, kernel k, stride s,
dilation d, effective kernel ke = d*(k-1)+1, pads pb/pe, each < ke):
  * auto_pad SAME_UPPER / SAME_LOWER: O = ceil(L/s),
    P = max((O-1)*s + ke - L, 0), pb = floor(P/2) (UPPER) or ceil(P/2)
    (LOWER), pe = P - pb; VALID: pb = pe = 0; never with ceil_mode.
  * O = floor((L + pb + pe - ke [+ s-1 if ceil_mode]) / s) + 1, minus 1 in
    ceil mode if (O-1)*s >= L + pb (the last window would start in the end
    padding).
  * window of output o: taps o*s - pb + j*d, j = 0..k-1. Cases with a
    window that has no tap inside [0, L) are skipped.
  * max, nan_mode ignore: the largest non-NaN in-input tap, the first in
    row-major window order on ties; a window of only NaN / -inf gives
    -Infinity with the index of its first in-input tap.
  * avg: sum of in-input taps (NaN propagates) divided by the number of
    in-input taps (count_include_pad 0) or of taps inside [-pb, L + pe)
    (count_include_pad 1; taps beyond L + pe, reachable only in ceil mode,
    count as neither).

Values are float32 written as repr() of the equivalent Python float, or
NaN / Infinity / -Infinity, so Float.parseFloat reads them back exactly.
"""

import itertools
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "golden"))

NAN = float("nan")
INF = float("inf")


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

class Case:
    def __init__(self, op, x, kernel, stride, pad, dilation=None, ceil=False,
                 cip=True, divisor=0, tag=""):
        nd = x.ndim - 2
        self.op = op
        self.x = np.ascontiguousarray(x, dtype=np.float32)
        self.kernel = expand(kernel, nd)
        self.stride = expand(stride, nd)
        self.pad = expand(pad, nd)
        self.dilation = expand(1 if dilation is None else dilation, nd)
        self.ceil = bool(ceil)
        self.cip = bool(cip) if op == "avg" else False
        self.divisor = int(divisor) if op == "avg" else 0
        self.tag = tag

    @property
    def nd(self):
        return self.x.ndim - 2

    def base_name(self):
        dims = lambda v: "x".join(str(i) for i in v)
        parts = ["%s%dd" % (self.op, self.nd), dims(self.x.shape),
                 "k" + dims(self.kernel), "s" + dims(self.stride),
                 "p" + dims(self.pad)]
        if any(d != 1 for d in self.dilation):
            parts.append("d" + dims(self.dilation))
        if self.ceil:
            parts.append("ceil")
        if self.op == "avg":
            parts.append("cip" if self.cip else "nocip")
        if self.divisor:
            parts.append("div%d" % self.divisor)
        if self.tag:
            parts.append(self.tag)
        return "_".join(parts)


def expand(v, nd):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(int(i) for i in v)
    assert len(v) == nd, v
    return v


def values(rng, shape, special=None, lo=-8, hi=8):
    """Small integers and quarter-integers (many ties); optional NaN/inf."""
    ints = rng.integers(lo, hi + 1, size=shape)
    scale = rng.choice(np.array([1.0, 0.25]), size=shape)
    x = (ints * scale).astype(np.float32)
    if special:
        u = rng.random(size=shape)
        if special == "nan":
            x[u < 0.15] = NAN
        elif special == "inf":
            x[u < 0.08] = INF
            x[(u >= 0.08) & (u < 0.16)] = -INF
        elif special == "naninf":
            x[u < 0.08] = NAN
            x[(u >= 0.08) & (u < 0.14)] = INF
            x[(u >= 0.14) & (u < 0.20)] = -INF
        else:
            raise ValueError(special)
    return x


def sweep_1d():
    """k 1..4, s 1..3, p 0..k/2, floor and ceil; dilation / cip cycled."""
    rng = np.random.default_rng(1001)
    combos = [(k, s, p, ceil)
              for k in range(1, 5) for s in range(1, 4)
              for p in range(0, k // 2 + 1) for ceil in (0, 1)]
    lengths = [5, 6, 7, 8, 9, 10, 11, 12, 3, 4]
    cases = []
    for i, (k, s, p, ceil) in enumerate(combos):
        n, c = (1, 2) if i % 3 else (2, 3)
        L = lengths[i % len(lengths)]
        d = i % 3 + 1
        cases.append(Case("max", values(rng, (n, c, L)), k, s, p, d, ceil))
    for i, (k, s, p, ceil) in enumerate(combos):
        n, c = (1, 2) if i % 3 else (2, 3)
        L = lengths[(i + 3) % len(lengths)]
        cip = (i // 2) % 2 == 0
        cases.append(Case("avg", values(rng, (n, c, L)), k, s, p, None, ceil, cip))
    return cases


def ceil_edges_1d():
    """Hand-picked ceil_mode edge cases (last window overhangs / is dropped)."""
    rng = np.random.default_rng(1002)
    configs = [(5, 3, 3, 1), (7, 2, 3, 1), (6, 3, 2, 1), (5, 3, 2, 1)]
    cases = []
    for L, k, s, p in configs:
        x = values(rng, (1, 2, L))
        for ceil in (1, 0):
            cases.append(Case("max", x, k, s, p, 1, ceil))
            cases.append(Case("avg", x, k, s, p, None, ceil, cip=True))
        cases.append(Case("avg", x, k, s, p, None, 1, cip=False))
    ones = np.ones((1, 1, 5), np.float32)
    for cip in (True, False):
        cases.append(Case("avg", ones, 3, 2, 1, None, 1, cip, tag="ones"))
        cases.append(Case("avg", ones, 3, 3, 1, None, 1, cip, tag="ones"))
    cases.append(Case("max", ones * 2, 3, 2, 1, 1, 1, tag="ties"))
    return cases


def random_nd(nd, op, count, seed, divisor_every=0):
    """Random per-axis kernels (asymmetric), strides, pads, dilations."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        k = [int(rng.integers(1, 5)) for _ in range(nd)]
        if i % 4 == 0:  # force asymmetric kernels regularly
            k[-1] = k[0] % 4 + 1
        s = [int(rng.integers(1, 4)) for _ in range(nd)]
        p = [int(rng.integers(0, kk // 2 + 1)) for kk in k]
        d = [int(rng.integers(1, 4)) if op == "max" else 1 for _ in range(nd)]
        ke = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
        hi = 9 if nd == 2 else 7
        # avg_pool3d rejects inputs smaller than the kernel even when padded
        min_size = [kk if (nd == 3 and op == "avg") else max(1, e - 2 * pp)
                    for kk, e, pp in zip(k, ke, p)]
        size = [int(rng.integers(m, m + hi)) for m in min_size]
        n = int(rng.integers(1, 3))
        c = int(rng.integers(1, 4))
        ceil = bool(rng.integers(0, 2))
        cip = bool(rng.integers(0, 2))
        div = 0
        if divisor_every and i % divisor_every == divisor_every - 1:
            div = int(rng.integers(1, 12))
        x = values(rng, (n, c, *size))
        cases.append(Case(op, x, k, s, p, d, ceil, cip, div))
    return cases


def ceil_overhang_nd():
    """2d/3d ceil_mode cases whose last window overhangs the padded input."""
    rng = np.random.default_rng(1003)
    cases = []
    x = values(rng, (1, 2, 6, 7))
    cases.append(Case("max", x, (3, 2), (2, 3), 1, 1, True))
    cases.append(Case("avg", x, (3, 2), (2, 3), 1, None, True, cip=True))
    cases.append(Case("avg", x, (3, 2), (2, 3), 1, None, True, cip=False))
    cases.append(Case("avg", x, (3, 2), (2, 3), 1, None, True, cip=True, divisor=4))
    cases.append(Case("max", values(rng, (1, 1, 8, 8)), 3, 2, 1, 2, True))
    cases.append(Case("avg", np.ones((1, 1, 6, 6), np.float32), 3, 2, 1, None,
                      True, cip=True, tag="ones"))
    x = values(rng, (1, 2, 5, 6, 7))
    cases.append(Case("max", x, (2, 3, 3), (2, 2, 3), 1, 1, True))
    cases.append(Case("avg", x, (2, 3, 3), (2, 2, 3), 1, None, True, cip=True))
    cases.append(Case("avg", x, (2, 3, 3), (2, 2, 3), 1, None, True, cip=False))
    cases.append(Case("avg", x, (2, 3, 3), (2, 2, 3), 1, None, True, cip=False, divisor=7))
    cases.append(Case("max", values(rng, (1, 1, 5, 6, 6)), 2, (2, 3, 2), (0, 1, 1), (1, 2, 1), True))
    for cs in cases:
        floor = out_shape(cs.x.shape[2:], cs.kernel, cs.stride, cs.pad, cs.dilation, False)
        ceil = out_shape(cs.x.shape[2:], cs.kernel, cs.stride, cs.pad, cs.dilation, True)
        assert floor != ceil, cs.base_name()
    return cases


def simd_remainders():
    """Widths and channel counts that are not multiples of vector lengths."""
    rng = np.random.default_rng(1004)
    v = lambda *shape: values(rng, shape)
    return [
        Case("max", v(1, 3, 67), 3, 2, 1),
        Case("avg", v(2, 2, 33), 4, 3, 2, cip=False),
        Case("max", v(1, 17, 17), 2, 1, 0),
        Case("max", v(1, 1, 3, 17), 2, 1, 0),
        Case("avg", v(1, 2, 4, 33), 3, 1, 1, cip=True),
        Case("max", v(1, 1, 5, 67), 3, 2, 1, 2),
        Case("avg", v(1, 1, 3, 67), (1, 4), (1, 3), (0, 2), cip=False),
        Case("max", v(1, 17, 5, 5), 2, 2, 0),
        Case("avg", v(1, 33, 4, 4), 3, 1, 1, cip=False),
        Case("max", v(1, 67, 3, 3), 3, 1, 1),
        Case("avg", v(2, 17, 3, 5), (2, 3), (1, 2), (1, 1), divisor=5),
        Case("avg", v(1, 67, 4, 5), 2, 2, 1, ceil=True, cip=True),
        Case("max", v(1, 17, 3, 4, 5), 2, 1, 0),
        Case("avg", v(1, 33, 3, 3, 3), 2, 1, 1, cip=True),
        Case("max", v(1, 3, 3, 3, 17), (1, 2, 3), (1, 1, 2), (0, 1, 1)),
        Case("avg", v(1, 2, 2, 3, 33), (2, 2, 3), (1, 2, 2), (0, 1, 1), cip=False),
    ]


def special_values():
    """NaN and +-inf: propagation, last-NaN index, all -inf windows."""
    rng = np.random.default_rng(1005)
    v = lambda special, *shape: values(rng, shape, special)
    row = np.array([[[1, NAN, 3, NAN, 2, 5, -INF, INF, NAN, -1]]], np.float32)
    neg = lambda *shape: np.full(shape, -INF, np.float32)
    mixed = values(rng, (1, 2, 6, 7))
    mixed[:, :, 1:4, 2:6] = -INF
    cases = [
        Case("max", row, 3, 1, 1, tag="nan"),
        Case("max", row, 5, 2, 2, ceil=True, tag="nan"),
        Case("max", row, 3, 2, 1, 2, tag="nan"),
        Case("avg", row, 3, 1, 1, cip=True, tag="nan"),
        Case("avg", row, 2, 1, 0, cip=False, tag="nan"),
        Case("max", neg(1, 1, 6), 3, 2, 1, tag="neginf"),
        Case("max", neg(1, 1, 7), 3, 1, 1, 2, tag="neginf"),
        Case("max", neg(1, 1, 4, 5), 3, 2, 1, tag="neginf"),
        Case("max", neg(1, 2, 5, 6), 3, 1, 1, (2, 3), tag="neginf"),
        Case("max", neg(1, 1, 3, 4, 4), 3, 2, 1, (1, 2, 2), tag="neginf"),
        Case("max", mixed, 3, 1, 1, tag="neginf"),
        Case("max", mixed, 2, 2, 0, ceil=True, tag="neginf"),
        Case("avg", mixed, 3, 1, 1, cip=False, tag="neginf"),
        Case("max", v("nan", 1, 3, 19), 4, 1, 2, tag="nan"),
        Case("max", v("nan", 1, 3, 6, 6), 3, 1, 1, tag="nan"),
        Case("max", v("nan", 2, 3, 7, 5), (2, 3), (2, 1), (1, 1), (1, 2), True, tag="nan"),
        Case("max", v("nan", 1, 17, 4, 5), 2, 1, 0, tag="nan"),
        Case("max", v("nan", 1, 2, 4, 5, 6), (2, 2, 3), (1, 2, 2), (1, 0, 1), tag="nan"),
        Case("max", v("inf", 1, 3, 6, 6), 3, 2, 1, tag="inf"),
        Case("max", v("naninf", 1, 2, 7, 7), 3, 2, 1, 2, True, tag="naninf"),
        Case("max", v("naninf", 1, 2, 3, 5, 5), 2, 1, 1, tag="naninf"),
        Case("avg", v("nan", 1, 3, 17), 3, 2, 1, cip=False, tag="nan"),
        Case("avg", v("nan", 1, 3, 6, 6), 3, 1, 1, cip=True, tag="nan"),
        Case("avg", v("inf", 1, 3, 6, 6), 2, 1, 0, tag="inf"),
        Case("avg", v("naninf", 1, 2, 7, 7), 3, 2, 1, ceil=True, cip=False, tag="naninf"),
        Case("avg", v("naninf", 1, 2, 3, 5, 5), 2, 1, 1, cip=True, divisor=3, tag="naninf"),
        Case("avg", v("inf", 1, 17, 4, 5), 2, 2, 1, ceil=True, cip=False, tag="inf"),
    ]
    return cases


def realistic():
    rng = np.random.default_rng(1006)
    v = lambda *shape: values(rng, shape)
    return [
        Case("max", v(1, 16, 8, 8), 2, 2, 0),
        Case("max", v(1, 64, 20, 20), 3, 2, 1),
        Case("avg", v(1, 32, 14, 14), 3, 1, 1, cip=False),
        Case("max", v(1, 8, 6, 10, 10), 2, 2, 0),
    ]


def general_values():
    """Averages of N(0, 1) float32 values, whose sums round: the row-major order of the taps shows in the bits
    (the other cases' quarter-integers add exactly in any order). S4-like windows with channels that leave SIMD
    remainders, a whole 7x7 plane as avg_pool's kernel (global pooling), a divisor override, 3d and 1d."""
    rng = np.random.default_rng(1007)
    v = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    return [
        Case("avg", v(1, 24, 14, 14), 3, 1, 1, cip=False, tag="normal"),
        Case("avg", v(1, 40, 7, 7), 7, 1, 0, tag="normal"),
        Case("avg", v(2, 20, 9, 11), (3, 2), (2, 1), 1, None, True, cip=True, divisor=5, tag="normal"),
        Case("avg", v(1, 12, 4, 6, 6), (2, 3, 3), 1, (0, 1, 1), cip=False, tag="normal"),
        Case("avg", v(2, 9, 30), 4, 2, 2, None, True, cip=False, tag="normal"),
    ]


def all_cases():
    return (sweep_1d()
            + ceil_edges_1d()
            + random_nd(2, "max", 32, 2001)
            + random_nd(2, "avg", 32, 2002, divisor_every=4)
            + random_nd(3, "max", 16, 3001)
            + random_nd(3, "avg", 18, 3002, divisor_every=4)
            + ceil_overhang_nd()
            + simd_remainders()
            + special_values()
            + realistic()
            + general_values())


# ---------------------------------------------------------------------------
# Torch
# ---------------------------------------------------------------------------

def run_torch(cs, memory_format=None, with_indices=True):
    x = torch.from_numpy(cs.x.copy())
    if memory_format is not None:
        x = x.contiguous(memory_format=memory_format)
    nd = cs.nd
    if cs.op == "max":
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[nd]
        r = fn(x, cs.kernel, cs.stride, cs.pad, cs.dilation, ceil_mode=cs.ceil,
               return_indices=with_indices)
        if with_indices:
            return r[0].contiguous().numpy(), r[1].contiguous().numpy()
        return r.contiguous().numpy(), None
    if nd == 1:
        y = F.avg_pool1d(x, cs.kernel, cs.stride, cs.pad, cs.ceil, cs.cip)
    else:
        fn = F.avg_pool2d if nd == 2 else F.avg_pool3d
        y = fn(x, cs.kernel, cs.stride, cs.pad, cs.ceil, cs.cip,
               cs.divisor if cs.divisor else None)
    return y.contiguous().numpy(), None


def same(a, b):
    """Bit-exact equality, treating all NaNs as equal."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if not np.array_equal(nan_a, nan_b):
            return False
        return np.array_equal(a[~nan_a].view(np.uint32), b[~nan_b].view(np.uint32))
    return np.array_equal(a, b)


# ---------------------------------------------------------------------------
# Naive reference of the intended semantics
# ---------------------------------------------------------------------------

def out_size(L, k, s, p, d, ceil):
    ke = d * (k - 1) + 1
    o = (L + 2 * p - ke + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= L + p:
        o -= 1
    return o


def out_shape(spatial, kernel, stride, pad, dilation, ceil):
    return tuple(out_size(*a, ceil) for a in zip(spatial, kernel, stride, pad, dilation))


def has_empty_window(cs):
    """True if some max window has no tap inside the input (torch then
    returns -inf with an index outside the plane)."""
    spatial = cs.x.shape[2:]
    osz = out_shape(spatial, cs.kernel, cs.stride, cs.pad, cs.dilation, cs.ceil)
    for L, k, s, p, d, o in zip(spatial, cs.kernel, cs.stride, cs.pad, cs.dilation, osz):
        for i in range(o):
            if not any(0 <= i * s - p + j * d < L for j in range(k)):
                return True
    return False


def reference(cs):
    spatial = cs.x.shape[2:]
    N, C = cs.x.shape[:2]
    osz = out_shape(spatial, cs.kernel, cs.stride, cs.pad, cs.dilation, cs.ceil)
    out = np.empty((N, C) + osz, np.float32)
    idx = np.empty((N, C) + osz, np.int64)
    strides_in_plane = [int(np.prod(spatial[a + 1:])) for a in range(cs.nd)]
    for n, c in itertools.product(range(N), range(C)):
        plane = cs.x[n, c]
        for o in itertools.product(*(range(i) for i in osz)):
            starts = [oi * s - p for oi, s, p in zip(o, cs.stride, cs.pad)]
            if cs.op == "max":
                taps = [[st + j * d for j in range(k) if 0 <= st + j * d < L]
                        for st, k, d, L in zip(starts, cs.kernel, cs.dilation, spatial)]
                first = tuple(t[0] for t in taps)
                best = np.float32(-INF)
                best_i = sum(t * m for t, m in zip(first, strides_in_plane))
                for tap in itertools.product(*taps):
                    val = plane[tap]
                    if val > best or math.isnan(val):
                        best = val
                        best_i = sum(t * m for t, m in zip(tap, strides_in_plane))
                out[(n, c) + o] = best
                idx[(n, c) + o] = best_i
            else:
                ends = [min(st + k, L + p) for st, k, L, p
                        in zip(starts, cs.kernel, spatial, cs.pad)]
                padded_count = int(np.prod([e - st for st, e in zip(starts, ends)]))
                lo = [max(st, 0) for st in starts]
                hi = [min(e, L) for e, L in zip(ends, spatial)]
                inside_count = int(np.prod([h - l for l, h in zip(lo, hi)]))
                total = np.float32(0)
                for tap in itertools.product(*(range(l, h) for l, h in zip(lo, hi))):
                    total = np.float32(total + plane[tap])
                if cs.divisor:
                    div = cs.divisor
                elif cs.cip:
                    div = padded_count
                else:
                    div = inside_count
                out[(n, c) + o] = np.float32(total / np.float32(div))
    return out, (idx if cs.op == "max" else None)


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
    return " ".join(str(int(i)) for i in v)


def block(name, cs, out, idx, source="pytorch", pad_begin=None, pad_end=None, divisor=None,
          nan_mode="propagate", auto_pad="NOTSET", comment=()):
    """One case in the file format above; PyTorch cases use the symmetric cs.pad."""
    lines = list(comment) + [
        "case " + name,
        "source " + source,
        "op " + cs.op,
        "input_shape " + ints(cs.x.shape),
        "kernel " + ints(cs.kernel),
        "stride " + ints(cs.stride),
        "pad_begin " + ints(cs.pad if pad_begin is None else pad_begin),
        "pad_end " + ints(cs.pad if pad_end is None else pad_end),
        "dilation " + ints(cs.dilation),
        "ceil_mode %d" % cs.ceil,
        "count_include_pad %d" % cs.cip,
        "divisor_override %d" % (cs.divisor if divisor is None else divisor),
        "nan_mode " + nan_mode,
        "auto_pad " + auto_pad,
        "output_shape " + ints(out.shape),
        "input " + " ".join(fmt_float(v) for v in cs.x.ravel()),
        "output " + " ".join(fmt_float(v) for v in out.ravel()),
    ]
    if idx is not None:
        lines.append("indices " + ints(idx.ravel()))
    lines.append("end")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# ONNX: cases
# ---------------------------------------------------------------------------

AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


class OnnxCase:
    """An ONNX MaxPool / AveragePool case. pads = (begin, end) per axis for
    auto_pad NOTSET; resolved here for the other modes."""

    def __init__(self, op, x, kernel, stride=1, pads=0, dilation=1, ceil=False,
                 cip=False, auto_pad="NOTSET", tag="", expect=None, comment=None):
        nd = x.ndim - 2
        assert auto_pad in AUTO_PADS, auto_pad
        assert not (ceil and auto_pad != "NOTSET"), "ceil_mode with auto_pad"
        self.op = op
        self.x = np.ascontiguousarray(x, dtype=np.float32)
        self.kernel = expand(kernel, nd)
        self.stride = expand(stride, nd)
        self.dilation = expand(dilation, nd)
        self.ceil = bool(ceil)
        self.cip = bool(cip) if op == "avg" else False
        self.auto_pad = auto_pad
        self.tag = tag
        self.expect = expect      # (values, indices or None) known by hand
        self.comment = comment    # lines written above the block
        spatial = self.x.shape[2:]
        ke = [d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation)]
        if auto_pad == "NOTSET":
            if isinstance(pads, int):
                pads = (pads, pads)
            pb, pe = expand(pads[0], nd), expand(pads[1], nd)
        elif auto_pad == "VALID":
            pb = pe = (0,) * nd
        else:
            pb, pe = [], []
            for L, s, e in zip(spatial, self.stride, ke):
                o = -(-L // s)
                total = max((o - 1) * s + e - L, 0)
                b = total // 2 if auto_pad == "SAME_UPPER" else (total + 1) // 2
                pb.append(b)
                pe.append(total - b)
                assert onnx_out_size(L, s, e, b, total - b, False) == o, self.base_name()
            pb, pe = tuple(pb), tuple(pe)
        self.pad_begin, self.pad_end = pb, pe
        for b, e_, k_e in zip(pb, pe, ke):
            assert 0 <= b < k_e and 0 <= e_ < k_e, "pad >= effective kernel: " + self.base_name()
        self.out_spatial = tuple(onnx_out_size(L, s, e, b, en, self.ceil)
                                 for L, s, e, b, en in zip(spatial, self.stride, ke, pb, pe))
        assert all(o >= 1 for o in self.out_spatial), "window does not fit: " + self.base_name()

    @property
    def nd(self):
        return self.x.ndim - 2

    @property
    def effective(self):
        return tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation))

    def base_name(self):
        dims = lambda v: "x".join(str(i) for i in v)
        parts = ["%s%dd" % (self.op, self.nd), dims(self.x.shape),
                 "k" + dims(self.kernel), "s" + dims(self.stride)]
        if self.auto_pad != "NOTSET":
            parts.append(self.auto_pad.lower())
        else:
            parts.append("p" + dims(self.pad_begin) + "-" + dims(self.pad_end))
        if any(d != 1 for d in self.dilation):
            parts.append("d" + dims(self.dilation))
        if self.ceil:
            parts.append("ceil")
        if self.op == "avg":
            parts.append("cip" if self.cip else "nocip")
        if self.tag:
            parts.append(self.tag)
        return "_".join(parts)


def onnx_out_size(L, s, ke, pb, pe, ceil):
    num = L + pb + pe - ke + (s - 1 if ceil else 0)
    if num < 0:
        return 0
    o = num // s + 1
    if ceil and (o - 1) * s >= L + pb:
        o -= 1
    return o


def asym_pads(rng, ke):
    """pad_begin != pad_end (when ke > 1), each in [0, ke - 1]."""
    pb = int(rng.integers(0, ke))
    pe = int(rng.integers(0, ke))
    if pb == pe and ke > 1:
        pe = (pe + 1 + int(rng.integers(0, ke - 1))) % ke
    return pb, pe


def onnx_random(rng, nd, op, count, ceil_every=3, max_k=4, max_d=3, hi=6, shape_nc=None):
    """Random kernels, strides, dilations and asymmetric pads < ke; resampled
    until every window has an in-input tap."""
    cases = []
    i = 0
    while len(cases) < count:
        i += 1
        k = [int(rng.integers(1, max_k + 1)) for _ in range(nd)]
        d = [int(rng.integers(1, max_d + 1)) for _ in range(nd)]
        s = [int(rng.integers(1, 4)) for _ in range(nd)]
        ke = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
        pads = [asym_pads(rng, e) for e in ke]
        pb = tuple(p[0] for p in pads)
        pe = tuple(p[1] for p in pads)
        size = [int(rng.integers(max(1, e - b - en), max(1, e - b - en) + hi))
                for e, b, en in zip(ke, pb, pe)]
        n, c = shape_nc if shape_nc else (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
        ceil = bool(ceil_every) and len(cases) % ceil_every == ceil_every - 1
        cip = bool(len(cases) % 2)
        x = values(rng, (n, c, *size))
        try:
            cs = OnnxCase(op, x, k, s, (pb, pe), d, ceil, cip)
        except AssertionError:
            continue
        if onnx_has_empty_window(cs):
            continue
        cases.append(cs)
    return cases


def onnx_hand():
    """Tiny cases with values from public sources (checked by hand too)."""
    tf = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    five = np.arange(1, 26, dtype=np.float32).reshape(1, 1, 5, 5)
    return [
        OnnxCase("avg", tf, 2, 2, auto_pad="SAME_UPPER", cip=False, tag="tf60509",
                 expect=([3, 4.5, 7.5, 9], None),
                 comment=["# Source: TensorFlow SAME average pooling, tensorflow/tensorflow issue 60509",
                          "# (https://github.com/tensorflow/tensorflow/issues/60509): [[1,2,3],[4,5,6],[7,8,9]],",
                          "# 2x2 window, stride 2, SAME -> [[3, 4.5], [7.5, 9]] (pads 0/1 per axis; padding not counted)."]),
        OnnxCase("max", five, 3, 2, auto_pad="SAME_UPPER", tag="onnxdoc",
                 expect=([7, 9, 10, 17, 19, 20, 22, 24, 25], [6, 8, 9, 16, 18, 19, 21, 23, 24]),
                 comment=["# Source: ONNX Operators.md, MaxPool example maxpool_2d_precomputed_same_upper",
                          "# (onnx/backend/test/case/node/maxpool.py): 5x5 input 1..25, kernel 3, stride 2, SAME_UPPER",
                          "# (pads 1/1) -> [[7, 9, 10], [17, 19, 20], [22, 24, 25]]; indices (value - 1) added by hand."]),
        OnnxCase("avg", five, 3, 2, auto_pad="SAME_UPPER", cip=False, tag="onnxdoc",
                 expect=([4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22], None),
                 comment=["# Source: ONNX Operators.md, AveragePool example averagepool_2d_precomputed_same_upper",
                          "# (onnx/backend/test/case/node/averagepool.py): 5x5 input 1..25, kernel 3, stride 2, SAME_UPPER,",
                          "# count_include_pad 0 -> [[4, 5.5, 7], [11.5, 13, 14.5], [19, 20.5, 22]] (e.g. (1+2+6+7)/4 = 4)."]),
    ]


def onnx_explicit_1d():
    """1d asymmetric pads up to ke - 1 (often > k/2), dilations, strides."""
    rng = np.random.default_rng(5001)
    return (onnx_random(rng, 1, "max", 10, ceil_every=4, hi=8)
            + onnx_random(rng, 1, "avg", 10, ceil_every=4, hi=8))


def onnx_explicit_nd():
    """2d / 3d asymmetric pads, dilations for max and avg, some ceil_mode."""
    rng = np.random.default_rng(5002)
    cases = (onnx_random(rng, 2, "max", 9, hi=6)
             + onnx_random(rng, 2, "avg", 9, hi=6)
             + onnx_random(rng, 3, "max", 4, max_k=3, hi=4)
             + onnx_random(rng, 3, "avg", 4, max_k=3, hi=4))
    v = lambda *shape: values(rng, shape)
    # wider rows and many channels (vector remainders), pads > k/2
    cases += [
        OnnxCase("max", v(1, 17, 5, 33), (3, 3), (1, 2), ((2, 0), (0, 2)), tag="wide"),
        OnnxCase("avg", v(1, 3, 4, 67), (2, 4), (1, 3), ((1, 3), (0, 1)), cip=True, tag="wide"),
        OnnxCase("avg", v(1, 33, 5, 6), (3, 3), 1, ((2, 0), (1, 2)), (1, 2), cip=False, tag="wide"),
        OnnxCase("max", v(1, 9, 3, 4, 17), (2, 2, 3), (1, 1, 2), ((1, 0, 2), (0, 1, 1)), (1, 2, 2), tag="wide"),
    ]
    return cases


def onnx_auto_pad():
    """SAME_UPPER / SAME_LOWER / VALID: odd and even total padding, P = 0,
    stride > kernel, dilation."""
    rng = np.random.default_rng(5003)
    v = lambda *shape: values(rng, shape)
    cases = []
    # (L, k, s, d): P = 1 (odd), 4, 0, 2, 6 (pads 3 with k 3, d 3), 3, 5
    configs_1d = [(6, 2, 1, 1), (9, 3, 2, 2), (5, 2, 3, 1), (10, 4, 2, 1),
                  (4, 3, 1, 3), (7, 4, 2, 1), (8, 3, 1, 3)]
    modes = ("SAME_UPPER", "SAME_LOWER", "VALID")
    for i, (L, k, s, d) in enumerate(configs_1d):
        x = v(1, 2, L)
        mode = modes[i % 3]
        cases.append(OnnxCase("max", x, k, s, 0, d, auto_pad=mode))
        cases.append(OnnxCase("avg", x, k, s, 0, d, cip=bool(i % 2), auto_pad=mode))
        if mode != "VALID":  # the other SAME mode on the same input
            other = "SAME_LOWER" if mode == "SAME_UPPER" else "SAME_UPPER"
            cases.append(OnnxCase("avg", x, k, s, 0, d, cip=not i % 2, auto_pad=other))
    x = v(2, 3, 7, 6)
    for mode in modes:
        cases.append(OnnxCase("max", x, (3, 2), (2, 1), 0, (1, 2), auto_pad=mode))
        cases.append(OnnxCase("avg", x, (2, 3), (2, 2), 0, 1, cip=mode == "SAME_LOWER", auto_pad=mode))
    cases.append(OnnxCase("avg", v(1, 2, 6, 8), (3, 4), (1, 3), 0, (2, 1), cip=True, auto_pad="SAME_LOWER"))
    cases.append(OnnxCase("max", v(1, 2, 5, 6, 7), (2, 3, 2), (2, 2, 3), 0, (2, 1, 1), auto_pad="SAME_UPPER"))
    cases.append(OnnxCase("avg", v(1, 2, 5, 6, 7), (3, 2, 4), (2, 3, 1), 0, 1, cip=True, auto_pad="SAME_LOWER"))
    cases.append(OnnxCase("avg", v(1, 2, 4, 5, 6), (2, 2, 2), 1, 0, (1, 2, 1), cip=False, auto_pad="SAME_UPPER"))
    cases.append(OnnxCase("max", v(1, 2, 4, 6, 5), (2, 3, 2), (1, 2, 2), 0, (2, 1, 1), auto_pad="VALID"))
    return cases


def onnx_ceil():
    """ceil_mode with asymmetric explicit pads: the last window overhangs the
    end padding, or would start in it and is dropped."""
    rng = np.random.default_rng(5004)
    v = lambda *shape: values(rng, shape)
    cases = []

    def ceil_sizes(L, k, s, d, pb, pe):
        ke = d * (k - 1) + 1
        floor = onnx_out_size(L, s, ke, pb, pe, False)
        ceil = onnx_out_size(L, s, ke, pb, pe, True)
        undropped = (L + pb + pe - ke + s - 1) // s + 1
        return floor, ceil, undropped, (ceil - 1) * s - pb + ke - 1 >= L + pe

    # (L, k, s, d, pb, pe): the ceil-mode window overhangs L + pe
    overhang = [(6, 3, 2, 1, 2, 0), (8, 3, 3, 2, 4, 1), (4, 4, 2, 1, 3, 2), (3, 4, 2, 2, 6, 1)]
    # ... or would start at or after L + pb and is dropped
    dropped = [(5, 2, 3, 1, 1, 0), (4, 3, 3, 1, 2, 1), (5, 3, 2, 2, 3, 4)]
    for L, k, s, d, pb, pe in overhang + dropped:
        floor, ceil, undropped, over = ceil_sizes(L, k, s, d, pb, pe)
        if (L, k, s, d, pb, pe) in overhang:
            assert ceil > floor and over, (L, k, s, d, pb, pe)
        else:
            assert undropped > ceil, (L, k, s, d, pb, pe)
        x = v(1, 2, L)
        cases.append(OnnxCase("max", x, k, s, (pb, pe), d, True))
        cases.append(OnnxCase("avg", x, k, s, (pb, pe), d, True, cip=True))
        if (L, k, s, d, pb, pe) in overhang:
            cases.append(OnnxCase("avg", x, k, s, (pb, pe), d, True, cip=False))
    ones = np.ones((1, 1, 6), np.float32)
    cases.append(OnnxCase("avg", ones, 3, 2, (2, 0), 1, True, cip=True, tag="ones"))
    cases.append(OnnxCase("avg", ones, 3, 2, (2, 0), 1, True, cip=False, tag="ones"))
    nd_cases = [
        OnnxCase("max", v(1, 2, 6, 4), (3, 4), (2, 2), ((2, 3), (0, 2)), 1, True),
        OnnxCase("avg", v(1, 2, 6, 4), (3, 4), (2, 2), ((2, 3), (0, 2)), 1, True, cip=True),
        OnnxCase("avg", v(1, 2, 8, 5), (3, 3), (3, 2), ((4, 1), (1, 0)), (2, 1), True, cip=False),
        OnnxCase("max", v(1, 2, 5, 6, 4), (2, 3, 4), (3, 2, 2), ((1, 2, 3), (0, 0, 2)), 1, True),
        OnnxCase("avg", v(1, 2, 5, 6, 4), (2, 3, 4), (3, 2, 2), ((1, 2, 3), (0, 0, 2)), 1, True, cip=True),
    ]
    for cs in nd_cases:
        sizes = [ceil_sizes(L, k, s, d, pb, pe) for L, k, s, d, pb, pe in zip(
            cs.x.shape[2:], cs.kernel, cs.stride, cs.dilation, cs.pad_begin, cs.pad_end)]
        assert any(c > f and over for f, c, _, over in sizes), "no overhang: " + cs.base_name()
    return cases + nd_cases


def onnx_nan():
    """nan_mode ignore: NaN never wins; only-NaN / -inf windows give -inf with
    the first in-input tap's index; averages propagate NaN."""
    rng = np.random.default_rng(5005)
    v = lambda special, *shape: values(rng, shape, special)
    row = np.array([[[1, NAN, 3, NAN, NAN, NAN, -INF, NAN, 2, -INF, -INF, 5]]], np.float32)
    allnan = np.full((1, 1, 5), NAN, np.float32)
    neg = np.full((1, 2, 6), -INF, np.float32)
    dense = v("nan", 1, 2, 6, 7)
    dense[:, :, 2:5, 1:5] = NAN
    dense[:, 1, 3, 2] = -INF
    return [
        OnnxCase("max", row, 3, 1, (2, 1), tag="nan"),
        OnnxCase("max", row, 2, 2, (1, 1), 2, tag="nan"),
        OnnxCase("max", row, 4, 3, (3, 1), 1, True, tag="nan"),
        OnnxCase("max", allnan, 3, 2, (1, 2), tag="allnan"),
        OnnxCase("max", neg, 3, 1, (2, 0), tag="neginf"),
        OnnxCase("max", dense, (3, 2), 1, ((2, 0), (0, 1)), tag="nan"),
        OnnxCase("max", dense, 3, 2, 0, (1, 2), auto_pad="SAME_LOWER", tag="nan"),
        OnnxCase("max", v("nan", 1, 3, 5, 6), (2, 3), (1, 2), ((1, 0), (2, 1)), (2, 1), True, tag="nan"),
        OnnxCase("max", v("naninf", 1, 2, 3, 5, 6), (2, 2, 3), (1, 2, 1), 0, (1, 1, 2), auto_pad="SAME_UPPER", tag="naninf"),
        OnnxCase("avg", row, 3, 1, (2, 1), cip=False, tag="nan"),
        OnnxCase("avg", v("naninf", 1, 2, 5, 6), (3, 2), (2, 1), ((2, 1), (0, 1)), (1, 2), cip=True, tag="naninf"),
    ]


def onnx_cases():
    return (onnx_hand()
            + onnx_explicit_1d()
            + onnx_explicit_nd()
            + onnx_auto_pad()
            + onnx_ceil()
            + onnx_nan())


# ---------------------------------------------------------------------------
# ONNX: torch path (written to the file)
# ---------------------------------------------------------------------------

def onnx_padded_lengths(cs):
    """Per axis, the padded length (O-1)*s + ke that a VALID floor-mode
    pooling turns into exactly O windows."""
    return tuple((o - 1) * s + e for o, s, e in zip(cs.out_spatial, cs.stride, cs.effective))


def onnx_pad(cs, t, pad_value, extra_value):
    """Pads t by (pb, pe) with pad_value, then extends (or crops) the end so
    each axis has onnx_padded_lengths(cs); the extension (reached only by a
    ceil-mode window) is filled with extra_value."""
    spatial = cs.x.shape[2:]
    first, second = [], []
    for a in reversed(range(cs.nd)):
        first += [cs.pad_begin[a], cs.pad_end[a]]
        extra = onnx_padded_lengths(cs)[a] - (spatial[a] + cs.pad_begin[a] + cs.pad_end[a])
        second += [0, extra]
    t = F.pad(t, first, mode="constant", value=pad_value)
    t = F.pad(t, second, mode="constant", value=extra_value)
    assert tuple(t.shape[2:]) == onnx_padded_lengths(cs), cs.base_name()
    return t


def window_sum_pool(cs, t):
    """Sum over each window of a padded tensor with avg_pool (no dilation)."""
    assert all(d == 1 for d in cs.dilation)
    if cs.nd == 1:
        y = F.avg_pool2d(t.unsqueeze(2), (1,) + cs.kernel, (1,) + cs.stride, 0,
                         False, True, 1)
        return y.squeeze(2)
    fn = F.avg_pool2d if cs.nd == 2 else F.avg_pool3d
    return fn(t, cs.kernel, cs.stride, 0, False, True, 1)


def window_sum_unfold(cs, t):
    """Sum over each (dilated) window of a padded tensor with Tensor.unfold."""
    for a in range(cs.nd):
        t = t.unfold(2 + a, cs.effective[a], cs.stride[a])[..., ::cs.dilation[a]]
    return t.sum(dim=tuple(range(-cs.nd, 0)))


def first_input_tap(cs):
    """Per output position, the plane index of the first in-input tap
    (row-major window order), or None if some window has none."""
    spatial = cs.x.shape[2:]
    per_axis = []
    for L, k, s, d, pb, o_n in zip(spatial, cs.kernel, cs.stride, cs.dilation,
                                   cs.pad_begin, cs.out_spatial):
        firsts = []
        for o in range(o_n):
            taps = [o * s - pb + j * d for j in range(k) if 0 <= o * s - pb + j * d < L]
            if not taps:
                return None
            firsts.append(taps[0])
        per_axis.append(np.array(firsts, np.int64))
    plane_strides = [int(np.prod(spatial[a + 1:])) for a in range(cs.nd)]
    grids = np.ix_(*per_axis)
    return sum(g * m for g, m in zip(grids, plane_strides))


def onnx_has_empty_window(cs):
    return first_input_tap(cs) is None


def onnx_torch(cs):
    x = torch.from_numpy(cs.x.copy())
    spatial = cs.x.shape[2:]
    if cs.op == "max":
        # NaN is ignored: it becomes -inf, as padding and the ceil extension
        xm = torch.where(torch.isnan(x), torch.tensor(-INF), x)
        xp = onnx_pad(cs, xm, -INF, -INF)
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[cs.nd]
        out, pidx = fn(xp, cs.kernel, cs.stride, 0, cs.dilation, ceil_mode=False,
                       return_indices=True)
        assert tuple(out.shape[2:]) == cs.out_spatial, cs.base_name()
        # padded-plane index -> unpadded-plane index
        plengths = onnx_padded_lengths(cs)
        idx = torch.zeros_like(pidx)
        inside = torch.ones_like(pidx, dtype=torch.bool)
        for a in range(cs.nd):
            coord = (pidx // int(np.prod(plengths[a + 1:]))) % plengths[a] - cs.pad_begin[a]
            inside &= (coord >= 0) & (coord < spatial[a])
            idx += coord * int(np.prod(spatial[a + 1:]))
        finite = out > -INF
        assert bool(inside[finite].all()), "padding selected: " + cs.base_name()
        # all -inf (or NaN) window: torch may point at padding; ONNX Runtime
        # (and our rule) gives the first in-input tap
        first = torch.from_numpy(np.broadcast_to(first_input_tap(cs), cs.out_spatial).copy())
        idx = torch.where(finite, idx, first.expand_as(idx))
        return out.contiguous().numpy(), idx.contiguous().numpy()
    ones = torch.ones((1, 1) + tuple(spatial), dtype=torch.float32)
    sum_fns = [window_sum_unfold]
    if all(d == 1 for d in cs.dilation):
        sum_fns.insert(0, window_sum_pool)
    results = []
    for window_sum in sum_fns:
        total = window_sum(cs, onnx_pad(cs, x, 0.0, 0.0))
        if cs.cip:
            count = window_sum(cs, onnx_pad(cs, ones, 1.0, 0.0))
        else:
            count = window_sum(cs, onnx_pad(cs, ones, 0.0, 0.0))
        assert tuple(total.shape[2:]) == cs.out_spatial, cs.base_name()
        assert bool((count >= 1).all()), cs.base_name()
        results.append((total / count).contiguous().numpy())
    for other in results[1:]:
        assert same(results[0], other), "avg_pool and unfold sums differ: " + cs.base_name()
    return results[0], None


# ---------------------------------------------------------------------------
# ONNX: naive direct loop
# ---------------------------------------------------------------------------

def onnx_reference(cs):
    spatial = cs.x.shape[2:]
    N, C = cs.x.shape[:2]
    osz = cs.out_spatial
    out = np.empty((N, C) + osz, np.float32)
    idx = np.empty((N, C) + osz, np.int64)
    plane_strides = [int(np.prod(spatial[a + 1:])) for a in range(cs.nd)]
    flat = lambda tap: sum(t * m for t, m in zip(tap, plane_strides))
    for n, c in itertools.product(range(N), range(C)):
        plane = cs.x[n, c]
        for o in itertools.product(*(range(i) for i in osz)):
            axes = [[oi * s - pb + j * d for j in range(k)]
                    for oi, s, pb, k, d in zip(o, cs.stride, cs.pad_begin, cs.kernel, cs.dilation)]
            in_input = [[t for t in ax if 0 <= t < L] for ax, L in zip(axes, spatial)]
            assert all(in_input), "empty window: " + cs.base_name()
            if cs.op == "max":
                best = np.float32(-INF)
                best_i = None
                for tap in itertools.product(*in_input):
                    val = plane[tap]
                    if best_i is None:
                        best_i = flat(tap)
                    if not math.isnan(val) and val > best:
                        best, best_i = val, flat(tap)
                out[(n, c) + o] = best
                idx[(n, c) + o] = best_i
            else:
                total = np.float32(0)
                for tap in itertools.product(*in_input):
                    total = np.float32(total + plane[tap])
                if cs.cip:
                    div = int(np.prod([sum(1 for t in ax if -pb <= t < L + pe)
                                       for ax, L, pb, pe in zip(axes, spatial, cs.pad_begin, cs.pad_end)]))
                else:
                    div = int(np.prod([len(t) for t in in_input]))
                out[(n, c) + o] = np.float32(total / np.float32(div))
    return out, (idx if cs.op == "max" else None)


def onnx_block(name, cs, out, idx):
    return block(name, cs, out, idx, source="onnx", pad_begin=cs.pad_begin, pad_end=cs.pad_end, divisor=0,
                 nan_mode="ignore", auto_pad=cs.auto_pad, comment=cs.comment or ())


def write_onnx():
    blocks, names, skipped = [], set(), []
    counts = {}
    for cs in onnx_cases():
        name = cs.base_name()
        if onnx_has_empty_window(cs):
            skipped.append(name + " (a window has no tap inside the input)")
            continue
        out, idx = onnx_torch(cs)
        ref_out, ref_idx = onnx_reference(cs)
        assert same(out, ref_out), "ONNX reference output mismatch: " + name
        assert idx is None or same(idx, ref_idx), "ONNX reference index mismatch: " + name
        if cs.expect is not None:
            want, want_idx = cs.expect
            assert same(out.ravel(), np.array(want, np.float32)), "hand values differ: " + name
            assert want_idx is None or list(idx.ravel()) == want_idx, "hand indices differ: " + name
        base, k = name, 2
        while name in names:
            name = "%s_%d" % (base, k)
            k += 1
        names.add(name)
        blocks.append(onnx_block(name, cs, out, idx))
        key = (cs.op, cs.auto_pad)
        counts[key] = counts.get(key, 0) + 1

    header = [
        "# Golden vectors for ONNX MaxPool / AveragePool semantics that PyTorch's pooling",
        "# functions cannot express: asymmetric pads up to effective_kernel - 1, auto_pad",
        "# SAME_UPPER / SAME_LOWER / VALID, count_include_pad 0/1 with dilations (opset 19+),",
        "# ceil_mode with asymmetric pads, NaN ignored by max (as ONNX Runtime).",
        "# Computed from ONNX's definitions with torch %s, numpy %s, CPU, float32 (no ONNX"
        % (torch.__version__, np.__version__),
        "# runtime): the input is padded with F.pad and pooled without padding; every case",
        "# also matches a naive direct loop. Rules: see java/src/test/golden/generate.py.",
        "# Generated by java/src/test/golden/generate.py; do not edit by hand.",
        "# pad_begin / pad_end: resolved padding, also for auto_pad cases.",
        "# count_include_pad 1: divisor = taps inside [-pad_begin, L + pad_end); taps beyond",
        "#   (ceil mode only) count as neither input nor padding.",
        "# nan_mode ignore (max): NaN never wins; a window of only NaN / -inf gives -Infinity",
        "#   and the index of its first in-input tap. Averages propagate NaN.",
        "# indices: flat index within the (n, c) spatial plane (not ONNX's whole-tensor index).",
        "# %d cases (%s)." % (len(blocks), ", ".join(
            "%s %s: %d" % (op, ap, n) for (op, ap), n in sorted(counts.items()))),
    ]
    if skipped:
        header.append("# Skipped:")
        header += ["#   " + s for s in skipped]
    text = "\n".join(header) + "\n\n" + "\n".join(blocks)
    path = os.path.join(OUT_DIR, "onnx.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %s: %d cases, %d skipped, %d bytes"
          % (path, len(blocks), len(skipped), len(text.encode("utf-8"))))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    blocks, names, skipped = [], set(), []
    with np.errstate(invalid="ignore", over="ignore"):
        for cs in all_cases():
            name = cs.base_name()
            if cs.op == "max" and has_empty_window(cs):
                skipped.append(name + " (a window has no tap inside the input)")
                continue
            try:
                out, idx = run_torch(cs)
            except RuntimeError as e:
                skipped.append("%s (torch: %s)" % (name, str(e).splitlines()[0]))
                continue
            ref_out, ref_idx = reference(cs)
            assert same(out, ref_out), "reference output mismatch: " + name
            assert idx is None or same(idx, ref_idx), "reference index mismatch: " + name
            if cs.op == "max":
                plain, _ = run_torch(cs, with_indices=False)
                assert same(out, plain), "max without indices differs: " + name
            if cs.nd > 1:
                fmt = torch.channels_last if cs.nd == 2 else torch.channels_last_3d
                cl_out, cl_idx = run_torch(cs, fmt)
                assert same(out, cl_out), "channels_last output differs: " + name
                assert idx is None or same(idx, cl_idx), "channels_last index differs: " + name
            base, k = name, 2
            while name in names:
                name = "%s_%d" % (base, k)
                k += 1
            names.add(name)
            blocks.append(block(name, cs, out, idx))

    header = [
        "# Golden vectors for max/avg pooling from torch.nn.functional",
        "# (max_pool{1,2,3}d with return_indices=True, avg_pool{1,2,3}d).",
        "# torch %s, numpy %s, CPU, float32." % (torch.__version__, np.__version__),
        "# Generated by java/src/test/golden/generate.py; do not edit by hand.",
        "# Each case also matches the channels_last / channels_last_3d result.",
        "# indices: flat index within the (n, c) spatial plane.",
        "# %d cases." % len(blocks),
    ]
    if skipped:
        header.append("# Skipped:")
        header += ["#   " + s for s in skipped]
    text = "\n".join(header) + "\n\n" + "\n".join(blocks)

    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "pytorch.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("wrote %s: %d cases, %d skipped, %d bytes"
          % (path, len(blocks), len(skipped), len(text.encode("utf-8"))))

    with np.errstate(invalid="ignore", over="ignore"):
        write_onnx()


if __name__ == "__main__":
    sys.exit(main())
