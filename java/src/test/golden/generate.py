#!/usr/bin/python3
"""Golden test vectors for max and average pooling.

Writes java/src/test/resources/golden/pytorch.txt: max_pool1d/2d/3d (with
return_indices=True) and avg_pool1d/2d/3d from torch.nn.functional, computed
by PyTorch 1.13 (Debian bookworm's python3-torch, numpy 1.24) on CPU.

An ONNX file (onnx.txt) is not written: Debian bookworm ships onnx 1.12,
which has no onnx.reference.ReferenceEvaluator, and no onnxruntime.

Run from the repository root with Debian's interpreter (not a pyenv one):

    /usr/bin/python3 java/src/test/golden/generate.py

The output is deterministic (fixed seeds, single thread). Every case is also
checked against
  * the same op on a channels_last / channels_last_3d input (2d / 3d),
  * max_pool1d/2d/3d without return_indices (values only),
  * a naive reference of the intended semantics (output size, divisor,
    NaN propagation, tie-breaking and index rules),
and the script fails if any of them disagrees.

File format: one block per case, blank line between blocks, '#' comments.

    case <unique-name>
    source pytorch
    op max|avg
    input_shape N C S1 [S2 [S3]]
    kernel k1 ...
    stride s1 ...
    pad_begin p1 ...
    pad_end p1 ...
    dilation d1 ...
    ceil_mode 0|1
    count_include_pad 0|1        (0 for max)
    divisor_override 0|n         (0 = none)
    nan_mode propagate
    auto_pad NOTSET
    output_shape N C O1 ...
    input v ...                  (NCHW contiguous order)
    output v ...
    indices i ...                (max only; index within the (n, c) plane)
    end

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
            + realistic())


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


def block(name, cs, out, idx):
    lines = [
        "case " + name,
        "source pytorch",
        "op " + cs.op,
        "input_shape " + ints(cs.x.shape),
        "kernel " + ints(cs.kernel),
        "stride " + ints(cs.stride),
        "pad_begin " + ints(cs.pad),
        "pad_end " + ints(cs.pad),
        "dilation " + ints(cs.dilation),
        "ceil_mode %d" % cs.ceil,
        "count_include_pad %d" % cs.cip,
        "divisor_override %d" % cs.divisor,
        "nan_mode propagate",
        "auto_pad NOTSET",
        "output_shape " + ints(out.shape),
        "input " + " ".join(fmt_float(v) for v in cs.x.ravel()),
        "output " + " ".join(fmt_float(v) for v in out.ravel()),
    ]
    if idx is not None:
        lines.append("indices " + ints(idx.ravel()))
    lines.append("end")
    return "\n".join(lines) + "\n"


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


if __name__ == "__main__":
    sys.exit(main())
